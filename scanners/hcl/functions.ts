/**
 * The Terraform / Packer functions the evaluator knows. String functions keep the map of their
 * input where the output is made of input characters (join, trimspace, replace, substr, indent,
 * format...), so documents embedded in their results still point at the right columns.
 * Functions not listed here evaluate to an unknown value ("function X() is not evaluated").
 */
import { stringify as yamlStringify, parse as yamlParse } from 'yaml';
import { gunzipSync } from 'node:zlib';
import { posix } from 'node:path';
import type { Expr, MapEntry, ScalarValue, Value } from '../../engine/model.js';
import type { Loc } from '../../engine/source.js';
import { exprText, pickFile, toBool, toNumber, type Env, type Evaluator } from './eval.js';
import { concatMapped, sliceMapped, type MStr } from './text.js';
import { deepEqual, isKnown, mapValue, mstrOf, opaque, primitiveString, scalar, seq, toPlain, unknown } from './values.js';

type CallExpr = Extract<Expr, { t: 'call' }>;

interface Call {
  ev: Evaluator;
  e: CallExpr;
  env: Env;
  args: Value[];
  loc: Loc;
}

class Unknown {
  constructor(readonly reason: string) {}
}

type Impl = (c: Call) => Value;

export function callFunction(ev: Evaluator, e: CallExpr, env: Env): Value {
  const fn = e.fn.startsWith('core::') ? e.fn.slice(6) : e.fn;
  const loc = e.loc;
  if (fn === 'try') {
    let last = '';
    for (const a of e.args) {
      const v = ev.evaluate(a, env);
      if (v.kind !== 'unknown') return v;
      last = v.reason;
    }
    return unknown(loc, `no argument of try() is known${last ? ` (${last})` : ''}`, exprText(e));
  }
  if (fn === 'can') {
    const v = e.args[0] ? ev.evaluate(e.args[0], env) : undefined;
    return v && v.kind !== 'unknown' ? scalar(loc, true) : unknown(loc, 'argument of can() is not known', exprText(e));
  }
  const impl = FUNCS[fn];
  if (!impl) {
    const why =
      fn === 'env'
        ? 'reads an environment variable at build time'
        : ['timestamp', 'plantimestamp', 'uuid', 'uuidv5', 'bcrypt', 'timeadd'].includes(fn)
          ? 'is only known when Terraform/Packer runs'
          : 'is not evaluated';
    return unknown(loc, `function ${fn}() ${why}`, exprText(e));
  }
  let args = e.args.map((a) => ev.evaluate(a, env));
  if (e.expandFinal && args.length > 0) {
    const last = args[args.length - 1];
    if (last.kind !== 'seq') return unknown(loc, 'the expanded argument is not a known list', exprText(e));
    args = [...args.slice(0, -1), ...last.items];
  }
  try {
    return impl({ ev, e, env, args, loc });
  } catch (err) {
    if (err instanceof Unknown) return unknown(loc, `${fn}(): ${err.reason}`, exprText(e));
    throw err;
  }
}

// -- argument helpers -------------------------------------------------------------------------

function arg(c: Call, i: number): Value {
  const v = c.args[i];
  if (!v) throw new Unknown(`missing argument ${i + 1}`);
  if (v.kind === 'unknown') throw new Unknown(v.reason);
  return v;
}

function strArg(c: Call, i: number, allowPartial = false): ScalarValue & { value: string | number | boolean } {
  const v = arg(c, i);
  if (v.kind !== 'scalar' || v.value === null) throw new Unknown(`argument ${i + 1} is not a string`);
  if (!allowPartial && v.tag === 'partial') throw new Unknown(`argument ${i + 1} is not fully known`);
  return v as ScalarValue & { value: string | number | boolean };
}

function str(c: Call, i: number): string {
  return String(strArg(c, i).value);
}

function num(c: Call, i: number): number {
  const n = toNumber(strArg(c, i));
  if (n === undefined) throw new Unknown(`argument ${i + 1} is not a number`);
  return n;
}

function listArg(c: Call, i: number): Value[] {
  const v = arg(c, i);
  if (v.kind !== 'seq') throw new Unknown(`argument ${i + 1} is not a list`);
  return v.items;
}

function mapArg(c: Call, i: number): MapEntry[] {
  const v = arg(c, i);
  if (v.kind !== 'map') throw new Unknown(`argument ${i + 1} is not a map`);
  return v.entries;
}

/** Mapped text of a string argument (partial allowed: the verbatim `${...}` stays in the text). */
function mstrArg(c: Call, i: number): { m: MStr; v: ScalarValue } {
  const v = strArg(c, i, true);
  return { m: mstrOf(v), v };
}

