/**
 * Registry of report formats. To add a format (gitlab, junit, html, markdown, ...): write
 * `reports/<format>.ts` exporting a `Reporter`, add its name to `REPORT_FORMATS` and an entry to
 * `reporters` and `REPORT_EXTENSIONS`; the types force all three to stay in step.
 */
import type { Reporter } from '../engine/result.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import { renderGitlab } from './gitlab.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';
import { renderAnnotations } from './annotations.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'gitlab', 'junit', 'markdown', 'html', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const reporters: Record<ReportFormat, Reporter> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  gitlab: renderGitlab,
  junit: renderJunit,
  markdown: renderMarkdown,
  html: renderHtml,
  github: renderAnnotations,
};

/** Conventional file extension per format (for `--output` defaults). */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = {
  text: '.txt',
  json: '.json',
  sarif: '.sarif',
  gitlab: '.gitlab.json',
  junit: '.junit.xml',
  markdown: '.md',
  html: '.html',
  github: '.txt',
};

export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/** The reporter for `name`, or undefined for an unknown format. */
export function getReporter(name: string): Reporter | undefined {
  return isReportFormat(name) ? reporters[name] : undefined;
}

export { shouldColor } from './text.js';
export { renderText, renderJson, renderSarif, renderGitlab, renderJunit, renderMarkdown, renderHtml, renderAnnotations };
