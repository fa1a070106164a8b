/**
 * The hostile-input set (fixtures/hostile) plus cases created here, scanned together with a file
 * that has a real finding: nothing crashes, every problem is a diagnostic with its path (and line
 * where it has one), and the real finding is still reported with exit code 1.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/run.js';
import type { ScanResult } from '../../engine/result.js';

let root: string;
let result: ScanResult;
let exit: number;
let stderr = '';

function sink(onData: (s: string) => void): Writable & { isTTY?: boolean } {
  return new Writable({
    write(chunk, _enc, cb) {
      onData(String(chunk));
      cb();
    },
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'faultline-hostile-'));
  cpSync(path.resolve('fixtures/hostile'), path.join(root, 'hostile'), { recursive: true });
  writeFileSync(path.join(root, 'hostile', 'huge.yaml'), 'a: ' + 'x'.repeat(6 * 1024 * 1024) + '\n');
  symlinkSync('loop', path.join(root, 'hostile', 'loop'));
  symlinkSync('..', path.join(root, 'hostile', 'parent-loop'));
  symlinkSync('/etc', path.join(root, 'hostile', 'outside'));
  writeFileSync(path.join(root, 'user-data'), '#cloud-config\npackage_upgrade: true\npackage_reboot_if_required: true\n');
  let out = '';
  exit = await run(['scan', '.', '--format', 'json', '--root', root], {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (stderr += s)),
    env: {},
    cwd: root,
  });
  result = JSON.parse(out);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const diag = (p: string) => result.diagnostics.filter((d) => d.path === p);

describe('hostile input', () => {
  it('still reports the real finding and exits 1, not 2', () => {
    expect(exit).toBe(1);
    expect(result.findings.map((f) => `${f.location.path}:${f.location.range.start.line} ${f.ruleId}`)).toContain('user-data:2 FL104');
    expect(result.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
  });

  it.each([
    ['hostile/alias-bomb.yaml', 'alias-limit'],
    ['hostile/deep-flow.yaml', 'nesting-too-deep'],
    ['hostile/deep-block.yaml', 'nesting-too-deep'],
    ['hostile/deep.tf.json', 'nesting-too-deep'],
    ['hostile/deep.tf', 'nesting-too-deep'],
    ['hostile/deep.sh', 'nesting-too-deep'],
    ['hostile/invalid-utf8.service', 'invalid-utf8'],
    ['hostile/broken.yaml', 'parse-error'],
    ['hostile/broken.tf', 'parse-error'],
    ['hostile/broken.tf.json', 'parse-error'],
    ['hostile/broken.timer', 'parse-error'],
    ['hostile/etc/apt/apt.conf.d/20unterminated', 'parse-error'],
  ])('%s → %s with a line', (p, code) => {
    const ds = diag(p).filter((d) => d.code === code);
    expect(ds.length).toBeGreaterThan(0);
    expect(ds[0].range?.start.line).toBeGreaterThan(0);
  });

  it.each([
    ['hostile/nul-bytes.yaml', 'binary-file'],
    ['hostile/huge.yaml', 'file-too-large'],
    ['hostile/loop', 'symlink-loop'],
    ['hostile/parent-loop', 'symlink-loop'],
    ['hostile/outside', 'symlink-outside-root'],
  ])('%s → %s', (p, code) => {
    expect(diag(p).map((d) => d.code)).toContain(code);
  });

  it('names the line of a YAML syntax error', () => {
    expect(diag('hostile/broken.yaml')[0].range?.start.line).toBe(4);
    expect(diag('hostile/invalid-utf8.service')[0].range?.start.line).toBe(2);
  });
});

describe('embedding depth', () => {
  it('counts embedding steps, not the directories of the file path', async () => {
    const { scanFiles } = await import('../helpers/scan.js');
    const deep = 'a/b/c/d/e/f/g/h/i/j/k/user-data';
    const { result } = await scanFiles({ [deep]: '#cloud-config\nruncmd:\n  - echo hi > /etc/x\n' });
    expect(result.diagnostics.filter((d) => d.code === 'embed-depth')).toEqual([]);
  });

  it('stops at maxEmbedDepth with a diagnostic', async () => {
    const { scanFiles } = await import('../helpers/scan.js');
    // each level writes a shell script that writes the next one: nesting grows with every heredoc
    let script = 'echo done\n';
    for (let i = 0; i < 12; i++) script = `bash <<'E${i}'\n${script}E${i}\n`;
    const { result } = await scanFiles({ 'deep.sh': '#!/bin/sh\n' + script });
    const d = result.diagnostics.filter((x) => x.code === 'embed-depth');
    expect(d).toHaveLength(1);
    expect(d[0].path).toBe('deep.sh');
  });
});
