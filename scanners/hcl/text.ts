/**
 * Mapping helpers shared by the HCL scanner: the source a parser works on (`Src`), decoded text
 * with per-character positions (`PosText`), and concatenation of mapped strings.
 */
import { composeMaps, mapSpan, MappedTextBuilder, type OffsetMap } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';

/** Text a parser works on, with the map from its offsets to the root file. */
export interface Src {
  text: string;
  map: OffsetMap;
  /** True when `map` is the identity over the whole text (offsets are root offsets). */
  identity: boolean;
}

export function makeSrc(text: string, map: OffsetMap): Src {
  const identity = map.segs.length === 3 && map.segs[0] === 0 && map.segs[1] === 0 && map.segs[2] === text.length;
  return { text, map, identity: identity || (text.length === 0 && map.whole[0] === 0) };
}

export function srcLoc(src: Src, start: number, end: number): Loc {
  if (src.identity) return { file: src.map.file, start, end: Math.max(start, end) };
  return mapSpan(src.map, start, end);
}

/** Turn a map expressed in `src` offsets into one expressed in root offsets. */
export function srcMap(src: Src, local: OffsetMap): OffsetMap {
  if (src.identity) return local;
  return composeMaps(src.map, local);
}

/** Decoded text with the source offset of every character (-1 = no verbatim source). */
export interface PosText {
  text: string;
  pos: Int32Array | number[];
}

export function posTextSlice(p: PosText, start: number, end: number): PosText {
  return { text: p.text.slice(start, end), pos: p.pos.slice(start, end) };
}

/** Build an OffsetMap (in source offsets) from per-character positions. */
export function posTextMap(p: PosText, file: string, whole: [number, number]): OffsetMap {
  const b = new MappedTextBuilder(file, whole);
  const { text, pos } = p;
  let i = 0;
  while (i < text.length) {
    if (pos[i] < 0) {
      let j = i + 1;
      while (j < text.length && pos[j] < 0) j++;
      b.synthetic(text.slice(i, j));
      i = j;
      continue;
    }
    let j = i + 1;
    while (j < text.length && pos[j] === pos[j - 1] + 1) j++;
    b.verbatim(text.slice(i, j), pos[i]);
    i = j;
  }
  return b.build().map;
}

/** A string with its map to a root file. */
export interface MStr {
  text: string;
  map: OffsetMap;
}

/**
 * Append `piece` to a builder whose file is `file`: characters mapped into the same file stay
 * mapped, everything else becomes synthetic.
 */
export function appendMapped(b: MappedTextBuilder, file: string, piece: MStr): void {
  const { text, map } = piece;
  if (map.file !== file || map.segs.length === 0) {
    b.synthetic(text);
    return;
  }
  let at = 0;
  const segs = map.segs;
  for (let k = 0; k < segs.length; k += 3) {
    const inner = segs[k];
    const outer = segs[k + 1];
    const len = segs[k + 2];
    if (inner > at) b.synthetic(text.slice(at, inner));
    b.verbatim(text.slice(inner, inner + len), outer);
    at = inner + len;
  }
  if (at < text.length) b.synthetic(text.slice(at));
}

/** Above this many segments a concatenation maps the rest of its text as synthetic (bounds memory). */
export const MAX_MAP_SEGMENTS = 50_000;

export function concatMapped(pieces: MStr[], file: string, whole: [number, number]): MStr {
  const b = new MappedTextBuilder(file, whole);
  let segs = 0;
  for (const p of pieces) {
    if (segs > MAX_MAP_SEGMENTS) {
      b.synthetic(p.text);
      continue;
    }
    appendMapped(b, file, p);
    if (p.map.file === file) segs += p.map.segs.length / 3;
  }
  return b.build();
}

/** The map of `text[start:end)` given the map of `text`. */
export function sliceMapped(m: MStr, start: number, end: number): MStr {
  const segs: number[] = [];
  const s = m.map.segs;
  for (let k = 0; k < s.length; k += 3) {
    const a = Math.max(s[k], start);
    const z = Math.min(s[k] + s[k + 2], end);
    if (z > a) segs.push(a - start, s[k + 1] + (a - s[k]), z - a);
  }
  let whole = m.map.whole;
  if (segs.length) whole = [segs[1], segs[segs.length - 2] + segs[segs.length - 1]];
  return { text: m.text.slice(start, end), map: { file: m.map.file, segs, whole } };
}
