/**
 * Schedule sources beyond systemd timers: Zincati periodic windows, locksmith reboot windows, SSM
 * `cutoff`, GKE maintenance exclusions — read through the real pipeline into ScheduleFacts.
 */
import { describe, expect, it } from 'vitest';
import { allSchedules, type ScheduleFact } from '../../engine/facts/schedules.js';
import { defineRule, type Rule } from '../../engine/rule-api.js';
import { locksmithSchedule, parseGoDuration, parseWeekday } from '../../engine/schedule/agent-windows.js';
import { scanFiles, where } from '../helpers/scan.js';

async function facts(files: Record<string, string>, config?: string): Promise<ScheduleFact[]> {
  let got: ScheduleFact[] = [];
  const probe = defineRule({
    meta: { id: 'T001', name: 'probe', title: 'probe', family: 'schedule', severity: 'info', description: '', rationale: '', remediation: '', formats: [], scope: 'scan', messages: { m: 'm' }, optionsSchema: {}, defaultOptions: {}, docs: '' },
    checkScan(ctx) {
      got = allSchedules(ctx.scan);
    },
  });
  await scanFiles(files, { rules: [probe as unknown as Rule<Record<string, unknown>>], config });
  return got;
}

/** Minute of week (0 = Monday 00:00 UTC) → `Mon 22:00`. */
function mow(m: number): string {
  const d = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][Math.floor(m / 1440)];
  const h = Math.floor((m % 1440) / 60);
  return `${d} ${String(h).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const zincati = (extra = '') => `[updates]
strategy = "periodic"
${extra}
[[updates.periodic.window]]
days = [ "Sat", "Sunday" ]
start_time = "22:30"
length_minutes = 60
`;

describe('Zincati periodic windows', () => {
  it('become reboot facts in UTC by default, attributed by directory, at start_time', async () => {
    const f = await facts({ 'regions/us-east-1/zincati/config.d/55-updates.toml': zincati() });
    expect(f.map((x) => [x.source, x.kind, x.region, x.timezone, x.timezoneFrom, x.windowMinutes])).toEqual([['zincati', 'reboot', 'us-east-1', 'UTC', 'platform-default', 60]]);
    expect(f[0].intervals.map(([a, b]) => `${mow(a)}-${mow(b)}`)).toEqual(['Sat 22:30-Sat 23:30', 'Sun 22:30-Sun 23:30']);
    expect(f[0].loc.start).toBeGreaterThan(0);
  });

  it('reads time_zone (both DST positions), and ignores non-periodic strategies', async () => {
    const f = await facts({
      'regions/eu-west-1/zincati/config.d/55-updates.toml': zincati('[updates.periodic]\ntime_zone = "Europe/Berlin"\n'),
      'regions/us-west-2/zincati/config.d/55-updates.toml': zincati().replace('periodic"', 'immediate"'),
    });
    expect(f).toHaveLength(1);
    expect(f[0].timezone).toBe('Europe/Berlin');
    expect(f[0].intervals.map(([a, b]) => `${mow(a)}-${mow(b)}`)).toEqual(['Sat 20:30-Sat 22:30', 'Sun 20:30-Sun 22:30']);
  });

  it('later fragments override the strategy; windows accumulate', async () => {
    const f = await facts({
      'regions/us-east-1/zincati/config.d/50-a.toml': zincati(),
      'regions/us-east-1/zincati/config.d/90-b.toml': '[updates]\nstrategy = "fleet_lock"\n',
    });
    expect(f).toEqual([]);
    const two = await facts({
      'regions/us-east-1/zincati/config.d/50-a.toml': zincati(),
      'regions/us-east-1/zincati/config.d/60-b.toml': '[[updates.periodic.window]]\ndays = [ "Wed" ]\nstart_time = "02:00"\nlength_minutes = 30\n',
    });
    expect(two.map((x) => x.expression)).toEqual(['days = ["Sat","Sunday"], start_time = "22:30", length_minutes = 60', 'days = ["Wed"], start_time = "02:00", length_minutes = 30']);
  });

  it('reads a drop-in written by a shell heredoc (embedded document), at its exact position', async () => {
    const sh = `#!/bin/bash\nset -e\nmkdir -p /etc/zincati/config.d\ncat > /etc/zincati/config.d/55-updates.toml <<'EOF'\n${zincati()}EOF\n`;
    const f = await facts({ 'regions/us-east-1/setup.sh': sh });
    expect(f.map((x) => [x.source, x.region, x.windowMinutes])).toEqual([['zincati', 'us-east-1', 60]]);
    expect(sh.slice(f[0].loc.start, f[0].loc.end)).toBe('22:30');
  });

  it('feeds FL201: the same UTC window in two regions is synchronised', async () => {
    const { result } = await scanFiles(
      { 'regions/us-east-1/zincati/config.d/55-updates.toml': zincati(), 'regions/eu-west-1/zincati/config.d/55-updates.toml': zincati() },
      { only: ['FL201'] },
    );
    expect(result.findings.map(where)).toEqual(['regions/eu-west-1/zincati/config.d/55-updates.toml:6:15-6:20 FL201']);
  });
});

