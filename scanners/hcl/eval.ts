/**
 * Static evaluation of HCL expressions into `Value` trees, in the scope of one Terraform module or
 * Packer template directory.
 *
 * What is known: literals, templates, collections, operators, conditionals with known conditions,
 * variables (default, overridden by `terraform.tfvars` / `*.auto.tfvars` / `*.auto.pkrvars.hcl`),
 * locals (lazily, with cycle detection), `path.*`, configuration attributes of resources and a set
 * of pure functions (see functions.ts). Everything else is an `UnknownValue` with a reason.
 *
 * Templates: an interpolation whose value is unknown keeps its verbatim source text (`${...}`,
 * or `{{...}}` in legacy Packer JSON) in the string and the result is tagged 'partial'. A
 * `%{ if }` whose condition is unknown renders both branches; a `%{ for }` over an unknown
 * collection renders its body once with the loop variables unknown (both tagged 'partial'), so the
 * embedded document still shows every command the template can produce.
 *
 * Hostile input is bounded: evaluation depth, a step budget and a time budget per module, string
 * length (limits.maxFileBytes), value size, templatefile() recursion.
 */
import type { Diagnostic, Document, Expr, HclAttribute, HclBlock, HclReference, MapEntry, ScalarValue, Value } from '../../engine/model.js';
import type { Limits } from '../../engine/scanner-api.js';
import type { Loc, SourceFile } from '../../engine/source.js';
import { identityMap } from '../../engine/offset-map.js';
import { callFunction } from './functions.js';
import { parseBareTemplate } from './native.js';
import { concatMapped, type MStr } from './text.js';
import { isString, mapValue, mstrOf, opaque, primitiveString, scalar, seq, unknown, valueSize, deepEqual } from './values.js';
import { posix } from 'node:path';

export interface EvalHost {
  limits: Limits;
  /** Read a repo-relative file (cached); undefined when unavailable. */
  readFile(relPath: string): SourceFile | undefined;
  /** Text of a root file already known to the scan (for verbatim slices). */
  rootText(file: string): string | undefined;
  /** Whether some file of the scan lives under this repo-relative directory. */
  isDirectory(relPath: string): boolean;
  diag(d: Diagnostic): void;
  reference(doc: Document, ref: HclReference): void;
}

export interface VarDef {
  name: string;
  declared?: HclAttribute | HclBlock;
  defaultAttr?: HclAttribute;
  /** Value from terraform.tfvars / *.auto.tfvars (last one wins). */
  override?: HclAttribute;
}

export interface ModuleScope {
  kind: 'terraform' | 'packer';
  /** Repo-relative directory of the module / template ('.' for the scan root). */
  dir: string;
  variables: Map<string, VarDef>;
  locals: Map<string, HclAttribute>;
  /** `type.name` and `data.type.name` → block. */
  resources: Map<string, HclBlock>;
}

export interface AttrInfo {
  doc: Document;
  scope: ModuleScope;
  /** References evaluate to their own text (`provider = aws.use1`, `depends_on`, `ignore_changes`). */
  refText: boolean;
  /** Human name for messages: `local.x`, `var.x`, `aws_instance.a.user_data`. */
  name: string;
  /** Iterator names of the `dynamic` blocks the attribute is in. */
  iterators?: string[];
}

export interface Env {
  scope: ModuleScope;
  doc: Document;
  /** Bare identifiers in scope: templatefile() vars, %{for} and for-loop variables. */
  vars?: ReadonlyMap<string, Value>;
  /** Inside templatefile(): the template's path (var./local. are not available there). */
  template?: string;
  /** Inside a template whose vars argument is not known: why. */
  varsUnknown?: string;
  tplStack: readonly string[];
  refText: boolean;
  /** Iterator names of enclosing `dynamic` blocks. */
  iterators?: readonly string[];
}

const MAX_EVAL_DEPTH = 400;
const MAX_STEPS = 2_000_000;
const MAX_VALUE_NODES = 200_000;
const BUSY = Symbol('busy');

export class Evaluator {
  private memo = new Map<HclAttribute, Value | typeof BUSY>();
  readonly info = new Map<HclAttribute, AttrInfo>();
  private stack: HclAttribute[] = [];
  private depth = 0;
  private steps = 0;
  private deadline = Infinity;
  private exhausted = false;
  private templates = new Map<string, Expr | null>();
  private reportedCycles = new Set<HclAttribute>();
  /** Attributes found on a reference cycle, with the cycle's description. */
  private cyclic = new Map<HclAttribute, string>();

