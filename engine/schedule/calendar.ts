/**
 * systemd calendar events (systemd.time(7) "CALENDAR EVENTS"): parse, normalise and compute the
 * next elapse exactly as systemd does (`OnCalendar=`, `systemd-analyze calendar`).
 *
 * No maintained JavaScript library implements this syntax (cron libraries do not know `~`,
 * `Mon..Fri`, fractional seconds, repetitions in ranges, timezone suffixes or systemd's
 * normalisation), so this is a faithful reimplementation of the semantics of systemd's
 * calendarspec.c: the same grammar, the same normalisation rules (sorted, deduplicated
 * components, two-digit years, ranges trimmed to a multiple of the repetition), the same
 * validity limits (years 1970–2199, at most 28 days back from the month end) and the same
 * field-by-field next-elapse search over a broken-down time, including how `mktime` normalises
 * out-of-range fields and DST gaps. It is tested differentially against `systemd-analyze
 * calendar` (test/schedule/calendar-differential.test.ts).
 *
 * Times are microseconds since the epoch (safe integers up to the year 2199).
 */
import { DateTime, IANAZone } from 'luxon';

export const USEC_PER_SEC = 1_000_000;
const BITS_WEEKDAYS = 127;
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const COMPONENTS_MAX = 240;
const INT_MAX = 2147483647;

export interface CalendarComponent {
  start: number;
  /** -1 when there is no range end. */
  stop: number;
  /** 0 when there is no repetition. */
  repeat: number;
}

/** A parsed calendar event. A `null` chain means `*` (every value). */
export interface CalendarSpec {
  /** Bit 0 = Monday … bit 6 = Sunday; -1 = every day. */
  weekdays: number;
  year: CalendarComponent[] | null;
  month: CalendarComponent[] | null;
  day: CalendarComponent[] | null;
  hour: CalendarComponent[] | null;
  minute: CalendarComponent[] | null;
  /** Seconds, in microseconds. */
  usec: CalendarComponent[] | null;
  endOfMonth: boolean;
  utc: boolean;
  /** IANA zone suffix, when one was given (never 'UTC': that sets `utc`). */
  timezone?: string;
  /** The expression as written. */
  source: string;
}

