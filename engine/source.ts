/**
 * Source files and positions.
 *
 * Every location in faultline is a pair of UTF-16 offsets into the *root* file on disk
 * (`Loc`). Embedded documents map their own offsets back to root offsets through an
 * `OffsetMap` (see offset-map.ts), so a finding deep inside Terraform → MIME → cloud-init →
 * shell heredoc still points at a line and column of the `.tf` file.
 *
 * Lines and columns are 1-based; columns count UTF-16 code units (SARIF `utf16CodeUnits`).
 * End positions are exclusive (the column after the last character), as in SARIF.
 */

/** A span of a root file, as UTF-16 offsets. `end` is exclusive. */
export interface Loc {
  /** Repo-relative POSIX path of the root file. */
  file: string;
  start: number;
  end: number;
}

export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface SourceFile {
  /** Repo-relative POSIX path (relative to the scan root). */
  path: string;
  /** Absolute path on disk (for resolving `file()` and provisioner sources). Empty for virtual files. */
  absPath: string;
  text: string;
  /** Offsets at which each line starts (index 0 = line 1). */
  lineStarts: Uint32Array;
  /** The text's length, for a file whose text is read only when asked for (see scan-state.ts). */
  readonly length?: number;
  /** Known to hold no `faultline-ignore` comment (a file known from the scan state), so not read for one. */
  readonly directiveFree?: boolean;
}

/** What position arithmetic needs of a file. */
export interface LineIndex {
  lineStarts: ArrayLike<number>;
  text: string;
  /** The text's length, when it is known without the text (a file known from the scan state). */
  readonly length?: number;
}

export function computeLineStarts(text: string): Uint32Array {
  // two passes, so the table is exactly as long as the file has lines (4 bytes a line, kept for
  // every file of the scan)
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) n++;
    else if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      n++;
    }
  }
  const starts = new Uint32Array(n);
  let k = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) starts[k++] = i + 1;
    else if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts[k++] = i + 1;
    }
  }
  return starts;
}

/** A file whose line table is made the first time a position is asked of it (most files never are). */
class LazySourceFile implements SourceFile {
  private starts: Uint32Array | undefined;
  constructor(
    readonly path: string,
    readonly text: string,
    readonly absPath: string,
  ) {}
  get lineStarts(): Uint32Array {
    return (this.starts ??= computeLineStarts(this.text));
  }
}

export function makeSourceFile(path: string, text: string, absPath = ''): SourceFile {
  return new LazySourceFile(path, text, absPath);
}

/** 1-based line/column of a UTF-16 offset. Offsets past the end clamp to the end. */
export function positionAt(file: LineIndex, offset: number): Position {
  const o = Math.max(0, Math.min(offset, file.length ?? file.text.length));
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= o) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: o - starts[lo] + 1 };
}

/** UTF-16 offset of a 1-based line/column (clamped to the file). */
export function offsetAt(file: LineIndex, pos: Position): number {
  const line = Math.max(1, Math.min(pos.line, file.lineStarts.length));
  const start = file.lineStarts[line - 1];
  return Math.min(file.length ?? file.text.length, start + Math.max(0, pos.column - 1));
}

export function rangeOf(file: LineIndex, loc: { start: number; end: number }): Range {
  return { start: positionAt(file, loc.start), end: positionAt(file, Math.max(loc.start, loc.end)) };
}

/** The text of 1-based line `line`, without its line terminator. */
export function lineText(file: LineIndex, line: number): string {
  const start = file.lineStarts[line - 1];
  if (start === undefined) return '';
  const next = file.lineStarts[line] ?? file.text.length;
  return file.text.slice(start, next).replace(/\r?\n$|\r$/, '');
}

export function loc(file: string, start: number, end: number): Loc {
  return { file, start, end };
}