  constructor(readonly host: EvalHost) {}

  get maxString(): number {
    return this.host.limits.maxFileBytes;
  }

  beginGroup(): void {
    this.steps = 0;
    this.exhausted = false;
    this.deadline = Date.now() + this.host.limits.fileTimeBudgetMs;
  }

  /** The value of an attribute registered with `info` (memoised, cycle-safe). */
  attrValue(attr: HclAttribute): Value {
    const m = this.memo.get(attr);
    if (m === BUSY) {
      const i = this.stack.indexOf(attr);
      const chain = [...this.stack.slice(i), attr].map((a) => this.info.get(a)?.name ?? a.name).join(' → ');
      for (const a of this.stack.slice(i)) if (!this.cyclic.has(a)) this.cyclic.set(a, chain);
      if (!this.reportedCycles.has(attr)) {
        this.reportedCycles.add(attr);
        this.host.diag({
          severity: 'warning',
          code: 'unresolved',
          message: `reference cycle: ${chain}`,
          file: attr.loc.file,
          loc: attr.nameLoc,
        });
      }
      return unknown(attr.expr.loc, `reference cycle: ${chain}`);
    }
    if (m) return m;
    const info = this.info.get(attr);
    if (!info) return unknown(attr.expr.loc, `${attr.name} is not part of a scanned module`);
    this.memo.set(attr, BUSY);
    this.stack.push(attr);
    let v: Value;
    try {
      const env: Env = { scope: info.scope, doc: info.doc, tplStack: [], refText: info.refText };
      if (info.iterators) env.iterators = info.iterators;
      v = this.evaluate(attr.expr, env);
    } catch (e) {
      // never let one expression take the module down: a stack overflow or a bug becomes an unknown
      const deep = e instanceof RangeError;
      v = unknown(attr.expr.loc, deep ? 'expression too deeply nested to evaluate' : 'internal error while evaluating');
      if (!deep)
        this.host.diag({
          severity: 'error',
          code: 'internal-error',
          message: `hcl: evaluating ${info.name} failed: ${e instanceof Error ? e.message : String(e)}`,
          file: attr.loc.file,
          loc: attr.nameLoc,
        });
    } finally {
      this.stack.pop();
    }
    const cycle = this.cyclic.get(attr);
    if (cycle) v = unknown(attr.expr.loc, `reference cycle: ${cycle}`);
    this.memo.set(attr, v);
    return v;
  }

  // -- core -----------------------------------------------------------------------------------

  evaluate(e: Expr, env: Env): Value {
    if (this.exhausted) return unknown(e.loc, 'evaluation budget exceeded');
    if (++this.steps > MAX_STEPS || ((this.steps & 1023) === 0 && Date.now() > this.deadline)) {
      this.exhausted = true;
      this.host.diag({
        severity: 'warning',
        code: 'time-budget',
        message: `evaluation of module ${env.scope.dir} stopped: budget exceeded; remaining values are unknown`,
        file: e.loc.file,
        loc: e.loc,
      });
      return unknown(e.loc, 'evaluation budget exceeded');
    }
    if (this.depth >= MAX_EVAL_DEPTH) return unknown(e.loc, 'expression too deeply nested to evaluate', exprText(e));
    this.depth++;
    try {
      return this.eval1(e, env);
    } finally {
      this.depth--;
    }
  }

