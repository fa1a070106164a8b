import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './io.js';
import { validateSarif } from '../reports/multitool.js';

const repo = path.resolve('.');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmp, 'p-'));
  mkdirSync(path.join(root, '.git'));
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), t);
  }
  return root;
}

const WARN = { 'user-data': '#cloud-config\npackage_upgrade: true\n' };
const ERR = { 'preseed.cfg': 'd-i pkgsel/update-policy select unattended-upgrades\n' };

describe('exit codes', () => {
  it('0 when clean, 1 at or above --fail-on, 0 below it', async () => {
    expect((await cli(['scan', '.'], project({ 'a.yaml': 'x: 1\n' }))).code).toBe(0);
    expect((await cli(['scan', '.'], project(ERR))).code).toBe(1);
    const w = project(WARN);
    expect((await cli(['scan', '.'], w)).code).toBe(0);
    expect((await cli(['scan', '.', '--fail-on', 'warning'], w)).code).toBe(1);
    expect((await cli(['scan', '.', '--fail-on', 'never'], project(ERR))).code).toBe(0);
  });

  it('failOn from faultline.yaml, overridden by --fail-on', async () => {
    const p = project({ ...WARN, 'faultline.yaml': 'failOn: warning\n' });
    expect((await cli(['scan', '.'], p)).code).toBe(1);
    expect((await cli(['scan', '.', '--fail-on', 'error'], p)).code).toBe(0);
  });

  it.each([
    [['scan', '--format', 'xml'], /unknown --format 'xml'/],
    [['scan', '--fail-on', 'fatal'], /--fail-on must be one of/],
    [['scan', '--bogus'], /Unknown option/],
    [['scan', 'missing-dir'], /no such file or directory/],
    [['scan', '--rule', 'FL999'], /unknown rule 'FL999'/],
    [['frobnicate'], /unknown command/],
    [['scan', '-f', 'json', '-f', 'sarif'], /only one --format can go to stdout/],
  ])('2 for usage errors: %j', async (args, msg) => {
    const r = await cli(args, project({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('2 for configuration errors, naming the file and line', async () => {
    const r = await cli(['scan', '.'], project({ 'faultline.yaml': 'version: 1\nrules:\n  FL104: loud\n' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/faultline\.yaml:3: \/rules\/FL104/);
  });
});

describe('outputs', () => {
  it('writes several formats at once, text on stdout without colour when NO_COLOR is set', async () => {
    const p = project(ERR);
    const ok = await cli(['scan', '.', '-f', 'json', '-o', 'out/r.json', '-f', 'sarif', '-o', 'out/r.sarif', '-f', 'text'], p, { NO_COLOR: '1' });
    expect(ok.code).toBe(1);
    expect(ok.stdout).toContain('FL103');
    expect(ok.stdout).not.toMatch(/\x1b\[/);
    const json = JSON.parse(readFileSync(path.join(p, 'out/r.json'), 'utf8'));
    expect(json.findings[0]).toMatchObject({ ruleId: 'FL103', location: { path: 'preseed.cfg' } });
    const sarif = JSON.parse(readFileSync(path.join(p, 'out/r.sarif'), 'utf8'));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region).toMatchObject({ startLine: 1, startColumn: 33 });
  });

  it('--category sets the SARIF automation id', async () => {
    const r = await cli(['scan', '.', '-f', 'sarif', '--category', 'fleet/eu'], project(ERR));
    expect(JSON.parse(r.stdout).runs[0].automationDetails.id).toBe('fleet/eu/');
  });

  it('baselines: write, then only new findings fail', async () => {
    const p = project(ERR);
    expect((await cli(['scan', '.', '--write-baseline', 'fl-baseline.json'], p)).code).toBe(0);
    expect(existsSync(path.join(p, 'fl-baseline.json'))).toBe(true);
    expect((await cli(['scan', '.', '--baseline', 'fl-baseline.json'], p)).code).toBe(0);
    // an unrelated edit to the baselined file keeps its finding baselined
    writeFileSync(path.join(p, 'preseed.cfg'), '# node installs\nd-i pkgsel/update-policy select unattended-upgrades\n');
    mkdirSync(path.join(p, 'new'));
    writeFileSync(path.join(p, 'new', 'preseed.cfg'), 'd-i pkgsel/update-policy select landscape\n');
    const r = await cli(['scan', '.', '--baseline', 'fl-baseline.json', '-f', 'json'], p);
    expect(r.code).toBe(1);
    const found = JSON.parse(r.stdout).findings.map((f: { location: { path: string }; suppressed: boolean }) => `${f.location.path}:${f.suppressed}`);
    expect(found).toEqual(['new/preseed.cfg:false', 'preseed.cfg:true']);
  });

  it('--changed reports only findings in the named files but still scans the tree', async () => {
    const p = project({ ...ERR, 'b/preseed.cfg': 'd-i pkgsel/update-policy select unattended-upgrades\n' });
    const r = await cli(['scan', '--changed', 'b/preseed.cfg', '-f', 'json'], p);
    expect(JSON.parse(r.stdout).findings.map((f: { location: { path: string } }) => f.location.path)).toEqual(['b/preseed.cfg']);
  });

  it('--jobs takes a whole number (exit 2 otherwise); the output does not depend on it', async () => {
    const p = project({ ...ERR, ...WARN });
    for (const bad of ['0', 'two', '1.5', '-1']) {
      const r = await cli(['scan', '.', '--jobs', bad], p);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--jobs/);
    }
    const one = await cli(['scan', '.', '-f', 'json', '--jobs', '1'], p, { SOURCE_DATE_EPOCH: '1' });
    const two = await cli(['scan', '.', '-f', 'json', '-j', '2'], p, { SOURCE_DATE_EPOCH: '1' });
    expect(JSON.parse(two.stdout).findings).toEqual(JSON.parse(one.stdout).findings);
    expect(two.code).toBe(one.code);
  });

  it('--cache keeps parse results in <root>/.faultline-cache and reports the same; --cache-dir moves it', async () => {
    const p = project({ ...ERR, 'b/preseed.cfg': 'd-i pkgsel/update-policy select unattended-upgrades\n', 'c/user-data': WARN['user-data'] });
    process.env.FAULTLINE_CACHE_SECRET ??= 'cli-test-secret-0123456789abcdef0123';
    const env = { FAULTLINE_TIMING: '1' };
    const plain = await cli(['scan', '.', '-f', 'json'], p, env);
    const cold = await cli(['scan', '.', '--cache', '-f', 'json'], p, env);
    const warm = await cli(['scan', '--changed', 'b/preseed.cfg', '--cache', '-f', 'json'], p, env);
    expect(cold.stderr).toMatch(/parse cache .*\.faultline-cache: 0 hits, 3 misses, 3 written/);
    expect(warm.stderr).toMatch(/3 hits, 0 misses, 0 written/);
    const paths = (o: string) => JSON.parse(o).findings.map((f: { location: { path: string } }) => f.location.path);
    expect(paths(cold.stdout)).toEqual(paths(plain.stdout));
    expect(paths(warm.stdout)).toEqual(['b/preseed.cfg']);
    expect(existsSync(path.join(p, '.faultline-cache', '.gitignore'))).toBe(true);
    const elsewhere = path.join(tmp, 'elsewhere-cache');
    const moved = await cli(['scan', '.', '--cache-dir', elsewhere, '-f', 'json'], p, env);
    expect(moved.stderr).toMatch(/elsewhere-cache: 0 hits, 3 misses/);
    expect(paths(moved.stdout)).toEqual(paths(plain.stdout));
  });
});

describe('the bundled example fleet', () => {
  it('prints findings with exact positions, one of them inside an embedded document', async () => {
    const r = await cli(['scan', 'fixtures/example-fleet', '--no-color'], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fixtures\/example-fleet\/regions\/us1\/main\.tf\n\s+27:5\s+error\s+FL104/);
    expect(r.stdout).toMatch(/embedded aws_launch_template\.nodes user_data/);
    expect(r.stdout).toMatch(/http\/preseed\.cfg\n\s+6:33\s+error\s+FL103/);
  });

  it('its SARIF passes the SARIF Multitool with GitHub rules: zero errors, zero warnings', async () => {
    const r = await cli(['scan', 'fixtures/example-fleet', '-f', 'sarif', '--category', 'example-fleet'], repo);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.runs[0].results.length).toBeGreaterThan(2);
    const report = await validateSarif(r.stdout);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });
});

describe('catalog commands', () => {
  it('rules lists the catalog as text, json and markdown; explain prints a docs page', async () => {
    const t = await cli(['rules'], repo);
    expect(t.stdout).toMatch(/FL103\s+preseed-update-policy/);
    const j = JSON.parse((await cli(['rules', '--format', 'json'], repo)).stdout);
    expect(j.map((r: { id: string }) => r.id)).toContain('FL104');
    expect((await cli(['rules', '--format', 'markdown'], repo)).stdout).toMatch(/\| FL001 \| \[invalid-suppression\]/);
    const e = await cli(['explain', 'cloud-init-package-upgrade'], repo);
    expect(e.stdout).toMatch(/^# FL104 cloud-init-package-upgrade/);
    expect((await cli(['explain', 'nope'], repo)).code).toBe(2);
  });

  it('init writes starter files that load, and keeps existing ones', async () => {
    const p = project({});
    expect((await cli(['init'], p)).code).toBe(0);
    expect(existsSync(path.join(p, '.pre-commit-config.yaml'))).toBe(true);
    expect((await cli(['scan', '.'], p)).code).toBe(0);
    const again = await cli(['init'], p);
    expect(again.stderr).toMatch(/kept faultline\.yaml/);
  });
});
