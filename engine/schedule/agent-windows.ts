/**
 * Reboot windows of the OS update agents of container-optimised distributions, read from their
 * configuration entries (the 'keyvalue' documents of scanners/keyvalue):
 *
 *   - Zincati (Fedora CoreOS), `zincati/config.d/*.toml`: `[updates] strategy = "periodic"` with
 *     `[[updates.periodic.window]] days = [...]`, `start_time = "HH:MM"`, `length_minutes = N`, and
 *     `[updates.periodic] time_zone` (default UTC; `localtime` = the node's zone). Fragments are
 *     read in file-name order: `strategy` and `time_zone` last-wins, windows accumulate.
 *   - locksmith (Flatcar Container Linux), `/etc/flatcar/update.conf` (or `/etc/coreos/`):
 *     `REBOOT_WINDOW_START=[Weekday ]HH:MM` and `REBOOT_WINDOW_LENGTH=<Go duration>`, both needed,
 *     in the node's local time; `REBOOT_STRATEGY=off` disables reboots (no window).
 *
 * Pure: entries in, weekly windows out. Times are minutes from local midnight.
 */
import type { KeyValueEntry } from '../model.js';
import type { Loc } from '../source.js';

export interface AgentWindow {
  /** Weekdays, 0 = Monday; all seven when the window is daily. */
  days: number[];
  startMinute: number;
  lengthMinutes: number;
  /** Where the window is written (its start time). */
  loc: Loc;
  /** As written, for messages. */
  text: string;
}

export interface AgentSchedule {
  agent: 'zincati' | 'locksmith';
  windows: AgentWindow[];
  /** IANA zone, 'UTC', or 'localtime' (the node's zone). */
  zone: string;
  zoneLoc?: Loc;
  /** The strategy entry that turns the windows on, when written. */
  strategyLoc?: Loc;
  /** Entries the agent would reject or that we cannot read. */
  problems: { message: string; loc: Loc }[];
}

const DAYS: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };
const FULL = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** `Mon` / `monday` (any case) → 0..6. */
export function parseWeekday(s: string): number | undefined {
  const v = s.trim().toLowerCase();
  if (v in DAYS) return DAYS[v];
  const i = FULL.indexOf(v);
  return i < 0 ? undefined : i;
}

/** `HH:MM` (24 h) → minutes, or undefined. */
export function parseClock(s: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return undefined;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** A Go `time.ParseDuration` string (`1h30m`, `90m`, `45m0s`) → minutes, or undefined. */
export function parseGoDuration(s: string): number | undefined {
  const t = s.trim();
  if (!t || !/^(\d+(\.\d*)?(h|m|s|ms|us|µs|ns))+$/.test(t)) return undefined;
  const unit: Record<string, number> = { h: 60, m: 1, s: 1 / 60, ms: 1 / 60_000, us: 1 / 6e7, µs: 1 / 6e7, ns: 1 / 6e10 };
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d*)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

function fullKey(e: KeyValueEntry): string {
  return e.table ? `${e.table}.${e.key}` : e.key;
}

/** Zincati: the fragments of one node, in the order Zincati reads them (file name order). */
export function zincatiSchedule(fragments: readonly (readonly KeyValueEntry[])[]): AgentSchedule | undefined {
  let strategy: KeyValueEntry | undefined;
  let zone: KeyValueEntry | undefined;
  const windows: AgentWindow[] = [];
  const problems: AgentSchedule['problems'] = [];
  for (const entries of fragments) {
    const byIndex = new Map<number, KeyValueEntry[]>();
    for (const e of entries) {
      const k = fullKey(e);
      if (k === 'updates.strategy') strategy = e;
      else if (k === 'updates.periodic.time_zone') zone = e;
      else if (e.table === 'updates.periodic.window') {
        const i = e.tableIndex ?? 0;
        byIndex.set(i, [...(byIndex.get(i) ?? []), e]);
      }
    }
    for (const es of byIndex.values()) {
      const get = (k: string) => es.find((e) => e.key === k);
      const days = get('days');
      const start = get('start_time');
      const len = get('length_minutes');
      const anchor = start ?? days ?? len ?? es[0];
      if (!days || !start || !len) {
        problems.push({ message: 'an [[updates.periodic.window]] needs days, start_time and length_minutes', loc: anchor.loc });
        continue;
      }
      const dayList = (days.list ?? [days.value]).map(parseWeekday);
      const startMinute = parseClock(start.value);
      const lengthMinutes = Number(len.value);
      if (dayList.some((d) => d === undefined) || startMinute === undefined || !Number.isInteger(lengthMinutes) || lengthMinutes <= 0) {
        problems.push({ message: `window days/start_time/length_minutes not understood: ${JSON.stringify(days.list ?? days.value)}, "${start.value}", ${len.value}`, loc: anchor.valueLoc });
        continue;
      }
      windows.push({ days: [...new Set(dayList as number[])].sort(), startMinute, lengthMinutes, loc: start.valueLoc, text: `days = ${JSON.stringify(days.list ?? [days.value])}, start_time = "${start.value}", length_minutes = ${len.value}` });
    }
  }
  if (strategy?.value !== 'periodic') return undefined;
  return { agent: 'zincati', windows, zone: zone?.value || 'UTC', zoneLoc: zone?.valueLoc, strategyLoc: strategy.valueLoc, problems };
}

/** locksmith: the entries of one update.conf (later assignments win, as the shell reads it). */
export function locksmithSchedule(entries: readonly KeyValueEntry[]): AgentSchedule | undefined {
  const last = (k: string) => [...entries].reverse().find((e) => e.key === k);
  const strategy = last('REBOOT_STRATEGY');
  const start = last('REBOOT_WINDOW_START');
  const len = last('REBOOT_WINDOW_LENGTH');
  if (!start || !len) return undefined;
  if (strategy?.value.trim().toLowerCase() === 'off') return undefined;
  const problems: AgentSchedule['problems'] = [];
  const m = /^\s*(?:([A-Za-z]+)\s+)?(\d{1,2}:\d{2})\s*$/.exec(start.value);
  const day = m?.[1] !== undefined ? parseWeekday(m[1]) : -1;
  const startMinute = m ? parseClock(m[2]) : undefined;
  const lengthMinutes = parseGoDuration(len.value);
  const windows: AgentWindow[] = [];
  if (!m || day === undefined || startMinute === undefined) problems.push({ message: `REBOOT_WINDOW_START="${start.value}" is not "[Weekday ]HH:MM"`, loc: start.valueLoc });
  else if (lengthMinutes === undefined || lengthMinutes <= 0) problems.push({ message: `REBOOT_WINDOW_LENGTH="${len.value}" is not a duration like 1h30m`, loc: len.valueLoc });
  else
    windows.push({
      days: day === -1 ? [0, 1, 2, 3, 4, 5, 6] : [day],
      startMinute,
      lengthMinutes: Math.ceil(lengthMinutes),
      loc: start.valueLoc,
      text: `REBOOT_WINDOW_START=${start.value} REBOOT_WINDOW_LENGTH=${len.value}`,
    });
  return { agent: 'locksmith', windows, zone: 'localtime', strategyLoc: strategy?.valueLoc, problems };
}
