/**
 * The parse and link phases of a scan: read every walked file once, detect its scanner, take its
 * documents from the parse cache or parse it (here, or in worker threads), then link across files.
 *
 * The session owns what those phases share: the files read so far (for positions), the parse
 * cache, the scanners' start-up, and the record of which other files a parse read (a parse's
 * dependencies, checked when its cache entry is used again).
 */
import { existsSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import type Tinypool from 'tinypool';
import { BODY_FIELDS, ParseCache, payloadParts, textHash, type CachedParse, type CachedSummary } from './cache.js';
import type { Diagnostic, Document, DocumentOf, Format } from './model.js';
import { HELM_VALUES, kubernetesFacts, rememberKubernetesFacts, type K8sFacts } from './facts/kubernetes.js';
import { filesToRead, linkKeys, linksOf, type LinkNode } from './facts/kubernetes-links.js';
import { detectScanner, makeLinkContext, type EmbedMemo, type MemoisedEmbed, type ParserRegistry } from './parse.js';
import { factsComplete, parseRecorded, startScanners, storedFactsOf, type ParseTask, type ParseTaskResult } from './parse-task.js';
import { looksBinary, makeRootReader, readBounded, toSource } from './read.js';
import type { Limits, Scanner } from './scanner-api.js';
import type { FileEntry, ScanState, StoredSchedule, Unreadable } from './scan-state.js';
import { groupContexts } from './facts/loose-contexts.js';
import { importModule } from './import-module.js';
import { holdsFleetWideFact, moduleSourceDir, normalizeDir } from './facts/terraform-modules.js';
import { launchesAnyIndexed, launchesOfDocs, packerImageNames } from './facts/image-names.js';
import type { SourceFile } from './source.js';
import type { WalkedFile } from './walker.js';

/**
 * tinypool, loaded only by a scan that starts workers (most start none: a pre-commit hook's, a
 * small repository's). By file URL, so the bundled command line (cli/bundle-loader.ts) finds it as
 * the module tree does.
 */
async function loadTinypool(): Promise<typeof Tinypool> {
  const url = pathToFileURL(createRequire(import.meta.url).resolve('tinypool')).href;
  return ((await importModule(url)) as { default: typeof Tinypool }).default;
}

const HEAD_BYTES = 4096;
const headDecoder = new TextDecoder('utf-8', { fatal: false });
/** Files in the scan before worker threads are worth starting. */
const WORKER_THRESHOLD = 200;
/** Files per worker task. */
const WORKER_BATCH = 32;

export interface SessionOptions {
  root: string;
  realRoot: string;
  limits: Limits;
  scanners: readonly Scanner[];
  /** Parse cache directory; absent = no cache. */
  cacheDir?: string;
  version: string;
}

export interface ParseAllOptions {
  /** Worker threads (1 = parse in this thread). */
  workers: number;
  workerThreshold?: number;
  /**
   * The worker module (absolute path): a module whose default export runs `runParseTask` with the
   * same scanners as this session's. Without it, parsing stays in this thread.
   */
  workerModule?: string;
  onProgress?: (done: number, total: number, file: string) => void;
  /**
   * Files whose cached documents may be read lazily (changed-files mode: the unchanged files). A
   * facts-complete file's documents then come back as headers with their facts; the rest of a
   * document (model, text, offset map) is decoded from the cache the first time anything reads it.
   * Other files are read whole: their readers would open them anyway.
   */
  lazy?: (path: string) => boolean;
  /**
   * The scan state (with a cache, on whole-tree scans): files whose stamp is unchanged are taken
   * from their stored entry without being read, and the files read are recorded in it.
   */
  state?: ScanState;
  /**
   * Changed-files mode with a scan state: the files reported on. Files the state says may be left
   * unread (see `Unreadable`) are then left unread until `ParsedFiles.unread` decides which of
   * them a finding on these files can depend on.
   */
  reportPaths?: ReadonlySet<string>;
  /** Loose files may be left unread too: the stored verdicts were taken under this configuration. */
  looseUnread?: boolean;
  /**
   * With `looseUnread`, files of loose Terraform modules and Packer template directories may be
   * left unread too (a scan's second try, when its first one found it needs one after linking, sets
   * this false: see engine.ts).
   */
  modulesUnread?: boolean;
}

export interface ParsedFiles {
  documents: Document[];
  diagnostics: Diagnostic[];
  scanned: number;
  skipped: number;
  /** Files left unread so far (with `reportPaths`), when there are any. */
  unread?: UnreadFiles;
}

/** Files a changed-files scan left unread, to be decided on after linking. */
export interface UnreadFiles {
  /**
   * Read those that a finding on a reported file can depend on, and return every document in walk
   * order, the link's after them, as a scan without unread files would have them; with what the
   * files still unread hold, for the scan's counts. Read: Kubernetes files in a component (see
   * engine/facts/kubernetes-links.ts) of a reported file or a global object; loose files in a
   * group (`groupContexts`) with a file that was read; any file a document read names (its
   * documents embedded elsewhere, a Terraform or Packer reference to it or a directory above it);
   * and every file when a reported file holds a fleet-wide fact (a global Kubernetes object, a Helm
   * values file, a Terraform resource that can install a CNI or gives a cluster version).
   *
   * Files of Terraform modules and Packer template directories are decided before the link phase,
   * which evaluates and embeds per directory; one still unread that this would read cannot be
   * linked now (nor one whose image a Terraform document read launches, nor one launching an image
   * a Packer document read names): then the answer is 'retry' (scan again without leaving such
   * directories unread), and nothing is read.
   */
  resolve(linked: readonly Document[]): Promise<ResolvedFiles | 'retry'>;
}

export interface ResolvedFiles {
  documents: Document[];
  diagnostics: Diagnostic[];
  files: number;
  documentsLeft: number;
  embeddedLeft: number;
  /** The stored schedules of the files still unread (see `StoredSchedule`), in walk order. */
  schedules: StoredSchedule[];
}

/** What a later changed-files scan needs to leave this file unread, if it is a file of Kubernetes documents only, read without diagnostics. */
function storedK8sOf(slot: Slot): Extract<Unreadable, { kind: 'k8s' }> | undefined {
  const docs = slot.documents;
  if (!docs.length || slot.diagnostics.length || !docs.every((d) => d.format === 'kubernetes')) return undefined;
  const embedded = docs.filter((d) => d.origin).length;
  return { kind: 'k8s', links: linkKeys(linksOf(docs.map((d) => kubernetesFacts(d as DocumentOf<'kubernetes'>)))), documents: docs.length - embedded, embedded };
}

/** Whether `p` is one of `paths` or inside one of them. */
function atOrUnder(paths: ReadonlySet<string>, p: string): boolean {
  for (let at = p.length; at > 0; at = p.lastIndexOf('/', at - 1)) if (paths.has(p.slice(0, at))) return true;
  return false;
}

/** Files parse workers returned as headers and facts only, and how many of those were parsed again here because something read a body. */
export interface FactsOnlyStats {
  files: number;
  reparsed: number;
}

/** The decoder of each lazily read document's entry, until it is decoded. */
const openers = new WeakMap<object, () => void>();

/**
 * The prototype of lazily read documents: the body fields as accessors that decode the entry, which
 * then gives each of its documents the fields as plain own properties (shadowing these). Accessors
 * on a shared prototype, not on each document, keep the documents ordinary fast objects.
 */
const LAZY_DOCUMENT: object = Object.create(
  Object.prototype,
  Object.fromEntries(
    BODY_FIELDS.map((k) => [
      k,
      {
        get(this: Record<string, unknown>) {
          openers.get(this)?.();
          return Object.hasOwn(this, k) ? this[k] : undefined;
        },
        set(this: Record<string, unknown>, v: unknown) {
          openers.get(this)?.();
          Object.defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true });
        },
      },
    ]),
  ),
);

