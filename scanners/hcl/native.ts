/**
 * Native HCL syntax (tree-sitter) → plain-data `HclBody` / `Expr`.
 *
 * Template literals are not taken from tree-sitter's `template_literal` nodes (they drop the
 * whitespace between template parts); instead the literal text is the source between the
 * structural parts (`${...}`, `%{...}`), decoded here: string escapes in quoted templates,
 * `$${`/`%%{` everywhere, `~` strip markers, and HCL's flush rule for `<<-` heredocs. Every
 * decoded character keeps its source offset, so literal parts carry an exact `map`.
 *
 * Template directives are represented with the existing `Expr` kinds:
 *   `%{ if c }A%{ else }B%{ endif }` → `{ t: 'conditional', cond: c, then: template(A), else: template(B) }`
 *   `%{ for k, v in coll }B%{ endfor }` → `{ t: 'call', fn: '%for', args: [literal k|null, literal v, coll, template(B)] }`
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { DiagnosticCode, DiagnosticSeverity, Expr, HclAttribute, HclBlock, HclBody } from '../../engine/model.js';
import { parserFor } from '../../engine/tree-sitter.js';
import type { Loc } from '../../engine/source.js';
import type { OffsetMap } from '../../engine/offset-map.js';
import { makeSrc, posTextMap, srcLoc, srcMap, type PosText, type Src } from './text.js';

export interface ConvertSink {
  maxDepth: number;
  diag(d: { severity: DiagnosticSeverity; code: DiagnosticCode; message: string; loc?: Loc }): void;
}

const RAW_TEXT_CAP = 1000;
const MAX_SYNTAX_DIAGNOSTICS = 20;
const BINARY_OPS = new Set(['*', '/', '%', '+', '-', '>', '>=', '<', '<=', '==', '!=', '&&', '||']);

type TemplateMode = 'quoted' | 'heredoc' | 'bare';

type TTok =
  | { k: 'lit'; s: number; e: number; pt: PosText }
  | { k: 'interp'; s: number; e: number; expr: Node | null; stripL: boolean; stripR: boolean }
  | { k: 'if'; s: number; e: number; expr: Node | null; stripL: boolean; stripR: boolean }
  | { k: 'else' | 'endif' | 'endfor'; s: number; e: number; stripL: boolean; stripR: boolean }
  | { k: 'for'; s: number; e: number; keyVar: string | null; valVar: string; expr: Node | null; stripL: boolean; stripR: boolean };

export class Converter {
  private tooDeepReported = false;
  comments: { text: string; loc: Loc }[] = [];

  constructor(
    readonly src: Src,
    readonly sink: ConvertSink,
  ) {}

  loc(s: number, e: number): Loc {
    return srcLoc(this.src, s, e);
  }

  private raw(node: Node | { startIndex: number; endIndex: number }): Expr {
    let text = this.src.text.slice(node.startIndex, node.endIndex);
    if (text.length > RAW_TEXT_CAP) text = text.slice(0, RAW_TEXT_CAP) + '…';
    return { t: 'raw', text, loc: this.loc(node.startIndex, node.endIndex) };
  }

  private tooDeep(node: Node): Expr {
    if (!this.tooDeepReported) {
      this.tooDeepReported = true;
      this.sink.diag({
        severity: 'warning',
        code: 'nesting-too-deep',
        message: `expression nested deeper than ${this.sink.maxDepth} levels; the rest is kept as raw text`,
        loc: this.loc(node.startIndex, node.startIndex),
      });
    }
    return this.raw(node);
  }

  // -- structure ------------------------------------------------------------------------------

  configFile(root: Node): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    this.fillBody(body, root, 0);
    return body;
  }

  private fillBody(body: HclBody, node: Node, depth: number): void {
    for (const c of node.children) {
      switch (c.type) {
        case 'body':
          this.fillBody(body, c, depth);
          break;
        case 'attribute': {
          const a = this.attribute(c, depth);
          if (a) body.attributes.push(a);
          break;
        }
        case 'block': {
          if (depth >= this.sink.maxDepth) {
            this.tooDeep(c);
            break;
          }
          const b = this.block(c, depth + 1);
          if (b) body.blocks.push(b);
          break;
        }
        case 'comment':
          this.comments.push({ text: this.src.text.slice(c.startIndex, c.endIndex), loc: this.loc(c.startIndex, c.endIndex) });
          break;
        case 'ERROR':
          // keep whatever well-formed attributes and blocks the error node still holds
          if (depth < this.sink.maxDepth) this.fillBody(body, c, depth + 1);
          break;
        default:
          break;
      }
    }
  }

  private attribute(node: Node, depth: number): HclAttribute | undefined {
    const name = node.children.find((c) => c.type === 'identifier');
    const exprNode = node.children.find((c) => c.type === 'expression');
    if (!name) return undefined;
    const expr: Expr = exprNode ? this.expr(exprNode, depth + 1) : { t: 'raw', text: '', loc: this.loc(node.endIndex, node.endIndex) };
    return {
      name: this.src.text.slice(name.startIndex, name.endIndex),
      nameLoc: this.loc(name.startIndex, name.endIndex),
      loc: this.loc(node.startIndex, node.endIndex),
      expr,
    };
  }

  private block(node: Node, depth: number): HclBlock | undefined {
    const kids = node.children;
    const typeNode = kids[0];
    if (!typeNode || typeNode.type !== 'identifier') return undefined;
    const labels: string[] = [];
    const labelLocs: Loc[] = [];
    let i = 1;
    for (; i < kids.length; i++) {
      const c = kids[i];
      if (c.type === 'identifier') {
        labels.push(this.src.text.slice(c.startIndex, c.endIndex));
        labelLocs.push(this.loc(c.startIndex, c.endIndex));
      } else if (c.type === 'string_lit') {
        const e = this.template(c, 'quoted', depth);
        labels.push(e.t === 'literal' ? String(e.value) : this.src.text.slice(c.startIndex + 1, c.endIndex - 1));
        labelLocs.push(this.loc(c.startIndex, c.endIndex));
      } else if (c.type === 'comment') continue;
      else break;
    }
    const body: HclBody = { attributes: [], blocks: [] };
    for (; i < kids.length; i++) {
      const c = kids[i];
      if (c.type === 'body' || c.type === 'ERROR') this.fillBody(body, c, depth);
      else if (c.type === 'comment') this.comments.push({ text: this.src.text.slice(c.startIndex, c.endIndex), loc: this.loc(c.startIndex, c.endIndex) });
    }
    return {
      type: this.src.text.slice(typeNode.startIndex, typeNode.endIndex),
      labels,
      labelLocs,
      typeLoc: this.loc(typeNode.startIndex, typeNode.endIndex),
      loc: this.loc(node.startIndex, node.endIndex),
      body,
    };
  }

  // -- expressions ----------------------------------------------------------------------------

  expr(node: Node, depth: number): Expr {
    if (depth > this.sink.maxDepth) return this.tooDeep(node);
    switch (node.type) {
      case 'expression':
        return this.seq(node.children, node, depth);
      case 'literal_value':
        return this.literal(node, depth);
      case 'template_expr':
      case 'collection_value':
      case 'operation':
      case 'template_directive': {
        const c = node.namedChildren.find((n) => n.type !== 'comment');
        return c ? this.expr(c, depth + 1) : this.raw(node);
      }
      case 'quoted_template':
      case 'string_lit':
        return this.template(node, 'quoted', depth);
      case 'heredoc_template':
        return this.template(node, 'heredoc', depth);
      case 'tuple':
        return {
          t: 'tuple',
          items: node.namedChildren.filter((c) => c.type === 'expression').map((c) => this.expr(c, depth + 1)),
          loc: this.loc(node.startIndex, node.endIndex),
        };
      case 'object':
        return this.object(node, depth);
      case 'function_call':
        return this.call(node, depth);
      case 'variable_expr':
        return this.seq([node], node, depth);
      case 'conditional':
        return this.conditional(node, depth);
      case 'binary_operation':
        return this.binary(node, depth);
      case 'unary_operation': {
        const kids = node.children.filter((c) => c.type !== 'comment');
        const op = kids[0]?.type ?? '';
        return { t: 'unary', op, operand: this.seq(kids.slice(1), node, depth), loc: this.loc(node.startIndex, node.endIndex) };
      }
      default:
        return this.raw(node);
    }
  }

  private literal(node: Node, depth: number): Expr {
    const c = node.namedChildren[0];
    const loc = this.loc(node.startIndex, node.endIndex);
    if (!c) return this.raw(node);
    const text = this.src.text.slice(c.startIndex, c.endIndex);
    switch (c.type) {
      case 'numeric_lit': {
        const n = Number(text);
        return Number.isFinite(n) ? { t: 'literal', value: n, loc } : this.raw(node);
      }
      case 'bool_lit':
        return { t: 'literal', value: text === 'true', loc };
      case 'null_lit':
        return { t: 'literal', value: null, loc };
      case 'string_lit':
        return this.template(c, 'quoted', depth);
      default:
        return this.raw(node);
    }
  }

  /** A term: a base (possibly parenthesised) followed by attribute accesses, indexes and splats. */
  private seq(all: Node[], whole: Node, depth: number): Expr {
    const kids = all.filter((c) => c.type !== 'comment' && c.type !== 'ERROR');
    if (kids.length === 0) return this.raw(whole);
    if (kids.length === 1 && kids[0].type === 'conditional') return this.conditional(kids[0], depth + 1);
    let i: number;
    let cur: Expr;
    const start = kids[0].startIndex;
    let parenthesised = false;
    if (kids[0].type === '(') {
      const inner = kids.find((c) => c.type === 'expression');
      const close = kids.findIndex((c) => c.type === ')');
      cur = inner ? this.expr(inner, depth + 1) : this.raw(whole);
      i = close >= 0 ? close + 1 : kids.length;
      parenthesised = true;
    } else if (kids[0].type === 'variable_expr') {
      const id = kids[0].namedChildren[0] ?? kids[0];
      const name = this.src.text.slice(id.startIndex, id.endIndex);
      cur = { t: 'ref', path: [name], loc: this.loc(kids[0].startIndex, kids[0].endIndex), text: name };
      i = 1;
    } else {
      cur = this.expr(kids[0], depth + 1);
      i = 1;
    }
    for (; i < kids.length; i++) {
      const c = kids[i];
      const end = c.endIndex;
      const loc = this.loc(start, end);
      const text = this.src.text.slice(start, end);
      if (c.type === 'get_attr') {
        const id = c.namedChildren.find((n) => n.type === 'identifier');
        const name = id ? this.src.text.slice(id.startIndex, id.endIndex) : '';
        if (cur.t === 'ref' && !parenthesised) cur = { t: 'ref', path: [...cur.path, name], loc, text };
        else cur = { t: 'index', target: cur, key: { t: 'literal', value: name, loc: this.loc(c.startIndex, c.endIndex) }, loc };
      } else if (c.type === 'index') {
        const ix = c.namedChildren[0];
        let key: Expr;
        if (ix?.type === 'legacy_index') {
          const digits = this.src.text.slice(ix.startIndex + 1, ix.endIndex).trim();
          key = { t: 'literal', value: Number(digits), loc: this.loc(ix.startIndex, ix.endIndex) };
        } else {
          const e = ix?.namedChildren.find((n) => n.type === 'expression');
          key = e ? this.expr(e, depth + 1) : this.raw(c);
        }
        if (cur.t === 'ref' && !parenthesised && key.t === 'literal' && (typeof key.value === 'string' || typeof key.value === 'number'))
          cur = { t: 'ref', path: [...cur.path, key.value], loc, text };
        else cur = { t: 'index', target: cur, key, loc };
      } else if (c.type === 'splat') {
        return { t: 'raw', text: text.length > RAW_TEXT_CAP ? text.slice(0, RAW_TEXT_CAP) + '…' : text, loc: this.loc(start, kids[kids.length - 1].endIndex) };
      } else {
        // unexpected token in a term: keep the term as raw text
        return this.raw({ startIndex: start, endIndex: kids[kids.length - 1].endIndex });
      }
      parenthesised = false;
    }
    return cur;
  }

  private conditional(node: Node, depth: number): Expr {
    const parts = node.namedChildren.filter((c) => c.type === 'expression');
    const loc = this.loc(node.startIndex, node.endIndex);
    if (parts.length !== 3) return this.raw(node);
    const [c, t, e] = parts;
    // tree-sitter-hcl parses `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; HCL nests to the right.
    const condKids = c.children.filter((k) => k.type !== 'comment');
    if (condKids.length === 1 && condKids[0].type === 'conditional') {
      const inner = this.conditional(condKids[0], depth + 1);
      if (inner.t === 'conditional') {
        const rest: Expr = {
          t: 'conditional',
          cond: inner.else,
          then: this.expr(t, depth + 1),
          else: this.expr(e, depth + 1),
          loc: { ...loc, start: inner.else.loc.start },
        };
        return { t: 'conditional', cond: inner.cond, then: inner.then, else: rest, loc };
      }
    }
    return { t: 'conditional', cond: this.expr(c, depth + 1), then: this.expr(t, depth + 1), else: this.expr(e, depth + 1), loc };
  }

  private binary(node: Node, depth: number): Expr {
    const kids = node.children.filter((c) => c.type !== 'comment');
    let paren = 0;
    let k = -1;
    for (let i = 0; i < kids.length; i++) {
      const t = kids[i].type;
      if (t === '(') paren++;
      else if (t === ')') paren--;
      else if (paren === 0 && i > 0 && !kids[i].isNamed && BINARY_OPS.has(t)) {
        k = i;
        break;
      }
    }
    if (k < 0) return this.raw(node);
    return {
      t: 'binary',
      op: kids[k].type,
      left: this.seq(kids.slice(0, k), node, depth + 1),
      right: this.seq(kids.slice(k + 1), node, depth + 1),
      loc: this.loc(node.startIndex, node.endIndex),
    };
  }

  private call(node: Node, depth: number): Expr {
    const id = node.children.find((c) => c.type === 'identifier');
    const argsNode = node.children.find((c) => c.type === 'function_arguments');
    const args = argsNode ? argsNode.namedChildren.filter((c) => c.type === 'expression').map((c) => this.expr(c, depth + 1)) : [];
    const expandFinal = argsNode ? argsNode.children.some((c) => c.type === 'ellipsis') : false;
    const out: Expr = {
      t: 'call',
      fn: id ? this.src.text.slice(id.startIndex, id.endIndex) : '',
      args,
      loc: this.loc(node.startIndex, node.endIndex),
    };
    if (expandFinal) out.expandFinal = true;
    return out;
  }

  private object(node: Node, depth: number): Expr {
    const entries: { key: Expr; value: Expr }[] = [];
    for (const el of node.namedChildren) {
      if (el.type !== 'object_elem') continue;
      const k = el.childForFieldName('key');
      const v = el.childForFieldName('val');
      if (!k || !v) continue;
      let key: Expr;
      const kk = k.children.filter((c) => c.type !== 'comment');
      if (kk.length === 1 && kk[0].type === 'variable_expr') {
        // a bare identifier key is a literal string
        key = { t: 'literal', value: this.src.text.slice(kk[0].startIndex, kk[0].endIndex), loc: this.loc(kk[0].startIndex, kk[0].endIndex) };
      } else key = this.expr(k, depth + 1);
      entries.push({ key, value: this.expr(v, depth + 1) });
    }
    return { t: 'object', entries, loc: this.loc(node.startIndex, node.endIndex) };
  }

  // -- templates ------------------------------------------------------------------------------

  /** Convert a quoted template, string literal or heredoc node. */
  template(node: Node, mode: TemplateMode, depth: number): Expr {
    const kids = node.children;
    let cs: number;
    let ce: number;
    let flush = false;
    if (mode === 'heredoc') {
      const start = kids[0];
      flush = !!start && this.src.text.slice(start.startIndex, start.endIndex) === '<<-';
      const open = kids.find((c) => c.type === 'heredoc_identifier');
      const close = kids.length > 2 && kids[kids.length - 1].type === 'heredoc_identifier' && kids[kids.length - 1] !== open ? kids[kids.length - 1] : undefined;
      const afterOpen = open ? open.endIndex : node.startIndex;
      const nl = this.src.text.indexOf('\n', afterOpen);
      cs = nl < 0 || nl >= node.endIndex ? node.endIndex : nl + 1;
      if (close && !close.isMissing) {
        ce = this.src.text.lastIndexOf('\n', close.startIndex - 1) + 1;
        if (ce < cs) ce = cs;
      } else ce = node.endIndex;
    } else {
      const first = kids[0];
      const last = kids[kids.length - 1];
      cs = first && first.type === 'quoted_template_start' ? first.endIndex : node.startIndex;
      ce = last && last.type === 'quoted_template_end' && !last.isMissing && last !== first ? last.startIndex : node.endIndex;
    }
    return this.templateFromParts(node, cs, ce, mode, flush, depth);
  }

  templateFromParts(node: Node, cs: number, ce: number, mode: TemplateMode, flush: boolean, depth: number): Expr {
    const structural: TTok[] = [];
    this.collectTemplateTokens(node, cs, ce, structural);
    structural.sort((a, b) => a.s - b.s);
    // interleave literal gaps
    const toks: TTok[] = [];
    let at = cs;
    for (const t of structural) {
      if (t.s < at) continue; // overlapping (malformed) — ignore
      if (t.s > at) toks.push({ k: 'lit', s: at, e: t.s, pt: this.decode(at, t.s, mode) });
      toks.push(t);
      at = t.e;
    }
    if (ce > at) toks.push({ k: 'lit', s: at, e: ce, pt: this.decode(at, ce, mode) });

    // strip markers
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (t.k === 'lit') continue;
      if (t.stripL && i > 0) {
        const p = toks[i - 1];
        if (p.k === 'lit') {
          const n = p.pt.text.replace(/\s+$/u, '').length;
          p.pt = { text: p.pt.text.slice(0, n), pos: p.pt.pos.slice(0, n) };
        }
      }
      if (t.stripR && i + 1 < toks.length) {
        const q = toks[i + 1];
        if (q.k === 'lit') {
          const n = q.pt.text.length - q.pt.text.replace(/^\s+/u, '').length;
          q.pt = { text: q.pt.text.slice(n), pos: q.pt.pos.slice(n) };
        }
      }
    }

    const finalToks = flush ? flushHeredoc(toks) : toks;
    return this.buildTemplate(finalToks, node, ce, mode === 'heredoc', depth);
  }

  private collectTemplateTokens(node: Node, cs: number, ce: number, out: TTok[]): void {
    for (const c of node.children) {
      if (c.endIndex <= cs || c.startIndex >= ce) continue;
      switch (c.type) {
        case 'template_interpolation': {
          const kids = c.children;
          const e = kids.find((k) => k.type === 'expression') ?? null;
          const markers = kids.filter((k) => k.type === 'strip_marker');
          const stripL = markers.some((m) => kids.indexOf(m) === 1);
          const stripR = markers.some((m) => kids.indexOf(m) > 1);
          out.push({ k: 'interp', s: c.startIndex, e: c.endIndex, expr: e, stripL, stripR });
          break;
        }
        case 'template_directive':
        case 'template_if':
        case 'template_for':
          this.collectTemplateTokens(c, cs, ce, out);
          break;
        case 'template_if_intro':
        case 'template_else_intro':
        case 'template_if_end':
        case 'template_for_start':
        case 'template_for_end': {
          const kids = c.children;
          const markers = kids.filter((k) => k.type === 'strip_marker');
          const stripL = markers.some((m) => kids.indexOf(m) === 1);
          const stripR = markers.some((m) => kids.indexOf(m) > 1);
          const base = { s: c.startIndex, e: c.endIndex, stripL, stripR };
          if (c.type === 'template_if_intro') out.push({ k: 'if', ...base, expr: kids.find((k) => k.type === 'expression') ?? null });
          else if (c.type === 'template_else_intro') out.push({ k: 'else', ...base });
          else if (c.type === 'template_if_end') out.push({ k: 'endif', ...base });
          else if (c.type === 'template_for_end') out.push({ k: 'endfor', ...base });
          else {
            const ids = kids.filter((k) => k.type === 'identifier').map((k) => this.src.text.slice(k.startIndex, k.endIndex));
            out.push({
              k: 'for',
              ...base,
              keyVar: ids.length > 1 ? ids[0] : null,
              valVar: ids.length > 1 ? ids[1] : (ids[0] ?? '_'),
              expr: kids.find((k) => k.type === 'expression') ?? null,
            });
          }
          break;
        }
        default:
          break;
      }
    }
  }

  /** Decode a literal run of template text. */
  private decode(s: number, e: number, mode: TemplateMode): PosText {
    const t = this.src.text;
    const parts: string[] = [];
    const pos = new Int32Array(Math.max(0, e - s));
    let n = 0;
    let i = s;
    let run = s;
    const flush = () => {
      if (i > run) {
        parts.push(t.slice(run, i));
        for (let k = run; k < i; k++) pos[n++] = k;
      }
    };
    while (i < e) {
      const c = t.charCodeAt(i);
      if (c !== 92 /* \\ */ && c !== 36 /* $ */ && c !== 37 /* % */) {
        i++;
        continue;
      }
      if (c === 92 && mode === 'quoted' && i + 1 < e) {
        const nx = t[i + 1];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t' };
        if (nx === '"' || nx === '\\') {
          flush();
          parts.push(nx);
          pos[n++] = i + 1;
          i += 2;
          run = i;
          continue;
        }
        if (simple[nx] !== undefined) {
          flush();
          parts.push(simple[nx]);
          pos[n++] = -1;
          i += 2;
          run = i;
          continue;
        }
        if (nx === 'u' || nx === 'U') {
          const len = nx === 'u' ? 4 : 8;
          const hex = t.slice(i + 2, i + 2 + len);
          if (hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
            const cp = parseInt(hex, 16);
            if (cp <= 0x10ffff) {
              flush();
              const ch = String.fromCodePoint(cp);
              parts.push(ch);
              for (let k = 0; k < ch.length; k++) pos[n++] = -1;
              i += 2 + len;
              run = i;
              continue;
            }
          }
        }
        i++; // invalid escape: kept verbatim
        continue;
      }
      if ((c === 36 || c === 37) && t.charCodeAt(i + 1) === c && t[i + 2] === '{' && i + 2 < e) {
        // `$${` → `${`, `%%{` → `%{`: keep the last two characters
        flush();
        parts.push(t[i] + '{');
        pos[n++] = i + 1;
        pos[n++] = i + 2;
        i += 3;
        run = i;
        continue;
      }
      i++;
    }
    flush();
    return { text: parts.join(''), pos: pos.subarray(0, n) };
  }

  private litExpr(pt: PosText, gs: number, ge: number): Expr {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < pt.pos.length; i++) {
      const p = pt.pos[i];
      if (p < 0) continue;
      if (lo < 0 || p < lo) lo = p;
      if (p + 1 > hi) hi = p + 1;
    }
    const map: OffsetMap = srcMap(this.src, posTextMap(pt, this.src.map.file, [gs, ge]));
    const loc = lo < 0 ? this.loc(gs, ge) : this.loc(lo, hi);
    return { t: 'literal', value: pt.text, loc, map };
  }

  private buildTemplate(toks: TTok[], node: Node, ce: number, heredoc: boolean, depth: number): Expr {
    interface Frame {
      kind: 'root' | 'if' | 'for';
      parts: Expr[];
      tok?: TTok;
      thenParts?: Expr[];
      elseStart?: number;
    }
    const root: Frame = { kind: 'root', parts: [] };
    const stack: Frame[] = [root];
    const top = () => stack[stack.length - 1];
    const tpl = (parts: Expr[], s: number, e: number): Expr => ({ t: 'template', parts, loc: this.loc(s, e) });
    const close = (f: Frame, end: number): Expr => {
      const t = f.tok!;
      const loc = this.loc(t.s, end);
      if (f.kind === 'if') {
        const cond = t.k === 'if' && t.expr ? this.expr(t.expr, depth + 1) : this.raw({ startIndex: t.s, endIndex: t.e });
        const thenParts = f.thenParts ?? f.parts;
        const elseParts = f.thenParts ? f.parts : [];
        return { t: 'conditional', cond, then: tpl(thenParts, t.e, f.elseStart ?? end), else: tpl(elseParts, f.elseStart ?? end, end), loc };
      }
      const ft = t as Extract<TTok, { k: 'for' }>;
      const coll = ft.expr ? this.expr(ft.expr, depth + 1) : this.raw({ startIndex: t.s, endIndex: t.e });
      return {
        t: 'call',
        fn: '%for',
        args: [
          { t: 'literal', value: ft.keyVar, loc: this.loc(t.s, t.e) },
          { t: 'literal', value: ft.valVar, loc: this.loc(t.s, t.e) },
          coll,
          tpl(f.parts, t.e, end),
        ],
        loc,
      };
    };
    for (const t of toks) {
      switch (t.k) {
        case 'lit':
          if (t.pt.text.length > 0) top().parts.push(this.litExpr(t.pt, t.s, t.e));
          break;
        case 'interp':
          top().parts.push(t.expr ? this.expr(t.expr, depth + 1) : { t: 'raw', text: this.src.text.slice(t.s, t.e), loc: this.loc(t.s, t.e) });
          break;
        case 'if':
        case 'for':
          if (stack.length > this.sink.maxDepth) {
            top().parts.push(this.raw({ startIndex: t.s, endIndex: t.e }));
            break;
          }
          stack.push({ kind: t.k, parts: [], tok: t });
          break;
        case 'else': {
          const f = top();
          if (f.kind === 'if' && !f.thenParts) {
            f.thenParts = f.parts;
            f.parts = [];
            f.elseStart = t.e;
          }
          break;
        }
        case 'endif':
        case 'endfor': {
          const f = top();
          if (f.kind === (t.k === 'endif' ? 'if' : 'for')) {
            stack.pop();
            top().parts.push(close(f, t.e));
          }
          break;
        }
      }
    }
    while (stack.length > 1) {
      const f = stack.pop()!;
      top().parts.push(close(f, ce));
    }
    const parts = root.parts;
    const loc = this.loc(node.startIndex, node.endIndex);
    if (!heredoc) {
      if (parts.length === 0) return { t: 'literal', value: '', loc, map: { file: this.src.map.file, segs: [], whole: [loc.start, loc.end] } };
      if (parts.length === 1 && parts[0].t === 'literal') return { ...parts[0], loc };
    }
    const out: Expr = { t: 'template', parts, loc };
    if (heredoc) out.heredoc = true;
    return out;
  }
}

