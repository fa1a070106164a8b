/**
 * FL205 update-timer-persistent-autoscaled (info): `Persistent=true` on an update or reboot timer of
 * an image launched by an autoscaled group. A node that was off (or not yet booted from an image
 * that already carries the timer's stamp) when the calendar elapsed runs the job right at boot, so
 * a scale-out or a mass replacement runs the update on every new node at once, outside the window.
 */
import { at, describeImage, nodeImages } from '../../engine/facts/node-image.js';
import { timerSettings } from '../../engine/facts/schedules.js';
import { defineRule } from '../../engine/rule-api.js';
import { autoscaledBy } from './autoscaled.js';

export default defineRule<{ includeStock: boolean }>({
  meta: {
    id: 'FL205',
    name: 'update-timer-persistent-autoscaled',
    title: 'Persistent update timer on autoscaled nodes runs the update at boot',
    family: 'schedule',
    severity: 'info',
    description:
      'An update or reboot timer with `Persistent=true` (written, or the OS default such as Ubuntu\'s `apt-daily-upgrade.timer`) in a node image launched by an autoscaling group, EKS node group, GCE managed instance group, GKE/AKS node pool or VM scale set. Images without such a consumer in the scan are not reported.',
    rationale:
      'The 2023-03-08 outage came from update timers that ran on every node at once. `Persistent=true` catches up a missed run at boot: nodes started after the window — a scale-out, an instance refresh, an AZ evacuation — run the update as soon as they boot, together, coupling OS updates to scaling events instead of the schedule.',
    remediation:
      'Set `Persistent=false` on update timers of autoscaled nodes (new nodes come from a fresh image anyway), or clear `/var/lib/systemd/timers/` at the end of the image build so nodes start without a stale stamp.',
    formats: ['systemd-unit', 'packer', 'terraform'],
    scope: 'scan',
    messages: {
      persistent:
        '{unit} ({action}) has Persistent=true{stock} in {image}, which {group} autoscales: nodes booted after a missed run (scale-out, instance refresh) run the update at boot, together, outside the schedule.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        includeStock: { type: 'boolean', default: true, description: 'Also report OS-default timers (Ubuntu apt-daily-upgrade.timer) that are Persistent=true without a line in the repository.' },
      },
    },
    defaultOptions: { includeStock: true },
    tags: ['schedule', 'systemd', 'autoscaling'],
    docs: 'docs/rules/update-timer-persistent-autoscaled.md',
  },
  checkScan(ctx) {
    const seen = new Set<string>();
    for (const img of nodeImages(ctx.scan)) {
      if (img.kind !== 'packer' && img.kind !== 'layer') continue;
      const timers = img.timers.filter((t) => t.enabled && (t.action === 'install' || t.action === 'reboot')).map(timerSettings).filter((t) => t.persistent);
      if (!timers.length) continue;
      const group = autoscaledBy(ctx.scan, img);
      if (!group) continue;
      for (const t of timers) {
        if (!t.persistentLoc && !ctx.options.includeStock) continue;
        const loc = t.persistentLoc ?? t.evidence;
        const key = `${loc.file}|${loc.start}|${t.unit}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ctx.report({
          messageId: 'persistent',
          data: { unit: t.unit, action: t.action, stock: t.persistentLoc ? '' : ' (OS default)', image: describeImage(img), group: `${group.resource} (${at(ctx.scan, group.loc)})` },
          loc,
          resource: t.unit,
          related: [{ loc: group.loc, message: `${group.resource} launches ${describeImage(img)}` }],
          key: `${img.name}|${t.unit}`,
        });
      }
    }
  },
});
