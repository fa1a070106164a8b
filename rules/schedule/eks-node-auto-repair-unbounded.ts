/**
 * FL622 eks-node-auto-repair-unbounded: EKS managed node group auto repair with no limit on how
 * many nodes it replaces in parallel.
 *
 * GKE `management { auto_repair = true }` is not reported: GKE offers no parallelism setting to
 * fix, so a finding would be noise (see the docs page).
 */
import { bool } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';
import { attr, blocksOf, num, resources } from './terraform-helpers.js';

export default defineRule<{ maxParallelPercent: number; maxParallelCount: number }>({
  meta: {
    id: 'FL622',
    name: 'eks-node-auto-repair-unbounded',
    title: 'EKS node auto repair may replace many nodes at once',
    family: 'rollout',
    severity: 'warning',
    description:
      'An `aws_eks_node_group` with `node_repair_config { enabled = true }` and neither `max_parallel_nodes_repaired_count` nor `max_parallel_nodes_repaired_percentage`, or one above the budget. Auto repair replaces or reboots nodes it sees as unhealthy; when one bad change makes every node unhealthy, nothing but these settings bounds how many it takes down together.',
    rationale:
      'On 2023-03-08 a systemd update broke networking on every node within an hour. Health-driven automation reacts to exactly that kind of fleet-wide failure: an unbounded repair loop replaces the whole group at once (cold caches, image pulls, re-registration), turning a partial outage into a full one.',
    remediation:
      'Set `max_parallel_nodes_repaired_count` (or `_percentage`) to a small batch, and `max_unhealthy_node_threshold_count` / `_percentage` so repair stops when too many nodes fail at once — a correlated failure needs a human, not a replacement sweep.',
    formats: ['terraform'],
    scope: 'document',
    messages: {
      unbounded: 'node_repair_config enables auto repair with no max_parallel_nodes_repaired_count/percentage: how many unhealthy nodes are repaired at once is left to EKS (budget {count} nodes or {percent}% of unhealthy nodes).',
      percent: 'max_parallel_nodes_repaired_percentage = {value}: auto repair may act on {value}% of the unhealthy nodes at once (budget {max}%).',
      count: 'max_parallel_nodes_repaired_count = {value}: auto repair may act on {value} nodes at once (budget {max}).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxParallelPercent: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Largest acceptable max_parallel_nodes_repaired_percentage (of unhealthy nodes).' },
        maxParallelCount: { type: 'integer', minimum: 1, default: 5, description: 'Largest acceptable max_parallel_nodes_repaired_count.' },
      },
    },
    defaultOptions: { maxParallelPercent: 20, maxParallelCount: 5 },
    tags: ['blast-radius', 'eks'],
    docs: 'docs/rules/eks-node-auto-repair-unbounded.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'terraform') return;
    const o = ctx.options;
    for (const b of resources(doc, 'aws_eks_node_group')) {
      const resource = `aws_eks_node_group.${b.labels[1]}`;
      for (const rc of blocksOf(b, 'node_repair_config')) {
        const en = attr(rc, 'enabled');
        if (!en || bool(en.value) !== true) continue;
        const pct = num(rc, 'max_parallel_nodes_repaired_percentage');
        const cnt = num(rc, 'max_parallel_nodes_repaired_count');
        const base = { resource, resourceLoc: b.loc, document: doc };
        if (pct !== undefined && pct > o.maxParallelPercent) {
          ctx.report({ ...base, messageId: 'percent', data: { value: pct, max: o.maxParallelPercent }, loc: attr(rc, 'max_parallel_nodes_repaired_percentage')!.loc });
        } else if (cnt !== undefined && cnt > o.maxParallelCount) {
          ctx.report({ ...base, messageId: 'count', data: { value: cnt, max: o.maxParallelCount }, loc: attr(rc, 'max_parallel_nodes_repaired_count')!.loc });
        } else if (!attr(rc, 'max_parallel_nodes_repaired_percentage') && !attr(rc, 'max_parallel_nodes_repaired_count')) {
          ctx.report({ ...base, messageId: 'unbounded', data: { count: o.maxParallelCount, percent: o.maxParallelPercent }, loc: en.loc });
        }
      }
    }
  },
});
