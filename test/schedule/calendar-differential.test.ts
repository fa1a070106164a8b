/**
 * Differential test of engine/schedule/calendar.ts against the real `systemd-analyze calendar`
 * (Debian's systemd): a seeded generator produces a few thousand expressions covering the whole
 * systemd.time(7) calendar syntax (weekday lists and ranges, `..` ranges, `/` repetitions, `~`
 * month-end days, two-digit years, fractional seconds, shorthands, timezone suffixes, and
 * malformed input); for each we compare acceptance, the normalised form and the next N elapse
 * times from fixed base times (one of them right before the European and US DST changes).
 *
 * systemd-analyze must be present (`npm test` installs Debian's systemd): the test fails, it does
 * not skip, when it is missing.
 */
import { describe, expect, it } from 'vitest';
import { CalendarError, formatCalendar, nextElapse, parseCalendar } from '../../engine/schedule/calendar.js';
import { systemdAnalyzeAvailable, systemdAnalyzeCalendar, type OracleResult } from './systemd-analyze.js';
// @ts-expect-error the bench generator is plain JavaScript
import { rng as mulberry32 } from '../../bench/generate.mjs';

/** The bench generator's seeded generator (mulberry32), with the draws these cases need. */
function rng(seed: number) {
  const next: () => number = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}

