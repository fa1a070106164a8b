/**
 * FL109 zincati-uncoordinated-updates: Fedora CoreOS nodes finalize (reboot into) updates with no
 * fleet-wide lock: the `immediate` strategy (Zincati's default) or `periodic` windows.
 */
import { defineRule } from '../../engine/rule-api.js';
import { describeRegions, reportableImages, type NodeImage } from '../../engine/facts/node-image.js';
import { zincatiUpdates } from '../../engine/facts/node-files.js';
import type { Loc } from '../../engine/source.js';

function verdict(img: NodeImage): { strategy: string; loc?: Loc; explicit: boolean } | undefined {
  const z = zincatiUpdates(img.files);
  const fcos = img.os?.distro === 'fedora-coreos';
  if (!fcos && !z.files.length) return undefined;
  if (z.enabled && ['false'].includes(z.enabled.value)) return undefined;
  const strategy = z.strategy?.value ?? 'immediate';
  if (strategy !== 'immediate' && strategy !== 'periodic') return undefined;
  if (!z.strategy && !fcos && !z.files.some((f) => f.doc)) return undefined;
  return { strategy, loc: z.strategy?.entry.loc ?? z.files.find((f) => f.doc)?.doc?.loc, explicit: !!z.strategy };
}

export default defineRule({
  meta: {
    id: 'FL109',
    name: 'zincati-uncoordinated-updates',
    title: 'Fedora CoreOS nodes reboot into updates without a fleet-wide lock',
    family: 'auto-update',
    severity: 'warning',
    description:
      'Folds Zincati\'s `config.d/*.toml` drop-ins (by file name, /etc over /usr/lib) for Fedora CoreOS images and loose Zincati drop-ins, and reports the effective `[updates] strategy` when it is `immediate` — written, or left unset, which Zincati resolves to `immediate` — (warning) or `periodic` (info: every node reboots inside the same maintenance windows with no lock). `fleet_lock` and `updates.enabled = false` are clean. TOML is read with a small subset parser (tables and one-line `key = value`).',
    rationale:
      'Zincati finalizes an update by rebooting the node as soon as it is staged (`immediate`), aware only of node-local state: every node of every region that sees the release reboots on its own schedule, and a bad release reaches all of them without a gate. Updates that act on every node outside the rollout process are how one systemd update took down five regions on 2023-03-08.',
    remediation:
      'Use the lock-based strategy with a FleetLock server that allows one node (or a few) per cluster at a time: `[updates]` `strategy = "fleet_lock"` and `[updates.fleet_lock]` `base_url = "http://fleetlock.example/"`; or pin nodes and roll out new images yourself.',
    formats: ['keyvalue', 'shell', 'cloud-config', 'terraform'],
    scope: 'scan',
    messages: {
      immediate:
        'Zincati on {image} uses the immediate strategy{how}: each node reboots into an update as soon as it is staged, with no lock across the fleet, in {regions}.',
      periodic:
        'Zincati on {image} uses periodic maintenance windows: every node reboots inside the same windows with no lock across the fleet, in {regions}.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['fedora-coreos', 'zincati'],
    docs: 'docs/rules/zincati-uncoordinated-updates.md',
  },
  checkScan(ctx) {
    const keyOf = (img: NodeImage) => {
      const v = verdict(img);
      return v ? (v.loc ?? 'stock') : undefined;
    };
    for (const img of reportableImages(ctx.scan, keyOf)) {
      const v = verdict(img)!;
      ctx.report({
        messageId: v.strategy,
        data: { image: img.name, how: v.explicit ? '' : ' (no strategy is set, and Zincati defaults to immediate)', regions: describeRegions(img) },
        loc: v.loc ?? img.loc,
        resource: img.name,
        resourceLoc: v.loc ? undefined : img.blockLoc,
        key: img.id,
        severity: v.strategy === 'periodic' ? 'info' : undefined,
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