/**
 * HCL's flush-heredoc rule (`<<-`): split literals into lines, find the smallest number of leading
 * whitespace characters over lines that start with literal text (blank lines ignored; a line that
 * starts with an interpolation counts as 0) and remove that many characters from each such line.
 */
function flushHeredoc(toks: TTok[]): TTok[] {
  const out: TTok[] = [];
  for (const t of toks) {
    if (t.k !== 'lit') {
      out.push(t);
      continue;
    }
    let from = 0;
    const text = t.pt.text;
    while (from < text.length) {
      const nl = text.indexOf('\n', from);
      const to = nl < 0 ? text.length : nl + 1;
      out.push({ k: 'lit', s: t.s, e: t.e, pt: { text: text.slice(from, to), pos: t.pt.pos.slice(from, to) } });
      from = to;
    }
  }
  let min = Number.MAX_SAFE_INTEGER;
  let newline = true;
  const adjust: Extract<TTok, { k: 'lit' }>[] = [];
  for (const t of out) {
    if (newline) {
      newline = false;
      let spaces = 0;
      if (t.k === 'lit') {
        const trimmed = t.pt.text.replace(/^\s+/u, '');
        if (trimmed.length === 0 && t.pt.text.endsWith('\n')) spaces = Number.MAX_SAFE_INTEGER;
        else {
          spaces = [...t.pt.text.slice(0, t.pt.text.length - trimmed.length)].length;
          adjust.push(t);
        }
      }
      if (spaces < min) min = spaces;
    }
    if (t.k === 'lit' && t.pt.text.endsWith('\n')) newline = true;
  }
  if (min === Number.MAX_SAFE_INTEGER) min = 0;
  for (const t of adjust) {
    let n = 0;
    let cps = 0;
    while (cps < min && n < t.pt.text.length) {
      const cp = t.pt.text.codePointAt(n)!;
      n += cp > 0xffff ? 2 : 1;
      cps++;
    }
    t.pt = { text: t.pt.text.slice(n), pos: t.pt.pos.slice(n) };
  }
  // meld consecutive literals again (in one pass: huge heredocs have many lines)
  const melded: TTok[] = [];
  let group: Extract<TTok, { k: 'lit' }>[] = [];
  const close = () => {
    if (group.length === 0) return;
    if (group.length === 1) melded.push(group[0]);
    else {
      let len = 0;
      for (const g of group) len += g.pt.pos.length;
      const pos = new Int32Array(len);
      let at = 0;
      for (const g of group) {
        pos.set(g.pt.pos, at);
        at += g.pt.pos.length;
      }
      melded.push({ k: 'lit', s: group[0].s, e: group[group.length - 1].e, pt: { text: group.map((g) => g.pt.text).join(''), pos } });
    }
    group = [];
  };
  for (const t of out) {
    if (t.k === 'lit') group.push(t);
    else {
      close();
      melded.push(t);
    }
  }
  close();
  return melded;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Report tree-sitter ERROR / MISSING nodes as parse-error diagnostics. */
export function reportSyntaxErrors(tree: Tree, src: Src, sink: ConvertSink, what: string): void {
  if (!tree.rootNode.hasError) return;
  const cursor = tree.walk();
  let count = 0;
  const lineOf = (off: number) => {
    let line = 1;
    const t = src.text;
    for (let i = 0; i < off && i < t.length; i++) if (t.charCodeAt(i) === 10) line++;
    return line;
  };
  let reported = 0;
  const visit = (): boolean => {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) {
      count++;
      if (reported < MAX_SYNTAX_DIAGNOSTICS) {
        reported++;
        const missing = node.isMissing;
        const s = node.startIndex;
        const e = missing ? node.startIndex : Math.min(node.endIndex, s + 200);
        sink.diag({
          severity: 'error',
          code: 'parse-error',
          message: missing
            ? `${what}: syntax error: missing ${node.type === '"' ? 'quote' : JSON.stringify(node.type)}` + (src.identity ? ` at line ${lineOf(s)}` : '')
            : `${what}: syntax error` + (src.identity ? ` at line ${lineOf(s)}` : '') + `: unexpected ${JSON.stringify(src.text.slice(s, Math.min(node.endIndex, s + 30)))}`,
          loc: srcLoc(src, s, e),
        });
      }
      return false; // do not descend into error nodes
    }
    return node.hasError;
  };
  // iterative pre-order walk, descending only into subtrees that contain errors
  let descend = visit();
  for (;;) {
    if (descend && cursor.gotoFirstChild()) {
      descend = visit();
      continue;
    }
    let moved = false;
    while (!moved) {
      if (cursor.gotoNextSibling()) {
        moved = true;
        descend = visit();
      } else if (!cursor.gotoParent()) {
        cursor.delete();
        if (count > reported)
          sink.diag({ severity: 'error', code: 'parse-error', message: `${what}: ${count - reported} more syntax errors not shown` });
        return;
      }
    }
  }
}

