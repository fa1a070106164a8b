/**
 * apt.conf(5) syntax, parsed the way apt's `ReadConfigFile()` (apt-pkg/contrib/configuration.cc)
 * reads it, with positions:
 *
 * - input is read line by line (lines end at `\n`); each line is stripped, then comments are
 *   removed *per line*, with quote parity counted from the start of the line: `//` to the end of
 *   the line, `#` to the end of the line unless it starts `#clear`, `#include` or
 *   `#x-apt-configure-index`, and `/* ... *\/` (which may span lines);
 * - the remaining text is cut at `{`, `;` and `}` outside double quotes (quote state is per
 *   line); the text before each cut joins the statement buffer (pieces joined by one space, so a
 *   statement may span lines);
 * - a statement is a tag (`ParseQuoteWord`: one word, quotes removed, `%xx` decoded) and an
 *   optional value (`ParseCWord`: a run of quoted strings joined by single spaces, else one
 *   `ParseQuoteWord` word). A lone word is an unnamed list item of the enclosing scope. `{` opens
 *   a scope named by the tag (`A::B {` nests two levels); `}` closes one.
 * - `#clear tree;` and `#include "file";` are directives, only at the top level.
 *
 * Where apt stops with "Syntax error" (which makes apt and unattended-upgrades refuse to run) we
 * report an error and carry on with the next statement. Template text `{{ ... }}` outside quotes
 * is kept as text, and lines that are template directives (`{% ... %}`, `{# ... #}`) are skipped.
 */
import type { AptItem, Diagnostic } from '../../engine/model.js';
import { MappedTextBuilder, mapOffset, mapSpan, type OffsetMap, mapSpanVia } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';

export type { DiagnosticSink } from '../../engine/scanner-api.js';
import type { DiagnosticSink } from '../../engine/scanner-api.js';

export interface ParsedApt {
  items: AptItem[];
  comments: { text: string; loc: Loc }[];
}

/** C isspace(). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const MAGIC_COMMENTS = ['clear', 'include', 'x-apt-configure-index'];

interface Word {
  value: string;
  /** Raw token span in the statement text. */
  start: number;
  end: number;
  /** Where parsing continues. */
  next: number;
}

/** apt's ParseQuoteWord over `s` from `i`. */
function parseQuoteWord(s: string, i: number): Word | undefined {
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  if (i >= n) return undefined;
  const start = i;
  let noClose = false;
  for (; i < n && !isSpace(s.charCodeAt(i)); i++) {
    if (s.charCodeAt(i) === 34 /* " */) {
      i++;
      while (i < n && s.charCodeAt(i) !== 34) i++;
      if (i >= n) return undefined;
    }
    if (s.charCodeAt(i) === 91 /* [ */) {
      i++;
      while (i < n && s.charCodeAt(i) !== 93) i++;
      if (i >= n) return undefined;
    }
    // not apt: a template expression `{{ ... }}` is one word, whatever it holds
    if (s.charCodeAt(i) === 123 && s.charCodeAt(i + 1) === 123 && !noClose) {
      const close = s.indexOf('}}', i + 2);
      if (close >= 0) i = close + 1;
      else noClose = true; // no `}}` further on: never search again (keeps this linear)
    }
  }
  const end = i;
  let value = '';
  for (let k = start; k < end; ) {
    const c = s.charCodeAt(k);
    if (c === 37 /* % */ && k + 2 < end && isHex(s.charCodeAt(k + 1)) && isHex(s.charCodeAt(k + 2))) {
      value += String.fromCharCode(parseInt(s.slice(k + 1, k + 3), 16));
      k += 3;
      continue;
    }
    if (c !== 34) value += s[k];
    k++;
  }
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  return { value, start, end, next: i };
}

/** apt's ParseCWord: a series of space separated "..." strings, concatenated. */
function parseCWord(s: string, i: number): Word | undefined {
  const n = s.length;
  const from = i;
  let c = i;
  while (c < n && s.charCodeAt(c) === 32) c++;
  if (c >= n) return undefined;
  const start = c;
  let end = c;
  let value = '';
  for (; c < n; c++) {
    if (s.charCodeAt(c) === 34) {
      const close = s.indexOf('"', c + 1);
      if (close < 0) return undefined;
      value += s.slice(c + 1, close);
      c = close;
      end = close + 1;
      continue;
    }
    if (c !== from && isSpace(s.charCodeAt(c)) && isSpace(s.charCodeAt(c - 1))) continue;
    if (!isSpace(s.charCodeAt(c))) return undefined;
    value += ' ';
  }
  return { value, start, end, next: n };
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}


