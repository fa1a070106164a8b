/**
 * Command implementations, with injectable I/O so tests run them in-process.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, findConfig, loadConfig } from '../engine/config-load.js';
import { defaultConfig, type FaultlineConfig } from '../engine/config.js';
import { runScan } from '../engine/engine.js';
import type { CacheStats } from '../engine/cache.js';
import type { FactsOnlyStats } from '../engine/parse-session.js';
import type { StateStats } from '../engine/scan-state.js';
import { failsThreshold } from '../engine/finding.js';
import { loadBaseline, makeBaseline, writeBaseline, type Baseline } from '../engine/baseline.js';
import { configureRules, findRule, metaRuleSettings, validateCatalog } from '../engine/rule-config.js';
import { packageFile, packageVersion } from '../engine/package-root.js';
import { SEVERITIES, type Rule, type Severity } from '../engine/rule-api.js';
import { META_RULES } from '../engine/meta-rules.js';
import { toPosix } from '../engine/walker.js';
import { allScanners } from '../scanners/index.js';
import { builtinRules } from '../rules/index.js';
import { loadPlugins } from './plugins.js';
import { REPORT_FORMATS, shouldColor } from '../reports/index.js';
import type { ScanResult } from '../engine/result.js';
import type { HtmlOptions } from '../reports/html.js';
import {
  UsageError,
  applyBaseline,
  checkFormats,
  emit,
  fleetAttribution,
  loadTrend,
  mergeJsonReports,
  parseShard,
  progressBar,
  readJsonReport,
  shardUnits,
  summaryLine,
  type Io,
} from './outputs.js';
import { auditCommand } from './audit.js';
import { catalogMarkdown, catalogText } from './catalog.js';
import { initProject } from './init.js';

export type { Io };

const HELP = `faultline — find the configuration that can take down every region at once

Usage:
  faultline scan [paths...] [options]   scan files and directories (default: .)
  faultline rules [--format text|json|markdown]
                                        list the rule catalog
  faultline explain <RULE>              show a rule's documentation (ID or name)
  faultline init [--force]              write a starter faultline.yaml, pre-commit config and CI workflow
  faultline audit [paths...] [--inventory fleet.yaml] [options]
                                        audit many repositories/directories into one report
  faultline merge <a.json> <b.json>... [options]
                                        combine JSON results (shards, runs) into one report
  faultline --version | --help

Scan options:
  -f, --format <fmt>       ${REPORT_FORMATS.join(', ')} (default text); repeatable
  -o, --output <file>      write the matching --format to a file (paired in order); repeatable
      --fail-on <sev>      exit 1 when an unsuppressed finding is at or above: error (default), warning, info, never
  -c, --config <file>      faultline.yaml to use (default: found upward from the first path)
      --root <dir>         repository root that paths are reported relative to (default: git top level, else cwd)
      --category <name>    SARIF automationDetails.id / report category (one per analysis)
      --baseline <file>    suppress findings recorded in a baseline file
      --write-baseline <file>
                           write every current finding to a baseline file (exit 0)
      --changed            the paths are changed files: scan the whole root for context, report only
                           findings that touch these files (pre-commit mode)
      --cache              keep a parse cache in <root>/.faultline-cache so unchanged files are not
                           parsed again (findings are never cached; see docs/performance.md)
      --cache-dir <dir>    parse cache directory (implies --cache)
  -j, --jobs <n>           parse in <n> worker threads (default 1: in-process). Output is identical
                           whatever the number; with workers, a file whose parse outruns
                           limits.fileTimeBudgetMs is abandoned with a diagnostic
      --shard <K/N>        scan only the K-th of N shards (top-level units, by hash of their path)
      --compare <file>     previous JSON report: the HTML report shows new, fixed and unchanged findings
      --title <text>       HTML report title
      --rule <id>          run only this rule (repeatable)
      --skip-rule <id>     do not run this rule (repeatable)
      --include-suppressed list suppressed findings too, with their waivers (text, SARIF; JSON always)
      --allow-plugins      load the rule plugins (JavaScript) listed in faultline.yaml; without it a
                           config with plugins is an error (FAULTLINE_ALLOW_PLUGINS=1 does the same)
      --no-color           never colour the text output (NO_COLOR is honoured too)
  -q, --quiet              no progress, no summary on stderr

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config error or incomplete scan.
`;

const SCAN_OPTIONS = {
  format: { type: 'string', short: 'f', multiple: true },
  output: { type: 'string', short: 'o', multiple: true },
  'fail-on': { type: 'string' },
  config: { type: 'string', short: 'c' },
  root: { type: 'string' },
  category: { type: 'string' },
  baseline: { type: 'string' },
  'write-baseline': { type: 'string' },
  changed: { type: 'boolean' },
  cache: { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  'cache-dir': { type: 'string' },
  rule: { type: 'string', multiple: true },
  'skip-rule': { type: 'string', multiple: true },
  'include-suppressed': { type: 'boolean' },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'allow-plugins': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  shard: { type: 'string' },
  compare: { type: 'string' },
  title: { type: 'string' },
} satisfies ParseArgsConfig['options'];


export function gitTop(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Globs in faultline.yaml are relative to the config file's directory; the engine wants root-relative ones. */
export function rebaseConfigGlobs(config: FaultlineConfig, root: string): void {
  if (!config.source) return;
  const prefix = toPosix(path.relative(root, path.dirname(config.source)));
  if (!prefix || prefix.startsWith('..')) return;
  const rebase = (g: string) => (g.startsWith('/') ? g.slice(1) : `${prefix}/${g}`);
  config.include = config.include.map(rebase);
  config.exclude = config.exclude.map(rebase);
  for (const w of config.waivers) if (w.paths) w.paths = w.paths.map(rebase);
  for (const r of Object.values(config.fleet.regions)) if (r.paths) r.paths = r.paths.map(rebase);
  for (const c of Object.values(config.fleet.clusters ?? {})) if (c.paths) c.paths = c.paths.map(rebase);
}

