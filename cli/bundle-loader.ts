/**
 * Loading the bundled command line (dist/cli/faultline.cjs, built by scripts/bundle.mjs) through
 * V8's code cache.
 *
 * Every function V8 runs is compiled first: the bundle's top level when it is loaded (about 30 ms)
 * and each function the first time it is called (spread over the whole run). Node 22 can keep that
 * work between runs (`module.enableCompileCache`); Node 20 has no such cache for its module loaders,
 * only for scripts (`vm.Script`'s `cachedData`). So the bundle is a CommonJS script, which this
 * module compiles in a `vm.Script` wrapped as Node wraps a CommonJS module, and the build runs a
 * warm-up (scripts/bundle.mjs: a pre-commit hook's changed-files scan of a copy of the example
 * fleet) and then writes what V8 compiled, `script.createCachedData()`, next to the bundle
 * (dist/cli/faultline.code-cache). A later run gives it back to V8, which then compiles nothing it
 * has there (measured on the 10,000-file pre-commit case: docs/performance.md).
 *
 * The cache is used only when it is the one made for this bundle and intact: its first line holds
 * the SHA-256 of the bundle's bytes and of the bytes after the line, and both must match. V8 checks
 * the rest (its own version, the flags, the source's length) and rejects a cache made under others,
 * which is then a plain compile: a Node upgraded after the build, or run with other V8 flags, only
 * loses the cache's time, until the next build (`npm run build`) writes one for it. Nothing is
 * written at run time.
 *
 * A script has no module loader for `import()` to go to (Node's `USE_MAIN_CONTEXT_DEFAULT_LOADER`
 * is experimental, warns when used, and is lost on code compiled from a cache). The bundle's dynamic
 * imports (a `--plugin` module, tinypool) all go through engine/import-module.ts, which the bundle
 * script replaces by a call to `importModule` here, an ES module's own `import()`.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

export const BUNDLE = 'faultline.cjs';
export const CODE_CACHE = 'faultline.code-cache';
const MAGIC = 'faultline code cache 1';
/** The cache file's first line: the magic, the SHA-256 of the bundle's bytes and of the rest of the file. */
const HEADER = new RegExp(`^${MAGIC} ([0-9a-f]{64}) ([0-9a-f]{64})$`);
/**
 * The wrapper Node puts around a CommonJS module, plus the bundle's own URL (scripts/bundle.mjs
 * rewrites each bundled module's `import.meta.url` to its URL in dist/ relative to this one) and
 * `importModule`. Strict, as the ES modules the bundle is made of are. No line break: the bundle's
 * lines keep their numbers.
 */
const HEAD = "(function (exports, require, module, __filename, __dirname, __faultlineBundleUrl, __faultlineImport) {'use strict';";
const TAIL = '\n})';

/**
 * What became of the code cache: used (`accepted`); refused by V8 (`rejected`: another Node or
 * other flags); not for this bundle (`stale`); damaged (`corrupt`); `absent`, or not asked for
 * (`off`).
 */
export type CodeCacheUse = 'accepted' | 'rejected' | 'stale' | 'corrupt' | 'absent' | 'off';

export interface LoadedBundle {
  main(argv: string[]): Promise<void>;
  codeCache: CodeCacheUse;
  /** Time to read, compile and run the bundle's top level, in ms. */
  loadMs: number;
  script: vm.Script;
  sourceHash: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `import()` of an absolute URL, for the bundle (see above). */
function importModule(url: string): Promise<unknown> {
  return import(url);
}

/** The cached data in `file` when it was made for the bundle whose bytes hash to `sourceHash`. */
function readCodeCache(file: string, sourceHash: string): { data?: Buffer; use: CodeCacheUse } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return { use: 'absent' };
  }
  const eol = bytes.indexOf(10);
  const header = eol > 0 && eol < 512 ? HEADER.exec(bytes.subarray(0, eol).toString('latin1')) : null;
  if (!header) return { use: 'corrupt' };
  const [, forSource, payloadHash] = header;
  if (forSource !== sourceHash) return { use: 'stale' };
  const data = bytes.subarray(eol + 1);
  if (sha256(data) !== payloadHash) return { use: 'corrupt' };
  return { data, use: 'accepted' };
}

/** Compiles and runs the bundle in `dir`, with its code cache unless `useCache` is false. */
export function loadBundle(dir: string, useCache = true): LoadedBundle {
  const t0 = performance.now();
  const file = path.join(dir, BUNDLE);
  // hashed as bytes, and decoded as Latin-1 when it is ASCII (scripts/bundle.mjs escapes the rest):
  // decoding 1.9 MB as UTF-8 and hashing the string took 10–20 ms
  const bytes = readFileSync(file);
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const sourceHash = sha256(bytes);
  const cache = useCache ? readCodeCache(path.join(dir, CODE_CACHE), sourceHash) : { use: 'off' as const };
  const script = new vm.Script(HEAD + source + TAIL, { filename: file, cachedData: cache.data });
  const codeCache: CodeCacheUse = cache.data && script.cachedDataRejected ? 'rejected' : cache.use;
  const mod = { exports: {} as { main?: LoadedBundle['main'] } };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dir, pathToFileURL(file).href, importModule);
  if (typeof mod.exports.main !== 'function') throw new Error(`${file} exports no main`);
  return { main: mod.exports.main, codeCache, loadMs: performance.now() - t0, script, sourceHash };
}

/**
 * Writes what V8 has compiled of the loaded bundle so far (after a warm-up, the functions it ran)
 * as the bundle's code cache. Written whole or not at all (a temporary file renamed).
 */
export function writeCodeCache(dir: string, loaded: LoadedBundle): number {
  const data = loaded.script.createCachedData();
  const file = path.join(dir, CODE_CACHE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${loaded.sourceHash} ${sha256(data)}\n`, 'latin1'), data]));
  renameSync(tmp, file);
  return data.length;
}
