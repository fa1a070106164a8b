/**
 * Turning schedules into a week of UTC time: intervals in minutes since Monday 00:00 UTC,
 * [start, end) within [0, 10080).
 *
 * How: every fire time in a fixed *reference window* is expanded by the window length (the
 * maintenance duration, or the timer's AccuracySec + RandomizedDelaySec), folded onto the week
 * and unioned. The reference window is the 8 weeks starting Monday 2025-02-24 00:00 UTC: it
 * contains the spring DST changes of North America (Mar 9), Europe (Mar 30) and the southern
 * hemisphere's autumn change (Apr 6), so a schedule written in a zone with DST covers *both* of
 * its UTC positions. That is the conservative answer for a blast-radius check (two regions
 * that coincide for half the year do coincide), it is deterministic (no dependency on the
 * clock), and 8 weeks covers every weekly and most monthly patterns. Schedules that do not fire
 * in the window (yearly, quarterly) are evaluated over a year from the same start instead.
 */
import rrulePkg from 'rrule';
import { calendarOccurrences, type CalendarSpec } from './calendar.js';
import { cronOccurrences, type CronSpec } from './cron.js';

const { RRule } = rrulePkg as unknown as typeof import('rrule');

export type Interval = [number, number];

export const WEEK_MINUTES = 7 * 24 * 60;
export const REFERENCE_START_MS = Date.UTC(2025, 1, 24); // Monday 2025-02-24
export const REFERENCE_WEEKS = 8;
const WEEK_MS = WEEK_MINUTES * 60_000;
const FALLBACK_MS = 53 * WEEK_MS;
/** Bound on fire times examined (a minutely timer over 8 weeks is 80 640). */
const MAX_OCCURRENCES = 30_000;

/**
 * A source of fire times (UTC ms) in [from, to). `memoKey`, when present, identifies the schedule
 * completely (expression and zone), so its week can be computed once per scan-process: a fleet
 * repeats the same few timers on thousands of nodes.
 */
export type Occurrences = ((fromMs: number, toMs: number) => Iterable<number>) & { memoKey?: string };

