/**
 * Unrendered templates: Helm/Go `{{ }}`, Jinja `{% %}` / `{{ }}` / `{# #}`, Terraform `%{ }` and
 * `${var.x}` / `${fn(...)}`, ERB `<% %>`.
 *
 * This is template lexing, not shell parsing: before tree-sitter sees the script, each template
 * tag is replaced by text of the same length (offsets do not move) — blanks when the tag stands
 * alone on its line or is a control tag between words, a placeholder word (`_`) otherwise. The
 * analysis still reads the original text; words overlapping a masked range are dynamic.
 */

export interface Masked {
  /** Text to hand to the parser. */
  text: string;
  /** Flat `[start, end, ...]` of masked ranges, sorted. */
  ranges: number[];
}

const MAX_TAG = 4096;
const CONTROL_GO = /^-?\s*(?:if|else|end|range|with|define|template|block|break|continue|\/\*)\b/;

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** End (exclusive) of a brace-balanced `{...}` starting at `open`, skipping quoted strings. */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  const lim = Math.min(text.length, open + MAX_TAG);
  for (let i = open; i < lim; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < lim && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '\n') return -1;
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

function closeAt(text: string, from: number, close: string): number {
  // bounded search: an unclosed tag must not cost a scan of the rest of the file
  const i = text.slice(from, from + MAX_TAG).indexOf(close);
  return i < 0 ? -1 : from + i + close.length;
}

/** Mask template tags; undefined when the text has none. */
export function maskTemplates(text: string): Masked | undefined {
  const ranges: number[] = [];
  const controls: boolean[] = [];
  let i = 0;
  const n = text.length;
  while (i < n - 1) {
    const c = text[i];
    const d = text[i + 1];
    let end = -1;
    let control = false;
    if (c === '{' && d === '{') {
      end = closeAt(text, i + 2, '}}');
      control = CONTROL_GO.test(text.slice(i + 2, i + 20));
    } else if (c === '{' && d === '%') {
      end = closeAt(text, i + 2, '%}');
      control = true;
    } else if (c === '{' && d === '#' && text[i - 1] !== '$') {
      end = closeAt(text, i + 2, '#}');
      control = true;
    } else if (c === '%' && d === '{' && text[i - 1] !== '%') {
      end = matchBrace(text, i + 1);
      control = true;
    } else if (c === '<' && d === '%') {
      end = closeAt(text, i + 2, '%>');
      control = text[i + 2] !== '=';
    } else if (c === '$' && d === '{' && text[i - 1] !== '$' && /^[A-Za-z_][A-Za-z0-9_-]*\s*[.(]/.test(text.slice(i + 2, i + 66))) {
      // Terraform interpolation: bash has no `${name.` or `${name(`
      end = matchBrace(text, i + 1);
    }
    if (end < 0) {
      i++;
      continue;
    }
    ranges.push(i, end);
    controls.push(control);
    i = end;
  }
  if (ranges.length === 0) return undefined;
  const out = text.split('');
  for (let k = 0; k < ranges.length; k += 2) {
    const s = ranges[k];
    const e = ranges[k + 1];
    let ls = s;
    while (ls > 0 && isWs(text[ls - 1])) ls--;
    let le = e;
    while (le < n && isWs(text[le])) le++;
    const lineAlone = (ls === 0 || text[ls - 1] === '\n' || text[ls - 1] === '\r') && (le === n || text[le] === '\n' || text[le] === '\r');
    const between = (s === 0 || /\s/.test(text[s - 1])) && (e === n || /\s/.test(text[e]));
    const blank = lineAlone || (controls[k / 2] && between);
    for (let j = s; j < e; j++) {
      const ch = text[j];
      if (ch === '\n' || ch === '\r') continue;
      out[j] = blank ? ' ' : '_';
    }
  }
  return { text: out.join(''), ranges };
}

/** Does `[s, e)` overlap a masked range? */
export function overlaps(ranges: number[] | undefined, s: number, e: number): boolean {
  if (!ranges || ranges.length === 0) return false;
  // binary search the first range whose end > s
  let lo = 0;
  let hi = ranges.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid * 2 + 1] <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length / 2 && ranges[lo * 2] < Math.max(e, s + 1);
}
