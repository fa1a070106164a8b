/**
 * Helpers shared by the reporters: ordering, counting, paths, severities, snippets.
 *
 * Every reporter is a pure function of the `ScanResult`; everything here is deterministic
 * (plain code-unit string comparison, never locale-dependent collation).
 */
import type { Finding, FindingLocation } from '../engine/finding.js';
import type { ReportedDiagnostic, ScanResult } from '../engine/result.js';
import { SEVERITIES, SEVERITY_RANK, type RuleMeta, type Severity } from '../engine/rule-api.js';
import type { Range } from '../engine/source.js';

/** Locale-independent string comparison (UTF-16 code units). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: number, b: number): number {
  return a - b;
}

/** Order of findings in every report: path, line, column, rule, message, fingerprint. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.location.path, b.location.path) ||
    compareNumbers(a.location.range.start.line, b.location.range.start.line) ||
    compareNumbers(a.location.range.start.column, b.location.range.start.column) ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.message, b.message) ||
    compareStrings(a.fingerprint, b.fingerprint)
  );
}

/** Order of diagnostics: path, line, column, severity (most severe first), code, message. */
export function compareDiagnostics(a: ReportedDiagnostic, b: ReportedDiagnostic): number {
  return (
    compareStrings(a.path, b.path) ||
    compareNumbers(a.range?.start.line ?? 0, b.range?.start.line ?? 0) ||
    compareNumbers(a.range?.start.column ?? 0, b.range?.start.column ?? 0) ||
    compareNumbers(SEVERITY_RANK[b.severity], SEVERITY_RANK[a.severity]) ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.message, b.message)
  );
}

export function sortedFindings(result: ScanResult): Finding[] {
  return result.findings.slice().sort(compareFindings);
}

export function sortedDiagnostics(result: ScanResult): ReportedDiagnostic[] {
  return result.diagnostics.slice().sort(compareDiagnostics);
}

/** Rules sorted by id, first occurrence wins on duplicate ids. */
export function sortedRules(result: ScanResult): RuleMeta[] {
  const byId = new Map<string, RuleMeta>();
  for (const r of result.rules) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

export interface FindingCounts {
  bySeverity: Record<Severity, number>;
  /** Unsuppressed findings. */
  total: number;
  suppressed: number;
}

/** Counts derived from the findings themselves, so every report agrees with its own list. */
export function countFindings(findings: readonly Finding[]): FindingCounts {
  const bySeverity = { error: 0, warning: 0, info: 0 } as Record<Severity, number>;
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppression) suppressed++;
    else bySeverity[f.severity]++;
  }
  return { bySeverity, total: SEVERITIES.reduce((n, s) => n + bySeverity[s], 0), suppressed };
}

/**
 * A repo-relative POSIX path. The contract already says paths are relative to the root; this is
 * a guard so that no report ever leaks an absolute path of the machine that ran the scan.
 */
export function relativePath(root: string, path: string): string {
  let p = path.replace(/\\/g, '/');
  const r = root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (r && (p === r || p.startsWith(r + '/'))) p = p.slice(r.length + 1);
  p = p.replace(/^\.\//, '');
  return p;
}

/** PascalCase of a kebab/snake/space separated name (`missing-prestop-hook` → `MissingPrestopHook`). */
export function pascalCase(name: string): string {
  const out = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Za-z]/.test(out) ? out : `Rule${out}`;
}

/** Derived SARIF/GitHub `security-severity` when a rule does not set one. */
export const DEFAULT_SECURITY_SEVERITY: Record<Severity, number> = { error: 8.0, warning: 5.5, info: 2.0 };

/** The rule's `security-severity` as GitHub wants it: a numeric string with one decimal, 0.0–10.0. */
export function securitySeverity(rule: Pick<RuleMeta, 'severity' | 'securitySeverity'>): string {
  const raw = rule.securitySeverity;
  const n = typeof raw === 'number' && Number.isFinite(raw) ? raw : DEFAULT_SECURITY_SEVERITY[rule.severity];
  return (Math.round(Math.min(10, Math.max(0, n)) * 10) / 10).toFixed(1);
}

/**
 * Absolute URL of a rule's docs page. For a GitHub repository `informationUri`, the page of the
 * tagged release (`/blob/v<version>/<docs>`); otherwise the docs path resolved against it.
 */
export function docsUrl(tool: ScanResult['tool'], docs: string): string | undefined {
  if (!docs) return undefined;
  if (/^https?:\/\//i.test(docs)) return docs;
  const base = tool.informationUri.replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) return undefined;
  const path = docs
    .replace(/^\.?\//, '')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  if (/^https:\/\/github\.com\/[^/]+\/[^/]+$/i.test(base)) {
    return `${base}/blob/v${encodeURIComponent(tool.version)}/${path}`;
  }
  return `${base}/${path}`;
}

/** Range with 1-based positions and an end never before its start. */
export function normalizeRange(range: Range): Range {
  const sl = Math.max(1, Math.trunc(range.start.line));
  const sc = Math.max(1, Math.trunc(range.start.column));
  let el = Math.max(1, Math.trunc(range.end.line));
  let ec = Math.max(1, Math.trunc(range.end.column));
  if (el < sl || (el === sl && ec < sc)) {
    el = sl;
    ec = sc;
  }
  return { start: { line: sl, column: sc }, end: { line: el, column: ec } };
}

export interface SnippetLines {
  /** Line number of `lines[0]`. */
  firstLine: number;
  lines: string[];
}

/** The snippet as lines starting at the location's start line (terminators removed). */
export function snippetLines(loc: FindingLocation): SnippetLines | undefined {
  if (loc.snippet === undefined || loc.snippet === '') return undefined;
  const lines = loc.snippet.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return { firstLine: normalizeRange(loc.range).start.line, lines };
}

/**
 * The exact text of the location's range, when the snippet holds every line the range touches
 * and the columns fit those lines; otherwise undefined (the snippet's shape is not what the range
 * says, and a wrong excerpt is worse than none).
 */
export function rangeText(loc: FindingLocation): string | undefined {
  const s = snippetLines(loc);
  if (!s) return undefined;
  const r = normalizeRange(loc.range);
  const spanned = r.end.line - r.start.line + 1;
  let lines: string[];
  let endLine = r.end.line;
  let endColumn = r.end.column;
  if (s.lines.length === spanned) {
    lines = s.lines;
  } else if (r.end.column === 1 && r.end.line > r.start.line && s.lines.length === spanned - 1) {
    // The range ends at the very start of the next line: it includes the last line's terminator.
    lines = s.lines;
    endLine = r.end.line - 1;
    endColumn = s.lines[s.lines.length - 1].length + 1;
  } else {
    return undefined;
  }
  const first = lines[0];
  const last = lines[lines.length - 1];
  if (r.start.column > first.length + 1 || endColumn > last.length + 1) return undefined;
  if (endLine === r.start.line) return first.slice(r.start.column - 1, endColumn - 1);
  const middle = lines.slice(1, -1);
  const text = [first.slice(r.start.column - 1), ...middle, last.slice(0, endColumn - 1)].join('\n');
  return endLine !== r.end.line ? text + '\n' : text;
}

export function pluralize(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
