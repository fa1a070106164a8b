/**
 * From a flattened bash syntax tree to a ShellModel: commands (wrappers stripped), file writes,
 * comments, and the embedded documents to create (written content, nested `sh -c` scripts).
 *
 * The walk is iterative over the tree; the only recursion follows statement structure
 * (pipelines inside heredoc redirects), which the flat tree bounds by `maxDepth`.
 */
import type { EmbedVia, ShellCommand, ShellFileWrite, ShellModel, ShellWord } from '../../engine/model.js';
import { mapSpan, type OffsetMap } from '../../engine/offset-map.js';
import { intern } from '../../engine/intern.js';
import type { Loc } from '../../engine/source.js';
import {
  basename,
  echoOutput,
  isShell,
  joinArgs,
  optValue,
  parseGnu,
  printfOutput,
  shellScript,
  stripWrappers,
  suCommand,
} from './commands.js';
import { children, ERROR, type FlatTree, fieldOf, isNamed, MISSING, namedChildren, typeOf } from './flat-tree.js';
import { type MText, mtext, push } from './mtext.js';
import { groupWords, type Word, wordOf } from './words.js';

export interface PendingEmbed {
  /** Sort key: document offset of the statement. */
  at: number;
  m: MText;
  /** Document span the content comes from (fallback for synthetic characters). */
  whole: [number, number];
  format?: 'shell';
  via: EmbedVia;
  loc: Loc;
  targetPath?: string;
  label: string;
  write?: ShellFileWrite;
}

interface Content {
  m: MText;
  from: 'heredoc' | 'herestring' | 'echo' | 'printf';
  /** Document span the content comes from. */
  span: [number, number];
}

interface Redir {
  kind: 'file' | 'heredoc' | 'herestring';
  op: string;
  target?: Word;
  start: number;
  end: number;
  content?: Content;
  /** Words tree-sitter put after the destination (`echo a >/x b`): arguments of the command. */
  extra: Word[];
}

export interface AnalyzeOptions {
  /** Strip a leading `/target` from write paths (debian-installer / curtin late commands). */
  stripTarget: boolean;
  deadline: number;
}

export interface AnalyzeResult {
  pending: PendingEmbed[];
  timedOut: boolean;
  /** A reserved word in command position (`fi` with no `if`): bash rejects it, tree-sitter does not. */
  strayKeyword?: { start: number; end: number; word: string };
}

const RESERVED_CLOSERS = new Set(['fi', 'done', 'esac', 'then', 'do', 'else', 'elif', '}', ';;']);

const LITERAL_ARGS = new Set(['word', 'number', 'raw_string', 'ansi_c_string']);
const SHELL_C_LABEL: Record<string, string> = { su: 'su -c', runuser: 'runuser -c', eval: 'eval' };

export function analyze(t: FlatTree, text: string, map: OffsetMap, model: ShellModel, opts: AnalyzeOptions): AnalyzeResult {
  const a = new Analyzer(t, text, map, model, opts);
  a.run();
  return { pending: a.pending, timedOut: a.timedOut, strayKeyword: a.strayKeyword };
}

/**
 * The first syntax error in document order, as a message and a small document span: a MISSING
 * node, or inside the first ERROR node the first token or nested error that tree-sitter could not
 * place (an ERROR node often wraps valid statements before the real problem).
 */
export function firstError(t: FlatTree, text: string): { start: number; end: number; message: string } | undefined {
  let i = -1;
  for (let k = 0; k < t.count; k++) {
    if (t.flags[k] & (MISSING | ERROR)) {
      i = k;
      break;
    }
  }
  if (i < 0) return undefined;
  const missing = (m: number) => {
    const ty = typeOf(t, m);
    return { start: t.start[m], end: t.end[m], message: `shell syntax error: missing ${isNamed(t, m) ? ty : `'${ty}'`}` };
  };
  const near = (s: number, e: number) => {
    const nl = text.indexOf('\n', s);
    const lineEnd = nl < 0 ? text.length : nl;
    let snippet = text.slice(s, Math.min(lineEnd, s + 40)).replace(/\r$/, '');
    if (Math.min(lineEnd, e) > s + 40) snippet += '…';
    return { start: s, end: Math.max(s, Math.min(e, lineEnd)), message: `shell syntax error near ${JSON.stringify(snippet)}` };
  };
  for (let guard = 0; guard < 10_000; guard++) {
    if (t.flags[i] & MISSING) return missing(i);
    let next = -1;
    for (let c = t.first[i]; c !== -1; c = t.next[c]) {
      if (t.flags[c] & (ERROR | MISSING) || !isNamed(t, c)) {
        next = c;
        break;
      }
    }
    if (next < 0) return near(t.start[i], t.end[i]);
    if (t.flags[next] & (ERROR | MISSING)) {
      i = next;
      continue;
    }
    return near(t.start[next], t.end[next]);
  }
  return near(t.start[i], t.end[i]);
}

