/**
 * The finding: the one contract every output is derived from.
 */
import type { Range } from './source.js';
import { SEVERITY_RANK, type Severity } from './rule-api.js';

export interface FindingLocation {
  /** Repo-relative POSIX path. */
  path: string;
  range: Range;
  /** The source line(s) of the range, for excerpts. */
  snippet?: string;
}

export interface RelatedFindingLocation extends FindingLocation {
  message: string;
}

export type SuppressionKind = 'inline' | 'annotation' | 'config' | 'baseline';

export interface Suppression {
  kind: SuppressionKind;
  reason: string;
  /** ISO date (YYYY-MM-DD) after which the waiver no longer applies. */
  until?: string;
  /** Where the suppression is written. */
  location?: FindingLocation;
}

export interface Finding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  location: FindingLocation;
  /** The resource the finding concerns (`Deployment/shop/cart`, `aws_launch_template.nodes`). */
  resource?: string;
  related: RelatedFindingLocation[];
  /** The chain of embedding from the file on disk down to the document (`user_data → MIME part 2 → write_files[0]`). */
  embedding?: string[];
  /** Stable across unrelated edits: independent of line numbers. Hex. */
  fingerprint: string;
  /** Set when the finding is waived; suppressed findings are counted but do not fail the run. */
  suppression?: Suppression;
}

/** Does this finding count against `--fail-on`? Suppressed findings never do. */
export function failsAt(f: Pick<Finding, 'severity' | 'suppression'>, failOn: Severity | 'never'): boolean {
  return !f.suppression && failOn !== 'never' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn];
}

/** The exit-code decision: does any unsuppressed finding reach the threshold? */
export function failsThreshold(findings: readonly Pick<Finding, 'severity' | 'suppression'>[], failOn: Severity | 'never'): boolean {
  return findings.some((f) => failsAt(f, failOn));
}
