/**
 * FL303 networkd-restart-on-live-node: restarting systemd-networkd (or `netplan apply`) on nodes
 * that already run the CNI.
 */
import type { Document, ShellCommand } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';
import { cniEvidence, cniRelated, describeCni } from '../../engine/facts/node-image.js';

const BUILD_TIME = new Set(['packer-inline', 'packer-script', 'dockerfile-run', 'preseed-late-command', 'autoinstall-late-commands', 'imagebuilder-step']);

/** What the command does to networkd, or undefined. */
export function networkdRestart(c: ShellCommand): string | undefined {
  const a = c.argv.slice(1).map((w) => w.value ?? '');
  const words = a.filter((x) => !x.startsWith('-'));
  if (c.name === 'systemctl' && ['restart', 'reload', 'try-restart', 'reload-or-restart', 'try-reload-or-restart', 'stop', 'start'].includes(words[0] ?? '')) {
    if (words.slice(1).some((u) => u === 'systemd-networkd' || u === 'systemd-networkd.service')) return `systemctl ${words[0]} systemd-networkd`;
  }
  if (c.name === 'netplan' && words[0] === 'apply') return 'netplan apply';
  if (c.name === 'networkctl' && ['reload', 'reconfigure'].includes(words[0] ?? '')) return `networkctl ${words[0]}`;
  if (c.name === 'service' && words[0] === 'systemd-networkd' && ['restart', 'reload'].includes(words[1] ?? '')) return `service systemd-networkd ${words[1]}`;
  return undefined;
}

/** Commands after which the node is part of the cluster and the CNI runs. */
function joins(c: ShellCommand): boolean {
  const a = c.argv.slice(1).map((w) => w.value ?? '');
  if (c.name === 'kubeadm' && a[0] === 'join') return true;
  if (c.name === 'systemctl' && a.some((x) => /^(start|restart|enable)$/.test(x)) && a.some((x) => /^kubelet(\.service)?$/.test(x))) return a.includes('start') || a.includes('restart') || a.includes('--now');
  return c.name === 'bootstrap.sh' || c.name === 'nodeadm' || (c.name === 'k3s' && a[0] === 'agent');
}

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL303',
    name: 'networkd-restart-on-live-node',
    title: 'systemd-networkd is restarted on nodes where the CNI already runs',
    family: 'networking',
    severity: 'warning',
    description:
      '`systemctl restart|reload systemd-networkd`, `networkctl reload|reconfigure` or `netplan apply` in a command that runs on live Kubernetes nodes: a container command of a workload (DaemonSet, Job...), or cloud-init `runcmd`/`bootcmd` after the node has joined the cluster (after `kubeadm join`, starting kubelet, EKS bootstrap). Image build steps (Packer, Dockerfile `RUN`, installer late commands) are not reported.',
    rationale:
      'Restarting systemd-networkd makes it re-apply its configuration and, with the default `ManageForeignRoutes=yes`, delete every route and policy rule it did not create — the routes the CNI installed for pods. That restart, triggered by a systemd update, took five regions offline on 2023-03-08.',
    remediation:
      'Do network configuration in the image or before the node joins the cluster. If networkd must be reloaded on live nodes, first set `ManageForeignRoutes=no` and `ManageForeignRoutingPolicyRules=no` (FL301), and reload one failure domain at a time.',
    formats: ['shell'],
    scope: 'document',
    messages: {
      restart: '`{cmd}` runs on live nodes ({context}): systemd-networkd will delete the routes and policy rules it did not create{cni}.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['systemd-networkd', 'cni', 'cloud-init', 'kubernetes'],
    docs: 'docs/rules/networkd-restart-on-live-node.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'shell') return;
    const chain = ctx.scan.ancestry(doc);
    const vias = chain.map((d) => d.origin?.via).filter(Boolean) as string[];
    if (vias.some((v) => BUILD_TIME.has(v))) return;
    let context: string | undefined;
    let joinedBefore = -1;
    if (vias.includes('kubernetes-command')) context = 'a Kubernetes workload command';
    else if (vias.includes('runcmd') || vias.includes('bootcmd')) {
      // the node is live only after it joined: look at earlier runcmd items of the same cloud-config
      const cc = [...chain].reverse().find((d) => d.format === 'cloud-config');
      if (!cc) return;
      const shells: Document[] = ctx.scan.children(cc).filter((d) => d.format === 'shell');
      for (const s of shells) {
        if (s.format !== 'shell') continue;
        for (const c of s.model.commands) if (joins(c)) joinedBefore = Math.max(joinedBefore, s.origin!.loc.start);
      }
      context = 'cloud-init after the node joined the cluster';
    } else return;
    const cni = cniEvidence(ctx.scan);
    for (const c of doc.model.commands) {
      const cmd = networkdRestart(c);
      if (!cmd) continue;
      if (context.startsWith('cloud-init')) {
        const here = doc.origin?.loc.start ?? c.loc.start;
        const joinedInSameItem = doc.model.commands.some((j) => j.loc.start < c.loc.start && joins(j));
        if (!(joinedBefore >= 0 && joinedBefore < here) && !joinedInSameItem) continue;
      }
      ctx.report({
        messageId: 'restart',
        data: { cmd, context, cni: cni.length ? `, including routes installed by ${describeCni(ctx.scan, cni)}` : ', including routes a CNI installed' },
        loc: c.loc,
        related: cniRelated(cni, (e) => `${e.cni} installs its own routes (${e.what})`),
        document: doc,
        severity: context.startsWith('a Kubernetes') ? 'error' : undefined,
      });
    }
  },
});
