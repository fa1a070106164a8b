/**
 * The bundled command line (dist/cli/faultline.mjs, scripts/bundle.mjs) against the module tree it
 * is built from. Uses dist/ (npm test builds both).
 * - dist/cli/main.js picks the bundle only when it is there, not older than the tree, and not
 *   switched off (FAULTLINE_NO_BUNDLE);
 * - both give byte-identical reports, exit codes and stderr, also where modules locate files next
 *   to themselves (CDKTF through createRequire'd ts-morph, parse workers, the hostile fixtures);
 * - the parse cache's salt is the same from both (a cache one writes, the other reads whole);
 * - the licence file names every third-party package the bundle's source map says went in.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cliDir = path.resolve('dist/cli');
const main = path.join(cliDir, 'main.js');
const bundle = path.join(cliDir, 'faultline.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SOURCE_DATE_EPOCH: '1700000000', FAULTLINE_CACHE_SECRET: 'bundle-test', ...env },
  });
}

describe('which code dist/cli/main.js runs', () => {
  // main.js next to a stand-in bundle and entry that say which of them ran
  const dir = path.join(tmp, 'pick');
  const standIn = (file: string, who: string) => writeFileSync(path.join(dir, file), `export async function main() { process.stdout.write(${JSON.stringify(who)}); }\n`);
  const ran = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [path.join(dir, 'main.js')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).stdout;
  const setAge = (file: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(path.join(dir, file), t, t);
  };

  it('the bundle when it is at least as new as the module tree, else the tree', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(main, path.join(dir, 'main.js'));
    standIn('entry.js', 'tree');
    expect(ran()).toBe('tree'); // no bundle
    standIn('faultline.mjs', 'bundle');
    setAge('entry.js', 60);
    setAge('faultline.mjs', 30);
    expect(ran()).toBe('bundle');
    expect(ran({ FAULTLINE_NO_BUNDLE: '1' })).toBe('tree');
    setAge('faultline.mjs', 90); // a tsc-only rebuild after the last bundle
    expect(ran()).toBe('tree');
  });

  it('the build made a current bundle', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(statSync(path.join(cliDir, 'entry.js')).mtimeMs);
  });
});

describe('the bundle behaves as the module tree', () => {
  const cases: [string, string[]][] = [
    ['example fleet', ['scan', 'fixtures/example-fleet']],
    ['CDKTF example (ts-morph loaded next to its module)', ['scan', 'fixtures/example-fleet-cdktf']],
    ['hostile inputs', ['scan', 'fixtures/hostile']],
    ['example fleet in two parse workers', ['scan', 'fixtures/example-fleet', '--jobs', '2']],
    ['audit report', ['audit', 'fixtures/example-fleet']],
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const outs = ['bundle', 'tree'].map((how) => {
        const json = path.join(tmp, `${how}.json`);
        const sarif = path.join(tmp, `${how}.sarif`);
        const r = cli([...args, '-q', '-f', 'json', '-o', json, ...(args[0] === 'scan' ? ['-f', 'sarif', '-o', sarif] : [])], how === 'tree' ? { FAULTLINE_NO_BUNDLE: '1' } : {});
        return { status: r.status, stderr: r.stderr, json: readFileSync(json, 'utf8'), sarif: existsSync(sarif) ? readFileSync(sarif, 'utf8') : '' };
      });
      expect(outs[0].status, outs[0].stderr).not.toBe(2);
      expect(outs[0]).toEqual(outs[1]);
      rmSync(path.join(tmp, 'bundle.sarif'), { force: true });
      rmSync(path.join(tmp, 'tree.sarif'), { force: true });
    });
  }

  it('shares the parse cache with the module tree (same salt)', () => {
    const cacheDir = path.join(tmp, 'cache');
    const line = (env: NodeJS.ProcessEnv) =>
      /parse cache [^:]*: (\d+) hits, (\d+) misses/.exec(cli(['scan', 'fixtures/example-fleet-cdktf', '-q', '-f', 'json', '-o', path.join(tmp, 'c.json'), '--cache-dir', cacheDir], { FAULTLINE_TIMING: '1', ...env }).stderr);
    const first = line({});
    expect(first && Number(first[2])).toBeGreaterThan(0);
    const second = line({ FAULTLINE_NO_BUNDLE: '1' });
    expect(second?.slice(1)).toEqual([first![2], '0']);
  });
});

describe('third-party licences', () => {
  it('name every package the source map says is in the bundle', () => {
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    const inMap = new Set(
      map.sources
        .filter((s) => s.includes('node_modules/'))
        .map((s) => {
          const rest = s.slice(s.lastIndexOf('node_modules/') + 13).split('/');
          return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
        }),
    );
    expect(inMap.has('yaml')).toBe(true);
    const text = readFileSync(path.join(cliDir, 'third-party-licenses.txt'), 'utf8');
    const listed = new Set([...text.matchAll(/^(\S+)@\d[^ ]* — /gm)].map((m) => m[1]));
    expect([...listed].sort()).toEqual([...inMap].sort());
    // the bundle's first line points there
    expect(readFileSync(bundle, 'utf8').split('\n')[0]).toContain('third-party-licenses.txt');
  });
});