/**
 * The rule catalog: built-in rules, plugins and declarative policies. Plugins are JavaScript that
 * runs with the user's privileges, and a faultline.yaml found inside a scanned repository is not
 * necessarily trusted (security reviews scan other people's code), so plugins load only when the
 * user says so with --allow-plugins or FAULTLINE_ALLOW_PLUGINS=1. Declarative policies are data and
 * always apply.
 */
function pluginsAllowed(values: { 'allow-plugins'?: boolean }, io: Io): boolean {
  return values['allow-plugins'] === true || io.env.FAULTLINE_ALLOW_PLUGINS === '1';
}

/** The built-in catalog: checked in full by the catalog test, so not re-compiled on every run. */
const BUILTIN: ReadonlySet<Rule<Record<string, unknown>>> = new Set(builtinRules);

export async function catalog(config: FaultlineConfig, allowPlugins = false): Promise<Rule<Record<string, unknown>>[]> {
  if (config.plugins.length && !allowPlugins) {
    throw new ConfigError(
      `lists ${config.plugins.length} rule plugin(s); plugins are code from the repository and run only with --allow-plugins (or FAULTLINE_ALLOW_PLUGINS=1)`,
      config.source,
    );
  }
  const plugins = await loadPlugins(config.plugins, config.policies);
  const rules = [...builtinRules, ...plugins];
  validateCatalog(rules, BUILTIN);
  return rules;
}

export { SCAN_OPTIONS, HELP };

