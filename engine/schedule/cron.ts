/**
 * Cron schedules: classic 5-field cron (Vixie/Kubernetes CronJob, with `@daily` macros, names,
 * steps, and the `L`/`W`/`#` extensions) and AWS `cron(min hour dom month dow year)` /
 * `rate(n unit)` / `at(...)` expressions (SSM maintenance windows, EventBridge, Scheduler).
 *
 * Evaluated day by day in the schedule's IANA zone: each matching local date × hour × minute is
 * turned into UTC with `wallToEpoch` (a time in a DST gap moves forward by the gap; a repeated
 * time counts once, at its first occurrence). cron-parser (a dependency) has no `W` and no AWS
 * dialect, so the evaluator is ours; test/schedule/cron.test.ts checks it against cron-parser on
 * the syntax both understand.
 */
import { wallToEpoch } from './calendar.js';

export class CronError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`invalid cron expression '${expression}': ${reason}`);
  }
}

type DomItem = { t: 'set'; days: Set<number> } | { t: 'last'; offset: number } | { t: 'weekday'; day: number } | { t: 'lastWeekday' };
type DowItem = { t: 'set'; days: Set<number> } | { t: 'last'; dow: number } | { t: 'nth'; dow: number; n: number };

export interface CronSpec {
  dialect: 'unix' | 'aws';
  source: string;
  minutes: number[];
  hours: number[];
  months: Set<number>;
  /** undefined = every year. */
  years?: Set<number>;
  dom: DomItem[] | '*';
  /** Days of week 0 = Sunday. */
  dow: DowItem[] | '*';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOWS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function range(lo: number, hi: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i += step) out.push(i);
  return out;
}

/** A numeric field: `*`, `5`, `1-5`, `*\/15`, `10-50/10`, lists, names. */
function parseField(text: string, lo: number, hi: number, expr: string, names?: string[], nameBase = 0): number[] {
  const val = (s: string): number => {
    const low = s.toLowerCase();
    const i = names ? names.indexOf(low) : -1;
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new CronError(expr, `bad value '${s}'`);
    return Number(s);
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [base, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new CronError(expr, `bad step '${part}'`);
    let a: number;
    let b: number;
    if (base === '*') [a, b] = [lo, hi];
    else if (base.includes('-')) {
      const [x, y] = base.split('-');
      [a, b] = [val(x), val(y)];
    } else {
      a = val(base);
      b = stepText === undefined ? a : hi;
    }
    if (a < lo || b > hi || a > b) throw new CronError(expr, `'${part}' out of range ${lo}-${hi}`);
    for (const v of range(a, b, step)) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

function parseDom(text: string, expr: string): DomItem[] | '*' {
  if (text === '*' || text === '?') return '*';
  const items: DomItem[] = [];
  const plain: string[] = [];
  for (const part of text.split(',')) {
    const up = part.toUpperCase();
    let m: RegExpExecArray | null;
    if (up === 'L') items.push({ t: 'last', offset: 0 });
    else if ((m = /^L-(\d+)$/.exec(up))) items.push({ t: 'last', offset: Number(m[1]) });
    else if (up === 'LW') items.push({ t: 'lastWeekday' });
    else if ((m = /^(\d+)W$/.exec(up))) items.push({ t: 'weekday', day: Number(m[1]) });
    else plain.push(part);
  }
  if (plain.length) items.push({ t: 'set', days: new Set(parseField(plain.join(','), 1, 31, expr)) });
  return items;
}

function parseDow(text: string, expr: string, aws: boolean): DowItem[] | '*' {
  if (text === '*' || text === '?') return '*';
  // unix: 0-7 (0 and 7 = Sunday); AWS: 1-7 (1 = Sunday)
  const toSun0 = (n: number) => (aws ? n - 1 : n % 7);
  const items: DowItem[] = [];
  const plain: string[] = [];
  for (const part of text.split(',')) {
    let m: RegExpExecArray | null;
    const name = (s: string) => {
      const i = DOWS.indexOf(s.toLowerCase());
      if (i >= 0) return i;
      if (!/^\d+$/.test(s)) throw new CronError(expr, `bad day of week '${s}'`);
      return toSun0(Number(s));
    };
    if ((m = /^(\w+)#([1-5])$/.exec(part))) items.push({ t: 'nth', dow: name(m[1]), n: Number(m[2]) });
    else if ((m = /^(\w*?)L$/i.exec(part)) && m[1] !== '') items.push({ t: 'last', dow: name(m[1]) });
    else if (/^L$/i.test(part)) items.push({ t: 'set', days: new Set([6]) }); // `L` alone in DOW = Saturday
    else plain.push(part);
  }
  if (plain.length) {
    const joined = plain.join(',');
    const vals = aws ? parseField(joined, 1, 7, expr, DOWS, 1) : parseField(joined, 0, 7, expr, DOWS, 0);
    items.push({ t: 'set', days: new Set(vals.map(toSun0)) });
  }
  return items;
}

/** Classic 5-field cron (`0 3 * * 0`) or a macro (`@daily`). */
export function parseCron(expression: string): CronSpec {
  const text = MACROS[expression.trim().toLowerCase()] ?? expression.trim();
  const f = text.split(/\s+/);
  if (f.length !== 5) throw new CronError(expression, `expected 5 fields, got ${f.length}`);
  return {
    dialect: 'unix',
    source: expression,
    minutes: parseField(f[0], 0, 59, expression),
    hours: parseField(f[1], 0, 23, expression),
    dom: parseDom(f[2], expression),
    months: new Set(parseField(f[3], 1, 12, expression, MONTHS, 1)),
    dow: parseDow(f[4], expression, false),
  };
}

export type AwsSchedule =
  | { kind: 'cron'; spec: CronSpec }
  | { kind: 'rate'; minutes: number; source: string }
  | { kind: 'at'; wall: string; source: string };

/** `cron(0 3 ? * SUN *)`, `rate(1 day)`, `at(2025-01-01T03:00:00)`. */
export function parseAwsSchedule(expression: string): AwsSchedule {
  const e = expression.trim();
  let m = /^cron\((.*)\)$/s.exec(e);
  if (m) {
    const f = m[1].trim().split(/\s+/);
    if (f.length !== 6) throw new CronError(expression, `AWS cron needs 6 fields, got ${f.length}`);
    if (f[2] !== '?' && f[4] !== '?') throw new CronError(expression, "AWS cron needs '?' in day-of-month or day-of-week");
    return {
      kind: 'cron',
      spec: {
        dialect: 'aws',
        source: expression,
        minutes: parseField(f[0], 0, 59, expression),
        hours: parseField(f[1], 0, 23, expression),
        dom: parseDom(f[2], expression),
        months: new Set(parseField(f[3], 1, 12, expression, MONTHS, 1)),
        dow: parseDow(f[4], expression, true),
        years: f[5] === '*' ? undefined : new Set(parseField(f[5], 1970, 2199, expression)),
      },
    };
  }
  m = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/i.exec(e);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2].toLowerCase().replace(/s$/, '');
    if (n <= 0) throw new CronError(expression, 'rate must be positive');
    return { kind: 'rate', minutes: n * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440), source: expression };
  }
  m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)\)$/.exec(e);
  if (m) return { kind: 'at', wall: m[1], source: expression };
  throw new CronError(expression, 'expected cron(...), rate(...) or at(...)');
}

