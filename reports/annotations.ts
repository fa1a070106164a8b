/**
 * GitHub Actions workflow commands (`--format github`): one `::error|warning|notice file=…,line=…::`
 * line per unsuppressed finding, which the runner turns into check annotations.
 *
 * GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (50 per job); the rest
 * are dropped silently. So we print the most severe, first in path order, up to 10 of each level,
 * then a plain (non-command) line saying how many were not annotated and where to find them (the
 * SARIF upload or the log). Properties escape `%`, `\r`, `\n`, `:` and `,`; data escapes `%`, `\r`,
 * `\n`, as the workflow-command documentation specifies.
 */
import type { RenderOptions, ScanResult } from '../engine/result.js';
import type { Severity } from '../engine/rule-api.js';
import { normalizeRange, relativePath, sortedFindings } from './common.js';

export const ANNOTATIONS_PER_LEVEL = 10;

const LEVEL: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderAnnotations(result: ScanResult, options: RenderOptions): string {
  const used = { error: 0, warning: 0, notice: 0 };
  let dropped = 0;
  let out = '';
  for (const f of sortedFindings(result)) {
    if (f.suppression) continue;
    const level = LEVEL[f.severity];
    if (used[level] >= ANNOTATIONS_PER_LEVEL) {
      dropped++;
      continue;
    }
    used[level]++;
    const r = normalizeRange(f.location.range);
    const props = [`file=${escapeProperty(relativePath(result.root, f.location.path))}`, `line=${r.start.line}`];
    if (r.end.line === r.start.line) props.push(`col=${r.start.column}`, `endColumn=${r.end.column}`);
    else props.push(`endLine=${r.end.column === 1 ? r.end.line - 1 : r.end.line}`);
    props.push(`title=${escapeProperty(`${options.category ? `[${options.category}] ` : ''}${f.ruleId} ${f.ruleName}`)}`);
    const related = f.related.map((x) => `\n↳ ${relativePath(result.root, x.path)}:${normalizeRange(x.range).start.line} ${x.message}`).join('');
    out += `::${level} ${props.join(',')}::${escapeData(`${f.message}${related}`)}\n`;
  }
  if (dropped) {
    out += `faultline: ${dropped} more finding${dropped === 1 ? ' was' : 's were'} not annotated (GitHub shows ${ANNOTATIONS_PER_LEVEL} per level per step); see the code-scanning alerts or the text report.\n`;
  }
  return out;
}
