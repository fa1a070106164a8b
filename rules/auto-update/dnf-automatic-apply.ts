/**
 * FL107 dnf-automatic-apply: dnf-automatic (or yum-cron) applies updates on the nodes by itself.
 */
import { defineRule } from '../../engine/rule-api.js';
import { dnfAutomatic, reportableImages, unitState, yumCron, type NodeImage } from '../../engine/facts/node-image.js';
import type { Loc } from '../../engine/source.js';

const YES = ['yes', 'true', '1', 'on'];

function hazard(img: NodeImage): { loc: Loc; why: string; related: { loc: Loc; message: string }[] } | undefined {
  const d = dnfAutomatic(img);
  if (d.installed) {
    const related = d.installLoc ? [{ loc: d.installLoc, message: 'installs dnf-automatic' }] : [];
    const install = unitState(img.units, 'dnf-automatic-install.timer');
    if (install?.state === 'enabled') return { loc: install.loc, why: 'dnf-automatic-install.timer is enabled', related };
    const timer = unitState(img.units, 'dnf-automatic.timer');
    const apply = d.applyUpdates && YES.includes(d.applyUpdates.value.toLowerCase());
    if (timer?.state === 'enabled' && apply) {
      if (d.applyUpdates!.loc) related.push({ loc: d.applyUpdates!.loc, message: `apply_updates = ${d.applyUpdates!.value}` });
      return { loc: timer.loc, why: 'dnf-automatic.timer is enabled and apply_updates = yes', related };
    }
  }
  // yum-cron (EL7): the shipped config only downloads; it applies updates once apply_updates = yes
  const y = yumCron(img);
  if (y.installed) {
    const svc = unitState(img.units, 'yum-cron.service');
    const apply = y.applyUpdates && YES.includes(y.applyUpdates.value.toLowerCase());
    if (svc?.state === 'enabled' && apply) {
      const related = y.installLoc ? [{ loc: y.installLoc, message: 'installs yum-cron' }] : [];
      if (y.applyUpdates!.loc) related.push({ loc: y.applyUpdates!.loc, message: `apply_updates = ${y.applyUpdates!.value}` });
      return { loc: svc.loc, why: 'yum-cron is enabled and apply_updates = yes', related };
    }
  }
  return undefined;
}

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL107',
    name: 'dnf-automatic-apply',
    title: 'dnf-automatic applies updates on the nodes by itself',
    family: 'auto-update',
    severity: 'error',
    description:
      'In a node image, a cloud-init script or a privileged DaemonSet that configures the host, dnf-automatic is installed and either `dnf-automatic-install.timer` is enabled, or `dnf-automatic.timer` is enabled with `apply_updates = yes` in `/etc/dnf/automatic.conf` (the file is replayed, including `sed -i s/apply_updates = no/apply_updates = yes/`).',
    rationale:
      'dnf-automatic is the RHEL/Fedora/Amazon Linux counterpart of unattended-upgrades: every node installs updates from the live repositories on the same daily timer (06:00 + up to 60 minutes), outside your rollout process. That is how one systemd update reached tens of thousands of nodes in five regions at once on 2023-03-08.',
    remediation:
      'Keep `apply_updates = no` (download or notify only) or do not install dnf-automatic on nodes; ship updates in new node images rolled out region by region.',
    formats: ['shell', 'packer', 'cloud-config', 'kubernetes', 'terraform'],
    scope: 'scan',
    messages: {
      apply: 'dnf-automatic applies updates on {where} by itself ({why}): every node installs the same updates on the same daily timer, outside your rollout process.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['dnf', 'rhel', 'amazon-linux'],
    docs: 'docs/rules/dnf-automatic-apply.md',
  },
  checkScan(ctx) {
    for (const img of reportableImages(ctx.scan, (i) => hazard(i)?.loc)) {
      const h = hazard(img)!;
      ctx.report({
        messageId: 'apply',
        data: { where: img.kind === 'file' ? `the hosts configured by ${img.name}` : img.name, why: h.why },
        loc: h.loc,
        resource: img.name,
        related: h.related,
        key: img.id,
      });
    }
  },
});
