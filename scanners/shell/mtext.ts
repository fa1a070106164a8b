/**
 * Mapped text: a string built from pieces, each either verbatim from the document text (with its
 * offset in `input.text`) or synthetic (decoded escapes, joining spaces). Turned into an OffsetMap
 * by composing with the document's own map.
 */
import { composeMaps, MappedTextBuilder, type OffsetMap } from '../../engine/offset-map.js';

export interface MText {
  /** Piece texts. */
  t: string[];
  /** Offset in the document text of each piece's first character, or -1 for synthetic text. */
  at: number[];
}

export function mtext(): MText {
  return { t: [], at: [] };
}

export function push(m: MText, text: string, at: number): void {
  if (text.length === 0) return;
  const n = m.t.length;
  if (n > 0 && at >= 0 && m.at[n - 1] >= 0 && m.at[n - 1] + m.t[n - 1].length === at) {
    m.t[n - 1] += text;
    return;
  }
  if (n > 0 && at < 0 && m.at[n - 1] < 0) {
    m.t[n - 1] += text;
    return;
  }
  m.t.push(text);
  m.at.push(at);
}

export function append(m: MText, other: MText): void {
  for (let i = 0; i < other.t.length; i++) push(m, other.t[i], other.at[i]);
}

export function str(m: MText): string {
  return m.t.join('');
}

/** Per-character view (text and offsets), for decoders that work character by character. */
export function chars(m: MText): { s: string; at: number[] } {
  const at: number[] = [];
  for (let i = 0; i < m.t.length; i++) {
    const o = m.at[i];
    for (let k = 0; k < m.t[i].length; k++) at.push(o < 0 ? -1 : o + k);
  }
  return { s: str(m), at };
}

/**
 * The text and root map of `m`. `docMap` maps document offsets to root offsets; `whole` is the
 * document span the text comes from (fallback for synthetic characters).
 */
export function toMapped(m: MText, docMap: OffsetMap, whole: [number, number]): { text: string; map: OffsetMap } {
  const b = new MappedTextBuilder(docMap.file, whole);
  for (let i = 0; i < m.t.length; i++) {
    if (m.at[i] >= 0) b.verbatim(m.t[i], m.at[i]);
    else b.synthetic(m.t[i]);
  }
  const built = b.build();
  return { text: built.text, map: composeMaps(docMap, built.map) };
}
