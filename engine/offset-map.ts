/**
 * Offset maps: how the text of an embedded document maps back to its root file.
 *
 * An embedded document's text is rarely a plain slice of the file that holds it: a YAML block
 * scalar loses its indentation, a JSON string loses its escapes, a heredoc inside a heredoc loses
 * both. An `OffsetMap` records the mapping as sorted segments, each a run of characters that
 * appear verbatim in the root file. Characters that do not appear in the root file (decoded
 * escapes, base64 content, text produced by a function) fall back to the nearest mapped character,
 * or to `whole` — the span of the root file the document came from — when nothing is mapped.
 *
 * Maps are plain data (no classes) so documents can cross worker threads and live in caches.
 */
import type { Loc } from './source.js';

export interface OffsetMap {
  /** Root file (repo-relative POSIX path). */
  file: string;
  /** Flat triples `[innerStart, outerStart, length, ...]`, sorted by innerStart, non-overlapping. */
  segs: number[];
  /** The root-file span the whole document came from; the fallback for unmapped text. */
  whole: [number, number];
}

/** The identity map for a document that *is* a whole root file (or a verbatim slice at `base`). */
export function identityMap(file: string, length: number, base = 0): OffsetMap {
  return { file, segs: length > 0 ? [0, base, length] : [], whole: [base, base + length] };
}

/** A map for text that cannot be traced character by character (e.g. base64-decoded). */
export function opaqueMap(file: string, start: number, end: number): OffsetMap {
  return { file, segs: [], whole: [start, end] };
}

function findSeg(segs: number[], inner: number): number {
  // index (in triples) of the last segment with innerStart <= inner, or -1
  let lo = 0;
  let hi = segs.length / 3 - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid * 3] <= inner) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Root offset of an inner offset. `bias` decides what an offset that falls exactly on a segment
 * boundary or in an unmapped gap maps to: 'start' (for the start of a span) rounds forward to the
 * next mapped character, 'end' rounds back to just after the previous one.
 */
export function mapOffset(map: OffsetMap, inner: number, bias: 'start' | 'end' = 'start'): number {
  const { segs } = map;
  if (segs.length === 0) return bias === 'start' ? map.whole[0] : map.whole[1];
  const i = findSeg(segs, bias === 'end' ? inner - 1 : inner);
  if (i >= 0) {
    const s = segs[i * 3];
    const o = segs[i * 3 + 1];
    const l = segs[i * 3 + 2];
    if (bias === 'end') {
      if (inner - 1 < s + l) return o + (inner - s);
      return o + l;
    }
    if (inner < s + l) return o + (inner - s);
    // in a gap after segment i: round forward to the next segment if any
    if (i + 1 < segs.length / 3) return segs[(i + 1) * 3 + 1];
    return o + l;
  }
  // before the first segment
  return bias === 'start' ? segs[1] : segs[1];
}

/** Map an inner span to a root `Loc`. */
export function mapSpan(map: OffsetMap, start: number, end: number): Loc {
  const s = mapOffset(map, start, 'start');
  let e = end > start ? mapOffset(map, end, 'end') : s;
  if (e < s) e = s;
  return { file: map.file, start: s, end: e };
}

/**
 * Two-step mapping: a span of a text built from another text (`inner` maps built → source offsets,
 * e.g. a logical line with continuations joined), and that source's own map to the root (`outer`).
 */
export function mapSpanVia(inner: OffsetMap, outer: OffsetMap, start: number, end: number): Loc {
  const a = mapOffset(inner, start, 'start');
  const b = end > start ? Math.max(a, mapOffset(inner, end, 'end')) : a;
  return mapSpan(outer, a, b);
}

/**
 * Restrict a map to the inner slice `[start, end)` of its document and rebase it so that inner
 * offset `start` becomes 0. Used when a child document is a verbatim slice of its parent.
 */
export function sliceMap(map: OffsetMap, start: number, end: number): OffsetMap {
  return composeMaps(map, identityMap(map.file, end - start, start));
}

/**
 * Compose `child` (child offsets → parent-inner offsets; its `file` is ignored) with `parent`
 * (parent-inner offsets → root offsets). The result maps child offsets straight to root offsets.
 */
