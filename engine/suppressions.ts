/**
 * Suppressions: inline comments, Kubernetes annotations, config waivers, baselines.
 *
 * Every suppression needs a reason. One with a date (`until 2026-12-31`) stops applying after that
 * day, and the engine then reports the finding again plus an `expired-suppression` finding at the
 * waiver, so an accepted risk cannot silently outlive its review date.
 *
 * Inline syntax, in any format that has comments (`#`, `//`, `;`, `/*`):
 *
 *     # faultline-ignore FL101,missing-prestop -- nodes are rebuilt nightly until 2026-12-31
 *     # faultline-ignore-file FL201 -- staging-only template
 *
 * A directive on a line of its own applies to the next line that is neither blank nor a comment;
 * a directive after code applies to its own line. It covers findings that start on that line and
 * findings about a resource whose block starts on that line.
 */
import type { Loc, SourceFile } from './source.js';
import { positionAt } from './source.js';

export interface InlineDirective {
  file: string;
  /** 1-based line the directive is written on. */
  line: number;
  /** Root span of the directive text. */
  loc: Loc;
  /** Rule IDs or names as written. */
  rules: string[];
  reason?: string;
  until?: string;
  /** 'line': applies to `targetLine`; 'file': to the whole file. */
  scope: 'line' | 'file';
  targetLine: number;
  /** Why the directive itself is invalid, if it is. */
  problem?: string;
}

const DIRECTIVE = /(#|\/\/|;|\/\*|<!--|--)\s*faultline-ignore(-file)?(?=\s|$)(.*)$/;
const COMMENT_ONLY = /^\s*(#|\/\/|;|\/\*|\*|<!--|--)/;
const UNTIL = /\s+until\s+(\S+)\s*$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when `s` is a real calendar date in YYYY-MM-DD form. */
export function isIsoDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Parse the text after `faultline-ignore`: `RULES -- reason [until DATE]`. */
export function parseDirectiveBody(body: string): { rules: string[]; reason?: string; until?: string; problem?: string } {
  const text = body.replace(/\s*(\*\/|-->)\s*$/, '').trim();
  let until: string | undefined;
  let problem: string | undefined;
  const sep = text.indexOf('--');
  let rulesPart = sep >= 0 ? text.slice(0, sep) : text;
  let reason = sep >= 0 ? text.slice(sep + 2).trim() : '';
  const m = UNTIL.exec(' ' + reason);
  if (m) {
    until = m[1];
    reason = (' ' + reason).slice(0, m.index).trim();
    if (!isIsoDate(until)) problem = `has an until-date that is not a real YYYY-MM-DD date (${until})`;
  }
  rulesPart = rulesPart.trim();
  const rules = rulesPart ? rulesPart.split(/[\s,]+/).filter(Boolean) : [];
  if (rules.length === 0) problem ??= 'names no rule (write the rule ID or name, e.g. faultline-ignore FL101 -- reason)';
  if (!reason) problem ??= "has no reason (write one after '--')";
  return { rules, reason: reason || undefined, until, problem };
}

/** Find every inline directive in a root file. */
export function findInlineDirectives(file: SourceFile): InlineDirective[] {
  if (file.directiveFree || !file.text.includes('faultline-ignore')) return [];
  const out: InlineDirective[] = [];
  const lines = file.lineStarts.length;
  const lineAt = (i: number): string => {
    const s = file.lineStarts[i];
    const e = i + 1 < lines ? file.lineStarts[i + 1] : file.text.length;
    return file.text.slice(s, e).replace(/\r?\n$|\r$/, '');
  };
  for (let i = 0; i < lines; i++) {
    const text = lineAt(i);
    if (!text.includes('faultline-ignore')) continue;
    const m = DIRECTIVE.exec(text);
    if (!m) continue;
    const markerAt = m.index;
    const before = text.slice(0, markerAt);
    const fileScope = m[2] === '-file';
    const parsed = parseDirectiveBody(m[3]);
    let target = i + 1;
    if (!fileScope && before.trim() === '') {
      // applies to the next line that is neither blank nor comment-only
      let j = i + 1;
      while (j < lines && (lineAt(j).trim() === '' || COMMENT_ONLY.test(lineAt(j)))) j++;
      target = j + 1;
    }
    const start = file.lineStarts[i] + markerAt;
    out.push({
      file: file.path,
      line: i + 1,
      loc: { file: file.path, start, end: file.lineStarts[i] + text.length },
      rules: parsed.rules,
      reason: parsed.reason,
      until: parsed.until,
      scope: fileScope ? 'file' : 'line',
      targetLine: target,
      problem: parsed.problem,
    });
  }
  return out;
}

/** True when a waiver dated `until` no longer applies on `today` (both YYYY-MM-DD). */
export function isExpired(until: string | undefined, today: string): boolean {
  return until !== undefined && isIsoDate(until) && until < today;
}

/** Parse an annotation value `reason [until DATE]`. */
export function parseAnnotationValue(v: string): { reason?: string; until?: string; problem?: string } {
  const parsed = parseDirectiveBody(`X -- ${v}`);
  return { reason: parsed.reason, until: parsed.until, problem: parsed.problem };
}

export const ANNOTATION_PREFIX = 'ignore.faultline.dev/';

export function lineOf(file: SourceFile, offset: number): number {
  return positionAt(file, offset).line;
}
