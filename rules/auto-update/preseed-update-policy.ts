/**
 * FL103 preseed-update-policy: a Debian/Ubuntu preseed that installs an automatic update channel.
 */
import { defineRule } from '../../engine/rule-api.js';

const AUTO = new Set(['unattended-upgrades', 'landscape']);

export default defineRule<{ allow: string[] }>({
  meta: {
    id: 'FL103',
    name: 'preseed-update-policy',
    title: 'Installer preseed turns on automatic updates',
    family: 'auto-update',
    severity: 'error',
    description:
      'A Debian-installer preseed sets `pkgsel/update-policy` to `unattended-upgrades` (or `landscape`). Every machine installed from it applies package updates on its own schedule, outside your change process.',
    rationale:
      'On 2023-03-08 a legacy security update channel (unattended-upgrades) installed a systemd update on tens of thousands of Kubernetes nodes at 06:00 UTC; systemd-networkd restarted, deleted the routes Cilium had installed, and five regions went offline together. Images built from this preseed carry the same channel.',
    remediation:
      'Set `d-i pkgsel/update-policy select none` and roll out updates through your image pipeline, region by region. If you need the package, also disable `APT::Periodic::Unattended-Upgrade` and mask `apt-daily-upgrade.timer` in the image.',
    formats: ['preseed'],
    scope: 'document',
    messages: {
      policy:
        'pkgsel/update-policy is "{value}": machines installed from this preseed update themselves, every node at once, outside your rollout process.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allow: {
          type: 'array',
          items: { type: 'string' },
          description: 'Update policies you accept (e.g. "landscape" when Landscape schedules updates per region).',
        },
      },
    },
    defaultOptions: { allow: [] },
    tags: ['debian', 'ubuntu', 'unattended-upgrades'],
    docs: 'docs/rules/preseed-update-policy.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'preseed') return;
    // The installer uses the last answer to a question.
    const answers = doc.model.entries.filter((e) => e.question === 'pkgsel/update-policy');
    const last = answers[answers.length - 1];
    if (!last) return;
    const value = last.value.trim();
    if (!AUTO.has(value) || ctx.options.allow.includes(value)) return;
    ctx.report({ messageId: 'policy', data: { value }, loc: last.valueLoc, resource: 'pkgsel/update-policy', document: doc });
  },
});
