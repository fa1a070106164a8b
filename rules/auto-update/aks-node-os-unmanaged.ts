/**
 * FL106 aks-node-os-unmanaged: AKS lets each node's OS update itself.
 */
import { str } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL106',
    name: 'aks-node-os-unmanaged',
    title: 'AKS node OS upgrade channel is Unmanaged',
    family: 'auto-update',
    severity: 'warning',
    description:
      'An `azurerm_kubernetes_cluster` sets `node_os_upgrade_channel` (or the older `node_os_channel_upgrade`) to `"Unmanaged"`: the OS on each node applies its own updates (unattended-upgrades on Ubuntu nodes) nightly, outside AKS maintenance windows and surge upgrades.',
    rationale:
      'With "Unmanaged" every node of every cluster runs the distribution\'s own update channel — the channel that installed a systemd update on tens of thousands of Ubuntu nodes at 06:00 UTC on 2023-03-08, restarted systemd-networkd and took down five regions at once.',
    remediation:
      'Use `node_os_upgrade_channel = "NodeImage"` (or "SecurityPatch") with a `maintenance_window_node_os` per cluster, staggered across regions, or "None" when you roll node images yourself.',
    formats: ['terraform'],
    scope: 'document',
    messages: {
      unmanaged: '{attr} = "Unmanaged" lets the OS of every node in {cluster} install updates by itself, on its own nightly schedule, outside AKS maintenance windows.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['azure', 'aks'],
    docs: 'docs/rules/aks-node-os-unmanaged.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'terraform') return;
    for (const b of doc.model.body.blocks) {
      if (b.type !== 'resource' || b.labels[0] !== 'azurerm_kubernetes_cluster') continue;
      for (const a of b.body.attributes) {
        if (a.name !== 'node_os_upgrade_channel' && a.name !== 'node_os_channel_upgrade') continue;
        if (str(a.value)?.toLowerCase() !== 'unmanaged') continue;
        const resource = b.labels.join('.');
        ctx.report({ messageId: 'unmanaged', data: { attr: a.name, cluster: resource }, loc: a.loc, resource, resourceLoc: b.loc, document: doc });
      }
    }
  },
});
