/**
 * Shell words: grouping tree-sitter argument nodes into the words bash would see, and quote
 * removal with source mapping.
 *
 * tree-sitter-bash treats an escaped blank (`\ `) and a line continuation as whitespace, so
 * `a\ b` comes out as two nodes `a`, `b`, and `$"x"` as `$` + `"x"`. Adjacent nodes whose gap
 * holds no unescaped whitespace are therefore one word, and the escaped blanks in the gap are
 * part of its value.
 */
import { type FlatTree, isNamed, TRUNCATED, typeOf } from './flat-tree.js';
import { chars, type MText, mtext, push } from './mtext.js';
import { overlaps } from './templates.js';

export interface Word {
  /** Offsets in the document text. */
  start: number;
  end: number;
  raw: string;
  /** Static value after quote removal; undefined when the word depends on an expansion. */
  value?: string;
  /** The value with offsets (set when `value` is). */
  m?: MText;
  /** Unquoted glob characters (`*`, `?`, `[`): the value is a pattern, not a path. */
  glob: boolean;
  /** Why the value is unknown, when it is. */
  dynamic?: 'expansion' | 'template' | 'brace' | 'tilde' | 'error';
}

const EXPANSIONS = new Set([
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'brace_expression',
  'array',
]);

const LITERAL = new Set(['word', 'number', 'variable_name', 'special_variable_name', 'extglob_pattern', 'test_operator', 'file_descriptor']);

/** Template markers of Go/Helm, Jinja, Terraform directives, ERB. */
const TEMPLATE_MARKERS = ['{{', '{%', '%{', '<%'];

export function hasTemplateMarker(s: string): boolean {
  for (const m of TEMPLATE_MARKERS) if (s.includes(m)) return true;
  return false;
}

interface State {
  m: MText;
  dyn?: Word['dynamic'];
  glob: boolean;
  /** Unquoted characters as written (quoted ones replaced by NUL), for tilde and brace checks. */
  unq: string;
}

type Item = { node: number } | { lit: string; at: number };

const CLOSE_DQ = 34; // "

function decodeUnquoted(text: string, s: number, e: number, st: State): void {
  let runStart = s;
  const flush = (upto: number) => {
    if (upto > runStart) push(st.m, text.slice(runStart, upto), runStart);
  };
  let i = s;
  while (i < e) {
    const c = text[i];
    if (c === '\\') {
      flush(i);
      if (i + 1 >= e) {
        push(st.m, '\\', i);
        st.unq += '\\';
        i++;
        runStart = i;
        continue;
      }
      if (text[i + 1] === '\n') {
        i += 2;
        runStart = i;
        continue;
      }
      push(st.m, text[i + 1], i + 1);
      st.unq += '\0';
      i += 2;
      runStart = i;
      continue;
    }
    if (c === '*' || c === '?' || c === '[') st.glob = true;
    st.unq += c;
    i++;
  }
  flush(e);
}

function decodeDoubleQuoted(text: string, s: number, e: number, st: State): void {
  let runStart = s;
  const flush = (upto: number) => {
    if (upto > runStart) push(st.m, text.slice(runStart, upto), runStart);
  };
  let i = s;
  while (i < e) {
    if (text[i] === '\\' && i + 1 < e) {
      const n = text[i + 1];
      if (n === '\n') {
        flush(i);
        i += 2;
        runStart = i;
        continue;
      }
      if (n === '$' || n === '`' || n === '"' || n === '\\') {
        flush(i);
        push(st.m, n, i + 1);
        i += 2;
        runStart = i;
        continue;
      }
      i += 2;
      continue;
    }
    i++;
  }
  flush(e);
  st.unq += '\0';
}

const C_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * Decode C-style backslash escapes (ANSI-C quoting, `echo -e`, `printf` formats). Characters that
 * are not part of an escape keep their offsets; decoded escapes are synthetic.
 * `stopAtC`: `\c` ends the output (echo -e); returns true when it did.
 */