class Analyzer {
  readonly pending: PendingEmbed[] = [];
  timedOut = false;
  strayKeyword?: { start: number; end: number; word: string };
  private readonly stack: number[] = [];

  constructor(
    private readonly t: FlatTree,
    private readonly text: string,
    private readonly map: OffsetMap,
    private readonly model: ShellModel,
    private readonly opts: AnalyzeOptions,
  ) {}

  run(): void {
    if (this.t.count === 0) return;
    this.stack.push(0);
    let steps = 0;
    while (this.stack.length > 0) {
      if ((++steps & 1023) === 0 && Date.now() > this.opts.deadline) {
        this.timedOut = true;
        return;
      }
      this.visit(this.stack.pop()!);
    }
  }

  private loc(s: number, e: number): Loc {
    return mapSpan(this.map, s, e);
  }

  private shellWord(w: Word): ShellWord {
    // one literal per shape (a property added later costs a separate property store); words repeat
    // across scripts (`curl`, `-y`, `systemctl`), so they are interned
    const loc = this.loc(w.start, w.end);
    const raw = intern(w.raw);
    if (w.value === undefined) return { raw, loc };
    return { raw, loc, value: w.value === w.raw ? raw : intern(w.value) };
  }

  private pushChildren(id: number): void {
    const t = this.t;
    const cs = children(t, id);
    for (let k = cs.length - 1; k >= 0; k--) if (isNamed(t, cs[k])) this.stack.push(cs[k]);
  }

  /** Push a node only if it can hold commands (substitutions) or comments. */
  private pushIfComplex(id: number): void {
    if (!LITERAL_ARGS.has(typeOf(this.t, id))) this.stack.push(id);
  }

  private visit(id: number): void {
    const ty = typeOf(this.t, id);
    switch (ty) {
      case 'comment':
        this.comment(id);
        return;
      case 'command':
      case 'redirected_statement':
        this.statement(id, undefined);
        return;
      case 'pipeline':
        this.pipeline(namedChildren(this.t, id), undefined);
        return;
      case 'declaration_command':
      case 'unset_command':
        this.declaration(id);
        return;
      default:
        this.pushChildren(id);
    }
  }

  private comment(id: number): void {
    const s = this.t.start[id];
    const e = this.t.end[id];
    this.model.comments!.push({ text: this.text.slice(s, e), loc: this.loc(s, e) });
  }

  private pipeline(elements: number[], stdin: Content | undefined): void {
    let cur = stdin;
    for (const el of elements) {
      if (typeOf(this.t, el) === 'comment') {
        this.comment(el);
        continue;
      }
      cur = this.statement(el, cur);
    }
  }

  /** A pipeline element or statement; returns what it prints when that is statically known. */
  private statement(id: number, stdin: Content | undefined): Content | undefined {
    const t = this.t;
    const ty = typeOf(t, id);
    if (ty === 'command') return this.simple(id, [], stdin);
    if (ty === 'pipeline') {
      this.pipeline(namedChildren(t, id), stdin);
      return undefined;
    }
    if (ty === 'list') {
      // `cat <<EOF | tee f && echo done`: tree-sitter nests the list in the pipeline; the pipe
      // feeds the list's first statement
      const parts = namedChildren(t, id);
      for (let k = parts.length - 1; k >= 1; k--) this.stack.push(parts[k]);
      if (parts.length > 0) this.statement(parts[0], stdin);
      return undefined;
    }
    if (ty !== 'redirected_statement') {
      this.stack.push(id);
      return undefined;
    }
    let body = -1;
    const redirs: Redir[] = [];
    const conts: number[] = [];
    for (let c = t.first[id]; c !== -1; c = t.next[c]) {
      if (!isNamed(t, c)) continue;
      const cty = typeOf(t, c);
      if (fieldOf(t, c) === 'body' && body < 0) {
        body = c;
        continue;
      }
      switch (cty) {
        case 'file_redirect':
          redirs.push(this.fileRedirect(c));
          break;
        case 'herestring_redirect':
          redirs.push(this.herestring(c));
          break;
        case 'heredoc_redirect':
          this.heredoc(c, redirs, conts);
          break;
        default:
          this.stack.push(c);
      }
    }
    let out: Content | undefined;
    if (body >= 0 && typeOf(t, body) === 'command') {
      out = this.simple(body, redirs, stdin);
    } else {
      // `{ ...; } > /etc/x`, `(cd /x && make) >> log`: written, content unknown
      if (body >= 0) this.stack.push(body);
      const s = body >= 0 ? t.start[body] : t.start[id];
      for (const r of redirs) this.redirectWrite(r, s, body >= 0 ? t.end[body] : s, undefined, undefined);
      out = undefined;
    }
    for (const c of conts) this.pipeline(namedChildren(t, c), out);
    return conts.length > 0 ? undefined : out;
  }

