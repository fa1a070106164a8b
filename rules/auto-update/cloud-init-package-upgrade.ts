/**
 * FL104 cloud-init-package-upgrade: cloud-config that upgrades every package at first boot.
 */
import { bool, getEntry, type MapEntry } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';

/** cloud-init's key and its deprecated aliases. */
const UPGRADE_KEYS = ['package_upgrade', 'apt_upgrade', 'repo_upgrade'];
const REBOOT_KEYS = ['package_reboot_if_required', 'apt_reboot_if_required'];

export default defineRule<{ ignoreWithoutReboot: boolean }>({
  meta: {
    id: 'FL104',
    name: 'cloud-init-package-upgrade',
    title: 'cloud-init upgrades all packages at boot',
    family: 'auto-update',
    severity: 'warning',
    description:
      'A cloud-config sets `package_upgrade: true` (or its old names `apt_upgrade`, `repo_upgrade`): every instance upgrades all packages from the live mirrors when it first boots, and with `package_reboot_if_required` it also reboots.',
    rationale:
      'Nodes of one autoscaling group then run whatever package versions the mirror served at their boot time: the fleet drifts, and a bad upstream update (like the systemd update behind the 2023-03-08 multi-region outage) reaches every region as soon as nodes scale or are replaced, untested. A reboot at first boot also races workloads being scheduled onto the node.',
    remediation:
      'Bake updates into the image and roll images out region by region; set `package_upgrade: false`. If you must upgrade at boot, pin the mirror snapshot and do not reboot automatically.',
    formats: ['cloud-config'],
    scope: 'document',
    messages: {
      upgrade: '{key}: true upgrades every package from the live mirrors at first boot; nodes drift by boot time and untested updates reach every region.',
      upgradeReboot:
        '{key}: true with {reboot}: true upgrades every package at first boot and reboots the node; untested updates and reboots reach every region as nodes scale.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ignoreWithoutReboot: { type: 'boolean', description: 'Report only when the upgrade can also reboot the node.' },
      },
    },
    defaultOptions: { ignoreWithoutReboot: false },
    tags: ['cloud-init'],
    docs: 'docs/rules/cloud-init-package-upgrade.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'cloud-config') return;
    const root = doc.model.root;
    let upgrade: MapEntry | undefined;
    for (const k of UPGRADE_KEYS) {
      const e = getEntry(root, k);
      if (e && bool(e.value) === true) upgrade = e;
    }
    if (!upgrade) return;
    const reboot = REBOOT_KEYS.map((k) => getEntry(root, k)).find((e) => e && bool(e.value) === true);
    if (!reboot && ctx.options.ignoreWithoutReboot) return;
    ctx.report({
      messageId: reboot ? 'upgradeReboot' : 'upgrade',
      data: { key: upgrade.key, reboot: reboot?.key ?? '' },
      loc: { file: upgrade.keyLoc.file, start: upgrade.keyLoc.start, end: upgrade.value.loc.end },
      severity: reboot ? 'error' : undefined,
      resource: 'cloud-config',
      related: reboot ? [{ loc: reboot.keyLoc, message: `${reboot.key}: true reboots the node after the upgrade` }] : [],
      document: doc,
    });
  },
});
