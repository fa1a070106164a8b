/**
 * The scan pipeline: walk → read → detect → parse (with embedded documents) → link → rules →
 * findings (positions, fingerprints, suppressions) → ScanResult.
 *
 * The engine knows scanners and rules only through their interfaces; the CLI (or a test) passes
 * them in. Nothing here formats output.
 */
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import Tinypool from 'tinypool';
import path from 'node:path';
import type { FaultlineConfig } from './config.js';
import type { Finding, FindingLocation, Suppression } from './finding.js';
import { assignFingerprints, baseFingerprint } from './fingerprint.js';
import { get, isMap, str, type Diagnostic, type Document, type Format } from './model.js';
import { EXPIRED_SUPPRESSION, INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from './meta-rules.js';
import { detectScanner, FileParse, makeLinkContext, type EmbedMemo, type MemoisedEmbed, type ParserRegistry } from './parse.js';
import { looksBinary, makeRootReader, readBounded, toSource } from './read.js';
import type { ReportedDiagnostic, ScanResult, ScheduleWindow } from './result.js';
import type { ActiveRule } from './rule-config.js';
import type { Report, RuleMeta, Severity } from './rule-api.js';
import { DEFAULT_LIMITS, type Limits, type Scanner } from './scanner-api.js';
import { ScanModel } from './scan-model.js';
import { lineText, positionAt, rangeOf, type Loc, type SourceFile } from './source.js';
import {
  ANNOTATION_PREFIX,
  findInlineDirectives,
  isExpired,
  parseAnnotationValue,
  type InlineDirective,
} from './suppressions.js';
import { isInside, toPosix, walk } from './walker.js';
import picomatch from 'picomatch';
import type { Baseline } from './baseline.js';
import { ConfigError } from './config-load.js';
import { ParseCache, textHash, type CachedParse, type CacheStats } from './cache.js';
import type { ParseTask, ParseTaskResult } from './parse-worker.js';

export interface EngineOptions {
  /** Absolute scan root: every reported path is relative to it. */
  root: string;
  /** Absolute files/directories to scan (default: the root). */
  targets?: string[];
  config: FaultlineConfig;
  scanners: readonly Scanner[];
  rules: readonly ActiveRule[];
  /** Effective metadata of the engine's own suppression rules (disabled ones left out). */
  metaRules: readonly RuleMeta[];
  baseline?: Baseline;
  /** Today's date (YYYY-MM-DD, UTC) for waiver expiry; default: the real date. */
  today?: string;
  /**
   * Changed-files mode: the whole tree is parsed so cross-file rules keep their context, but only
   * findings whose primary or related locations touch these repo-relative paths are reported.
   */
  reportPaths?: ReadonlySet<string>;
  /**
   * Directory of the parse cache (see cache.ts); absent = no cache. Only parse results are cached:
   * linking, rules and suppressions always run.
   */
  cacheDir?: string;
  /**
   * Worker threads to parse in (default 1: parse in this thread). Used only with the built-in
   * scanners (`builtinScanners` must be the same array as `scanners`) and when the scan has at
   * least `workerThreshold` files (default 200). Results are identical whatever the count.
   */
  workers?: number;
  workerThreshold?: number;
  builtinScanners?: readonly Scanner[];
  /** Called as files are parsed (for progress bars). */
  onProgress?: (done: number, total: number, file: string) => void;
  version: string;
  failOn: Severity | 'never';
}

export interface EngineOutput {
  result: ScanResult;
  model: ScanModel;
  /** Wall time per phase and per rule, in ms (for `FAULTLINE_TIMING=1`). */
  timings: { phases: Record<string, number>; rules: Record<string, number>; heapMB: Record<string, number> };
  /** Parse-cache counters, when a cache was used. */
  cache?: CacheStats;
}

const HEAD_BYTES = 4096;
/** Files in the scan before worker threads are worth starting. */
const WORKER_THRESHOLD = 200;
/** Files per worker task. */
const WORKER_BATCH = 32;


const headDecoder = new TextDecoder('utf-8', { fatal: false });

function formatMessage(template: string | undefined, data: Record<string, string | number> | undefined, ruleId: string, messageId: string): string {
  if (template === undefined) return `${ruleId}: unknown message '${messageId}'`;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (data && k in data ? String(data[k]) : m));
}

