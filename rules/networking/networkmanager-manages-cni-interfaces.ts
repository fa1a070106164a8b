/**
 * FL304 networkmanager-manages-cni-interfaces: NetworkManager runs on a CNI node and does not mark
 * the CNI's interfaces unmanaged.
 */
import { defineRule } from '../../engine/rule-api.js';
import { at, cniFor, describeCni, reportableImages, type NodeImage } from '../../engine/facts/node-image.js';
import { cniInterfaces, networkManagerEvidence, networkManagerUnmanaged, nmSpecCovers } from '../../engine/facts/node-files.js';
import type { ScanModel } from '../../engine/scan-model.js';

function uncovered(scan: ScanModel, img: NodeImage, extra: string[]): { names: string[]; cnis: string } | undefined {
  const cni = cniFor(scan, img);
  if (!cni.length) return undefined;
  const specs = networkManagerUnmanaged(img.files).specs.map((s) => s.spec);
  const ifaces = [...new Set(cni.map((e) => e.cni))].flatMap(cniInterfaces);
  for (const n of extra) ifaces.push({ name: n, type: 'unknown' });
  const missing = [...new Set(ifaces.filter((i) => !nmSpecCovers(specs, i)).map((i) => i.name))];
  return missing.length ? { names: missing, cnis: describeCni(scan, cni) } : undefined;
}

export default defineRule<{ extraInterfaces: string[] }>({
  meta: {
    id: 'FL304',
    name: 'networkmanager-manages-cni-interfaces',
    title: 'NetworkManager may manage the interfaces the CNI creates',
    family: 'networking',
    severity: 'warning',
    description:
      'On a node image where NetworkManager runs (a NetworkManager.conf or conf.d file, the NetworkManager package or unit, or a RHEL/Fedora base) in a fleet with a CNI, folds NetworkManager.conf and `conf.d/*.conf` the way NetworkManager does (by file name, `unmanaged-devices+=` appends) and reports when `[keyfile] unmanaged-devices` (or a `[device]` section with `managed=0`) does not cover the interfaces that CNI creates (`lxc*`, `cilium_*` for Cilium; `cali*`, `tunl*`, `vxlan.calico` for Calico; `eni*`, `vlan*` for the AWS VPC CNI...).',
    rationale:
      'A network manager that treats the CNI\'s interfaces as its own runs DHCP on them, resets their addresses and flushes their routes when it starts or restarts — the same coupling that took down five regions on 2023-03-08, when a systemd update restarted systemd-networkd and it deleted the routes Cilium had installed. Cilium and Calico both document marking their interfaces unmanaged in NetworkManager.',
    remediation:
      'Write `/etc/NetworkManager/conf.d/99-cni.conf` in the image with `[keyfile]` and `unmanaged-devices=interface-name:lxc*;interface-name:cilium_*` (Cilium), `interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico` (Calico), `interface-name:eni*;interface-name:vlan*` (AWS VPC CNI), or `type:veth` where that fits.',
    formats: ['networkmanager', 'packer', 'terraform', 'shell', 'cloud-config'],
    scope: 'scan',
    messages: {
      missing:
        'NetworkManager runs on {image} ({evidence}) and its unmanaged-devices does not cover {examples}, which {cni} creates: NetworkManager can take those interfaces over when it starts or restarts and flush the routes the CNI installed on them.',
      incomplete:
        'unmanaged-devices leaves {examples} managed, interfaces that {cni} creates: NetworkManager can take them over when it starts or restarts and flush the routes the CNI installed on them.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        extraInterfaces: { type: 'array', items: { type: 'string' }, default: [], description: 'More interface names your CNI creates, which unmanaged-devices must cover.' },
      },
    },
    defaultOptions: { extraInterfaces: [] },
    tags: ['networkmanager', 'cni'],
    docs: 'docs/rules/networkmanager-manages-cni-interfaces.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const keyOf = (img: NodeImage) => {
      if (!networkManagerEvidence(img) || !uncovered(scan, img, ctx.options.extraInterfaces)) return undefined;
      return networkManagerUnmanaged(img.files).assignment?.loc ?? networkManagerEvidence(img)?.loc ?? 'stock';
    };
    for (const img of reportableImages(scan, keyOf)) {
      const ev = networkManagerEvidence(img)!;
      const miss = uncovered(scan, img, ctx.options.extraInterfaces)!;
      const nm = networkManagerUnmanaged(img.files);
      const examples = miss.names.slice(0, 4).join(', ');
      if (nm.assignment) {
        ctx.report({ messageId: 'incomplete', data: { examples, cni: miss.cnis }, loc: nm.assignment.loc, resource: img.name, key: img.id, related: [{ loc: img.loc, message: `node image ${img.name}` }] });
        continue;
      }
      ctx.report({
        messageId: 'missing',
        data: { image: img.name, evidence: ev.loc ? `${ev.why}, ${at(scan, ev.loc)}` : ev.why, examples, cni: miss.cnis },
        loc: ev.loc ?? img.loc,
        resource: img.name,
        resourceLoc: ev.loc ? undefined : img.blockLoc,
        key: img.id,
        related: ev.loc && img.kind !== 'file' ? [{ loc: img.loc, message: `node image ${img.name}` }] : [],
        document: img.kind === 'file' ? img.documents[0] : undefined,
      });
    }
  },
});
