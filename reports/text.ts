/**
 * The terminal report: findings grouped by file, with related locations, the embedding chain
 * and an underlined excerpt; diagnostics in their own section; one summary line.
 *
 * Suppressed findings are not listed, only counted. ANSI colour only when `options.color`
 * (the CLI decides, see `shouldColor`).
 */
import type { Finding, FindingLocation } from '../engine/finding.js';
import type { ReportedDiagnostic, RenderOptions, ScanResult } from '../engine/result.js';
import type { Severity } from '../engine/rule-api.js';
import {
  countFindings,
  normalizeRange,
  pluralize,
  relativePath,
  snippetLines,
  sortedDiagnostics,
  sortedFindings,
} from './common.js';

/**
 * Whether to colour output written to `stream`.
 *
 * - `FORCE_COLOR` set to a non-empty value forces colour on, except `0` / `false` which force
 *   it off (Node's own precedence: FORCE_COLOR wins over NO_COLOR).
 * - `NO_COLOR` set to any non-empty value disables colour (https://no-color.org).
 * - Otherwise colour iff the stream is a TTY and `TERM` is not `dumb`.
 */
export function shouldColor(
  stream: { isTTY?: boolean } | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    return !(force === '0' || force.toLowerCase() === 'false');
  }
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream?.isTTY === true;
}

type Style = (s: string) => string;

interface Palette {
  bold: Style;
  dim: Style;
  red: Style;
  yellow: Style;
  cyan: Style;
  green: Style;
  severity: Record<Severity, Style>;
}

function sgr(open: number, close: number): Style {
  return (s) => (s === '' ? s : `\u001b[${open}m${s}\u001b[${close}m`);
}

function palette(color: boolean): Palette {
  if (!color) {
    const id: Style = (s) => s;
    return { bold: id, dim: id, red: id, yellow: id, cyan: id, green: id, severity: { error: id, warning: id, info: id } };
  }
  const red = sgr(31, 39);
  const yellow = sgr(33, 39);
  const cyan = sgr(36, 39);
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red,
    yellow,
    cyan,
    green: sgr(32, 39),
    severity: { error: red, warning: yellow, info: cyan },
  };
}

/**
 * Neutralise control characters from scanned content (messages and snippets quote file content):
 * an escape sequence inside a YAML value must not be able to drive the user's terminal.
 */
export function sanitize(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
      // Bidirectional overrides and isolates ("Trojan Source"): shown, not obeyed.
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
  );
}

/** Single-line form of a message (newlines become spaces). */
function oneLine(s: string): string {
  return sanitize(s.replace(/\r\n|\r|\n/g, ' ').replace(/\t/g, ' '));
}

function position(loc: { range: { start: { line: number; column: number } } }): string {
  const r = loc.range.start;
  return `${r.line}:${r.column}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m ${total % 60}s`;
}

const MAX_EXCERPT_LINES = 3;
const MAX_LINE_WIDTH = 160;

/** Padding that lines up under `prefix` when printed: tabs stay tabs, everything else a space. */
function padUnder(prefix: string): string {
  return prefix.replace(/[^\t]/g, ' ');
}

/** Excerpt lines (gutter + source) and the caret line under the first one. */
function excerpt(loc: FindingLocation, p: Palette, indent: string): string[] {
  const s = snippetLines(loc);
  if (!s) return [];
  const r = normalizeRange(loc.range);
  const shown = s.lines.slice(0, MAX_EXCERPT_LINES);
  const lastNo = s.firstLine + shown.length - 1;
  const width = String(lastNo).length;
  const out: string[] = [];
  shown.forEach((raw, i) => {
    const lineNo = s.firstLine + i;
    let text = raw;
    let startCol = r.start.column;
    let endCol = r.end.line === r.start.line ? r.end.column : raw.length + 1;
    // Window very long lines (minified JSON, base64 user_data) around the range start.
    let lead = '';
    if (text.length > MAX_LINE_WIDTH) {
      const from = i === 0 ? Math.max(0, Math.min(startCol - 1 - 20, text.length - MAX_LINE_WIDTH)) : 0;
      const to = from + MAX_LINE_WIDTH;
      lead = from > 0 ? '…' : '';
      text = lead + text.slice(from, to) + (to < raw.length ? '…' : '');
      startCol = startCol - from + lead.length;
      endCol = endCol - from + lead.length;
    }
    const safe = sanitize(text);
    out.push(`${indent}${p.dim(`${String(lineNo).padStart(width)} │`)} ${safe}`);
    if (i === 0) {
      const start = Math.min(Math.max(1, startCol), text.length + 1);
      const end = Math.min(Math.max(start + 1, endCol), text.length + 1);
      // Widths are measured on the sanitized text (escapes widen control characters).
      const before = sanitize(text.slice(0, start - 1));
      const under = sanitize(text.slice(start - 1, end - 1));
      const carets = '^'.repeat(Math.max(1, under.length));
      out.push(`${indent}${p.dim(`${' '.repeat(width)} │`)} ${padUnder(before)}${p.red(carets)}`);
    }
  });
  if (s.lines.length > shown.length) {
    out.push(`${indent}${p.dim(`${' '.repeat(width)} │ …`)}`);
  }
  return out;
}

