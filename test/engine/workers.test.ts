/**
 * Parsing in worker threads: the output must not depend on the number of workers (byte-identical
 * JSON and SARIF), worker results must feed the parse cache like in-process ones, and a parse
 * that outruns the per-file time budget is abandoned with a diagnostic instead of hanging the scan.
 *
 * Workers run the compiled worker module, so this test drives the engine from dist/ (npm test
 * builds it first), like the CLI does.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..');
const dist = path.join(repo, 'dist');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/* eslint-disable @typescript-eslint/no-explicit-any */
let engine: any, scanners: any, rulesIdx: any, ruleConfig: any, configLoad: any, config: any, reports: any, generate: any;
beforeAll(async () => {
  expect(existsSync(path.join(dist, 'cli', 'parse-worker.js'))).toBe(true);
  engine = await import(path.join(dist, 'engine/engine.js'));
  scanners = await import(path.join(dist, 'scanners/index.js'));
  rulesIdx = await import(path.join(dist, 'rules/index.js'));
  ruleConfig = await import(path.join(dist, 'engine/rule-config.js'));
  configLoad = await import(path.join(dist, 'engine/config-load.js'));
  config = await import(path.join(dist, 'engine/config.js'));
  reports = await import(path.join(dist, 'reports/index.js'));
  ({ generate } = await import(path.join(repo, 'bench/generate.mjs')));
});

async function scan(root: string, workers: number, extra: Record<string, unknown> = {}) {
  const cfgFile = path.join(root, 'faultline.yaml');
  const cfg = existsSync(cfgFile) ? configLoad.loadConfig(cfgFile) : config.defaultConfig();
  return engine.runScan({
    root,
    config: cfg,
    scanners: scanners.allScanners,
    workerModule: path.join(dist, 'cli', 'parse-worker.js'),
    rules: ruleConfig.configureRules(rulesIdx.builtinRules, cfg),
    metaRules: ruleConfig.metaRuleSettings(cfg),
    today: '2026-11-21',
    version: '0.0.0-test',
    failOn: 'error',
    workers,
    workerThreshold: 0,
    ...extra,
  });
}

describe('worker threads', () => {
  it('JSON and SARIF are byte-identical with 1, 2 and 3 workers', async () => {
    const fleet = path.join(tmp, 'fleet');
    mkdirSync(fleet);
    generate(fleet, 400, 7);
    cpSync(path.join(repo, 'fixtures', 'example-fleet'), path.join(fleet, 'example'), { recursive: true });
    // hostile input parsed in workers must give the same diagnostics as in-process
    cpSync(path.join(repo, 'fixtures', 'hostile'), path.join(fleet, 'hostile'), { recursive: true, verbatimSymlinks: true });
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const outs: string[][] = [];
      for (const w of [1, 2, 3]) {
        const { result } = await scan(fleet, w);
        outs.push([reports.reporters.json(result, {}), reports.reporters.sarif(result, {})]);
        expect(result.findings.length).toBeGreaterThan(10);
        expect(result.diagnostics.filter((d: { code: string }) => d.code === 'internal-error')).toEqual([]);
        expect(result.diagnostics.some((d: { path: string }) => d.path.startsWith('hostile/'))).toBe(true);
      }
      expect(outs[1][0]).toBe(outs[0][0]);
      expect(outs[2][0]).toBe(outs[0][0]);
      expect(outs[1][1]).toBe(outs[0][1]);
      expect(outs[2][1]).toBe(outs[0][1]);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  }, 120_000);

  it('Kubernetes-only files come back as facts only; a reader that needs a body gets the in-process one', async () => {
    const fleet = path.join(tmp, 'facts-only');
    mkdirSync(fleet);
    generate(fleet, 300, 11);
    const here = await scan(fleet, 1);
    const there = await scan(fleet, 2);
    expect(here.factsOnly).toBeUndefined();
    // every generated manifest is facts-complete, and nothing in the engine or the rules opened one
    const k8sFiles = new Set(here.model.ofFormat('kubernetes').map((d: { file: string }) => d.file));
    const mixed = new Set(here.model.documents.filter((d: { format: string }) => d.format !== 'kubernetes').map((d: { file: string }) => d.file));
    const complete = [...k8sFiles].filter((f) => !mixed.has(f));
    expect(complete.length).toBeGreaterThan(50);
    expect(there.factsOnly).toEqual({ files: complete.length, reparsed: 0 });
    expect(JSON.stringify([there.result.findings, there.result.diagnostics])).toBe(JSON.stringify([here.result.findings, here.result.diagnostics]));
    // reading the bodies parses those files again here, with the same documents a parse here gives
    for (const d of there.model.documents) {
      const mine = here.model.document(d.id);
      expect(mine).toBeDefined();
      expect([d.model, d.text, d.map]).toEqual([mine.model, mine.text, mine.map]);
    }
    expect(there.factsOnly.reparsed).toBe(complete.length);
  }, 120_000);

  it('what workers parsed is cached, and a warm in-process scan reports the same', async () => {
    const root = path.join(tmp, 'cached');
    cpSync(path.join(repo, 'fixtures', 'example-fleet'), root, { recursive: true });
    const cacheDir = path.join(tmp, 'cache');
    process.env.FAULTLINE_CACHE_SECRET ??= 'workers-test-secret-0123456789abcdef';
    const cold = await scan(root, 2, { cacheDir });
    const warm = await scan(root, 1, { cacheDir });
    expect(cold.cache.written).toBeGreaterThanOrEqual(cold.result.stats.filesScanned);
    expect(warm.cache.hits).toBe(cold.cache.written);
    expect(warm.cache.misses).toBe(0);
    const strip = (r: { findings: unknown; diagnostics: unknown }) => JSON.stringify([r.findings, r.diagnostics]);
    expect(strip(warm.result)).toBe(strip(cold.result));
  }, 60_000);

  it('abandons a parse that outruns the time budget: a diagnostic for that file, the rest of the scan intact', async () => {
    const root = path.join(tmp, 'slow');
    mkdirSync(root);
    // about 4 MB of Kubernetes objects: seconds of YAML parsing, far over a 300 ms budget
    const obj = (i: number) =>
      `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {a: "1", b: "2", c: "3"}\ndata:\n${Array.from({ length: 20 }, (_, k) => `  k${k}: "value ${k} of ${i}"`).join('\n')}\n`;
    writeFileSync(path.join(root, 'huge.yaml'), Array.from({ length: 6000 }, (_, i) => obj(i)).join(''));
    writeFileSync(path.join(root, 'preseed.cfg'), 'd-i pkgsel/update-policy select unattended-upgrades\n');
    for (let i = 0; i < 20; i++) writeFileSync(path.join(root, `svc-${i}.yaml`), obj(i));
    writeFileSync(path.join(root, 'faultline.yaml'), 'limits:\n  fileTimeBudgetMs: 300\n');
    const t0 = performance.now();
    const { result } = await scan(root, 2);
    expect(performance.now() - t0).toBeLessThan(60_000);
    const budget = result.diagnostics.filter((d: { code: string }) => d.code === 'time-budget');
    expect(budget.map((d: { path: string; severity: string; message: string }) => [d.path, d.severity])).toEqual([['huge.yaml', 'error']]);
    expect(budget[0].message).toMatch(/abandoned after 300 ms/);
    expect(result.findings.filter((f: { ruleId: string }) => f.ruleId === 'FL103').map((f: { location: { path: string } }) => f.location.path)).toEqual(['preseed.cfg']);
    expect(result.stats.documents).toBeGreaterThanOrEqual(21);
  }, 120_000);
});
