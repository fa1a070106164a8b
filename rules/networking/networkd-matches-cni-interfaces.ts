/**
 * FL302 networkd-matches-cni-interfaces: a .network file that matches the CNI's interfaces.
 */
import type { UnitEntry, UnitModel } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';
import { globToRegExp } from '../../engine/facts/node-image.js';

/** Interface names CNIs create on nodes. */
const CNI_INTERFACES = [
  'lxc1a2b3c4d5e6', 'lxc_health', 'cilium_host', 'cilium_net', 'cilium_vxlan', 'cilium_geneve',
  'cali1a2b3c4d5e6', 'vxlan.calico', 'vxlan-v6.calico', 'tunl0',
  'eni1a2b3c4d5e6', 'vlan.eth.1', 'veth1a2b3c4', 'flannel.1', 'cni0', 'weave', 'vethwe-bridge',
  'antrea-gw0', 'kube-bridge', 'kube-ipvs0', 'genev_sys_6081',
];
/** [Match] keys that select links by identity (anything else is a condition on the host). */
const RESTRICTING = new Set(['MACAddress', 'PermanentMACAddress', 'Path', 'Driver', 'Property', 'OriginalName', 'SSID', 'BSSID', 'WLANInterfaceType', 'Kind']);

function globsMatch(values: string[], names: readonly string[]): string[] {
  // systemd: a leading "!" inverts the whole list
  let invert = false;
  const globs: string[] = [];
  for (const v of values) {
    let list = v.trim();
    if (list.startsWith('!')) {
      invert = true;
      list = list.slice(1);
    }
    globs.push(...list.split(/\s+/).filter(Boolean));
  }
  const res = globs.map(globToRegExp);
  return names.filter((n) => res.some((r) => r.test(n)) !== invert);
}

function entries(m: UnitModel, section: string): UnitEntry[] {
  return m.sections.filter((s) => s.name === section).flatMap((s) => s.entries);
}

export default defineRule<{ extraInterfaces: string[] }>({
  meta: {
    id: 'FL302',
    name: 'networkd-matches-cni-interfaces',
    title: 'A systemd-networkd .network file matches CNI interfaces',
    family: 'networking',
    severity: 'warning',
    description:
      'A `.network` file whose `[Match]` selects no link by identity (empty, or only host conditions such as `KernelCommandLine=`/`Virtualization=`), whose `Type=ether` alone also matches veth pairs, or whose `Name=` globs (`*`, `e*`, `lxc*`, `veth*`...) capture interfaces a CNI creates (`lxc*`, `cilium_*`, `cali*`, `vxlan.calico`, `eni*`, `veth*`, `flannel.*`, `cni0`...), without `Unmanaged=yes` in `[Link]`.',
    rationale:
      'systemd-networkd configures every link a .network file matches: it runs DHCP on it, sets addresses and flushes routes it did not create, fighting the CNI for the pod interfaces. In the 2023-03-08 outage a networkd restart removed the routes Cilium had installed on tens of thousands of nodes; a catch-all .network file adds the CNI\'s own interfaces to what networkd manages.',
    remediation:
      'Match physical NICs by identity (`MACAddress=`, `PermanentMACAddress=`, `Driver=`, `Path=`, or a specific `Name=eth0 ens*`), and add a lower-numbered file that marks CNI interfaces unmanaged: `[Match] Name=lxc* cilium_* cali* veth* eni*` with `[Link] Unmanaged=yes`.',
    formats: ['networkd'],
    scope: 'document',
    messages: {
      matchAll: '{file} matches every link ({why}), including the interfaces {examples} that the CNI creates; networkd will manage them and flush the routes the CNI installs on them.',
      emptyMatch:
        '{file} has {why}: systemd before v246 applied such a file to every link, including the interfaces the CNI creates (lxc*, cilium_host, cali*, veth*); newer systemd ignores it with a warning. Match links explicitly.',
      matchCni: 'Name={names} matches CNI interfaces such as {examples}; networkd will manage them and flush the routes the CNI installs on them.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        extraInterfaces: { type: 'array', items: { type: 'string' }, default: [], description: 'More interface names your CNI creates (checked against Name= globs).' },
      },
    },
    defaultOptions: { extraInterfaces: [] },
    tags: ['systemd-networkd', 'cni'],
    docs: 'docs/rules/networkd-matches-cni-interfaces.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'networkd' || !doc.model.unitName.endsWith('.network') || doc.model.dropInFor) return;
    const m = doc.model;
    const unmanaged = entries(m, 'Link').filter((e) => e.key === 'Unmanaged').pop();
    if (unmanaged && ['1', 'yes', 'y', 'true', 't', 'on'].includes(unmanaged.value.toLowerCase())) return;
    const match = entries(m, 'Match').filter((e) => e.value !== '');
    const names = [...CNI_INTERFACES, ...ctx.options.extraInterfaces];
    const nameEntries = match.filter((e) => e.key === 'Name');
    const matchSection = m.sections.find((s) => s.name === 'Match');
    if (nameEntries.length) {
      const hit = globsMatch(nameEntries.map((e) => e.value), names);
      if (!hit.length) return;
      if (match.some((e) => RESTRICTING.has(e.key)) || match.some((e) => e.key === 'Type' && !/\bether\b/.test(e.value))) return;
      const first = nameEntries[0];
      ctx.report({
        messageId: 'matchCni',
        data: { names: nameEntries.map((e) => e.value).join(' '), examples: hit.slice(0, 3).join(', ') },
        loc: { file: first.loc.file, start: first.loc.start, end: nameEntries[nameEntries.length - 1].loc.end },
        resource: m.unitName,
        document: doc,
      });
      return;
    }
    if (match.some((e) => RESTRICTING.has(e.key))) return;
    const type = match.find((e) => e.key === 'Type');
    if (type && !/(^|\s)ether(\s|$)/.test(type.value)) return;
    const loc = matchSection ? matchSection.nameLoc : (m.sections[0]?.nameLoc ?? doc.loc);
    if (!match.length) {
      ctx.report({ messageId: 'emptyMatch', data: { file: m.unitName, why: matchSection ? 'an empty [Match] section' : 'no [Match] section' }, loc, resource: m.unitName, document: doc, severity: 'info' });
      return;
    }
    const why = type ? 'Type=ether also matches veth pairs' : `only host conditions: ${match.map((e) => e.key).join(', ')}`;
    ctx.report({
      messageId: 'matchAll',
      data: { file: m.unitName, why, examples: 'lxc*, cilium_host, cali*, veth*' },
      loc,
      resource: m.unitName,
      document: doc,
    });
  },
});
