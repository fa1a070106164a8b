/**
 * Parsing one root file for the cache (`parseRecorded`, used in this thread and in workers), and
 * what a parse worker thread does with it: parse a batch of root files with a given list of
 * scanners and return, per file, its documents' headers and stored facts, diagnostics, the other
 * files the parse read and (unless the file is facts-complete and the cache is off) its documents —
 * encoded exactly as a parse cache record's payload, so a result from a worker is cached without
 * serialising twice. Facts are extracted in the worker, in parallel with the other worker; a
 * facts-complete file (every document Kubernetes) never crosses back whole.
 *
 * The engine imports no scanner, so the worker module itself is wiring: `cli/parse-worker.ts` binds
 * this to the built-in scanners, and the CLI passes its path to the engine (`workerModule`).
 * Documents are plain data (see model.ts), so nothing is lost crossing the thread boundary. The
 * scanners start once per worker, on its first task.
 */
import v8 from 'node:v8';
import { encodePayload, summaryOf, textHash, type CachedParse, type DocumentHeader } from './cache.js';
import { k8sFacts } from './facts/kubernetes.js';
import type { Diagnostic, Document, DocumentOf, Format } from './model.js';
import { FileParse, type ParserRegistry } from './parse.js';
import { makeRootReader } from './read.js';
import type { Limits, Scanner } from './scanner-api.js';
import { makeSourceFile, type SourceFile } from './source.js';

export interface ParseTask {
  root: string;
  realRoot: string;
  limits: Limits;
  files: { path: string; absPath: string; text: string; format: Format; scanner: string }[];
  /**
   * Whether every result must carry its documents' bodies (the main thread stores them in the parse
   * cache); otherwise a file whose documents are all facts-complete comes back without them.
   */
  bodies: 'all' | 'needed';
}

export interface ParseTaskResult {
  /** The parse cache's payload encoding (`encodePayload`): summary, then body (empty when `bodyless`). */
  payload: Uint8Array;
  /** The body was left out: every document is facts-complete and no body was asked for. */
  bodyless: boolean;
  elapsedMs: number;
}

/** The facts stored with a parse (in cache records and worker results), per document; null for none. */
export function storedFactsOf(doc: Document): unknown {
  return doc.format === 'kubernetes' ? k8sFacts(doc as DocumentOf<'kubernetes'>, { stored: true }) : null;
}

/**
 * Formats whose every reader in the engine and the rules reads headers and stored facts only (see
 * engine/facts/). A file whose documents are all of these formats can be linked and checked without
 * its documents' bodies; a reader that does touch a body after all gets it, by a fresh parse or a
 * cache read, so this set decides cost, never output.
 */
const FACTS_COMPLETE: ReadonlySet<Format> = new Set<Format>(['kubernetes']);

export function factsComplete(headers: readonly Pick<DocumentHeader, 'format'>[]): boolean {
  return headers.length > 0 && headers.every((h) => FACTS_COMPLETE.has(h.format));
}

const started = new WeakMap<readonly Scanner[], Promise<Diagnostic[]>>();

/** Start every scanner (grammars...); what failed to start, as diagnostics on `file`. */
export async function startScanners(scanners: readonly Scanner[], file: string): Promise<Diagnostic[]> {
  const problems: Diagnostic[] = [];
  for (const s of scanners) {
    try {
      await s.init?.();
    } catch (e) {
      problems.push({ severity: 'error', code: 'internal-error', file, message: `${s.name} scanner could not start: ${String(e)}` });
    }
  }
  return problems;
}

/**
 * Parse one root file and record, for the cache, every other file its parse read (with the
 * SHA-256 of its text, '' when it was unavailable). Used in this thread and in workers alike.
 */
export function parseRecorded(
  file: SourceFile,
  format: Format,
  scanner: Scanner | undefined,
  base: Pick<ParserRegistry, 'scanners' | 'limits' | 'readRootFile'>,
): { entry: CachedParse; elapsedMs: number } {
  const deps = new Map<string, string>();
  const registry: ParserRegistry = {
    scanners: base.scanners,
    limits: base.limits,
    readRootFile: (rel) => {
      const f = base.readRootFile(rel);
      deps.set(f?.path ?? rel, f ? textHash(f.text) : '');
      return f;
    },
  };
  const t0 = performance.now();
  const fp = new FileParse(registry, file);
  fp.parseRoot(format, scanner);
  return { entry: { documents: fp.documents, diagnostics: fp.diagnostics, deps: [...deps] }, elapsedMs: performance.now() - t0 };
}

/** Parse a batch of files; one result per file, in order. */
export async function runParseTask(task: ParseTask, scanners: readonly Scanner[]): Promise<ParseTaskResult[]> {
  let ready = started.get(scanners);
  if (!ready) started.set(scanners, (ready = startScanners(scanners, '.')));
  const initProblems = await ready;
  // the main thread reports it for these files (and starts the same scanners itself for linking)
  if (initProblems.length) throw new Error(initProblems.map((d) => d.message).join('; '));
  return task.files.map((one) => {
    const file = makeSourceFile(one.path, one.text, one.absPath);
    const read = makeRootReader(task.root, task.realRoot, task.limits.maxFileBytes, new Map([[one.path, file]]));
    const { entry, elapsedMs } = parseRecorded(
      file,
      one.format,
      scanners.find((s) => s.name === one.scanner),
      { scanners, limits: task.limits, readRootFile: read },
    );
    const summary = summaryOf(entry, storedFactsOf);
    const bodyless = task.bodies === 'needed' && factsComplete(summary.headers);
    return { payload: encodePayload(summary, bodyless ? new Uint8Array(0) : v8.serialize(entry)), bodyless, elapsedMs };
  });
}
