/**
 * What scan, audit and merge share after the analysis: shard selection, region attribution, the
 * trend against a previous JSON report, baselines applied after the fact, reading JSON reports
 * back into a ScanResult, and writing every requested format.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Baseline } from '../engine/baseline.js';
import type { FaultlineConfig } from '../engine/config.js';
import type { Finding } from '../engine/finding.js';
import type { ReportedDiagnostic, ScanResult, ScheduleWindow } from '../engine/result.js';
import { SEVERITY_RANK, type RuleMeta, type Severity } from '../engine/rule-api.js';
import { toPosix } from '../engine/walker.js';
import { reporters, type ReportFormat } from '../reports/index.js';
import type { Attribution, FixedFinding, HtmlOptions, Trend } from '../reports/html.js';
import type { JsonFinding, JsonReport } from '../reports/json.js';

export class UsageError extends Error {}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

// ---------------------------------------------------------------- sharding

export interface Shard {
  index: number; // 1-based
  count: number;
}

export function parseShard(s: string | undefined): Shard | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be K/N with 1 <= K <= N (got '${s}')`);
  return { index, count };
}

/** The shard (1-based) a unit belongs to: sha256 of its root-relative POSIX path, modulo N. */
export function shardOf(unit: string, count: number): number {
  const h = createHash('sha256').update(unit).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

const NEVER_UNITS = new Set(['.git', 'node_modules', '.terraform', '.faultline-cache']);

/**
 * Split the targets into top-level units (each target directory's direct children; a file target is
 * its own unit) and keep the ones that hash into this shard. Units are whole directories so that
 * modules, regions and the manifests next to each other stay together.
 */
export function shardUnits(root: string, targets: string[], shard: Shard): { units: string[]; all: number } {
  const units: string[] = [];
  for (const t of targets) {
    if (!statSync(t).isDirectory()) units.push(t);
    else for (const e of readdirSync(t).sort()) if (!NEVER_UNITS.has(e)) units.push(path.join(t, e));
  }
  const keyed = [...new Set(units)].map((u) => ({ u, key: toPosix(path.relative(root, u)) }));
  return { units: keyed.filter((k) => shardOf(k.key, shard.count) === shard.index).map((k) => k.u), all: keyed.length };
}

// ---------------------------------------------------------------- attribution

/** Region attribution from the fleet map of faultline.yaml (globs already relative to the root). */
export function fleetAttribution(config: FaultlineConfig): (p: string) => Attribution {
  const regions = Object.entries(config.fleet.regions).flatMap(([name, r]) => (r.paths?.length ? [{ name, match: picomatch(r.paths, { dot: true }) }] : []));
  const clusters = Object.entries(config.fleet.clusters ?? {}).flatMap(([name, c]) => (c.paths?.length ? [{ name, match: picomatch(c.paths, { dot: true }) }] : []));
  return (p) => {
    const out: Attribution = {};
    const r = regions.find((x) => x.match(p));
    if (r) out.region = r.name;
    const c = clusters.find((x) => x.match(p));
    if (c) out.cluster = c.name;
    return out;
  };
}

// ---------------------------------------------------------------- JSON reports back into results

export function readJsonReport(file: string): JsonReport & { schedules?: ScheduleWindow[]; root?: string } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const r = data as Partial<JsonReport>;
  if (!r || r.schemaVersion !== '1' || r.tool?.name !== 'faultline' || !Array.isArray(r.findings)) {
    throw new UsageError(`${file} is not a faultline JSON report (schemaVersion "1"); write one with --format json`);
  }
  return r as JsonReport;
}

function findingFromJson(f: JsonFinding): Finding {
  const out: Finding = {
    ruleId: f.ruleId,
    ruleName: f.ruleName,
    severity: f.severity,
    message: f.message,
    location: { path: f.location.path, range: f.location.range, ...(f.location.snippet !== undefined ? { snippet: f.location.snippet } : {}) },
    related: f.related.map((r) => ({ path: r.path, range: r.range, message: r.message, ...(r.snippet !== undefined ? { snippet: r.snippet } : {}) })),
    fingerprint: f.fingerprint,
  };
  if (f.resource !== undefined) out.resource = f.resource;
  if (f.embedding) out.embedding = f.embedding;
  if (f.suppression) out.suppression = { ...f.suppression, location: f.suppression.location ? { ...f.suppression.location } : undefined };
  return out;
}

/**
 * Merge JSON reports (shards of one analysis, or several analyses) into one ScanResult. Rule
 * metadata comes from the catalog when the rule is known (SARIF needs descriptions and help), else
 * from the report. Findings are deduplicated by fingerprint and path.
 */
