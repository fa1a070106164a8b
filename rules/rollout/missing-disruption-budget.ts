/**
 * FL604 missing-disruption-budget: replicated serving workloads with no PodDisruptionBudget.
 */
import { defineRule } from '../../engine/rule-api.js';
import { entrySpan, replicaCount, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<{ minReplicas: number }>({
  meta: {
    id: 'FL604',
    name: 'missing-disruption-budget',
    title: 'Replicated serving workload has no PodDisruptionBudget',
    family: 'rollout',
    severity: 'info',
    description:
      'A Deployment, StatefulSet or Argo Rollout selected by a Service in the scan, with at least `minReplicas` replicas (spec.replicas or HPA minReplicas, default 2), that no PodDisruptionBudget in the scan selects.',
    rationale:
      'Without a budget, a node drain (cluster upgrade, node-image rollout, automatic node update) may evict every replica at once, and all of them go through the endpoint-removal race together. The usage-estimation postmortem (Datadog, 2023) shows how much a rolling restart of a cache tier already hurts when only some pods terminate at a time.',
    remediation: 'Add a PodDisruptionBudget with `maxUnavailable: 1` (or a percentage) selecting the pods.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      missing: '{resource}: {n} replicas behind {service} and no PodDisruptionBudget; a node drain may evict all of them at once.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { minReplicas: { type: 'integer', minimum: 2, description: 'Report workloads with at least this many replicas.' } },
    },
    defaultOptions: { minReplicas: 2 },
    tags: ['kubernetes', 'pdb'],
    docs: 'docs/rules/missing-disruption-budget.md',
  },
  checkScan(ctx) {
    for (const w of workloadModel(ctx.scan).workloads) {
      if (!['Deployment', 'StatefulSet', 'Rollout'].includes(w.kind) || w.services.length === 0 || w.pdbs.length) continue;
      const n = replicaCount(w);
      if (n === undefined || n < ctx.options.minReplicas) continue;
      ctx.report({
        messageId: 'missing',
        data: { resource: w.resource, n, service: w.services[0].resource },
        loc: w.replicasEntry ? entrySpan(w.replicasEntry) : w.obj.loc,
        ...workloadReport(w),
      });
    }
  },
});
