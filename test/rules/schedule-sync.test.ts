import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const ssm = (alias: string, region: string, cron: string, tz?: string) => `
provider "aws" {
  alias  = "${alias}"
  region = "${region}"
}

resource "aws_ssm_maintenance_window" "patch_${alias}" {
  provider = aws.${alias}
  name     = "patch-${alias}"
  schedule = "${cron}"
  duration = 1
  cutoff   = 0${tz ? `\n  schedule_timezone = "${tz}"` : ''}
}
`;

const timer = (cal: string, delay = '') => `[Unit]\nDescription=Upgrade\n\n[Timer]\nOnCalendar=${cal}\n${delay}Persistent=true\n\n[Install]\nWantedBy=timers.target\n`;
const service = '[Unit]\nDescription=Upgrade\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/unattended-upgrade -v\n';

describe('FL201 synchronized-updates-across-regions', () => {
  const only = ['FL201'];

  it('flags SSM maintenance windows in three regions at the same UTC hour, naming regions, window and locations', async () => {
    const tf = ssm('use1', 'us-east-1', 'cron(0 3 ? * SUN *)') + ssm('euw1', 'eu-west-1', 'cron(0 3 ? * SUN *)') + ssm('apse1', 'ap-southeast-1', 'cron(30 3 ? * SUN *)');
    const { result } = await scanFiles({ 'infra/main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['infra/main.tf:36:14-36:36 FL201']);
    const f = result.findings[0];
    expect(f.message).toContain('3 regions (ap-southeast-1, eu-west-1, us-east-1)');
    expect(f.message).toContain('Sun 03:00–04:00 UTC');
    const lines = f.related.filter((r) => /→/.test(r.message)).map((r) => r.range.start.line);
    expect(lines).toEqual([36, 23, 10]);
    // the computed windows are published for the timeline
    expect(result.schedules?.map((s) => [s.region, s.kind, s.intervals[0]])).toEqual([
      ['ap-southeast-1', 'maintenance', [6 * 1440 + 210, 6 * 1440 + 270]],
      ['eu-west-1', 'maintenance', [6 * 1440 + 180, 6 * 1440 + 240]],
      ['us-east-1', 'maintenance', [6 * 1440 + 180, 6 * 1440 + 240]],
    ]);
  });

  it('does not flag the same cron at 03:00 local time in three far-apart timezones', async () => {
    const tf =
      ssm('use1', 'us-east-1', 'cron(0 3 ? * SUN *)', 'America/New_York') +
      ssm('euw1', 'eu-west-1', 'cron(0 3 ? * SUN *)', 'Europe/Dublin') +
      ssm('apse1', 'ap-southeast-1', 'cron(0 3 ? * SUN *)', 'Asia/Singapore');
    const { result } = await scanFiles({ 'infra/main.tf': tf }, { only });
    expect(result.findings).toEqual([]);
    // DST: New York's window covers both 07:00 and 08:00 UTC
    const ny = result.schedules!.find((s) => s.region === 'us-east-1')!;
    expect(ny.timezone).toBe('America/New_York');
    expect(ny.intervals).toEqual([[6 * 1440 + 420, 6 * 1440 + 540]]);
  });

  it('flags per-region systemd timers with the same OnCalendar; staggered ones with a health gap are not', async () => {
    const same = {
      'regions/us1/files/upgrade.timer': timer('*-*-* 06:00', 'RandomizedDelaySec=60m\n'),
      'regions/us1/files/upgrade.service': service,
      'regions/eu1/files/upgrade.timer': timer('*-*-* 06:00', 'RandomizedDelaySec=60m\n'),
      'regions/eu1/files/upgrade.service': service,
    };
    const { result } = await scanFiles(same, { only });
    expect(result.findings.map(where)).toEqual(['regions/eu1/files/upgrade.timer:5:12-5:23 FL201']);
    expect(result.findings[0].message).toMatch(/install windows of 2 regions \(eu1, us1\).*daily 06:00–07:01 UTC/);
    expect(result.findings[0].related.map((r) => r.path)).toEqual(expect.arrayContaining(['regions/us1/files/upgrade.timer', 'regions/us1/files/upgrade.service']));

    const staggered = {
      ...same,
      'regions/eu1/files/upgrade.timer': timer('*-*-* 08:00', 'RandomizedDelaySec=30m\n'),
    };
    expect((await scanFiles(staggered, { only })).result.findings).toEqual([]);
    // inside the 30-minute health gap: 07:01 end vs 07:20 start
    const tooClose = { ...same, 'regions/eu1/files/upgrade.timer': timer('*-*-* 07:20') };
    expect((await scanFiles(tooClose, { only })).result.findings).toHaveLength(1);
    const gap0 = await scanFiles(tooClose, { only, config: 'rules:\n  FL201: { options: { healthGapMinutes: 0 } }\n' });
    expect(gap0.result.findings).toEqual([]);
  });

  it("lists the first maxRelatedPerRegion schedules of each region and counts the rest, without changing the finding's identity", async () => {
    const files: Record<string, string> = {};
    const add = (region: string, n: number) => {
      for (let i = 1; i <= n; i++) {
        files[`regions/${region}/files/upgrade-${i}.timer`] = timer('*-*-* 06:00');
        files[`regions/${region}/files/upgrade-${i}.service`] = service;
      }
    };
    add('us1', 7);
    add('eu1', 2);
    const scheduleLines = (f: { related: { path: string; message: string }[] }, region: string) =>
      f.related.filter((r) => r.message.startsWith(`${region}: `) && r.message.includes('→')).map((r) => r.path);

    const capped = (await scanFiles(files, { only })).result.findings;
    expect(capped).toHaveLength(1);
    expect(scheduleLines(capped[0], 'us1')).toEqual([1, 2, 3, 4, 5].map((i) => `regions/us1/files/upgrade-${i}.timer`));
    expect(scheduleLines(capped[0], 'eu1')).toEqual([1, 2].map((i) => `regions/eu1/files/upgrade-${i}.timer`));
    const more = capped[0].related.filter((r) => /more schedules? in this window, not listed/.test(r.message));
    expect(more.map((r) => [r.path, r.message.slice(0, r.message.indexOf(','))])).toEqual([['regions/us1/files/upgrade-6.timer', 'us1: 2 more schedules in this window']]);

    const all = (await scanFiles(files, { only, config: 'rules:\n  FL201: { options: { maxRelatedPerRegion: 7 } }\n' })).result.findings;
    expect(scheduleLines(all[0], 'us1')).toHaveLength(7);
    expect(all[0].related.some((r) => /not listed/.test(r.message))).toBe(false);
    // same hazard, same finding: message and fingerprint do not depend on how much is listed
    expect([all[0].message, all[0].fingerprint]).toEqual([capped[0].message, capped[0].fingerprint]);

    await expect(scanFiles(files, { only, config: 'rules:\n  FL201: { options: { maxRelatedPerRegion: 0 } }\n' })).rejects.toThrow(/maxRelatedPerRegion/);
  });

  it('follows the timer to its service: a download-only timer is not an update window', async () => {
    const files = {
      'regions/us1/a.timer': timer('*-*-* 06:00'),
      'regions/us1/a.service': '[Service]\nExecStart=/usr/lib/apt/apt.systemd.daily update\n',
      'regions/eu1/a.timer': timer('*-*-* 06:00'),
      'regions/eu1/a.service': '[Service]\nExecStart=/usr/lib/apt/apt.systemd.daily update\n',
    };
    expect((await scanFiles(files, { only })).result.findings).toEqual([]);
  });

  it('folds drop-ins: an empty OnCalendar= resets the stock schedule', async () => {
    const files = {
      'regions/us1/apt-daily-upgrade.timer': timer('*-*-* 6:00'),
      'regions/eu1/apt-daily-upgrade.timer': timer('*-*-* 6:00'),
      'regions/eu1/apt-daily-upgrade.timer.d/override.conf': '[Timer]\nOnCalendar=\nOnCalendar=Mon 12:00 UTC\n',
    };
    const { result } = await scanFiles(files, { only });
    expect(result.findings).toEqual([]);
    const eu = result.schedules!.find((s) => s.region === 'eu1')!;
    expect(eu.expression).toBe('OnCalendar=Mon 12:00 UTC');
    expect(eu.intervals).toEqual([[720, 721]]);
  });

  it('attributes a cloud-init timer in regions/<r>/main.tf to that region, and counts maxConcurrentRegions', async () => {
    const lt = (r: string) => `resource "aws_launch_template" "nodes" {
  user_data = base64encode(<<-EOT
    #cloud-config
    write_files:
      - path: /etc/systemd/system/patch.timer
        content: |
          [Timer]
          OnCalendar=Sun *-*-* 02:00:00
      - path: /etc/systemd/system/patch.service
        content: |
          [Service]
          ExecStart=/bin/sh -c 'dnf -y upgrade && systemctl reboot'
  EOT
  )
}
`;
    const files = { 'regions/us1/main.tf': lt('us1'), 'regions/eu1/main.tf': lt('eu1'), 'regions/ap1/main.tf': lt('ap1') };
    const { result } = await scanFiles(files, { only });
    expect(result.findings.map(where)).toEqual(['regions/ap1/main.tf:8:22-8:40 FL201']);
    expect(result.findings[0].message).toMatch(/reboot windows of 3 regions \(ap1, eu1, us1\)/);
    const two = await scanFiles(files, { only, config: 'rules:\n  FL201: { options: { maxConcurrentRegions: 3 } }\n' });
    expect(two.result.findings).toEqual([]);
    await expect(scanFiles(files, { only, config: 'rules:\n  FL201: { options: { maxConcurrent: 3 } }\n' })).rejects.toThrow(/unknown option/);
  });

  it('reads GKE daily and recurring windows and AKS auto-upgrade windows', async () => {
    const tf = `
resource "google_container_cluster" "eu" {
  location = "europe-west1"
  maintenance_policy {
    recurring_window {
      start_time = "2024-01-06T02:00:00Z"
      end_time   = "2024-01-06T06:00:00Z"
      recurrence = "FREQ=WEEKLY;BYDAY=SA"
    }
  }
}

resource "google_container_cluster" "us" {
  location = "us-central1"
  maintenance_policy {
    daily_maintenance_window {
      start_time = "03:00"
    }
  }
}

resource "azurerm_kubernetes_cluster" "aks" {
  location = "westeurope"
  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    duration    = 4
    day_of_week = "Saturday"
    start_time  = "05:00"
    utc_offset  = "+02:00"
  }
}
`;
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    const w = Object.fromEntries(result.schedules!.map((s) => [s.region, s.intervals]));
    expect(w['europe-west1']).toEqual([[5 * 1440 + 120, 5 * 1440 + 360]]);
    expect(w['us-central1']).toHaveLength(7);
    expect(w['westeurope']).toEqual([[5 * 1440 + 180, 5 * 1440 + 420]]);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0].message).toContain('3 regions (europe-west1, us-central1, westeurope)');
  });
});
