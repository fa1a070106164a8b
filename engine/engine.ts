/**
 * The scan pipeline: walk → read → detect → parse (with embedded documents) → link → rules →
 * findings (positions, fingerprints, suppressions) → ScanResult. Reading, parsing (cache, this
 * thread or workers) and linking live in parse-session.ts.
 *
 * The engine knows scanners and rules only through their interfaces; the CLI (or a test) passes
 * them in. Nothing here formats output.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { FaultlineConfig } from './config.js';
import type { Finding, FindingLocation, Suppression } from './finding.js';
import { assignFingerprints, baseFingerprint } from './fingerprint.js';
import { type Diagnostic, type Document } from './model.js';
import { kubernetesFacts } from './facts/kubernetes.js';
import { looseFiles, type LooseFile } from './facts/loose-files.js';
import { EXPIRED_SUPPRESSION, INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from './meta-rules.js';
import { ParseSession, type FactsOnlyStats } from './parse-session.js';
import type { ReportedDiagnostic, ScanResult, ScheduleWindow } from './result.js';
import type { ActiveRule } from './rule-config.js';
import type { Report, RuleMeta, Severity } from './rule-api.js';
import { DEFAULT_LIMITS, type Limits, type Scanner } from './scanner-api.js';
import { ScanModel } from './scan-model.js';
import { ScanState, type StateStats, type StoredSchedule } from './scan-state.js';
import { lineText, positionAt, rangeOf, type Loc, type SourceFile } from './source.js';
import {
  ANNOTATION_PREFIX,
  findInlineDirectives,
  isExpired,
  parseAnnotationValue,
  type InlineDirective,
} from './suppressions.js';
import { toPosix, walk } from './walker.js';
import picomatch from 'picomatch';
import type { Baseline } from './baseline.js';
import { ConfigError } from './config-load.js';
import type { CacheStats } from './cache.js';

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
   * Worker threads to parse in (default 1: parse in this thread), when `workerModule` is given
   * (the path of a module whose default export runs `runParseTask` with the same scanners, see
   * cli/parse-worker.ts) and the scan has at least `workerThreshold` files (default 200). Results
   * are identical whatever the count.
   */
  workers?: number;
  workerThreshold?: number;
  workerModule?: string;
  /**
   * How recent (ms before the scan's start) a file's stamp may be and still be kept in the scan
   * state (see scan-state.ts); default two seconds. Tests that write a tree and scan it at once set 0.
   */
  racyWindowMs?: number;
  /** Called as files are parsed (for progress bars). */
  onProgress?: (done: number, total: number, file: string) => void;
  version: string;
  failOn: Severity | 'never';
}

export interface EngineOutput {
  result: ScanResult;
  /** The documents the scan read: in changed-files mode with a cache, without the files it left unread. */
  model: ScanModel;
  /** Wall time per phase and per rule, in ms (for `FAULTLINE_TIMING=1`). */
  timings: { phases: Record<string, number>; rules: Record<string, number>; heapMB: Record<string, number> };
  /** Parse-cache counters, when a cache was used. */
  cache?: CacheStats;
  /** Files parse workers returned as facts only (see parse-task.ts), when there were any. */
  factsOnly?: FactsOnlyStats;
  /** Scan-state counters (see scan-state.ts), when the scan used one. */
  state?: StateStats;
}

function formatMessage(template: string | undefined, data: Record<string, string | number> | undefined, ruleId: string, messageId: string): string {
  if (template === undefined) return `${ruleId}: unknown message '${messageId}'`;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (data && k in data ? String(data[k]) : m));
}

export async function runScan(opts: EngineOptions): Promise<EngineOutput> {
  const first = await scan(opts, true);
  if (first !== 'retry') return first;
  // a changed-files scan left a Terraform module or Packer template directory unread that it turned
  // out to need after linking (see `UnreadFiles.resolve`): scan again, reading every such directory;
  // rare, and then about twice as long
  const second = await scan(opts, false);
  if (second === 'retry') throw new Error('internal error: a scan that leaves no module unread asked to be tried again');
  if (second.state) second.state.retried = true;
  return second;
}