export function composeMaps(parent: OffsetMap, child: OffsetMap): OffsetMap {
  const out: number[] = [];
  const ps = parent.segs;
  for (let k = 0; k < child.segs.length; k += 3) {
    let cIn = child.segs[k];
    let pIn = child.segs[k + 1];
    let len = child.segs[k + 2];
    while (len > 0) {
      const i = findSeg(ps, pIn);
      if (i < 0 || pIn >= ps[i * 3] + ps[i * 3 + 2]) {
        // pIn falls in an unmapped part of the parent: skip to the next parent segment
        const next = i + 1;
        if (next >= ps.length / 3) break;
        const skip = ps[next * 3] - pIn;
        if (skip >= len) break;
        cIn += skip;
        pIn += skip;
        len -= skip;
        continue;
      }
      const segStart = ps[i * 3];
      const segOut = ps[i * 3 + 1];
      const segLen = ps[i * 3 + 2];
      const take = Math.min(len, segStart + segLen - pIn);
      const o = segOut + (pIn - segStart);
      // merge with previous triple when contiguous
      const n = out.length;
      if (n >= 3 && out[n - 3] + out[n - 1] === cIn && out[n - 2] + out[n - 1] === o) out[n - 1] += take;
      else out.push(cIn, o, take);
      cIn += take;
      pIn += take;
      len -= take;
    }
  }
  // child.whole is a span of the parent's text: map it through the parent too
  const wholeLoc = mapSpan(parent, child.whole[0], child.whole[1]);
  // exact size: maps are kept for the life of the scan, and most hold one or two segments
  return { file: parent.file, segs: out.slice(), whole: [wholeLoc.start, wholeLoc.end] };
}

/**
 * Builds a document's text together with its map, piece by piece. Scanners use it to un-indent
 * block scalars, decode escapes, and join continuation lines while keeping every verbatim
 * character traceable.
 */
export class MappedTextBuilder {
  private parts: string[] = [];
  private length = 0;
  private segs: number[] = [];

  /**
   * @param file root file path
   * @param whole the root span the whole text comes from (fallback for unmapped characters)
   */
  constructor(
    private readonly file: string,
    private readonly whole: [number, number],
  ) {}

  /** Append text that appears verbatim in the root file at `outerStart`. */
  verbatim(text: string, outerStart: number): this {
    if (text.length === 0) return this;
    const n = this.segs.length;
    if (n >= 3 && this.segs[n - 3] + this.segs[n - 1] === this.length && this.segs[n - 2] + this.segs[n - 1] === outerStart) {
      this.segs[n - 1] += text.length;
    } else this.segs.push(this.length, outerStart, text.length);
    this.parts.push(text);
    this.length += text.length;
    return this;
  }

  /**
   * Append `src[from, to)`, where `src` is a text with map `srcMap` (e.g. a logical line built
   * earlier), keeping every mapped character mapped. Characters of `src` that have no source
   * (synthetic text in the gaps between segments) are kept as synthetic text, or dropped with
   * `gaps: 'drop'` (e.g. a comment replaced by a space). A binary search finds the first segment, so
   * many copies out of one long line stay linear.
   */
  copy(src: string, srcMap: OffsetMap, from: number, to: number, gaps: 'keep' | 'drop' = 'keep'): this {
    const segs = srcMap.segs;
    let lo = 0;
    let hi = segs.length / 3;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid * 3] + segs[mid * 3 + 2] <= from) lo = mid + 1;
      else hi = mid;
    }
    let cur = from;
    for (let k = lo * 3; k < segs.length && segs[k] < to; k += 3) {
      const s0 = Math.max(cur, segs[k]);
      const s1 = Math.min(to, segs[k] + segs[k + 2]);
      if (s1 <= s0) continue;
      if (s0 > cur && gaps === 'keep') this.synthetic(src.slice(cur, s0));
      this.verbatim(src.slice(s0, s1), segs[k + 1] + (s0 - segs[k]));
      cur = s1;
    }
    if (cur < to && gaps === 'keep') this.synthetic(src.slice(cur, to));
    return this;
  }

  /** Append text with no verbatim source (a decoded escape, a joined line break...). */
  synthetic(text: string): this {
    this.parts.push(text);
    this.length += text.length;
    return this;
  }

  get textLength(): number {
    return this.length;
  }

  build(): { text: string; map: OffsetMap } {
    return { text: this.parts.join(''), map: { file: this.file, segs: this.segs.slice(), whole: this.whole } };
  }
}
