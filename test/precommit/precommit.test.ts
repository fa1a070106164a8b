/**
 * The pre-commit hook, end to end with the real `pre-commit` framework (Debian's 3.0.4).
 *
 * A snapshot of this checkout (tracked and untracked-but-not-ignored files, i.e. what a clean
 * clone of the committed tree holds) is committed in a temporary repository, because
 * `pre-commit try-repo` installs a hook repository from its HEAD: it runs `npm install`, `npm pack`
 * (the `prepare` script builds dist/) and `npm install -g` of the tarball — exactly what users get.
 * A throwaway project repository then stages changes and runs `pre-commit try-repo`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const checkout = path.resolve('.');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-precommit-'));
const hookRepo = path.join(tmp, 'hook-repo');
const home = path.join(tmp, 'pre-commit-home');
const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmp, 'project-'));
  git(dir, 'init', '-q');
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), t);
  }
  return dir;
}

function tryRepo(dir: string, ...extra: string[]) {
  const r = spawnSync('pre-commit', ['try-repo', hookRepo, 'faultline', ...extra], {
    cwd: dir,
    env: { ...process.env, PRE_COMMIT_HOME: home, NO_COLOR: '1', PRE_COMMIT_COLOR: 'never' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const HAZARD = 'd-i pkgsel/update-policy select unattended-upgrades\n';
const CLEAN = 'd-i pkgsel/update-policy select none\n';

beforeAll(() => {
  mkdirSync(hookRepo);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: checkout, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    try {
      cpSync(path.join(checkout, f), path.join(hookRepo, f), { recursive: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted in the work tree
    }
  }
  git(hookRepo, 'init', '-q');
  git(hookRepo, 'add', '-A');
  git(hookRepo, 'commit', '-q', '-m', 'snapshot');
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pre-commit try-repo (real framework)', () => {
  it('fails on a staged hazardous change and prints the finding', () => {
    const dir = project({ 'images/node/preseed.cfg': HAZARD, 'README.md': '# fleet\n' });
    git(dir, 'add', '-A');
    const r = tryRepo(dir);
    expect(r.out).toMatch(/faultline \(changed files, whole-repository context\)\.+Failed/);
    expect(r.out).toMatch(/images\/node\/preseed\.cfg\n\s+1:33\s+error\s+FL103 preseed-update-policy/);
    expect(r.code).toBe(1);
  }, 600_000);

  it('passes on a clean staged change, even when unchanged files have findings', () => {
    const dir = project({ 'legacy/preseed.cfg': HAZARD });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'legacy fleet');
    mkdirSync(path.join(dir, 'images/node'), { recursive: true });
    writeFileSync(path.join(dir, 'images/node/preseed.cfg'), CLEAN);
    git(dir, 'add', 'images/node/preseed.cfg');
    const r = tryRepo(dir);
    expect(r.out).toMatch(/faultline \(changed files, whole-repository context\)\.+Passed/);
    expect(r.out).not.toContain('legacy/preseed.cfg');
    expect(r.code).toBe(0);
    // …and the same hook fails once the legacy file itself is part of the change.
    const all = tryRepo(dir, '--files', 'legacy/preseed.cfg', 'images/node/preseed.cfg');
    expect(all.out).toMatch(/legacy\/preseed\.cfg\n\s+1:33\s+error\s+FL103/);
    expect(all.code).toBe(1);
    // The hook keeps its parse cache in the project, where git never sees it.
    expect(existsSync(path.join(dir, '.faultline-cache', '.gitignore'))).toBe(true);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).not.toContain('.faultline-cache');
  }, 600_000);
});
