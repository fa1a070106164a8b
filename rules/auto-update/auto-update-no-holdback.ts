/**
 * FL108 auto-update-no-holdback: an auto-update channel on CNI nodes that does not hold back
 * systemd/udev, the packages whose update restarts the network stack.
 */
import { defineRule } from '../../engine/rule-api.js';
import { cniFor, describeCni, dnfAutomatic, reportableImages, type NodeImage } from '../../engine/facts/node-image.js';
import { heldBack } from '../../engine/facts/node-files.js';
import type { Loc } from '../../engine/source.js';

function channel(img: NodeImage): { name: string; loc?: Loc; apt: boolean } | undefined {
  if (img.unattendedUpgrades.state === 'enabled') return { name: 'unattended-upgrades', loc: img.unattendedUpgrades.decisive, apt: true };
  const dnf = dnfAutomatic(img);
  const installTimer = img.timers.find((t) => t.unit === 'dnf-automatic-install.timer' && t.enabled);
  const applies = dnf.applyUpdates && ['yes', 'true', '1', 'on'].includes(dnf.applyUpdates.value.toLowerCase());
  if (dnf.installed && (installTimer || (applies && img.timers.some((t) => t.unit === 'dnf-automatic.timer' && t.enabled))))
    return { name: 'dnf-automatic', loc: installTimer?.evidence ?? dnf.applyUpdates?.loc ?? dnf.installLoc, apt: false };
  return undefined;
}

export default defineRule<{ packages: string[] }>({
  meta: {
    id: 'FL108',
    name: 'auto-update-no-holdback',
    title: 'An auto-update channel on CNI nodes does not hold back systemd and udev',
    family: 'auto-update',
    severity: 'info',
    description:
      'On a node image whose auto-update channel is on (unattended-upgrades, or dnf-automatic applying updates) in a fleet with a CNI, reports when the packages whose update restarts the network stack (`systemd` and `udev` by default) are not held back: no matching `Unattended-Upgrade::Package-Blacklist` entry (a regular expression matched at the start of the package name), no `apt-mark hold`, no `dnf versionlock`, no `exclude=` in dnf.conf.',
    rationale:
      'On 2023-03-08 the update that unattended-upgrades installed on every node at once was systemd itself: its postinst restarted systemd-networkd, which deleted the routes Cilium had installed, and five regions lost pod networking together. If an auto-update channel must stay on, keeping systemd and udev out of it removes the package that did the damage.',
    remediation:
      'Best: turn the channel off and ship updates in new images rolled out region by region (FL101, FL107). Otherwise, in the image add `Unattended-Upgrade::Package-Blacklist { "systemd"; "udev"; "libudev1"; };` to a later-sorting apt.conf.d file, or `apt-mark hold systemd udev`, or `exclude=systemd* udev` in /etc/dnf/dnf.conf, and update those packages through image rollouts.',
    formats: ['packer', 'terraform', 'apt-conf', 'shell', 'cloud-config', 'dockerfile'],
    scope: 'scan',
    messages: {
      noHoldback:
        '{channel} on {image} will also install {packages} updates, and nothing holds them back: an update of systemd restarts systemd-networkd, which deletes the routes installed by {cni}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        packages: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['systemd', 'udev'], description: 'Packages that must be held back from automatic updates on CNI nodes.' },
      },
    },
    defaultOptions: { packages: ['systemd', 'udev'] },
    tags: ['unattended-upgrades', 'dnf-automatic', 'systemd', 'cni'],
    docs: 'docs/rules/auto-update-no-holdback.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const missing = (img: NodeImage) => ctx.options.packages.filter((p) => !heldBack(img, p));
    const keyOf = (img: NodeImage) => {
      const ch = channel(img);
      if (!ch || !cniFor(scan, img).length || !missing(img).length) return undefined;
      return ch.loc ?? 'stock';
    };
    for (const img of reportableImages(scan, keyOf)) {
      const ch = channel(img)!;
      const miss = missing(img);
      ctx.report({
        messageId: 'noHoldback',
        data: { channel: ch.name, image: img.name, packages: miss.join(' and '), cni: describeCni(scan, cniFor(scan, img)) },
        loc: ch.loc ?? img.loc,
        resource: img.name,
        resourceLoc: ch.loc ? undefined : img.blockLoc,
        key: img.id,
        related: ch.loc && img.kind !== 'file' ? [{ loc: img.loc, message: `node image ${img.name}` }] : [],
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