function result(c: Call, m: MStr, from: ScalarValue[], tag?: string): Value {
  if (m.text.length > c.ev.maxString) return unknown(c.loc, `string longer than ${c.ev.maxString} characters`);
  const partial = from.some((f) => f.tag === 'partial');
  return scalar(c.loc, m.text, m.map, partial ? 'partial' : tag);
}

function concat(c: Call, pieces: MStr[]): MStr {
  return concatMapped(pieces, pickFile(pieces, c.loc.file), [c.loc.start, c.loc.end]);
}

function synthetic(c: Call, text: string): MStr {
  return { text, map: opaque(c.loc.file, c.loc) };
}

const encodeUnknown = (state: { partial: boolean }) => (u: Value) => {
  state.partial = true;
  return u.kind === 'unknown' ? '${' + (u.expr ?? 'unknown') + '}' : null;
};

function fromPlain(x: unknown, loc: Loc, depth = 0): Value {
  if (depth > 256) return unknown(loc, 'decoded value nests too deeply');
  if (x === null || x === undefined) return scalar(loc, null);
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return scalar(loc, x, typeof x === 'string' ? opaque(loc.file, loc) : undefined);
  if (Array.isArray(x)) return seq(loc, x.map((i) => fromPlain(i, loc, depth + 1)));
  if (typeof x === 'object') return mapValue(loc, Object.entries(x as Record<string, unknown>).map(([k, v]) => ({ key: k, keyLoc: loc, value: fromPlain(v, loc, depth + 1) })));
  return unknown(loc, 'unsupported decoded value');
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x as object).sort()) o[k] = sortKeys((x as Record<string, unknown>)[k]);
    return o;
  }
  return x;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode base64 text to UTF-8 text (gunzipping gzip payloads); undefined when it is not that. */
export function decodeBase64Text(s: string, maxBytes: number): string | undefined {
  const t = s.replace(/\s+/g, '');
  if (t.length === 0 || t.length % 4 !== 0 || !B64.test(t)) return undefined;
  let buf: Buffer = Buffer.from(t, 'base64');
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch {
      return undefined;
    }
  }
  try {
    const text = utf8.decode(buf);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0e-\x1f]/.test(text)) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

function trimMapped(m: MStr, left: boolean, right: boolean, re = /\s/u): MStr {
  let a = 0;
  let b = m.text.length;
  if (left) while (a < b && re.test(m.text[a])) a++;
  if (right) while (b > a && re.test(m.text[b - 1])) b--;
  return sliceMapped(m, a, b);
}

// -- the table --------------------------------------------------------------------------------

const identity: Impl = (c) => arg(c, 0);

