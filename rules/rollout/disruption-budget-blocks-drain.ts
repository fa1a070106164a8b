/**
 * FL605 disruption-budget-blocks-drain: a PodDisruptionBudget that allows no eviction at all.
 */
import { defineRule } from '../../engine/rule-api.js';
import { get, getEntry } from '../../engine/model.js';
import { entrySpan, intOrPercent, replicaCount, workloadModel } from '../../engine/facts/kubernetes.js';

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL605',
    name: 'disruption-budget-blocks-drain',
    title: 'PodDisruptionBudget blocks every node drain',
    family: 'rollout',
    severity: 'info',
    description:
      'A PodDisruptionBudget with `maxUnavailable: 0` or `0%`, `minAvailable: 100%`, or an integer `minAvailable` at least the replica count of every workload it selects (replicas known): no voluntary eviction is ever allowed.',
    rationale:
      'A budget that admits no disruption blocks `kubectl drain`, cluster autoscaler scale-down and managed node upgrades until someone deletes it by hand — and then nothing protects the workload. Node maintenance stalls, so OS and image fixes are applied late and in a rush, the opposite of a careful, staged rollout.',
    remediation: 'Allow at least one disruption: `maxUnavailable: 1`, or `minAvailable` below the replica count.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      blocks: '{pdb}: {field} {value} allows no eviction{detail}; every node drain and managed node upgrade will stall on these pods.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['kubernetes', 'pdb'],
    docs: 'docs/rules/disruption-budget-blocks-drain.md',
  },
  checkScan(ctx) {
    for (const p of workloadModel(ctx.scan).pdbs) {
      const spec = get(p.obj.value, 'spec');
      const maxE = getEntry(spec, 'maxUnavailable');
      const minE = getEntry(spec, 'minAvailable');
      const mx = intOrPercent(maxE?.value);
      const mn = intOrPercent(minE?.value);
      let detail: string | undefined;
      let e = maxE;
      if (maxE && mx && mx.n === 0) detail = '';
      else if (!maxE && minE && mn) {
        e = minE;
        if (mn.percent && mn.n >= 100) detail = '';
        else if (!mn.percent && p.selected.length) {
          const counts = p.selected.map((w) => replicaCount(w));
          if (counts.every((c) => c !== undefined && c <= mn.n)) detail = ` (${p.selected.map((w, i) => `${w.resource} has ${counts[i]}`).join(', ')})`;
        }
      }
      if (detail === undefined || !e) continue;
      ctx.report({
        messageId: 'blocks',
        data: { pdb: p.resource, field: e.key, value: String(get(spec, e.key) && (e.value as { value?: unknown }).value), detail },
        loc: entrySpan(e),
        resource: p.resource,
        resourceLoc: p.obj.loc,
        documentId: p.docId,
      });
    }
  },
});
