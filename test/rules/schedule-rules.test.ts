import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const cronJob = (extra: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: certs
  namespace: kube-system
spec:
  schedule: "0 1 * * 0"
${extra}  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: c
              image: busybox
`;

describe('FL202 schedule-time-unknown', () => {
  const only = ['FL202'];
  it('reports a CronJob without timeZone (info) and an invalid zone (warning), not documented defaults', async () => {
    const { result } = await scanFiles(
      {
        'clusters/us1/a.yaml': cronJob(''),
        'clusters/us1/b.yaml': cronJob('  timeZone: Mars/Olympus\n'),
        'clusters/us1/c.yaml': cronJob('  timeZone: Etc/UTC\n'),
        'main.tf': 'resource "aws_ssm_maintenance_window" "w" {\n  schedule = "cron(0 3 ? * SUN *)"\n  duration = 2\n  cutoff = 1\n}\nresource "aws_ssm_maintenance_window" "r" {\n  schedule = "rate(7 days)"\n  duration = 2\n  cutoff = 1\n}\n',
      },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual([
      'clusters/us1/a.yaml:7:13-7:24 FL202 info',
      'clusters/us1/b.yaml:8:13-8:25 FL202 warning',
      'main.tf:7:14-7:28 FL202 info',
    ]);
    expect(result.findings[0].message).toMatch(/kube-controller-manager/);
    expect(result.findings[2].message).toMatch(/rate\(7 days\).*created/);
  });

  it('is silent when the zone cannot change which UTC hours a schedule touches, not when it can', async () => {
    const job = (schedule: string) => cronJob('').replace('"0 1 * * 0"', `"${schedule}"`);
    const { result } = await scanFiles(
      {
        'every-10-min.yaml': job('*/10 * * * *'),
        'every-minute.yaml': job('* * * * *'),
        'hourly-at-15.yaml': job('15 * * * *'),
        'every-6-hours.yaml': job('0 */6 * * *'),
      },
      { only },
    );
    // every 10 minutes, every minute and hourly cover every hour of the week in any zone; every 6 hours
    // lands on different UTC hours depending on the zone's offset
    expect(result.findings.map((f) => f.location.path)).toEqual(['every-6-hours.yaml']);
  });

  it('the same holds for timers on nodes whose timezone is unknown (bare metal)', async () => {
    const config = 'fleet:\n  regions:\n    dc1: { provider: baremetal, paths: ["dc1/**"] }\n';
    const unit = (cal: string) => `[Timer]\nOnCalendar=${cal}\n\n[Install]\nWantedBy=timers.target\n`;
    const svc = '[Service]\nExecStart=/usr/bin/unattended-upgrade\n';
    const { result } = await scanFiles(
      {
        'dc1/hourly/patch.timer': unit('hourly'),
        'dc1/hourly/patch.service': svc,
        'dc1/nightly/patch.timer': unit('*-*-* 03:00'),
        'dc1/nightly/patch.service': svc,
      },
      { only, config },
    );
    expect(result.findings.map((f) => f.location.path)).toEqual(['dc1/nightly/patch.timer']);
    expect(result.findings[0].message).toMatch(/timezone in region dc1 is unknown/);
  });
});

const timer = (body: string) => `[Timer]\n${body}\n[Install]\nWantedBy=timers.target\n`;

describe('FL203 update-timer-small-randomized-delay', () => {
  const only = ['FL203'];
  it('flags install/reboot timers with no or small RandomizedDelaySec, at the value', async () => {
    const { result } = await scanFiles(
      {
        'a/up.timer': timer('OnCalendar=daily\nRandomizedDelaySec=5min\n'),
        'a/up.service': '[Service]\nExecStart=/usr/bin/apt-get -y dist-upgrade\n',
        'b/reboot.timer': timer('OnCalendar=Sun 04:00\n'),
        'b/reboot.service': '[Service]\nExecStart=/sbin/shutdown -r now\n',
        'c/ok.timer': timer('OnCalendar=daily\nRandomizedDelaySec=6h\n'),
        'c/ok.service': '[Service]\nExecStart=/usr/bin/unattended-upgrade\n',
        'd/dl.timer': timer('OnCalendar=daily\n'),
        'd/dl.service': '[Service]\nExecStart=/usr/lib/apt/apt.systemd.daily update\n',
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a/up.timer:3:20-3:24 FL203', 'b/reboot.timer:2:12-2:21 FL203']);
    expect(result.findings[0].message).toMatch(/only 5min/);
    expect(result.findings[1].message).toMatch(/no RandomizedDelaySec/);
    const lenient = await scanFiles({ 'a/up.timer': timer('OnCalendar=daily\nRandomizedDelaySec=5min\n'), 'a/up.service': '[Service]\nExecStart=/usr/bin/apt-get -y dist-upgrade\n' }, { only, config: 'rules:\n  FL203: { options: { minRandomizedDelay: "1min" } }\n' });
    expect(lenient.result.findings).toEqual([]);
  });
});

describe('FL620 eks-node-group-wide-update', () => {
  const only = ['FL620'];
  it('flags a wide update_config, not a narrow one', async () => {
    const tf = (v: string) => `resource "aws_eks_node_group" "n" {\n  update_config {\n    ${v}\n  }\n}\n`;
    const { result } = await scanFiles({ 'a/main.tf': tf('max_unavailable_percentage = 50'), 'b/main.tf': tf('max_unavailable_percentage = 10'), 'c/main.tf': tf('max_unavailable = 30') }, { only });
    expect(result.findings.map(where)).toEqual(['a/main.tf:3:5-3:36 FL620', 'c/main.tf:3:5-3:25 FL620']);
  });
});

describe('FL621 asg-instance-refresh-without-checkpoints', () => {
  const only = ['FL621'];
  it('flags a low min_healthy_percentage without checkpoints', async () => {
    const tf = (extra: string) =>
      `resource "aws_autoscaling_group" "g" {\n  instance_refresh {\n    strategy = "Rolling"\n    preferences {\n      min_healthy_percentage = 50\n${extra}    }\n  }\n}\n`;
    const { result } = await scanFiles({ 'a/main.tf': tf(''), 'b/main.tf': tf('      checkpoint_percentages = [20, 100]\n') }, { only });
    expect(result.findings.map(where)).toEqual(['a/main.tf:5:7-5:34 FL621']);
    expect(result.findings[0].message).toMatch(/replace 50%/);
  });
});
