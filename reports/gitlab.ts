/**
 * GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of Code Climate
 * issues, in the subset GitLab documents — description, check_name, fingerprint, severity
 * (info|minor|major|critical|blocker), location.path, location.lines.begin — plus the optional
 * Code Climate fields GitLab ignores harmlessly (type, categories, engine_name, content).
 *
 * Fingerprints are the finding's own (line-independent, unique per occurrence) prefixed by the
 * category, so two analyses of one repository (per region, per shard) never collide in the widget.
 * Suppressed findings are left out: Code Quality has no notion of a waived issue.
 */
import { createHash } from 'node:crypto';
import type { RenderOptions, ScanResult } from '../engine/result.js';
import type { Severity } from '../engine/rule-api.js';
import { normalizeRange, relativePath, sortedFindings } from './common.js';

export type GitlabSeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export const GITLAB_SEVERITY: Record<Severity, GitlabSeverity> = { error: 'critical', warning: 'major', info: 'info' };

export interface GitlabIssue {
  type: 'issue';
  engine_name: 'faultline';
  check_name: string;
  description: string;
  categories: string[];
  fingerprint: string;
  severity: GitlabSeverity;
  location: { path: string; lines: { begin: number; end: number } };
  content?: { body: string };
}

export function buildGitlabReport(result: ScanResult, options: RenderOptions): GitlabIssue[] {
  const rules = new Map(result.rules.map((r) => [r.id, r]));
  return sortedFindings(result)
    .filter((f) => !f.suppression)
    .map((f) => {
      const r = normalizeRange(f.location.range);
      // A range that ends at column 1 of the next line covers whole lines up to the previous one.
      const end = r.end.line > r.start.line && r.end.column === 1 ? r.end.line - 1 : r.end.line;
      const rule = rules.get(f.ruleId);
      const fp = options.category ? createHash('sha256').update(`${options.category}\0${f.fingerprint}`).digest('hex').slice(0, 32) : f.fingerprint;
      const issue: GitlabIssue = {
        type: 'issue',
        engine_name: 'faultline',
        check_name: `${f.ruleId} ${f.ruleName}`,
        description: `${f.ruleId}: ${f.message}`,
        categories: ['Bug Risk'],
        fingerprint: fp,
        severity: GITLAB_SEVERITY[f.severity],
        location: { path: relativePath(result.root, f.location.path), lines: { begin: r.start.line, end: Math.max(r.start.line, end) } },
      };
      if (rule) issue.content = { body: `${rule.title}\n\n${rule.rationale}\n\nFix: ${rule.remediation}` };
      return issue;
    });
}

export function renderGitlab(result: ScanResult, options: RenderOptions): string {
  return JSON.stringify(buildGitlabReport(result, options), null, 2) + '\n';
}