function daysInMonth(y: number, m0: number): number {
  return new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
}

function domMatches(items: DomItem[], y: number, m0: number, d: number): boolean {
  const dim = daysInMonth(y, m0);
  const wd = (day: number) => new Date(Date.UTC(y, m0, day)).getUTCDay();
  const nearestWeekday = (day: number): number => {
    const t = Math.min(day, dim);
    const w = wd(t);
    if (w === 6) return t === 1 ? 3 : t - 1; // Saturday → Friday (or Monday the 3rd)
    if (w === 0) return t === dim ? t - 2 : t + 1; // Sunday → Monday (or Friday before)
    return t;
  };
  return items.some((it) => {
    switch (it.t) {
      case 'set':
        return it.days.has(d);
      case 'last':
        return d === dim - it.offset;
      case 'weekday':
        return d === nearestWeekday(it.day);
      case 'lastWeekday':
        return d === nearestWeekday(dim) || (wd(dim) === 0 && d === dim - 2) || (wd(dim) === 6 && d === dim - 1);
    }
  });
}

function dowMatches(items: DowItem[], y: number, m0: number, d: number): boolean {
  const w = new Date(Date.UTC(y, m0, d)).getUTCDay();
  const dim = daysInMonth(y, m0);
  return items.some((it) => {
    switch (it.t) {
      case 'set':
        return it.days.has(w);
      case 'last':
        return w === it.dow && d + 7 > dim;
      case 'nth':
        return w === it.dow && Math.ceil(d / 7) === it.n;
    }
  });
}

/** Whether a local date matches the day fields (Vixie: either restricted field may match). */
export function cronDayMatches(spec: CronSpec, y: number, m0: number, d: number): boolean {
  if (!spec.months.has(m0 + 1)) return false;
  if (spec.years && !spec.years.has(y)) return false;
  const { dom, dow } = spec;
  if (dom === '*' && dow === '*') return true;
  if (dom === '*') return dowMatches(dow as DowItem[], y, m0, d);
  if (dow === '*') return domMatches(dom, y, m0, d);
  return domMatches(dom, y, m0, d) || dowMatches(dow, y, m0, d);
}

/** Fire times (UTC ms) in [fromMs, toMs), with the expression read in `zone`. */
export function* cronOccurrences(spec: CronSpec, fromMs: number, toMs: number, zone = 'UTC'): Generator<number> {
  // walk local dates from one day before to one day after (zone offsets are within ±14h)
  const start = new Date(fromMs - 86_400_000);
  let y = start.getUTCFullYear();
  let m0 = start.getUTCMonth();
  let d = start.getUTCDate();
  for (;;) {
    const dayMs = Date.UTC(y, m0, d);
    if (dayMs > toMs + 86_400_000) return;
    if (cronDayMatches(spec, y, m0, d)) {
      const seen = new Set<number>();
      for (const h of spec.hours)
        for (const mi of spec.minutes) {
          const wall = dayMs + (h * 60 + mi) * 60_000;
          const t = zone === 'UTC' ? wall : wallToEpoch(wall, zone);
          if (t >= fromMs && t < toMs && !seen.has(t)) {
            seen.add(t);
            yield t;
          }
        }
    }
    const next = new Date(dayMs + 86_400_000);
    y = next.getUTCFullYear();
    m0 = next.getUTCMonth();
    d = next.getUTCDate();
  }
}
