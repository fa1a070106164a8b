/**
 * Decoding YAML scalars with an exact offset map.
 *
 * The `yaml` library resolves a scalar's string value but throws away where each character came
 * from. These functions re-run the library's resolution algorithms (compose/resolve-block-scalar
 * and compose/resolve-flow-scalar of yaml@2) on the CST token while recording, for every run of
 * output characters, the offset in the parsed text it was copied from. The caller checks the
 * result against the library's value and falls back to a coarse map if they ever disagree.
 *
 * Offsets here are offsets in the text handed to the YAML parser ("text space"); the caller
 * composes the result with the document's own map to reach root-file offsets.
 */
import type { CST } from 'yaml';

/** Value text plus flat `[valueStart, textStart, length]` triples. */
export interface DecodedScalar {
  value: string;
  segs: number[];
}

class Out {
  parts: string[] = [];
  length = 0;
  segs: number[] = [];

  verbatim(s: string, at: number): void {
    if (s.length === 0) return;
    const n = this.segs.length;
    if (n >= 3 && this.segs[n - 3] + this.segs[n - 1] === this.length && this.segs[n - 2] + this.segs[n - 1] === at) {
      this.segs[n - 1] += s.length;
    } else this.segs.push(this.length, at, s.length);
    this.parts.push(s);
    this.length += s.length;
  }

  synthetic(s: string): void {
    if (s.length === 0) return;
    this.parts.push(s);
    this.length += s.length;
  }

  /** A decoded escape: one output character traced to the escape's first source character. */
  escape(s: string, at: number): void {
    if (s.length === 1) {
      this.segs.push(this.length, at, 1);
      this.parts.push(s);
      this.length += 1;
    } else this.synthetic(s);
  }

  done(): DecodedScalar {
    return { value: this.parts.join(''), segs: this.segs };
  }
}

// ---------------------------------------------------------------------------------------------
// Block scalars (| and >)

interface Line {
  /** Text offset of the line's first character. */
  start: number;
  /** Number of leading spaces. */
  ind: number;
  /** Rest of the line (may end with '\r'). */
  content: string;
}

export function decodeBlockScalar(tok: CST.BlockScalar): DecodedScalar | undefined {
  const props = tok.props;
  if (!props || props.length === 0 || props[0].type !== 'block-scalar-header') return undefined;
  const hsrc = (props[0] as CST.SourceToken).source;
  const mode = hsrc[0];
  let explicitIndent = 0;
  let chomp = '';
  for (let i = 1; i < hsrc.length; ++i) {
    const ch = hsrc[i];
    if (!chomp && (ch === '-' || ch === '+')) chomp = ch;
    else {
      const n = Number(ch);
      if (!explicitIndent && n) explicitIndent = n;
    }
  }
  let headerLength = 0;
  for (const p of props) {
    const s = (p as { source?: unknown }).source;
    if (typeof s === 'string') headerLength += s.length;
  }
  const source = tok.source ?? '';
  const base = tok.offset + headerLength;
  const out = new Out();

  const lines: Line[] = [];
  {
    let pos = 0;
    while (true) {
      const nl = source.indexOf('\n', pos);
      const raw = nl === -1 ? source.slice(pos) : source.slice(pos, nl);
      let ind = 0;
      while (ind < raw.length && raw.charCodeAt(ind) === 32) ind++;
      lines.push({ start: base + pos, ind, content: raw.slice(ind) });
      if (nl === -1) break;
      pos = nl + 1;
    }
    if (source.length === 0) lines.length = 0;
  }
  const nlAfter = (i: number): number | undefined =>
    i < lines.length - 1 ? lines[i].start + lines[i].ind + lines[i].content.length : undefined;

  let chompStart = lines.length;
  for (let i = lines.length - 1; i >= 0; --i) {
    const c = lines[i].content;
    if (c === '' || c === '\r') chompStart = i;
    else break;
  }
  if (chompStart === 0) {
    if (chomp === '+' && lines.length > 0) out.synthetic('\n'.repeat(Math.max(1, lines.length - 1)));
    return out.done();
  }
  let trimIndent = tok.indent + explicitIndent;
  let contentStart = 0;
  for (let i = 0; i < chompStart; ++i) {
    const { ind, content } = lines[i];
    if (content === '' || content === '\r') {
      if (explicitIndent === 0 && ind > trimIndent) trimIndent = ind;
    } else {
      if (explicitIndent === 0) trimIndent = ind;
      contentStart = i;
      break;
    }
  }
  for (let i = lines.length - 1; i >= chompStart; --i) {
    if (lines[i].ind > trimIndent) chompStart = i + 1;
  }
  const literal = mode !== '>';
  const emitIndent = (l: Line): void => {
    if (l.ind > trimIndent) out.verbatim(' '.repeat(l.ind - trimIndent), l.start + trimIndent);
  };
  const emitNewlineAfter = (i: number): void => {
    const at = nlAfter(i);
    if (at === undefined) out.synthetic('\n');
    else out.verbatim('\n', at);
  };
  for (let i = 0; i < contentStart; ++i) {
    emitIndent(lines[i]);
    emitNewlineAfter(i);
  }
  let sep = '';
  let prevMoreIndented = false;
  for (let i = contentStart; i < chompStart; ++i) {
    const l = lines[i];
    let content = l.content;
    const crlf = content[content.length - 1] === '\r';
    if (crlf) content = content.slice(0, -1);
    const contentAt = l.start + l.ind;
    const badIndent = content !== '' && l.ind < trimIndent;
    if (literal) {
      if (sep) emitNewlineAfter(i - 1);
      if (!badIndent) emitIndent(l);
      out.verbatim(content, contentAt);
      sep = '\n';
    } else if ((!badIndent && l.ind > trimIndent) || content[0] === '\t') {
      if (sep === ' ') sep = '\n';
      else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
      out.synthetic(sep);
      if (!badIndent) emitIndent(l);
      out.verbatim(content, contentAt);
      sep = '\n';
      prevMoreIndented = true;
    } else if (content === '') {
      if (sep === '\n') out.synthetic('\n');
      else sep = '\n';
    } else {
      out.synthetic(sep);
      out.verbatim(content, contentAt);
      sep = ' ';
      prevMoreIndented = false;
    }
  }
  switch (chomp) {
    case '-':
      break;
    case '+': {
      for (let i = chompStart; i < lines.length; ++i) {
        emitNewlineAfter(i - 1);
        emitIndent(lines[i]);
      }
      const v = out.parts.length ? out.parts[out.parts.length - 1] : '';
      if (v[v.length - 1] !== '\n') out.synthetic('\n');
      break;
    }
    default:
      emitNewlineAfter(chompStart - 1);
  }
  return out.done();
}

