/**
 * What a parse worker thread does: parse a batch of root files with a given list of scanners and
 * return, per file, its documents, diagnostics and the other files the parse read, v8-serialised —
 * the same bytes the parse cache stores, so a result from a worker is cached without serialising
 * twice.
 *
 * The engine imports no scanner, so the worker module itself is wiring: `cli/parse-worker.ts` binds
 * this to the built-in scanners, and the CLI passes its path to the engine (`workerModule`).
 * Documents are plain data (see model.ts), so nothing is lost crossing the thread boundary. The
 * scanners start once per worker, on its first task.
 */
import v8 from 'node:v8';
import { textHash, type CachedParse } from './cache.js';
import type { Diagnostic, Format } from './model.js';
import { FileParse, type ParserRegistry } from './parse.js';
import { makeRootReader } from './read.js';
import type { Limits } from './scanner-api.js';
import { makeSourceFile, type SourceFile } from './source.js';
import type { Scanner } from './scanner-api.js';

export interface ParseTask {
  root: string;
  realRoot: string;
  limits: Limits;
  files: { path: string; absPath: string; text: string; format: Format; scanner: string }[];
}

export interface ParseTaskResult {
  /** v8-serialised CachedParse. */
  payload: Uint8Array;
  elapsedMs: number;
}

const started = new WeakMap<readonly Scanner[], Promise<Diagnostic[]>>();

async function initAll(scanners: readonly Scanner[]): Promise<Diagnostic[]> {
  const problems: Diagnostic[] = [];
  for (const s of scanners) {
    try {
      await s.init?.();
    } catch (e) {
      problems.push({ severity: 'error', code: 'internal-error', file: '.', message: `${s.name} scanner could not start in a worker: ${String(e)}` });
    }
  }
  return problems;
}

/** Parse a batch of files; one result per file, in order. */
export async function runParseTask(task: ParseTask, scanners: readonly Scanner[]): Promise<ParseTaskResult[]> {
  let ready = started.get(scanners);
  if (!ready) started.set(scanners, (ready = initAll(scanners)));
  const initProblems = await ready;
  // the main thread reports it for these files (and starts the same scanners itself for linking)
  if (initProblems.length) throw new Error(initProblems.map((d) => d.message).join('; '));
  return task.files.map((f) => parseOne(task, f, scanners));
}

function parseOne(task: ParseTask, one: ParseTask['files'][number], scanners: readonly Scanner[]): ParseTaskResult {
  const files = new Map<string, SourceFile>();
  const file = makeSourceFile(one.path, one.text, one.absPath);
  files.set(one.path, file);
  const read = makeRootReader(task.root, task.realRoot, task.limits.maxFileBytes, files);
  const deps = new Map<string, string>();
  const registry: ParserRegistry = {
    scanners,
    limits: task.limits,
    readRootFile: (rel) => {
      const f = read(rel);
      deps.set(f?.path ?? rel, f ? textHash(f.text) : '');
      return f;
    },
  };
  const t0 = performance.now();
  const fp = new FileParse(registry, file);
  fp.parseRoot(
    one.format,
    scanners.find((s) => s.name === one.scanner),
  );
  const elapsedMs = performance.now() - t0;
  const entry: CachedParse = {
    documents: fp.documents,
    diagnostics: fp.diagnostics,
    deps: [...deps],
  };
  return { payload: v8.serialize(entry), elapsedMs };
}
