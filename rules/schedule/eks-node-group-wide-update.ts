/**
 * FL620 eks-node-group-wide-update: how much of a region's capacity one EKS managed node group
 * update may take down at once.
 */
import { defineRule } from '../../engine/rule-api.js';
import { attr, num, resources } from './terraform-helpers.js';

export default defineRule<{ maxUnavailablePercent: number; maxUnavailable: number }>({
  meta: {
    id: 'FL620',
    name: 'eks-node-group-wide-update',
    title: 'EKS node group updates take down a large share of nodes at once',
    family: 'rollout',
    severity: 'warning',
    description:
      'An `aws_eks_node_group` whose `update_config` lets an AMI or launch-template update replace more nodes at once than the budget: `max_unavailable_percentage` above `maxUnavailablePercent`, or `max_unavailable` above `maxUnavailable` nodes.',
    rationale:
      'A node image or configuration update is exactly the change that went wrong on 2023-03-08 (a systemd update that broke node networking). When a rollout takes a third of a region\'s nodes at once, the first signal of a bad image is a third of the capacity gone; small batches let health checks stop the rollout while the region still serves.',
    remediation: 'Lower `update_config.max_unavailable_percentage` (or `max_unavailable`) so one batch stays within what the region can lose, and gate the rollout on health.',
    formats: ['terraform'],
    scope: 'document',
    messages: {
      percent: 'update_config.max_unavailable_percentage = {value}: a node group update can take {value}% of the nodes down at once (budget {max}%).',
      count: 'update_config.max_unavailable = {value}: a node group update can take {value} nodes down at once (budget {max}).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxUnavailablePercent: { type: 'number', minimum: 0, maximum: 100, default: 25, description: 'Largest acceptable max_unavailable_percentage.' },
        maxUnavailable: { type: 'integer', minimum: 1, default: 10, description: 'Largest acceptable max_unavailable (nodes).' },
      },
    },
    defaultOptions: { maxUnavailablePercent: 25, maxUnavailable: 10 },
    tags: ['blast-radius', 'eks'],
    docs: 'docs/rules/eks-node-group-wide-update.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'terraform') return;
    for (const b of resources(doc, 'aws_eks_node_group')) {
      for (const uc of b.body.blocks.filter((x) => x.type === 'update_config')) {
        const pct = num(uc, 'max_unavailable_percentage');
        const cnt = num(uc, 'max_unavailable');
        const resource = `aws_eks_node_group.${b.labels[1]}`;
        if (pct !== undefined && pct > ctx.options.maxUnavailablePercent) {
          const a = attr(uc, 'max_unavailable_percentage')!;
          ctx.report({ messageId: 'percent', data: { value: pct, max: ctx.options.maxUnavailablePercent }, loc: a.loc, resource, resourceLoc: b.loc, document: doc });
        } else if (cnt !== undefined && cnt > ctx.options.maxUnavailable) {
          const a = attr(uc, 'max_unavailable')!;
          ctx.report({ messageId: 'count', data: { value: cnt, max: ctx.options.maxUnavailable }, loc: a.loc, resource, resourceLoc: b.loc, document: doc });
        }
      }
    }
  },
});