/**
 * Documents of a parse whose bodies are not at hand: each is its header (id, file, format, loc,
 * origin), with its stored facts; the rest (model, text, offset map) comes from `body()` (a cache
 * read, or a fresh parse of the same text), for the whole entry, the first time anything reads it,
 * and `onOpen` counts that. A reader that needs only headers and facts never pays for the rest;
 * any other reader gets exactly what an eager read would have given.
 */
function lazyDocuments(summary: Pick<CachedSummary, 'headers' | 'facts'>, body: () => CachedParse, onOpen: () => void): Document[] {
  const docs = summary.headers.map((h) => Object.assign(Object.create(LAZY_DOCUMENT) as object, h) as Document);
  // a failed read fails every later access the same way (never an empty document)
  let failed: Error | undefined;
  const open = () => {
    if (failed) throw failed;
    try {
      const entry = body();
      if (entry?.documents?.length !== docs.length || entry.documents.some((d, i) => d.id !== docs[i].id)) {
        throw new Error(`the documents of ${docs[0]?.file} do not match their summary`);
      }
      entry.documents.forEach((full, i) => {
        for (const k of BODY_FIELDS) if (Object.hasOwn(full, k)) Object.defineProperty(docs[i], k, { value: full[k], writable: true, enumerable: true, configurable: true });
      });
    } catch (e) {
      failed = e instanceof Error ? e : new Error(String(e));
      throw failed;
    }
    for (const d of docs) openers.delete(d);
    onOpen();
  };
  for (const d of docs) openers.set(d, open);
  summary.facts.forEach((f, i) => {
    if (f && docs[i].format === 'kubernetes') rememberKubernetesFacts(docs[i] as DocumentOf<'kubernetes'>, f as K8sFacts);
  });
  return docs;
}

