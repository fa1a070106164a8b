/**
 * Honest static evaluation of CDKTF TypeScript expressions into the engine's `Value` tree, over
 * the raw TypeScript compiler API of a ts-morph project.
 *
 * Evaluated: string/number/boolean/null literals; template literals (exact per-character maps,
 * escapes decoded); `const` declarations in any file of the project (through imports, re-exports
 * and namespace imports); enum members; object and array literals with spreads; property and
 * element access into known values; `+` (concatenation keeps maps) and `- * / % **`; `??`, `||`,
 * `&&`, comparisons and `?:` when the operands are known; `Fn.base64encode`, `Fn.file`,
 * `Fn.filebase64`, `Fn.join`, `Fn.lower`, `Fn.upper` from `cdktf`; `[...].join(sep)`;
 * `path.join/resolve(__dirname, ...)`, `readFileSync(path)`; a provider construct evaluates to its
 * Terraform reference (`aws.use1`). Everything else — parameters, `let`, loop variables, user
 * functions, resource attributes — is unknown, with the reason.
 */
import { posix } from 'node:path';
import type { ts as TS } from 'ts-morph';
import type { Diagnostic, MapEntry, ScalarValue, Value } from '../../engine/model.js';
import { identityMap, MappedTextBuilder } from '../../engine/offset-map.js';
import type { Loc, SourceFile } from '../../engine/source.js';
import { concatMapped, type MStr } from '../hcl/text.js';
import { mapValue, mstrOf, scalar, seq, unknown } from '../hcl/values.js';
import { appendCooked } from './strings.js';
import { classifyConstruct, snakeCase, type ConstructKind } from './types.js';

export interface ProjectHost {
  ts: typeof TS;
  checker: TS.TypeChecker;
  readRootFile(relPath: string): SourceFile | undefined;
  diag(d: Diagnostic): void;
}

const MAX_DEPTH = 200;
/** Marks `undefined`: object properties with this value are left out, as in the synthesized JSON. */
const UNDEFINED = 'undefined';
const REPO_PATH = 'repo-path';
const PROVIDER_REF = 'provider-ref';

export class CdkEvaluator {
  private readonly ts: typeof TS;
  private readonly memo = new Map<TS.Node, Value>();
  private readonly busy = new Set<TS.Node>();
  private readonly entryLocs = new WeakMap<MapEntry, Loc>();
  private readonly roots = new Map<string, string | null>();
  /** Unknown values that stand for a Terraform reference (`data.aws_ami.node`, `aws_launch_template.nodes.id`). */
  private readonly refs = new WeakMap<Value, (string | number)[]>();
  private depth = 0;

  constructor(readonly host: ProjectHost) {
    this.ts = host.ts;
  }

  // -- positions --------------------------------------------------------------------------------

