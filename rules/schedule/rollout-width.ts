/**
 * FL620 eks-node-group-wide-update and FL621 asg-instance-refresh-without-checkpoints: how much
 * of a region's capacity one node rollout may take down at once.
 */
import { str, type HclBlock } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';

function attr(b: HclBlock, name: string) {
  return b.body.attributes.find((a) => a.name === name);
}
function num(b: HclBlock, name: string): number | undefined {
  const s = str(attr(b, name)?.value);
  const n = s === undefined || s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
}
function resources(doc: { model: { body: { blocks: HclBlock[] } } }, type: string): HclBlock[] {
  return doc.model.body.blocks.filter((b) => b.type === 'resource' && b.labels[0] === type);
}

export const eksNodeGroupWideUpdate = defineRule<{ maxUnavailablePercent: number; maxUnavailable: number }>({
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

export const asgInstanceRefreshWithoutCheckpoints = defineRule<{ minHealthyPercent: number }>({
  meta: {
    id: 'FL621',
    name: 'asg-instance-refresh-without-checkpoints',
    title: 'ASG instance refresh replaces many instances with no checkpoint',
    family: 'rollout',
    severity: 'warning',
    description:
      'An `aws_autoscaling_group` `instance_refresh` whose `preferences.min_healthy_percentage` is below the budget and that sets no `checkpoint_percentages`: a new launch template (a new image) replaces a large share of the group in one sweep, with no pause to check health.',
    rationale:
      'Replacing nodes is how a bad image reaches a whole region; on 2023-03-08 a bad systemd update reached every node within an hour. Checkpoints (pause after 10%, 50%...) and a high minimum healthy percentage are the health gate that turns a fleet-wide failure into a partial one.',
    remediation: 'Raise `min_healthy_percentage` (AWS defaults to 90) or add `checkpoint_percentages` with a `checkpoint_delay` long enough to see failures, and consider `auto_rollback = true`.',
    formats: ['terraform'],
    scope: 'document',
    messages: {
      low: 'instance_refresh.preferences.min_healthy_percentage = {value} with no checkpoint_percentages: one refresh may replace {down}% of the group at once (budget: at least {min}% healthy, or checkpoints).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { minHealthyPercent: { type: 'number', minimum: 0, maximum: 100, default: 75, description: 'Smallest acceptable min_healthy_percentage without checkpoints.' } },
    },
    defaultOptions: { minHealthyPercent: 75 },
    tags: ['blast-radius', 'autoscaling'],
    docs: 'docs/rules/asg-instance-refresh-without-checkpoints.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'terraform') return;
    for (const b of resources(doc, 'aws_autoscaling_group')) {
      for (const ir of b.body.blocks.filter((x) => x.type === 'instance_refresh')) {
        for (const p of ir.body.blocks.filter((x) => x.type === 'preferences')) {
          const v = num(p, 'min_healthy_percentage');
          if (v === undefined || v >= ctx.options.minHealthyPercent) continue;
          if (attr(p, 'checkpoint_percentages')) continue;
          ctx.report({
            messageId: 'low',
            data: { value: v, down: 100 - v, min: ctx.options.minHealthyPercent },
            loc: attr(p, 'min_healthy_percentage')!.loc,
            resource: `aws_autoscaling_group.${b.labels[1]}`,
            resourceLoc: b.loc,
            document: doc,
          });
        }
      }
    }
  },
});
