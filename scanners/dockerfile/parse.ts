/**
 * Dockerfile syntax as BuildKit's parser (moby/buildkit frontend/dockerfile/parser) reads it,
 * with exact positions:
 *
 * - lines end at `\n` (trailing `\r` dropped); a BOM on the first line is skipped;
 * - parser directives (`# syntax=`, `# escape=`, `# check=`) only before anything else; the
 *   escape character (`\` or `` ` ``) is also the line-continuation character;
 * - an instruction line is left-trimmed; a line ending in the escape character (optionally
 *   followed by blanks, and not itself escaped) continues: the escape and the blanks after it
 *   are removed and the next line is appended as is. Inside a continuation, comment lines and
 *   blank lines are dropped;
 * - the joined line splits into the keyword and the rest; leading `--flag[=value]` words are
 *   builder flags; RUN/CMD/ENTRYPOINT/SHELL/COPY/ADD/VOLUME take a JSON array of strings (exec
 *   form) or plain text (shell form);
 * - RUN/COPY/ADD (also under ONBUILD) in shell form may carry here-documents: every word of the
 *   line of the form `[n]<<[-]NAME` starts one, and their bodies follow the instruction line in
 *   order, each ended by a line equal to NAME (leading tabs ignored for `<<-`).
 *
 * Embedded documents: the shell script of each RUN (shell form; the `-c` script of an exec form
 * that runs a POSIX shell; the body of `RUN <<EOF`; or, for `RUN cmd <<EOF`, the command line
 * followed by its here-documents, as BuildKit hands it to the shell), and COPY/ADD here-document
 * bodies with the path they are written to.
 */
import type { Diagnostic, DockerInstruction, DockerModel } from '../../engine/model.js';
import { MappedTextBuilder, mapOffset, mapSpan, type OffsetMap, mapSpanVia } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';

export type { DiagnosticSink } from '../../engine/scanner-api.js';
import type { DiagnosticSink } from '../../engine/scanner-api.js';

export const KNOWN_INSTRUCTIONS = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;
const JSON_FORMS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME']);
const HEREDOC_FORMS = new Set(['RUN', 'COPY', 'ADD']);
const POSIX_SHELLS = /^(?:sh|bash|dash|ash|zsh|ksh|mksh|busybox)$/;
const WINDOWS_IMAGE = /(?:^|\/)(?:windows|nanoserver|servercore|windowsservercore)(?:[/:@-]|$)|mcr\.microsoft\.com\/(?:windows|powershell)/i;

/** An embedded document the scanner should hand to the engine. */
export interface EmbedPlan {
  /** Index of the instruction in `model.instructions`. */
  instruction: number;
  via: 'dockerfile-run' | 'dockerfile-copy';
  text: string;
  /** Maps `text` offsets to offsets in the parsed (input) text. */
  map: OffsetMap;
  /** Root span the content comes from. */
  loc: Loc;
  format?: 'shell';
  targetPath?: string;
  label: string;
}

export interface ParsedDockerfile {
  model: DockerModel;
  embeds: EmbedPlan[];
  escape: string;
}

interface Line {
  s: number;
  /** End of content (line terminator excluded). */
  e: number;
}

interface Heredoc {
  name: string;
  chomp: boolean;
  /** Input offsets of the body `[start, end)`, line terminators included. */
  start: number;
  end: number;
  /** Input offset of the terminator word, or -1 when unterminated. */
  nameAt: number;
  /** Input offset just after the terminator line's content (for instruction locs). */
  after: number;
}

function isSpaceU(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}
/** BuildKit's reWhitespace `[\t\v\f\r ]`. */
function isSep(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}


/** Append `src[x, y)` to `b`, keeping the mapping of `srcMap` (src offsets → outer offsets). */
export function appendMapped(b: MappedTextBuilder, src: string, srcMap: OffsetMap, x: number, y: number): void {
  b.copy(src, srcMap, x, y);
}

/** Raw words of `t[from, to)` the way BuildKit's shell lexer splits them (quotes kept). */
export function lexWords(t: string, from: number, to: number): { start: number; end: number }[] {
  const words: { start: number; end: number }[] = [];
  let i = from;
  while (i < to) {
    while (i < to && isSep(t.charCodeAt(i))) i++;
    if (i >= to) break;
    const start = i;
    while (i < to && !isSep(t.charCodeAt(i))) {
      const c = t.charCodeAt(i);
      if (c === 92 /* \ */) i += 2;
      else if (c === 39 /* ' */) {
        const j = t.indexOf("'", i + 1);
        i = j < 0 || j >= to ? to : j + 1;
      } else if (c === 34 /* " */) {
        i++;
        while (i < to && t.charCodeAt(i) !== 34) i += t.charCodeAt(i) === 92 ? 2 : 1;
        i++;
      } else i++;
    }
    words.push({ start, end: Math.min(i, to) });
  }
  return words;
}

