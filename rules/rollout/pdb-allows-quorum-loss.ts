/**
 * FL603 pdb-allows-quorum-loss: a PodDisruptionBudget that lets voluntary disruptions take a
 * quorum store below its majority.
 */
import { defineRule } from '../../engine/rule-api.js';
import { get, getEntry } from '../../engine/model.js';
import { entrySpan, intOrPercent, quorumStore, replicaCount, workloadModel } from '../../engine/facts/kubernetes.js';

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL603',
    name: 'pdb-allows-quorum-loss',
    title: 'PodDisruptionBudget allows a quorum store to lose its majority',
    family: 'rollout',
    severity: 'error',
    description:
      'A PodDisruptionBudget selecting a quorum store (etcd, ZooKeeper, Consul servers) allows more simultaneous voluntary disruptions than the store tolerates: with n members a majority is ⌊n/2⌋+1, so at most n−(⌊n/2⌋+1) may be down. Percentages are resolved against the replica count the way the disruption controller does (maxUnavailable rounds up, minAvailable rounds up).',
    rationale:
      'Node drains during cluster upgrades and automatic node updates evict pods as fast as the PDB allows. A budget that admits losing the majority lets routine maintenance stop every write to the store — and everything that depends on it — at once.',
    remediation: 'Use `maxUnavailable: 1` for 3–4 members (or the tolerated count for larger ones), or `minAvailable` equal to the majority.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      loss: '{pdb} allows {allowed} of {n} {store} members to be evicted at once, but {n} members keep quorum only while {quorum} are up (at most {tol} down).',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['kubernetes', 'quorum', 'pdb'],
    docs: 'docs/rules/pdb-allows-quorum-loss.md',
  },
  checkScan(ctx) {
    for (const p of workloadModel(ctx.scan).pdbs) {
      const spec = get(p.obj.value, 'spec');
      const maxE = getEntry(spec, 'maxUnavailable');
      const minE = getEntry(spec, 'minAvailable');
      for (const w of p.selected) {
        const store = quorumStore(w);
        const n = replicaCount(w);
        if (!store || !n) continue;
        const quorum = Math.floor(n / 2) + 1;
        const tol = n - quorum;
        let allowed: number | undefined;
        let at = maxE ?? minE;
        const mx = intOrPercent(maxE?.value);
        const mn = intOrPercent(minE?.value);
        if (maxE && mx) allowed = mx.percent ? Math.ceil((mx.n * n) / 100) : mx.n;
        else if (minE && mn) allowed = n - (mn.percent ? Math.ceil((mn.n * n) / 100) : mn.n);
        else if (!maxE && !minE) ((allowed = undefined), (at = undefined));
        if (allowed === undefined || allowed <= tol || !at) continue;
        ctx.report({
          messageId: 'loss',
          data: { pdb: p.resource, allowed, n, store: store, quorum, tol },
          loc: entrySpan(at),
          resource: p.resource,
          resourceLoc: p.obj.loc,
          documentId: p.docId,
          key: w.resource,
          related: [{ loc: w.replicasEntry ? entrySpan(w.replicasEntry) : w.obj.loc, message: `${w.resource}: ${n} replicas` }],
        });
      }
    }
  },
});