  file(n: TS.Node): string {
    return n.getSourceFile().fileName.replace(/^\//, '');
  }

  loc(n: TS.Node): Loc {
    const sf = n.getSourceFile();
    return { file: this.file(n), start: n.getStart(sf), end: n.getEnd() };
  }

  text(n: TS.Node): string {
    return n.getText(n.getSourceFile());
  }

  /** The Terraform reference path an unknown value stands for (`['data', 'aws_ami', 'node', 'id']`). */
  tfRef(v: Value): (string | number)[] | undefined {
    return this.refs.get(v);
  }

  private refValue(n: TS.Node, path: (string | number)[]): Value {
    const text = path.join('.');
    const v = unknown(this.loc(n), `${text} is known only after apply`, text);
    this.refs.set(v, path);
    return v;
  }

  /** The span of the whole `key: value` property an entry came from, when it is written as one. */
  entryLoc(e: MapEntry): Loc | undefined {
    return this.entryLocs.get(e);
  }

  private unknown(n: TS.Node, reason: string): Value {
    return unknown(this.loc(n), reason, this.text(n));
  }

  // -- imports and constructs -------------------------------------------------------------------

  /** Module and exported name an identifier was imported as ('*' for a namespace import). */
  importOf(id: TS.Identifier): { spec: string; imported: string } | undefined {
    const ts = this.ts;
    const decl = this.host.checker.getSymbolAtLocation(id)?.declarations?.[0];
    if (!decl) return undefined;
    let imported: string;
    let clause: TS.Node | undefined;
    if (ts.isImportSpecifier(decl)) {
      imported = (decl.propertyName ?? decl.name).text;
      clause = decl.parent.parent;
    } else if (ts.isNamespaceImport(decl)) {
      imported = '*';
      clause = decl.parent;
    } else if (ts.isImportClause(decl)) {
      imported = 'default';
      clause = decl;
    } else return undefined;
    const imp = clause?.parent;
    if (!imp || !ts.isImportDeclaration(imp) || !ts.isStringLiteral(imp.moduleSpecifier)) return undefined;
    return { spec: imp.moduleSpecifier.text, imported };
  }

  /** `a.b.C` → the import of `a` and the member names, when the chain is plain identifiers. */
  private chain(e: TS.Expression): { spec: string; imported: string; members: string[] } | undefined {
    const ts = this.ts;
    const members: string[] = [];
    while (ts.isPropertyAccessExpression(e)) {
      members.unshift(e.name.text);
      e = e.expression;
    }
    if (!ts.isIdentifier(e)) return undefined;
    const imp = this.importOf(e);
    return imp ? { ...imp, members } : undefined;
  }

  constructKind(n: TS.NewExpression): ConstructKind | undefined {
    const c = this.chain(n.expression);
    return c ? classifyConstruct(c.spec, c.imported, c.members) : undefined;
  }

  /** `Fn.method` (or `cdktf.Fn.method`) from the cdktf package → method name. */
  private fnMethod(callee: TS.Expression): string | undefined {
    if (!this.ts.isPropertyAccessExpression(callee)) return undefined;
    const c = this.chain(callee.expression);
    if (!c || c.spec !== 'cdktf') return undefined;
    const path = c.imported === '*' ? c.members : [c.imported, ...c.members];
    return path.length === 1 && path[0] === 'Fn' ? callee.name.text : undefined;
  }

  /** `path.join` / `join` from node:path, `readFileSync` from node:fs → normalised name. */
  private nodeCall(callee: TS.Expression): string | undefined {
    const c = this.chain(callee);
    if (!c) return undefined;
    const mod = c.spec.replace(/^node:/, '');
    const path = c.imported === '*' || c.imported === 'default' ? c.members : [c.imported, ...c.members];
    const name = path.filter((p) => p !== 'posix' && p !== 'promises').join('.');
    if (mod === 'path' && (name === 'join' || name === 'resolve')) return `path.${name}`;
    if (mod === 'fs' && name === 'readFileSync') return 'fs.readFileSync';
    return undefined;
  }

  // -- evaluation -------------------------------------------------------------------------------

  evaluate(n: TS.Node): Value {
    if (this.depth >= MAX_DEPTH) return this.unknown(n, 'expression too deeply nested to evaluate');
    this.depth++;
    try {
      return this.eval1(n);
    } finally {
      this.depth--;
    }
  }

  private eval1(n: TS.Node): Value {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      const l = this.loc(n);
      const b = new MappedTextBuilder(l.file, [l.start, l.end]);
      const src = n.getSourceFile().text;
      appendCooked(b, src.slice(l.start + 1, l.end - 1), l.start + 1, !ts.isStringLiteral(n));
      const { text, map } = b.build();
      return scalar(l, text, map);
    }
    if (ts.isTemplateExpression(n)) return this.template(n);
    if (ts.isNumericLiteral(n)) return scalar(this.loc(n), Number(n.text));
    if (n.kind === K.TrueKeyword) return scalar(this.loc(n), true);
    if (n.kind === K.FalseKeyword) return scalar(this.loc(n), false);
    if (n.kind === K.NullKeyword) return scalar(this.loc(n), null);
    if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n))
      return this.evaluate(n.expression);
    if (ts.isIdentifier(n)) return this.identifier(n);
    if (ts.isPropertyAccessExpression(n)) return this.propertyAccess(n);
    if (ts.isElementAccessExpression(n)) {
      const key = this.evaluate(n.argumentExpression);
      if (key.kind !== 'scalar' || key.value === null) return this.unknown(n, `index ${this.text(n.argumentExpression)} is not known`);
      return this.index(this.evaluate(n.expression), key.value, n);
    }
    if (ts.isObjectLiteralExpression(n)) return this.object(n);
    if (ts.isArrayLiteralExpression(n)) {
      const items: Value[] = [];
      for (const el of n.elements) {
        if (ts.isOmittedExpression(el)) continue;
        if (ts.isSpreadElement(el)) {
          const v = this.evaluate(el.expression);
          if (v.kind !== 'seq') return this.unknown(n, `spread ${this.text(el.expression)} is not a known array`);
          items.push(...v.items);
        } else items.push(this.evaluate(el));
      }
      return seq(this.loc(n), items);
    }
    if (ts.isPrefixUnaryExpression(n)) {
      const v = this.evaluate(n.operand);
      if (v.kind !== 'scalar') return this.unknown(n, v.kind === 'unknown' ? v.reason : 'operand is not a primitive');
      if (n.operator === K.MinusToken && typeof v.value === 'number') return scalar(this.loc(n), -v.value);
      if (n.operator === K.PlusToken) return scalar(this.loc(n), Number(v.value));
      if (n.operator === K.ExclamationToken) return scalar(this.loc(n), !v.value);
      return this.unknown(n, 'unsupported operator');
    }
    if (ts.isBinaryExpression(n)) return this.binary(n);
    if (ts.isConditionalExpression(n)) {
      const c = this.evaluate(n.condition);
      if (c.kind !== 'scalar') return this.unknown(n, `condition ${this.text(n.condition)} is not known`);
      return this.evaluate(c.value ? n.whenTrue : n.whenFalse);
    }
    if (ts.isCallExpression(n)) return this.call(n);
    if (ts.isNewExpression(n)) {
      const kind = this.constructKind(n);
      if (kind?.block === 'provider') {
        const cfg = n.arguments?.[2] ? this.evaluate(n.arguments[2]) : undefined;
        const alias = cfg?.kind === 'map' ? [...cfg.entries].reverse().find((e) => e.key === 'alias')?.value : undefined;
        if (alias && alias.kind !== 'scalar') return this.unknown(n, 'the provider alias is not known');
        const ref = alias && alias.value !== null ? `${kind.type}.${String(alias.value)}` : kind.type;
        return scalar(this.loc(n), ref, undefined, PROVIDER_REF);
      }
      if (kind) {
        const id = n.arguments?.[1] ? this.evaluate(n.arguments[1]) : undefined;
        if (id?.kind === 'scalar' && id.value !== null) return this.refValue(n, [...(kind.block === 'data' ? ['data'] : []), kind.type, String(id.value)]);
        return this.unknown(n, `a ${kind.type} ${kind.block}: its attributes are known only after apply`);
      }
      return this.unknown(n, `new ${this.text(n.expression)} is not evaluated`);
    }
    return this.unknown(n, `${ts.SyntaxKind[n.kind]} is not evaluated statically`);
  }

  private template(n: TS.TemplateExpression): Value {
    const l = this.loc(n);
    const src = n.getSourceFile().text;
    const cooked = (lit: TS.Node, tail: boolean): MStr => {
      const s = lit.getStart(n.getSourceFile());
      const e = lit.getEnd() - (tail ? 1 : 2);
      const b = new MappedTextBuilder(l.file, [l.start, l.end]);
      appendCooked(b, src.slice(s + 1, e), s + 1, true);
      return b.build();
    };
    const pieces: MStr[] = [cooked(n.head, false)];
    for (const span of n.templateSpans) {
      const v = this.evaluate(span.expression);
      if (v.kind !== 'scalar') {
        const why = v.kind === 'unknown' ? v.reason : `${v.kind === 'map' ? 'an object' : 'an array'} in a template`;
        return this.unknown(n, `\${${this.text(span.expression)}}: ${why}`);
      }
      pieces.push(this.mstr(v));
      pieces.push(cooked(span.literal, this.ts.isTemplateTail(span.literal)));
    }
    const m = concatMapped(pieces, l.file, [l.start, l.end]);
    return scalar(l, m.text, m.map);
  }

  private mstr(v: ScalarValue): MStr {
    if (typeof v.value === 'string') return mstrOf(v);
    return { text: String(v.value), map: { file: v.loc.file, segs: [], whole: [v.loc.start, v.loc.end] } };
  }

  private identifier(n: TS.Identifier): Value {
    if (n.text === 'undefined') return unknown(this.loc(n), UNDEFINED);
    if (n.text === '__dirname') return scalar(this.loc(n), posix.dirname(this.file(n)), undefined, REPO_PATH);
    const checker = this.host.checker;
    let sym = checker.getSymbolAtLocation(n);
    if (sym && sym.flags & this.ts.SymbolFlags.Alias) {
      try {
        sym = checker.getAliasedSymbol(sym);
      } catch {
        /* keep the alias */
      }
    }
    const decl = sym?.valueDeclaration ?? sym?.declarations?.[0];
    if (!decl) return this.unknown(n, `${n.text} is not declared in the scanned sources`);
    return this.declaration(decl, n);
  }

  private declaration(decl: TS.Declaration, use: TS.Node): Value {
    const ts = this.ts;
    if (ts.isEnumMember(decl)) return this.enumMember(decl);
    if (ts.isVariableDeclaration(decl)) {
      const list = decl.parent;
      const name = this.text(decl.name);
      if (!ts.isVariableDeclarationList(list) || !(list.flags & ts.NodeFlags.Const)) return this.unknown(use, `${name} is not a const`);
      if (!ts.isVariableStatement(list.parent)) return this.unknown(use, `${name} is a loop variable`);
      if (!ts.isIdentifier(decl.name) || !decl.initializer) return this.unknown(use, `${name} has no plain initializer`);
      const v = this.memoised(decl, decl.initializer);
      if (v.kind === 'scalar' && v.tag === PROVIDER_REF) return { ...v, loc: this.loc(use) };
      return v;
    }
    if (ts.isParameter(decl)) return this.unknown(use, `${this.text(decl.name)} is a parameter`);
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl) || ts.isImportClause(decl))
      return this.unknown(use, `${this.text(use)} comes from a module outside the scanned sources`);
    return this.unknown(use, `${this.text(use)} is not a constant`);
  }

  private memoised(key: TS.Node, expr: TS.Node): Value {
    const m = this.memo.get(key);
    if (m) return m;
    if (this.busy.has(key)) return this.unknown(expr, 'reference cycle');
    this.busy.add(key);
    try {
      const v = this.evaluate(expr);
      this.memo.set(key, v);
      return v;
    } finally {
      this.busy.delete(key);
    }
  }

  private enumMember(m: TS.EnumMember): Value {
    if (m.initializer) return this.memoised(m, m.initializer);
    const members = m.parent.members;
    const i = members.indexOf(m);
    if (i === 0) return scalar(this.loc(m), 0);
    const prev = this.enumMember(members[i - 1]);
    if (prev.kind === 'scalar' && typeof prev.value === 'number') return scalar(this.loc(m), prev.value + 1);
    return this.unknown(m, 'enum member value is not known');
  }

  private propertyAccess(n: TS.PropertyAccessExpression): Value {
    const ts = this.ts;
    const sym = this.host.checker.getSymbolAtLocation(n.name);
    const decl = sym?.valueDeclaration ?? sym?.declarations?.[0];
    if (decl && (ts.isEnumMember(decl) || ts.isVariableDeclaration(decl))) return this.declaration(decl, n);
    const target = this.evaluate(n.expression);
    const ref = this.refs.get(target);
    if (ref) return this.refValue(n, [...ref, snakeCase(n.name.text)]);
    if (n.name.text === 'length' && (target.kind === 'seq' || (target.kind === 'scalar' && typeof target.value === 'string')))
      return scalar(this.loc(n), target.kind === 'seq' ? target.items.length : String(target.value).length);
    return this.index(target, n.name.text, n);
  }

  private index(target: Value, key: string | number | boolean, n: TS.Node): Value {
    if (target.kind === 'map') {
      const e = [...target.entries].reverse().find((x) => x.key === String(key));
      return e ? e.value : unknown(this.loc(n), UNDEFINED);
    }
    if (target.kind === 'seq' && typeof key === 'number') return target.items[key] ?? unknown(this.loc(n), UNDEFINED);
    if (target.kind === 'unknown') return this.unknown(n, target.reason === UNDEFINED ? `${this.text(n)} is undefined` : target.reason);
    return this.unknown(n, `${this.text(n)} is not a known property`);
  }

  private object(n: TS.ObjectLiteralExpression): Value {
    const ts = this.ts;
    const entries: MapEntry[] = [];
    const put = (e: MapEntry) => {
      const i = entries.findIndex((x) => x.key === e.key);
      if (i >= 0) entries.splice(i, 1);
      if (!(e.value.kind === 'unknown' && e.value.reason === UNDEFINED)) entries.push(e);
    };
    for (const p of n.properties) {
      if (ts.isPropertyAssignment(p)) {
        let key: string | undefined;
        if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name) || ts.isNoSubstitutionTemplateLiteral(p.name)) key = p.name.text;
        else if (ts.isComputedPropertyName(p.name)) {
          const k = this.evaluate(p.name.expression);
          if (k.kind === 'scalar' && k.value !== null) key = String(k.value);
        }
        if (key === undefined) continue;
        const e: MapEntry = { key, keyLoc: this.loc(p.name), value: this.evaluate(p.initializer) };
        this.entryLocs.set(e, this.loc(p));
        put(e);
      } else if (ts.isShorthandPropertyAssignment(p)) {
        const sym = this.host.checker.getShorthandAssignmentValueSymbol(p);
        let target = sym;
        if (target && target.flags & ts.SymbolFlags.Alias) {
          try {
            target = this.host.checker.getAliasedSymbol(target);
          } catch {
            /* keep */
          }
        }
        const decl = target?.valueDeclaration ?? target?.declarations?.[0];
        const value = decl ? this.declaration(decl, p.name) : this.unknown(p.name, `${p.name.text} is not declared in the scanned sources`);
        const e: MapEntry = { key: p.name.text, keyLoc: this.loc(p.name), value };
        this.entryLocs.set(e, this.loc(p));
        put(e);
      } else if (ts.isSpreadAssignment(p)) {
        const v = this.evaluate(p.expression);
        if (v.kind === 'map') for (const e of v.entries) put(e);
        // an unknown spread may add keys we cannot see; the written properties are still known
      }
    }
    return mapValue(this.loc(n), entries);
  }

  private binary(n: TS.BinaryExpression): Value {
    const K = this.ts.SyntaxKind;
    const op = n.operatorToken.kind;
    const l = this.evaluate(n.left);
    if (op === K.QuestionQuestionToken) {
      if (l.kind === 'unknown' && l.reason !== UNDEFINED) return l;
      return l.kind === 'unknown' || (l.kind === 'scalar' && l.value === null) ? this.evaluate(n.right) : l;
    }
    if (op === K.BarBarToken || op === K.AmpersandAmpersandToken) {
      if (l.kind === 'unknown' && l.reason !== UNDEFINED) return l;
      const truthy = l.kind === 'unknown' ? false : l.kind === 'scalar' ? !!l.value : true;
      return (op === K.BarBarToken) === truthy ? l : this.evaluate(n.right);
    }
    const r = this.evaluate(n.right);
    if (l.kind !== 'scalar' || r.kind !== 'scalar') {
      const u = [l, r].find((v) => v.kind === 'unknown');
      return this.unknown(n, u && u.kind === 'unknown' ? u.reason : 'operand is not a primitive');
    }
    const loc = this.loc(n);
    const a = l.value;
    const b = r.value;
    switch (op) {
      case K.PlusToken:
        if (typeof a === 'string' || typeof b === 'string') {
          const m = concatMapped([this.mstr(l), this.mstr(r)], loc.file, [loc.start, loc.end]);
          return scalar(loc, m.text, m.map);
        }
        return scalar(loc, Number(a) + Number(b));
      case K.MinusToken:
        return scalar(loc, Number(a) - Number(b));
      case K.AsteriskToken:
        return scalar(loc, Number(a) * Number(b));
      case K.SlashToken:
        return scalar(loc, Number(a) / Number(b));
      case K.PercentToken:
        return scalar(loc, Number(a) % Number(b));
      case K.AsteriskAsteriskToken:
        return scalar(loc, Number(a) ** Number(b));
      case K.EqualsEqualsEqualsToken:
        return scalar(loc, a === b);
      case K.ExclamationEqualsEqualsToken:
        return scalar(loc, a !== b);
      case K.LessThanToken:
        return scalar(loc, (a as number) < (b as number));
      case K.GreaterThanToken:
        return scalar(loc, (a as number) > (b as number));
      default:
        return this.unknown(n, `operator ${this.text(n.operatorToken)} is not evaluated`);
    }
  }

  // -- calls ------------------------------------------------------------------------------------

  private call(n: TS.CallExpression): Value {
    const ts = this.ts;
    const loc = this.loc(n);
    const arg = (i: number): Value => (n.arguments[i] ? this.evaluate(n.arguments[i]) : unknown(loc, UNDEFINED));
    const fn = this.fnMethod(n.expression);
    if (fn) {
      switch (fn) {
        case 'base64encode':
        case 'base64gzip': {
          const v = arg(0);
          if (v.kind !== 'scalar' || typeof v.value !== 'string') return this.unknown(n, v.kind === 'unknown' ? v.reason : 'argument is not a string');
          return { ...this.stringValue(v, loc), tag: 'base64' };
        }
        case 'file':
        case 'filebase64': {
          const v = this.readFile(arg(0), n);
          return v.kind === 'scalar' && fn === 'filebase64' ? { ...v, tag: 'base64' } : v;
        }
        case 'lower':
        case 'upper': {
          const v = arg(0);
          if (v.kind !== 'scalar' || typeof v.value !== 'string') return this.unknown(n, 'argument is not a known string');
          const m = mstrOf(v);
          return scalar(loc, fn === 'lower' ? m.text.toLowerCase() : m.text.toUpperCase(), m.map);
        }
        case 'join':
          return this.join(arg(1), arg(0), n);
        default:
          return this.unknown(n, `Fn.${fn} is not evaluated statically`);
      }
    }
    const node = this.nodeCall(n.expression);
    if (node === 'path.join' || node === 'path.resolve') {
      const parts = n.arguments.map((a) => this.evaluate(a));
      if (!parts.every((p): p is ScalarValue => p.kind === 'scalar' && typeof p.value === 'string')) return this.unknown(n, 'a path segment is not known');
      const repo = parts[0]?.tag === REPO_PATH;
      return scalar(loc, posix.join(...parts.map((p) => String(p.value))), undefined, repo ? REPO_PATH : undefined);
    }
    if (node === 'fs.readFileSync') {
      const enc = arg(1);
      const encoding = enc.kind === 'scalar' ? enc.value : enc.kind === 'map' ? [...enc.entries].find((e) => e.key === 'encoding')?.value : undefined;
      if (encoding === undefined) return this.unknown(n, 'readFileSync without an encoding returns a Buffer');
      return this.readFile(arg(0), n);
    }
    if (ts.isPropertyAccessExpression(n.expression)) {
      const method = n.expression.name.text;
      if (method === 'join') return this.join(this.evaluate(n.expression.expression), n.arguments[0] ? arg(0) : scalar(loc, ','), n);
      if (method === 'toString') {
        const v = this.evaluate(n.expression.expression);
        if (v.kind === 'scalar') return typeof v.value === 'string' ? v : scalar(loc, String(v.value));
      }
    }
    return this.unknown(n, `the call ${this.text(n.expression)}(...) is not evaluated statically`);
  }

  private stringValue(v: ScalarValue, loc: Loc): ScalarValue {
    const m = mstrOf(v);
    return scalar(loc, m.text, m.map);
  }

  private join(list: Value, sep: Value, n: TS.Node): Value {
    if (list.kind !== 'seq') return this.unknown(n, 'the joined list is not known');
    if (sep.kind !== 'scalar') return this.unknown(n, 'the separator is not known');
    const loc = this.loc(n);
    const pieces: MStr[] = [];
    for (const [i, it] of list.items.entries()) {
      if (it.kind !== 'scalar') return this.unknown(n, `element ${i} is not known`);
      if (i > 0) pieces.push(this.mstr(sep));
      pieces.push(this.mstr(it));
    }
    const m = concatMapped(pieces, loc.file, [loc.start, loc.end]);
    return scalar(loc, m.text, m.map);
  }

  /** Directory of the nearest `cdktf.json` above a source file (the app's working directory). */
  private projectRoot(file: string): string | undefined {
    const dir = posix.dirname(file);
    if (this.roots.has(dir)) return this.roots.get(dir) ?? undefined;
    let found: string | undefined;
    for (let d = dir; ; d = posix.dirname(d)) {
      if (this.host.readRootFile(d === '.' ? 'cdktf.json' : `${d}/cdktf.json`)) {
        found = d;
        break;
      }
      if (d === '.' || d === '/' || d === '') break;
    }
    this.roots.set(dir, found ?? null);
    return found;
  }

  /**
   * Read a file named by a CDKTF expression. Paths built from `__dirname` are exact; a relative
   * path is tried against the source file's directory, then the app directory (cdktf.json).
   */
  private readFile(p: Value, n: TS.Node): Value {
    if (p.kind !== 'scalar' || typeof p.value !== 'string') return this.unknown(n, p.kind === 'unknown' ? `file path: ${p.reason}` : 'file path is not a string');
    const file = this.file(n);
    const raw = p.value;
    const candidates: string[] = [];
    if (p.tag === REPO_PATH) candidates.push(posix.normalize(raw));
    else if (!posix.isAbsolute(raw)) {
      candidates.push(posix.normalize(posix.join(posix.dirname(file), raw)));
      const root = this.projectRoot(file);
      if (root !== undefined) candidates.push(posix.normalize(posix.join(root, raw)));
    }
    for (const c of candidates) {
      if (c.startsWith('..')) continue;
      const f = this.host.readRootFile(c);
      if (f) return scalar(this.loc(n), f.text, identityMap(f.path, f.text.length));
    }
    this.host.diag({ severity: 'info', code: 'unresolved', message: `${file}: file "${raw}" not found in the scan root`, file, loc: this.loc(n) });
    return this.unknown(n, `file "${raw}" is not in the scan root`);
  }
}

