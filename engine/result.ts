/**
 * The result of a scan: what reports render. Reports see only this (findings plus rule metadata),
 * never documents or parsers.
 */
import type { Finding } from './finding.js';
import type { DiagnosticCode, DiagnosticSeverity } from './model.js';
import type { RuleMeta, Severity } from './rule-api.js';
import type { Range } from './source.js';

export interface ReportedDiagnostic {
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  path: string;
  range?: Range;
}

export interface ScanStats {
  filesSeen: number;
  filesScanned: number;
  filesSkipped: number;
  documents: number;
  embeddedDocuments: number;
  durationMs: number;
  findingsBySeverity: Record<Severity, number>;
  suppressed: number;
}

/** What a schedule does when it fires: package updates, a reboot, a provider window, another job. */
export const SCHEDULE_KINDS = ['install', 'reboot', 'maintenance', 'job'] as const;

/**
 * A schedule turned into UTC time: when something that installs, reboots or disrupts can fire,
 * over one week, attributed to a region. Reports draw the fleet timeline from these.
 */
export interface ScheduleWindow {
  /** Fleet region name, or 'unknown'. */
  region: string;
  /** What fires: 'install' (package updates), 'reboot', 'maintenance' (provider window), 'job'. */
  kind: (typeof SCHEDULE_KINDS)[number];
  /** Plain words: "apt-daily-upgrade.timer (unattended-upgrades)", "aws_ssm_maintenance_window.patch". */
  label: string;
  /** The schedule as written (`OnCalendar=*-*-* 6:00`, `cron(0 3 ? * SUN *)`). */
  expression: string;
  /** IANA timezone the expression is written in ('UTC' when the platform documents it). */
  timezone: string;
  /** Windows as minutes since Monday 00:00 UTC, [start, end), within [0, 10080); wrapping windows are split. */
  intervals: [number, number][];
  /** Where it is configured. */
  path: string;
  line: number;
}

export interface ScanResult {
  tool: { name: 'faultline'; version: string; informationUri: string };
  /** Absolute scan root; every path in the result is relative to it (POSIX). */
  root: string;
  startedAt: string;
  finishedAt: string;
  /** Every finding, suppressed ones included (with `suppression` set), sorted by path, line, column, rule. */
  findings: Finding[];
  diagnostics: ReportedDiagnostic[];
  /** Metadata of every rule that ran, with its effective severity. */
  rules: RuleMeta[];
  stats: ScanStats;
  /** The threshold used for the exit code. */
  failOn: Severity | 'never';
  /** Update and maintenance windows per region (for the fleet timeline), when schedule analysis ran. */
  schedules?: ScheduleWindow[];
}

export interface RenderOptions {
  /** SARIF `automationDetails.id` category (and JSON/JUnit grouping). */
  category?: string;
  /** Include suppressed findings (SARIF: as results with `suppressions`; text, Markdown: a section of their own, with each waiver). Default false; text always counts them. */
  includeSuppressed?: boolean;
  /** Colour the terminal output. */
  color?: boolean;
}

export type Reporter = (result: ScanResult, options: RenderOptions) => string;
