/**
 * JUnit XML for Jenkins (junit step), Azure Pipelines (PublishTestResults, JUnit) and GitLab
 * (`artifacts:reports:junit`).
 *
 * One <testsuite> per rule that ran. Every finding is a <testcase> named by its location; it holds a
 * <failure> when it is unsuppressed and at or above --fail-on (so the suite's failures agree with
 * the exit code), <skipped> when suppressed (with the reason), and passes with the finding in
 * <system-out> when below the threshold. A rule with no finding contributes one passing testcase
 * ("no findings"), so the passing checks are visible, as Checkov's JUnit output does. Incomplete
 * scans (internal errors) are <error> testcases in a "faultline.engine" suite.
 */
import type { Finding } from '../engine/finding.js';
import type { RenderOptions, ScanResult } from '../engine/result.js';
import { failsAt } from '../engine/finding.js';
import { compareStrings, normalizeRange, relativePath, sortedDiagnostics, sortedFindings, sortedRules } from './common.js';

/** XML 1.0 text/attribute escaping; characters XML 1.0 cannot carry at all are replaced. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** Escaping for element content (newlines kept readable). */
function xmlText(s: string): string {
  return xmlEscape(s).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

interface Case {
  name: string;
  classname: string;
  file?: string;
  line?: number;
  body: string;
  failed: boolean;
  skipped: boolean;
  errored: boolean;
}

function caseXml(c: Case): string {
  const attrs = [`name="${xmlEscape(c.name)}"`, `classname="${xmlEscape(c.classname)}"`, 'time="0"'];
  if (c.file) attrs.push(`file="${xmlEscape(c.file)}"`);
  if (c.line) attrs.push(`line="${c.line}"`);
  return c.body ? `    <testcase ${attrs.join(' ')}>\n${c.body}    </testcase>\n` : `    <testcase ${attrs.join(' ')}/>\n`;
}

export function renderJunit(result: ScanResult, options: RenderOptions): string {
  const prefix = options.category ? `${options.category}/` : '';
  const findings = sortedFindings(result);
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const rules = sortedRules(result);
  const ruleIds = [...new Set([...rules.map((r) => r.id), ...byRule.keys()])].sort(compareStrings);
  const suites: { name: string; cases: Case[] }[] = [];
  for (const id of ruleIds) {
    const meta = rules.find((r) => r.id === id);
    const list = byRule.get(id) ?? [];
    const name = `${prefix}${id} ${meta?.name ?? list[0]?.ruleName ?? ''}`.trim();
    const classname = `faultline.${id}`;
    const cases: Case[] = [];
    if (list.length === 0) cases.push({ name: `${id} ${meta?.title ?? ''}: no findings`.trim(), classname, body: '', failed: false, skipped: false, errored: false });
    for (const f of list) {
      const p = relativePath(result.root, f.location.path);
      const r = normalizeRange(f.location.range);
      const where = `${p}:${r.start.line}:${r.start.column}`;
      const detail = [
        `${f.severity} ${f.ruleId} ${f.ruleName}: ${f.message}`,
        `at ${where}${f.resource ? ` (${f.resource})` : ''}`,
        ...(f.embedding?.length ? [`embedded: ${f.embedding.join(' → ')}`] : []),
        ...f.related.map((rel) => `related ${relativePath(result.root, rel.path)}:${normalizeRange(rel.range).start.line}: ${rel.message}`),
        ...(f.location.snippet ? ['', f.location.snippet] : []),
        `fingerprint ${f.fingerprint}`,
      ].join('\n');
      const c: Case = { name: `${where} ${f.message}`, classname, file: p, line: r.start.line, body: '', failed: false, skipped: false, errored: false };
      if (f.suppression) {
        c.skipped = true;
        c.body = `      <skipped message="${xmlEscape(`suppressed (${f.suppression.kind}): ${f.suppression.reason}`)}"/>\n`;
      } else if (failsAt(f, result.failOn)) {
        c.failed = true;
        c.body = `      <failure type="${xmlEscape(f.severity)}" message="${xmlEscape(f.message)}">${xmlText(detail)}</failure>\n`;
      } else {
        c.body = `      <system-out>${xmlText(`below --fail-on ${result.failOn}: ${detail}`)}</system-out>\n`;
      }
      cases.push(c);
    }
    suites.push({ name, cases });
  }
  const internal = sortedDiagnostics(result).filter((d) => d.code === 'internal-error');
  if (internal.length) {
    suites.push({
      name: `${prefix}faultline.engine`,
      cases: internal.map((d) => ({
        name: `${relativePath(result.root, d.path)} ${d.message}`,
        classname: 'faultline.engine',
        file: relativePath(result.root, d.path) || undefined,
        line: d.range?.start.line,
        body: `      <error type="${xmlEscape(d.code)}" message="${xmlEscape(d.message)}"/>\n`,
        failed: false,
        skipped: false,
        errored: true,
      })),
    });
  }
  const count = (cs: Case[], k: 'failed' | 'skipped' | 'errored') => cs.filter((c) => c[k]).length;
  const all = suites.flatMap((s) => s.cases);
  const seconds = (result.stats.durationMs / 1000).toFixed(3);
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<testsuites name="${xmlEscape(`${prefix}faultline`)}" tests="${all.length}" failures="${count(all, 'failed')}" errors="${count(all, 'errored')}" skipped="${count(all, 'skipped')}" time="${seconds}">\n`;
  suites.forEach((s, i) => {
    out += `  <testsuite name="${xmlEscape(s.name)}" id="${i}" tests="${s.cases.length}" failures="${count(s.cases, 'failed')}" errors="${count(s.cases, 'errored')}" skipped="${count(s.cases, 'skipped')}" time="0" timestamp="${xmlEscape(result.startedAt.replace(/\.\d+Z$/, ''))}">\n`;
    for (const c of s.cases) out += caseXml(c);
    out += '  </testsuite>\n';
  });
  out += '</testsuites>\n';
  return out;
}