/** Quote removal for a raw shell word (no expansion). */
export function dequote(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (c === "'") {
      const j = raw.indexOf("'", i + 1);
      const end = j < 0 ? raw.length : j;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        if (raw[i] === '\\' && i + 1 < raw.length && '"\\$`'.includes(raw[i + 1])) i++;
        out += raw[i++];
      }
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A here-document start word (`<<EOF`, `<<-"EOF"`, `3<<EOF`), as BuildKit's ParseHeredoc. */
export function parseHeredocWord(raw: string): { name: string; chomp: boolean; quoted: boolean } | undefined {
  const m = /^(\d*)<<(-?)([^<]*)$/.exec(raw);
  if (!m || m[3] === '') return undefined;
  const rest = m[3];
  if (lexWords(rest, 0, rest.length).length !== 1) return undefined;
  const name = dequote(rest);
  if (name === '') return undefined;
  return { name, chomp: m[2] === '-', quoted: /['"\\]/.test(rest) };
}

/** Offset in `t` where the arguments start after BuildKit builder flags (`--mount=...`). */
function skipBuilderFlags(t: string, from: number, to: number, escape: number): number {
  let pos = from;
  for (;;) {
    while (pos < to && isSpaceU(t.charCodeAt(pos))) pos++;
    if (pos >= to) return to;
    if (!(t.charCodeAt(pos) === 45 && t.charCodeAt(pos + 1) === 45)) return pos;
    const start = pos;
    let quote = 0;
    while (pos < to) {
      const c = t.charCodeAt(pos);
      if (quote) {
        if (c === quote) quote = 0;
        else if (c === escape) pos++;
        pos++;
        continue;
      }
      if (isSpaceU(c)) break;
      if (c === 39 || c === 34) quote = c;
      else if (c === escape) pos++;
      pos++;
    }
    if (pos - start === 2) {
      // a bare `--` ends the flags
      while (pos < to && isSpaceU(t.charCodeAt(pos))) pos++;
      return pos;
    }
  }
}

/** Spans (quotes included) of the string elements of a JSON array already validated by JSON.parse. */
function jsonStringTokens(t: string, from: number, to: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = from; i < to; i++) {
    if (t.charCodeAt(i) !== 34) continue;
    const start = i;
    i++;
    while (i < to && t.charCodeAt(i) !== 34) i += t.charCodeAt(i) === 92 ? 2 : 1;
    out.push({ start, end: i + 1 });
  }
  return out;
}

/** Decode JSON string token `t[start, end)` into `b`, escapes synthetic, other characters mapped. */
function decodeJsonString(b: MappedTextBuilder, t: string, tMap: OffsetMap, start: number, end: number): void {
  let run = start + 1;
  let i = start + 1;
  const stop = end - 1;
  while (i < stop) {
    if (t.charCodeAt(i) !== 92) {
      i++;
      continue;
    }
    if (i > run) appendMapped(b, t, tMap, run, i);
    const e = t[i + 1];
    let len = 2;
    let ch: string;
    switch (e) {
      case 'n': ch = '\n'; break;
      case 't': ch = '\t'; break;
      case 'r': ch = '\r'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'u':
        ch = String.fromCharCode(parseInt(t.slice(i + 2, i + 6), 16));
        len = 6;
        break;
      default: ch = e ?? '';
    }
    b.synthetic(ch);
    i += len;
    run = i;
  }
  if (stop > run) appendMapped(b, t, tMap, run, stop);
}

function joinPath(dir: string, rel: string): string {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return normalizePath(rel.startsWith('/') ? rel : base + rel);
}

function normalizePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}${p.endsWith('/') && out.length ? '/' : ''}`;
}

interface StageState {
  posix: boolean;
  windows: boolean;
  workdir: string;
}

export function parseDockerfileText(text: string, map: OffsetMap, diag: DiagnosticSink): ParsedDockerfile {
  const model: DockerModel = { instructions: [], stages: [], comments: [] };
  const embeds: EmbedPlan[] = [];
  const root = (s: number, e: number) => mapSpan(map, s, e);
  const len = text.length;

  // physical lines
  const lines: Line[] = [];
  for (let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; pos <= len; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let e = nl;
    while (e > pos && text.charCodeAt(e - 1) === 13) e--;
    if (!(pos === len && nl === len && lines.length > 0)) lines.push({ s: pos, e });
    pos = nl + 1;
  }

  let escape = '\\';
  let escapeCode = 92;
  let directivesDone = false;
  const seenDirectives = new Set<string>();
  let templateReported = false;
  const stageStates = new Map<string, StageState>();
  let stage: StageState = { posix: true, windows: false, workdir: '/' };

  const skipWs = (s: number, e: number) => {
    while (s < e && isSpaceU(text.charCodeAt(s))) s++;
    return s;
  };
  const comment = (s: number, e: number) => {
    let ce = e;
    while (ce > s && isSpaceU(text.charCodeAt(ce - 1))) ce--;
    model.comments!.push({ text: text.slice(s, ce), loc: root(s, ce) });
  };
  /** Continuation test on `text[s, e)`: returns the content end (escape removed) or -1. */
  const continuation = (s: number, e: number): number => {
    let k = e;
    while (k > s && (text.charCodeAt(k - 1) === 32 || text.charCodeAt(k - 1) === 9)) k--;
    if (k <= s || text.charCodeAt(k - 1) !== escapeCode) return -1;
    if (k - 1 === s) return s;
    return text.charCodeAt(k - 2) === escapeCode ? -1 : k - 1;
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const a = skipWs(line.s, line.e);
    if (!directivesDone) {
      const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(text.slice(a, line.e));
      const name = m?.[1].toLowerCase();
      if (m && name && (name === 'syntax' || name === 'escape' || name === 'check')) {
        if (seenDirectives.has(name)) {
          diag({ severity: 'error', code: 'parse-error', message: `only one ${name} parser directive can be used`, loc: root(a, line.e) });
        } else if (name === 'escape') {
          if (m[2] === '\\' || m[2] === '`') {
            escape = m[2];
            escapeCode = escape.charCodeAt(0);
          } else {
            diag({ severity: 'error', code: 'parse-error', message: `invalid escape token '${clip(m[2], 20)}' does not match \` or \\`, loc: root(a, line.e) });
          }
        }
        seenDirectives.add(name);
        i++;
        continue;
      }
      directivesDone = true;
    }
    if (a >= line.e) {
      i++;
      continue;
    }
    if (text.charCodeAt(a) === 35 /* # */) {
      comment(a, line.e);
      i++;
      continue;
    }
    if (/^(?:\{[%#]|<%)/.test(text.slice(a, a + 2))) {
      if (!templateReported) {
        templateReported = true;
        diag({ severity: 'info', code: 'template-unrendered', message: 'template directive lines are skipped; instructions are read as written', loc: root(a, line.e) });
      }
      i++;
      continue;
    }

    // ---- one instruction: join continuation lines
    const b = new MappedTextBuilder(map.file, [a, line.e]);
    let end = continuation(a, line.e);
    b.verbatim(text.slice(a, end < 0 ? line.e : end), a);
    let lastEnd = line.e;
    let emptyContinuation = false;
    let j = i + 1;
    while (end >= 0 && j < lines.length) {
      const l = lines[j++];
      const la = skipWs(l.s, l.e);
      if (la < l.e && text.charCodeAt(la) === 35) {
        comment(la, l.e);
        continue;
      }
      if (la >= l.e) {
        emptyContinuation = true;
        continue;
      }
      end = continuation(l.s, l.e);
      b.verbatim(text.slice(l.s, end < 0 ? l.e : end), l.s);
      lastEnd = l.e;
    }
    const T = b.build();
    const t = T.text;
    const tSpan = (x: number, y: number) => mapSpanVia(T.map, map, x, y);
    let tEnd = t.length;
    while (tEnd > 0 && isSpaceU(t.charCodeAt(tEnd - 1))) tEnd--;
    if (tEnd === 0) {
      i = j;
      continue;
    }
    let k = 0;
    while (k < tEnd && !isSep(t.charCodeAt(k))) k++;
    const keywordRaw = t.slice(0, k);
    const keyword = keywordRaw.toUpperCase();
    let r0 = k;
    while (r0 < tEnd && isSep(t.charCodeAt(r0))) r0++;
    const c0 = skipBuilderFlags(t, r0, tEnd, escapeCode);
    if (emptyContinuation) {
      diag({ severity: 'info', code: 'parse-error', message: 'empty continuation line (BuildKit warns; it may become an error)', loc: tSpan(0, tEnd) });
    }
    if (!(KNOWN_INSTRUCTIONS as readonly string[]).includes(keyword)) {
      diag({ severity: 'warning', code: 'parse-error', message: `unknown instruction '${clip(keywordRaw, 30)}'`, loc: tSpan(0, k) });
    }

    // exec form
    let exec: string[] | undefined;
    if (JSON_FORMS.has(keyword) && t.charCodeAt(c0) === 91 /* [ */) {
      try {
        const v: unknown = JSON.parse(t.slice(c0, tEnd));
        if (Array.isArray(v)) {
          if (v.every((x) => typeof x === 'string')) exec = v as string[];
          else diag({ severity: 'error', code: 'parse-error', message: `${keyword}: JSON array must contain only strings`, loc: tSpan(c0, tEnd) });
        }
      } catch {
        /* not JSON: shell form */
      }
    }

    // here-documents (also for ONBUILD RUN/COPY/ADD)
    let hdKeyword = keyword;
    let hdFrom = c0;
    if (keyword === 'ONBUILD') {
      let w = c0;
      while (w < tEnd && !isSep(t.charCodeAt(w))) w++;
      hdKeyword = t.slice(c0, w).toUpperCase();
      let x = w;
      while (x < tEnd && isSep(t.charCodeAt(x))) x++;
      hdFrom = skipBuilderFlags(t, x, tEnd, escapeCode);
    }
    const heredocs: (Heredoc & { word: { start: number; end: number } })[] = [];
    if (HEREDOC_FORMS.has(hdKeyword) && !exec && !(keyword === 'ONBUILD' && t.charCodeAt(hdFrom) === 91) && t.includes('<<')) {
      for (const w of lexWords(t, 0, tEnd)) {
        const hd = parseHeredocWord(t.slice(w.start, w.end));
        if (!hd) continue;
        heredocs.push({ name: hd.name, chomp: hd.chomp, start: 0, end: 0, nameAt: -1, after: 0, word: w });
      }
      for (const hd of heredocs) {
        hd.start = j < lines.length ? lines[j].s : len;
        let terminated = false;
        while (j < lines.length) {
          const l = lines[j++];
          let x = l.s;
          if (hd.chomp) while (x < l.e && text.charCodeAt(x) === 9) x++;
          if (l.e - x === hd.name.length && text.startsWith(hd.name, x)) {
            hd.end = l.s;
            hd.nameAt = x;
            hd.after = l.e;
            terminated = true;
            break;
          }
        }
        if (!terminated) {
          hd.end = len;
          hd.after = len;
          diag({ severity: 'error', code: 'parse-error', message: `unterminated heredoc '${clip(hd.name, 30)}'`, loc: tSpan(hd.word.start, hd.word.end) });
        }
      }
    }

    const instrEnd = heredocs.length ? Math.max(lastEnd, heredocs[heredocs.length - 1].after) : lastEnd;
    const argsLoc = r0 < tEnd ? tSpan(r0, tEnd) : tSpan(tEnd, tEnd);
    const instrStart = mapOffset(T.map, 0, 'start');
    const instr: DockerInstruction = {
      keyword,
      args: t.slice(r0, tEnd),
      loc: root(instrStart, instrEnd),
      argsLoc,
    };
    if (exec) instr.exec = exec;
    const index = model.instructions.length;
    model.instructions.push(instr);

    const heredocBody = (hd: Heredoc, chomp: boolean): { text: string; map: OffsetMap } => {
      const hb = new MappedTextBuilder(map.file, [hd.start, hd.end]);
      if (!chomp) hb.verbatim(text.slice(hd.start, hd.end), hd.start);
      else {
        for (let p = hd.start; p < hd.end; ) {
          let q = p;
          while (q < hd.end && text.charCodeAt(q) === 9) q++;
          let nl = text.indexOf('\n', q);
          nl = nl < 0 || nl >= hd.end ? hd.end : nl + 1;
          hb.verbatim(text.slice(q, nl), q);
          p = nl;
        }
      }
      return hb.build();
    };

    // ---- per-instruction semantics
    if (keyword === 'FROM') {
      const words = lexWords(t, c0, tEnd).map((w) => t.slice(w.start, w.end));
      const image = words[0] ?? '';
      const alias = words.length >= 3 && words[1].toLowerCase() === 'as' ? words[2] : undefined;
      model.stages.push(alias ? { image, alias, loc: instr.loc } : { image, loc: instr.loc });
      const base = stageStates.get(image.toLowerCase());
      stage = base ? { ...base } : { posix: true, windows: WINDOWS_IMAGE.test(image), workdir: '/' };
      if (alias) stageStates.set(alias.toLowerCase(), stage);
    } else if (keyword === 'SHELL' && exec && exec.length > 0) {
      stage.posix = POSIX_SHELLS.test(basename(exec[0]));
    } else if (keyword === 'WORKDIR' && c0 < tEnd) {
      const dir = dequote(t.slice(c0, tEnd));
      if (!dir.includes('$')) stage.workdir = joinPath(stage.workdir, dir);
    } else if (keyword === 'RUN') {
      const label = 'RUN';
      if (exec) {
        // ["/bin/sh", "-c", "script"]: embed the script string
        const script = shellScriptIndex(exec);
        if (script >= 0) {
          const tokens = jsonStringTokens(t, c0, tEnd);
          const tok = tokens[script];
          if (tok) {
            const eb = new MappedTextBuilder(map.file, [mapOffset(T.map, tok.start), mapOffset(T.map, tok.end, 'end')]);
            decodeJsonString(eb, t, T.map, tok.start, tok.end);
            const built = eb.build();
            embeds.push({ instruction: index, via: 'dockerfile-run', format: 'shell', text: built.text, map: built.map, loc: tSpan(tok.start, tok.end), label });
          }
        }
      } else if (stage.posix && !stage.windows && c0 < tEnd) {
        const argsText = t.slice(c0, tEnd);
        const single = heredocs.length > 0 && parseHeredocWord(argsText) !== undefined;
        if (single) {
          // `RUN <<EOF`: the body is the script (BuildKit runs a shebang script with its interpreter)
          const hd = heredocs[0];
          const body = heredocBody(hd, hd.chomp);
          const interp = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(body.text);
          const prog = interp ? basename(interp[1] === '/usr/bin/env' || basename(interp[1]) === 'env' ? interp[2] ?? '' : interp[1]) : 'sh';
          if (POSIX_SHELLS.test(prog)) {
            embeds.push({ instruction: index, via: 'dockerfile-run', format: 'shell', text: body.text, map: body.map, loc: root(hd.start, hd.end), label: `${label} <<${hd.name}` });
          }
        } else {
          const eb = new MappedTextBuilder(map.file, [mapOffset(T.map, c0), heredocs.length ? heredocs[heredocs.length - 1].after : mapOffset(T.map, tEnd, 'end')]);
          appendMapped(eb, t, T.map, c0, tEnd);
          for (const hd of heredocs) {
            eb.synthetic('\n');
            eb.verbatim(text.slice(hd.start, hd.end), hd.start);
            if (hd.nameAt >= 0) eb.verbatim(hd.name, hd.nameAt);
            else eb.synthetic(hd.name);
          }
          const built = eb.build();
          const loc = heredocs.length ? root(mapOffset(T.map, c0), heredocs[heredocs.length - 1].after) : tSpan(c0, tEnd);
          embeds.push({ instruction: index, via: 'dockerfile-run', format: 'shell', text: built.text, map: built.map, loc, label });
        }
      }
    } else if ((keyword === 'COPY' || keyword === 'ADD') && heredocs.length) {
      const words = lexWords(t, c0, tEnd);
      if (words.length >= 2) {
        const dest = dequote(t.slice(words[words.length - 1].start, words[words.length - 1].end));
        const sources = words.slice(0, -1);
        const byWord = new Map(heredocs.map((h) => [h.word.start, h]));
        for (const w of sources) {
          const h = byWord.get(w.start);
          if (!h) continue;
          let targetPath: string;
          if (dest.includes('$')) targetPath = dest;
          else {
            const abs = joinPath(stage.workdir, dest);
            targetPath = sources.length > 1 || dest.endsWith('/') ? joinPath(abs.endsWith('/') ? abs : `${abs}/`, h.name) : abs;
          }
          const body = heredocBody(h, h.chomp);
          embeds.push({
            instruction: index,
            via: 'dockerfile-copy',
            text: body.text,
            map: body.map,
            loc: root(h.start, h.end),
            targetPath,
            label: `${keyword} <<${h.name} ${targetPath}`,
          });
        }
      }
    }
    i = j;
  }
  return { model, embeds, escape };
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Index of the script argument of an exec form that runs a POSIX shell with `-c`, or -1. */
export function shellScriptIndex(exec: readonly string[]): number {
  if (exec.length < 3 || !POSIX_SHELLS.test(basename(exec[0]))) return -1;
  for (let k = 1; k < exec.length - 1; k++) {
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(exec[k])) return k + 1;
    // `-o pipefail` / `-euxo pipefail`: the option's argument; `busybox sh`: the applet
    const optionArg = k > 1 && /^[-+][a-zA-Z]*o$/.test(exec[k - 1]);
    if (!exec[k].startsWith('-') && !optionArg && !(basename(exec[0]) === 'busybox' && k === 1)) return -1;
  }
  return -1;
}
