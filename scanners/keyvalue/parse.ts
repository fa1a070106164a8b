/**
 * Line parsers for `key = value` files: sysctl.d(5), env-style update.conf, and the TOML subset
 * update agents are configured with. One logical line is one entry; every location is exact.
 *
 * The TOML reader is deliberately a subset (no TOML library is a dependency): `[table]`,
 * `[[array.table]]`, bare/quoted/dotted keys, basic and literal one-line strings, integers, floats,
 * booleans and one-line arrays of those. Anything else (multi-line strings or arrays, inline tables,
 * dates) is kept as `kind: 'raw'` with an info diagnostic, never guessed.
 */
import type { Diagnostic, KeyValueEntry, KeyValueModel } from '../../engine/model.js';
import { mapSpan, type OffsetMap } from '../../engine/offset-map.js';

export type Dialect = KeyValueModel['dialect'];
type Sink = (d: Omit<Diagnostic, 'file'>) => void;

interface Line {
  text: string;
  start: number;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i <= text.length) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl;
    const body = text.slice(i, end).replace(/\r$/, '');
    out.push({ text: body, start: i });
    if (nl < 0) break;
    i = nl + 1;
  }
  return out;
}

function isTemplate(t: string): boolean {
  return /^\s*(?:\{[%#{]|<%)/.test(t);
}

/** Unquote a TOML basic string body (escapes \" \\ \n \t \r \uXXXX). */
function unescapeBasic(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, e: string) => {
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' } as Record<string, string>)[e] ?? e;
  });
}

/** A TOML scalar at `s[i]`: returns its value, kind and end index, or undefined. */
function tomlScalar(s: string, i: number): { value: string; kind: 'string' | 'number' | 'boolean'; start: number; end: number; inner: [number, number] } | undefined {
  if (s.startsWith('"""', i) || s.startsWith("'''", i)) return undefined;
  if (s[i] === '"') {
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '\\') j++;
      else if (s[j] === '"') return { value: unescapeBasic(s.slice(i + 1, j)), kind: 'string', start: i, end: j + 1, inner: [i + 1, j] };
    }
    return undefined;
  }
  if (s[i] === "'") {
    const j = s.indexOf("'", i + 1);
    return j < 0 ? undefined : { value: s.slice(i + 1, j), kind: 'string', start: i, end: j + 1, inner: [i + 1, j] };
  }
  const m = /^(?:true|false|[+-]?(?:\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|inf|nan))(?=\s|,|\]|#|$)/.exec(s.slice(i));
  if (!m) return undefined;
  return { value: m[0], kind: m[0] === 'true' || m[0] === 'false' ? 'boolean' : 'number', start: i, end: i + m[0].length, inner: [i, i + m[0].length] };
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** A TOML key (bare, quoted, dotted) at `s[i]`. */
function tomlKey(s: string, i: number): { key: string; end: number } | undefined {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    j = skipWs(s, j);
    if (s[j] === '"' || s[j] === "'") {
      const q = tomlScalar(s, j);
      if (!q || q.kind !== 'string') return undefined;
      parts.push(q.value);
      j = q.end;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(j));
      if (!m) return undefined;
      parts.push(m[0]);
      j += m[0].length;
    }
    const k = skipWs(s, j);
    if (s[k] === '.') {
      j = k + 1;
      continue;
    }
    return { key: parts.join('.'), end: j };
  }
}

