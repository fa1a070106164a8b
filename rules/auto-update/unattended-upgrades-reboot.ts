/**
 * FL102 unattended-upgrades-reboot: unattended-upgrades reboots nodes by itself, immediately or
 * at one fixed fleet-wide time.
 */
import { defineRule } from '../../engine/rule-api.js';
import { aptTruthy, aptValue, describeRegions, reportableImages, type NodeImage } from '../../engine/facts/node-image.js';

function rebootOf(img: NodeImage) {
  const on = aptValue(img.apt, 'Unattended-Upgrade::Automatic-Reboot');
  if (!on?.loc || aptTruthy(on.value) !== true) return undefined;
  if (img.kind !== 'file' && img.unattendedUpgrades.state !== 'enabled') return undefined;
  return { on, time: aptValue(img.apt, 'Unattended-Upgrade::Automatic-Reboot-Time') };
}

export default defineRule<{ allowFixedTime: boolean }>({
  meta: {
    id: 'FL102',
    name: 'unattended-upgrades-reboot',
    title: 'unattended-upgrades reboots nodes immediately or at one fleet-wide time',
    family: 'auto-update',
    severity: 'warning',
    description:
      'In the effective apt configuration of a node image where unattended-upgrades runs (or in an apt fragment scanned alone), `Unattended-Upgrade::Automatic-Reboot` is true with no `Automatic-Reboot-Time` (the node reboots right after the upgrade, "now") or with one fixed time that every node of every region shares.',
    rationale:
      'The 2023-03-08 outage began with unattended-upgrades acting at the same 06:00 UTC window on every node of five regions. Automatic reboots add a second synchronised action: every node that installed a kernel or libc update reboots within the same minutes, draining whole clusters at once instead of one failure domain at a time.',
    remediation:
      'Set `Unattended-Upgrade::Automatic-Reboot "false";` and reboot through a coordinated mechanism (kured with a lock and per-region windows, or image rollouts). If you must reboot automatically, give each region or node group its own `Automatic-Reboot-Time`.',
    formats: ['apt-conf', 'packer', 'terraform', 'shell', 'cloud-config'],
    scope: 'scan',
    messages: {
      now: 'unattended-upgrades reboots {where} as soon as an update needs it (Automatic-Reboot "{value}" with no Automatic-Reboot-Time): nodes that installed the same update reboot together, across {regions}.',
      fixed: 'unattended-upgrades reboots {where} at the fixed time {time}: every node that needs a reboot goes down at the same moment, across {regions}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { allowFixedTime: { type: 'boolean', default: false, description: 'Accept a fixed Automatic-Reboot-Time (e.g. when each region has its own image).' } },
    },
    defaultOptions: { allowFixedTime: false },
    tags: ['unattended-upgrades', 'reboot'],
    docs: 'docs/rules/unattended-upgrades-reboot.md',
  },
  checkScan(ctx) {
    for (const img of reportableImages(ctx.scan, (i) => rebootOf(i)?.on.loc)) {
      const r = rebootOf(img)!;
      const where = img.kind === 'file' ? 'every machine with this configuration' : `the nodes of ${img.name}`;
      const regions = img.kind === 'file' ? 'every machine that has it' : describeRegions(img);
      const time = r.time?.value.trim();
      if (time && time.toLowerCase() !== 'now' && ctx.options.allowFixedTime) continue;
      ctx.report({
        messageId: time && time.toLowerCase() !== 'now' ? 'fixed' : 'now',
        data: { where, value: r.on.value, time: time ?? '', regions },
        loc: r.on.loc!,
        resource: img.name,
        related: r.time?.loc ? [{ loc: r.time.loc, message: `Automatic-Reboot-Time "${r.time.value}"` }] : [],
        key: img.id,
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