/** One walked file's share of the output, filled in walk order whoever parses it. */
interface Slot {
  documents: Document[];
  diagnostics: Diagnostic[];
  /** The file, when it was read this scan (for the scan state). */
  read?: string;
}

interface Job {
  slot: Slot;
  file: SourceFile;
  claim: { scanner: Scanner; format: Format };
  key?: string;
  /** Its result (documents, or a diagnostic) is in the slot. */
  settled?: boolean;
}

export class ParseSession {
  /** Every file read so far, by repo-relative path. */
  readonly files = new Map<string, SourceFile>();
  readonly cache: ParseCache | undefined;
  readonly registry: ParserRegistry;
  private readonly initialised = new Set<Scanner>();
  private readonly hashes = new Map<string, string>();
  private readonly readAny: (rel: string) => SourceFile | undefined;
  /** While a link-phase embed is recorded for the cache: the other files it read, with their hashes. */
  private deps: Map<string, string> | undefined;
  readonly factsOnly: FactsOnlyStats = { files: 0, reparsed: 0 };

  constructor(private readonly opts: SessionOptions) {
    this.readAny = makeRootReader(opts.root, opts.realRoot, opts.limits.maxFileBytes, this.files);
    this.registry = { scanners: opts.scanners, limits: opts.limits, readRootFile: (rel) => this.readRootFile(rel) };
    this.cache = opts.cacheDir
      ? ParseCache.open(opts.cacheDir, opts.realRoot, { version: opts.version, limits: opts.limits, scanners: opts.scanners.map((s) => s.name) })
      : undefined;
  }

  /** Read a file inside the root (file(), Packer scripts, COPY sources, the config file). */
  readRootFile(rel: string): SourceFile | undefined {
    const f = this.readAny(rel);
    if (this.deps) this.deps.set(f?.path ?? rel, this.hashOf(f));
    return f;
  }

  private hashOf(f: SourceFile | undefined): string {
    if (!f) return '';
    let h = this.hashes.get(f.path);
    if (h === undefined) this.hashes.set(f.path, (h = textHash(f.text)));
    return h;
  }

