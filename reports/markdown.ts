/**
 * Markdown for pull-request comments, wikis and the GitHub step summary (GitHub-flavoured:
 * tables, <details>). Scanned text is escaped so a finding cannot inject markup, links or mentions.
 */
import type { Finding } from '../engine/finding.js';
import type { RenderOptions, ScanResult } from '../engine/result.js';
import { failsThreshold } from '../engine/finding.js';
import { countFindings, normalizeRange, relativePath, sortedFindings } from './common.js';

/** Escape text for a GFM table cell / paragraph: no HTML, no emphasis, no autolinked mentions. */
export function mdEscape(s: string): string {
  return s
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/^([#>+=-])/, '\\$1')
    .replace(/[\\`*_[\]|<>~@&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '@' ? '@\u200b' : `\\${c}`));
}

function code(s: string): string {
  const t = s.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
  const ticks = (t.match(/`+/g) ?? []).reduce((m, x) => Math.max(m, x.length), 0);
  const fence = '`'.repeat(ticks + 1);
  return `${fence}${ticks ? ' ' : ''}${t}${ticks ? ' ' : ''}${fence}`;
}

const ICON: Record<Finding['severity'], string> = { error: '🔴 error', warning: '🟠 warning', info: '🔵 info' };

export interface MarkdownOptions extends RenderOptions {
  /** Most findings listed in the table (GitHub comments are capped at 65536 characters). */
  limit?: number;
}

export function renderMarkdown(result: ScanResult, options: MarkdownOptions): string {
  const all = sortedFindings(result);
  const counts = countFindings(all);
  const shown = all.filter((f) => !f.suppression || options.includeSuppressed);
  const limit = options.limit ?? 200;
  const failed = failsThreshold(all, result.failOn);
  const lines: string[] = [];
  lines.push(`## faultline${options.category ? ` — ${mdEscape(options.category)}` : ''}`);
  lines.push('');
  lines.push(
    failed
      ? `**Failed**: unsuppressed findings at or above \`${result.failOn}\`.`
      : counts.total
        ? `**Passed** (\`--fail-on ${result.failOn}\`), with findings below the threshold.`
        : '**Passed**: no findings.',
  );
  lines.push('');
  lines.push('| errors | warnings | info | suppressed | files scanned |');
  lines.push('|---:|---:|---:|---:|---:|');
  lines.push(`| ${counts.bySeverity.error} | ${counts.bySeverity.warning} | ${counts.bySeverity.info} | ${counts.suppressed} | ${result.stats.filesScanned} |`);
  if (shown.length) {
    lines.push('');
    lines.push('| severity | rule | location | finding |');
    lines.push('|---|---|---|---|');
    for (const f of shown.slice(0, limit)) {
      const r = normalizeRange(f.location.range);
      const where = `${relativePath(result.root, f.location.path)}:${r.start.line}:${r.start.column}`;
      const msg = mdEscape(f.message) + (f.suppression ? ` _(suppressed: ${mdEscape(f.suppression.reason)})_` : '');
      lines.push(`| ${ICON[f.severity]} | ${f.ruleId} ${mdEscape(f.ruleName)} | ${code(where)} | ${msg} |`);
    }
    if (shown.length > limit) lines.push('', `…and ${shown.length - limit} more; see the full report.`);
    const rules = new Map(result.rules.map((r) => [r.id, r]));
    const used = [...new Set(shown.slice(0, limit).map((f) => f.ruleId))];
    const help = used.map((id) => rules.get(id)).filter((r) => r !== undefined);
    if (help.length) {
      lines.push('', '<details><summary>What the rules mean</summary>', '');
      for (const r of help) lines.push(`- **${r.id} ${mdEscape(r.name)}** — ${mdEscape(r.title)}. ${mdEscape(r.remediation)}`);
      lines.push('', '</details>');
    }
  }
  const diags = result.diagnostics.length;
  if (diags) lines.push('', `${diags} file${diags === 1 ? '' : 's'} could not be fully analysed (diagnostics in the text or JSON report).`);
  return lines.join('\n') + '\n';
}
