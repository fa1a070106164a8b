/**
 * Whether a node image is launched by an autoscaled group: one of its Terraform consumers (or, for
 * a user-data layer, the resource itself) is an autoscaling resource, or is referenced by one
 * (`aws_launch_template.nodes` used in `aws_autoscaling_group.nodes`'s `launch_template` block).
 */
import type { NodeImage } from '../../engine/facts/node-image.js';
import type { ScanModel } from '../../engine/scan-model.js';
import type { Loc } from '../../engine/source.js';
import type { Expr, HclBody } from '../../engine/model.js';

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

interface Group {
  resource: string;
  loc: Loc;
}

interface Groups {
  /** `dir\0type.name` of an autoscaling resource → it. */
  byResource: Map<string, Group>;
  /** `dir\0type.name` of a resource an autoscaling resource refers to → the first such group. */
  byReference: Map<string, Group>;
}

const groupCache = new WeakMap<ScanModel, Groups>();

/** Every autoscaling resource of the scan, and what each refers to, keyed by module directory (once per scan). */
function autoscalingGroups(scan: ScanModel): Groups {
  let groups = groupCache.get(scan);
  if (groups) return groups;
  groups = { byResource: new Map(), byReference: new Map() };
  for (const doc of scan.ofFormat('terraform')) {
    if (doc.origin) continue;
    const dir = dirOf(doc.file);
    for (const b of doc.model.body.blocks) {
      if (b.type !== 'resource' || !AUTOSCALED_TYPES.has(b.labels[0] ?? '')) continue;
      const g: Group = { resource: b.labels.join('.'), loc: b.loc };
      const k = `${dir}\u0000${g.resource}`;
      if (!groups.byResource.has(k)) groups.byResource.set(k, g);
      for (const r of referencedResources(b.body)) {
        const rk = `${dir}\u0000${r}`;
        if (!groups.byReference.has(rk)) groups.byReference.set(rk, g);
      }
    }
  }
  groupCache.set(scan, groups);
  return groups;
}

/** What a launching resource is to the autoscaling groups: one, or referenced by one. */
interface Verdict {
  direct?: Group;
  referenced?: Group;
}

/** Per consumer object: images share their consumers, and a popular family has thousands. */
const verdicts = new WeakMap<object, Verdict>();

function verdictFor(groups: Groups, owner: object, file: string, resource: string): Verdict {
  let v = verdicts.get(owner);
  if (!v) {
    // Terraform references resolve inside one module (directory)
    const k = `${dirOf(file)}\u0000${resource}`;
    verdicts.set(owner, (v = { direct: groups.byResource.get(k), referenced: groups.byReference.get(k) }));
  }
  return v;
}

/** The first direct and the first referencing group of a consumer list, per list: images of a family share one list. */
const firstGroups = new WeakMap<NodeImage['consumers'], Verdict>();

function consumersVerdict(groups: Groups, consumers: NodeImage['consumers']): Verdict {
  let v = firstGroups.get(consumers);
  if (!v) {
    v = {};
    for (const c of consumers) {
      const cv = verdictFor(groups, c, c.loc.file, c.resource);
      v.direct ??= cv.direct;
      v.referenced ??= cv.referenced;
      if (v.direct && v.referenced) break;
    }
    firstGroups.set(consumers, v);
  }
  return v;
}

/** The autoscaling resource that launches the image, or undefined. */
export function autoscaledBy(scan: ScanModel, img: NodeImage): AutoscaledBy | undefined {
  const groups = autoscalingGroups(scan);
  const own = img.kind === 'layer' ? verdictFor(groups, img, img.loc.file, img.name) : undefined;
  // a consumer that is an autoscaling group wins over one that a group refers to
  // (`launch_template { id = aws_launch_template.nodes.id }`)
  const { direct, referenced } = consumersVerdict(groups, img.consumers);
  const g = direct ?? own?.direct ?? referenced ?? own?.referenced;
  return g ? { resource: g.resource, loc: g.loc } : undefined;
}

/** `type.name` of every resource referenced anywhere in a block body (HCL and CDKTF alike produce `ref` expressions). */
function referencedResources(body: HclBody): Set<string> {
  const out = new Set<string>();
  const visit = (e: Expr | undefined, depth = 0): void => {
    if (!e || depth > 64) return;
    switch (e.t) {
      case 'ref':
        if (e.path.length >= 2 && typeof e.path[0] === 'string' && typeof e.path[1] === 'string') out.add(`${e.path[0]}.${e.path[1]}`);
        return;
      case 'template':
        e.parts.forEach((p) => visit(p, depth + 1));
        return;
      case 'call':
        e.args.forEach((a) => visit(a, depth + 1));
        return;
      case 'tuple':
        e.items.forEach((i) => visit(i, depth + 1));
        return;
      case 'object':
        e.entries.forEach((x) => (visit(x.key, depth + 1), visit(x.value, depth + 1)));
        return;
      case 'binary':
        visit(e.left, depth + 1);
        visit(e.right, depth + 1);
        return;
      case 'unary':
        visit(e.operand, depth + 1);
        return;
      case 'conditional':
        visit(e.cond, depth + 1);
        visit(e.then, depth + 1);
        visit(e.else, depth + 1);
        return;
      case 'index':
        visit(e.target, depth + 1);
        visit(e.key, depth + 1);
        return;
      default:
        return;
    }
  };
  const walk = (b: HclBody): void => {
    for (const a of b.attributes) visit(a.expr);
    for (const nb of b.blocks) walk(nb.body);
  };
  walk(body);
  return out;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
