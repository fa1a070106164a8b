/**
 * Registry of report formats. To add a format (gitlab, junit, html, markdown, ...): write
 * `reports/<format>.ts` exporting a `Reporter`, add its name to `REPORT_FORMATS` and an entry to
 * `reporters` and `REPORT_EXTENSIONS`; the types force all three to stay in step.
 */
import type { Reporter } from '../engine/result.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const reporters: Record<ReportFormat, Reporter> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
};

/** Conventional file extension per format (for `--output` defaults). */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = {
  text: '.txt',
  json: '.json',
  sarif: '.sarif',
};

export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/** The reporter for `name`, or undefined for an unknown format. */
export function getReporter(name: string): Reporter | undefined {
  return isReportFormat(name) ? reporters[name] : undefined;
}

export { shouldColor } from './text.js';
export { renderText, renderJson, renderSarif };
