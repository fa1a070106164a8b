/**
 * The bundled command line (dist/cli/faultline.cjs, scripts/bundle.mjs) against the module tree it
 * is built from. Uses dist/ (npm test builds both).
 * - dist/cli/main.js picks the bundle only while it is current (no module it was built from is
 *   newer, its packages are installed at the bundled versions) and not switched off
 *   (FAULTLINE_NO_BUNDLE);
 * - both give byte-identical reports, exit codes and stderr, also where modules locate files next
 *   to themselves (CDKTF through createRequire'd ts-morph, parse workers, the hostile fixtures);
 * - the parse cache's salt is the same from both (a cache one writes, the other reads whole);
 * - the licence file names every third-party package the bundle's source map says went in;
 * - the bundle is compiled from the code cache the build wrote, and only from a cache made for it
 *   and intact (cli/bundle-loader.ts).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { CODE_CACHE } from '../../cli/bundle-loader.js';

const cliDir = path.resolve('dist/cli');
const main = path.join(cliDir, 'main.js');
const bundle = path.join(cliDir, 'faultline.cjs');
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
  // the tree's entry is an ES module, the bundle a CommonJS script
  const standIn = (file: string, who: string) =>
    writeFileSync(path.join(dir, file), `${file.endsWith('.cjs') ? 'exports.main = async function' : 'export async function main'}() { process.stdout.write(${JSON.stringify(who)}); }\n`);
  const ran = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [path.join(dir, 'main.js')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).stdout;
  const setAge = (file: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(path.join(dir, file), t, t);
  };
  const inputs = (packages: Record<string, { version: string; at: string }> = {}) =>
    writeFileSync(path.join(dir, 'faultline.inputs.json'), JSON.stringify({ modules: ['./entry.js', './other.js'], packages }));
  const pkg = (rel: string, version: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), JSON.stringify({ name: rel.split('/').at(-2), version }));
  };

  it('the bundle while it is current, else the module tree', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of ['main.js', 'bundle-loader.js', 'heap.js']) copyFileSync(path.join(cliDir, f), path.join(dir, f));
    standIn('entry.js', 'tree');
    writeFileSync(path.join(dir, 'other.js'), '');
    expect(ran()).toBe('tree'); // no bundle
    standIn('faultline.cjs', 'bundle');
    setAge('entry.js', 60);
    setAge('other.js', 60);
    setAge('faultline.cjs', 30);
    expect(ran()).toBe('tree'); // no list of what it was built from
    inputs();
    expect(ran()).toBe('bundle');
    expect(ran({ FAULTLINE_NO_BUNDLE: '1' })).toBe('tree');
    setAge('other.js', 10); // one module rebuilt after the bundle (tsc -w)
    expect(ran()).toBe('tree');
    setAge('other.js', 60);
    rmSync(path.join(dir, 'other.js')); // a module it lists is gone
    expect(ran()).toBe('tree');
    writeFileSync(path.join(dir, 'other.js'), '');
    setAge('other.js', 60);
    expect(ran()).toBe('bundle');
  });

  it('the module tree when a bundled package is installed at another version', () => {
    pkg('node_modules/yaml/package.json', '2.9.1');
    inputs({ yaml: { version: '2.9.1', at: 'node_modules/yaml/package.json' } });
    expect(ran()).toBe('bundle');
    inputs({ yaml: { version: '2.8.0', at: 'node_modules/yaml/package.json' } });
    expect(ran()).toBe('tree');
    // installed elsewhere than at build time (hoisted): found by resolving the package from main.js
    inputs({ yaml: { version: '2.9.1', at: '../elsewhere/yaml/package.json' } });
    expect(ran()).toBe('bundle');
    inputs({ absent: { version: '1.0.0', at: 'node_modules/absent/package.json' } });
    expect(ran()).toBe('tree');
  });

  it('the build made a current bundle', () => {
    expect(existsSync(bundle)).toBe(true);
    const built = statSync(bundle).mtimeMs;
    const { modules, packages } = JSON.parse(readFileSync(path.join(cliDir, 'faultline.inputs.json'), 'utf8')) as { modules: string[]; packages: Record<string, { version: string; at: string }> };
    expect(modules).toContain('./entry.js');
    expect(modules).toContain('../engine/engine.js');
    for (const m of modules) expect(statSync(path.join(cliDir, m)).mtimeMs).toBeLessThanOrEqual(built);
    expect(packages.yaml.version).toBe(JSON.parse(readFileSync('node_modules/yaml/package.json', 'utf8')).version);
  });
});

describe('the bundle behaves as the module tree', () => {
  it('the command line runs from the bundle, or from the tree when told (seen in a CPU profile)', () => {
    const urls = (env: NodeJS.ProcessEnv) => {
      const dir = mkdtempSync(path.join(tmp, 'prof-'));
      const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, main, 'scan', 'fixtures/example-fleet', '-q', '-f', 'json', '-o', path.join(dir, 'out.json')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env },
      });
      expect(r.status, r.stderr).toBe(1);
      const [profile] = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      const nodes = (JSON.parse(readFileSync(path.join(dir, profile), 'utf8')) as { nodes: { callFrame: { url: string } }[] }).nodes;
      return new Set(nodes.map((n) => n.callFrame.url));
    };
    const fromBundle = [...urls({})];
    expect(fromBundle.some((u) => u.endsWith('/dist/cli/faultline.cjs'))).toBe(true);
    expect(fromBundle.some((u) => u.endsWith('/dist/engine/engine.js'))).toBe(false);
    const fromTree = [...urls({ FAULTLINE_NO_BUNDLE: '1' })];
    expect(fromTree.some((u) => u.endsWith('/dist/cli/faultline.cjs'))).toBe(false);
    expect(fromTree.some((u) => u.endsWith('/dist/engine/engine.js'))).toBe(true);
  });

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

describe('the code cache (cli/bundle-loader.ts)', () => {
  it('the build wrote one that the command line takes for its bundle', () => {
    const r = cli(['scan', 'fixtures/example-fleet', '-q', '-f', 'json', '-o', path.join(tmp, 'cc.json')], { FAULTLINE_TIMING: '1' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^start-up: bundle loaded in [\d.]+ ms, code cache accepted$/m);
  });

  it('is used only when it was made for this bundle and is intact; the bundle runs either way', () => {
    const dir = path.join(tmp, 'code-cache');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'faultline.cjs');
    const cacheFile = path.join(dir, CODE_CACHE);
    // stand-in bundles of the same length that differ in what they compute
    const source = (k: number) => `let calls = 0;\nfunction work(x) { return x * ${k}; }\nexports.main = async function (argv) { calls++; globalThis.result = work(argv.length) + calls; };\n`;
    // each load in a process of its own, as the command line's (V8 also keeps what a process compiled)
    const loader = pathToFileURL(path.join(cliDir, 'bundle-loader.js')).href;
    const run = (script: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { loadBundle, writeCodeCache } from ${JSON.stringify(loader)};\nconst dir = ${JSON.stringify(dir)};\n${script}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const ran = (argv: string[]) => run(`const b = loadBundle(dir); await b.main(${JSON.stringify(argv)}); console.log(b.codeCache, globalThis.result);`);
    writeFileSync(file, source(2));
    expect(ran(['a'])).toBe('absent 3');
    run(`const b = loadBundle(dir, false); await b.main(['a']); writeCodeCache(dir, b); console.log(b.codeCache);`);
    expect(ran(['a', 'b'])).toBe('accepted 5');
    const good = readFileSync(cacheFile);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    for (const damaged of [flipped, good.subarray(0, good.length - 1), good.subarray(good.indexOf(10) + 1), Buffer.from('faultline code cache 1 x y\n')]) {
      writeFileSync(cacheFile, damaged);
      expect(ran(['a'])).toBe('corrupt 3');
    }
    // another bundle of the same length (which V8 alone would not tell apart): its own code runs
    writeFileSync(cacheFile, good);
    writeFileSync(file, source(3));
    expect(ran(['a'])).toBe('stale 4');
    // a cache made for this text, holding what V8 compiled for another script: V8 refuses it
    const foreign = new vm.Script('globalThis.x = 1 + 1;').createCachedData();
    const sha = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
    writeFileSync(cacheFile, Buffer.concat([Buffer.from(`faultline code cache 1 ${sha(source(3))} ${sha(foreign)}\n`), foreign]));
    expect(ran(['a', 'b', 'c'])).toBe('rejected 10');
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
