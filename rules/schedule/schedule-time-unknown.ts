/**
 * FL202 schedule-time-unknown: a schedule whose UTC time cannot be known from the configuration
 * (no timezone, an invalid one, a rate whose phase is set at creation, an unparsable expression).
 */
import { allSchedules } from '../../engine/facts/schedules.js';
import { defineRule } from '../../engine/rule-api.js';

export default defineRule<{ includeJobs: boolean }>({
  meta: {
    id: 'FL202',
    name: 'schedule-time-unknown',
    title: 'Schedule whose UTC time cannot be determined',
    family: 'schedule',
    severity: 'info',
    description:
      "Reports schedules faultline cannot place in UTC, instead of silently assuming a timezone: a Kubernetes CronJob without `spec.timeZone` (it runs in the kube-controller-manager's zone), kured with `--time-zone=Local`, a systemd timer on nodes whose timezone the fleet map does not give, an invalid IANA zone name (warning), an AWS `rate()` whose phase is set when the schedule is created, or an expression that does not parse (warning). Platform-documented defaults are not reported: cloud images run UTC, SSM maintenance windows and EventBridge schedules default to UTC, GKE and AKS windows are in UTC unless an offset is given.",
    rationale:
      'The 2023-03-08 multi-region outage came from update timers that fired at the same UTC hour everywhere. A blast-radius check is only as good as the times it can compute: a schedule with an unknown zone is a window that could coincide with every other region\'s and nobody can tell.',
    remediation:
      'Write the timezone down: `spec.timeZone` on CronJobs, an explicit zone suffix on `OnCalendar=` or `fleet.regions.<name>.timezone` in faultline.yaml, a valid IANA name, and cron() instead of rate() for anything that disrupts nodes.',
    formats: ['systemd-unit', 'terraform', 'kubernetes'],
    scope: 'scan',
    messages: {
      'timezone-unknown': '{label}: {detail}; its UTC window cannot be checked against other regions.',
      'timezone-invalid': '{label}: {detail}.',
      'phase-unknown': '{label}: {detail}; its UTC window cannot be checked against other regions.',
      unparsable: '{label}: {detail}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { includeJobs: { type: 'boolean', default: true, description: 'Also report schedules of ordinary jobs (not only installs, reboots and maintenance windows).' } },
    },
    defaultOptions: { includeJobs: true },
    tags: ['schedule', 'timezone'],
    docs: 'docs/rules/schedule-time-unknown.md',
  },
  checkScan(ctx) {
    const seen = new Set<string>();
    for (const f of allSchedules(ctx.scan)) {
      if (!f.problem) continue;
      if (f.kind === 'job' && !ctx.options.includeJobs) continue;
      const key = `${f.problem.loc.file}|${f.problem.loc.start}|${f.problem.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({
        messageId: f.problem.kind,
        data: { label: f.label, detail: f.problem.message },
        loc: f.problem.loc,
        resource: f.resource,
        resourceLoc: f.resourceLoc,
        document: f.document,
        severity: f.problem.kind === 'timezone-invalid' || f.problem.kind === 'unparsable' ? 'warning' : undefined,
        key: f.problem.kind,
      });
    }
  },
});
