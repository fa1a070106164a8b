/**
 * Image names, and which launcher can boot which image: the part of the node-image model
 * (engine/facts/node-image.ts) a changed-files scan also needs before it has a scan model, to tell
 * whether a Packer document read names an image that a Terraform module left unread launches
 * (engine/parse-session.ts). So it is part of the parser salt (`STORED_FACTS`).
 */
import { str, stringItems, type Document, type DocumentOf, type HclBlock } from '../model.js';
import type { Loc } from '../source.js';

/** Packer source attributes that name the image a source makes. */
export const PACKER_IMAGE_NAME_ATTRS: readonly string[] = ['ami_name', 'image_name', 'managed_image_name', 'image_family', 'vm_name', 'snapshot_name'];

/** An HCL block's attribute by name. */
export function attr(block: HclBlock, name: string) {
  return block.body.attributes.find((x) => x.name === name);
}

/** An HCL block's attribute as a string, when it is a scalar. */
export function attrStr(block: HclBlock, name: string): string | undefined {
  const a = attr(block, name);
  return a ? str(a.value) : undefined;
}

/** fnmatch-style glob (`*`, `?`, `[...]`) to RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, close);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether an image reference (exact name, glob, path ending in a name/family) names an image. */
export function imageNameMatches(ref: string, name: string): boolean {
  const last = ref.split('/').filter(Boolean).pop() ?? ref;
  for (const r of new Set([ref, last])) {
    if (r === name) return true;
    if (/[*?[]/.test(r) && globToRegExp(r).test(name)) return true;
    // Packer names usually add a suffix (-jammy, -{{timestamp}}) to the family name
    if (r.length >= 3 && name.startsWith(`${r}-`)) return true;
  }
  return false;
}

/**
 * The cloud whose machines boot what a Packer builder makes: an AMI runs only on EC2, a Compute
 * Engine image only on Compute Engine. Builders that write a disk file (qemu, virtualbox, docker…)
 * are not here: their output may be imported into any cloud, so their images match any launcher.
 */
const PACKER_BUILDER_CLOUDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^amazon-/, 'aws'],
  [/^googlecompute$/, 'gcp'],
  [/^azure-/, 'azure'],
  [/^alicloud-ecs$/, 'alicloud'],
  [/^oracle-oci$/, 'oci'],
  [/^hcloud$/, 'hcloud'],
  [/^digitalocean$/, 'digitalocean'],
  [/^openstack$/, 'openstack'],
  [/^linode$/, 'linode'],
  [/^scaleway$/, 'scaleway'],
  [/^vsphere-/, 'vsphere'],
  [/^proxmox-/, 'proxmox'],
];

/** The cloud of a Terraform resource type, by its provider's prefix (the clouds of `PACKER_BUILDER_CLOUDS`). */
const TERRAFORM_PROVIDER_CLOUDS: ReadonlyArray<readonly [string, string]> = [
  ['aws_', 'aws'],
  ['google_', 'gcp'],
  ['azurerm_', 'azure'],
  ['alicloud_', 'alicloud'],
  ['oci_', 'oci'],
  ['hcloud_', 'hcloud'],
  ['digitalocean_', 'digitalocean'],
  ['openstack_', 'openstack'],
  ['linode_', 'linode'],
  ['scaleway_', 'scaleway'],
  ['vsphere_', 'vsphere'],
  ['proxmox_', 'proxmox'],
];

export function builderCloud(type: string): string | undefined {
  return PACKER_BUILDER_CLOUDS.find(([re]) => re.test(type))?.[1];
}

/** The cloud a Terraform resource of this type runs machines in; undefined for any other provider. */
export function resourceCloud(type: string): string | undefined {
  return TERRAFORM_PROVIDER_CLOUDS.find(([prefix]) => type.startsWith(prefix))?.[1];
}

/** The clouds of a template's sources, when every source's builder has one. */
export function sourceClouds(sources: readonly HclBlock[]): ReadonlySet<string> | undefined {
  const out = new Set<string>();
  for (const s of sources) {
    const c = builderCloud(s.labels[0] ?? '');
    if (!c) return undefined;
    out.add(c);
  }
  return out.size ? out : undefined;
}