export async function run(argv: string[], io: Io): Promise<number> {
  const write = (s: string) => io.stdout.write(s);
  const err = (s: string) => io.stderr.write(s);
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      write(HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
      write(`${packageVersion()}\n`);
      return 0;
    }
    if (cmd === 'scan') return await scanCommand(rest, io);
    if (cmd === 'audit') return await auditCommand(rest, io);
    if (cmd === 'merge') return await mergeCommand(rest, io);
    if (cmd === 'rules') {
      const { values } = parseArgs({
        args: rest,
        options: { format: { type: 'string', short: 'f' }, config: { type: 'string', short: 'c' }, 'allow-plugins': { type: 'boolean' } },
        allowPositionals: false,
      });
      const cfgPath = values.config ?? findConfig(io.cwd);
      const config = cfgPath ? loadConfig(path.resolve(io.cwd, cfgPath)) : defaultConfig();
      const rules = await catalog(config, pluginsAllowed(values, io));
      const metas = [...rules.map((r) => r.meta), ...META_RULES].sort((a, b) => (a.id < b.id ? -1 : 1));
      const fmt = values.format ?? 'text';
      if (fmt === 'json') write(JSON.stringify(metas.map(({ id, name, title, family, severity, formats, docs, tags }) => ({ id, name, title, family, severity, formats, docs, tags: tags ?? [] })), null, 2) + '\n');
      else if (fmt === 'markdown') write(catalogMarkdown(metas));
      else if (fmt === 'text') write(catalogText(metas));
      else throw new UsageError(`rules: unknown format '${fmt}' (text, json, markdown)`);
      return 0;
    }
    if (cmd === 'explain') {
      const ref = rest[0];
      if (!ref) throw new UsageError('explain: name a rule, e.g. faultline explain FL101');
      const rules = await catalog(defaultConfig());
      const metas = [...rules.map((r) => r.meta), ...META_RULES];
      const meta = findRule(metas.map((m) => ({ meta: m })), ref)?.meta;
      if (!meta) throw new UsageError(`explain: unknown rule '${ref}' (see faultline rules)`);
      const docPath = packageFile(meta.docs);
      write(existsSync(docPath) ? readFileSync(docPath, 'utf8') : `${meta.id} ${meta.name}: ${meta.title}\n\n${meta.description}\n\nWhy: ${meta.rationale}\n\nFix: ${meta.remediation}\n`);
      return 0;
    }
    if (cmd === 'init') {
      const { values } = parseArgs({ args: rest, options: { force: { type: 'boolean' } }, allowPositionals: false });
      const written = initProject(io.cwd, { force: values.force ?? false });
      for (const w of written) err(`${w.status} ${w.path}\n`);
      return 0;
    }
    throw new UsageError(`unknown command '${cmd}' (try: faultline scan)`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      err(`faultline: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && (e as { code: string }).code.startsWith('ERR_PARSE_ARGS')) {
      err(`faultline: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export type ScanValues = ReturnType<typeof parseScanArgs>['values'];

export function parseScanArgs(args: string[]) {
  return parseArgs({ args, options: SCAN_OPTIONS, allowPositionals: true });
}

export function failOnOf(raw: string | undefined, config: FaultlineConfig): Severity | 'never' {
  const failOnRaw = raw ?? config.failOn ?? 'error';
  if (![...SEVERITIES, 'never'].includes(failOnRaw)) throw new UsageError(`--fail-on must be one of error, warning, info, never (got '${failOnRaw}')`);
  return failOnRaw as Severity | 'never';
}

export interface ScanRun {
  result: ScanResult;
  config: FaultlineConfig;
  failOn: Severity | 'never';
}

/** One analysis of one root: config, rules, baseline, changed-files and shard selection. */
export async function scanRoot(
  values: ScanValues,
  io: Io,
  root: string,
  targets: string[],
  progress?: (done: number, total: number, file: string) => void,
): Promise<ScanRun> {
  const cwd = io.cwd;
  const firstDir = statSync(targets[0]).isDirectory() ? targets[0] : path.dirname(targets[0]);
  const cfgFile = values.config ? path.resolve(cwd, values.config) : findConfig(firstDir);
  const config = cfgFile ? loadConfig(cfgFile) : defaultConfig();
  rebaseConfigGlobs(config, root);
  const failOn = failOnOf(values['fail-on'], config);

  const rules = await catalog(config, pluginsAllowed(values, io));
  const active = configureRules(rules, config, { only: values.rule as string[] | undefined, skip: values['skip-rule'] as string[] | undefined, trusted: BUILTIN });
  let baseline: Baseline | undefined;
  if (values.baseline) baseline = loadBaseline(path.resolve(cwd, values.baseline));

  const shard = parseShard(values.shard);
  if (shard && values.changed) throw new UsageError('--shard and --changed cannot be combined');
  let scanTargets = targets;
  if (shard) {
    scanTargets = shardUnits(root, targets, shard).units;
    if (scanTargets.length === 0) return { result: emptyResult(root, failOn, active.map((r) => r.meta)), config, failOn };
  }
  const changed = values.changed ? new Set(targets.map((t) => toPosix(path.relative(root, t)))) : undefined;
  const cacheDir = values['cache-dir'] ? path.resolve(cwd, values['cache-dir']) : values.cache ? path.join(root, '.faultline-cache') : undefined;
  const { result, timings, cache, factsOnly, state } = await runScan({
    root,
    targets: changed ? [root] : scanTargets,
    config,
    scanners: allScanners,
    rules: active,
    metaRules: metaRuleSettings(config),
    baseline,
    reportPaths: changed,
    cacheDir,
    workers: jobsOf(values.jobs),
    workerModule: fileURLToPath(new URL('./parse-worker.js', import.meta.url)),
    version: packageVersion(),
    failOn,
    onProgress: progress,
  });
  // ESLint's TIMING=1 convention: where the time went, on stderr, so outputs stay clean.
  if (io.env.FAULTLINE_TIMING) io.stderr.write(formatTimings(timings, Number(io.env.FAULTLINE_TIMING) || 10, cache, factsOnly, state));
  return { result, config, failOn };
}

function jobsOf(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^[1-9]\d{0,2}$/.test(v)) throw new UsageError(`--jobs: expected a whole number from 1 to 999, got '${v}'`);
  return Number(v);
}

function formatTimings(
  t: { phases: Record<string, number>; rules: Record<string, number>; heapMB?: Record<string, number> },
  top: number,
  cache?: CacheStats,
  factsOnly?: FactsOnlyStats,
  state?: StateStats,
): string {
  const rows = (o: Record<string, number>, heap?: Record<string, number>) =>
    Object.entries(o).map(([k, v]) => `  ${k.padEnd(22)} ${v.toFixed(1).padStart(9)} ms${heap?.[k] !== undefined ? `   heap ${heap[k].toFixed(0).padStart(5)} MB` : ''}`);
  const rules = Object.fromEntries(Object.entries(t.rules).sort((a, b) => b[1] - a[1]).slice(0, top));
  const c = cache
    ? [
        `parse cache ${cache.dir}: ${cache.hits} hits, ${cache.misses} misses, ${cache.written} written, ${cache.pruned} pruned${cache.lazy ? `; ${cache.lazy} hits read lazily, ${cache.opened} of them opened` : ''}${cache.note ? ` (${cache.note})` : ''}`,
      ]
    : [];
  const w = factsOnly ? [`parse workers: ${factsOnly.files} files returned as facts only, ${factsOnly.reparsed} of them parsed again here`] : [];
  const s = state
    ? [`scan state: ${state.fileHits} files known unchanged, ${state.textReads} of them read after all, ${state.dirHits} directories not listed again${state.unread ? `; ${state.unread} files left unread` : ''}${state.retried ? '; tried again reading every Terraform module and Packer template' : ''}`]
    : [];
  return ['phase timings:', ...rows(t.phases, t.heapMB), `slowest rules (top ${top}):`, ...rows(rules), ...c, ...s, ...w, ''].join('\n');
}

function emptyResult(root: string, failOn: Severity | 'never', rules: ScanResult['rules']): ScanResult {
  const now = new Date().toISOString();
  return {
    tool: { name: 'faultline', version: packageVersion(), informationUri: 'https://github.com/faultline-dev/faultline' },
    root,
    startedAt: now,
    finishedAt: now,
    findings: [],
    diagnostics: [],
    rules,
    stats: { filesSeen: 0, filesScanned: 0, filesSkipped: 0, documents: 0, embeddedDocuments: 0, durationMs: 0, findingsBySeverity: { error: 0, warning: 0, info: 0 }, suppressed: 0 },
    failOn,
  };
}

/** Write the outputs, the summary line and compute the exit code — the same for scan, audit and merge. */
export function finish(result: ScanResult, values: ScanValues, io: Io, extra: HtmlOptions = {}): number {
  const formats = (values.format ?? ['text']) as string[];
  const outputs = (values.output ?? []) as string[];
  const color = values['no-color'] ? false : values.color ? true : shouldColor(io.stdout, io.env);
  const trend = values.compare ? loadTrend(path.resolve(io.cwd, values.compare), values.compare, result) : undefined;
  emit(result, io, {
    formats,
    outputs,
    color,
    category: values.category,
    includeSuppressed: values['include-suppressed'] ?? false,
    title: values.title,
    trend,
    ...extra,
  });
  if (!values.quiet && outputs.length === formats.length) io.stderr.write(summaryLine(result));
  const incomplete = result.diagnostics.some((d) => d.code === 'internal-error');
  if (incomplete) {
    io.stderr.write('faultline: the scan did not complete (internal errors above); exit 2\n');
    return 2;
  }
  return failsThreshold(result.findings, result.failOn) ? 1 : 0;
}

async function scanCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseScanArgs(args);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  checkFormats((values.format ?? ['text']) as string[], (values.output ?? []) as string[]);
  const cwd = io.cwd;
  const targets = (positionals.length ? positionals : ['.']).map((p) => path.resolve(cwd, p));
  const root = path.resolve(cwd, values.root ?? gitTop(cwd) ?? cwd);
  for (const t of targets) {
    const rel = path.relative(root, t);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${t} is outside the scan root ${root} (use --root)`);
    if (!existsSync(t)) throw new UsageError(`no such file or directory: ${path.relative(cwd, t) || t}`);
  }
  if (values.compare && !existsSync(path.resolve(cwd, values.compare))) throw new UsageError(`--compare: no such file: ${values.compare}`);
  const bar = progressBar(io, !values.quiet, 'scanning');
  const { result, config } = await scanRoot(values, io, root, targets, bar ? (d, t) => bar(d, t, 'files') : undefined);

  if (values['write-baseline']) {
    const file = path.resolve(cwd, values['write-baseline']);
    const b = makeBaseline(result.findings);
    writeBaseline(file, b);
    if (!values.quiet) io.stderr.write(`faultline: wrote ${Object.keys(b.findings).length} findings to ${path.relative(cwd, file) || file}\n`);
    return 0;
  }
  return finish(result, values, io, { attribute: fleetAttribution(config) });
}

async function mergeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseScanArgs(args);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('merge: name the JSON reports to combine, e.g. faultline merge shard-*.json --format html -o fleet.html');
  checkFormats((values.format ?? ['text']) as string[], (values.output ?? []) as string[]);
  for (const bad of ['changed', 'shard', 'write-baseline', 'rule', 'skip-rule'] as const)
    if (values[bad] !== undefined) throw new UsageError(`merge: --${bad} applies to scan, not to merge`);
  const cwd = io.cwd;
  const root = path.resolve(cwd, values.root ?? gitTop(cwd) ?? cwd);
  const cfgFile = values.config ? path.resolve(cwd, values.config) : findConfig(root);
  const config = cfgFile ? loadConfig(cfgFile) : defaultConfig();
  rebaseConfigGlobs(config, root);
  const reports = positionals.map((p) => readJsonReport(path.resolve(cwd, p)));
  const rules = await catalog(config, pluginsAllowed(values, io));
  const metas = [...rules.map((r) => r.meta), ...META_RULES];
  const result = mergeJsonReports(reports, metas, root, values['fail-on'] !== undefined ? failOnOf(values['fail-on'], config) : undefined);
  if (values.baseline) applyBaseline(result, loadBaseline(path.resolve(cwd, values.baseline)), values.baseline);
  return finish(result, values, io, { attribute: fleetAttribution(config) });
}
