/**
 * Constructors and helpers for the evaluated `Value` tree.
 */
import type { MapEntry, MapValue, ScalarValue, SeqValue, UnknownValue, Value } from '../../engine/model.js';
import type { OffsetMap } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';
import type { MStr } from './text.js';

export function unknown(loc: Loc, reason: string, expr?: string): UnknownValue {
  const u: UnknownValue = { kind: 'unknown', loc, reason };
  if (expr !== undefined) u.expr = expr.length > 300 ? expr.slice(0, 300) + '…' : expr;
  return u;
}

export function scalar(loc: Loc, value: string | number | boolean | null, map?: OffsetMap, tag?: string): ScalarValue {
  const s: ScalarValue = { kind: 'scalar', loc, value };
  if (map) s.map = map;
  if (tag) s.tag = tag;
  return s;
}

export function seq(loc: Loc, items: Value[]): SeqValue {
  return { kind: 'seq', loc, items };
}

export function mapValue(loc: Loc, entries: MapEntry[]): MapValue {
  return { kind: 'map', loc, entries };
}

export function opaque(file: string, loc: Loc): OffsetMap {
  return { file, segs: [], whole: [loc.start, loc.end] };
}

/** The mapped text of a string scalar (falls back to an opaque map at its loc). */
export function mstrOf(v: ScalarValue): MStr {
  const text = v.value === null ? '' : String(v.value);
  if (v.map) return { text, map: v.map };
  if (typeof v.value !== 'string' && v.loc.end - v.loc.start === text.length)
    return { text, map: { file: v.loc.file, segs: text.length ? [0, v.loc.start, text.length] : [], whole: [v.loc.start, v.loc.end] } };
  return { text, map: opaque(v.loc.file, v.loc) };
}

export function isString(v: Value | undefined): v is ScalarValue & { value: string } {
  return v?.kind === 'scalar' && typeof v.value === 'string';
}

/** Number of nodes in a value tree (cached; values are immutable once built). */
const sizes = new WeakMap<object, number>();
export function valueSize(v: Value): number {
  if (v.kind === 'scalar' || v.kind === 'unknown') return 1;
  const c = sizes.get(v);
  if (c !== undefined) return c;
  let n = 1;
  if (v.kind === 'seq') for (const i of v.items) n += valueSize(i);
  else for (const e of v.entries) n += valueSize(e.value);
  sizes.set(v, n);
  return n;
}

/** True when the value (deeply) contains no unknowns. */
const knownCache = new WeakMap<object, boolean>();
export function isKnown(v: Value): boolean {
  if (v.kind === 'unknown') return false;
  if (v.kind === 'scalar') return v.tag !== 'partial';
  const c = knownCache.get(v);
  if (c !== undefined) return c;
  const r = v.kind === 'seq' ? v.items.every(isKnown) : v.entries.every((e) => isKnown(e.value));
  knownCache.set(v, r);
  return r;
}

/** A JS value for comparisons and encoders; unknown leaves become `onUnknown(v)`. */
export function toPlain(v: Value, onUnknown: (u: UnknownValue) => unknown, depth = 0): unknown {
  if (depth > 512) return null;
  switch (v.kind) {
    case 'scalar':
      if (v.tag === 'base64' && typeof v.value === 'string') return Buffer.from(v.value, 'utf8').toString('base64');
      return v.value;
    case 'unknown':
      return onUnknown(v);
    case 'seq':
      return v.items.map((i) => toPlain(i, onUnknown, depth + 1));
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const e of v.entries) o[e.key] = toPlain(e.value, onUnknown, depth + 1);
      return o;
    }
  }
}

export function deepEqual(a: Value, b: Value): boolean | undefined {
  if (a.kind === 'unknown' || b.kind === 'unknown') return undefined;
  let unknownSeen = false;
  const pa = JSON.stringify(toPlain(a, () => ((unknownSeen = true), null)));
  const pb = JSON.stringify(toPlain(b, () => ((unknownSeen = true), null)));
  if (unknownSeen) return undefined;
  return pa === pb;
}

/** HCL's string conversion of a primitive; undefined for null and collections. */
export function primitiveString(v: Value): string | undefined {
  if (v.kind !== 'scalar' || v.value === null) return undefined;
  if (typeof v.value === 'string') return v.value;
  return String(v.value);
}
