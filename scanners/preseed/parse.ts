/**
 * debian-installer preseed / debconf-set-selections syntax:
 *
 *   <owner> <question> <type> <value>
 *
 * - lines end at `\n` (a trailing `\r` is dropped); a line ending in `\` continues on the next
 *   line; as the installation guide says, split lines are joined "with all leading/trailing
 *   whitespace condensed to a single space";
 * - after joining, blank lines and lines whose first non-blank character is `#` are skipped;
 * - owner, question and type are separated by any whitespace; exactly one blank separates type
 *   and value, further blanks belong to the value (debconf-set-selections'
 *   `^\s*(\S+)\s+(\S+)\s+(\S+)(?:\s(.*))?`); the value may be empty. Trailing blanks of the
 *   value are dropped here;
 * - lines with fewer than three fields are errors; unknown types are skipped with a warning, as
 *   debconf-set-selections does.
 */
import type { Diagnostic, PreseedEntry } from '../../engine/model.js';
import { MappedTextBuilder, mapOffset, mapSpan, type OffsetMap, mapSpanVia } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';

export type { DiagnosticSink } from '../../engine/scanner-api.js';
import type { DiagnosticSink } from '../../engine/scanner-api.js';

/** Types debconf-set-selections accepts (`seen` sets the seen flag instead of a value; `error` is cdebconf's). */
export const PRESEED_TYPES = ['string', 'boolean', 'select', 'multiselect', 'note', 'password', 'text', 'title', 'error', 'seen'] as const;

export interface ParsedLine {
  entry: PreseedEntry;
  /** The joined logical line and its map to input-text offsets. */
  line: { text: string; map: OffsetMap };
  /** Value span within `line.text`. */
  valueStart: number;
  valueEnd: number;
}

export interface ParsedPreseed {
  lines: ParsedLine[];
  comments: { text: string; loc: Loc }[];
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}


function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function parsePreseedText(text: string, map: OffsetMap, diag: DiagnosticSink): ParsedPreseed {
  const lines: ParsedLine[] = [];
  const comments: { text: string; loc: Loc }[] = [];
  let templateReported = false;
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const physical = (from: number): { s: number; e: number; next: number } => {
    let e = text.indexOf('\n', from);
    const next = e < 0 ? len + 1 : e + 1;
    if (e < 0) e = len;
    if (e > from && text.charCodeAt(e - 1) === 13) e--;
    return { s: from, e, next };
  };

  while (pos <= len) {
    let { s, e, next } = physical(pos);
    pos = next;
    const b = new MappedTextBuilder(map.file, [s, e]);
    // join continuation lines (not at end of input, as debconf-set-selections does)
    while (e > s && text.charCodeAt(e - 1) === 92 /* \ */ && pos <= len) {
      let k = e - 1;
      while (k > s && isBlank(text.charCodeAt(k - 1))) k--;
      b.verbatim(text.slice(s, k), s);
      if (b.textLength > 0) b.synthetic(' ');
      const nl = physical(pos);
      pos = nl.next;
      s = nl.s;
      while (s < nl.e && isBlank(text.charCodeAt(s))) s++;
      e = nl.e;
    }
    b.verbatim(text.slice(s, e), s);
    const line = b.build();
    const L = line.text;
    const span = (x: number, y: number) => mapSpanVia(line.map, map, x, y);

    let i = 0;
    while (i < L.length && isBlank(L.charCodeAt(i))) i++;
    if (i >= L.length) continue;
    let end = L.length;
    while (end > i && isBlank(L.charCodeAt(end - 1))) end--;
    if (L.charCodeAt(i) === 35 /* # */) {
      comments.push({ text: L.slice(i, end), loc: span(i, end) });
      continue;
    }
    if (/^(?:\{[%#{]|<%)/.test(L.slice(i, i + 2))) {
      if (!templateReported) {
        templateReported = true;
        diag({ severity: 'info', code: 'template-unrendered', message: 'template directive lines are skipped; values are read as written', loc: span(i, end) });
      }
      continue;
    }

    // three whitespace-separated fields, then the value after exactly one blank
    const fields: [number, number][] = [];
    let j = i;
    while (fields.length < 3 && j < end) {
      while (j < end && isBlank(L.charCodeAt(j))) j++;
      if (j >= end) break;
      const f0 = j;
      while (j < end && !isBlank(L.charCodeAt(j))) j++;
      fields.push([f0, j]);
    }
    if (fields.length < 3) {
      diag({
        severity: 'error',
        code: 'parse-error',
        message: `expected '<owner> <question> <type> <value>', got '${clip(L.slice(i, end))}'; line ignored`,
        loc: span(i, end),
      });
      continue;
    }
    const [[o0, o1], [q0, q1], [t0, t1]] = fields;
    const type = L.slice(t0, t1);
    if (!(PRESEED_TYPES as readonly string[]).includes(type)) {
      diag({
        severity: 'warning',
        code: 'parse-error',
        message: `unknown type '${clip(type, 30)}' for ${L.slice(q0, q1)}; debconf skips this line`,
        loc: span(t0, t1),
      });
      continue;
    }
    const v0 = t1 < end ? t1 + 1 : t1;
    const v1 = Math.max(v0, end);
    const entry: PreseedEntry = {
      owner: L.slice(o0, o1),
      question: L.slice(q0, q1),
      type,
      value: L.slice(v0, v1),
      loc: span(o0, end),
      valueLoc: v1 > v0 ? span(v0, v1) : span(t1, t1),
    };
    lines.push({ entry, line, valueStart: v0, valueEnd: v1 });
  }
  return { lines, comments };
}