/**
 * Whether a resource of `cloud` can boot an image: an image whose clouds are known boots only
 * there (a Compute Engine template naming image family `node` does not launch an AMI named
 * `node-42`); an image of unknown clouds may be anywhere.
 */
export function bootsOn(img: { clouds?: ReadonlySet<string> }, cloud: string | undefined): boolean {
  return !img.clouds || (cloud !== undefined && img.clouds.has(cloud));
}

/** What one Terraform resource launches by name: the cloud it runs in and its image references. */
export interface Launch {
  cloud?: string;
  refs: string[];
}

/** An image name as a scan state stores it: a name, and the clouds that boot the image when known. */
export interface StoredImageName {
  name: string;
  clouds?: string[];
}

/**
 * The names Packer documents give their images, each with the clouds that can boot it (undefined:
 * any) — every name `packerImages` can give an image of these documents, and more (a source no build
 * uses): enough to tell whether a launch could match one. A build may use any source of its
 * directory, so every name of a directory gets the clouds of all its sources (none when one of them
 * writes a disk file): never fewer than its image has.
 */
export function packerImageNames(docs: Iterable<Document>): StoredImageName[] {
  const byDir = new Map<string, { names: string[]; clouds: Set<string>; anywhere: boolean }>();
  for (const doc of docs) {
    if (doc.format !== 'packer' || doc.origin) continue;
    let dir = byDir.get(doc.model.moduleDir);
    if (!dir) byDir.set(doc.model.moduleDir, (dir = { names: [], clouds: new Set(), anywhere: false }));
    for (const b of doc.model.body.blocks) {
      if (b.type === 'source') {
        const c = builderCloud(b.labels[0] ?? '');
        if (c) dir.clouds.add(c);
        else dir.anywhere = true;
        for (const n of PACKER_IMAGE_NAME_ATTRS) {
          const v = attrStr(b, n);
          if (v) dir.names.push(v);
        }
      } else if (b.type === 'build') {
        const v = attrStr(b, 'name');
        if (v) dir.names.push(v);
      }
    }
  }
  const out: StoredImageName[] = [];
  for (const { names, clouds, anywhere } of byDir.values()) {
    for (const name of names) out.push(anywhere || !clouds.size ? { name } : { name, clouds: [...clouds].sort() });
  }
  return out;
}

/**
 * Whether any launch names one of `images` that its cloud can boot (as `nodeImages` would match
 * it), looked up in an index of the images' names.
 */
export function launchesAnyIndexed(launches: readonly Launch[], images: readonly StoredImageName[]): boolean {
  if (!launches.length || !images.length) return false;
  const index = new ImageNameIndex(images.map((i) => ({ names: [i.name], clouds: i.clouds ? new Set(i.clouds) : undefined })));
  return launches.some((l) => index.match(l.refs).some((img) => bootsOn(img, l.cloud)));
}

/** Every resource launch of these root Terraform documents, data sources looked up among them by module directory. */
export function launchesOfDocs(docs: readonly Document[]): Launch[] {
  const byDir = new Map<string, DocumentOf<'terraform'>[]>();
  for (const d of docs) {
    if (d.format !== 'terraform' || d.origin) continue;
    const l = byDir.get(d.model.moduleDir);
    if (l) l.push(d);
    else byDir.set(d.model.moduleDir, [d]);
  }
  const moduleDocs = (dir: string) => byDir.get(dir) ?? [];
  return [...byDir.values()].flatMap((ds) => ds.flatMap((d) => launchesOfDoc(moduleDocs, d)));
}

/**
 * `imageNameMatches` against every name of every image, without trying each image: exact names
 * and `<ref>-…` prefixes are looked up in maps; only glob references test every name.
 */
export class ImageNameIndex<T extends { names: string[] }> {
  private readonly exact = new Map<string, Set<number>>();
  private readonly prefix = new Map<string, Set<number>>();
  /** Images a glob reference matches, by reference: a fleet repeats the same AMI name filter in every region and module. */
  private readonly globs = new Map<string, number[]>();