export function decodeCEscapes(src: { s: string; at: number[] }, out: MText, opts: { stopAtC?: boolean; octalNeedsZero?: boolean } = {}): boolean {
  const { s, at } = src;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      push(out, c, at[i]);
      i++;
      continue;
    }
    const n = s[i + 1];
    if (n in C_ESCAPES) {
      push(out, C_ESCAPES[n], -1);
      i += 2;
      continue;
    }
    if (n === 'c' && opts.stopAtC) return true;
    if (n === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2, i + 4));
      if (m) {
        push(out, String.fromCharCode(parseInt(m[0], 16)), -1);
        i += 2 + m[0].length;
        continue;
      }
    }
    if (n === 'u' || n === 'U') {
      const m = (n === 'u' ? /^[0-9a-fA-F]{1,4}/ : /^[0-9a-fA-F]{1,8}/).exec(s.slice(i + 2, i + 10));
      if (m) {
        const cp = parseInt(m[0], 16);
        push(out, cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd', -1);
        i += 2 + m[0].length;
        continue;
      }
    }
    if (n >= '0' && n <= '7') {
      // echo -e wants \0nnn; printf and $'..' take \nnn
      const body = opts.octalNeedsZero ? (n === '0' ? s.slice(i + 2, i + 5) : '') : s.slice(i + 1, i + 4);
      const m = /^[0-7]{1,3}/.exec(body);
      if (m || (opts.octalNeedsZero && n === '0')) {
        const digits = m ? m[0] : '';
        push(out, String.fromCharCode(parseInt(digits || '0', 8) & 0xff), -1);
        i += (opts.octalNeedsZero ? 2 : 1) + digits.length;
        continue;
      }
    }
    // unknown escape: kept as written
    push(out, c, at[i]);
    i++;
  }
  return false;
}

/** Quote removal for a heredoc delimiter word (`'EOF'`, `"EOF"`, `\EOF`, `E"O"F`). */
function decodeDelimiter(text: string, s: number, e: number, st: State): void {
  let q = '';
  for (let i = s; i < e; i++) {
    const c = text[i];
    if (q) {
      if (c === q) q = '';
      else if (q === '"' && c === '\\' && i + 1 < e && '$`"\\'.includes(text[i + 1])) push(st.m, text[++i], i);
      else push(st.m, c, i);
      continue;
    }
    if (c === "'" || c === '"') q = c;
    else if (c === '\\' && i + 1 < e) push(st.m, text[++i], i);
    else push(st.m, c, i);
  }
  st.unq += '\0';
}

function decodeNode(t: FlatTree, text: string, id: number, st: State, depth: number): void {
  if (st.dyn) return;
  const ty = typeOf(t, id);
  const s = t.start[id];
  const e = t.end[id];
  if (depth > 64 || t.flags[id] & TRUNCATED) {
    st.dyn = 'error';
    return;
  }
  if (!isNamed(t, id)) {
    // '=' in an assignment, and the like
    push(st.m, text.slice(s, e), s);
    st.unq += text.slice(s, e);
    return;
  }
  if (LITERAL.has(ty)) {
    decodeUnquoted(text, s, e, st);
    return;
  }
  if (EXPANSIONS.has(ty)) {
    st.dyn = 'expansion';
    return;
  }
  switch (ty) {
    case 'heredoc_start': {
      decodeDelimiter(text, s, e, st);
      return;
    }
    case 'raw_string': {
      if (e - s < 2 || text[e - 1] !== "'") {
        st.dyn = 'error';
        return;
      }
      push(st.m, text.slice(s + 1, e - 1), s + 1);
      st.unq += '\0';
      return;
    }
    case 'ansi_c_string': {
      if (e - s < 3 || text[e - 1] !== "'") {
        st.dyn = 'error';
        return;
      }
      const inner = mtext();
      push(inner, text.slice(s + 2, e - 1), s + 2);
      decodeCEscapes(chars(inner), st.m);
      st.unq += '\0';
      return;
    }
    case 'string':
    case 'translated_string': {
      const open = text.indexOf('"', s);
      if (open < 0 || open >= e - 1 || text.charCodeAt(e - 1) !== CLOSE_DQ) {
        st.dyn = 'error';
        return;
      }
      // everything between the quotes, except expansions, is literal text
      for (let c = t.first[id]; c !== -1; c = t.next[c]) {
        if (isNamed(t, c) && typeOf(t, c) !== 'string_content') {
          st.dyn = typeOf(t, c) === 'ERROR' ? 'error' : 'expansion';
          return;
        }
      }
      decodeDoubleQuoted(text, open + 1, e - 1, st);
      return;
    }
    case 'concatenation':
    case 'variable_assignment':
    case 'command_name': {
      for (let c = t.first[id]; c !== -1; c = t.next[c]) {
        // `$"..."` comes out as a `$` word followed by a string
        const nx = t.next[c];
        if (nx !== -1 && typeOf(t, c) === 'word' && text.slice(t.start[c], t.end[c]) === '$' && typeOf(t, nx) === 'string' && t.start[nx] === t.end[c]) continue;
        decodeNode(t, text, c, st, depth + 1);
        if (st.dyn) return;
      }
      return;
    }
    default:
      st.dyn = ty === 'ERROR' ? 'error' : 'expansion';
  }
}

