import { describe, expect, it } from 'vitest';
import { CronExpressionParser } from 'cron-parser';
import rrulePkg from 'rrule';
import { cronOccurrences, parseAwsSchedule, parseCron } from '../../engine/schedule/cron.js';
import { formatSpan, parseSpan } from '../../engine/schedule/span.js';
import { calendarSource, describeIntervals, foldInterval, mergeIntervals, rruleSource, weekWindows, widenIntervals } from '../../engine/schedule/week.js';
import { parseCalendar } from '../../engine/schedule/calendar.js';
// @ts-expect-error the bench generator is plain JavaScript
import { rng as benchRng } from '../../bench/generate.mjs';

const { RRule } = rrulePkg as unknown as typeof import('rrule');

/** The bench generator's seeded generator (mulberry32). */
const rng: (seed: number) => () => number = benchRng;

describe('systemd time spans', () => {
  it.each([
    ['12h', 43200], ['1h 30min', 5400], ['1h30m', 5400], ['90', 90], ['5min 20s', 320], ['2d', 172800], ['1.5h', 5400], ['500ms', 0.5], ['1w', 604800], ['infinity', Infinity],
  ])('%s', (t, s) => expect(parseSpan(t)).toBe(s));
  it('rejects garbage and formats', () => {
    expect(parseSpan('soon')).toBeUndefined();
    expect(parseSpan('')).toBeUndefined();
    expect(formatSpan(5400)).toBe('1h 30min');
  });
});

describe('cron against cron-parser', () => {
  const FIELDS = () => {
    const r = rng(42);
    const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const n = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const field = (lo: number, hi: number) =>
      pick([() => '*', () => String(n(lo, hi)), () => `${n(lo, hi)}-${hi}`, () => `*/${n(1, Math.max(1, (hi - lo) >> 1))}`, () => `${n(lo, hi)},${n(lo, hi)}`])();
    const out: string[] = [];
    for (let i = 0; i < 300; i++) out.push([field(0, 59), field(0, 23), pick(['*', '*', String(n(1, 28)), `${n(1, 10)}-${n(11, 28)}`, 'L']), field(1, 12), pick(['*', '*', String(n(0, 6)), `${n(0, 3)}-${n(4, 6)}`, `${n(0, 6)}#${n(1, 4)}`])].join(' '));
    return out;
  };
  it.each(['UTC', 'Asia/Kolkata', 'America/New_York'])('agrees on the next 8 fire times of 300 generated expressions (%s)', (tz) => {
    const from = Date.UTC(2025, 5, 1, 0, 0, 30);
    const to = from + 400 * 86_400_000;
    const mismatches: string[] = [];
    let compared = 0;
    for (const e of FIELDS()) {
      let it;
      try {
        it = CronExpressionParser.parse(e, { currentDate: new Date(from), tz });
      } catch {
        continue; // cron-parser rejects some valid crontab lines (duplicate list values)
      }
      compared++;
      const want: number[] = [];
      for (let i = 0; i < 8; i++) {
        const d = it.next().toDate().getTime();
        if (d >= to) break;
        want.push(d);
      }
      const got: number[] = [];
      for (const t of cronOccurrences(parseCron(e), from, to, tz)) {
        got.push(t);
        if (got.length === want.length) break;
      }
      if (got.join() !== want.join()) mismatches.push(`${e}: ${got.map((x) => new Date(x).toISOString())} vs ${want.map((x) => new Date(x).toISOString())}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(250);
  });

  it('reads AWS cron (1 = Sunday, ?, L, W, #, year) and rate()', () => {
    const s = parseAwsSchedule('cron(0 3 ? * 1 *)');
    if (s.kind !== 'cron') throw new Error();
    const t = [...cronOccurrences(s.spec, Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 15))];
    expect(t.map((x) => new Date(x).toISOString())).toEqual(['2025-01-05T03:00:00.000Z', '2025-01-12T03:00:00.000Z']);
    const w = parseAwsSchedule('cron(0 2 15W * ? 2025)');
    if (w.kind !== 'cron') throw new Error();
    // 2025-03-15 is a Saturday → Friday the 14th; 2025-06-15 a Sunday → Monday the 16th
    const ws = [...cronOccurrences(w.spec, Date.UTC(2025, 2, 1), Date.UTC(2025, 6, 1))].map((x) => new Date(x).toISOString().slice(0, 10));
    expect(ws).toEqual(['2025-03-14', '2025-04-15', '2025-05-15', '2025-06-16']);
    const last = parseAwsSchedule('cron(0 2 ? * 6L *)');
    if (last.kind !== 'cron') throw new Error();
    expect(new Date([...cronOccurrences(last.spec, Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1))][0]).toISOString()).toBe('2025-01-31T02:00:00.000Z');
    expect(parseAwsSchedule('rate(12 hours)')).toMatchObject({ kind: 'rate', minutes: 720 });
    expect(() => parseAwsSchedule('cron(0 3 * * 1 *)')).toThrow(/'\?'/);
  });
});

describe('week folding', () => {
  it('folds, wraps and merges', () => {
    expect(foldInterval(10070, 20)).toEqual([[10070, 10080], [0, 10]]);
    expect(mergeIntervals([[5, 10], [0, 6], [20, 30]])).toEqual([[0, 10], [20, 30]]);
    expect(widenIntervals([[10000, 10080]], 0, 30)).toEqual([[0, 30], [10000, 10080]]);
  });

  it('apt-daily-upgrade (06:00 + 60 min randomised) is daily 06:00–07:01 UTC', () => {
    const { intervals } = weekWindows(calendarSource([parseCalendar('*-*-* 6:00')]), (60 + 60) * 60_000 - 60_000 + 60_000);
    expect(describeIntervals(intervals)).toBe('daily 06:00–08:00 UTC');
    const apt = weekWindows(calendarSource([parseCalendar('*-*-* 6:00')]), (3600 + 60) * 1000);
    expect(describeIntervals(apt.intervals)).toBe('daily 06:00–07:01 UTC');
  });

  it('a local-time schedule covers both DST positions (conservative union)', () => {
    const { intervals } = weekWindows(calendarSource([parseCalendar('Sun 03:00 America/New_York')]), 60_000);
    expect(intervals).toEqual([[6 * 1440 + 420, 6 * 1440 + 421], [6 * 1440 + 480, 6 * 1440 + 481]]);
  });

  it('RRULE windows match rrule.js and yearly schedules still land in the week', () => {
    const start = Date.UTC(2024, 0, 6, 2);
    const src = rruleSource('FREQ=WEEKLY;BYDAY=SA,SU', start);
    const want = new RRule({ freq: RRule.WEEKLY, byweekday: [RRule.SA, RRule.SU], dtstart: new Date(start) }).between(new Date(Date.UTC(2025, 1, 24)), new Date(Date.UTC(2025, 2, 24)), true);
    expect([...src(Date.UTC(2025, 1, 24), Date.UTC(2025, 2, 24))]).toEqual(want.map((d) => d.getTime()));
    expect(weekWindows(calendarSource([parseCalendar('yearly')]), 60_000).intervals).toHaveLength(1);
  });
});
