/**
 * Reading a file's bytes into text, safely: size limits, binary detection, invalid UTF-8.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from './model.js';
import { computeLineStarts, makeSourceFile, type SourceFile } from './source.js';
import { isInside, toPosix } from './walker.js';

export type ReadOutcome =
  | { ok: true; file: SourceFile; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; reason: 'too-large' | 'binary' | 'unreadable' };

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8', { fatal: false });

/** True when the bytes look binary: a NUL byte in the first 8 KiB (git's heuristic). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Decode bytes as UTF-8; invalid sequences become U+FFFD and a diagnostic names the first line. */
export function decode(path: string, bytes: Uint8Array): { text: string; diagnostics: Diagnostic[] } {
  try {
    return { text: strictDecoder.decode(bytes), diagnostics: [] };
  } catch {
    const text = lenientDecoder.decode(bytes);
    const bad = text.indexOf('\uFFFD');
    const lineStarts = computeLineStarts(text);
    let line = 1;
    while (line < lineStarts.length && lineStarts[line] <= bad) line++;
    return {
      text,
      diagnostics: [
        {
          severity: 'warning',
          code: 'invalid-utf8',
          file: path,
          message: `invalid UTF-8 at line ${line}; undecodable bytes were replaced with U+FFFD`,
          loc: { file: path, start: Math.max(0, bad), end: Math.max(0, bad) + 1 },
        },
      ],
    };
  }
}

/**
 * Read a file with one open/fstat/read: the size limit is checked before any byte is read.
 * Returns the bytes, or why they could not be had.
 */
export function readBounded(absPath: string, maxBytes: number): { bytes: Uint8Array } | { size: number } | { error: string } {
  let fd: number | undefined;
  try {
    fd = openSync(absPath, 'r');
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { size };
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { bytes: buf.subarray(0, off) };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Turn read bytes into a source file, with the diagnostics for binary content and invalid UTF-8. */
export function toSource(relPath: string, absPath: string, read: ReturnType<typeof readBounded>, maxBytes: number): ReadOutcome {
  if ('error' in read) {
    return {
      ok: false,
      reason: 'unreadable',
      diagnostics: [{ severity: 'error', code: 'unreadable', file: relPath, message: `cannot read file: ${read.error}` }],
    };
  }
  if ('size' in read) {
    return {
      ok: false,
      reason: 'too-large',
      diagnostics: [
        {
          severity: 'warning',
          code: 'file-too-large',
          file: relPath,
          message: `file is ${read.size} bytes, over the ${maxBytes}-byte limit; not scanned (raise limits.maxFileBytes in faultline.yaml)`,
        },
      ],
    };
  }
  const bytes = read.bytes;
  if (looksBinary(bytes)) {
    return {
      ok: false,
      reason: 'binary',
      diagnostics: [{ severity: 'info', code: 'binary-file', file: relPath, message: 'binary file (NUL bytes); not scanned' }],
    };
  }
  const { text, diagnostics } = decode(relPath, bytes);
  return { ok: true, file: makeSourceFile(relPath, text, absPath), diagnostics };
}

export async function readSource(relPath: string, absPath: string, maxBytes: number): Promise<ReadOutcome> {
  return toSource(relPath, absPath, readBounded(absPath, maxBytes), maxBytes);
}

/**
 * Reading files that other files refer to (`file()`, Packer scripts, a Dockerfile's COPY sources):
 * repo-relative, never outside the real root (symbolic links included), never over the size limit,
 * never binary. Files read are added to `files` so findings in them get positions.
 */
export function makeRootReader(root: string, realRoot: string, maxFileBytes: number, files: Map<string, SourceFile>): (rel: string) => SourceFile | undefined {
  return (rel) => {
    const norm = toPosix(path.posix.normalize(rel.replace(/\\/g, '/'))).replace(/^\.\//, '');
    if (norm.startsWith('../') || path.isAbsolute(norm)) return undefined;
    const cached = files.get(norm);
    if (cached) return cached;
    const abs = path.join(root, norm);
    try {
      // most misses are files that do not exist (a COPY source outside the repository): a stat
      // that does not throw answers those without the cost of an exception from realpath
      if (!statSync(abs, { throwIfNoEntry: false })) return undefined;
      const real = realpathSync(abs);
      if (!isInside(realRoot, real)) return undefined;
      const st = statSync(real);
      if (!st.isFile() || st.size > maxFileBytes) return undefined;
      const bytes = readFileSync(real);
      if (looksBinary(bytes)) return undefined;
      const { text } = decode(norm, bytes);
      const sf = makeSourceFile(norm, text, abs);
      files.set(norm, sf);
      return sf;
    } catch {
      return undefined;
    }
  };
}
