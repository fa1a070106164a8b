/**
 * Pure helpers over `AptModel` for rules: apt option names are case-insensitive, a later `Set`
 * overwrites, list items accumulate, and `#clear A::B` drops `A::B` and everything under it.
 * Pass several models in the order apt reads them (apt.conf.d fragments sort by name, then
 * apt.conf) to fold a whole configuration.
 */
import type { AptItem, AptModel } from '../../engine/model.js';

export type AptSet = Extract<AptItem, { t: 'set' }>;

function covers(cleared: string, key: string): boolean {
  const c = cleared.toLowerCase();
  const k = key.toLowerCase();
  return k === c || k.startsWith(`${c}::`);
}

function itemsOf(models: AptModel | readonly AptModel[]): AptItem[] {
  const list = Array.isArray(models) ? (models as readonly AptModel[]) : [models as AptModel];
  return list.flatMap((m) => m.items);
}

/** The effective scalar assignment of `key` (last `set` that is not a list item, after any `#clear`). */
export function aptFind(models: AptModel | readonly AptModel[], key: string): AptSet | undefined {
  let found: AptSet | undefined;
  const k = key.toLowerCase();
  for (const it of itemsOf(models)) {
    if (it.t === 'clear' && covers(it.key, key)) found = undefined;
    else if (it.t === 'set' && !it.listItem && it.key.toLowerCase() === k) found = it;
  }
  return found;
}

/** The effective list items of `key` (in order, after the last `#clear` covering it). */
export function aptFindList(models: AptModel | readonly AptModel[], key: string): AptSet[] {
  let out: AptSet[] = [];
  const k = key.toLowerCase();
  for (const it of itemsOf(models)) {
    if (it.t === 'clear' && covers(it.key, key)) out = [];
    else if (it.t === 'set' && it.listItem && it.key.toLowerCase() === k) out.push(it);
  }
  return out;
}

/** apt's StringToBool: 0/1 (strtol), no/false/without/off/disable, yes/true/with/on/enable. */
export function aptBoolean(value: string): boolean | undefined {
  const v = value.trim();
  const num = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(v);
  if (num) {
    const n = Number.parseInt(num[0], /^[+-]?0[xX]/.test(num[0]) ? 16 : /^[+-]?0[0-7]/.test(num[0]) ? 8 : 10);
    if (n === 0 || n === 1) return n === 1;
  }
  const l = v.toLowerCase();
  if (['no', 'false', 'without', 'off', 'disable'].includes(l)) return false;
  if (['yes', 'true', 'with', 'on', 'enable'].includes(l)) return true;
  return undefined;
}