describe('locksmith reboot windows (Flatcar update.conf)', () => {
  it('REBOOT_WINDOW_START/LENGTH in the node zone (UTC on clouds); strategy off disables', async () => {
    const f = await facts({
      'regions/us-east-1/flatcar/update.conf': 'GROUP=stable\nREBOOT_STRATEGY=reboot\nREBOOT_WINDOW_START="Thu 04:00"\nREBOOT_WINDOW_LENGTH=1h30m\n',
      'regions/eu-west-1/flatcar/update.conf': 'REBOOT_STRATEGY=off\nREBOOT_WINDOW_START=04:00\nREBOOT_WINDOW_LENGTH=1h\n',
    });
    expect(f.map((x) => [x.source, x.kind, x.region, x.timezone, x.windowMinutes])).toEqual([['locksmith', 'reboot', 'us-east-1', 'UTC', 90]]);
    expect(f[0].intervals.map(([a, b]) => `${mow(a)}-${mow(b)}`)).toEqual(['Thu 04:00-Thu 05:30']);
  });

  it('a daily window without weekday, and unreadable values become problems', async () => {
    const f = await facts({ 'regions/us-east-1/flatcar/update.conf': 'REBOOT_WINDOW_START=23:00\nREBOOT_WINDOW_LENGTH=2h\n', 'regions/eu-west-1/flatcar/update.conf': 'REBOOT_WINDOW_START=Thu 25:00\nREBOOT_WINDOW_LENGTH=1h\n' });
    const us = f.find((x) => x.region === 'us-east-1')!;
    // seven two-hour windows (the Sunday one wraps into Monday of the folded week)
    expect(us.intervals.reduce((n, [a, b]) => n + b - a, 0)).toBe(7 * 120);
    expect(mow(us.intervals[1][0])).toBe('Mon 23:00');
    const eu = f.find((x) => x.region === 'eu-west-1')!;
    expect(eu.problem?.kind).toBe('unparsable');
  });

  it('parses Go durations and weekdays', () => {
    expect(parseGoDuration('1h30m')).toBe(90);
    expect(parseGoDuration('45m0s')).toBe(45);
    expect(parseGoDuration('90')).toBeUndefined();
    expect(parseWeekday('thursday')).toBe(3);
    expect(locksmithSchedule([])).toBeUndefined();
  });
});

describe('SSM cutoff and GKE maintenance exclusions', () => {
  it('SSM: intervals keep the whole duration, startWindowMinutes = duration − cutoff', async () => {
    const f = await facts({ 'regions/us-east-1/main.tf': 'resource "aws_ssm_maintenance_window" "w" {\n  schedule = "cron(0 3 ? * SUN *)"\n  duration = 4\n  cutoff = 1\n}\n' });
    expect(f.map((x) => [x.windowMinutes, x.startWindowMinutes, x.expression])).toEqual([[240, 180, 'cron(0 3 ? * SUN *) duration 4h cutoff 1h']]);
    expect(f[0].intervals.map(([a, b]) => `${mow(a)}-${mow(b)}`)).toEqual(['Sun 03:00-Sun 07:00']);
  });

  it('GKE: exclusions are recorded with the windows, never folded into them', async () => {
    const tf = `resource "google_container_cluster" "c" {
  location = "europe-west1"
  maintenance_policy {
    daily_maintenance_window {
      start_time = "03:00"
    }
    maintenance_exclusion {
      exclusion_name = "black-friday"
      start_time     = "2025-11-27T00:00:00Z"
      end_time       = "2025-12-02T00:00:00Z"
      exclusion_options {
        scope = "NO_MINOR_UPGRADES"
      }
    }
  }
}
`;
    const f = await facts({ 'main.tf': tf });
    expect(f).toHaveLength(1);
    expect(f[0].intervals).toHaveLength(7);
    expect(f[0].exclusions?.map((e) => [e.name, e.start, e.end, e.scope])).toEqual([['black-friday', '2025-11-27T00:00:00Z', '2025-12-02T00:00:00Z', 'NO_MINOR_UPGRADES']]);
  });
});
