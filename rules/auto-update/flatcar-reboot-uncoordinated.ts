/**
 * FL110 flatcar-reboot-uncoordinated: Flatcar's locksmithd reboots nodes into updates without a lock.
 */
import { defineRule } from '../../engine/rule-api.js';
import { describeRegions, reportableImages, unitState, type NodeImage } from '../../engine/facts/node-image.js';
import { kubernetesFacts, UPDATE_OPERATOR_NAME } from '../../engine/facts/kubernetes.js';
import { flatcarRebootStrategy } from '../../engine/facts/node-files.js';
import type { Loc } from '../../engine/source.js';

function verdict(img: NodeImage): { strategy: string; loc?: Loc } | undefined {
  const f = flatcarRebootStrategy(img.files);
  if (img.os?.distro !== 'flatcar' && !f.files.length) return undefined;
  for (const u of ['locksmithd.service', 'update-engine.service']) {
    const st = unitState(img.units, u);
    if (st && st.state !== 'enabled') return undefined;
  }
  const v = f.strategy?.value.toLowerCase();
  if (v === 'reboot' || v === 'best-effort') return { strategy: v, loc: f.strategy!.entry.loc };
  if (v === undefined && img.os?.distro === 'flatcar') return { strategy: 'default', loc: undefined };
  return undefined;
}

export default defineRule({
  meta: {
    id: 'FL110',
    name: 'flatcar-reboot-uncoordinated',
    title: 'Flatcar nodes reboot into updates without a lock',
    family: 'auto-update',
    severity: 'warning',
    description:
      'Reads `REBOOT_STRATEGY` from the effective `/etc/flatcar/update.conf` (or the legacy `/etc/coreos/update.conf`) of Flatcar images and loose update.conf files, and reports `reboot` (no lock) and `best-effort` (a lock only if etcd runs on the node). On a Flatcar image with no strategy at all it reports the default (etcd-lock only when etcd is running, otherwise reboot) as info. `etcd-lock`, `off`, and a masked locksmithd or update-engine are clean.',
    rationale:
      'update-engine downloads every release to the passive partition on its own, and locksmithd then reboots the node: with `reboot` every node that sees the release reboots without asking anyone, so a bad release reaches the whole fleet outside the rollout process — the pattern of the 2023-03-08 outage, where an OS update acted on every node in five regions at once.',
    remediation:
      'On Kubernetes, set `REBOOT_STRATEGY=off` and let a cluster-aware reboot manager drain and reboot one node at a time (the Flatcar Linux Update Operator, or kured); elsewhere use `etcd-lock`. Optionally set `LOCKSMITHD_REBOOT_WINDOW_START`/`_LENGTH` per region.',
    formats: ['keyvalue', 'shell', 'cloud-config', 'terraform'],
    scope: 'scan',
    messages: {
      reboot: 'REBOOT_STRATEGY=reboot on {image}: locksmithd reboots every node as soon as an update is applied, without a lock across the fleet, in {regions}{operator}.',
      'best-effort': 'REBOOT_STRATEGY=best-effort on {image}: nodes take an etcd lock only if etcd runs on them, and otherwise reboot into updates without a lock, in {regions}{operator}.',
      default: '{image} runs Flatcar with no REBOOT_STRATEGY: locksmithd takes an etcd lock only if etcd runs on the node, and otherwise reboots into updates without a lock, in {regions}{operator}.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['flatcar', 'locksmith'],
    docs: 'docs/rules/flatcar-reboot-uncoordinated.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const keyOf = (img: NodeImage) => {
      const v = verdict(img);
      return v ? (v.loc ?? 'stock') : undefined;
    };
    const operator = scan.ofFormat('kubernetes').some((d) => kubernetesFacts(d).objects.some((o) => UPDATE_OPERATOR_NAME.test(o.name)));
    for (const img of reportableImages(scan, keyOf)) {
      const v = verdict(img)!;
      ctx.report({
        messageId: v.strategy,
        data: { image: img.name, regions: describeRegions(img), operator: operator ? ' (a cluster reboot manager is deployed, but locksmithd does not wait for it: set REBOOT_STRATEGY=off)' : '' },
        loc: v.loc ?? img.loc,
        resource: img.name,
        resourceLoc: v.loc ? undefined : img.blockLoc,
        key: img.id,
        severity: v.strategy === 'default' ? 'info' : undefined,
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
