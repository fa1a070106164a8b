/**
 * Image names, and which launcher can boot which image: the part of the node-image model
 * (engine/facts/node-image.ts) a changed-files scan also needs before it has a scan model, to tell
 * whether a Packer document read names an image that a Terraform module left unread launches
 * (engine/parse-session.ts). So it is part of the parser salt (`STORED_FACTS`).
 */
import { str, type Document, type HclBlock } from '../model.js';

/** Packer source attributes that name the image a source makes. */
export const PACKER_IMAGE_NAME_ATTRS: readonly string[] = ['ami_name', 'image_name', 'managed_image_name', 'image_family', 'vm_name', 'snapshot_name'];

function attrStr(block: HclBlock, name: string): string | undefined {
  const a = block.body.attributes.find((x) => x.name === name);
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

/**
 * The names Packer documents give their images, each with the clouds that can boot it (undefined:
 * any) — every name `packerImages` can give an image of these documents, and more (a source no build
 * uses): enough to tell whether a launch could match one.
 */
export function packerImageNames(docs: Iterable<Document>): { name: string; clouds?: ReadonlySet<string> }[] {
  const out: { name: string; clouds?: ReadonlySet<string> }[] = [];
  for (const doc of docs) {
    if (doc.format !== 'packer') continue;
    for (const b of doc.model.body.blocks) {
      if (b.type === 'source') {
        const c = builderCloud(b.labels[0] ?? '');
        const clouds = c ? new Set([c]) : undefined;
        for (const n of PACKER_IMAGE_NAME_ATTRS) { const v = attrStr(b, n); if (v) out.push({ name: v, clouds }); }
      } else if (b.type === 'build') {
        const v = attrStr(b, 'name');
        if (v) out.push({ name: v });
      }
    }
  }
  return out;
}

/** Whether a launch names one of `images` that its cloud can boot (as `nodeImages` would match it). */
export function launchesAny(launches: readonly Launch[], images: readonly { name: string; clouds?: ReadonlySet<string> }[]): boolean {
  return launches.some((l) => images.some((img) => bootsOn(img, l.cloud) && l.refs.some((r) => imageNameMatches(r, img.name))));
}