async function scan(opts: EngineOptions, modulesUnread: boolean): Promise<EngineOutput | 'retry'> {
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

  const session = new ParseSession({ root, realRoot, limits, scanners: opts.scanners, cacheDir: opts.cacheDir, version: opts.version });

  // -- walk
  const targets = opts.targets?.length ? opts.targets : [root];
  const wholeTree = targets.length === 1 && path.resolve(targets[0]) === root;
  // what the last whole-tree scan with this cache learnt about the tree (see scan-state.ts)
  const state = session.cache?.storing && wholeTree ? ScanState.decode(session.cache.readState(), started, opts.racyWindowMs) : undefined;
  // the configuration the state's loose files were judged under must be this one (see scan-state.ts)
  const configHash = state ? createHash('sha256').update(JSON.stringify(opts.config)).digest('hex') : '';
  const walked = await walk({
    root,
    targets,
    include: opts.config.include,
    exclude: opts.config.exclude,
    gitignore: opts.config.gitignore,
    listDir: state ? (absDir, rel) => state.listDir(absDir, rel) : undefined,
  });
  diagnostics.push(...walked.diagnostics);
  phase('walk');

  // A reported configuration file leaves nothing unread: its waivers cover findings anywhere, and
  // one that has expired is reported at the waiver even when what it waives is an unchanged file
  // (an edit that changes nothing the configuration says keeps the stored verdicts valid).
  const configRel = opts.config.source ? toPosix(path.relative(root, opts.config.source)) : undefined;
  const leaveUnread = !!state && !(configRel && opts.reportPaths?.has(configRel));

  // -- detect, read, parse (from the cache, here or in workers), link
  const parsed = await session.parseAll(walked.files, {
    workers: opts.workers ?? 1,
    workerThreshold: opts.workerThreshold,
    workerModule: opts.workerModule,
    onProgress: opts.onProgress,
    lazy: opts.reportPaths ? (p) => !opts.reportPaths!.has(p) : undefined,
    state,
    reportPaths: leaveUnread ? opts.reportPaths : undefined,
    looseUnread: state?.storedConfig === configHash,
    modulesUnread,
  });
  let documents = parsed.documents;
  diagnostics.push(...parsed.diagnostics);
  const { scanned, skipped } = parsed;
  phase('read+parse');
  await session.link(documents, diagnostics);
  // changed-files mode: of the files left unread (see parse-session.ts), those a reported finding
  // can depend on are read now; the rest only count
  const unread = { files: 0, documents: 0, embedded: 0 };
  let storedSchedules: StoredSchedule[] = [];
  if (parsed.unread) {
    const r = await parsed.unread.resolve(documents);
    if (r === 'retry') {
      session.cache!.release();
      state!.release();
      return 'retry';
    }
    documents = r.documents;
    storedSchedules = r.schedules;
    diagnostics.push(...r.diagnostics);
    Object.assign(unread, { files: r.files, documents: r.documentsLeft, embedded: r.embeddedLeft });
    state!.stats.unread = r.files;
  }
  const files = session.files;
  const cache = session.cache;

  // A scan of the whole root looked every file (and every link-phase embed) up: entries it did
  // not use are stale.
  if (cache && wholeTree) cache.prune();
  // A changed-files scan keeps the stored verdicts on loose files and the configuration they were
  // judged under, so it writes the state now; a whole-tree scan judges them after the rules (below).
  if (state && opts.reportPaths) {
    state.config = state.storedConfig;
    if (state.learnt) cache!.writeState(state.encode());
    state.release();
  }
  cache?.close();
  phase('link');
  const model = new ScanModel(documents, files, opts.config.fleet);
  model.storedSchedules = storedSchedules;

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

  // A whole-tree scan writes the scan state now that the rules have built the node-image model, with
  // its verdict on which files are loose (see engine/facts/loose-files.ts) and under what configuration.
  if (state && !opts.reportPaths) {
    let loose = new Map<string, LooseFile>();
    try {
      loose = looseFiles(model, raw.map((r) => r.report));
    } catch {
      /* no loose files this time: changed-files scans read them until the next whole-tree scan */
    }
    state.setLoose(loose, new Set(diagnostics.map((d) => d.file)));
    state.config = configHash;
    if (state.learnt || state.storedConfig !== configHash) cache!.writeState(state.encode());
    state.release();
  }

  // -- reports → findings
  // A location's snippet is filled in only if the location is reported (`withSnippets`): in
  // changed-files mode most findings are not, and a file known from the scan state would have to
  // be read for its snippet. Locations are copied only through `withMessage`, which carries that.
  const snippetSource = new WeakMap<FindingLocation, [Loc, number]>();
  const locationOf = (l: Loc, maxLines = 5): FindingLocation | undefined => {
    const f = files.get(l.file);
    if (!f) return undefined;
    const location = { path: l.file, range: rangeOf(f, l), snippet: '' };
    snippetSource.set(location, [l, maxLines]);
    return location;
  };
  const withMessage = (l: FindingLocation, message: string): FindingLocation & { message: string } => {
    const copy = { ...l, message };
    const source = snippetSource.get(l);
    if (source) snippetSource.set(copy, source);
    return copy;
  };
  const withSnippet = (location: FindingLocation): void => {
    const source = snippetSource.get(location);
    if (!source) return;
    snippetSource.delete(location);
    const [l, maxLines] = source;
    const f = files.get(l.file)!;
    const { range } = location;
    const lines: string[] = [];
    for (let i = range.start.line; i <= Math.min(range.end.line, range.start.line + maxLines - 1); i++) lines.push(lineText(f, i));
    location.snippet = lines.join('\n');
  };
  const withSnippets = (f: Omit<Finding, 'fingerprint'>): void => {
    withSnippet(f.location);
    for (const r of f.related) withSnippet(r);
    if (f.suppression?.location) withSnippet(f.suppression.location);
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
    /** The reported span (or, for meta findings, the waiver's), whose text goes into the fingerprint. */
    textLoc: Loc;
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
        return l ? withMessage(l, r.message) : undefined;
      })
      .filter((x): x is NonNullable<typeof x> => x !== undefined);
    const sb = synthesizedBlocks.length ? synthesizedBlockAt(report.resourceLoc ?? report.loc) : undefined;
    if (sb?.constructPath) {
      const src = sb.sourceLoc ? locationOf(sb.sourceLoc, 1) : undefined;
      related.push(
        src
          ? withMessage(src, `synthesized from construct ${sb.constructPath} (${src.path}:${src.range.start.line})`)
          : withMessage(locationOf(sb.loc, 1)!, `synthesized from construct ${sb.constructPath}`),
      );
    }
    const document = report.document ?? (report.documentId !== undefined ? model.document(report.documentId) : undefined);
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
        embedding: document ? chainOf(document) : report.embedding?.length ? [...report.embedding] : undefined,
      },
      key: report.key,
      textLoc: report.loc,
      resourceLoc: report.resourceLoc,
      document,
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
    metaFindings.push({
      finding: {
        ruleId: m.id,
        ruleName: m.name,
        severity: em.severity,
        message: formatMessage(m.messages[messageId], data, m.id, messageId),
        location,
        related,
      },
      textLoc: l,
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
  // Kubernetes annotations (from the documents' facts)
  for (const doc of model.ofFormat('kubernetes')) {
    for (const a of kubernetesFacts(doc).waivers) {
      const parsed = parseAnnotationValue(a.text ?? '');
      const problem = !knownRule(a.rule) ? `names unknown rule '${a.rule}'` : parsed.problem;
      if (problem) {
        addMeta(INVALID_SUPPRESSION, 'invalid', { problem }, a.loc);
        continue;
      }
      const objLoc = a.objectLoc;
      waivers.push({
        kind: 'annotation',
        rules: [a.rule],
        reason: parsed.reason!,
        until: parsed.until,
        loc: a.loc,
        used: false,
        reportUnused: true,
        covers: (p) => {
          const pl = p.finding.location;
          if (pl.path !== objLoc.file) return false;
          const f = files.get(pl.path)!;
          const first = positionAt(f, objLoc.start).line;
          const last = positionAt(f, objLoc.end).line;
          return pl.range.start.line >= first && pl.range.start.line <= last;
        },
      });
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
  // Every finding, not only the reported ones: in changed-files mode a changed faultline.yaml must
  // still hear that a waiver expired although what it waives is in an unchanged file (the meta
  // finding sits on the waiver, and is reported where a full scan would report it).
  for (const p of deduped) {
    for (const w of waivers) {
      if (!ruleMatches(w, p) || !w.covers(p)) continue;
      w.used = true;
      if (isExpired(w.until, today)) {
        if (w.loc) {
          addMeta(EXPIRED_SUPPRESSION, 'expired', { rule: p.finding.ruleId, until: w.until! }, w.loc, [
            withMessage(p.finding.location, `the finding it waived: ${p.finding.message}`),
          ]);
        } else if (opts.config.source) {
          // a config waiver: point at the config file when it is inside the root
          const rel = toPosix(path.relative(root, opts.config.source));
          const cf = session.readRootFile(rel);
          if (cf) {
            const i = cf.text.indexOf(w.until!);
            addMeta(EXPIRED_SUPPRESSION, 'expired', { rule: p.finding.ruleId, until: w.until! }, { file: rel, start: Math.max(0, i), end: Math.max(0, i) + w.until!.length }, [
              withMessage(p.finding.location, `the finding it waived: ${p.finding.message}`),
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
  const textOf = (l: Loc) => files.get(l.file)!.text.slice(l.start, l.end);
  const fps = assignFingerprints(
    all.map((p) =>
      baseFingerprint({ ruleId: p.finding.ruleId, path: p.finding.location.path, resource: p.finding.resource, key: p.key, text: textOf(p.textLoc) }),
    ),
  );
  for (const p of all) withSnippets(p.finding);
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
  // a file known from the scan state whose text was read after all, and no longer matched
  for (const file of state?.changedDuringScan ?? []) {
    diagnostics.push({
      severity: 'warning',
      code: 'changed-during-scan',
      file,
      message: 'the file changed while it was being scanned: its findings and positions may be off; scan again',
    });
  }
  // changed-files mode reports the changed files' diagnostics, and every internal error or file
  // that changed under the scan: either may have cost a finding on a changed file
  const reportedDiagnostics: ReportedDiagnostic[] = diagnostics
    .filter((d) => !opts.reportPaths || opts.reportPaths.has(d.file) || d.code === 'internal-error' || d.code === 'changed-during-scan')
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
      documents: documents.length - embedded + unread.documents,
      embeddedDocuments: embedded + unread.embedded,
      durationMs: fixedTime ? 0 : Date.now() - started,
      findingsBySeverity: bySeverity,
      suppressed,
    },
    failOn: opts.failOn,
    ...(schedules.length ? { schedules: schedules.sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line)) } : {}),
  };
  cache?.release();
  return {
    result,
    model,
    timings: { phases, rules: ruleTimes, heapMB },
    ...(cache ? { cache: cache.stats } : {}),
    ...(session.factsOnly.files ? { factsOnly: session.factsOnly } : {}),
    ...(state ? { state: state.stats } : {}),
  };
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