  private fileRedirect(id: number): Redir {
    const t = this.t;
    let op = '';
    const dest: number[] = [];
    for (let c = t.first[id]; c !== -1; c = t.next[c]) {
      if (!isNamed(t, c)) {
        op += this.text.slice(t.start[c], t.end[c]);
        continue;
      }
      const cty = typeOf(t, c);
      if (cty === 'file_descriptor' && dest.length === 0 && op === '') {
        op = this.text.slice(t.start[c], t.end[c]);
        continue;
      }
      if (cty === 'comment') {
        this.comment(c);
        continue;
      }
      dest.push(c);
      this.pushIfComplex(c);
    }
    const words = groupWords(t, this.text, dest);
    return { kind: 'file', op, target: words[0], start: t.start[id], end: words[0]?.end ?? t.end[id], extra: words.slice(1) };
  }

  private herestring(id: number): Redir {
    const t = this.t;
    const nodes = namedChildren(t, id);
    for (const n of nodes) this.pushIfComplex(n);
    const words = groupWords(t, this.text, nodes);
    const w = words[0];
    let content: Content | undefined;
    if (w?.m) {
      const m = mtext();
      for (let k = 0; k < w.m.t.length; k++) push(m, w.m.t[k], w.m.at[k]);
      push(m, '\n', -1);
      content = { m, from: 'herestring', span: [w.start, w.end] };
    }
    return { kind: 'herestring', op: '<<<', target: w, start: t.start[id], end: t.end[id], content, extra: words.slice(1) };
  }