// ---------------------------------------------------------------------------------------------
// Flow scalars (plain, 'single', "double")

function unfoldLines(out: Out, source: string, base: number, unquoteSingle: boolean): void {
  const emit = (s: string, at: number): void => {
    if (!unquoteSingle) return out.verbatim(s, at);
    let from = 0;
    while (true) {
      const q = s.indexOf("''", from);
      if (q === -1) break;
      out.verbatim(s.slice(from, q + 1), at + from);
      from = q + 2;
    }
    out.verbatim(s.slice(from), at + from);
  };
  const lineRe = /(.*?)\r?\n/sy;
  let m = lineRe.exec(source);
  if (!m) {
    emit(source, base);
    return;
  }
  emit(m[1].replace(/[ \t]+$/, ''), base + m.index);
  let sep = ' ';
  let pos = lineRe.lastIndex;
  while ((m = lineRe.exec(source))) {
    const raw = m[1];
    let lead = 0;
    while (lead < raw.length && (raw[lead] === ' ' || raw[lead] === '\t')) lead++;
    const trimmed = raw.slice(lead).replace(/[ \t]+$/, '');
    if (trimmed === '') {
      if (sep === '\n') out.synthetic(sep);
      else sep = '\n';
    } else {
      out.synthetic(sep);
      emit(trimmed, base + m.index + lead);
      sep = ' ';
    }
    pos = lineRe.lastIndex;
  }
  let lead = pos;
  while (lead < source.length && (source[lead] === ' ' || source[lead] === '\t')) lead++;
  out.synthetic(sep);
  emit(source.slice(lead), base + lead);
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

function decodeDoubleQuoted(out: Out, source: string, base: number): void {
  const last = source.length - 1;
  for (let i = 1; i < last; ++i) {
    const ch = source[i];
    if (ch === '\r' && source[i + 1] === '\n') continue;
    if (ch === '\n') {
      let fold = '';
      let o = i;
      let c = source[o + 1];
      while (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        if (c === '\r' && source[o + 2] !== '\n') break;
        if (c === '\n') fold += '\n';
        o += 1;
        c = source[o + 1];
      }
      out.synthetic(fold || ' ');
      i = o;
    } else if (ch === '\\') {
      const at = i;
      let next = source[++i];
      const cc = ESCAPES[next];
      if (cc) out.escape(cc, base + at);
      else if (next === '\n') {
        next = source[i + 1];
        while (next === ' ' || next === '\t') next = source[++i + 1];
      } else if (next === '\r' && source[i + 1] === '\n') {
        next = source[++i + 1];
        while (next === ' ' || next === '\t') next = source[++i + 1];
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = source.substr(i + 1, length);
        const ok = hex.length === length && /^[0-9a-fA-F]+$/.test(hex);
        let decoded: string | undefined;
        if (ok) {
          try {
            decoded = String.fromCodePoint(parseInt(hex, 16));
          } catch {
            decoded = undefined;
          }
        }
        if (decoded !== undefined) out.escape(decoded, base + at);
        else out.verbatim(source.substr(i - 1, length + 2), base + i - 1);
        i += length;
      } else {
        out.verbatim(source.substr(i - 1, 2), base + i - 1);
      }
    } else if (ch === ' ' || ch === '\t') {
      const wsStart = i;
      let next = source[i + 1];
      while (next === ' ' || next === '\t') next = source[++i + 1];
      if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n')) out.verbatim(source.slice(wsStart, i + 1), base + wsStart);
    } else {
      let j = i + 1;
      while (j < last) {
        const c = source[j];
        if (c === '\\' || c === '\n' || c === '\r' || c === ' ' || c === '\t') break;
        j++;
      }
      out.verbatim(source.slice(i, j), base + i);
      i = j - 1;
    }
  }
}

export function decodeFlowScalar(tok: CST.FlowScalar): DecodedScalar | undefined {
  const out = new Out();
  const { source, offset } = tok;
  switch (tok.type) {
    case 'scalar':
      unfoldLines(out, source, offset, false);
      break;
    case 'single-quoted-scalar':
      unfoldLines(out, source.slice(1, -1), offset + 1, true);
      break;
    case 'double-quoted-scalar':
      decodeDoubleQuoted(out, source, offset);
      break;
    default:
      return undefined;
  }
  return out.done();
}

export function decodeScalarToken(tok: CST.Token | undefined): DecodedScalar | undefined {
  if (!tok) return undefined;
  if (tok.type === 'block-scalar') return decodeBlockScalar(tok);
  if (tok.type === 'scalar' || tok.type === 'single-quoted-scalar' || tok.type === 'double-quoted-scalar') return decodeFlowScalar(tok);
  return undefined;
}