  constructor(private readonly images: readonly T[]) {
    const add = (m: Map<string, Set<number>>, k: string, i: number) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(i);
    images.forEach((img, i) => {
      for (const n of img.names) {
        add(this.exact, n, i);
        for (let j = n.indexOf('-'); j >= 0; j = n.indexOf('-', j + 1)) if (j >= 3) add(this.prefix, n.slice(0, j), i);
      }
    });
  }

  /** Images any of whose names matches any of the references, in the images' order. */
  match(refs: readonly string[]): T[] {
    const hit = new Set<number>();
    for (const ref of refs) {
      const last = ref.split('/').filter(Boolean).pop() ?? ref;
      for (const r of new Set([ref, last])) {
        for (const i of this.exact.get(r) ?? []) hit.add(i);
        if (r.length >= 3) for (const i of this.prefix.get(r) ?? []) hit.add(i);
        if (/[*?[]/.test(r)) for (const i of this.globMatches(r)) hit.add(i);
      }
    }
    return [...hit].sort((a, b) => a - b).map((i) => this.images[i]);
  }

  private globMatches(r: string): number[] {
    let m = this.globs.get(r);
    if (!m) {
      m = [];
      this.images.forEach((img, i) => img.names.some((n) => imageNameMatches(r, n)) && m!.push(i));
      this.globs.set(r, m);
    }
    return m;
  }
}

/** Attributes of a Terraform resource (at any depth) that name the image it launches. */
export const IMAGE_REF_ATTRS: readonly string[] = ['image_id', 'ami', 'source_image', 'source_image_id', 'image', 'ami_id', 'parent_image'];

/** Image references of a Terraform resource: strings that name an image, and their OS hints. */
export function imageRefsOf(moduleDocs: (dir: string) => readonly DocumentOf<'terraform'>[], doc: DocumentOf<'terraform'>, block: HclBlock): { ref: string; loc: Loc }[] {
  const out: { ref: string; loc: Loc }[] = [];
  const visit = (blk: HclBlock) => {
    for (const a of blk.body.attributes) {
      if (!IMAGE_REF_ATTRS.includes(a.name)) continue;
      const v = str(a.value);
      if (v) out.push({ ref: v, loc: a.loc });
      // data.aws_ami.X → its name filters
      const m = a.expr.t === 'ref' ? a.expr.path : undefined;
      const text = a.expr.t === 'ref' ? a.expr.text : '';
      const dm = /^data\.(aws_ami|google_compute_image|azurerm_image|azurerm_shared_image_version)\.([\w-]+)/.exec(text) ?? (m && m[0] === 'data' ? [text, String(m[1]), String(m[2])] : null);
      if (dm) {
        const ds = moduleDocs(doc.model.moduleDir)
          .flatMap((d) => d.model.body.blocks)
          .find((x) => x.type === 'data' && x.labels[0] === dm[1] && x.labels[1] === dm[2]);
        if (ds) {
          for (const f of ds.body.blocks.filter((x) => x.type === 'filter')) {
            if (attrStr(f, 'name') === 'name') for (const s of stringItems(attr(f, 'values')?.value)) out.push({ ref: s, loc: attr(f, 'values')!.loc });
          }
          for (const n of ['name', 'family', 'name_regex']) {
            const s = attrStr(ds, n);
            if (s) out.push({ ref: s, loc: attr(ds, n)!.loc });
          }
        }
      }
    }
    for (const c of blk.body.blocks) visit(c);
  };
  visit(block);
  return out;
}

/** The image references of a root Terraform document's resources (what `nodeImages` matches against image names). */
export function launchesOfDoc(moduleDocs: (dir: string) => readonly DocumentOf<'terraform'>[], doc: DocumentOf<'terraform'>): Launch[] {
  const out: Launch[] = [];
  for (const block of doc.model.body.blocks) {
    if (block.type !== 'resource') continue;
    const refs = imageRefsOf(moduleDocs, doc, block).map((r) => r.ref);
    if (refs.length) out.push({ cloud: resourceCloud(block.labels[0] ?? ''), refs });
  }
  return out;
}
