/**
 * Decoding TypeScript string and template literal text with a map back to the source: every
 * character written verbatim keeps its position; escapes (`\n`, `\u{1F600}`, line continuations)
 * and CRLF normalisation become synthetic characters.
 */
import { MappedTextBuilder } from '../../engine/offset-map.js';

const SIMPLE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };

/**
 * Append the cooked value of `raw` (the source text between the delimiters of a string literal or
 * a template piece, starting at root offset `at`) to `b`.
 */
export function appendCooked(b: MappedTextBuilder, raw: string, at: number, template: boolean): void {
  let i = 0;
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) b.verbatim(raw.slice(runStart, end), at + runStart);
  };
  while (i < raw.length) {
    const c = raw[i];
    if (template && c === '\r') {
      // template literals normalise CRLF and CR to LF
      flush(i);
      b.synthetic('\n');
      i += raw[i + 1] === '\n' ? 2 : 1;
      runStart = i;
      continue;
    }
    if (c !== '\\') {
      i++;
      continue;
    }
    flush(i);
    const n = raw[i + 1] ?? '';
    let len = 2;
    let out = '';
    if (n in SIMPLE && !(n === '0' && /[0-9]/.test(raw[i + 2] ?? ''))) out = SIMPLE[n];
    else if (n === 'x') {
      out = String.fromCharCode(parseInt(raw.slice(i + 2, i + 4), 16) || 0);
      len = 4;
    } else if (n === 'u' && raw[i + 2] === '{') {
      const close = raw.indexOf('}', i + 3);
      const cp = parseInt(raw.slice(i + 3, close), 16);
      out = Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      len = close - i + 1;
    } else if (n === 'u') {
      out = String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16) || 0);
      len = 6;
    } else if (n === '\r') {
      len = raw[i + 2] === '\n' ? 3 : 2; // line continuation
    } else if (n === '\n' || n === '\u2028' || n === '\u2029') {
      len = 2;
    } else out = n;
    if (out.length === 1 && out === n) {
      // `\'`, `\"`, `` \` ``, `\$`, `\\`: the character itself is in the source, right after the backslash
      b.verbatim(out, at + i + 1);
    } else if (out) b.synthetic(out);
    i += len;
    runStart = i;
  }
  flush(raw.length);
}