  private heredoc(id: number, redirs: Redir[], conts: number[]): void {
    const t = this.t;
    const text = this.text;
    let op = '<<';
    let startNode = -1;
    let bodyNode = -1;
    let endNode = -1;
    let lineEnd = t.start[id];
    for (let c = t.first[id]; c !== -1; c = t.next[c]) {
      const cty = typeOf(t, c);
      if (!isNamed(t, c)) {
        if (cty === '<<' || cty === '<<-') op = cty;
      } else {
        switch (cty) {
          case 'heredoc_start':
            startNode = c;
            break;
          case 'heredoc_body':
            bodyNode = c;
            break;
          case 'heredoc_end':
            endNode = c;
            break;
          case 'file_redirect':
            redirs.push(this.fileRedirect(c));
            break;
          case 'herestring_redirect':
            redirs.push(this.herestring(c));
            break;
          case 'pipeline':
            conts.push(c);
            break;
          case 'comment':
            this.comment(c);
            break;
          default:
            this.stack.push(c);
        }
      }
      if (bodyNode < 0 && endNode < 0 && cty !== 'heredoc_body' && cty !== 'heredoc_end') lineEnd = Math.max(lineEnd, t.end[c]);
    }
    if (startNode < 0) return;
    const target = wordOf(t, text, startNode);
    const rawDelim = target.raw;
    const quoted = /['"\\]/.test(rawDelim);
    const r: Redir = { kind: 'heredoc', op, target, start: t.start[id], end: t.end[startNode], extra: [] };
    redirs.push(r);
    if (bodyNode >= 0 && !quoted) this.stack.push(bodyNode);
    // tree-sitter-bash misreads `<<EOF;` as the delimiter `EOF;`: content unknown
    if (endNode < 0 || t.flags[endNode] & MISSING || target.value === undefined || /[;&|<>()\s]/.test(target.value)) return;
    const bodyEnd = text.lastIndexOf('\n', t.start[endNode] - 1) + 1;
    if (bodyEnd <= lineEnd) return;
    // tree-sitter starts the body after leading blank lines/indentation: go back to the line
    // after the command line
    const anchor = bodyNode >= 0 ? Math.min(t.start[bodyNode], bodyEnd) : bodyEnd;
    let j = anchor;
    while (j > lineEnd && /[ \t\r\n]/.test(text[j - 1])) j--;
    const nl = text.indexOf('\n', j);
    if (nl < 0) return;
    const bodyStart = Math.min(nl + 1, bodyEnd);
    r.content = { m: heredocText(text, bodyStart, bodyEnd, op === '<<-', !quoted), from: 'heredoc', span: [bodyStart, bodyEnd] };
  }

  private declaration(id: number): void {
    const t = this.t;
    const nodes: number[] = [];
    for (let c = t.first[id]; c !== -1; c = t.next[c]) {
      if (typeOf(t, c) === 'comment') {
        this.comment(c);
        continue;
      }
      nodes.push(c);
      if (isNamed(t, c)) this.pushIfComplex(c);
    }
    const words = groupWords(t, this.text, nodes);
    if (words.length === 0) return;
    this.model.commands.push({
      name: words[0].value,
      argv: words.map((w) => this.shellWord(w)),
      loc: this.loc(t.start[id], t.end[id]),
      redirects: [],
    });
  }

  /** A simple command with the redirects of its statement. Returns its output when known. */
  private simple(id: number, outer: Redir[], stdin: Content | undefined): Content | undefined {
    const t = this.t;
    const text = this.text;
    const argNodes: number[] = [];
    const redirs: Redir[] = [];
    for (let c = t.first[id]; c !== -1; c = t.next[c]) {
      if (!isNamed(t, c)) continue;
      const cty = typeOf(t, c);
      if (cty === 'command_name') {
        for (const n of namedChildren(t, c)) {
          argNodes.push(n);
          this.pushIfComplex(n);
        }
        continue;
      }
      switch (cty) {
        case 'variable_assignment':
          this.pushChildren(c);
          break;
        case 'file_redirect':
          redirs.push(this.fileRedirect(c));
          break;
        case 'herestring_redirect':
          redirs.push(this.herestring(c));
          break;
        case 'comment':
          this.comment(c);
          break;
        case 'ERROR':
          this.stack.push(c);
          break;
        default:
          if (fieldOf(t, c) === 'argument' || fieldOf(t, c) === 'name') {
            argNodes.push(c);
            this.pushIfComplex(c);
          } else this.stack.push(c);
      }
    }
    redirs.push(...outer);
    redirs.sort((x, y) => x.start - y.start);
    let words = groupWords(t, text, argNodes);
    const extra = redirs.flatMap((r) => r.extra);
    if (extra.length > 0) words = words.concat(extra).sort((x, y) => x.start - y.start);
    const cs = t.start[id];
    const ce = t.end[id];
    if (words.length === 0) {
      // redirect-only statement (`> /etc/x`): the file is truncated or created
      for (const r of redirs) this.redirectWrite(r, cs, ce, undefined, undefined);
      return undefined;
    }
    if (RESERVED_CLOSERS.has(words[0].raw) && typeOf(t, t.first[id]) === 'command_name') {
      if (!this.strayKeyword || words[0].start < this.strayKeyword.start) this.strayKeyword = { start: words[0].start, end: words[0].end, word: words[0].raw };
      return undefined;
    }
    const k = stripWrappers(words);
    const argv = words.slice(k);
    const args = argv.slice(1);
    const name = argv[0].value !== undefined ? basename(argv[0].value) : undefined;
    const cmd: ShellCommand = {
      argv: argv.map((w) => this.shellWord(w)),
      loc: this.loc(cs, ce),
      redirects: redirs.filter((r) => r.target).map((r) => ({ op: r.op, target: this.shellWord(r.target!), loc: this.loc(r.start, r.end) })),
    };
    if (name !== undefined) cmd.name = name;
    this.model.commands.push(cmd);

    // what the command reads
    let input = stdin;
    for (const r of redirs) if (r.kind === 'heredoc' || r.kind === 'herestring') input = r.content;

    let out: Content | undefined;
    const argSpan = (): [number, number] => (args.length > 0 ? [args[0].start, args[args.length - 1].end] : [cs, ce]);
    switch (name) {
      case 'echo': {
        const m = echoOutput(args);
        if (m) out = { m, from: 'echo', span: argSpan() };
        break;
      }
      case 'printf': {
        const m = printfOutput(args);
        if (m) out = { m, from: 'printf', span: argSpan() };
        break;
      }
      case 'cat': {
        const g = parseGnu(args, {});
        if (g.opts.length === 0 && !g.dynamic && g.operands.every((o) => o.value === '-')) out = input;
        break;
      }
      case 'tee': {
        const g = parseGnu(args, {});
        const append = g.opts.some((o) => o.name === '-a' || o.name === '--append');
        for (const f of g.operands) {
          const p = this.targetPath(f.value, f.glob);
          if (!p) continue;
          this.addWrite(p, append ? 'append' : 'write', 'tee', cs, ce, undefined, input, 'shell-tee', `tee${append ? ' -a' : ''} ${p}`);
        }
        out = input;
        break;
      }
      case 'cp':
      case 'mv':
      case 'install':
        this.copyLike(name, args, cs, ce);
        break;
      case 'sed':
        this.sedInPlace(args, cs, ce);
        break;
      case 'su':
      case 'runuser':
        this.nestedShell(suCommand(argv), SHELL_C_LABEL[name], cs, ce);
        break;
      case 'eval': {
        const m = joinArgs(args);
        if (m && args.length > 0) this.pending.push({ at: cs, m, whole: argSpan(), format: 'shell', via: 'shell-c', loc: this.loc(cs, ce), label: 'eval' });
        break;
      }
      default:
        if (isShell(name)) {
          const s = shellScript(argv);
          if (s === 'stdin') {
            if (input) {
              this.pending.push({
                at: cs,
                m: input.m,
                whole: input.span,
                format: 'shell',
                via: input.from === 'heredoc' ? 'shell-heredoc' : 'shell-c',
                loc: this.loc(cs, ce),
                label: `${name === 'busybox' ? argv[1].value : name} reading ${input.from === 'heredoc' ? 'a heredoc' : input.from}`,
              });
            }
          } else this.nestedShell(s, `${name === 'busybox' ? argv[1].value : name} -c`, cs, ce);
        }
    }

    // output redirections
    let redirected = false;
    for (const r of redirs) {
      const o = this.redirectWrite(r, cs, ce, out, name);
      if (o?.stdout) redirected = true;
    }
    return redirected ? undefined : out;
  }

  private nestedShell(w: Word | undefined, label: string, cs: number, ce: number): void {
    if (!w || w.value === undefined || !w.m) return;
    this.pending.push({ at: cs, m: w.m, whole: [w.start, w.end], format: 'shell', via: 'shell-c', loc: this.loc(cs, ce), label });
  }

  /** Record the write an output redirection makes, if any. */
  private redirectWrite(r: Redir, cs: number, ce: number, out: Content | undefined, name: string | undefined): { stdout: boolean } | undefined {
    if (r.kind !== 'file' || !r.target) return undefined;
    const m = /^(\d*)(.*)$/.exec(r.op)!;
    const fd = m[1];
    const base = m[2];
    const toStdout = fd === '' || fd === '1';
    let append: boolean;
    let stdout: boolean;
    switch (base) {
      case '>':
      case '>|':
        append = false;
        stdout = toStdout;
        break;
      case '>>':
        append = true;
        stdout = toStdout;
        break;
      case '&>':
        append = false;
        stdout = true;
        break;
      case '&>>':
        append = true;
        stdout = true;
        break;
      case '>&':
        if (r.target.value === undefined || /^(\d+|-)$/.test(r.target.value)) return undefined;
        append = false;
        stdout = toStdout;
        break;
      default:
        return undefined;
    }
    const p = this.targetPath(r.target.value, r.target.glob);
    if (!p) return { stdout };
    const content = stdout ? out : undefined;
    const heredoc = name === 'cat' && content?.from === 'heredoc';
    const what = heredoc ? 'heredoc' : (name ?? 'command');
    this.addWrite(
      p,
      append ? 'append' : 'write',
      heredoc ? 'heredoc' : 'redirect',
      Math.min(cs, r.start),
      Math.max(ce, r.end),
      undefined,
      content,
      heredoc ? 'shell-heredoc' : 'shell-redirect',
      `${what} ${append ? '>>' : '>'} ${p}`,
    );
    return { stdout };
  }

  private copyLike(name: 'cp' | 'mv' | 'install', args: Word[], cs: number, ce: number): void {
    const spec =
      name === 'install'
        ? { shortArg: 'mogtS', longArg: ['--mode', '--owner', '--group', '--target-directory', '--suffix'] }
        : { shortArg: 'tS', longArg: ['--target-directory', '--suffix'] };
    const g = parseGnu(args, spec);
    if (name === 'install' && g.opts.some((o) => o.name === '-d' || o.name === '--directory')) return;
    const via = name === 'cp' ? 'copy' : name === 'mv' ? 'move' : 'install';
    const tdir = g.opts.find((o) => o.name === '-t' || o.name === '--target-directory');
    const noDir = g.opts.some((o) => o.name === '-T' || o.name === '--no-target-directory');
    let dir: string | undefined;
    let srcs: Word[];
    let single: Word | undefined;
    if (tdir) {
      dir = optValue(tdir);
      srcs = g.operands;
      if (dir === undefined) return;
    } else {
      if (g.operands.length < 2) return;
      const dst = g.operands[g.operands.length - 1];
      srcs = g.operands.slice(0, -1);
      if (dst.value === undefined || dst.glob) return;
      if (!noDir && (srcs.length > 1 || dst.value.endsWith('/'))) dir = dst.value;
      else single = dst;
    }
    for (const src of srcs) {
      let path: string | undefined;
      if (single) path = this.targetPath(single.value, single.glob);
      else {
        if (src.value === undefined || src.glob) continue;
        path = this.targetPath(`${dir!.replace(/\/+$/, '')}/${basename(src.value)}`, false);
      }
      if (!path) continue;
      this.addWrite(path, 'write', via, cs, ce, src.value ?? src.raw);
    }
  }

  private sedInPlace(args: Word[], cs: number, ce: number): void {
    const g = parseGnu(args, { shortArg: 'efl', shortOptional: 'i', longArg: ['--expression', '--file', '--line-length'] });
    if (!g.opts.some((o) => o.name === '-i' || o.name === '--in-place')) return;
    const hasScript = g.opts.some((o) => ['-e', '-f', '--expression', '--file'].includes(o.name));
    const files = hasScript ? g.operands : g.operands.slice(1);
    for (const f of files) {
      const p = this.targetPath(f.value, f.glob);
      if (p) this.addWrite(p, 'write', 'sed', cs, ce);
    }
  }

  /** A static absolute path on the node, normalised; undefined for anything else. */
  private targetPath(value: string | undefined, glob: boolean): string | undefined {
    if (value === undefined || glob || !value.startsWith('/')) return undefined;
    let p = value.replace(/\/{2,}/g, '/');
    if (this.opts.stripTarget && (p === '/target' || p.startsWith('/target/'))) p = p.slice('/target'.length) || '/';
    if (p.startsWith('/dev/') || p === '/dev') return undefined;
    return p;
  }

  private addWrite(
    path: string,
    mode: ShellFileWrite['mode'],
    via: ShellFileWrite['via'],
    s: number,
    e: number,
    from?: string,
    content?: Content,
    embedVia?: EmbedVia,
    label?: string,
  ): void {
    const w: ShellFileWrite = { path, mode, via, loc: this.loc(s, e) };
    if (from !== undefined) w.from = from;
    this.model.writes.push(w);
    if (content && embedVia) {
      this.pending.push({ at: s, m: content.m, whole: content.span, via: embedVia, loc: w.loc, targetPath: path, label: label ?? path, write: w });
    }
  }
}

/**
 * The content of a heredoc body (document span [s, e): the lines between the command line and the
 * delimiter line). `<<-` strips leading tabs; an unquoted delimiter makes `\$`, `` \` ``, `\\`
 * and backslash-newline escapes (expansions are kept as written).
 */
export function heredocText(text: string, s: number, e: number, stripTabs: boolean, unescape: boolean): MText {
  const m = mtext();
  let i = s;
  let lineStart = true;
  let runStart = i;
  const flush = (upto: number) => {
    if (upto > runStart) push(m, text.slice(runStart, upto), runStart);
  };
  while (i < e) {
    const c = text[i];
    if (lineStart && stripTabs && c === '\t') {
      flush(i);
      i++;
      runStart = i;
      continue;
    }
    lineStart = false;
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (unescape && c === '\\' && i + 1 < e) {
      const n = text[i + 1];
      if (n === '\n') {
        flush(i);
        i += 2;
        runStart = i;
        continue;
      }
      if (n === '$' || n === '`' || n === '\\') {
        flush(i);
        runStart = i + 1;
        i += 2;
        continue;
      }
    }
    i++;
  }
  flush(e);
  return m;
}
