/**
 * FL203 update-timer-small-randomized-delay: an update or reboot timer whose RandomizedDelaySec
 * is too small to spread the fleet.
 */
import { allSchedules } from '../../engine/facts/schedules.js';
import { defineRule } from '../../engine/rule-api.js';
import { formatSpan, parseSpan } from '../../engine/schedule/span.js';

export default defineRule<{ minRandomizedDelay: string }>({
  meta: {
    id: 'FL203',
    name: 'update-timer-small-randomized-delay',
    title: 'Update timer fires on every node within minutes',
    family: 'schedule',
    severity: 'warning',
    description:
      'A systemd timer that installs packages or reboots (followed to its service\'s `ExecStart=`) has no `RandomizedDelaySec=` or one below the minimum: every node of the fleet that runs it starts within the same few minutes.',
    rationale:
      'On 2023-03-08 every node\'s update timer fired in the same 06:00–07:00 UTC hour and a systemd update took tens of thousands of nodes offline before anyone could react. Without spread, the first sign of a bad update is the whole fleet failing at once.',
    remediation:
      'Set `RandomizedDelaySec=` to several hours (and leave `FixedRandomDelay=` off unless each node has its own machine-id), or better, stop updating in place and roll new images out region by region.',
    formats: ['systemd-unit'],
    scope: 'scan',
    messages: {
      small: '{unit} ({action}) spreads nodes over only {delay} (RandomizedDelaySec); every node runs it within the same window. Use at least {min}.',
      none: '{unit} ({action}) has no RandomizedDelaySec: every node runs it at the same instant ({expression}).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minRandomizedDelay: { type: 'string', pattern: '\\S', default: '1h', description: 'Smallest acceptable RandomizedDelaySec, as a systemd time span (`1h`, `90min`).' },
      },
    },
    defaultOptions: { minRandomizedDelay: '1h' },
    tags: ['schedule', 'systemd'],
    docs: 'docs/rules/update-timer-small-randomized-delay.md',
  },
  checkScan(ctx) {
    const min = parseSpan(ctx.options.minRandomizedDelay);
    if (min === undefined) throw new Error(`FL203: minRandomizedDelay '${ctx.options.minRandomizedDelay}' is not a systemd time span`);
    const seen = new Set<string>();
    for (const f of allSchedules(ctx.scan)) {
      const t = f.timer;
      if (!t || t.randomizedDelaySec >= min) continue;
      const loc = t.randomizedDelayLoc ?? f.loc;
      const key = `${loc.file}|${loc.start}|${t.unit}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({
        messageId: t.randomizedDelaySec > 0 ? 'small' : 'none',
        data: { unit: t.unit, action: t.action, delay: formatSpan(t.randomizedDelaySec), min: formatSpan(min), expression: f.expression },
        loc,
        resource: t.unit,
        document: f.document,
        related: f.related.slice(0, 3),
        key: t.unit,
      });
    }
  },
});