function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function parseAptText(text: string, map: OffsetMap, diag: DiagnosticSink): ParsedApt {
  const items: AptItem[] = [];
  const comments: { text: string; loc: Loc }[] = [];
  const stack: { parentTag: string; openLoc: Loc }[] = [];
  let parentTag = '';
  let inComment = false;
  let commentStart = 0;
  let templateReported = false;
  /** The statement buffer (apt's LineBuffer), in input-text offsets. */
  let lb = new MappedTextBuilder(map.file, [0, 0]);
  const root = (s: number, e: number): Loc => mapSpan(map, s, e);
  // next `*/` at or after a position; positions only grow, so one search serves many lines
  let closeFrom = -1;
  let closeAt = -1;
  const findClose = (from: number): number => {
    if (closeFrom < 0 || from < closeFrom || (closeAt >= 0 && closeAt < from)) {
      closeFrom = from;
      closeAt = text.indexOf('*/', from);
    }
    return closeAt;
  };
  const addComment = (s: number, e: number) => comments.push({ text: text.slice(s, e), loc: root(s, e) });

  const leaveScope = (at: number) => {
    if (stack.length === 0) {
      diag({ severity: 'warning', code: 'parse-error', message: "'}' without a matching '{'", loc: root(at, at + 1) });
      parentTag = '';
      return;
    }
    parentTag = stack.pop()!.parentTag;
  };

  /** Interpret the statement buffer, ended by `term` at input offset `termAt`. */
  const statement = (term: string, termAt: number) => {
    const built = lb.build();
    lb = new MappedTextBuilder(map.file, [0, 0]);
    const L = built.text;
    const span = (s: number, e: number) => mapSpanVia(built.map, map, s, e);
    if (term === '{' && L.length === 0) {
      diag({ severity: 'error', code: 'parse-error', message: 'syntax error: block starts with no name (apt refuses this file)', loc: root(termAt, termAt + 1) });
      stack.push({ parentTag, openLoc: root(termAt, termAt + 1) });
      return;
    }
    if (L.length === 0) {
      if (term === '}') leaveScope(termAt);
      return;
    }
    const stmtStart = mapOffset(built.map, 0, 'start');
    const loc = root(Math.min(stmtStart, termAt), termAt + 1);

    let tagW = parseQuoteWord(L, 0);
    if (!tagW) {
      diag({ severity: 'error', code: 'parse-error', message: 'syntax error: malformed tag (unbalanced quote or bracket; apt refuses this file)', loc });
      if (term === '}') leaveScope(termAt);
      return;
    }
    let tag = tagW.value;
    let wordW = parseCWord(L, tagW.next) ?? parseQuoteWord(L, tagW.next);
    let noWord = false;
    let unnamed = false;
    if (!wordW) {
      if (term !== '{') {
        wordW = tagW;
        tagW = undefined;
        tag = '';
        unnamed = true;
      } else noWord = true;
    }
    const rest = wordW ? wordW.next : tagW!.next;
    if (rest < L.length) {
      diag({
        severity: 'error',
        code: 'parse-error',
        message: `syntax error: extra junk after value: '${clip(L.slice(rest))}' (a missing ';'? apt refuses this file)`,
        loc: span(rest, L.length),
      });
      if (term === '{') stack.push({ parentTag, openLoc: loc });
      if (term === '}') leaveScope(termAt);
      return;
    }

    let scopeTag = tag;
    if (term === '{') {
      stack.push({ parentTag, openLoc: loc });
      parentTag = parentTag === '' ? tag : `${parentTag}::${tag}`;
      scopeTag = '';
    }
    let item: string;
    if (parentTag === '') item = scopeTag;
    else item = term !== '{' || scopeTag !== '' ? `${parentTag}::${scopeTag}` : parentTag;

    const word = wordW?.value ?? '';
    if (term !== '{' && tag.startsWith('#')) {
      const directive = tag.slice(1);
      if (parentTag !== '') {
        diag({ severity: 'error', code: 'parse-error', message: `syntax error: directive '${tag}' is only allowed at the top level (apt refuses this file)`, loc });
      } else if (directive === 'clear') {
        items.push({ t: 'clear', key: word, loc });
      } else if (directive === 'include') {
        items.push({ t: 'include', path: word, loc });
      } else if (directive !== 'x-apt-configure-index') {
        diag({ severity: 'error', code: 'parse-error', message: `syntax error: unsupported directive '${tag}' (apt refuses this file)`, loc });
      }
    } else if (unnamed && word === '#clear') {
      diag({ severity: 'error', code: 'parse-error', message: 'syntax error: #clear requires an option tree as argument (apt refuses this file)', loc });
    } else if (!noWord && wordW) {
      let key = item;
      let listItem = false;
      if (unnamed) {
        // apt stores it as `<scope>::` — a new unnamed element of the scope's list
        key = parentTag;
        listItem = true;
        if (parentTag === '') {
          diag({ severity: 'warning', code: 'parse-error', message: `value '${clip(word)}' has no option name`, loc });
        }
      } else if (key.endsWith('::')) {
        // `Foo::Bar:: "x";` — explicit list element (the form `apt-config dump` prints)
        key = key.slice(0, -2);
        listItem = true;
      }
      const valueLoc = span(wordW.start, wordW.end);
      items.push({ t: 'set', key, value: word, loc, keyLoc: tagW ? span(tagW.start, tagW.end) : valueLoc, valueLoc, listItem });
    }
    if (term === '}') leaveScope(termAt);
  };

  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos <= len) {
    let e = text.indexOf('\n', pos);
    if (e < 0) e = len;
    const s = pos;
    pos = e + 1;
    let a = s;
    let b = e;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;

    if (inComment) {
      const close = findClose(a);
      if (close < 0 || close + 2 > b) continue;
      addComment(commentStart, close + 2);
      inComment = false;
      a = close + 2;
    } else if (a < b && /^\{[%#]/.test(text.slice(a, a + 2))) {
      if (!templateReported) {
        templateReported = true;
        diag({ severity: 'info', code: 'template-unrendered', message: 'template directive lines are skipped; values are read as written', loc: root(a, b) });
      }
      continue;
    }

    // `//` comments (outside quotes, counting quotes from the start of the line)
    let parity = 0;
    for (let i = a; i + 1 < b; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) parity ^= 1;
      else if (c === 47 && text.charCodeAt(i + 1) === 47 && parity === 0) {
        addComment(i, b);
        b = i;
        break;
      }
    }
    // `#` comments, except the #clear / #include / #x-apt-configure-index directives
    parity = 0;
    for (let i = a; i < b; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) parity ^= 1;
      else if (c === 35 && parity === 0 && !MAGIC_COMMENTS.some((m) => text.startsWith(m, i + 1))) {
        addComment(i, b);
        b = i;
        break;
      }
    }
    // `/* */` comments → the fragment, as input ranges
    const pieces: [number, number][] = [];
    let p = a;
    parity = 0;
    let opened = false;
    for (let i = a; i + 1 < b; ) {
      const c = text.charCodeAt(i);
      if (c === 34) parity ^= 1;
      else if (c === 47 && text.charCodeAt(i + 1) === 42) {
        if (parity) {
          i += 2;
          continue;
        }
        if (i > p) pieces.push([p, i]);
        const close = findClose(i + 2);
        if (close < 0 || close + 2 > b) {
          inComment = true;
          commentStart = i;
          opened = true;
          break;
        }
        addComment(i, close + 2);
        p = close + 2;
        parity = 0;
        i = p;
        continue;
      }
      i++;
    }
    if (!opened && p < b) pieces.push([p, b]);
    if (pieces.length === 0) continue;

    // The fragment as one string with offsets back into `text`.
    const fb = new MappedTextBuilder(map.file, [a, b]);
    for (const [x, y] of pieces) fb.verbatim(text.slice(x, y), x);
    const F = fb.build();
    const at = (i: number) => mapOffset(F.map, i, 'start');
    const appendToBuffer = (x: number, y: number) => {
      while (x < y && isSpace(F.text.charCodeAt(x))) x++;
      while (y > x && isSpace(F.text.charCodeAt(y - 1))) y--;
      if (y <= x) return;
      if (lb.textLength > 0) lb.synthetic(' ');
      // copy F[x, y) keeping its mapping; it may cross comment gaps, whose filler is dropped
      lb.copy(F.text, F.map, x, y, 'drop');
    };

    let inQuote = false;
    let noTemplateClose = false;
    let quoteAt = -1;
    let st = 0;
    const FT = F.text;
    for (let i = 0; i < FT.length; i++) {
      const c = FT.charCodeAt(i);
      if (c === 34) {
        inQuote = !inQuote;
        if (inQuote) quoteAt = i;
        continue;
      }
      if (inQuote) continue;
      if (c === 123 && FT.charCodeAt(i + 1) === 123 && !noTemplateClose) {
        // template expression `{{ ... }}` outside quotes: plain text
        const close = FT.indexOf('}}', i + 2);
        if (close >= 0) {
          i = close + 1;
          continue;
        }
        noTemplateClose = true;
      }
      if (c === 123 /* { */ || c === 59 /* ; */ || c === 125 /* } */) {
        appendToBuffer(st, i);
        st = i + 1;
        statement(FT[i], at(i));
      }
    }
    if (inQuote) {
      diag({
        severity: 'warning',
        code: 'parse-error',
        message: 'unterminated quoted string: apt does not continue a quoted value on the next line',
        loc: root(at(quoteAt), b),
      });
    }
    appendToBuffer(st, FT.length);
  }

  if (lb.textLength > 0) {
    const built = lb.build();
    diag({
      severity: 'error',
      code: 'parse-error',
      message: `syntax error: '${clip(built.text)}' is not terminated by ';' at end of file (apt refuses this file)`,
      loc: mapSpanVia(built.map, map, 0, built.text.length),
    });
  }
  if (inComment) {
    diag({ severity: 'warning', code: 'parse-error', message: "unterminated '/*' comment", loc: root(commentStart, commentStart + 2) });
  }
  for (const open of stack) {
    diag({ severity: 'warning', code: 'parse-error', message: "scope opened here is never closed with '}'", loc: open.openLoc });
  }
  return { items, comments };
}
