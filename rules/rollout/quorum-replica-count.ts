/**
 * FL602 quorum-replica-count: quorum stores with an even or single replica count.
 */
import { defineRule } from '../../engine/rule-api.js';
import { entrySpan, quorumStore, replicaCount, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL602',
    name: 'quorum-replica-count',
    title: 'Quorum store with an even or single replica count',
    family: 'rollout',
    severity: 'warning',
    description:
      'A StatefulSet running a quorum-based store (etcd, ZooKeeper, Consul servers — recognised by image or container name) with 1 replica (no quorum survives a restart) or an even number of replicas (2n members tolerate no more failures than 2n−1, and a network split can leave no majority). Templated replica counts are not judged.',
    rationale:
      'A rolling update, a node drain or an automatic OS update restarts members one by one; with one member, or two, every restart is a loss of quorum and writes stop cluster-wide. Routine maintenance that is harmless elsewhere becomes an outage of everything that depends on the store.',
    remediation: 'Run an odd number of members: 3 (tolerates 1 failure) or 5 (tolerates 2), and a PodDisruptionBudget with `maxUnavailable: 1`.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      single: '{store}: 1 replica; every restart (rollout, drain, node update) loses quorum. Run 3 or 5.',
      even: '{store}: {n} replicas tolerate only {tol} failure(s), like {odd}, and a split into two halves leaves no majority. Run {odd} or {odd2}.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['kubernetes', 'quorum'],
    docs: 'docs/rules/quorum-replica-count.md',
  },
  checkScan(ctx) {
    for (const w of workloadModel(ctx.scan).workloads) {
      const store = quorumStore(w);
      const n = replicaCount(w);
      if (!store || n === undefined || n === 0) continue;
      const loc = w.replicasEntry ? entrySpan(w.replicasEntry) : w.obj.loc;
      if (n === 1) ctx.report({ messageId: 'single', data: { store: `${store} ${w.name}` }, loc, ...workloadReport(w) });
      else if (n % 2 === 0) ctx.report({ messageId: 'even', data: { store: `${store} ${w.name}`, n, tol: (n - 2) / 2, odd: n - 1, odd2: n + 1 }, loc, ...workloadReport(w) });
    }
  },
});
