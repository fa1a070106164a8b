/**
 * Scale and fleet commands: --shard K/N, merge, audit over an inventory, --compare trends, and
 * --fail-on/--baseline/--category behaving the same in every output.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './io.js';
import { validateSarif } from '../reports/multitool.js';

const repo = path.resolve('.');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-fleet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fps = (file: string) => (JSON.parse(readFileSync(file, 'utf8')).findings as { fingerprint: string }[]).map((f) => f.fingerprint).sort();

describe('--shard and merge', () => {
  it('shards partition the fleet deterministically and merge back to the whole-tree findings', async () => {
    const full = path.join(tmp, 'full.json');
    await cli(['scan', 'fixtures/example-fleet', '-f', 'json', '-o', full, '-q'], repo);
    const shards: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const out = path.join(tmp, `shard-${k}.json`);
      await cli(['scan', 'fixtures/example-fleet', '--shard', `${k}/3`, '-f', 'json', '-o', out, '-q'], repo);
      shards.push(out);
    }
    const again = path.join(tmp, 'shard-1b.json');
    await cli(['scan', 'fixtures/example-fleet', '--shard', '1/3', '-f', 'json', '-o', again, '-q'], repo);
    expect(fps(again)).toEqual(fps(shards[0]));
    // units are disjoint
    const all = shards.flatMap(fps);
    expect(new Set(all).size).toBe(all.length);
    const merged = path.join(tmp, 'merged.json');
    const m = await cli(['merge', ...shards, '-f', 'json', '-o', merged, '-f', 'sarif', '-o', path.join(tmp, 'merged.sarif'), '-q'], repo);
    expect(m.code).toBe(1);
    // each shard reports only findings whose primary location is in its own units, and merge
    // returns exactly their union (cross-unit context is the documented trade-off of sharding)
    const unitsOf = (file: string) =>
      new Set((JSON.parse(readFileSync(file, 'utf8')).findings as { location: { path: string } }[]).map((f) => f.location.path.split('/')[2]));
    const seen = new Set<string>();
    for (const s of shards) for (const u of unitsOf(s)) expect(seen.has(u)).toBe(false), seen.add(u);
    expect([...seen].sort()).toEqual(['images', 'k8s', 'regions']);
    expect(fps(merged)).toEqual(all.sort());
    const sarif = readFileSync(path.join(tmp, 'merged.sarif'), 'utf8');
    const report = await validateSarif(sarif);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('rejects a bad --shard and a non-report merge input', async () => {
    expect((await cli(['scan', '.', '--shard', '4/3'], repo)).stderr).toMatch(/--shard must be K\/N/);
    writeFileSync(path.join(tmp, 'x.json'), '{}');
    const r = await cli(['merge', path.join(tmp, 'x.json')], repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a faultline JSON report/);
  });

  it('merge applies --fail-on and --baseline the same way in every output', async () => {
    const full = path.join(tmp, 'full2.json');
    await cli(['scan', 'fixtures/example-fleet', '-f', 'json', '-o', full, '-q'], repo);
    const base = path.join(tmp, 'baseline.json');
    await cli(['scan', 'fixtures/example-fleet', '--write-baseline', base, '-q'], repo);
    const outs = ['json', 'gitlab', 'junit', 'markdown'].flatMap((f) => ['-f', f, '-o', path.join(tmp, `b.${f}`)]);
    const r = await cli(['merge', full, '--baseline', base, ...outs, '-q'], repo);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(tmp, 'b.json'), 'utf8')).summary).toMatchObject({ findings: 0, failed: false });
    expect(JSON.parse(readFileSync(path.join(tmp, 'b.gitlab'), 'utf8'))).toEqual([]);
    expect(readFileSync(path.join(tmp, 'b.junit'), 'utf8')).toMatch(/<testsuites name="faultline" tests="\d+" failures="0"/);
    expect(readFileSync(path.join(tmp, 'b.markdown'), 'utf8')).toMatch(/\*\*Passed\*\*/);
    const never = await cli(['merge', full, '--fail-on', 'never', '-f', 'junit'], repo);
    expect(never.code).toBe(0);
    expect(never.stdout).toMatch(/failures="0"/);
  });
});

describe('audit', () => {
  it('audits an inventory into one report with team/region labels and a trend against the last run', async () => {
    const fleet = path.join(tmp, 'fleet');
    cpSync(path.join(repo, 'fixtures/example-fleet'), path.join(fleet, 'platform'), { recursive: true });
    cpSync(path.join(repo, 'fixtures/example-fleet/images'), path.join(fleet, 'images-only/images'), { recursive: true });
    writeFileSync(
      path.join(fleet, 'inventory.yaml'),
      'repositories:\n  - { name: platform, path: platform, team: sre }\n  - { name: images, path: images-only, team: os, region: us1, cluster: prod }\n',
    );
    const prev = path.join(tmp, 'prev.json');
    const r1 = await cli(['audit', '--inventory', 'inventory.yaml', '-f', 'json', '-o', prev, '-q'], fleet);
    expect(r1.code).toBe(1);
    const j = JSON.parse(readFileSync(prev, 'utf8'));
    const paths = new Set(j.findings.map((f: { location: { path: string } }) => f.location.path.split('/')[0]));
    expect([...paths].sort()).toEqual(['images', 'platform']);
    // the same file in two repositories gets two fingerprints
    expect(new Set(j.findings.map((f: { fingerprint: string }) => f.fingerprint)).size).toBe(j.findings.length);

    // fix one hazard, add another: the HTML shows new, fixed, unchanged
    const preseed = path.join(fleet, 'images-only/images/ubuntu-node/http/preseed.cfg');
    writeFileSync(preseed, readFileSync(preseed, 'utf8').replace('unattended-upgrades', 'none'));
    writeFileSync(path.join(fleet, 'platform/new-preseed.cfg'), 'd-i pkgsel/update-policy select unattended-upgrades\n');
    const html = path.join(tmp, 'audit.html');
    await cli(['audit', '--inventory', 'inventory.yaml', '--compare', prev, '-f', 'html', '-o', html, '-q'], fleet);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<b data-trend="new">1<\/b>/);
    expect(page).toMatch(/<b data-trend="fixed">1<\/b>/);
    expect(page).toMatch(/<b data-trend="unchanged">\d+<\/b>/);
    expect(page).toContain('team sre');
    expect(page).toContain('region us1');
    expect(page).toContain('faultline fleet audit — 2 repositories');
  });

  it('rejects a bad inventory with a usage error', async () => {
    const dir = mkdtempSync(path.join(tmp, 'inv-'));
    writeFileSync(path.join(dir, 'inv.yaml'), 'repositories:\n  - { path: nope, owner: x }\n');
    const r = await cli(['audit', '--inventory', 'inv.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key 'owner'/);
  });
});