type R = ReturnType<typeof rng>;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Auckland', 'Europe/London', 'America/Sao_Paulo', 'Etc/UTC'];
const SHORT = ['minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'semiannually', 'semi-annually', 'biannually', 'Daily', 'WEEKLY'];

function dayName(r: R, i: number): string {
  const n = r.chance(0.2) ? LONG[i] : DAYS[i];
  return r.chance(0.15) ? n.toLowerCase() : r.chance(0.05) ? n.toUpperCase() : n;
}

function weekdays(r: R): string {
  const parts: string[] = [];
  for (let k = r.int(1, 3); k > 0; k--) {
    const a = r.int(0, 6);
    if (r.chance(0.4)) {
      const b = r.chance(0.9) ? r.int(a, 6) : r.int(0, 6);
      parts.push(`${dayName(r, a)}${r.chance(0.85) ? '..' : '-'}${dayName(r, b)}`);
    } else parts.push(dayName(r, a));
  }
  return parts.join(',') + (r.chance(0.03) ? ',' : '');
}

function num(r: R, lo: number, hi: number, width: number): string {
  const v = r.int(lo, hi);
  return r.chance(0.5) ? String(v).padStart(width, '0') : String(v);
}

/** One component chain: `*`, `5`, `1..5`, `0/15`, `1..20/3`, lists. */
function chain(r: R, lo: number, hi: number, width: number, allowStar = true): string {
  if (allowStar && r.chance(0.3)) return '*';
  const items: string[] = [];
  for (let k = r.chance(0.75) ? 1 : r.int(2, 4); k > 0; k--) {
    const kind = r.int(0, 9);
    const a = r.int(lo, hi);
    if (kind <= 4) items.push(num(r, a, a, width));
    else if (kind <= 6) items.push(`${num(r, a, a, width)}..${num(r, a, Math.min(hi + (r.chance(0.05) ? 3 : 0), a + r.int(0, hi - lo)), width)}`);
    else if (kind <= 8) items.push(`${num(r, a, a, width)}/${r.int(r.chance(0.03) ? 0 : 1, Math.max(1, Math.floor((hi - lo) / 2)))}`);
    else items.push(`${num(r, a, a, width)}..${num(r, a, hi, width)}/${r.int(1, Math.max(1, Math.floor((hi - lo) / 3)))}`);
  }
  return items.join(',');
}

function seconds(r: R): string {
  const k = r.int(0, 9);
  if (k <= 2) return '*';
  if (k <= 5) return num(r, 0, 59, 2);
  if (k === 6) return `${r.int(0, 59)}.${String(r.int(0, 9999999)).slice(0, r.int(1, 7))}`;
  if (k === 7) return `${r.int(0, 30)}/${r.int(1, 20)}${r.chance(0.5) ? '.' + r.int(1, 99) : ''}`;
  if (k === 8) return `${r.int(0, 20)}..${r.int(20, 59)}${r.chance(0.4) ? '/' + r.int(1, 15) : ''}`;
  return `${r.int(0, 59)},${r.int(0, 59)}`;
}

function year(r: R): string {
  const k = r.int(0, 5);
  if (k <= 1) return '*';
  if (k === 2) return String(r.int(2020, 2032));
  if (k === 3) return String(r.int(0, 99)).padStart(2, '0');
  if (k === 4) return `${r.int(2020, 2026)}..${r.int(2024, 2040)}`;
  return `${r.int(2020, 2030)}/${r.int(1, 4)}`;
}

function date(r: R): string {
  const k = r.int(0, 9);
  const month = chain(r, 1, 12, 2);
  const dayEnd = r.chance(0.15);
  const day = dayEnd ? chain(r, 1, 28, 2, r.chance(0.5)) : chain(r, 1, 31, 2);
  const sep = dayEnd ? '~' : '-';
  if (k <= 1) return '*-*-*';
  if (k <= 5) return `${year(r)}-${month}${sep}${day}`;
  return `${month}${sep}${day}`;
}

function time(r: R): string {
  const h = r.chance(0.7) ? num(r, 0, 23, 2) : chain(r, 0, 23, 2);
  const m = r.chance(0.6) ? num(r, 0, 59, 2) : chain(r, 0, 59, 2);
  return r.chance(0.5) ? `${h}:${m}` : `${h}:${m}:${seconds(r)}`;
}

const MALFORMED = ['', 'bogus', 'Mon..', 'Fri..Mon', '*-*-* 25:00', '*-*-* 12:60', '*-13-01', '*-*-32', '*/5', '12:00 Mars/Olympus', '*-*~29', 'Mon,,Tue', '1..3/0:00', '*-*-* 1:2:3:4', '*-*-* 12:00:00.', 'Mon-Tue-Wed', '2200-01-01', '1969-12-31', '*-*-* *:*:*.5', '@', 'hourly UTC UTC', 'Monday2', '*-*-* 00:00:60', '*-*-* 00:00:59.9999999', '*-01..03/2-* 0:0'];

function generate(seed: number, count: number): string[] {
  const r = rng(seed);
  const out = new Set<string>(MALFORMED.filter((m) => m !== ''));
  while (out.size < count) {
    let e: string;
    const k = r.int(0, 99);
    if (k < 6) e = r.pick(SHORT);
    else if (k < 9) e = `@${r.int(0, 2_000_000_000)}`;
    else {
      const parts: string[] = [];
      if (r.chance(0.3)) parts.push(weekdays(r));
      const kind = r.int(0, 9);
      if (kind <= 5) parts.push(date(r), time(r));
      else if (kind <= 8) parts.push(time(r));
      else parts.push(date(r));
      e = parts.join(' ');
    }
    const z = r.int(0, 99);
    if (z < 8) e += ' ' + r.pick(ZONES);
    else if (z < 12) e += r.chance(0.5) ? ' UTC' : ' utc';
    out.add(e);
  }
  return [...out];
}

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
function formatTimestamp(usec: number): string {
  const d = new Date(Math.floor(usec / 1_000_000) * 1000);
  return `${DOW[d.getUTCDay()]} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function ours(expr: string, baseUsec: number, iterations: number): OracleResult {
  let spec;
  try {
    spec = parseCalendar(expr);
  } catch (e) {
    if (e instanceof CalendarError) return { elapses: [] };
    throw e;
  }
  const elapses: string[] = [];
  let t = baseUsec;
  for (let i = 0; i < iterations; i++) {
    const n = nextElapse(spec, t);
    if (n === undefined) break;
    elapses.push(formatTimestamp(n));
    t = n;
  }
  return { normalized: formatCalendar(spec), elapses };
}

const BASES = ['2024-03-28 22:13:07 UTC', '2023-10-28 23:59:59 UTC', '2025-06-15 12:00:00 UTC'];
const ITERATIONS = 6;
const COUNT = 1500;

describe('systemd calendar events vs systemd-analyze calendar', () => {
  it('systemd-analyze is installed (the oracle is required, not optional)', () => {
    expect(systemdAnalyzeAvailable(), 'systemd-analyze not found: install Debian systemd (npm test does it)').toBe(true);
  });

  it(`agrees on acceptance, normalised form and ${ITERATIONS} elapses for ${COUNT} generated expressions × ${BASES.length} base times`, () => {
    const exprs = generate(20230308, COUNT);
    expect(exprs.length).toBeGreaterThanOrEqual(1000);
    const mismatches: string[] = [];
    let accepted = 0;
    const oracleGaveUp: string[] = [];
    for (const base of BASES) {
      const baseUsec = Date.parse(base.replace(' UTC', 'Z').replace(' ', 'T')) * 1000;
      for (let i = 0; i < exprs.length; i += 250) {
        const batch = exprs.slice(i, i + 250);
        const oracle = systemdAnalyzeCalendar(batch, base, ITERATIONS);
        for (const e of batch) {
          const want = oracle.get(e);
          if (!want) {
            mismatches.push(`${JSON.stringify(e)}: no systemd-analyze output`);
            continue;
          }
          if (want.elapseError) {
            // systemd 252 itself gives up on a few expressions right at a DST change (its
            // 1000-iteration guard, history-dependent glibc mktime): nothing to compare with
            oracleGaveUp.push(`${e} @ ${base}`);
            continue;
          }
          const got = ours(e, baseUsec, ITERATIONS);
          if (want.normalized !== undefined) accepted++;
          if (got.normalized !== want.normalized || got.elapses.join('|') !== want.elapses.join('|')) {
            mismatches.push(`${JSON.stringify(e)} @ ${base}\n  systemd: ${JSON.stringify(want)}\n  ours:    ${JSON.stringify(got)}`);
          }
        }
      }
    }
    expect(mismatches.slice(0, 20).join('\n')).toBe('');
    expect(mismatches.length).toBe(0);
    // the generator must mostly produce valid expressions to exercise the elapse maths
    expect(oracleGaveUp.length).toBeLessThan(exprs.length * BASES.length * 0.005);
    expect(accepted).toBeGreaterThan(exprs.length * BASES.length * 0.6);
  });
});
