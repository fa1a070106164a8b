/**
 * The contract between the engine and rules.
 *
 * A rule is one module in `rules/` exporting a `Rule`: metadata (stable ID, name, severity,
 * docs, options schema, messages) and a check. The check only reads documents and calls
 * `report`; the engine turns reports into findings with exact positions, fingerprints and
 * suppression state. Rules never format output and never touch the file system.
 */
import type { Document, DocumentOf, Format } from './model.js';
import type { Loc } from './source.js';
import type { ScanModel } from './scan-model.js';
import type { ScheduleWindow } from './result.js';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export type RuleFamily =
  | 'engine'
  | 'auto-update'
  | 'schedule'
  | 'networking'
  | 'termination'
  | 'sidecar'
  | 'rollout'
  | 'policy';

export interface RuleMeta {
  /** Stable ID, never reused: `FL` + three digits. */
  id: string;
  /** Stable kebab-case name. */
  name: string;
  /** One line, sentence case, no final period. */
  title: string;
  family: RuleFamily;
  severity: Severity;
  /** CVSS-like 0.0–10.0 for SARIF `security-severity`; derived from severity when absent. */
  securitySeverity?: number;
  /** What the rule detects (one paragraph). */
  description: string;
  /** Why it matters, citing the incident it comes from. */
  rationale: string;
  /** How to fix it. */
  remediation: string;
  /** Formats whose documents the rule reads (for the catalog and for skipping work). */
  formats: readonly Format[];
  /** 'document': sees one document at a time; 'scan': sees every document of the scan. */
  scope: 'document' | 'scan';
  /** Message templates by id; `{name}` placeholders are filled from `data`. */
  messages: Record<string, string>;
  /** JSON Schema of the options object (validated with ajv before the rule runs). */
  optionsSchema: object;
  defaultOptions: Record<string, unknown>;
  tags?: readonly string[];
  /** Repo-relative path of the docs page (docs/rules/<name>.md). */
  docs: string;
}

export interface RelatedLocation {
  loc: Loc;
  message: string;
}

/**
 * For findings whose evidence can run to thousands (every schedule in a shared window, every CNI
 * manifest of a fleet): hands the first `max` items of each key, in order, to `list`, and returns
 * for each key with more how many more there are and the first of them (in the order they were met),
 * so the finding can say so in one more related location.
 */
export function listFirstPerKey<T>(items: Iterable<T>, keyOf: (item: T) => string, max: number, list: (item: T) => void): Map<string, { count: number; first: T }> {
  const listed = new Map<string, number>();
  const rest = new Map<string, { count: number; first: T }>();
  for (const item of items) {
    const key = keyOf(item);
    const n = listed.get(key) ?? 0;
    if (n < max) {
      listed.set(key, n + 1);
      list(item);
      continue;
    }
    const r = rest.get(key);
    if (r) r.count++;
    else rest.set(key, { count: 1, first: item });
  }
  return rest;
}

export interface Report {
  messageId: string;
  data?: Record<string, string | number>;
  /** Primary location: where the fix belongs. */
  loc: Loc;
  /** The resource the finding concerns, e.g. `Deployment/shop/cart`, `aws_launch_template.nodes`. */
  resource?: string;
  /**
   * The span of the resource's block or object. An inline suppression written above the first
   * line of the resource covers every finding about it.
   */
  resourceLoc?: Loc;
  related?: RelatedLocation[];
  /**
   * A stable discriminator for the fingerprint when one location can carry several findings of
   * the same rule (e.g. the container name). Never include line numbers.
   */
  key?: string;
  /** The document the finding is about (used for inline-suppression scopes and annotations). */
  document?: Document;
  /** The same by id, for rules that work on facts rather than documents (`document` wins). */
  documentId?: string;
  /**
   * Without a document: the origin labels of the embedded document the location is in, outermost
   * first (a fact stored for a file a changed-files scan left unread).
   */
  embedding?: string[];
  /** Severity override for this report (e.g. info when a mitigating factor applies). */
  severity?: Severity;
}

export interface RuleContext<O> {
  readonly options: O;
  readonly scan: ScanModel;
  report(r: Report): void;
  /**
   * Publish computed data for reports (e.g. the per-region update windows the schedule rule
   * derives, drawn as the fleet timeline). Windows from several rules are concatenated.
   */
  publishSchedules(windows: ScheduleWindow[]): void;
}

export interface Rule<O = Record<string, unknown>> {
  meta: RuleMeta;
  /** For scope 'document': called once per document whose format is in `meta.formats`. */
  checkDocument?(doc: Document, ctx: RuleContext<O>): void;
  /** For scope 'scan': called once with the whole scan. */
  checkScan?(ctx: RuleContext<O>): void;
}

/** Type helper so rules get typed options without casts. */
export function defineRule<O extends Record<string, unknown>>(rule: Rule<O>): Rule<O> {
  return rule;
}

/** Narrow a document to one format. */
export function isFormat<F extends Format>(doc: Document, format: F): doc is DocumentOf<F> & Document {
  return doc.format === format;
}