export function parseKeyValueText(text: string, map: OffsetMap, dialect: Dialect, diag: Sink): KeyValueModel {
  const model: KeyValueModel = { dialect, entries: [], comments: [] };
  if (dialect === 'toml') model.tables = [];
  const span = (s: number, e: number) => mapSpan(map, s, e);
  let table = '';
  let tableIndex: number | undefined;
  const arrayCounts = new Map<string, number>();
  let skipUntil: RegExp | undefined;
  let templateReported = false;
  for (const { text: L, start } of lines(text)) {
    if (skipUntil) {
      if (skipUntil.test(L)) skipUntil = undefined;
      continue;
    }
    const i0 = skipWs(L, 0);
    const trimmed = L.trim();
    if (trimmed === '') continue;
    const i1 = i0 + trimmed.length;
    if (trimmed.startsWith('#') || (dialect === 'sysctl' && trimmed.startsWith(';'))) {
      model.comments!.push({ text: trimmed, loc: span(start + i0, start + i1) });
      continue;
    }
    if (isTemplate(trimmed)) {
      if (!templateReported) {
        templateReported = true;
        diag({ severity: 'info', code: 'template-unrendered', message: 'template directive line; template lines are skipped, values are read as written', loc: span(start + i0, start + i1) });
      }
      continue;
    }
    if (dialect === 'toml') {
      const th = /^(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(?:#.*)?$/.exec(trimmed);
      if (th && th[1].length === th[3].length) {
        const name = th[2].split('.').map((p) => p.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2')).join('.');
        const array = th[1] === '[[';
        table = name;
        if (array) {
          const n = arrayCounts.get(name) ?? 0;
          arrayCounts.set(name, n + 1);
          tableIndex = n;
        } else tableIndex = undefined;
        model.tables!.push({ name, array, loc: span(start + i0, start + i1) });
        continue;
      }
      const k = tomlKey(L, i0);
      const eq = k ? skipWs(L, k.end) : -1;
      if (!k || L[eq] !== '=') {
        diag({ severity: 'warning', code: 'parse-error', message: 'not a TOML `key = value` line or `[table]` header', loc: span(start + i0, start + i1) });
        continue;
      }
      const v0 = skipWs(L, eq + 1);
      const keyLoc = span(start + i0, start + k.end);
      const entry: KeyValueEntry = { table, key: k.key, value: '', loc: span(start + i0, start + i1), keyLoc, valueLoc: keyLoc };
      if (tableIndex !== undefined) entry.tableIndex = tableIndex;
      const sc = tomlScalar(L, v0);
      const restOk = (e: number) => /^\s*(?:#.*)?$/.test(L.slice(e));
      if (sc && restOk(sc.end)) {
        entry.value = sc.value;
        entry.kind = sc.kind;
        entry.valueLoc = span(start + sc.inner[0], start + sc.inner[1]);
        entry.loc = span(start + i0, start + sc.end);
      } else if (L[v0] === '[') {
        const items: string[] = [];
        let j = skipWs(L, v0 + 1);
        let ok = true;
        while (L[j] !== ']') {
          const it = tomlScalar(L, j);
          if (!it) {
            ok = false;
            break;
          }
          items.push(it.value);
          j = skipWs(L, it.end);
          if (L[j] === ',') j = skipWs(L, j + 1);
          else if (L[j] !== ']') {
            ok = false;
            break;
          }
        }
        if (ok && restOk(j + 1)) {
          entry.value = items.join(',');
          entry.list = items;
          entry.kind = 'array';
          entry.valueLoc = span(start + v0, start + j + 1);
          entry.loc = span(start + i0, start + j + 1);
        } else {
          entry.kind = 'raw';
          entry.value = L.slice(v0).trim();
          entry.valueLoc = span(start + v0, start + i1);
          if (!L.includes(']', v0)) skipUntil = /\]/;
          diag({ severity: 'info', code: 'parse-error', message: 'multi-line or nested TOML array: not read (only one-line arrays of scalars are)', loc: entry.valueLoc });
        }
      } else {
        entry.kind = 'raw';
        entry.value = L.slice(v0).trim();
        entry.valueLoc = span(start + v0, start + i1);
        if (L.startsWith('"""', v0) || L.startsWith("'''", v0)) {
          const q = L.slice(v0, v0 + 3);
          if (L.indexOf(q, v0 + 3) < 0) skipUntil = new RegExp(q === '"""' ? '"""' : "'''");
        }
        diag({ severity: 'info', code: 'parse-error', message: 'TOML value outside the subset faultline reads (multi-line string, inline table, date...): kept as raw text', loc: entry.valueLoc });
      }
      model.entries.push(entry);
      continue;
    }
    // sysctl and env: key = value
    let k0 = i0;
    let ignoreErrors = false;
    if (dialect === 'sysctl' && L[k0] === '-') {
      ignoreErrors = true;
      k0++;
    }
    if (dialect === 'env' && /^export\s/.test(L.slice(k0))) k0 = skipWs(L, k0 + 6);
    const eq = L.indexOf('=', k0);
    if (eq < 0 || L.slice(k0, eq).trim() === '') {
      diag({ severity: 'warning', code: 'parse-error', message: dialect === 'sysctl' ? 'not a sysctl `key = value` line' : 'not a `KEY=value` line', loc: span(start + i0, start + i1) });
      continue;
    }
    const key = L.slice(k0, eq).trim();
    const k1 = k0 + L.slice(k0, eq).trimEnd().length;
    let v0 = skipWs(L, eq + 1);
    let v1 = i1;
    if (dialect === 'env') {
      // shell-style quotes around the whole value; a trailing comment after whitespace
      const q = L[v0];
      if ((q === '"' || q === "'") && L.indexOf(q, v0 + 1) > v0) {
        const close = L.indexOf(q, v0 + 1);
        v0 += 1;
        v1 = close;
      } else {
        const c = /\s#/.exec(L.slice(v0, i1));
        if (c) v1 = v0 + c.index;
      }
    }
    const e: KeyValueEntry & { ignoreErrors?: boolean } = {
      table: '',
      key,
      value: L.slice(v0, v1).trim(),
      loc: span(start + i0, start + i1),
      keyLoc: span(start + k0, start + k1),
      valueLoc: span(start + v0, start + v0 + L.slice(v0, v1).trimEnd().length),
    };
    if (ignoreErrors) e.ignoreErrors = true;
    model.entries.push(e);
  }
  return model;
}
