/**
 * What the tests of warm runs share: a cache secret set for each test (and the caller's restored),
 * a temporary directory removed after the file's tests, trees written from and read into path →
 * text records, a scan of a tree through the real pipeline with its own faultline.yaml, and the
 * part of a result that must not depend on a cache.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import { loadConfig } from '../../engine/config-load.js';
import { runScan, type EngineOptions, type EngineOutput } from '../../engine/engine.js';
import { configureRules, metaRuleSettings, type ActiveRule } from '../../engine/rule-config.js';
import { allScanners } from '../../scanners/index.js';
import { builtinRules } from '../../rules/index.js';

/** Sets FAULTLINE_CACHE_SECRET for every test of the calling file, and restores it after each. */
export function useCacheSecret(secret: string): void {
  const saved = process.env.FAULTLINE_CACHE_SECRET;
  beforeEach(() => {
    process.env.FAULTLINE_CACHE_SECRET = secret;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.FAULTLINE_CACHE_SECRET;
    else process.env.FAULTLINE_CACHE_SECRET = saved;
  });
}

/** A temporary directory for the calling file's tests, removed after them. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `files` (repo-relative path → text) under `dir`, creating directories. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), t);
  }
}

/** Every file under `dir`, repo-relative, sorted. */
export function filesOf(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(dir, `${rel}${e.name}/`) : [`${rel}${e.name}`]))
    .sort();
}

/** The files under `dir` as path → text. */
export function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(filesOf(dir).map((p) => [p, readFileSync(path.join(dir, p), 'utf8')]));
}

export interface TreeScanOptions {
  cacheDir?: string;
  targets?: string[];
  /** Changed-files mode: only findings touching these paths are reported. */
  changed?: string[];
  extraRules?: ActiveRule[];
  racyWindowMs?: EngineOptions['racyWindowMs'];
}

/** A scan of `root` with its own faultline.yaml (or the defaults), every built-in rule, a fixed date. */
export function scanTree(root: string, opts: TreeScanOptions = {}): Promise<EngineOutput> {
  const cfgFile = path.join(root, 'faultline.yaml');
  const config = existsSync(cfgFile) ? loadConfig(cfgFile) : defaultConfig();
  return runScan({
    root,
    targets: opts.targets,
    reportPaths: opts.changed && new Set(opts.changed),
    config,
    scanners: allScanners,
    rules: [...configureRules(builtinRules, config), ...(opts.extraRules ?? [])],
    metaRules: metaRuleSettings(config),
    today: '2026-11-21',
    cacheDir: opts.cacheDir,
    racyWindowMs: opts.racyWindowMs,
    version: '0.0.0-test',
    failOn: 'error',
  });
}

/** Everything a report shows, without the wall-clock fields. */
export function comparable(out: EngineOutput): unknown {
  const { startedAt, finishedAt, stats, ...rest } = out.result;
  void startedAt;
  void finishedAt;
  return { ...rest, stats: { ...stats, durationMs: 0 } };
}