function renderFinding(f: Finding, posWidth: number, p: Palette, root: string): string[] {
  const sev = f.severity;
  const pos = position(f.location).padEnd(posWidth);
  const lines: string[] = [];
  lines.push(
    `  ${p.dim(pos)}  ${p.severity[sev](sev.padEnd(7))}  ${p.bold(f.ruleId)} ${p.dim(oneLine(f.ruleName))}  ${oneLine(f.message)}`,
  );
  const indent = ' '.repeat(2 + posWidth + 2);
  if (f.resource) lines.push(`${indent}${p.dim('resource')} ${oneLine(f.resource)}`);
  if (f.embedding && f.embedding.length > 0) {
    lines.push(`${indent}${p.dim('embedded')} ${f.embedding.map(oneLine).join(' → ')}`);
  }
  for (const rel of f.related) {
    lines.push(`${indent}${p.cyan('↳')} ${oneLine(relativePath(root, rel.path))}:${position(rel)} ${oneLine(rel.message)}`);
  }
  lines.push(...excerpt(f.location, p, indent));
  return lines;
}

/** One suppressed finding: where, what, and the waiver (its kind, where it is written, until when, why). */
function renderSuppressed(f: Finding, p: Palette, root: string): string[] {
  const s = f.suppression!;
  const where = `${relativePath(root, f.location.path)}:${position(f.location)}`;
  const by = s.location ? ` at ${relativePath(root, s.location.path)}:${position(s.location)}` : '';
  const until = s.until ? `, until ${s.until}` : '';
  return [
    `  ${p.dim(oneLine(where))}  ${p.severity[f.severity](f.severity.padEnd(7))}  ${p.bold(f.ruleId)} ${p.dim(oneLine(f.ruleName))}  ${oneLine(f.message)}`,
    `    ${p.dim(`suppressed (${s.kind}${oneLine(by)}${until})`)} ${oneLine(s.reason)}`,
  ];
}

function renderDiagnostic(d: ReportedDiagnostic, p: Palette, root: string): string {
  const path = d.path ? relativePath(root, d.path) : '<scan>';
  const where = d.range ? `${path}:${d.range.start.line}:${d.range.start.column}` : path;
  return `  ${oneLine(where)}  ${p.severity[d.severity](d.severity.padEnd(7))}  ${p.dim(d.code)}  ${oneLine(d.message)}`;
}

export function renderText(result: ScanResult, options: RenderOptions): string {
  const p = palette(options.color === true);
  const findings = sortedFindings(result);
  const visible = findings.filter((f) => !f.suppression);
  const counts = countFindings(findings);
  const out: string[] = [];

  // Group by file (findings are sorted by path first, so groups come out sorted).
  const groups = new Map<string, Finding[]>();
  for (const f of visible) {
    const path = relativePath(result.root, f.location.path);
    const g = groups.get(path);
    if (g) g.push(f);
    else groups.set(path, [f]);
  }
  for (const [path, group] of groups) {
    const posWidth = Math.max(...group.map((f) => position(f.location).length));
    out.push(p.bold(oneLine(path)));
    for (const f of group) out.push(...renderFinding(f, posWidth, p, result.root));
    out.push('');
  }

  // Suppressed findings, on request (a security review wants to see what was waived, and why).
  const suppressed = options.includeSuppressed === true ? findings.filter((f) => f.suppression) : [];
  if (suppressed.length > 0) {
    out.push(p.bold(`Suppressed (${suppressed.length})`));
    for (const f of suppressed) out.push(...renderSuppressed(f, p, result.root));
    out.push('');
  }

  const diagnostics = sortedDiagnostics(result);
  if (diagnostics.length > 0) {
    out.push(p.bold(`Diagnostics (${diagnostics.length})`));
    for (const d of diagnostics) out.push(renderDiagnostic(d, p, result.root));
    out.push('');
  }

  // Summary line.
  const parts: string[] = [];
  const b = counts.bySeverity;
  if (counts.total === 0) {
    parts.push(p.green('✔ No problems found'));
  } else {
    const detail = [
      b.error ? p.red(pluralize(b.error, 'error')) : '',
      b.warning ? p.yellow(pluralize(b.warning, 'warning')) : '',
      b.info ? p.cyan(`${b.info} info`) : '',
    ].filter(Boolean);
    const mark = b.error ? p.red('✖') : b.warning ? p.yellow('⚠') : p.cyan('ℹ');
    parts.push(`${mark} ${p.bold(pluralize(counts.total, 'problem'))} (${detail.join(', ')})`);
  }
  parts.push(`${counts.suppressed} suppressed`);
  if (diagnostics.length > 0) parts.push(pluralize(diagnostics.length, 'diagnostic'));
  const st = result.stats;
  const skipped = st.filesSkipped > 0 ? ` (${st.filesSkipped} skipped)` : '';
  parts.push(`${pluralize(st.filesScanned, 'file')} scanned${skipped}`);
  parts.push(formatDuration(st.durationMs));
  out.push(parts.join(p.dim(' · ')));
  return out.join('\n') + '\n';
}

export default renderText;
