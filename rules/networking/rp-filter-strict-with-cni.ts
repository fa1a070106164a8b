/**
 * FL305 rp-filter-strict-with-cni: strict reverse-path filtering (rp_filter = 1) forced on for all
 * interfaces, new interfaces, or the CNI's interfaces, on nodes whose CNI routes asymmetrically.
 */
import type { Loc } from '../../engine/source.js';
import { defineRule } from '../../engine/rule-api.js';
import { cniEvidence, cniFor, describeCni, globToRegExp, reportableImages, type NodeImage } from '../../engine/facts/node-image.js';
import { cniInterfaces, sysctlAssignments, sysctlKey, type SysctlSetting } from '../../engine/facts/node-files.js';
import type { ScanModel } from '../../engine/scan-model.js';

const RP = /^net\.ipv4\.conf\.([^.]+)\.rp_filter$/;

/** Effective strict rp_filter assignments of an image: the last assignment of each key, when it is "1". */
function strictSettings(img: NodeImage, cnis: readonly string[]): SysctlSetting[] {
  const last = new Map<string, SysctlSetting>();
  for (const s of sysctlAssignments(img.files)) if (RP.test(s.key)) last.set(s.key, s);
  const ifaces = cnis.flatMap(cniInterfaces).map((i) => i.name);
  const out: SysctlSetting[] = [];
  for (const s of last.values()) {
    if (s.value.trim() !== '1') continue;
    const dev = RP.exec(s.key)![1];
    if (dev === 'all') out.push(s);
    else if (dev === 'default') {
      // a later glob/explicit setting for the CNI's interfaces overrides "default" for them
      const overridden = [...last.values()].some((o) => o !== s && o.value.trim() !== '1' && ifaces.some((n) => globToRegExp(RP.exec(o.key)![1]).test(n)));
      if (!overridden) out.push(s);
    } else if (ifaces.some((n) => globToRegExp(dev).test(n))) out.push(s);
  }
  return out;
}

function relevant(scan: ScanModel, cnis: readonly string[], img?: NodeImage) {
  const ev = img ? cniFor(scan, img) : cniEvidence(scan);
  return ev.filter((e) => cnis.includes(e.cni));
}

export default defineRule<{ cnis: string[] }>({
  meta: {
    id: 'FL305',
    name: 'rp-filter-strict-with-cni',
    title: 'Strict reverse-path filtering is forced on for the CNI\'s interfaces',
    family: 'networking',
    severity: 'warning',
    description:
      'Folds the sysctl.d files of each node image (by file name across /etc, /run and /usr/lib, then /etc/sysctl.conf; last assignment wins) and reports an effective `net.ipv4.conf.all.rp_filter = 1` (the kernel uses the maximum of `all` and the interface), `net.ipv4.conf.default.rp_filter = 1` not overridden for the CNI\'s interfaces (it applies to every interface created later, which is every pod interface), or `rp_filter = 1` on a glob matching them (`lxc*`, `cilium_*`). Also reports `sysctl -w net.ipv4.conf.all.rp_filter=1` run on nodes (cloud-init, user data, DaemonSet commands). Only in fleets running a CNI listed in the `cnis` option (Cilium by default).',
    rationale:
      'Cilium routes pod traffic asymmetrically (through `cilium_host` and the `lxc*` veths); with strict reverse-path filtering the kernel drops those replies, and pod networking fails on every node that gets the setting. It is the same kind of hidden coupling as the 2023-03-08 outage, where a base-OS change (systemd-networkd restarting and deleting Cilium\'s routes) broke pod networking in five regions at once; Cilium documents that strict rp_filter must be off for its interfaces.',
    remediation:
      'Do not force strict mode on nodes that run Cilium: use `net.ipv4.conf.all.rp_filter = 0` or `2` (loose), and add a later-sorting `/etc/sysctl.d/99-zzz-cilium.conf` with `net.ipv4.conf.lxc*.rp_filter = 0` and `net.ipv4.conf.cilium_*.rp_filter = 0` when a hardening baseline sets `default`.',
    formats: ['keyvalue', 'shell', 'packer', 'terraform', 'cloud-config'],
    scope: 'scan',
    messages: {
      strict:
        '{key} = 1 turns strict reverse-path filtering on for {scope} on {image}: the kernel will drop the asymmetrically routed pod traffic of {cni}, breaking pod networking on every node that gets this setting.',
      runtime:
        '`sysctl {arg}` turns strict reverse-path filtering on for {scope} on the node: the kernel will drop the asymmetrically routed pod traffic of {cni}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cnis: { type: 'array', items: { type: 'string' }, default: ['Cilium'], description: 'CNIs (as faultline names them: Cilium, Calico, AWS VPC CNI...) for which strict rp_filter is a hazard.' },
      },
    },
    defaultOptions: { cnis: ['Cilium'] },
    tags: ['sysctl', 'cilium', 'cni'],
    docs: 'docs/rules/rp-filter-strict-with-cni.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const cnis = ctx.options.cnis;
    const scopeOf = (key: string) => {
      const dev = RP.exec(key)?.[1] ?? '';
      return dev === 'all' ? 'every interface' : dev === 'default' ? 'every interface created later, including every pod interface' : `${dev} interfaces`;
    };
    const keyOf = (img: NodeImage): Loc | undefined => {
      const ev = relevant(scan, cnis, img);
      if (!ev.length) return undefined;
      return strictSettings(img, [...new Set(ev.map((e) => e.cni))])[0]?.entry.loc;
    };
    const seen = new Set<string>();
    for (const img of reportableImages(scan, keyOf)) {
      const ev = relevant(scan, cnis, img);
      for (const s of strictSettings(img, [...new Set(ev.map((e) => e.cni))])) {
        const k = `${s.entry.loc.file}:${s.entry.loc.start}`;
        if (seen.has(k)) continue;
        seen.add(k);
        ctx.report({
          messageId: 'strict',
          data: { key: s.entry.key, scope: scopeOf(s.key), image: img.kind === 'file' ? `the nodes that get ${s.file}` : img.name, cni: describeCni(scan, ev) },
          loc: s.entry.loc,
          resource: s.key,
          key: img.id,
          related: img.kind === 'file' ? [] : [{ loc: img.loc, message: `node image ${img.name}` }],
        });
      }
    }
    // sysctl run on the node itself (not in an image build, where it only changes the build machine)
    const ev = relevant(scan, cnis);
    if (!ev.length) return;
    for (const doc of scan.ofFormat('shell')) {
      const root = scan.root(doc);
      if (root.format === 'packer' || root.format === 'dockerfile') continue;
      for (const c of doc.model.commands) {
        if (c.name !== 'sysctl') continue;
        for (const w of c.argv.slice(1)) {
          const m = /^([^=\s]+)=\s*1$/.exec(w.value ?? '');
          if (!m || !RP.test(sysctlKey(m[1]))) continue;
          const key = sysctlKey(m[1]);
          const dev = RP.exec(key)![1];
          const ifaces = [...new Set(ev.map((e) => e.cni))].flatMap(cniInterfaces).map((i) => i.name);
          if (dev !== 'all' && dev !== 'default' && !ifaces.some((n) => globToRegExp(dev).test(n))) continue;
          ctx.report({ messageId: 'runtime', data: { arg: w.value!, scope: scopeOf(key), cni: describeCni(scan, ev) }, loc: w.loc, resource: key, document: doc });
        }
      }
    }
  },
});