const FUNCS: Record<string, Impl> = {
  file: (c) => c.ev.readFileValue(str(c, 0), c.loc, c.loc, c.env, 'file'),
  filebase64: (c) => {
    const v = c.ev.readFileValue(str(c, 0), c.loc, c.loc, c.env, 'file');
    return v.kind === 'scalar' ? { ...v, tag: 'base64' } : v;
  },
  templatefile: (c) => c.ev.templateFile(str(c, 0), c.args[1], c.loc, c.env),
  base64encode: (c) => {
    const { m } = mstrArg(c, 0);
    return scalar(c.loc, m.text, m.map, 'base64');
  },
  base64gzip: (c) => FUNCS.base64encode(c),
  textencodebase64: (c) => FUNCS.base64encode(c),
  base64decode: (c) => {
    const v = strArg(c, 0);
    if (v.tag === 'base64') return scalar(c.loc, String(v.value), mstrOf(v).map);
    const text = decodeBase64Text(String(v.value), c.ev.maxString);
    if (text === undefined) throw new Unknown('argument is not base64-encoded UTF-8 text');
    return scalar(c.loc, text, opaque(mstrOf(v).map.file, v.loc));
  },
  textdecodebase64: (c) => FUNCS.base64decode(c),
  jsonencode: (c) => {
    const state = { partial: !isKnown(arg(c, 0)) };
    const plain = toPlain(arg(c, 0), encodeUnknown(state));
    const text = JSON.stringify(sortKeys(plain))
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029');
    return scalar(c.loc, text, opaque(c.loc.file, c.loc), state.partial ? 'partial' : undefined);
  },
  yamlencode: (c) => {
    const state = { partial: !isKnown(arg(c, 0)) };
    const plain = toPlain(arg(c, 0), encodeUnknown(state));
    const text = yamlStringify(sortKeys(plain), { lineWidth: 0 });
    return scalar(c.loc, text, opaque(c.loc.file, c.loc), state.partial ? 'partial' : undefined);
  },
  jsondecode: (c) => {
    try {
      return fromPlain(JSON.parse(str(c, 0)), c.loc);
    } catch (err) {
      if (err instanceof Unknown) throw err;
      throw new Unknown('argument is not valid JSON');
    }
  },
  yamldecode: (c) => {
    try {
      return fromPlain(yamlParse(str(c, 0), { maxAliasCount: 100 }), c.loc);
    } catch (err) {
      if (err instanceof Unknown) throw err;
      throw new Unknown('argument is not valid YAML');
    }
  },
  join: (c) => {
    const sep = mstrArg(c, 0);
    const pieces: MStr[] = [];
    const from: ScalarValue[] = [sep.v];
    let first = true;
    for (let i = 1; i < c.args.length; i++) {
      for (const it of listArg(c, i)) {
        if (it.kind !== 'scalar' || it.value === null) throw new Unknown('list element is not a known string');
        if (!first) pieces.push(sep.m);
        pieces.push(mstrOf(it));
        from.push(it);
        first = false;
      }
    }
    return result(c, concat(c, pieces), from);
  },
  concat: (c) => seq(c.loc, c.args.flatMap((_, i) => listArg(c, i))),
  merge: (c) => {
    const out: MapEntry[] = [];
    for (let i = 0; i < c.args.length; i++) {
      const a = c.args[i];
      if (a.kind === 'scalar' && a.value === null) continue;
      for (const en of mapArg(c, i)) {
        const j = out.findIndex((o) => o.key === en.key);
        if (j >= 0) out.splice(j, 1);
        out.push(en);
      }
    }
    return mapValue(c.loc, out);
  },
  lookup: (c) => {
    const entries = mapArg(c, 0);
    const key = str(c, 1);
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i].key === key) return entries[i].value;
    if (c.args.length > 2) return arg(c, 2);
    throw new Unknown(`no key ${JSON.stringify(key)}`);
  },
  coalesce: (c) => {
    for (const a of c.args) {
      if (a.kind === 'unknown') throw new Unknown(a.reason);
      if (a.kind === 'scalar' && (a.value === null || a.value === '')) continue;
      return a;
    }
    throw new Unknown('all arguments are null or empty');
  },
  coalescelist: (c) => {
    for (let i = 0; i < c.args.length; i++) if (listArg(c, i).length > 0) return c.args[i];
    throw new Unknown('all lists are empty');
  },
  format: (c) => {
    const f = mstrArg(c, 0);
    const pieces: MStr[] = [];
    const from: ScalarValue[] = [f.v];
    let ai = 1;
    const re = /%(%|([-+# 0]*)(\d*)(?:\.\d+)?([sdvqftbxXoeEgG]))/g;
    let at = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(f.m.text))) {
      pieces.push(sliceMapped(f.m, at, m.index));
      at = m.index + m[0].length;
      if (m[1] === '%') {
        pieces.push(sliceMapped(f.m, m.index + 1, m.index + 2));
        continue;
      }
      const verb = m[4];
      const flags = m[2] ?? '';
      const width = Number(m[3] || 0);
      const pad = (t: string) => (flags.includes('-') ? t.padEnd(width) : flags.includes('0') && verb !== 's' && verb !== 'q' ? (t.startsWith('-') ? '-' + t.slice(1).padStart(width - 1, '0') : t.padStart(width, '0')) : t.padStart(width));
      const a = arg(c, ai++);
      if (a.kind !== 'scalar') {
        if (verb === 'v' || verb === 'q' || verb === 's') {
          pieces.push(synthetic(c, JSON.stringify(toPlain(a, () => null))));
          continue;
        }
        throw new Unknown('format argument is not a primitive');
      }
      from.push(a);
      const plain = m[0] === '%s' || m[0] === '%v';
      if (plain && a.value !== null) pieces.push(mstrOf(a));
      else if (verb === 'q') pieces.push(synthetic(c, JSON.stringify(String(a.value))));
      else if (verb === 'd') {
        const n = toNumber(a);
        if (n === undefined) throw new Unknown('%d argument is not a number');
        pieces.push(synthetic(c, pad(String(Math.trunc(n)))));
      } else pieces.push(synthetic(c, pad(String(a.value))));
    }
    pieces.push(sliceMapped(f.m, at, f.m.text.length));
    return result(c, concat(c, pieces), from);
  },
  lower: (c) => {
    const { m, v } = mstrArg(c, 0);
    const t = m.text.toLowerCase();
    return result(c, t.length === m.text.length ? { text: t, map: m.map } : synthetic(c, t), [v]);
  },
  upper: (c) => {
    const { m, v } = mstrArg(c, 0);
    const t = m.text.toUpperCase();
    return result(c, t.length === m.text.length ? { text: t, map: m.map } : synthetic(c, t), [v]);
  },
  trimspace: (c) => {
    const { m, v } = mstrArg(c, 0);
    return result(c, trimMapped(m, true, true), [v]);
  },
  chomp: (c) => {
    const { m, v } = mstrArg(c, 0);
    return result(c, trimMapped(m, false, true, /[\r\n]/), [v]);
  },
  trim: (c) => {
    const { m, v } = mstrArg(c, 0);
    const chars = str(c, 1);
    let a = 0;
    let b = m.text.length;
    while (a < b && chars.includes(m.text[a])) a++;
    while (b > a && chars.includes(m.text[b - 1])) b--;
    return result(c, sliceMapped(m, a, b), [v]);
  },
  trimprefix: (c) => {
    const { m, v } = mstrArg(c, 0);
    const p = str(c, 1);
    return result(c, m.text.startsWith(p) ? sliceMapped(m, p.length, m.text.length) : m, [v]);
  },
  trimsuffix: (c) => {
    const { m, v } = mstrArg(c, 0);
    const p = str(c, 1);
    return result(c, p && m.text.endsWith(p) ? sliceMapped(m, 0, m.text.length - p.length) : m, [v]);
  },
  replace: (c) => {
    const { m, v } = mstrArg(c, 0);
    const sub = str(c, 1);
    const rep = str(c, 2);
    const pieces: MStr[] = [];
    let at = 0;
    if (sub.length > 1 && sub.startsWith('/') && sub.endsWith('/')) {
      let re: RegExp;
      try {
        re = new RegExp(sub.slice(1, -1), 'gu');
      } catch {
        throw new Unknown('the regular expression is not supported');
      }
      let mm: RegExpExecArray | null;
      let guard = 0;
      while ((mm = re.exec(m.text)) && guard++ < 1_000_000) {
        pieces.push(sliceMapped(m, at, mm.index));
        const groups = mm;
        pieces.push(synthetic(c, rep.replace(/\$(\d+|\{(\d+)\})/g, (_, a: string, b?: string) => groups[Number(b ?? a)] ?? '')));
        at = mm.index + mm[0].length;
        if (mm[0].length === 0) re.lastIndex++;
      }
    } else if (sub.length > 0) {
      for (let i = m.text.indexOf(sub); i >= 0; i = m.text.indexOf(sub, at)) {
        pieces.push(sliceMapped(m, at, i));
        pieces.push(synthetic(c, rep));
        at = i + sub.length;
      }
    }
    pieces.push(sliceMapped(m, at, m.text.length));
    return result(c, concat(c, pieces), [v]);
  },
  split: (c) => {
    const sep = str(c, 0);
    const { m, v } = mstrArg(c, 1);
    if (v.tag === 'partial') throw new Unknown('the string is not fully known');
    const out: Value[] = [];
    if (sep === '') {
      for (let i = 0; i < m.text.length; i++) {
        const s = sliceMapped(m, i, i + 1);
        out.push(scalar(c.loc, s.text, s.map));
      }
    } else {
      let at = 0;
      for (;;) {
        const i = m.text.indexOf(sep, at);
        const s = sliceMapped(m, at, i < 0 ? m.text.length : i);
        out.push(scalar(c.loc, s.text, s.map));
        if (i < 0) break;
        at = i + sep.length;
      }
    }
    return seq(c.loc, out);
  },
  element: (c) => {
    const items = listArg(c, 0);
    const i = num(c, 1);
    if (items.length === 0) throw new Unknown('the list is empty');
    return items[((Math.trunc(i) % items.length) + items.length) % items.length];
  },
  length: (c) => {
    const v = arg(c, 0);
    if (v.kind === 'seq') return scalar(c.loc, v.items.length);
    if (v.kind === 'map') return scalar(c.loc, v.entries.length);
    if (v.kind === 'scalar' && typeof v.value === 'string' && v.tag !== 'partial') return scalar(c.loc, [...v.value].length);
    throw new Unknown('argument has no known length');
  },
  tostring: (c) => {
    const v = arg(c, 0);
    if (v.kind === 'scalar' && v.value === null) return v;
    const s = primitiveString(v);
    if (s === undefined) throw new Unknown('argument is not a primitive');
    return v.kind === 'scalar' && typeof v.value === 'string' ? v : scalar(c.loc, s, mstrOf(v as ScalarValue).map);
  },
  tonumber: (c) => {
    const v = arg(c, 0);
    if (v.kind === 'scalar' && v.value === null) return v;
    return scalar(c.loc, num(c, 0));
  },
  tobool: (c) => {
    const v = strArg(c, 0);
    const b = toBool(v);
    if (b === undefined) throw new Unknown('argument is not a bool');
    return scalar(c.loc, b);
  },
  tolist: identity,
  toset: (c) => {
    const items = listArg(c, 0);
    const out: Value[] = [];
    for (const it of items) if (!out.some((o) => deepEqual(o, it) === true)) out.push(it);
    return seq(c.loc, out);
  },
  tomap: identity,
  sensitive: identity,
  nonsensitive: identity,
  keys: (c) => seq(c.loc, [...mapArg(c, 0)].sort((a, b) => (a.key < b.key ? -1 : 1)).map((en) => scalar(en.keyLoc, en.key))),
  values: (c) => seq(c.loc, [...mapArg(c, 0)].sort((a, b) => (a.key < b.key ? -1 : 1)).map((en) => en.value)),
  contains: (c) => {
    const items = listArg(c, 0);
    const needle = arg(c, 1);
    if (!isKnown(needle) || !items.every(isKnown)) throw new Unknown('list or value not fully known');
    return scalar(c.loc, items.some((i) => deepEqual(i, needle) === true));
  },
  compact: (c) => seq(c.loc, listArg(c, 0).filter((i) => !(i.kind === 'scalar' && (i.value === null || i.value === '')))),
  flatten: (c) => {
    const out: Value[] = [];
    const walk = (items: Value[], d: number) => {
      for (const i of items) {
        if (i.kind === 'seq' && d < 64) walk(i.items, d + 1);
        else out.push(i);
      }
    };
    walk(listArg(c, 0), 0);
    return seq(c.loc, out);
  },
  distinct: (c) => FUNCS.toset(c),
  reverse: (c) => seq(c.loc, [...listArg(c, 0)].reverse()),
  slice: (c) => seq(c.loc, listArg(c, 0).slice(num(c, 1), num(c, 2))),
  zipmap: (c) => {
    const ks = listArg(c, 0);
    const vs = listArg(c, 1);
    return mapValue(
      c.loc,
      ks.map((k, i) => {
        const s = k.kind === 'scalar' ? primitiveString(k) : undefined;
        if (s === undefined || !vs[i]) throw new Unknown('keys are not known strings');
        return { key: s, keyLoc: k.loc, value: vs[i] };
      }),
    );
  },
  indent: (c) => {
    const n = num(c, 0);
    const { m, v } = mstrArg(c, 1);
    const pad = ' '.repeat(Math.max(0, Math.min(1000, n)));
    const pieces: MStr[] = [];
    let at = 0;
    for (;;) {
      const i = m.text.indexOf('\n', at);
      if (i < 0) break;
      pieces.push(sliceMapped(m, at, i + 1));
      pieces.push(synthetic(c, pad));
      at = i + 1;
    }
    pieces.push(sliceMapped(m, at, m.text.length));
    return result(c, concat(c, pieces), [v]);
  },
  substr: (c) => {
    const { m, v } = mstrArg(c, 0);
    const off = num(c, 1);
    const len = num(c, 2);
    const cps = [...m.text];
    const start = off < 0 ? Math.max(0, cps.length + off) : Math.min(off, cps.length);
    const end = len < 0 ? cps.length : Math.min(cps.length, start + len);
    const a = cps.slice(0, start).join('').length;
    const b = cps.slice(0, end).join('').length;
    return result(c, sliceMapped(m, a, b), [v]);
  },
  startswith: (c) => scalar(c.loc, str(c, 0).startsWith(str(c, 1))),
  endswith: (c) => scalar(c.loc, str(c, 0).endsWith(str(c, 1))),
  strcontains: (c) => scalar(c.loc, str(c, 0).includes(str(c, 1))),
  abs: (c) => scalar(c.loc, Math.abs(num(c, 0))),
  ceil: (c) => scalar(c.loc, Math.ceil(num(c, 0))),
  floor: (c) => scalar(c.loc, Math.floor(num(c, 0))),
  max: (c) => scalar(c.loc, Math.max(...c.args.map((_, i) => num(c, i)))),
  min: (c) => scalar(c.loc, Math.min(...c.args.map((_, i) => num(c, i)))),
  dirname: (c) => scalar(c.loc, posix.dirname(str(c, 0)), opaque(c.loc.file, c.loc)),
  basename: (c) => scalar(c.loc, posix.basename(str(c, 0)), opaque(c.loc.file, c.loc)),
};

export const KNOWN_FUNCTIONS: readonly string[] = Object.keys(FUNCS);
