/**
 * Whether a node image is launched by an autoscaled group: one of its Terraform consumers (or, for
 * a user-data layer, the resource itself) is an autoscaling resource, or is referenced by one
 * (`aws_launch_template.nodes` used in `aws_autoscaling_group.nodes`'s `launch_template` block).
 */
import type { NodeImage } from '../../engine/facts/node-image.js';
import type { ScanModel } from '../../engine/scan-model.js';
import type { Loc } from '../../engine/source.js';

export const AUTOSCALED_TYPES = new Set([
  'aws_autoscaling_group',
  'aws_eks_node_group',
  'google_compute_instance_group_manager',
  'google_compute_region_instance_group_manager',
  'google_container_node_pool',
  'azurerm_kubernetes_cluster_node_pool',
  'azurerm_linux_virtual_machine_scale_set',
  'azurerm_windows_virtual_machine_scale_set',
  'azurerm_virtual_machine_scale_set',
  'azurerm_orchestrated_virtual_machine_scale_set',
]);

export interface AutoscaledBy {
  resource: string;
  loc: Loc;
}

/** The autoscaling resource that launches the image, or undefined. */
export function autoscaledBy(scan: ScanModel, img: NodeImage): AutoscaledBy | undefined {
  // Terraform references resolve inside one module (directory)
  const direct = [...img.consumers.map((c) => ({ r: c.resource, dir: dirOf(c.loc.file) })), ...(img.kind === 'layer' ? [{ r: img.name, dir: dirOf(img.loc.file) }] : [])];
  const groups: { resource: string; dir: string; loc: Loc; text: string }[] = [];
  for (const doc of scan.ofFormat('terraform')) {
    if (doc.origin) continue;
    const file = scan.files.get(doc.file);
    for (const b of doc.model.body.blocks) {
      if (b.type !== 'resource' || !AUTOSCALED_TYPES.has(b.labels[0] ?? '')) continue;
      groups.push({ resource: b.labels.join('.'), dir: dirOf(doc.file), loc: b.loc, text: file ? file.text.slice(b.loc.start, b.loc.end) : '' });
    }
  }
  for (const { r, dir } of direct) {
    const g = groups.find((x) => x.resource === r && x.dir === dir);
    if (g) return { resource: g.resource, loc: g.loc };
  }
  for (const { r, dir } of direct) {
    const re = new RegExp(`\\b${r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
    const g = groups.find((x) => x.dir === dir && re.test(x.text));
    if (g) return { resource: g.resource, loc: g.loc };
  }
  return undefined;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