export async function runScan(opts: EngineOptions): Promise<EngineOutput> {
  const started = Date.now();
  const phases: Record<string, number> = {};
  const ruleTimes: Record<string, number> = {};
  let phaseStart = performance.now();
  const heapMB: Record<string, number> = {};
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = (phases[name] ?? 0) + (now - phaseStart);
    heapMB[name] = process.memoryUsage().heapUsed / 2 ** 20;
    phaseStart = now;
  };
  // Reproducible output: with SOURCE_DATE_EPOCH set (the reproducible-builds convention), every
  // timestamp is that instant and durations are 0, so JSON and SARIF are byte-identical across runs.
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const fixedTime = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : undefined;
  const startedAt = fixedTime ?? new Date(started).toISOString();
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.config.limits };
  const root = path.resolve(opts.root);
  const realRoot = realpathSync(root);
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, SourceFile>();

  // -- reading files referenced by other files (file(), Packer scripts, provisioner sources)
  // While a file is parsed for the cache, the other files its parse reads are its dependencies.
  let parseDeps: Map<string, string> | undefined;
  const hashes = new Map<string, string>();
  const hashOf = (f: SourceFile | undefined): string => {
    if (!f) return '';
    let h = hashes.get(f.path);
    if (h === undefined) hashes.set(f.path, (h = textHash(f.text)));
    return h;
  };
  const readRootFile = (rel: string): SourceFile | undefined => {
    const f = readAnyRootFile(rel);
    if (parseDeps) parseDeps.set(f?.path ?? rel, hashOf(f));
    return f;
  };
  const readAnyRootFile = makeRootReader(root, realRoot, limits.maxFileBytes, files);
  const registry: ParserRegistry = { scanners: opts.scanners, limits, readRootFile };

  // -- walk
  const targets = opts.targets?.length ? opts.targets : [root];
  const walked = await walk({
    root,
    targets,
    include: opts.config.include,
    exclude: opts.config.exclude,
    gitignore: opts.config.gitignore,
  });
  diagnostics.push(...walked.diagnostics);
  phase('walk');

  // -- detect, read, parse
  const documents: Document[] = [];
  const initialised = new Set<Scanner>();
  // Any scanner may be needed for an embedded document (a shell heredoc inside a preseed inside a
  // MIME part...), and parsing is synchronous: start them all when the first file needs parsing
  // (or linking). Repositories with no recognised file, and fully cached scans, load no grammar
  // until then.
  const initScanners = async (file: string) => {
    if (initialised.size) return;
    for (const s of registry.scanners) {
      initialised.add(s);
      try {
        await s.init?.();
      } catch (e) {
        diagnostics.push({ severity: 'error', code: 'internal-error', file, message: `${s.name} scanner could not start: ${String(e)}` });
      }
    }
  };
  const cache = opts.cacheDir
    ? ParseCache.open(opts.cacheDir, realRoot, { version: opts.version, limits, scanners: opts.scanners.map((s) => s.name) })
    : undefined;
  const depsStillMatch = (deps: [string, string][]) => deps.every(([p, h]) => hashOf(readRootFile(p)) === h);
  let scanned = 0;
  let skipped = 0;
  let done = 0;
  // Each walked file gets a slot, filled in walk order whatever parses it (a cache hit, this
  // thread or a worker), so documents and diagnostics come out in the same order every time.
  interface Slot {
    documents: Document[];
    diagnostics: Diagnostic[];
  }
  interface Job {
    slot: Slot;
    file: SourceFile;
    claim: { scanner: Scanner; format: Format };
    key?: string;
  }
  const slots: Slot[] = [];
  const overBudget = (file: string, elapsed: number): Diagnostic => ({
    severity: 'warning',
    code: 'time-budget',
    file,
    message: `parsing took ${Math.round(elapsed)} ms, over the ${limits.fileTimeBudgetMs} ms budget`,
  });
  const parseHere = async (job: Job) => {
    await initScanners(job.file.path);
    const t0 = performance.now();
    const fp = new FileParse(registry, job.file);
    if (job.key) parseDeps = new Map();
    fp.parseRoot(job.claim.format, job.claim.scanner);
    if (job.key) {
      cache!.put(job.key, { documents: fp.documents, diagnostics: fp.diagnostics, deps: [...parseDeps!] });
      parseDeps = undefined;
    }
    const elapsed = performance.now() - t0;
    job.slot.documents.push(...fp.documents);
    job.slot.diagnostics.push(...fp.diagnostics);
    if (elapsed > limits.fileTimeBudgetMs) job.slot.diagnostics.push(overBudget(job.file.path, elapsed));
    opts.onProgress?.(++done, walked.files.length, job.file.path);
  };

  // With workers, every file is parsed in a worker thread, which (unlike this thread) can be
  // stopped: a parse that outruns the time budget cannot hang the scan. Workers need the compiled
  // worker module and run only the built-in scanners; for a scan of a few files the in-process
  // parse is used (each worker loads its own grammars).
  const workerCount = Math.max(1, Math.floor(opts.workers ?? 1));
  const workerFile = new URL('./parse-worker.js', import.meta.url);
  const pool =
    workerCount > 1 &&
    walked.files.length >= (opts.workerThreshold ?? WORKER_THRESHOLD) &&
    opts.scanners === opts.builtinScanners &&
    existsSync(fileURLToPath(workerFile))
      ? new Tinypool({ filename: fileURLToPath(workerFile), minThreads: workerCount, maxThreads: workerCount })
      : undefined;
  // Files go to the workers in batches (one message per batch, not per file) while reading goes
  // on, with two batches per worker in flight (one running, one queued behind it, so a worker
  // never waits for this thread). A batch not finished within the time budget is abandoned (its
  // worker is terminated and replaced) and its files are parsed again one per task, so the slow
  // file is the only one that ends up with a diagnostic instead of documents; a batch that only
  // waited behind a slow one parses normally on that second try.
  const inflight = new Set<Promise<void>>();
  let batch: Job[] = [];
  const runTask = async (jobs: Job[]): Promise<'ok' | 'timeout'> => {
    const task: ParseTask = {
      root,
      realRoot,
      limits,
      files: jobs.map(({ file, claim }) => ({ path: file.path, absPath: file.absPath, text: file.text, format: claim.format, scanner: claim.scanner.name })),
    };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), limits.fileTimeBudgetMs);
    let results: ParseTaskResult[];
    try {
      results = (await pool!.run(task, { signal: ac.signal })) as ParseTaskResult[];
    } catch (e) {
      if (ac.signal.aborted) return 'timeout';
      for (const job of jobs) {
        job.slot.diagnostics.push({ severity: 'error', code: 'internal-error', file: job.file.path, message: `parse worker failed: ${(e as Error).message ?? String(e)}` });
        opts.onProgress?.(++done, walked.files.length, job.file.path);
      }
      return 'ok';
    } finally {
      clearTimeout(timer);
    }
    jobs.forEach((job, i) => {
      const r = results[i];
      const entry = v8.deserialize(r.payload) as CachedParse;
      // the files the parse read: read here too, for positions and dependency hashes
      for (const [dep] of entry.deps) readRootFile(dep);
      job.slot.documents.push(...entry.documents);
      job.slot.diagnostics.push(...entry.diagnostics);
      if (r.elapsedMs > limits.fileTimeBudgetMs) job.slot.diagnostics.push(overBudget(job.file.path, r.elapsedMs));
      if (job.key) cache!.putPayload(job.key, r.payload);
      opts.onProgress?.(++done, walked.files.length, job.file.path);
    });
    return 'ok';
  };
  const runBatch = async (jobs: Job[]) => {
    if ((await runTask(jobs)) === 'ok') return;
    for (const job of jobs) {
      if ((await runTask([job])) === 'timeout') {
        job.slot.diagnostics.push({
          severity: 'error',
          code: 'time-budget',
          file: job.file.path,
          message: `parsing abandoned after ${limits.fileTimeBudgetMs} ms (limits.fileTimeBudgetMs); this file's documents are missing from the scan`,
        });
        opts.onProgress?.(++done, walked.files.length, job.file.path);
      }
    }
  };
  const flush = async () => {
    if (!batch.length) return;
    while (inflight.size >= 2 * workerCount) await Promise.race(inflight);
    const p: Promise<void> = runBatch(batch).finally(() => inflight.delete(p));
    inflight.add(p);
    batch = [];
  };

  try {
    for (const wf of walked.files) {
      // One read per file: the size limit is checked before reading, and detection looks at the
      // first bytes of what was read. A file no scanner claims costs one small read.
      const bytes = readBounded(wf.absPath, limits.maxFileBytes);
      let headText = '';
      if ('bytes' in bytes) {
        const head = bytes.bytes.subarray(0, HEAD_BYTES);
        headText = looksBinary(head) ? '' : headDecoder.decode(head);
      }
      const claim = detectScanner(registry, wf.path, headText);
      if (!claim) {
        skipped++;
        opts.onProgress?.(++done, walked.files.length, wf.path);
        continue;
      }
      const read = toSource(wf.path, wf.absPath, bytes, limits.maxFileBytes);
      const slot: Slot = { documents: [], diagnostics: [...read.diagnostics] };
      slots.push(slot);
      if (!read.ok) {
        skipped++;
        opts.onProgress?.(++done, walked.files.length, wf.path);
        continue;
      }
      files.set(wf.path, read.file);
      scanned++;
      const key = cache?.keyOf(wf.path, read.file.text);
      const hit = key ? cache!.get(key, depsStillMatch) : undefined;
      if (hit) {
        slot.documents.push(...hit.documents);
        slot.diagnostics.push(...hit.diagnostics);
        opts.onProgress?.(++done, walked.files.length, wf.path);
        continue;
      }
      const job: Job = { slot, file: read.file, claim, key };
      if (!pool) await parseHere(job);
      else if (batch.push(job) >= WORKER_BATCH) await flush();
    }
    await flush();
    await Promise.all(inflight);
  } finally {
    await pool?.destroy();
  }
  for (const slot of slots) {
    documents.push(...slot.documents);
    diagnostics.push(...slot.diagnostics);
  }

  phase('read+parse');
  // -- link (cross-file resolution: Terraform modules, Packer templates)
  if (documents.length) await initScanners('.');
  const sink = { documents, diagnostics };
  const memo: EmbedMemo | undefined = cache && {
    lookup: (parentId, counter, req) => {
      const key = cache.keyOf(
        `embed\u0000${parentId}\u0000${counter}`,
        `${JSON.stringify([req.format ?? null, req.origin, req.map])}\u0000${req.text}`,
      );
      const hit = cache.get(key, depsStillMatch);
      return { key, hit: hit && hit.returned && hit.counters ? (hit as MemoisedEmbed) : undefined };
    },
    begin: () => {
      parseDeps = new Map();
    },
    end: (key, entry) => {
      cache.put(key, { ...entry, deps: [...parseDeps!] });
      parseDeps = undefined;
    },
  };
  const linkCtx = makeLinkContext(registry, files, sink, memo);
  for (const s of registry.scanners) {
    if (!s.link || !initialised.has(s)) continue;
    try {
      s.link(documents.slice(), linkCtx);
    } catch (e) {
      diagnostics.push({ severity: 'error', code: 'internal-error', file: '.', message: `${s.name} cross-file analysis failed: ${String(e)}` });
    }
  }

  // A scan of the whole root looked every file (and every link-phase embed) up: entries it did
  // not use are stale.
  if (cache && targets.length === 1 && path.resolve(targets[0]) === root) cache.prune();
  phase('link');
  const model = new ScanModel(documents, files, opts.config.fleet);

  // -- rules
  const raw: { meta: RuleMeta; report: Report }[] = [];
  const schedules: ScheduleWindow[] = [];
  for (const active of opts.rules) {
    const meta = active.meta;
    const ruleStart = performance.now();
    const ctx = {
      options: active.options,
      scan: model,
      report: (r: Report) => raw.push({ meta, report: r }),
      publishSchedules: (w: ScheduleWindow[]) => schedules.push(...w),
    };
    try {
      if (meta.scope === 'scan') active.rule.checkScan?.(ctx);
      else {
        for (const f of meta.formats) {
          for (const doc of model.ofFormat(f)) {
            try {
              active.rule.checkDocument?.(doc as Document, ctx);
            } catch (e) {
              diagnostics.push({
                severity: 'error',
                code: 'internal-error',
                file: doc.file,
                message: `rule ${meta.id} (${meta.name}) failed on this file: ${(e as Error).message ?? String(e)}`,
                loc: doc.loc,
              });
            }
          }
        }
      }
    } catch (e) {
      diagnostics.push({ severity: 'error', code: 'internal-error', file: '.', message: `rule ${meta.id} (${meta.name}) failed: ${(e as Error).message ?? String(e)}` });
    }
    ruleTimes[meta.id] = (ruleTimes[meta.id] ?? 0) + performance.now() - ruleStart;
  }
  phase('rules');

  // -- reports → findings
  const locationOf = (l: Loc, maxLines = 5): FindingLocation | undefined => {
    const f = files.get(l.file);
    if (!f) return undefined;
    const range = rangeOf(f, l);
    const lines: string[] = [];
    for (let i = range.start.line; i <= Math.min(range.end.line, range.start.line + maxLines - 1); i++) lines.push(lineText(f, i));
    return { path: l.file, range, snippet: lines.join('\n') };
  };
  const chainOf = (doc: Document | undefined): string[] | undefined => {
    if (!doc?.origin) return undefined;
    return model
      .ancestry(doc)
      .filter((d) => d.origin)
      .map((d) => d.origin!.label);
  };

  interface Pending {
    finding: Omit<Finding, 'fingerprint'>;
    key?: string;
    text: string;
    resourceLoc?: Loc;
    document?: Document;
    /** The primary location as root offsets. */
    primary: Loc;
    /** For findings in synthesized CDKTF output: the construct's source span in the .ts file. */
    synthesizedFrom?: Loc;
  }

  // Terraform JSON blocks synthesized by CDKTF (`cdktf.out/.../cdk.tf.json`) that know their construct.
  const synthesizedBlocks = model
    .ofFormat('terraform')
    .filter((d) => d.model.syntax === 'json')
    .flatMap((d) => d.model.body.blocks.filter((b) => b.constructPath));
  const synthesizedBlockAt = (l: Loc) =>
    synthesizedBlocks.find((b) => b.loc.file === l.file && b.loc.start <= l.start && l.end <= b.loc.end);
  const pending: Pending[] = [];
  const dedupe = new Set<string>();
  for (const { meta, report } of raw) {
    const location = locationOf(report.loc);
    if (!location) {
      diagnostics.push({ severity: 'error', code: 'internal-error', file: report.loc.file, message: `rule ${meta.id} reported a location in a file that was not read` });
      continue;
    }
    const message = formatMessage(meta.messages[report.messageId], report.data, meta.id, report.messageId);
    const d = `${meta.id}\u0000${report.loc.file}\u0000${report.loc.start}\u0000${report.loc.end}\u0000${message}`;
    if (dedupe.has(d)) continue;
    dedupe.add(d);
    // related locations: in order, each place-and-message once
    const seenRelated = new Set<string>();
    const related = (report.related ?? [])
      .filter((r) => {
        const k = `${r.loc.file}\u0000${r.loc.start}\u0000${r.loc.end}\u0000${r.message}`;
        if (seenRelated.has(k)) return false;
        seenRelated.add(k);
        return true;
      })
      .map((r) => {
        const l = locationOf(r.loc, 1);
        return l ? { ...l, message: r.message } : undefined;
      })
      .filter((x): x is NonNullable<typeof x> => x !== undefined);
    const sb = synthesizedBlocks.length ? synthesizedBlockAt(report.resourceLoc ?? report.loc) : undefined;
    if (sb?.constructPath) {
      const src = sb.sourceLoc ? locationOf(sb.sourceLoc, 1) : undefined;
      related.push(
        src
          ? { ...src, message: `synthesized from construct ${sb.constructPath} (${src.path}:${src.range.start.line})` }
          : { ...locationOf(sb.loc, 1)!, message: `synthesized from construct ${sb.constructPath}` },
      );
    }
    const f = files.get(report.loc.file)!;
    pending.push({
      primary: report.loc,
      synthesizedFrom: sb?.sourceLoc,
      finding: {
        ruleId: meta.id,
        ruleName: meta.name,
        severity: report.severity ?? meta.severity,
        message,
        location,
        resource: report.resource,
        related,
        embedding: chainOf(report.document),
      },
      key: report.key,
      text: f.text.slice(report.loc.start, Math.max(report.loc.start, report.loc.end)),
      resourceLoc: report.resourceLoc,
      document: report.document,
    });
  }

  phase('locate');
  // -- changed-files mode
  const touches = (p: Pending): boolean =>
    !opts.reportPaths || opts.reportPaths.has(p.finding.location.path) || p.finding.related.some((r) => opts.reportPaths!.has(r.path));
  // A hazard found both in CDKTF sources and in their committed synthesized output is one hazard:
  // keep the finding on the source, drop the one on the synthesized JSON.
  const deduped = pending.filter((p) => {
    const from = p.synthesizedFrom;
    if (!from) return true;
    return !pending.some(
      (q) => q !== p && q.finding.ruleId === p.finding.ruleId && q.primary.file === from.file && q.primary.start >= from.start && q.primary.end <= from.end,
    );
  });
  const kept = deduped.filter(touches);

  // -- suppressions
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const allRuleMetas = [...opts.rules.map((r) => r.meta), ...opts.metaRules];
  const knownRule = (ref: string): RuleMeta | undefined => allRuleMetas.find((m) => m.id === ref || m.name === ref);
  const metaEnabled = (m: RuleMeta) => opts.metaRules.find((x) => x.id === m.id);
  const metaFindings: Pending[] = [];
  const addMeta = (m: RuleMeta, messageId: string, data: Record<string, string>, l: Loc, related: Finding['related'] = []) => {
    const em = metaEnabled(m);
    if (!em) return;
    const location = locationOf(l, 1);
    if (!location) return;
    const f = files.get(l.file)!;
    metaFindings.push({
      finding: {
        ruleId: m.id,
        ruleName: m.name,
        severity: em.severity,
        message: formatMessage(m.messages[messageId], data, m.id, messageId),
        location,
        related,
      },
      text: f.text.slice(l.start, l.end),
      key: data.rule,
      primary: l,
    });
  };

  interface Waiver {
    kind: Suppression['kind'];
    rules: string[];
    reason: string;
    until?: string;
    loc?: Loc;
    /** Does it cover this pending finding? */
    covers(p: Pending): boolean;
    used: boolean;
    reportUnused: boolean;
  }
  const waivers: Waiver[] = [];

  // inline comments
  for (const f of files.values()) {
    for (const d of findInlineDirectives(f)) {
      const unknown = d.rules.find((r) => !knownRule(r));
      const problem = d.problem ?? (unknown ? `names unknown rule '${unknown}'` : undefined);
      if (problem) {
        addMeta(INVALID_SUPPRESSION, 'invalid', { problem }, d.loc);
        continue;
      }
      waivers.push(inlineWaiver(d, files));
    }
  }
  // Kubernetes annotations
  for (const doc of model.ofFormat('kubernetes')) {
    for (const obj of doc.model.objects) {
      const scopes = [get(obj.value, 'metadata', 'annotations'), get(obj.value, 'spec', 'template', 'metadata', 'annotations')];
      for (const ann of scopes) {
        if (!isMap(ann)) continue;
        for (const e of ann.entries) {
          if (!e.key.startsWith(ANNOTATION_PREFIX)) continue;
          const ref = e.key.slice(ANNOTATION_PREFIX.length);
          const parsed = parseAnnotationValue(str(e.value) ?? '');
          const l: Loc = { file: e.keyLoc.file, start: e.keyLoc.start, end: e.value.loc.end };
          const problem = !knownRule(ref) ? `names unknown rule '${ref}'` : parsed.problem;
          if (problem) {
            addMeta(INVALID_SUPPRESSION, 'invalid', { problem }, l);
            continue;
          }
          const objLoc = obj.loc;
          waivers.push({
            kind: 'annotation',
            rules: [ref],
            reason: parsed.reason!,
            until: parsed.until,
            loc: l,
            used: false,
            reportUnused: true,
            covers: (p) => {
              const pl = p.finding.location;
              if (pl.path !== objLoc.file) return false;
              const f = files.get(pl.path)!;
              const a = positionAt(f, objLoc.start).line;
              const b = positionAt(f, objLoc.end).line;
              return pl.range.start.line >= a && pl.range.start.line <= b;
            },
          });
        }
      }
    }
  }
  // config waivers
  for (const w of opts.config.waivers) {
    if (!knownRule(w.rule)) throw new ConfigError(`waivers: unknown rule '${w.rule}'`, opts.config.source);
    const match = w.paths?.length ? picomatch(w.paths, { dot: true }) : () => true;
    waivers.push({
      kind: 'config',
      rules: [w.rule],
      reason: w.reason,
      until: w.until,
      used: false,
      reportUnused: false,
      covers: (p) => match(p.finding.location.path) && (!w.resource || p.finding.resource === w.resource),
    });
  }

  const ruleMatches = (w: Waiver, p: Pending) => w.rules.some((r) => r === p.finding.ruleId || r === p.finding.ruleName);
  for (const p of kept) {
    for (const w of waivers) {
      if (!ruleMatches(w, p) || !w.covers(p)) continue;
      w.used = true;
      if (isExpired(w.until, today)) {
        if (w.loc) {
          addMeta(EXPIRED_SUPPRESSION, 'expired', { rule: p.finding.ruleId, until: w.until! }, w.loc, [
            { ...p.finding.location, message: `the finding it waived: ${p.finding.message}` },
          ]);
        } else if (opts.config.source) {
          // a config waiver: point at the config file when it is inside the root
          const rel = toPosix(path.relative(root, opts.config.source));
          const cf = readRootFile(rel);
          if (cf) {
            const i = cf.text.indexOf(w.until!);
            addMeta(EXPIRED_SUPPRESSION, 'expired', { rule: p.finding.ruleId, until: w.until! }, { file: rel, start: Math.max(0, i), end: Math.max(0, i) + w.until!.length }, [
              { ...p.finding.location, message: `the finding it waived: ${p.finding.message}` },
            ]);
          }
        }
        continue;
      }
      p.finding.suppression = {
        kind: w.kind,
        reason: w.reason,
        until: w.until,
        location: w.loc ? locationOf(w.loc, 1) : undefined,
      };
      break;
    }
  }
  for (const w of waivers) {
    if (w.used || !w.reportUnused || !w.loc) continue;
    if (opts.reportPaths && !opts.reportPaths.has(w.loc.file)) continue;
    // only rules that ran can prove a suppression unused
    if (!w.rules.every((r) => opts.rules.some((a) => a.meta.id === r || a.meta.name === r))) continue;
    addMeta(UNUSED_SUPPRESSION, 'unused', { rule: w.rules.join(', ') }, w.loc);
  }

  // -- order, fingerprints, baseline
  const all = [...kept, ...metaFindings.filter(touches)];
  all.sort((a, b) => cmpFinding(a.finding, b.finding));
  const fps = assignFingerprints(
    all.map((p) =>
      baseFingerprint({ ruleId: p.finding.ruleId, path: p.finding.location.path, resource: p.finding.resource, key: p.key, text: p.text }),
    ),
  );
  const findings: Finding[] = all.map((p, i) => ({ ...p.finding, fingerprint: fps[i] }));
  if (opts.baseline) {
    for (const f of findings) {
      if (f.suppression) continue;
      const entry = opts.baseline.findings[f.fingerprint];
      if (entry) f.suppression = { kind: 'baseline', reason: entry.reason ?? 'present in the baseline' };
    }
  }

  // -- result
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppression) suppressed++;
    else bySeverity[f.severity]++;
  }
  const reportedDiagnostics: ReportedDiagnostic[] = diagnostics
    .filter((d) => !opts.reportPaths || opts.reportPaths.has(d.file))
    .map((d) => {
      const f = d.loc ? files.get(d.loc.file) : undefined;
      return {
        severity: d.severity,
        code: d.code,
        message: d.message,
        path: d.file,
        ...(f && d.loc ? { range: rangeOf(f, d.loc) } : {}),
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0)));

  phase('suppress+fingerprint');
  const embedded = documents.filter((d) => d.origin).length;
  const result: ScanResult = {
    tool: { name: 'faultline', version: opts.version, informationUri: 'https://github.com/faultline-dev/faultline' },
    root,
    startedAt,
    finishedAt: fixedTime ?? new Date().toISOString(),
    findings,
    diagnostics: reportedDiagnostics,
    rules: [...opts.rules.map((r) => r.meta), ...opts.metaRules].sort((a, b) => (a.id < b.id ? -1 : 1)),
    stats: {
      filesSeen: walked.files.length,
      filesScanned: scanned,
      filesSkipped: skipped,
      documents: documents.length - embedded,
      embeddedDocuments: embedded,
      durationMs: fixedTime ? 0 : Date.now() - started,
      findingsBySeverity: bySeverity,
      suppressed,
    },
    failOn: opts.failOn,
    ...(schedules.length ? { schedules: schedules.sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line)) } : {}),
  };
  return { result, model, timings: { phases, rules: ruleTimes, heapMB }, ...(cache ? { cache: cache.stats } : {}) };
}

function inlineWaiver(d: InlineDirective, files: ReadonlyMap<string, SourceFile>) {
  return {
    kind: 'inline' as const,
    rules: d.rules,
    reason: d.reason!,
    until: d.until,
    loc: d.loc,
    used: false,
    reportUnused: true,
    covers(p: { finding: Omit<Finding, 'fingerprint'>; resourceLoc?: Loc }): boolean {
      if (p.finding.location.path !== d.file) return false;
      if (d.scope === 'file') return true;
      if (p.finding.location.range.start.line === d.targetLine) return true;
      if (p.resourceLoc && p.resourceLoc.file === d.file) {
        const f = files.get(d.file)!;
        return positionAt(f, p.resourceLoc.start).line === d.targetLine;
      }
      return false;
    },
  };
}

export function cmpFinding(a: Omit<Finding, 'fingerprint'>, b: Omit<Finding, 'fingerprint'>): number {
  const pa = a.location.path;
  const pb = b.location.path;
  if (pa !== pb) return pa < pb ? -1 : 1;
  const ra = a.location.range.start;
  const rb = b.location.range.start;
  if (ra.line !== rb.line) return ra.line - rb.line;
  if (ra.column !== rb.column) return ra.column - rb.column;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