export class CalendarError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`invalid calendar specification '${expression}': ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Timezones

/** Whether `name` is an IANA zone systemd would accept (a zoneinfo file name, case-sensitive). */
export function isValidTimezone(name: string): boolean {
  if (!name || name.startsWith('/') || name.includes('..') || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  if (!IANAZone.isValidZone(name)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    // Intl is case-insensitive, zoneinfo file names are not
    if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name) return false;
  } catch {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface Cursor {
  s: string;
  i: number;
}

const DAY_NAMES: [string, number][] = [
  ['monday', 0], ['mon', 0], ['tuesday', 1], ['tue', 1], ['wednesday', 2], ['wed', 2], ['thursday', 3], ['thu', 3],
  ['friday', 4], ['fri', 4], ['saturday', 5], ['sat', 5], ['sunday', 6], ['sun', 6],
];

function fail(expr: string, why: string): never {
  throw new CalendarError(expr, why);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function parseWeekdays(p: Cursor, spec: CalendarSpec): void {
  let l = -1;
  let first = true;
  for (;;) {
    const rest = p.s.slice(p.i).toLowerCase();
    const hit = DAY_NAMES.find(([name]) => rest.startsWith(name));
    if (!hit) {
      if (first) return;
      fail(spec.source, 'bad weekday list');
    }
    const [name, nr] = hit;
    const after = p.s[p.i + name.length];
    if (!(after === undefined || after === '-' || after === '.' || after === ',' || after === ' ')) fail(spec.source, 'bad weekday');
    spec.weekdays |= 1 << nr;
    if (l >= 0) {
      if (l > nr) fail(spec.source, 'weekday range goes backwards');
      for (let j = l + 1; j < nr; j++) spec.weekdays |= 1 << j;
    }
    p.i += name.length;
    const c = p.s[p.i];
    if (c === undefined) return;
    if (c === ' ') {
      while (p.s[p.i] === ' ') p.i++;
      return;
    }
    if (c === '.') {
      if (l >= 0) fail(spec.source, 'bad weekday range');
      if (p.s[p.i + 1] !== '.') fail(spec.source, 'bad weekday range');
      l = nr;
      p.i += 2;
    } else if (c === '-') {
      if (l >= 0) fail(spec.source, 'bad weekday range');
      l = nr;
      p.i += 1;
    } else if (c === ',') {
      l = -1;
      p.i += 1;
    }
    const n = p.s[p.i];
    if (n === undefined || n === ' ') {
      while (p.s[p.i] === ' ') p.i++;
      if (l >= 0) fail(spec.source, 'open weekday range');
      return;
    }
    first = false;
  }
}

/** strtoul on a digit run; rejects values that do not fit. */
function parseNumber(p: Cursor, expr: string): number {
  const m = /^\d+/.exec(p.s.slice(p.i));
  if (!m) fail(expr, 'number expected');
  p.i += m[0].length;
  const v = Number(m[0]);
  if (!Number.isSafeInteger(v) || v > 18446744073709551615) fail(expr, 'number out of range');
  return v;
}

/** systemd's parse_fractional_part_u with 6 digits: pad, round on the 7th digit, skip the rest. */
function parseFraction(p: Cursor, expr: string): number {
  let val = 0;
  let i = 0;
  for (; i < 6; i++) {
    const c = p.s[p.i];
    if (!isDigit(c)) {
      if (i === 0) fail(expr, 'digits expected after the decimal point');
      for (; i < 6; i++) val *= 10;
      break;
    }
    val = val * 10 + Number(c);
    p.i++;
  }
  const c = p.s[p.i];
  if (c !== undefined && c >= '5' && c <= '9') val++;
  while (isDigit(p.s[p.i])) p.i++;
  return val;
}

function parseDecimal(p: Cursor, usec: boolean, expr: string): number {
  if (!isDigit(p.s[p.i])) fail(expr, 'number expected');
  let value = parseNumber(p, expr);
  if (usec) {
    value *= USEC_PER_SEC;
    if (p.s[p.i] === '.' && p.s[p.i + 1] !== '.') {
      p.i++;
      value += parseFraction(p, expr);
    }
  }
  if (value > INT_MAX) fail(expr, 'number out of range');
  return value;
}

function parseComponents(p: Cursor, usec: boolean, expr: string): CalendarComponent[] {
  const out: CalendarComponent[] = [];
  for (let nesting = 0; ; nesting++) {
    if (nesting > COMPONENTS_MAX) fail(expr, 'too many components');
    const start = parseDecimal(p, usec, expr);
    let stop = -1;
    let repeat = 0;
    if (p.s[p.i] === '.' && p.s[p.i + 1] === '.') {
      p.i += 2;
      stop = parseDecimal(p, usec, expr);
      repeat = usec ? USEC_PER_SEC : 1;
    }
    if (p.s[p.i] === '/') {
      p.i++;
      repeat = parseDecimal(p, usec, expr);
      if (repeat === 0) fail(expr, 'repetition of 0');
    } else {
      if (start > INT_MAX - repeat) fail(expr, 'number out of range');
      if (usec && stop >= 0 && start + repeat > stop) fail(expr, 'range shorter than a second');
    }
    const c = p.s[p.i];
    if (!(c === undefined || c === ' ' || c === ',' || c === '-' || c === '~' || c === ':')) fail(expr, `unexpected '${c}'`);
    out.push({ start, stop, repeat });
    if (c === ',') {
      p.i++;
      continue;
    }
    return out;
  }
}

function parseChain(p: Cursor, usec: boolean, expr: string): CalendarComponent[] | null {
  if (p.s[p.i] === '*') {
    p.i++;
    return usec ? [{ start: 0, stop: -1, repeat: USEC_PER_SEC }] : null;
  }
  return parseComponents(p, usec, expr);
}

function skipSpaces(p: Cursor): void {
  while (p.s[p.i] === ' ') p.i++;
}

/** Returns true when the date was a `@timestamp` (no time part follows). */
function parseDate(p: Cursor, spec: CalendarSpec): boolean {
  const expr = spec.source;
  if (p.i >= p.s.length) return false;
  if (p.s[p.i] === '@') {
    const t: Cursor = { s: p.s, i: p.i + 1 };
    const secs = parseNumber(t, expr);
    const d = new Date(secs * 1000);
    if (Number.isNaN(d.getTime())) fail(expr, 'timestamp out of range');
    spec.utc = true;
    spec.year = [{ start: d.getUTCFullYear(), stop: -1, repeat: 0 }];
    spec.month = [{ start: d.getUTCMonth() + 1, stop: -1, repeat: 0 }];
    spec.day = [{ start: d.getUTCDate(), stop: -1, repeat: 0 }];
    spec.hour = [{ start: d.getUTCHours(), stop: -1, repeat: 0 }];
    spec.minute = [{ start: d.getUTCMinutes(), stop: -1, repeat: 0 }];
    spec.usec = [{ start: d.getUTCSeconds() * USEC_PER_SEC, stop: -1, repeat: 0 }];
    p.i = t.i;
    return true;
  }
  const t: Cursor = { s: p.s, i: p.i };
  const first = parseChain(t, false, expr);
  if (t.i >= t.s.length || t.s[t.i] === ':') return false; // a time, not a date
  if (t.s[t.i] === '~') spec.endOfMonth = true;
  else if (t.s[t.i] !== '-') fail(expr, 'bad date');
  t.i++;
  const second = parseChain(t, false, expr);
  if (t.i >= t.s.length || t.s[t.i] === ' ') {
    skipSpaces(t);
    p.i = t.i;
    spec.month = first;
    spec.day = second;
    return false;
  } else if (spec.endOfMonth) fail(expr, "'~' must separate month and day");
  if (t.s[t.i] === '~') spec.endOfMonth = true;
  else if (t.s[t.i] !== '-') fail(expr, 'bad date');
  t.i++;
  const third = parseChain(t, false, expr);
  if (!(t.i >= t.s.length || t.s[t.i] === ' ')) fail(expr, 'bad date');
  skipSpaces(t);
  p.i = t.i;
  spec.year = first;
  spec.month = second;
  spec.day = third;
  return false;
}

const ZERO = (): CalendarComponent[] => [{ start: 0, stop: -1, repeat: 0 }];
const ONE = (v: number): CalendarComponent => ({ start: v, stop: -1, repeat: 0 });

function parseTime(p: Cursor, spec: CalendarSpec): void {
  const expr = spec.source;
  if (p.i >= p.s.length) {
    spec.hour = ZERO();
    spec.minute = ZERO();
    spec.usec = ZERO();
    return;
  }
  const h = parseChain(p, false, expr);
  if (p.s[p.i] !== ':') fail(expr, 'bad time');
  p.i++;
  const m = parseChain(p, false, expr);
  let s: CalendarComponent[] | null;
  if (p.i >= p.s.length) s = ZERO();
  else {
    if (p.s[p.i] !== ':') fail(expr, 'bad time');
    p.i++;
    s = parseChain(p, true, expr);
    if (p.i < p.s.length) fail(expr, 'trailing characters');
  }
  spec.hour = h;
  spec.minute = m;
  spec.usec = s;
}

function normalizeChain(c: CalendarComponent[] | null): CalendarComponent[] | null {
  if (!c) return c;
  for (const i of c) {
    if (i.stop > i.start && i.repeat > 0) i.stop -= (i.stop - i.start) % i.repeat;
    if ((i.stop > i.start && i.repeat > 0 && i.start + i.repeat > i.stop) || i.start === i.stop) {
      i.repeat = 0;
      i.stop = -1;
    }
  }
  const cmp = (a: CalendarComponent, b: CalendarComponent) => a.start - b.start || a.stop - b.stop || a.repeat - b.repeat;
  const sorted = [...c].sort(cmp);
  return sorted.filter((x, k) => k === sorted.length - 1 || cmp(x, sorted[k + 1]) !== 0);
}

function fixYear(c: CalendarComponent[] | null): void {
  for (const x of c ?? []) {
    if (x.start >= 0 && x.start < 70) x.start += 2000;
    if (x.stop >= 0 && x.stop < 70) x.stop += 2000;
    if (x.start >= 70 && x.start < 100) x.start += 1900;
    if (x.stop >= 70 && x.stop < 100) x.stop += 1900;
  }
}

function chainValid(c: CalendarComponent[] | null, from: number, to: number, endOfMonth: boolean): boolean {
  if (!c) return true;
  for (const x of c) {
    // systemd subtracts 3 again for every further component of a month-end chain (`~27,6` is
    // rejected, `~2,6` accepted): kept for fidelity with calendar_spec_valid()
    if (endOfMonth) to -= 3;
    if (x.start < from || x.start > to) return false;
    if (x.repeat > to - from) return false;
    if (x.stop >= 0) {
      if (x.stop < from || x.stop > to) return false;
      if (x.start + x.repeat > x.stop) return false;
    } else {
      if (endOfMonth && x.start - x.repeat < from) return false;
      if (!endOfMonth && x.start + x.repeat > to) return false;
    }
  }
  return true;
}

const SHORTHANDS: Record<string, (s: CalendarSpec) => void> = {
  minutely: (s) => (s.usec = ZERO()),
  hourly: (s) => ((s.minute = ZERO()), (s.usec = ZERO())),
  daily: (s) => ((s.hour = ZERO()), (s.minute = ZERO()), (s.usec = ZERO())),
  monthly: (s) => ((s.day = [ONE(1)]), SHORTHANDS.daily(s)),
  yearly: (s) => ((s.month = [ONE(1)]), (s.day = [ONE(1)]), SHORTHANDS.daily(s)),
  weekly: (s) => ((s.weekdays = 1), SHORTHANDS.daily(s)),
  quarterly: (s) => ((s.month = [ONE(10), ONE(7), ONE(4), ONE(1)]), (s.day = [ONE(1)]), SHORTHANDS.daily(s)),
  semiannually: (s) => ((s.month = [ONE(7), ONE(1)]), (s.day = [ONE(1)]), SHORTHANDS.daily(s)),
};
SHORTHANDS.annually = SHORTHANDS.anually = SHORTHANDS.yearly;
SHORTHANDS.biannually = SHORTHANDS['bi-annually'] = SHORTHANDS['semi-annually'] = SHORTHANDS.semiannually;

/**
 * Parse one calendar event. `localZoneNames` are the abbreviations of the local zone that may be
 * written as a suffix (systemd's `tzname[]`), `UTC` for nodes running in UTC.
 */
export function parseCalendar(expression: string, localZoneNames: readonly string[] = ['UTC']): CalendarSpec {
  const spec: CalendarSpec = { weekdays: 0, year: null, month: null, day: null, hour: null, minute: null, usec: null, endOfMonth: false, utc: false, source: expression };
  let p = expression;
  if (p.toLowerCase().endsWith(' utc')) {
    spec.utc = true;
    p = p.slice(0, -4);
  } else {
    const local = localZoneNames.find((n) => n && p.length > n.length && p.toLowerCase().endsWith(n.toLowerCase()) && p[p.length - n.length - 1] === ' ');
    if (local) p = p.slice(0, p.length - local.length - 1);
    else {
      const sp = p.lastIndexOf(' ');
      if (sp >= 0 && isValidTimezone(p.slice(sp + 1))) {
        spec.timezone = p.slice(sp + 1);
        p = p.slice(0, sp);
      }
    }
  }
  if (p === '') fail(expression, 'empty');
  const short = SHORTHANDS[p.toLowerCase()];
  if (short) short(spec);
  else {
    const cur: Cursor = { s: p, i: 0 };
    parseWeekdays(cur, spec);
    const done = parseDate(cur, spec);
    if (!done) parseTime(cur, spec);
    if (cur.i < cur.s.length) fail(expression, 'trailing characters');
  }
  // normalise
  if (spec.timezone === 'UTC') {
    spec.utc = true;
    spec.timezone = undefined;
  }
  if (spec.weekdays <= 0 || spec.weekdays >= BITS_WEEKDAYS) spec.weekdays = -1;
  if (spec.endOfMonth && !spec.day) spec.endOfMonth = false;
  fixYear(spec.year);
  spec.year = normalizeChain(spec.year);
  spec.month = normalizeChain(spec.month);
  spec.day = normalizeChain(spec.day);
  spec.hour = normalizeChain(spec.hour);
  spec.minute = normalizeChain(spec.minute);
  spec.usec = normalizeChain(spec.usec);
  // validate
  if (
    !chainValid(spec.year, MIN_YEAR, MAX_YEAR, false) ||
    !chainValid(spec.month, 1, 12, false) ||
    !chainValid(spec.day, 1, 31, spec.endOfMonth) ||
    !chainValid(spec.hour, 0, 23, false) ||
    !chainValid(spec.minute, 0, 59, false) ||
    !chainValid(spec.usec, 0, 60 * USEC_PER_SEC - 1, false)
  )
    fail(expression, 'value out of range');
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Normalised form

const WEEKDAY_ABBR = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatWeekdays(bits: number): string {
  let out = '';
  let needComma = false;
  let l = -1;
  let x = 0;
  for (; x < 7; x++) {
    if (bits & (1 << x)) {
      if (l < 0) {
        if (needComma) out += ',';
        else needComma = true;
        out += WEEKDAY_ABBR[x];
        l = x;
      }
    } else if (l >= 0) {
      if (x > l + 1) out += (x > l + 2 ? '..' : ',') + WEEKDAY_ABBR[x - 1];
      l = -1;
    }
  }
  if (l >= 0 && x > l + 1) out += (x > l + 2 ? '..' : ',') + WEEKDAY_ABBR[x - 1];
  return out;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function formatChain(c: CalendarComponent[] | null, width: number, usec: boolean): string {
  const d = usec ? USEC_PER_SEC : 1;
  if (!c || (usec && c.some((x) => x.start === 0 && x.stop < 0 && x.repeat === USEC_PER_SEC))) return '*';
  return c
    .map((x) => {
      let s = pad(Math.trunc(x.start / d), width);
      if (x.start % d > 0) s += '.' + pad(x.start % d, 6);
      if (x.stop > 0) s += '..' + pad(Math.trunc(x.stop / d), width);
      if (x.stop % d > 0) s += '.' + pad(x.stop % d, 6);
      if (x.repeat > 0 && !(x.stop > 0 && x.repeat === d)) s += '/' + Math.trunc(x.repeat / d);
      if (x.repeat % d > 0) s += '.' + pad(x.repeat % d, 6);
      return s;
    })
    .join(',');
}

/** systemd's normalised form (`Normalized form:` of `systemd-analyze calendar`). */
export function formatCalendar(spec: CalendarSpec): string {
  let s = '';
  if (spec.weekdays > 0 && spec.weekdays <= BITS_WEEKDAYS) s += formatWeekdays(spec.weekdays) + ' ';
  s += formatChain(spec.year, 4, false) + '-' + formatChain(spec.month, 2, false) + (spec.endOfMonth ? '~' : '-') + formatChain(spec.day, 2, false);
  s += ' ' + formatChain(spec.hour, 2, false) + ':' + formatChain(spec.minute, 2, false) + ':' + formatChain(spec.usec, 2, true);
  if (spec.utc) s += ' UTC';
  else if (spec.timezone) s += ' ' + spec.timezone;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Next elapse: systemd's find_next() over a broken-down time, with mktime() semantics.

interface Tm {
  year: number; // full year
  mon: number; // 0..11
  mday: number;
  hour: number;
  min: number;
  sec: number;
}

/** mktime()/timegm(): normalise out-of-range fields (and DST gaps) in place; returns epoch seconds. */
function mktime(tm: Tm, zone: string | undefined): number {
  const ms = Date.UTC(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
  const w = new Date(ms);
  if (!zone) {
    setTm(tm, w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
    return ms / 1000;
  }
  const t = wallToEpoch(w.getTime(), zone);
  const dt = DateTime.fromMillis(t, { zone });
  setTm(tm, dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second);
  return Math.floor(t / 1000);
}

/**
 * A wall-clock time (as if UTC, in ms) in `zone` → epoch ms, the way glibc's mktime with
 * tm_isdst=-1 resolves it when walking forward in time: an ambiguous time (the repeated hour when
 * DST ends) is its first occurrence; a time in a DST gap is read with the offset before the gap,
 * i.e. moved forward by the gap.
 */
export function wallToEpoch(wallMs: number, zone: string): number {
  const z = IANAZone.create(zone);
  const before = z.offset(wallMs - 86_400_000);
  const after = z.offset(wallMs + 86_400_000);
  const candidates = [wallMs - before * 60_000, wallMs - after * 60_000].filter((t) => z.offset(t) * 60_000 === wallMs - t);
  if (candidates.length) return Math.min(...candidates);
  return wallMs - before * 60_000;
}

function setTm(tm: Tm, year: number, mon: number, mday: number, hour: number, min: number, sec: number): void {
  tm.year = year;
  tm.mon = mon;
  tm.mday = mday;
  tm.hour = hour;
  tm.min = min;
  tm.sec = sec;
}

function localtime(t: number, zone: string | undefined): Tm {
  if (!zone) {
    const d = new Date(t * 1000);
    return { year: d.getUTCFullYear(), mon: d.getUTCMonth(), mday: d.getUTCDate(), hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds() };
  }
  const dt = DateTime.fromSeconds(t, { zone });
  return { year: dt.year, mon: dt.month - 1, mday: dt.day, hour: dt.hour, min: dt.minute, sec: dt.second };
}

/** The `day`-th last day of tm's month (0 = last day), or -1. */
function findEndOfMonth(tm: Tm, day: number): number {
  const d = new Date(Date.UTC(tm.year, tm.mon + 1, 1 - day));
  if (d.getUTCMonth() !== ((tm.mon % 12) + 12) % 12 || d.getUTCFullYear() !== tm.year + Math.floor(tm.mon / 12)) return -1;
  return d.getUTCDate();
}

/** Earliest match ≥ val in the chain: the new value, or undefined (ENOENT). `changed` tells whether it moved. */
function findMatching(spec: CalendarSpec, c: CalendarComponent[] | null, tm: Tm, val: number, isDay: boolean): { val: number; changed: boolean } | undefined {
  if (!c) return { val, changed: false };
  const eom = spec.endOfMonth && isDay;
  let d = -1;
  let set = false;
  for (const x of c) {
    let start = x.start;
    let stop = x.stop;
    if (eom) {
      start = findEndOfMonth(tm, x.start);
      stop = findEndOfMonth(tm, x.stop);
      if (stop > 0) [start, stop] = [stop, start];
    }
    if (start >= val) {
      if (!set || start < d) {
        d = start;
        set = true;
      }
    } else if (x.repeat > 0) {
      const k = start + x.repeat * Math.ceil((val - start) / x.repeat);
      if ((!set || k < d) && (stop < 0 || k <= stop)) {
        d = k;
        set = true;
      }
    }
  }
  if (!set) return undefined;
  return { val: d, changed: d !== val };
}

/** 1: in bounds; 0: normalisation moved tm forward (tm updated); -1: error. */
function withinBounds(tm: Tm, zone: string | undefined): number {
  if (tm.year > MAX_YEAR) return -1;
  const t: Tm = { ...tm };
  mktime(t, zone);
  let cmp: number;
  if ((cmp = Math.sign(t.year - tm.year)) !== 0) t.mon = 0;
  else if ((cmp = Math.sign(t.mon - tm.mon)) !== 0) t.mday = 1;
  else if ((cmp = Math.sign(t.mday - tm.mday)) !== 0) t.hour = 0;
  else if ((cmp = Math.sign(t.hour - tm.hour)) !== 0) t.min = 0;
  else if ((cmp = Math.sign(t.min - tm.min)) !== 0) t.sec = 0;
  else cmp = Math.sign(t.sec - tm.sec);
  if (cmp < 0) return -1;
  if (cmp > 0) Object.assign(tm, t);
  return cmp === 0 ? 1 : 0;
}

function matchesWeekday(bits: number, tm: Tm): boolean {
  if (bits < 0 || bits >= BITS_WEEKDAYS) return true;
  const wday = new Date(Date.UTC(tm.year, tm.mon, tm.mday)).getUTCDay();
  const k = wday === 0 ? 6 : wday - 1;
  return (bits & (1 << k)) !== 0;
}

const MAX_ITERATIONS = 1000;

function findNext(spec: CalendarSpec, tm: Tm, usecIn: number, zone: string | undefined): { tm: Tm; usec: number } | undefined {
  const c: Tm = { ...tm };
  let us = usecIn;
  const resetBelow = (level: 'mon' | 'mday' | 'hour' | 'min' | 'sec') => {
    if (level === 'mon') c.mon = 0;
    if (level === 'mon' || level === 'mday') c.mday = 1;
    if (level === 'mon' || level === 'mday' || level === 'hour') c.hour = 0;
    if (level !== 'sec') c.min = 0;
    c.sec = 0;
    us = 0;
  };
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    mktime(c, zone);

    let r = findMatching(spec, spec.year, c, c.year, false);
    if (!r) return undefined;
    c.year = r.val;
    if (r.changed) resetBelow('mon');
    if (withinBounds(c, zone) <= 0) return undefined;

    r = findMatching(spec, spec.month, c, c.mon + 1, false);
    if (r) {
      c.mon = r.val - 1;
      if (r.changed) resetBelow('mday');
    }
    let b = r ? withinBounds(c, zone) : -1;
    if (b < 0) {
      c.year++;
      resetBelow('mon');
      continue;
    }
    if (b === 0) continue;

    r = findMatching(spec, spec.day, c, c.mday, true);
    if (r) {
      c.mday = r.val;
      if (r.changed) resetBelow('hour');
    }
    b = r ? withinBounds(c, zone) : -1;
    if (b < 0) {
      c.mon++;
      resetBelow('mday');
      continue;
    }
    if (b === 0) continue;

    if (!matchesWeekday(spec.weekdays, c)) {
      c.mday++;
      resetBelow('hour');
      continue;
    }

    r = findMatching(spec, spec.hour, c, c.hour, false);
    if (r) {
      c.hour = r.val;
      if (r.changed) {
        c.min = 0;
        c.sec = 0;
        us = 0;
      }
    }
    b = r ? withinBounds(c, zone) : -1;
    if (b < 0) {
      c.mday++;
      resetBelow('hour');
      continue;
    }
    if (b === 0) continue;

    r = findMatching(spec, spec.minute, c, c.min, false);
    if (r) {
      c.min = r.val;
      if (r.changed) {
        c.sec = 0;
        us = 0;
      }
    }
    b = r ? withinBounds(c, zone) : -1;
    if (b < 0) {
      c.hour++;
      resetBelow('min');
      continue;
    }
    if (b === 0) continue;

    const total = c.sec * USEC_PER_SEC + us;
    r = findMatching(spec, spec.usec, c, total, false);
    const v = r ? r.val : total;
    us = v % USEC_PER_SEC;
    c.sec = Math.trunc(v / USEC_PER_SEC);
    b = r ? withinBounds(c, zone) : -1;
    if (b < 0) {
      c.min++;
      resetBelow('sec');
      continue;
    }
    if (b === 0) continue;
    return { tm: c, usec: us };
  }
  return undefined; // systemd: "Infinite loop in calendar calculation"
}

/**
 * The first elapse strictly after `afterUsec` (µs since the epoch), or undefined when the event
 * never elapses again. `localZone` is the zone of a spec without a suffix (the node's zone).
 */
export function nextElapse(spec: CalendarSpec, afterUsec: number, localZone = 'UTC'): number | undefined {
  const zone = spec.utc ? undefined : (spec.timezone ?? (localZone === 'UTC' ? undefined : localZone));
  const u = afterUsec + 1;
  const t = Math.floor(u / USEC_PER_SEC);
  const tm = localtime(t, zone);
  const res = findNext(spec, tm, u % USEC_PER_SEC, zone);
  if (!res) return undefined;
  const secs = mktime(res.tm, zone);
  return secs * USEC_PER_SEC + res.usec;
}

/**
 * Several `OnCalendar=` expressions: every elapse in [fromMs, toMs), in milliseconds, merged in
 * order. `limit` bounds the work for very frequent events.
 */
export function* calendarOccurrences(specs: readonly CalendarSpec[], fromMs: number, toMs: number, localZone = 'UTC', limit = 50_000): Generator<number> {
  const heads = specs.map((s) => nextElapse(s, fromMs * 1000 - 1, localZone));
  for (let n = 0; n < limit; n++) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || h < heads[best]!)) best = i;
    }
    if (best < 0) return;
    const at = heads[best]!;
    if (at >= toMs * 1000) return;
    yield Math.floor(at / 1000);
    // advance every spec sitting at the same instant (systemd fires once)
    for (let i = 0; i < heads.length; i++) if (heads[i] === at) heads[i] = nextElapse(specs[i], at, localZone);
  }
}
