/**
 * FL601 node-agent-rollout-too-wide: CNI / node-agent DaemonSets whose rolling update takes too
 * many nodes' agents down at once, or that update only on manual deletion.
 */
import { defineRule } from '../../engine/rule-api.js';
import { get, getEntry } from '../../engine/model.js';
import { entrySpan, intOrPercent, known, workloadModel, workloadReport, type Workload } from '../../engine/facts/kubernetes.js';

const DEFAULT_AGENTS = [
  'cilium', 'cilium-agent', 'cilium-envoy', 'aws-node', 'calico-node', 'canal', 'kube-proxy', 'kube-flannel', 'flannel', 'kube-flannel-ds',
  'weave-net', 'antrea-agent', 'kube-router', 'kube-multus', 'kube-multus-ds', 'multus', 'ovnkube-node', 'ovs-node', 'node-local-dns',
  'nodelocaldns', 'istio-cni-node', 'linkerd-cni', 'konnectivity-agent', 'kube-ovn-cni', 'azure-cns', 'azure-ip-masq-agent', 'netd',
  'anetd', 'ebs-csi-node', 'efs-csi-node', 'csi-node', 'nvidia-device-plugin-daemonset',
];

function agentName(w: Workload, names: string[]): string | undefined {
  if (names.includes(w.name)) return w.name;
  for (const c of w.containers) {
    if (names.includes(c.name)) return c.name;
    const base = (c.image ?? '').replace(/[:@].*$/, '').split('/').pop() ?? '';
    if (names.includes(base)) return base;
  }
  return undefined;
}

export default defineRule<{ maxUnavailablePercent: number; maxUnavailableNodes: number; agents: string[]; reportOnDelete: boolean }>({
  meta: {
    id: 'FL601',
    name: 'node-agent-rollout-too-wide',
    title: 'Node-agent DaemonSet rolls out to too many nodes at once',
    family: 'rollout',
    severity: 'warning',
    description:
      'A CNI or node-agent DaemonSet (Cilium, aws-node, calico-node, kube-proxy, Flannel, ... — matched by object, container or image name) whose `rollingUpdate.maxUnavailable` is above a share of the nodes (default 10%) or, as an absolute count, above a number of nodes (default 1), or whose `updateStrategy` is `OnDelete` (reported at info: nothing in the scan shows the process that deletes the pods).',
    rationale:
      'Restarting a CNI agent interrupts pod networking, policy and routes on its node; a bad agent version breaks every node it reaches. A wide `maxUnavailable` turns one bad release into a cluster-wide outage before anyone can stop the rollout — the same shape as the 2023-03-08 outage, in which one systemd update removed CNI routes on every node of five regions at once.',
    remediation:
      'Keep `maxUnavailable` at 1 (or a small percentage on very large clusters) and roll the change cluster by cluster, region by region; with `OnDelete`, document and automate the order in which pods are deleted.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      percent: '{agent}: maxUnavailable {value} lets a rollout restart the agent on {value} of all nodes at once (limit {max}%); one bad version breaks networking on all of them.',
      absolute: '{agent}: maxUnavailable {value} restarts the agent on {value} nodes at once (limit {max}); on a {small}-node cluster that is every node.',
      onDelete: '{agent}: updateStrategy OnDelete: new versions reach nodes only when someone deletes the pods, in an order and width nothing here controls.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxUnavailablePercent: { type: 'integer', minimum: 0, maximum: 100, description: 'Largest acceptable percentage maxUnavailable.' },
        maxUnavailableNodes: { type: 'integer', minimum: 1, description: 'Largest acceptable absolute maxUnavailable.' },
        agents: { type: 'array', items: { type: 'string' }, description: 'Extra DaemonSet, container or image names to treat as node agents.' },
        reportOnDelete: { type: 'boolean', description: 'Report OnDelete update strategies (info).' },
      },
    },
    defaultOptions: { maxUnavailablePercent: 10, maxUnavailableNodes: 1, agents: [], reportOnDelete: true },
    tags: ['kubernetes', 'rollout', 'cni'],
    docs: 'docs/rules/node-agent-rollout-too-wide.md',
  },
  checkScan(ctx) {
    const names = [...DEFAULT_AGENTS, ...ctx.options.agents];
    for (const w of workloadModel(ctx.scan).workloads) {
      if (w.kind !== 'DaemonSet') continue;
      const agent = agentName(w, names);
      if (!agent) continue;
      const us = get(w.obj.value, 'spec', 'updateStrategy');
      const typeE = getEntry(us, 'type');
      if (known(typeE?.value) === 'OnDelete') {
        if (ctx.options.reportOnDelete) ctx.report({ messageId: 'onDelete', data: { agent: w.name }, loc: entrySpan(typeE!), ...workloadReport(w), severity: 'info' });
        continue;
      }
      const mu = getEntry(get(us, 'rollingUpdate'), 'maxUnavailable');
      const v = intOrPercent(mu?.value);
      if (!mu || !v) continue;
      if (v.percent && v.n > ctx.options.maxUnavailablePercent) {
        ctx.report({ messageId: 'percent', data: { agent: w.name, value: `${v.n}%`, max: ctx.options.maxUnavailablePercent }, loc: entrySpan(mu), ...workloadReport(w) });
      } else if (!v.percent && v.n > ctx.options.maxUnavailableNodes) {
        ctx.report({ messageId: 'absolute', data: { agent: w.name, value: v.n, max: ctx.options.maxUnavailableNodes, small: v.n }, loc: entrySpan(mu), ...workloadReport(w) });
      }
    }
  },
});
