/**
 * FL105 unattended-upgrades-origins: unattended-upgrades pulls more than security updates.
 */
import { defineRule } from '../../engine/rule-api.js';
import { aptList, reportableImages, type AptAssign, type NodeImage } from '../../engine/facts/node-image.js';

/** Whether an Allowed-Origins ("origin:archive") or Origins-Pattern ("k=v,...") entry is security-only. */
export function securityOnly(entry: string, pattern: boolean): boolean {
  const e = entry.toLowerCase();
  if (!pattern) {
    const archive = e.slice(e.lastIndexOf(':') + 1);
    return /-security$/.test(archive);
  }
  const fields = Object.fromEntries(
    e.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
    }),
  );
  const suite = fields.archive ?? fields.a ?? fields.suite ?? fields.codename ?? fields.n ?? '';
  const label = fields.label ?? fields.l ?? '';
  return /-security$/.test(suite) || /security/.test(label);
}

function beyond(img: NodeImage): AptAssign[] {
  if (img.kind !== 'file' && img.unattendedUpgrades.state !== 'enabled') return [];
  const out: AptAssign[] = [];
  for (const a of aptList(img.apt, 'Unattended-Upgrade::Allowed-Origins')) if (a.loc && !securityOnly(a.value, false)) out.push(a);
  for (const a of aptList(img.apt, 'Unattended-Upgrade::Origins-Pattern')) if (a.loc && !securityOnly(a.value, true)) out.push(a);
  return out;
}

export default defineRule<{ allow: string[] }>({
  meta: {
    id: 'FL105',
    name: 'unattended-upgrades-origins',
    title: 'unattended-upgrades installs more than security updates',
    family: 'auto-update',
    severity: 'warning',
    description:
      'In the effective apt configuration of a node image where unattended-upgrades runs (or in an apt fragment scanned alone), `Unattended-Upgrade::Allowed-Origins` or `Origins-Pattern` admits origins beyond the security pockets: the release pocket, `-updates`, `-proposed`, `-backports`, or third-party repositories.',
    rationale:
      'Every extra origin widens what a node installs by itself, on every node at the same time: bug-fix and feature updates of systemd, containerd or the kernel, untested against your workloads. The 2023-03-08 outage needed only one security update of systemd; `-updates` and vendor repositories ship many more.',
    remediation:
      'Restrict the origins to `${distro_id}:${distro_codename}-security` (and ESM security pockets), or better turn the channel off in node images (FL101) and ship every update through the image pipeline.',
    formats: ['apt-conf', 'packer', 'terraform', 'shell', 'cloud-config'],
    scope: 'scan',
    messages: {
      origins: 'unattended-upgrades on {where} installs from origins beyond security: {origins}. Non-security updates reach every node at once, outside your rollout process.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { allow: { type: 'array', items: { type: 'string' }, default: [], description: 'Origin entries you accept, exactly as written.' } },
    },
    defaultOptions: { allow: [] },
    tags: ['unattended-upgrades'],
    docs: 'docs/rules/unattended-upgrades-origins.md',
  },
  checkScan(ctx) {
    const list = (img: NodeImage) => beyond(img).filter((a) => !ctx.options.allow.includes(a.value));
    for (const img of reportableImages(ctx.scan, (i) => list(i)[0]?.loc)) {
      const items = list(img);
      ctx.report({
        messageId: 'origins',
        data: { where: img.kind === 'file' ? 'machines with this configuration' : img.name, origins: items.map((a) => `"${a.value}"`).join(', ') },
        loc: items[0].loc!,
        resource: img.name,
        related: items.slice(1).map((a) => ({ loc: a.loc!, message: `also allows "${a.value}"` })),
        key: img.id,
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