  private eval1(e: Expr, env: Env): Value {
    switch (e.t) {
      case 'literal':
        if (typeof e.value === 'string') return scalar(e.loc, e.value, e.map ?? opaque(e.loc.file, e.loc));
        return scalar(e.loc, e.value);
      case 'template':
        return this.template(e, env, true);
      case 'ref':
        return this.ref(e, env);
      case 'call':
        if (e.fn === '%for') return this.template({ t: 'template', parts: [e], loc: e.loc }, env, false);
        return callFunction(this, e, env);
      case 'tuple': {
        const items = e.items.map((i) => this.evaluate(i, env));
        return this.sized(seq(e.loc, items), e);
      }
      case 'object': {
        const entries: MapEntry[] = [];
        for (const { key, value } of e.entries) {
          const k = this.evaluate(key, env);
          const ks = primitiveString(k);
          if (ks === undefined || (k.kind === 'scalar' && k.tag === 'partial'))
            return unknown(e.loc, `object key ${exprText(key)} is not known`, exprText(e));
          entries.push({ key: ks, keyLoc: key.loc, value: this.evaluate(value, env) });
        }
        return this.sized(mapValue(e.loc, entries), e);
      }
      case 'binary':
        return this.binary(e, env);
      case 'unary': {
        const v = this.evaluate(e.operand, env);
        if (v.kind !== 'scalar') return unknown(e.loc, v.kind === 'unknown' ? v.reason : 'operand is not a primitive', exprText(e));
        if (e.op === '!') {
          const b = toBool(v);
          return b === undefined ? unknown(e.loc, 'operand of ! is not a bool') : scalar(e.loc, !b);
        }
        if (e.op === '-') {
          const n = toNumber(v);
          return n === undefined ? unknown(e.loc, 'operand of - is not a number') : scalar(e.loc, -n);
        }
        return unknown(e.loc, `unsupported operator ${e.op}`);
      }
      case 'conditional': {
        const c = this.evaluate(e.cond, env);
        const b = c.kind === 'scalar' && c.tag !== 'partial' ? toBool(c) : undefined;
        if (b === true) return this.evaluate(e.then, env);
        if (b === false) return this.evaluate(e.else, env);
        const t = this.evaluate(e.then, env);
        const f = this.evaluate(e.else, env);
        if (deepEqual(t, f) === true) return t;
        return unknown(e.loc, `condition is not known${c.kind === 'unknown' ? ` (${c.reason})` : ''}`, exprText(e));
      }
      case 'index': {
        const target = this.evaluate(e.target, env);
        const key = this.evaluate(e.key, env);
        if (key.kind !== 'scalar' || key.value === null || key.tag === 'partial') return unknown(e.loc, 'index is not known', exprText(e));
        return indexValue(target, [key.value as string | number], e.loc, exprText(e));
      }
      case 'raw':
        return unknown(e.loc, rawReason(e.text), e.text);
    }
  }

  sized(v: Value, e: Expr): Value {
    if (valueSize(v) > MAX_VALUE_NODES) return unknown(e.loc, `value has more than ${MAX_VALUE_NODES} elements`, exprText(e));
    return v;
  }

  // -- references -----------------------------------------------------------------------------

  private ref(e: Extract<Expr, { t: 'ref' }>, env: Env): Value {
    if (env.refText) return scalar(e.loc, e.text, this.verbatimMap(e.loc, e.text));
    const [head, ...rest] = e.path;
    const name = String(head);
    const local = env.vars?.get(name);
    if (local) return indexValue(local, rest, e.loc, e.text);
    if (env.template !== undefined) {
      if (e.text.startsWith('{{')) {
        // legacy packer inside a template: fall through
      } else if (env.varsUnknown) return unknown(e.loc, `${name}: the vars of ${env.template} are not known (${env.varsUnknown})`, e.text);
      else return unknown(e.loc, `${name} is not one of the variables passed to ${env.template}`, e.text);
    }
    const scope = env.scope;
    if (env.iterators?.includes(name)) return unknown(e.loc, `${e.text} is an iterator of a dynamic block`, e.text);
    switch (name) {
      case 'var': {
        const vn = String(rest[0] ?? '');
        const v = this.variable(vn, scope, e.loc);
        return indexValue(v, rest.slice(1), e.loc, e.text);
      }
      case 'local': {
        const ln = String(rest[0] ?? '');
        const attr = scope.locals.get(ln);
        if (!attr) return unknown(e.loc, `local.${ln} is not defined in ${describeDir(scope)}`, e.text);
        return indexValue(this.attrValue(attr), rest.slice(1), e.loc, e.text);
      }
      case 'path': {
        const what = String(rest[0] ?? '');
        if (what === 'module' || what === 'root' || what === 'cwd')
          // relative paths are resolved against the module / template directory, which is path.module
          return scalar(e.loc, '.', opaque(e.loc.file, e.loc), 'path');
        return unknown(e.loc, `path.${what} is not known`, e.text);
      }
      case 'count':
      case 'each':
      case 'self':
        return unknown(e.loc, `${e.text} depends on the resource instance`, e.text);
      case 'terraform':
        return unknown(e.loc, `${e.text} depends on the workspace`, e.text);
      case 'module':
        return unknown(e.loc, `output of module.${String(rest[0] ?? '')} is not evaluated`, e.text);
      case 'data':
        return this.resourceRef(`data.${String(rest[0] ?? '')}.${String(rest[1] ?? '')}`, rest.slice(2), e, env, true);
      case 'source':
      case 'build':
      case 'packer':
        if (scope.kind === 'packer') return unknown(e.loc, `${e.text} is only known during the build`, e.text);
        break;
      default:
        break;
    }
    if (scope.kind === 'terraform' && rest.length >= 1) return this.resourceRef(`${name}.${String(rest[0])}`, rest.slice(1), e, env, false);
    return unknown(e.loc, `${e.text} is not a known name`, e.text);
  }

