/**
 * FL301 networkd-foreign-routes: a networkd-based node image in a fleet whose CNI programs its own
 * routes/rules, without ManageForeignRoutes=no and ManageForeignRoutingPolicyRules=no.
 */
import { defineRule, type RelatedLocation } from '../../engine/rule-api.js';
import { at, cniFor, cniRelated, describeCni, describeOs, describeRegions, reportableImages, type NodeImage, type Setting } from '../../engine/facts/node-image.js';

function isNo(s: Setting | undefined): boolean {
  return !!s && ['0', 'no', 'n', 'false', 'f', 'off'].includes(s.value.trim().toLowerCase());
}

function missing(img: NodeImage): string[] {
  const out: string[] = [];
  if (!isNo(img.networkd.manageForeignRoutes)) out.push('ManageForeignRoutes=no');
  if (!isNo(img.networkd.manageForeignRoutingPolicyRules)) out.push('ManageForeignRoutingPolicyRules=no');
  return out;
}

export default defineRule<{ requireCniEvidence: boolean }>({
  meta: {
    id: 'FL301',
    name: 'networkd-foreign-routes',
    title: 'systemd-networkd will delete the routes and policy rules the CNI installs',
    family: 'networking',
    severity: 'error',
    description:
      'A node image whose OS manages the network with systemd-networkd (Ubuntu ≥ 22.04, Debian ≥ 12, Amazon Linux 2023, Flatcar, or systemd ≥ 246) runs in a fleet whose clusters use a CNI that installs its own routes or ip rules (Cilium, AWS VPC CNI, Calico, Antrea, kube-router, Flannel, Weave; evidence from Kubernetes manifests, `helm_release`, `aws_eks_addon` or the fleet map), and the effective networkd configuration (networkd.conf, then networkd.conf.d/*.conf) lacks `ManageForeignRoutes=no` or `ManageForeignRoutingPolicyRules=no`. The finding points at the image definition, with the CNI evidence as related locations. When the base OS is unknown the rule stays silent.',
    rationale:
      'systemd-networkd treats routes and routing policy rules it did not create as foreign and deletes them whenever it starts, restarts or reloads. On 2023-03-08 a systemd security update installed by unattended-upgrades restarted systemd-networkd on Ubuntu 22.04 (systemd 249) Kubernetes nodes; it deleted the routes Cilium had installed and five regions lost pod networking at once (Datadog postmortem). The same interaction hit AWS VPC CNI nodes in 2025.',
    remediation:
      'In the image, add `/etc/systemd/networkd.conf.d/10-cni-foreign-routes.conf` with `[Network]`, `ManageForeignRoutes=no` and `ManageForeignRoutingPolicyRules=no`. Also turn off automatic updates of systemd on the nodes (see FL101).',
    formats: ['packer', 'terraform', 'networkd', 'kubernetes'],
    scope: 'scan',
    messages: {
      foreign:
        '{image} runs {os}, where systemd-networkd deletes routes and policy rules it did not create whenever it restarts, and {cni} installs its own on these nodes ({regions}). {trigger} The effective networkd configuration lacks {missing}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requireCniEvidence: {
          type: 'boolean',
          default: true,
          description: 'Report only when a route-programming CNI is known to run in the fleet. Set false to require the settings on every networkd-based image.',
        },
      },
    },
    defaultOptions: { requireCniEvidence: true },
    tags: ['systemd-networkd', 'cni', 'cilium', 'aws-vpc-cni', 'calico'],
    docs: 'docs/rules/networkd-foreign-routes.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const key = (img: NodeImage) => {
      if (img.os?.networkd !== true || !missing(img).length) return undefined;
      return img.networkd.manageForeignRoutes?.loc ?? img.networkd.manageForeignRoutingPolicyRules?.loc ?? 'stock';
    };
    for (const img of reportableImages(scan, key, ['packer', 'layer', 'imagebuilder'])) {
      const cni = cniFor(scan, img);
      if (!cni.length && ctx.options.requireCniEvidence) continue;
      const cniText = cni.length ? describeCni(scan, cni) : 'any CNI that installs routes';
      const uu = img.unattendedUpgrades;
      const trigger =
        uu.state === 'enabled'
          ? `unattended-upgrades is enabled on this image (${at(scan, uu.decisive)}) and will restart systemd-networkd when it installs a systemd update, which will delete routes installed by ${cniText}.`
          : 'Any systemd update, networkd restart or `networkctl reload` will delete them.';
      const related: RelatedLocation[] = [];
      related.push(...cniRelated(cni));
      if (uu.state === 'enabled' && uu.decisive) related.push({ loc: uu.decisive, message: 'unattended-upgrades is enabled here' });
      if (img.os?.evidence) related.push({ loc: img.os.evidence, message: `base OS: ${describeOs(img.os)}` });
      for (const s of [img.networkd.manageForeignRoutes, img.networkd.manageForeignRoutingPolicyRules]) if (s?.loc && !isNo(s)) related.push({ loc: s.loc, message: `effective setting: ${s.value}` });
      ctx.report({
        messageId: 'foreign',
        data: { image: img.kind === 'layer' ? `The nodes of ${img.name}` : `Node image ${img.name}`, os: describeOs(img.os), cni: cniText, regions: describeRegions(img), trigger, missing: missing(img).join(' and ') },
        loc: img.loc,
        resource: img.name,
        resourceLoc: img.blockLoc,
        related,
        key: img.id,
      });
    }
  },
});
