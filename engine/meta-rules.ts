/**
 * Findings the engine itself produces about suppressions. Their metadata lives here so reports
 * (SARIF `rules`, the catalog) describe them like any other rule; they have no check function.
 */
import type { RuleMeta } from './rule-api.js';

const common = {
  family: 'engine' as const,
  formats: [],
  scope: 'scan' as const,
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  defaultOptions: {},
};

export const INVALID_SUPPRESSION: RuleMeta = {
  ...common,
  id: 'FL001',
  name: 'invalid-suppression',
  title: 'Suppression without a reason, a known rule or a valid date',
  severity: 'warning',
  description:
    'A faultline-ignore comment, ignore.faultline.dev annotation or waiver that cannot be applied: it names no rule or an unknown rule, has no reason, or its until-date is not a real YYYY-MM-DD date. The finding it meant to waive is still reported.',
  rationale:
    'An accepted risk must say why it was accepted so the next reviewer can judge it. A waiver without a reason is how a legacy update channel stays on for years after everyone has forgotten it exists.',
  remediation: "Write the rule ID or name and a reason: `# faultline-ignore FL101 -- rebuilt nightly by image pipeline until 2026-12-31`.",
  messages: { invalid: 'This suppression is ignored: it {problem}.' },
  docs: 'docs/rules/invalid-suppression.md',
};

export const EXPIRED_SUPPRESSION: RuleMeta = {
  ...common,
  id: 'FL002',
  name: 'expired-suppression',
  title: 'Suppression past its until-date',
  severity: 'warning',
  description:
    'A suppression whose until-date has passed. It no longer applies: the finding it waived is reported again, and this finding points at the stale waiver.',
  rationale: 'Waivers are temporary by design; a dated waiver that silently kept applying would turn a reviewed exception into a permanent blind spot.',
  remediation: 'Fix the underlying finding, or review the risk again and move the date.',
  messages: { expired: 'This suppression of {rule} expired on {until}; the finding is reported again.' },
  docs: 'docs/rules/expired-suppression.md',
};

export const UNUSED_SUPPRESSION: RuleMeta = {
  ...common,
  id: 'FL003',
  name: 'unused-suppression',
  title: 'Suppression that matches no finding',
  severity: 'info',
  description: 'An inline faultline-ignore comment or ignore.faultline.dev annotation that suppresses nothing in this scan.',
  rationale: 'Stale suppressions hide future regressions at the same place and mislead reviewers about which risks were accepted.',
  remediation: 'Delete the suppression, or move it to the line the finding is reported on.',
  messages: { unused: 'This suppression of {rule} matches no finding.' },
  docs: 'docs/rules/unused-suppression.md',
};

export const META_RULES: readonly RuleMeta[] = [INVALID_SUPPRESSION, EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION];