  private variable(name: string, scope: ModuleScope, loc: Loc): Value {
    const def = scope.variables.get(name);
    if (!def) return unknown(loc, `var.${name} is not declared in ${describeDir(scope)}`, `var.${name}`);
    if (def.override) return this.attrValue(def.override);
    if (def.defaultAttr) return this.attrValue(def.defaultAttr);
    return unknown(
      loc,
      scope.kind === 'terraform'
        ? `var.${name} has no default and no value in terraform.tfvars or *.auto.tfvars`
        : `var.${name} has no default and no value in *.auto.pkrvars.hcl`,
      `var.${name}`,
    );
  }

  private resourceRef(key: string, path: (string | number)[], e: Extract<Expr, { t: 'ref' }>, env: Env, isData: boolean): Value {
    const block = env.scope.resources.get(key);
    if (!block) return unknown(e.loc, `${key} is not declared in ${describeDir(env.scope)}`, e.text);
    let p = path;
    const hasAttr = (n: string) => block.body.attributes.some((a) => a.name === n);
    if ((hasAttr('count') && typeof p[0] === 'number') || (hasAttr('for_each') && p.length >= 2)) p = p.slice(1);
    const attrName = String(p[0] ?? '');
    const type = isData ? key.split('.')[1] : key.split('.')[0];
    if (isData && attrName === 'rendered' && (type === 'cloudinit_config' || type === 'template_cloudinit_config'))
      return unknown(e.loc, `${key}.rendered is a MIME multipart document; its parts are scanned from the ${key} block`, e.text);
    if (isData && type === 'template_file' && attrName === 'rendered') return this.templateFileRendered(block, key, e, env);
    if (isData && type === 'local_file' && (attrName === 'content' || attrName === 'content_base64')) {
      const fnAttr = block.body.attributes.find((a) => a.name === 'filename');
      if (fnAttr) {
        const fv = this.attrValue(fnAttr);
        if (isString(fv)) {
          const r = this.readFileValue(fv.value, e.loc, e.loc, env, 'file');
          return attrName === 'content_base64' && r.kind === 'scalar' ? { ...r, tag: 'base64' } : r;
        }
      }
      return unknown(e.loc, `${key}.filename is not known`, e.text);
    }
    if (isData)
      return unknown(e.loc, `${key}.${attrName} is read by the ${env.scope.kind === 'packer' ? 'plugin when Packer runs' : 'provider at plan time'}`, e.text);
    const attr = [...block.body.attributes].reverse().find((a) => a.name === attrName);
    if (!attr || ['count', 'for_each', 'provider', 'depends_on', 'lifecycle'].includes(attrName))
      return unknown(e.loc, `${key}.${attrName} is only known after apply`, e.text);
    return indexValue(this.attrValue(attr), p.slice(1), e.loc, e.text);
  }

  /** `data "template_file"`: render `template` with `vars`. */
  private templateFileRendered(block: HclBlock, key: string, e: Extract<Expr, { t: 'ref' }>, env: Env): Value {
    const tAttr = block.body.attributes.find((a) => a.name === 'template');
    if (!tAttr) return unknown(e.loc, `${key} has no template`, e.text);
    const tv = this.attrValue(tAttr);
    if (!isString(tv) || tv.tag === 'partial') return unknown(e.loc, `${key}.template is not known`, e.text);
    const vAttr = block.body.attributes.find((a) => a.name === 'vars');
    const vars = vAttr ? this.attrValue(vAttr) : undefined;
    const m = mstrOf(tv);
    const expr = this.parseTemplateText(m, `${key}.template`);
    return this.renderTemplate(expr, m, vars, key, tv.loc, env);
  }