function finishWord(t: FlatTree, text: string, start: number, end: number, st: State): Word {
  const raw = text.slice(start, end);
  let dyn = st.dyn;
  if (!dyn && (overlaps(t.masks, start, end) || hasTemplateMarker(raw))) dyn = 'template';
  if (!dyn && st.unq.startsWith('~')) dyn = 'tilde';
  if (!dyn && st.unq.includes('{') && /\{[^{}]*(,|\.\.)[^{}]*\}/.test(st.unq)) dyn = 'brace';
  if (dyn) return { start, end, raw, glob: st.glob, dynamic: dyn };
  return { start, end, raw, value: st.m.t.join(''), m: st.m, glob: st.glob };
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t';
}

/**
 * Group nodes (in source order) into shell words, merging nodes separated only by escaped blanks
 * or line continuations.
 */
export function groupWords(t: FlatTree, text: string, ids: number[]): Word[] {
  const groups: { items: Item[]; start: number; end: number }[] = [];
  let cur: { items: Item[]; start: number; end: number } | undefined;
  let prevEnd = -1;
  for (const id of ids) {
    const s = t.start[id];
    if (prevEnd >= 0 && cur) {
      // scan the gap
      let i = prevEnd;
      while (i < s) {
        const c = text[i];
        if (c === '\\' && text[i + 1] === '\n') {
          i += 2;
          continue;
        }
        if (c === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
          i += 3;
          continue;
        }
        if (c === '\\' && i + 1 < s && isBlank(text[i + 1])) {
          if (!cur) {
            cur = { items: [], start: i, end: i };
            groups.push(cur);
          }
          cur.items.push({ lit: text[i + 1], at: i + 1 });
          cur.end = i + 2;
          i += 2;
          continue;
        }
        cur = undefined;
        i++;
      }
    }
    if (!cur) {
      cur = { items: [], start: s, end: s };
      groups.push(cur);
    }
    cur.items.push({ node: id });
    cur.end = Math.max(cur.end, t.end[id]);
    prevEnd = t.end[id];
  }
  const out: Word[] = [];
  for (const g of groups) {
    const st: State = { m: mtext(), glob: false, unq: '' };
    for (let k = 0; k < g.items.length; k++) {
      const it = g.items[k];
      if ('lit' in it) {
        push(st.m, it.lit, it.at);
        st.unq += '\0';
        continue;
      }
      const nx = g.items[k + 1];
      // `$"..."`: a lone `$` glued to a string
      if (nx && 'node' in nx && typeOf(t, it.node) === 'word' && text.slice(t.start[it.node], t.end[it.node]) === '$' && typeOf(t, nx.node) === 'string' && t.start[nx.node] === t.end[it.node]) continue;
      decodeNode(t, text, it.node, st, 0);
    }
    out.push(finishWord(t, text, g.start, g.end, st));
  }
  return out;
}

/** One node as one word (no grouping). */
export function wordOf(t: FlatTree, text: string, id: number): Word {
  const st: State = { m: mtext(), glob: false, unq: '' };
  decodeNode(t, text, id, st, 0);
  return finishWord(t, text, t.start[id], t.end[id], st);
}
