/**
 * FL621 asg-instance-refresh-without-checkpoints: an ASG instance refresh that may replace a large
 * share of the group in one sweep, with no pause to check health.
 */
import { defineRule } from '../../engine/rule-api.js';
import { attr, num, resources } from './terraform-helpers.js';

export default defineRule<{ minHealthyPercent: number }>({
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
