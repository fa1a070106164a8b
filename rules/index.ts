/**
 * The built-in rule catalog: an explicit list (no discovery by side effect). Adding a rule means
 * adding it here, with a docs page in docs/rules/<name>.md and tests in test/rules/.
 */
import type { Rule } from '../engine/rule-api.js';
import preseedUpdatePolicy from './auto-update/preseed-update-policy.js';
import cloudInitPackageUpgrade from './auto-update/cloud-init-package-upgrade.js';

export const builtinRules: Rule<Record<string, unknown>>[] = [
  preseedUpdatePolicy,
  cloudInitPackageUpgrade,
] as unknown as Rule<Record<string, unknown>>[];