/** Minute of the week (Monday 00:00 UTC = 0) of an instant. */
export function minuteOfWeek(ms: number): number {
  const m = Math.floor((ms - REFERENCE_START_MS) / 60_000);
  return ((m % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
}

/** Sort and merge overlapping or touching intervals. */
export function mergeIntervals(xs: readonly Interval[]): Interval[] {
  const s = xs.filter(([a, b]) => b > a).map(([a, b]) => [a, b] as Interval).sort((p, q) => p[0] - q[0]);
  const out: Interval[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
    else out.push(x);
  }
  return out;
}

/** An interval of `length` minutes starting at minute-of-week `start`, split at the week's end. */
export function foldInterval(start: number, length: number): Interval[] {
  if (length >= WEEK_MINUTES) return [[0, WEEK_MINUTES]];
  const s = ((start % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  const e = s + length;
  return e <= WEEK_MINUTES ? [[s, e]] : [[s, WEEK_MINUTES], [0, e - WEEK_MINUTES]];
}

/** Widen every interval by `before`/`after` minutes, cyclically (used for health-gate gaps). */
export function widenIntervals(xs: readonly Interval[], before: number, after: number): Interval[] {
  return mergeIntervals(xs.flatMap(([a, b]) => foldInterval(a - before, b - a + before + after)));
}

export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s1, e1] of a) for (const [s2, e2] of b) if (Math.max(s1, s2) < Math.min(e1, e2)) out.push([Math.max(s1, s2), Math.min(e1, e2)]);
  return mergeIntervals(out);
}

export interface WeekResult {
  intervals: Interval[];
  /** Fire times examined. */
  occurrences: number;
}

/**
 * Fold fire times into a week of UTC intervals. `lengthMs` is how long each firing can keep
 * the fleet busy (at least one minute).
 */
const weekMemo = new Map<string, WeekResult>();
const WEEK_MEMO_MAX = 10_000;

export function weekWindows(occ: Occurrences, lengthMs: number): WeekResult {
  const key = occ.memoKey !== undefined ? `${occ.memoKey}\u0000${lengthMs}` : undefined;
  const memo = key !== undefined ? weekMemo.get(key) : undefined;
  const r = memo ?? computeWeekWindows(occ, lengthMs);
  if (key !== undefined && !memo) {
    if (weekMemo.size >= WEEK_MEMO_MAX) weekMemo.clear();
    weekMemo.set(key, r);
  }
  // callers own their copy
  return { intervals: r.intervals.map(([a, b]) => [a, b] as Interval), occurrences: r.occurrences };
}

function computeWeekWindows(occ: Occurrences, lengthMs: number): WeekResult {
  const len = Math.max(1, Math.ceil(lengthMs / 60_000));
  const collect = (toMs: number) => {
    const parts: Interval[] = [];
    let n = 0;
    for (const t of occ(REFERENCE_START_MS, toMs)) {
      // a fire at 06:00:30 occupies the minute 06:00
      parts.push(...foldInterval(minuteOfWeek(t), len + (t % 60_000 ? 1 : 0)));
      if (++n >= MAX_OCCURRENCES) break;
    }
    return { intervals: mergeIntervals(parts), occurrences: n };
  };
  const r = collect(REFERENCE_START_MS + REFERENCE_WEEKS * WEEK_MS);
  if (r.occurrences > 0) return r;
  return collect(REFERENCE_START_MS + FALLBACK_MS);
}

export const calendarSource = (specs: readonly CalendarSpec[], localZone = 'UTC'): Occurrences =>
  Object.assign((from: number, to: number) => calendarOccurrences(specs, from, to, localZone, MAX_OCCURRENCES), {
    memoKey: `calendar\u0000${localZone}\u0000${JSON.stringify(specs)}`,
  });

export const cronSource = (spec: CronSpec, zone = 'UTC'): Occurrences =>
  Object.assign((from: number, to: number) => cronOccurrences(spec, from, to, zone), { memoKey: `cron\u0000${zone}\u0000${JSON.stringify(spec)}` });

/**
 * An RFC 5545 recurrence (GKE `recurring_window.recurrence`) anchored at `dtstart` (UTC ms):
 * rrule's own expansion.
 */
export function rruleSource(rule: string, dtstartMs: number): Occurrences {
  const text = rule.replace(/^RRULE:/i, '');
  const opts = RRule.parseString(text);
  const r = new RRule({ ...opts, dtstart: new Date(dtstartMs) });
  return (from, to) => r.between(new Date(from), new Date(to), true).map((d) => d.getTime());
}

/** Every `stepMs` from `anchorMs` (a fixed-phase rate). */
export function everySource(stepMs: number, anchorMs: number): Occurrences {
  return function* (from, to) {
    let t = anchorMs + Math.ceil((from - anchorMs) / stepMs) * stepMs;
    for (; t < to; t += stepMs) yield t;
  };
}

// ---------------------------------------------------------------------------------------------
// Words

const DAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function formatMinute(m: number): string {
  return `${DAY[Math.floor(m / 1440) % 7]} ${hhmm(m % 1440)}`;
}

/**
 * Human words for a set of week intervals: `daily 06:00–07:01 UTC` when the same window repeats
 * every day, else a list `Sun 03:00–07:00 UTC, …` (wrapped windows joined back).
 */
export function describeIntervals(xs: readonly Interval[]): string {
  const merged = mergeIntervals(xs);
  if (!merged.length) return 'never';
  if (merged.length === 1 && merged[0][0] === 0 && merged[0][1] === WEEK_MINUTES) return 'at any time';
  // join a window that wraps past Sunday 24:00
  const joined: Interval[] = merged.map((x) => [...x] as Interval);
  if (joined.length > 1 && joined[0][0] === 0 && joined[joined.length - 1][1] === WEEK_MINUTES) {
    const last = joined.pop()!;
    joined[0] = [last[0], joined[0][1] + WEEK_MINUTES];
  }
  joined.sort((a, b) => a[0] - b[0]);
  const tod = joined.map(([a, b]) => `${hhmm(a % 1440)}–${hhmm(b % 1440)}`);
  if (joined.length === 7 && tod.every((t) => t === tod[0]) && joined.every((x, i) => i === 0 || x[0] - joined[i - 1][0] === 1440)) {
    return `daily ${tod[0]} UTC`;
  }
  return joined.map(([a, b], i) => `${DAY[Math.floor(a / 1440) % 7]} ${tod[i]}`).join(', ') + ' UTC';
}