  private readonly depsStillMatch = (deps: [string, string][]) => deps.every(([p, h]) => this.hashOf(this.readRootFile(p)) === h);

  /**
   * Any scanner may be needed for an embedded document (a shell heredoc inside a preseed inside a
   * MIME part...), and parsing is synchronous: start them all when the first file needs parsing
   * (or linking). Repositories with no recognised file, and fully cached scans, load no grammar.
   */
  private async initScanners(file: string, diagnostics: Diagnostic[]): Promise<void> {
    if (this.initialised.size) return;
    for (const s of this.registry.scanners) this.initialised.add(s);
    diagnostics.push(...(await startScanners(this.registry.scanners, file)));
  }

  /**
   * A worker-parsed file's documents, parsed again in this thread (its scanners are started before
   * any worker result arrives): parsing is deterministic, so these are the worker's documents.
   */
  private reparse(job: Job): CachedParse {
    return parseRecorded(job.file, job.claim.format, job.claim.scanner, this.registry).entry;
  }

  /** Read, detect and parse every walked file. Output order is the walk order, however parsed. */
  async parseAll(walked: readonly WalkedFile[], po: ParseAllOptions): Promise<ParsedFiles> {
    const { limits, root, realRoot } = this.opts;
    const cache = this.cache;
    const initProblems: Diagnostic[] = [];
    const slots: Slot[] = [];
    let scanned = 0;
    let skipped = 0;
    let done = 0;
    const progress = (file: string) => po.onProgress?.(++done, walked.length, file);
    const settle = (job: Job) => {
      job.settled = true;
      progress(job.file.path);
    };
    const overBudget = (file: string, elapsed: number): Diagnostic => ({
      severity: 'warning',
      code: 'time-budget',
      file,
      message: `parsing took ${Math.round(elapsed)} ms, over the ${limits.fileTimeBudgetMs} ms budget`,
    });

    const parseHere = async (job: Job) => {
      await this.initScanners(job.file.path, initProblems);
      const { entry, elapsedMs } = parseRecorded(job.file, job.claim.format, job.claim.scanner, this.registry);
      if (job.key) cache!.put(job.key, entry, storedFactsOf);
      job.slot.documents.push(...entry.documents);
      job.slot.diagnostics.push(...entry.diagnostics);
      if (elapsedMs > limits.fileTimeBudgetMs) job.slot.diagnostics.push(overBudget(job.file.path, elapsedMs));
      settle(job);
    };

    // With workers, every file is parsed in a worker thread, which (unlike this thread) can be
    // stopped: a parse that outruns the time budget cannot hang the scan. Workers need a worker
    // module that Node can load (compiled JavaScript); a scan of a few files is parsed here (each
    // worker starts its own scanners).
    const workerCount = Math.max(1, Math.floor(po.workers));
    const workerFile = po.workerModule;
    const pool =
      workerCount > 1 && workerFile && walked.length >= (po.workerThreshold ?? WORKER_THRESHOLD) && /\.m?js$/.test(workerFile) && existsSync(workerFile)
        ? new (await loadTinypool())({ filename: workerFile, minThreads: workerCount, maxThreads: workerCount })
        : undefined;
    // a facts-only worker result may need parsing again here (see `reparse`), synchronously
    if (pool) await this.initScanners('.', initProblems);

    // Files go to the workers in batches (one message per batch, not per file) while reading goes
    // on, with two batches per worker in flight (one running, one queued behind it, so a worker
    // never waits for this thread). A batch not finished within the time budget is abandoned (its
    // worker is terminated and replaced) and its files are parsed again one per task, so the slow
    // file is the only one that ends up with a diagnostic instead of documents; a batch that only
    // waited behind a slow one parses normally on that second try.
    const inflight = new Set<Promise<void>>();
    let batch: Job[] = [];
    const failed = (jobs: Job[], message: string) => {
      for (const job of jobs) {
        job.slot.diagnostics.push({ severity: 'error', code: 'internal-error', file: job.file.path, message });
        settle(job);
      }
    };
    const runTask = async (jobs: Job[]): Promise<'ok' | 'timeout'> => {
      const task: ParseTask = {
        root,
        realRoot,
        limits,
        files: jobs.map(({ file, claim }) => ({ path: file.path, absPath: file.absPath, text: file.text, format: claim.format, scanner: claim.scanner.name })),
        bodies: cache?.storing ? 'all' : 'needed',
      };
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), limits.fileTimeBudgetMs);
      let results: ParseTaskResult[];
      try {
        results = (await pool!.run(task, { signal: ac.signal })) as ParseTaskResult[];
      } catch (e) {
        if (ac.signal.aborted) return 'timeout';
        failed(jobs, `parse worker failed: ${(e as Error).message ?? String(e)}`);
        return 'ok';
      } finally {
        clearTimeout(timer);
      }
      jobs.forEach((job, i) => {
        const r = results[i];
        const payload = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
        const parts = payloadParts(payload);
        const summary = v8.deserialize(parts.summary) as CachedSummary;
        // the files the parse read: read here too, for positions and dependency hashes
        for (const [dep] of summary.deps) this.readRootFile(dep);
        if (job.key && !r.bodyless) cache!.putPayload(job.key, payload);
        if (factsComplete(summary.headers)) {
          // its readers need headers and facts only; a body, if something reads one, is parsed again here
          this.factsOnly.files++;
          job.slot.documents.push(...lazyDocuments(summary, () => this.reparse(job), () => this.factsOnly.reparsed++));
        } else job.slot.documents.push(...(v8.deserialize(parts.body) as CachedParse).documents);
        job.slot.diagnostics.push(...summary.diagnostics);
        if (r.elapsedMs > limits.fileTimeBudgetMs) job.slot.diagnostics.push(overBudget(job.file.path, r.elapsedMs));
        settle(job);
      });
      return 'ok';
    };
    // never rejects: a batch's promise may settle while nothing awaits it
    const runBatch = async (jobs: Job[]): Promise<void> => {
      try {
        if ((await runTask(jobs)) === 'ok') return;
        for (const job of jobs) {
          if ((await runTask([job])) !== 'timeout') continue;
          job.slot.diagnostics.push({
            severity: 'error',
            code: 'time-budget',
            file: job.file.path,
            message: `parsing abandoned after ${limits.fileTimeBudgetMs} ms (limits.fileTimeBudgetMs); this file's documents are missing from the scan`,
          });
          settle(job);
        }
      } catch (e) {
        failed(
          jobs.filter((j) => !j.settled),
          `parse worker result unusable: ${(e as Error).message ?? String(e)}`,
        );
      }
    };
    const flush = async () => {
      if (!batch.length) return;
      while (inflight.size >= 2 * workerCount) await Promise.race(inflight);
      const p: Promise<void> = runBatch(batch).finally(() => inflight.delete(p));
      inflight.add(p);
      batch = [];
    };

    /**
     * A file's cached record, as documents and diagnostics: in changed-files mode a facts-complete
     * file's documents are read lazily (any other file would be opened anyway, and is read whole).
     * A lazy miss is a miss: the record is not looked up a second time.
     */
    const cachedRecord = (key: string, rel: string): { documents: Document[]; diagnostics: Diagnostic[] } | undefined => {
      const lazily = po.lazy?.(rel) ?? false;
      const got = lazily ? cache!.getLazy(key, this.depsStillMatch, factsComplete) : undefined;
      if (got && 'lazy' in got) {
        const { lazy } = got;
        const stats = cache!.stats;
        stats.lazy++;
        return { documents: lazyDocuments(lazy, () => v8.deserialize(lazy.body()) as CachedParse, () => stats.opened++), diagnostics: lazy.diagnostics };
      }
      return got ? got.entry : lazily ? undefined : cache!.get(key, this.depsStillMatch);
    };

    const state = cache ? po.state : undefined;
    /** A reported Helm values file: mesh defaults that findings anywhere may quote. */
    const helmValuesReported = !!po.reportPaths && [...po.reportPaths].some((p) => HELM_VALUES.test(p));
    const unread: { slot: Slot; wf: WalkedFile; known: FileEntry; u: Unreadable }[] = [];
    /** Take a file from its stored entry; false when its record is gone and it must be read after all. */
    const fromState = (wf: WalkedFile, st: Stats): boolean => {
      const known = state!.file(wf.path, st);
      if (!known) return false;
      if (known.scanner === null) {
        skipped++;
        progress(wf.path);
        return true;
      }
      const u = known.unreadable;
      let slot: Slot;
      if (u && (u.kind === 'k8s' || (po.looseUnread && (u.kind !== 'module' || po.modulesUnread))) && po.reportPaths && !po.reportPaths.has(wf.path) && !known.diagnostics!.length) {
        // left unread until `unread.resolve` decides; its record is still this scan's
        slot = { documents: [], diagnostics: [] };
        unread.push({ slot, wf, known, u });
        cache!.keep(known.key!);
      } else {
        const hit = cachedRecord(known.key!, wf.path);
        if (!hit) return false;
        slot = { documents: hit.documents, diagnostics: [...known.diagnostics!, ...hit.diagnostics] };
      }
      slots.push(slot);
      this.files.set(wf.path, state!.sourceFile(wf.path, wf.absPath, known));
      this.hashes.set(wf.path, known.hash!);
      scanned++;
      progress(wf.path);
      return true;
    };

    /** Read a file left unread after all, into its slot: from its record, or parsed from its text if the record is gone. */
    const readAfterAll = async ({ slot, wf, known }: (typeof unread)[number], diagnostics: Diagnostic[]): Promise<void> => {
      const p = wf.path;
      const hit = cachedRecord(known.key!, p);
      if (hit) {
        slot.documents.push(...hit.documents);
        diagnostics.push(...hit.diagnostics);
        return;
      }
      // its record is gone: parse the file (read now) as the walk would have
      const file = this.files.get(p)!;
      const claim = detectScanner(this.registry, p, file.text.slice(0, HEAD_BYTES));
      if (!claim) return;
      await this.initScanners(p, diagnostics);
      const { entry } = parseRecorded(file, claim.format, claim.scanner, this.registry);
      cache!.put(known.key!, entry, storedFactsOf);
      slot.documents.push(...entry.documents);
      diagnostics.push(...entry.diagnostics);
    };

    try {
      for (const wf of walked) {
        let st: Stats | undefined;
        if (state) {
          try {
            st = statSync(wf.absPath, { throwIfNoEntry: false });
          } catch {
            st = undefined;
          }
          if (st?.isFile() && fromState(wf, st)) continue;
        }
        // One read per file: the size limit is checked before reading, and detection looks at the
        // first bytes of what was read. A file no scanner claims costs one small read.
        const bytes = readBounded(wf.absPath, limits.maxFileBytes);
        let headText = '';
        if ('bytes' in bytes) {
          const head = bytes.bytes.subarray(0, HEAD_BYTES);
          headText = looksBinary(head) ? '' : headDecoder.decode(head);
        }
        const claim = detectScanner(this.registry, wf.path, headText);
        if (!claim) {
          if (st?.isFile() && 'bytes' in bytes) state!.recordFile(wf.path, st, null);
          skipped++;
          progress(wf.path);
          continue;
        }
        const read = toSource(wf.path, wf.absPath, bytes, limits.maxFileBytes);
        const slot: Slot = { documents: [], diagnostics: [...read.diagnostics], read: wf.path };
        slots.push(slot);
        if (!read.ok) {
          skipped++;
          progress(wf.path);
          continue;
        }
        this.files.set(wf.path, read.file);
        scanned++;
        const key = cache?.keyOf(wf.path, read.file.text);
        if (st?.isFile()) state!.recordFile(wf.path, st, claim.scanner.name, { key: key!, file: read.file, diagnostics: read.diagnostics });
        const hit = key ? cachedRecord(key, wf.path) : undefined;
        if (hit) {
          slot.documents.push(...hit.documents);
          slot.diagnostics.push(...hit.diagnostics);
          progress(wf.path);
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
    // Terraform modules and Packer template directories left unread: the link phase evaluates and
    // embeds per directory, so they are decided now. Read: a directory with a file that was read
    // (changed, new, or without a mark), a module that a module block read instantiates, and every
    // directory when a reported file holds a fleet-wide fact (a global Kubernetes object, a Helm
    // values file, a Terraform resource that can install a CNI or gives a cluster version:
    // `holdsFleetWideFact`).
    if (unread.some((x) => x.u.kind === 'module')) {
      const reported = po.reportPaths!;
      const dirs = new Set<string>();
      let all = helmValuesReported;
      const reportedK8s: K8sFacts[] = [];
      for (const slot of slots) {
        for (const d of slot.documents) {
          if (d.origin) continue;
          if (d.format === 'kubernetes' && reported.has(d.file)) reportedK8s.push(kubernetesFacts(d));
          if (d.format === 'packer') dirs.add(normalizeDir(d.model.moduleDir));
          if (d.format !== 'terraform') continue;
          const dir = normalizeDir(d.model.moduleDir);
          dirs.add(dir);
          if (reported.has(d.file) && holdsFleetWideFact(d)) all = true;
          for (const b of d.model.body.blocks) {
            if (b.type !== 'module') continue;
            const target = moduleSourceDir(dir, b);
            if (target === undefined) all = true;
            else if (target !== null) dirs.add(target);
          }
        }
      }
      if (reportedK8s.length && linksOf(reportedK8s).global) all = true;
      const still: typeof unread = [];
      for (const x of unread) {
        if (x.u.kind === 'module' && (all || dirs.has(x.u.dir))) await readAfterAll(x, x.slot.diagnostics);
        else still.push(x);
      }
      unread.length = 0;
      unread.push(...still);
    }
    if (state) {
      for (const slot of slots) {
        const k8s = slot.read !== undefined ? storedK8sOf(slot) : undefined;
        if (k8s) state.recordK8s(slot.read!, k8s);
      }
    }
    const documents: Document[] = [];
    const diagnostics: Diagnostic[] = [...initProblems];
    for (const slot of slots) {
      documents.push(...slot.documents);
      diagnostics.push(...slot.diagnostics);
    }
    const parsedCount = documents.length;
    const resolve: UnreadFiles['resolve'] = async (linked) => {
      const reported = po.reportPaths!;
      // what the documents read say: the join keys of their Kubernetes documents, by file; the
      // files they are in (a file embedded elsewhere: a Packer script, a COPY source, a file()
      // target; today each of those is also named below, this keeps a new kind of embedding safe);
      // the files that Terraform and Packer documents name (the image model reads documents by
      // path, a provisioned directory by prefix); the unit and agent groups of their root documents;
      // whether a reported Terraform file holds a fleet-wide fact (every image or workload may quote it)
      let everything = false;
      const k8s = new Map<string, K8sFacts[]>();
      const inDocuments = new Set<string>();
      const named = new Set<string>();
      const groups = new Set<string>();
      for (const d of linked) {
        inDocuments.add(d.file);
        for (const g of groupContexts(d)) groups.add(g);
        if (d.format === 'kubernetes') {
          const f = kubernetesFacts(d);
          const l = k8s.get(d.file);
          if (l) l.push(f);
          else k8s.set(d.file, [f]);
        } else if (d.format === 'terraform' || d.format === 'packer') {
          for (const r of d.model.references ?? []) named.add(r.path.replace(/\/+$/, ''));
          if (d.format === 'terraform' && !d.origin && reported.has(d.file) && holdsFleetWideFact(d)) everything = true;
        }
      }
      const nodes: LinkNode[] = [];
      for (const { wf, u } of unread) if (u.kind === 'k8s') nodes.push({ path: wf.path, links: u.links });
      for (const [p, facts] of k8s) nodes.push({ path: p, links: linkKeys(linksOf(facts)) });
      const toRead = everything || helmValuesReported ? 'all' : filesToRead(nodes, (p) => reported.has(p));
      const out: ResolvedFiles = { documents: [], diagnostics: [], files: 0, documentsLeft: 0, embeddedLeft: 0, schedules: [] };
      const reads = unread.map(({ wf, u }) => {
        const p = wf.path;
        if (toRead === 'all' || inDocuments.has(p) || atOrUnder(named, p)) return true;
        return u.kind === 'k8s' ? toRead.has(p) : u.kind === 'loose' && u.contexts.some((g) => groups.has(g));
      });
      if (unread.some((x, i) => reads[i] && x.u.kind === 'module')) return 'retry';
      // a module still unread that launches by name an image a Packer document read now names (a
      // template renamed, added, or given a new variable value) is that image's consumer: it gives
      // the image regions, and the image's findings list it
      const units = unread.map((x) => x.u).filter((u): u is Extract<Unreadable, { kind: 'module' }> => u.kind === 'module');
      const launches = units.flatMap((u) => u.launches ?? []);
      if (launches.length && launchesAnyIndexed(launches, packerImageNames(linked))) return 'retry';
      // and a Packer template directory still unread whose image a Terraform document read now
      // launches by name (the launcher gives the image its regions; the image's findings list it)
      const images = units.flatMap((u) => u.images ?? []);
      if (images.length && launchesAnyIndexed(launchesOfDocs(linked), images)) return 'retry';
      for (let i = 0; i < unread.length; i++) {
        const x = unread[i];
        if (reads[i]) {
          await readAfterAll(x, out.diagnostics);
          continue;
        }
        out.files++;
        out.documentsLeft += x.u.documents;
        out.embeddedLeft += x.u.embedded;
        if (x.u.kind !== 'k8s' && x.u.schedules) out.schedules.push(...x.u.schedules);
      }
      for (const slot of slots) out.documents.push(...slot.documents);
      for (let i = parsedCount; i < linked.length; i++) out.documents.push(linked[i]);
      return out;
    };
    return { documents, diagnostics, scanned, skipped, ...(unread.length ? { unread: { resolve } } : {}) };
  }

  /**
   * Cross-file resolution (Terraform modules, Packer templates, CDKTF apps): documents embedded
   * while linking are appended to `documents`. With a cache, each embed is looked up by its request
   * first (see cache.ts).
   */
  async link(documents: Document[], diagnostics: Diagnostic[]): Promise<void> {
    if (documents.length) await this.initScanners('.', diagnostics);
    const cache = this.cache;
    const memo: EmbedMemo | undefined = cache && {
      lookup: (parentId, counter, req) => {
        const key = cache.keyOf(`embed\u0000${parentId}\u0000${counter}`, `${JSON.stringify([req.format ?? null, req.origin, req.map])}\u0000${req.text}`);
        const hit = cache.get(key, this.depsStillMatch);
        return { key, hit: hit && hit.returned && hit.counters ? (hit as MemoisedEmbed) : undefined };
      },
      begin: () => {
        this.deps = new Map();
      },
      end: (key, entry) => {
        cache.put(key, { ...entry, deps: [...this.deps!] });
        this.deps = undefined;
      },
    };
    const linkCtx = makeLinkContext(this.registry, this.files, { documents, diagnostics }, memo);
    for (const s of this.registry.scanners) {
      if (!s.link || !this.initialised.has(s)) continue;
      try {
        s.link(documents.slice(), linkCtx);
      } catch (e) {
        diagnostics.push({ severity: 'error', code: 'internal-error', file: '.', message: `${s.name} cross-file analysis failed: ${String(e)}` });
      }
    }
  }
}