export function mergeJsonReports(reports: (JsonReport & { schedules?: ScheduleWindow[] })[], catalog: RuleMeta[], root: string, failOn?: Severity | 'never'): ScanResult {
  const known = new Map(catalog.map((m) => [m.id, m]));
  const rules = new Map<string, RuleMeta>();
  const findings = new Map<string, Finding>();
  const diagnostics = new Map<string, ReportedDiagnostic>();
  const schedules: ScheduleWindow[] = [];
  let any = false;
  const st = { filesSeen: 0, filesScanned: 0, filesSkipped: 0, documents: 0, embeddedDocuments: 0, durationMs: 0 };
  for (const r of reports) {
    for (const jr of r.rules) {
      if (rules.has(jr.id)) continue;
      const k = known.get(jr.id);
      rules.set(
        jr.id,
        k
          ? { ...k, severity: jr.severity }
          : {
              id: jr.id,
              name: jr.name,
              title: jr.title,
              family: jr.family,
              severity: jr.severity,
              description: jr.title,
              rationale: jr.title,
              remediation: `See ${jr.docs}`,
              docs: jr.docs,
              formats: [],
              scope: 'document',
              messages: {},
              optionsSchema: {},
              defaultOptions: {},
            } as unknown as RuleMeta,
      );
    }
    for (const f of r.findings) findings.set(`${f.fingerprint}\0${f.location.path}`, findingFromJson(f));
    for (const d of r.diagnostics) diagnostics.set(JSON.stringify(d), { ...d });
    if (Array.isArray(r.schedules)) schedules.push(...r.schedules), (any = true);
    st.filesSeen += r.summary.files.seen;
    st.filesScanned += r.summary.files.scanned;
    st.filesSkipped += r.summary.files.skipped;
    st.documents += r.summary.documents;
    st.embeddedDocuments += r.summary.embeddedDocuments;
    st.durationMs = Math.max(st.durationMs, r.summary.durationMs);
  }
  const list = [...findings.values()];
  const bySev = { error: 0, warning: 0, info: 0 } as Record<Severity, number>;
  for (const f of list) if (!f.suppression) bySev[f.severity]++;
  const first = reports[0];
  const result: ScanResult = {
    tool: { ...first.tool },
    root,
    startedAt: reports.map((r) => r.startedAt).sort()[0],
    finishedAt: reports.map((r) => r.finishedAt).sort().reverse()[0],
    findings: list,
    diagnostics: [...diagnostics.values()],
    rules: [...rules.values()],
    stats: { ...st, findingsBySeverity: bySev, suppressed: list.filter((f) => f.suppression).length },
    failOn: failOn ?? reports.map((r) => r.failOn).sort((a, b) => rank(a) - rank(b))[0],
  };
  if (any) result.schedules = schedules;
  return result;
}

function rank(s: Severity | 'never'): number {
  return s === 'never' ? 99 : -SEVERITY_RANK[s] + 10;
}

/** Mark baselined findings as suppressed (the engine does this during a scan; merge does it here). */
export function applyBaseline(result: ScanResult, baseline: Baseline | undefined, file: string): void {
  if (!baseline) return;
  for (const f of result.findings) {
    if (!f.suppression && baseline.findings[f.fingerprint]) f.suppression = { kind: 'baseline', reason: `Present in baseline ${file}` };
  }
  result.stats.suppressed = result.findings.filter((f) => f.suppression).length;
  for (const s of ['error', 'warning', 'info'] as Severity[]) result.stats.findingsBySeverity[s] = result.findings.filter((f) => !f.suppression && f.severity === s).length;
}

// ---------------------------------------------------------------- trend

export function loadTrend(file: string, display: string, result: ScanResult): Trend {
  const prev = readJsonReport(file);
  const before = new Set(prev.findings.filter((f) => !f.suppressed).map((f) => f.fingerprint));
  const now = new Set(result.findings.filter((f) => !f.suppression).map((f) => f.fingerprint));
  const fixed: FixedFinding[] = prev.findings
    .filter((f) => !f.suppressed && !now.has(f.fingerprint))
    .map((f) => ({ ruleId: f.ruleId, ruleName: f.ruleName, severity: f.severity, message: f.message, path: f.location.path, line: f.location.range.start.line, fingerprint: f.fingerprint }));
  const newFingerprints = new Set([...now].filter((fp) => !before.has(fp)));
  return { previous: display, newFingerprints, fixed, unchanged: [...now].filter((fp) => before.has(fp)).length };
}

// ---------------------------------------------------------------- writing

export interface EmitOptions extends HtmlOptions {
  formats: string[];
  outputs: string[];
  color: boolean;
}

export function checkFormats(formats: string[], outputs: string[]): void {
  for (const f of formats) if (!(f in reporters)) throw new UsageError(`unknown --format '${f}' (one of: ${Object.keys(reporters).join(', ')})`);
  if (outputs.length > formats.length) throw new UsageError('more --output files than --format values (they pair in order)');
  if (formats.length - outputs.length > 1) throw new UsageError('only one --format can go to stdout; give the others an --output file');
}

export function emit(result: ScanResult, io: Io, o: EmitOptions): void {
  o.formats.forEach((fmt, i) => {
    const text = reporters[fmt as ReportFormat](result, { ...o, color: o.outputs[i] ? false : o.color } as HtmlOptions);
    if (o.outputs[i]) {
      const out = path.resolve(io.cwd, o.outputs[i]);
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, text);
    } else io.stdout.write(text);
  });
}

/** A progress bar on stderr, drawn only on a terminal, at most every 100 ms. */
export function progressBar(io: Io, enabled: boolean, noun: string): ((done: number, total: number, what?: string) => void) | undefined {
  if (!enabled || io.stderr.isTTY !== true) return undefined;
  let last = 0;
  return (done, total, what) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const width = 24;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const tail = what ? ` ${what.length > 40 ? '…' + what.slice(-39) : what}` : '';
    io.stderr.write(`\r\x1b[2K${noun} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${tail}`);
    if (done === total) io.stderr.write('\r\x1b[2K');
  };
}

export function summaryLine(result: ScanResult): string {
  const s = result.stats;
  return `faultline: ${s.findingsBySeverity.error} errors, ${s.findingsBySeverity.warning} warnings, ${s.findingsBySeverity.info} info, ${s.suppressed} suppressed in ${s.filesScanned} files\n`;
}