export interface NativeParse {
  body: HclBody;
  comments: { text: string; loc: Loc }[];
}

export function parseNative(text: string, map: OffsetMap, grammar: 'terraform' | 'hcl', sink: ConvertSink, what: string): NativeParse {
  const src = makeSrc(text, map);
  const tree = parserFor(grammar).parse(text);
  if (!tree) {
    sink.diag({ severity: 'error', code: 'parse-error', message: `${what}: could not be parsed` });
    return { body: { attributes: [], blocks: [] }, comments: [] };
  }
  try {
    reportSyntaxErrors(tree, src, sink, what);
    const conv = new Converter(src, sink);
    const body = conv.configFile(tree.rootNode);
    return { body, comments: conv.comments };
  } finally {
    tree.delete();
  }
}

let markerCounter = 0;

/**
 * Parse a bare template (a JSON-syntax string, a `templatefile()` file): the text is wrapped in a
 * heredoc so tree-sitter parses its interpolations and directives; offsets are shifted back so
 * every `Loc` and literal map points into the real source through `map`.
 * Returns undefined when the template does not parse (callers keep it as literal text).
 */
export function parseBareTemplate(text: string, map: OffsetMap, sink: ConvertSink): Expr | undefined {
  let marker = 'FLT_EOT';
  while (text.includes(marker)) marker = `FLT_EOT_${++markerCounter}`;
  const prefix = `t = <<${marker}\n`;
  const synth = `${prefix}${text}\n${marker}\n`;
  const shifted: number[] = [];
  for (let k = 0; k < map.segs.length; k += 3) shifted.push(map.segs[k] + prefix.length, map.segs[k + 1], map.segs[k + 2]);
  const src: Src = { text: synth, map: { file: map.file, segs: shifted, whole: map.whole }, identity: false };
  const tree = parserFor('hcl').parse(synth);
  if (!tree) return undefined;
  try {
    if (tree.rootNode.hasError) return undefined;
    const attr = tree.rootNode.namedChildren[0]?.namedChildren[0];
    const heredoc = attr?.namedChildren.find((c) => c.type === 'expression')?.namedChildren[0]?.namedChildren[0];
    if (!heredoc || heredoc.type !== 'heredoc_template') return undefined;
    const conv = new Converter(src, sink);
    const e = conv.templateFromParts(heredoc, prefix.length, prefix.length + text.length, 'bare', false, 0);
    // the wrapper's node span is synthetic: give the template the whole source span
    const whole: Loc = { file: map.file, start: map.whole[0], end: map.whole[1] };
    if (e.t === 'template') return { t: 'template', parts: e.parts, loc: whole };
    return { ...e, loc: e.t === 'literal' && text.length > 0 ? e.loc : whole };
  } finally {
    tree.delete();
  }
}
