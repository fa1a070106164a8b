/**
 * The documented JSON report (schema: schemas/faultline-report.schema.json, `schemaVersion` "1").
 *
 * Built for diffing: every object is constructed with a fixed key order, arrays are sorted, and no
 * absolute path appears anywhere (the scan root is deliberately left out). Suppressed findings are
 * included, carrying their `suppression`.
 */
import type { Finding, FindingLocation, RelatedFindingLocation, Suppression } from '../engine/finding.js';
import type { ReportedDiagnostic, RenderOptions, ScanResult, ScheduleWindow } from '../engine/result.js';
import type { RuleFamily, Severity } from '../engine/rule-api.js';
import { failsThreshold } from '../engine/finding.js';
import {
  countFindings,
  normalizeRange,
  relativePath,
  sortedDiagnostics,
  sortedFindings,
  sortedRules,
} from './common.js';

export const JSON_SCHEMA_VERSION = '1';

export interface JsonPosition {
  line: number;
  column: number;
}
export interface JsonRange {
  start: JsonPosition;
  end: JsonPosition;
}
export interface JsonLocation {
  path: string;
  range: JsonRange;
  snippet?: string;
}
export interface JsonRelatedLocation extends JsonLocation {
  message: string;
}
export interface JsonSuppression {
  kind: Suppression['kind'];
  reason: string;
  until?: string;
  location?: JsonLocation;
}
export interface JsonFinding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  location: JsonLocation;
  resource?: string;
  related: JsonRelatedLocation[];
  embedding?: string[];
  fingerprint: string;
  suppressed: boolean;
  suppression?: JsonSuppression;
}
export interface JsonDiagnostic {
  severity: ReportedDiagnostic['severity'];
  code: ReportedDiagnostic['code'];
  message: string;
  path: string;
  range?: JsonRange;
}
export interface JsonRule {
  id: string;
  name: string;
  title: string;
  severity: Severity;
  family: RuleFamily;
  docs: string;
}
export interface JsonReport {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  tool: { name: 'faultline'; version: string; informationUri: string };
  startedAt: string;
  finishedAt: string;
  failOn: Severity | 'never';
  category?: string;
  summary: {
    /** Unsuppressed findings. */
    findings: number;
    bySeverity: Record<Severity, number>;
    suppressed: number;
    diagnostics: number;
    /** Whether an unsuppressed finding reaches `failOn`. */
    failed: boolean;
    files: { seen: number; scanned: number; skipped: number };
    documents: number;
    embeddedDocuments: number;
    durationMs: number;
  };
  findings: JsonFinding[];
  diagnostics: JsonDiagnostic[];
  rules: JsonRule[];
  /** Per-region update windows (the fleet timeline), when schedule analysis ran. */
  schedules?: ScheduleWindow[];
}

function range(r: FindingLocation['range']): JsonRange {
  const n = normalizeRange(r);
  return {
    start: { line: n.start.line, column: n.start.column },
    end: { line: n.end.line, column: n.end.column },
  };
}

function location(root: string, loc: FindingLocation): JsonLocation {
  const out: JsonLocation = { path: relativePath(root, loc.path), range: range(loc.range) };
  if (loc.snippet !== undefined) out.snippet = loc.snippet;
  return out;
}

function related(root: string, rel: RelatedFindingLocation): JsonRelatedLocation {
  const loc = location(root, rel);
  return { ...loc, message: rel.message };
}

function suppression(root: string, s: Suppression): JsonSuppression {
  const out: JsonSuppression = { kind: s.kind, reason: s.reason };
  if (s.until !== undefined) out.until = s.until;
  if (s.location) out.location = location(root, s.location);
  return out;
}

function finding(root: string, f: Finding): JsonFinding {
  const out = {
    ruleId: f.ruleId,
    ruleName: f.ruleName,
    severity: f.severity,
    message: f.message,
    location: location(root, f.location),
  } as JsonFinding;
  if (f.resource !== undefined) out.resource = f.resource;
  out.related = f.related.map((r) => related(root, r));
  if (f.embedding && f.embedding.length > 0) out.embedding = [...f.embedding];
  out.fingerprint = f.fingerprint;
  out.suppressed = f.suppression !== undefined;
  if (f.suppression) out.suppression = suppression(root, f.suppression);
  return out;
}

function diagnostic(root: string, d: ReportedDiagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = {
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: d.path ? relativePath(root, d.path) : '',
  };
  if (d.range) out.range = range(d.range);
  return out;
}

/** The report as an object (for reporters that build on it, e.g. future gitlab/junit formats). */
export function buildJsonReport(result: ScanResult, options: RenderOptions): JsonReport {
  const root = result.root;
  const findings = sortedFindings(result);
  const diagnostics = sortedDiagnostics(result);
  const counts = countFindings(findings);
  const st = result.stats;
  const report = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: result.tool.name, version: result.tool.version, informationUri: result.tool.informationUri },
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    failOn: result.failOn,
  } as JsonReport;
  if (options.category !== undefined && options.category !== '') report.category = options.category;
  report.summary = {
    findings: counts.total,
    bySeverity: { error: counts.bySeverity.error, warning: counts.bySeverity.warning, info: counts.bySeverity.info },
    suppressed: counts.suppressed,
    diagnostics: diagnostics.length,
    failed: failsThreshold(findings, result.failOn),
    files: { seen: st.filesSeen, scanned: st.filesScanned, skipped: st.filesSkipped },
    documents: st.documents,
    embeddedDocuments: st.embeddedDocuments,
    durationMs: st.durationMs,
  };
  report.findings = findings.map((f) => finding(root, f));
  report.diagnostics = diagnostics.map((d) => diagnostic(root, d));
  report.rules = sortedRules(result).map((r) => ({
    id: r.id,
    name: r.name,
    title: r.title,
    severity: r.severity,
    family: r.family,
    docs: r.docs,
  }));
  if (result.schedules?.length) {
    report.schedules = result.schedules.map((w) => ({
      region: w.region,
      kind: w.kind,
      label: w.label,
      expression: w.expression,
      timezone: w.timezone,
      intervals: w.intervals.map(([a, b]) => [a, b] as [number, number]),
      path: w.path,
      line: w.line,
    }));
  }
  return report;
}

export function renderJson(result: ScanResult, options: RenderOptions): string {
  return JSON.stringify(buildJsonReport(result, options), null, 2) + '\n';
}

export default renderJson;