  // -- templates ------------------------------------------------------------------------------

  /** Parse template text (cached for files); undefined when it does not parse. */
  parseTemplateText(m: MStr, what: string, cacheKey?: string): Expr | undefined {
    if (cacheKey && this.templates.has(cacheKey)) return this.templates.get(cacheKey) ?? undefined;
    let expr: Expr | undefined;
    if (!/[$%]\{/.test(m.text)) expr = { t: 'literal', value: m.text, loc: { file: m.map.file, start: m.map.whole[0], end: m.map.whole[1] }, map: m.map };
    else {
      try {
        expr = parseBareTemplate(m.text, m.map, { maxDepth: this.host.limits.maxDepth, diag: () => undefined });
      } catch {
        expr = undefined;
      }
    }
    if (!expr) {
      this.host.diag({
        severity: 'warning',
        code: 'template-unrendered',
        message: `${what} could not be parsed as a template; scanned as plain text`,
        file: m.map.file,
        loc: { file: m.map.file, start: m.map.whole[0], end: m.map.whole[1] },
      });
    }
    if (cacheKey) this.templates.set(cacheKey, expr ?? null);
    return expr;
  }

  /** Render a parsed template with a vars map (templatefile / template_file semantics). */
  renderTemplate(expr: Expr | undefined, m: MStr, vars: Value | undefined, tplName: string, loc: Loc, env: Env): Value {
    if (!expr) return scalar(loc, m.text, m.map, 'partial');
    const varMap = new Map<string, Value>();
    let varsUnknown: string | undefined;
    if (vars?.kind === 'map') for (const en of vars.entries) varMap.set(en.key, en.value);
    else if (vars && vars.kind !== 'unknown') varsUnknown = 'the vars argument is not a map';
    else if (vars?.kind === 'unknown') varsUnknown = vars.reason;
    const inner: Env = { scope: env.scope, doc: env.doc, vars: varMap, template: tplName, tplStack: [...env.tplStack, tplName], refText: false };
    if (varsUnknown) inner.varsUnknown = varsUnknown;
    const v = this.template(expr.t === 'template' ? expr : { t: 'template', parts: [expr], loc: expr.loc }, inner, false);
    if (v.kind === 'scalar') return { ...v, loc };
    return v;
  }

  /**
   * Evaluate a template. With `unwrap`, a template made of one interpolation returns that value
   * unconverted (HCL semantics for `"${x}"`).
   */
  template(e: Extract<Expr, { t: 'template' }>, env: Env, unwrap: boolean): Value {
    const parts = e.parts;
    if (unwrap && parts.length === 1 && parts[0].t !== 'literal' && !isDirective(parts[0])) return this.evaluate(parts[0], env);
    const pieces: MStr[] = [];
    const state = { partial: false, length: 0 };
    this.renderParts(parts, env, pieces, state);
    if (state.length > this.maxString) return unknown(e.loc, `string longer than ${this.maxString} characters`);
    const out = concatMapped(pieces, pickFile(pieces, e.loc.file), [e.loc.start, e.loc.end]);
    return scalar(e.loc, out.text, out.map, state.partial ? 'partial' : e.heredoc ? 'heredoc' : undefined);
  }

  private renderParts(parts: Expr[], env: Env, pieces: MStr[], state: { partial: boolean; length: number }): void {
    const push = (p: MStr) => {
      state.length += p.text.length;
      if (state.length <= this.maxString) pieces.push(p);
    };
    for (const part of parts) {
      if (state.length > this.maxString || this.exhausted) return;
      if (part.t === 'literal') {
        push({ text: part.value === null ? '' : String(part.value), map: part.map ?? opaque(part.loc.file, part.loc) });
        continue;
      }
      if (part.t === 'conditional' && isDirective(part)) {
        const c = this.evaluate(part.cond, env);
        const b = c.kind === 'scalar' && c.tag !== 'partial' ? toBool(c) : undefined;
        if (b !== undefined) this.renderParts(subParts(b ? part.then : part.else), env, pieces, state);
        else {
          state.partial = true;
          this.renderParts(subParts(part.then), env, pieces, state);
          this.renderParts(subParts(part.else), env, pieces, state);
        }
        continue;
      }
      if (part.t === 'call' && part.fn === '%for') {
        this.renderFor(part, env, pieces, state);
        continue;
      }
      const v = this.evaluate(part, env);
      if (v.kind === 'scalar' && v.value !== null) {
        if (v.tag === 'partial') state.partial = true;
        if (v.tag === 'base64' && typeof v.value === 'string') push({ text: Buffer.from(v.value, 'utf8').toString('base64'), map: opaque(v.loc.file, v.loc) });
        else push(mstrOf(v));
        continue;
      }
      state.partial = true;
      push(this.verbatimInterpolation(part));
    }
  }

  private renderFor(part: Extract<Expr, { t: 'call' }>, env: Env, pieces: MStr[], state: { partial: boolean; length: number }): void {
    const [kE, vE, collE, body] = part.args;
    const keyVar = kE?.t === 'literal' && typeof kE.value === 'string' ? kE.value : undefined;
    const valVar = vE?.t === 'literal' && typeof vE.value === 'string' ? vE.value : '_';
    const coll = this.evaluate(collE, env);
    const bodyParts = subParts(body);
    const run = (k: Value, v: Value) => {
      if (this.exhausted || state.length > this.maxString) return;
      const vars = new Map(env.vars ?? []);
      if (keyVar) vars.set(keyVar, k);
      vars.set(valVar, v);
      this.renderParts(bodyParts, { ...env, vars }, pieces, state);
    };
    if (coll.kind === 'seq') coll.items.forEach((it, i) => run(scalar(it.loc, i), it));
    else if (coll.kind === 'map') {
      const sorted = [...coll.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const en of sorted) run(scalar(en.keyLoc, en.key), en.value);
    } else {
      state.partial = true;
      const why = coll.kind === 'unknown' ? coll.reason : 'not a collection';
      run(unknown(collE.loc, `loop key: ${why}`, exprText(collE)), unknown(collE.loc, `loop value: ${why}`, exprText(collE)));
    }
  }

  /** The source text of an interpolation (`${ ... }` or `{{ ... }}`) with its exact map. */
  verbatimInterpolation(part: Expr): MStr {
    const file = part.loc.file;
    const text = this.host.rootText(file);
    if (text !== undefined) {
      const slice = text.slice(part.loc.start, part.loc.end);
      if (slice.startsWith('{{')) return { text: slice, map: identityMap(file, slice.length, part.loc.start) };
      let s = part.loc.start;
      while (s > 0 && /[\s~]/.test(text[s - 1])) s--;
      let en = part.loc.end;
      while (en < text.length && /[\s~]/.test(text[en])) en++;
      if (text.slice(s - 2, s) === '${' && text[en] === '}') {
        const v = text.slice(s - 2, en + 1);
        return { text: v, map: identityMap(file, v.length, s - 2) };
      }
    }
    const inner = exprText(part);
    if (inner.startsWith('{{')) return { text: inner, map: opaque(file, part.loc) };
    return { text: '${' + inner + '}', map: opaque(file, part.loc) };
  }

  /** Map for a text that may be a verbatim slice of its root file at `loc`. */
  verbatimMap(loc: Loc, text: string) {
    const root = this.host.rootText(loc.file);
    if (root !== undefined && root.slice(loc.start, loc.end) === text) return identityMap(loc.file, text.length, loc.start);
    return opaque(loc.file, loc);
  }

  // -- operators ------------------------------------------------------------------------------

  private binary(e: Extract<Expr, { t: 'binary' }>, env: Env): Value {
    const l = this.evaluate(e.left, env);
    if (e.op === '&&' || e.op === '||') {
      const lb = l.kind === 'scalar' ? toBool(l) : undefined;
      if (e.op === '&&' && lb === false) return scalar(e.loc, false);
      if (e.op === '||' && lb === true) return scalar(e.loc, true);
      const r = this.evaluate(e.right, env);
      const rb = r.kind === 'scalar' ? toBool(r) : undefined;
      if (lb === undefined || rb === undefined) {
        if (e.op === '&&' && rb === false) return scalar(e.loc, false);
        if (e.op === '||' && rb === true) return scalar(e.loc, true);
        return unknown(e.loc, 'operand is not a known bool', exprText(e));
      }
      return scalar(e.loc, e.op === '&&' ? lb && rb : lb || rb);
    }
    const r = this.evaluate(e.right, env);
    if (e.op === '==' || e.op === '!=') {
      const eq = deepEqual(l, r);
      if (eq === undefined || (l.kind === 'scalar' && l.tag === 'partial') || (r.kind === 'scalar' && r.tag === 'partial'))
        return unknown(e.loc, 'operand is not known', exprText(e));
      return scalar(e.loc, e.op === '==' ? eq : !eq);
    }
    if (l.kind !== 'scalar' || r.kind !== 'scalar') return unknown(e.loc, 'operand is not known', exprText(e));
    const a = toNumber(l);
    const b = toNumber(r);
    if (a === undefined || b === undefined) return unknown(e.loc, 'operand is not a number', exprText(e));
    switch (e.op) {
      case '+':
        return scalar(e.loc, a + b);
      case '-':
        return scalar(e.loc, a - b);
      case '*':
        return scalar(e.loc, a * b);
      case '/':
        return b === 0 ? unknown(e.loc, 'division by zero', exprText(e)) : scalar(e.loc, a / b);
      case '%':
        return b === 0 ? unknown(e.loc, 'division by zero', exprText(e)) : scalar(e.loc, a % b);
      case '<':
        return scalar(e.loc, a < b);
      case '<=':
        return scalar(e.loc, a <= b);
      case '>':
        return scalar(e.loc, a > b);
      case '>=':
        return scalar(e.loc, a >= b);
      default:
        return unknown(e.loc, `unsupported operator ${e.op}`, exprText(e));
    }
  }

  // -- files ----------------------------------------------------------------------------------

  /** Resolve a path written in the module against its directory; undefined (with a diagnostic) if refused. */
  resolvePath(p: string, env: Env, loc: Loc): string | undefined {
    const refuse = (why: string) => {
      this.host.diag({ severity: 'warning', code: 'unresolved', message: `path ${JSON.stringify(p)} ${why}; not followed`, file: loc.file, loc });
      return undefined;
    };
    if (p === '') return refuse('is empty');
    const q = p.replace(/\\/g, '/');
    if (q.startsWith('/') || /^[A-Za-z]:\//.test(q)) return refuse('is absolute (outside the scan root)');
    if (q.startsWith('~')) return refuse('is in a home directory (outside the scan root)');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(q)) return refuse('is a URL');
    const joined = posix.normalize(posix.join(env.scope.dir, q));
    if (joined === '..' || joined.startsWith('../')) return refuse('escapes the scan root');
    return joined === '.' ? '.' : joined.replace(/^\.\//, '').replace(/\/$/, '');
  }

  /** file()-like read: the file's text with an identity map into that file. */
  readFileValue(p: string, loc: Loc, refLoc: Loc, env: Env, kind: HclReference['kind']): Value {
    const resolved = this.resolvePath(p, env, refLoc);
    if (!resolved) return unknown(loc, `path ${JSON.stringify(p)} is outside the scan root`);
    this.host.reference(env.doc, { kind, path: resolved, loc: refLoc });
    const f = this.host.readFile(resolved);
    if (!f) return unknown(loc, `${resolved} is not readable in the scan`);
    return scalar(loc, f.text, identityMap(f.path, f.text.length));
  }

  templateFile(p: string, vars: Value | undefined, loc: Loc, env: Env): Value {
    const resolved = this.resolvePath(p, env, loc);
    if (!resolved) return unknown(loc, `path ${JSON.stringify(p)} is outside the scan root`);
    this.host.reference(env.doc, { kind: 'templatefile', path: resolved, loc });
    if (env.tplStack.includes(resolved)) {
      this.host.diag({
        severity: 'warning',
        code: 'template-unrendered',
        message: `templatefile("${resolved}") calls itself; recursion not followed`,
        file: loc.file,
        loc,
      });
      return unknown(loc, `templatefile("${resolved}") is recursive`);
    }
    const f = this.host.readFile(resolved);
    if (!f) return unknown(loc, `${resolved} is not readable in the scan`);
    const m: MStr = { text: f.text, map: identityMap(f.path, f.text.length) };
    const expr = this.parseTemplateText(m, resolved, `file:${resolved}`);
    const v = this.renderTemplate(expr, m, vars, resolved, loc, env);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------

function isDirective(e: Expr): boolean {
  return (e.t === 'conditional' && e.then.t === 'template' && e.else.t === 'template') || (e.t === 'call' && e.fn === '%for');
}

function subParts(e: Expr): Expr[] {
  return e.t === 'template' ? e.parts : [e];
}

/** The file most of the pieces' characters map into (ties and nothing mapped → `fallback`). */
export function pickFile(pieces: MStr[], fallback: string): string {
  const counts = new Map<string, number>();
  for (const p of pieces) {
    let n = 0;
    for (let k = 2; k < p.map.segs.length; k += 3) n += p.map.segs[k];
    if (n) counts.set(p.map.file, (counts.get(p.map.file) ?? 0) + n);
  }
  let best = fallback;
  let bestN = counts.get(fallback) ?? 0;
  for (const [f, n] of counts)
    if (n > bestN) {
      best = f;
      bestN = n;
    }
  return best;
}

export function toBool(v: ScalarValue): boolean | undefined {
  if (typeof v.value === 'boolean') return v.value;
  if (v.value === 'true') return true;
  if (v.value === 'false') return false;
  return undefined;
}

export function toNumber(v: ScalarValue): number | undefined {
  if (typeof v.value === 'number') return v.value;
  if (typeof v.value === 'string' && v.value.trim() !== '' && v.tag !== 'partial') {
    const n = Number(v.value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function indexValue(v: Value, path: readonly (string | number)[], loc: Loc, text: string): Value {
  let cur = v;
  for (const p of path) {
    if (cur.kind === 'unknown') return cur;
    if (cur.kind === 'seq') {
      const i = typeof p === 'number' ? p : Number(p);
      if (!Number.isInteger(i) || i < 0 || i >= cur.items.length) return unknown(loc, `index ${String(p)} is out of range`, text);
      cur = cur.items[i];
    } else if (cur.kind === 'map') {
      const k = String(p);
      let found: Value | undefined;
      for (let j = cur.entries.length - 1; j >= 0; j--)
        if (cur.entries[j].key === k) {
          found = cur.entries[j].value;
          break;
        }
      if (!found) return unknown(loc, `no key ${JSON.stringify(k)}`, text);
      cur = found;
    } else return unknown(loc, `cannot index a primitive value with ${JSON.stringify(p)}`, text);
  }
  return cur;
}

export function exprText(e: Expr): string {
  switch (e.t) {
    case 'ref':
      return e.text;
    case 'raw':
      return e.text;
    case 'literal':
      return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'call':
      return `${e.fn}(${e.args.map(exprText).join(', ')}${e.expandFinal ? '...' : ''})`;
    case 'tuple':
      return `[${e.items.map(exprText).join(', ')}]`;
    case 'object':
      return `{ ${e.entries.map((en) => `${exprText(en.key)} = ${exprText(en.value)}`).join(', ')} }`;
    case 'binary':
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case 'unary':
      return `${e.op}${exprText(e.operand)}`;
    case 'conditional':
      return `${exprText(e.cond)} ? ${exprText(e.then)} : ${exprText(e.else)}`;
    case 'index':
      return `${exprText(e.target)}[${exprText(e.key)}]`;
    case 'template':
      return '"' + e.parts.map((p) => (p.t === 'literal' ? String(p.value ?? '') : '${' + exprText(p) + '}')).join('') + '"';
  }
}

function rawReason(text: string): string {
  const t = text.trimStart();
  if (t.startsWith('{{')) return `Packer template ${t.length > 60 ? t.slice(0, 60) + '…' : t} is only known during the build`;
  if (/^[[{]\s*for\s/.test(t)) return 'for expressions are not evaluated';
  if (/\[\*\]|\.\*/.test(t)) return 'splat expressions are not evaluated';
  return 'expression is not evaluated';
}

function describeDir(scope: ModuleScope): string {
  return scope.kind === 'terraform' ? `module ${scope.dir}` : `template directory ${scope.dir}`;
}
