/**
 * The parse cache: a cached scan must report exactly what an uncached one does, re-parse only what
 * changed (including files a parse read, such as a Dockerfile's COPY sources), and ignore a
 * foreign, corrupt or unwritable cache instead of trusting it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, symlinkSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineOutput } from '../../engine/engine.js';
import type { ActiveRule } from '../../engine/rule-config.js';
import { builtinRules } from '../../rules/index.js';
import { where } from '../helpers/scan.js';
import { comparable, scanTree, tempDir, useCacheSecret } from '../helpers/cache.js';
import { CACHE_FORMAT, ParseCache, parserPackageVersions, STORED_FACTS } from '../../engine/cache.js';
import { k8sFacts, kubernetesFacts } from '../../engine/facts/kubernetes.js';
// @ts-expect-error the bench generator is plain JavaScript
import { generate } from '../../bench/generate.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..');
const tmp = tempDir('faultline-cache-');
useCacheSecret('test-secret-0123456789abcdef0123456789');

let n = 0;
function copyFixture(name: string): string {
  const dir = path.join(tmp, `${name}-${n++}`);
  cpSync(path.join(repo, 'fixtures', name), dir, { recursive: true });
  return dir;
}

function writeTree(files: Record<string, string>): string {
  const dir = path.join(tmp, `tree-${n++}`);
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), t);
  }
  return dir;
}

/**
 * A rule that reads every Kubernetes document's body (model and text), as a reader not yet on
 * facts would: it reports nothing, but makes a changed-files run open its lazily read records.
 */
const bodyReader: ActiveRule = {
  meta: { ...builtinRules[0].meta, id: 'FL999', name: 'test-body-reader', formats: ['kubernetes'], scope: 'document' },
  options: {},
  rule: {
    meta: { ...builtinRules[0].meta, id: 'FL999', name: 'test-body-reader', formats: ['kubernetes'], scope: 'document' },
    checkDocument(doc) {
      if (doc.format === 'kubernetes' && (doc.model === undefined || typeof doc.text !== 'string')) throw new Error(`no body for ${doc.id}`);
    },
  },
};

function scan(root: string, cacheDir?: string, targets?: string[], reportPaths?: string[], extraRules: ActiveRule[] = []): Promise<EngineOutput> {
  return scanTree(root, { cacheDir, targets, changed: reportPaths, extraRules });
}

/**
 * The facts stored with each parse (read back lazily: every file unchanged, and the facts-complete
 * ones read lazily) equal the facts the documents would store as the rules see them, after
 * linking. Returns how many it checked.
 */
async function expectStoredFacts(root: string, cacheDir: string): Promise<number> {
  const lazyRun = await scan(root, cacheDir, undefined, ['no/such/file']);
  const full = await scan(root);
  // the documents read lazily (files that are not facts-complete are read whole)
  const k8s = lazyRun.model.ofFormat('kubernetes').filter((d) => Object.getPrototypeOf(d) !== Object.prototype);
  for (const d of k8s) expect(kubernetesFacts(d)).toEqual(k8sFacts(full.model.document(d.id) as typeof d, { stored: true }));
  return k8s.length;
}

/** The pack of a cache directory (one bucket per root and parser salt). */
function packOf(cacheDir: string): string {
  const buckets = readdirSync(cacheDir).filter((d) => /^[0-9a-f]{16}-[0-9a-f]{8}$/.test(d));
  expect(buckets).toHaveLength(1);
  return path.join(cacheDir, buckets[0], 'pack');
}

/** Records of a pack: magic (4), key (32), payload length (u32 LE), MAC (32), payload. */
function records(pack: string): { at: number; payload: number; length: number; key: string }[] {
  const buf = readFileSync(pack);
  const out: { at: number; payload: number; length: number; key: string }[] = [];
  for (let at = 0; at + 72 <= buf.length; ) {
    if (buf.toString('latin1', at, at + 4) !== `FLR${CACHE_FORMAT}`) break;
    const length = buf.readUInt32LE(at + 36);
    out.push({ at, payload: at + 72, length, key: buf.toString('hex', at + 4, at + 36) });
    at += 72 + length;
  }
  return out;
}

describe('parse cache', () => {
  it.each(['example-fleet', 'example-fleet-cdktf', 'example-fleet-remediated', 'hostile'])(
    'cold and warm cached scans of %s report exactly what an uncached scan does',
    async (fixture) => {
      const root = copyFixture(fixture);
      const cacheDir = path.join(tmp, `cache-${n++}`);
      const plain = await scan(root);
      const cold = await scan(root, cacheDir);
      const warm = await scan(root, cacheDir);
      expect(comparable(cold)).toEqual(comparable(plain));
      expect(comparable(warm)).toEqual(comparable(plain));
      expect(cold.cache!.hits).toBe(0);
      // one entry per parsed file, plus one per embed made while linking (Terraform user_data…)
      expect(cold.cache!.written).toBeGreaterThanOrEqual(plain.result.stats.filesScanned);
      if (fixture === 'example-fleet') expect(cold.cache!.written).toBeGreaterThan(plain.result.stats.filesScanned);
      expect(warm.cache!.hits).toBe(cold.cache!.written);
      expect(warm.cache!.misses).toBe(0);
      expect(warm.cache!.written).toBe(0);
    },
    60_000,
  );

  it.each(['example-fleet', 'example-fleet-cdktf', 'hostile', 'generated'])(
    'changed-files mode on %s: unchanged files are read lazily, and the report is exactly an uncached changed-files scan',
    async (name) => {
      let root: string;
      if (name === 'generated') {
        root = path.join(tmp, `generated-${n++}`);
        mkdirSync(root);
        generate(root, 300, 7);
      } else root = copyFixture(name);
      const cacheDir = path.join(tmp, `cache-${n++}`);
      await scan(root, cacheDir);
      const all = (dir: string, rel = ''): string[] =>
        readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(dir, `${rel}${e.name}/`) : [`${rel}${e.name}`]));
      const editable = all(root).filter((p) => /\.(ya?ml|tf|hcl|sh|service|timer|network|cfg)$|Dockerfile|apt\.conf\.d/.test(p));
      let opened = 0;
      let lazy = 0;
      for (let round = 0; round < 3; round++) {
        // a few files edited (a comment appended), as a commit would; the same ones every run
        const changed = editable.filter((_, i) => (i * 7 + round * 3) % Math.max(5, Math.floor(editable.length / 3)) === 0).slice(0, 4);
        for (const p of changed) writeFileSync(path.join(root, p), `${readFileSync(path.join(root, p), 'utf8')}\n# edited in round ${round}\n`);
        const cached = await scan(root, cacheDir, undefined, changed);
        const fresh = await scan(root, undefined, undefined, changed);
        expect(comparable(cached)).toEqual(comparable(fresh));
        lazy += cached.cache!.lazy;
        opened += cached.cache!.opened;
      }
      // only facts-complete files (every document Kubernetes) are read lazily, and no built-in
      // reader opens them: their facts were enough (the CDKTF fixture has none)
      if (name !== 'example-fleet-cdktf') expect(lazy).toBeGreaterThan(0);
      expect(opened).toBe(0);
      const k8s = await expectStoredFacts(root, cacheDir);
      if (name === 'example-fleet' || name === 'generated') expect(k8s).toBeGreaterThan(0);
    },
    120_000,
  );

  it('changed-files mode: a changed workload still sees the Services, budgets, autoscalers, mesh defaults, schedules and clusters of unchanged files', async () => {
    const dep = (name: string, extra = '') =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  replicas: 4\n  template:\n    metadata:\n      labels: { app: ${name} }\n${extra}    spec:\n      containers: [{ name: ${name}, image: nginx, ports: [{ containerPort: 80 }] }]\n`;
    const cron = (region: string) =>
      `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: patch, namespace: ops }\nspec:\n  schedule: "0 3 * * *"\n  timeZone: UTC\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{ name: p, image: ubuntu, command: [sh, -c, "apt-get -y upgrade && reboot"] }]\n# ${region}\n`;
    const secret = (name: string, region: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: argocd\n  labels: { argocd.argoproj.io/secret-type: cluster }\nstringData: { name: ${name}, server: "https://${name}.${region}.eks.amazonaws.com" }\n`;
    const root = writeTree({
      'k8s/web.yaml': dep('web'),
      'k8s/mesh.yaml': dep('mesh', '      annotations: { sidecar.istio.io/inject: "true" }\n'),
      'k8s/front.yaml':
        'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop, annotations: { ignore.faultline.dev/FL999: "no such rule" } }\nspec: { selector: { app: web } }\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: web, namespace: shop }\nspec: { maxUnavailable: 0, selector: { matchLabels: { app: web } } }\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: web, namespace: shop }\nspec: { scaleTargetRef: { kind: Deployment, name: web }, minReplicas: 2 }\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: web, namespace: shop }\nspec: { defaultBackend: { service: { name: web } } }\n',
      'istio/operator.yaml':
        'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: { name: mesh }\nspec:\n  values:\n    global:\n      proxy:\n        resources: { limits: { cpu: 100m } }\n  meshConfig:\n    defaultConfig: { concurrency: 0, terminationDrainDuration: 45s }\n',
      'regions/us1/cron.yaml': cron('us1'),
      'regions/eu1/cron.yaml': cron('eu1'),
      'regions/ap1/cron.yaml': cron('ap1'),
      'argocd/clusters.yaml': [secret('a', 'us-east-1'), secret('b', 'eu-west-1')].join('---\n'),
      'argocd/appset.yaml':
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: { name: apps, namespace: argocd }\nspec:\n  generators: [{ clusters: {} }]\n  template:\n    metadata: { name: 'apps-{{name}}' }\n    spec:\n      project: default\n      destination: { server: '{{server}}' }\n      syncPolicy: { automated: {} }\n",
    });
    const cacheDir = path.join(tmp, `cache-${n++}`);
    await scan(root, cacheDir);
    const changed = ['k8s/web.yaml', 'k8s/mesh.yaml', 'regions/us1/cron.yaml', 'argocd/appset.yaml'];
    for (const p of changed) writeFileSync(path.join(root, p), `${readFileSync(path.join(root, p), 'utf8')}# edited\n`);
    const cached = await scan(root, cacheDir, undefined, changed);
    const fresh = await scan(root, undefined, undefined, changed);
    expect(comparable(cached)).toEqual(comparable(fresh));
    // the context really came from the unchanged files, which were never decoded
    const related = cached.result.findings.flatMap((f) => f.related.map((r) => r.path));
    for (const p of ['k8s/front.yaml', 'istio/operator.yaml', 'regions/eu1/cron.yaml']) expect(related).toContain(p);
    expect(cached.result.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['FL401', 'FL623']));
    // the three unchanged files that are all Kubernetes are read lazily and never opened; the two
    // unchanged CronJob files are read whole: they embed `sh -c` scripts (shell documents, which
    // the node-image model replays), so they are not facts-complete
    expect(cached.cache!.lazy).toBe(3);
    expect(cached.cache!.opened).toBe(0);
    // 13 Kubernetes documents, 10 of them in facts-complete files (the 3 CronJobs are read whole)
    expect(await expectStoredFacts(root, cacheDir)).toBe(10);
  });

  it('changed-files mode survives its own compaction: records read lazily are found again in the rewritten pack', async () => {
    const root = copyFixture('example-fleet');
    // files that will be gone by the changed-files run, so that most of the pack is dead and that
    // run's prune rewrites it (after the link phase, before the rules open what they read); they
    // sort first, so every record the rules open has moved
    const junk = readFileSync(path.join(root, 'k8s/usage-estimation/router.yaml'), 'utf8');
    for (let i = 0; i < 60; i++) {
      mkdirSync(path.join(root, 'aaa-junk'), { recursive: true });
      writeFileSync(path.join(root, `aaa-junk/copy-${i}.yaml`), junk);
    }
    const cacheDir = path.join(tmp, `cache-${n++}`);
    await scan(root, cacheDir);
    rmSync(path.join(root, 'aaa-junk'), { recursive: true, force: true });
    const changed = ['k8s/usage-estimation/router.yaml'];
    writeFileSync(path.join(root, changed[0]), `${junk}# edited\n`);
    // a rule that reads bodies opens the lazily read records, after the prune moved them
    const cached = await scan(root, cacheDir, undefined, changed, [bodyReader]);
    expect(cached.cache!.pruned).toBeGreaterThanOrEqual(60);
    expect(cached.cache!.opened).toBeGreaterThan(0);
    expect(cached.cache!.opened).toBe(cached.cache!.lazy);
    expect(cached.result.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
    expect(comparable(cached)).toEqual(comparable(await scan(root, undefined, undefined, changed, [bodyReader])));
  });

  it('a lazily read document opened after the scan is read through a descriptor of its own, closed again', async () => {
    const root = copyFixture('example-fleet');
    const cacheDir = path.join(tmp, `cache-${n++}`);
    await scan(root, cacheDir);
    const out = await scan(root, cacheDir, undefined, ['no/such/file']);
    const fresh = await scan(root);
    const lazy = out.model.ofFormat('kubernetes').filter((d) => Object.getPrototypeOf(d) !== Object.prototype);
    expect(lazy.length).toBeGreaterThan(0);
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (const d of lazy) expect([d.model, d.text]).toEqual([fresh.model.document(d.id)!.model, fresh.model.document(d.id)!.text]);
    expect(out.cache!.opened).toBe(new Set(lazy.map((d) => d.file)).size);
    expect(fds()).toBe(before);
  });

  it('re-parses only the file that changed, and reports what the change did', async () => {
    const root = copyFixture('example-fleet');
    const cacheDir = path.join(tmp, `cache-${n++}`);
    const first = await scan(root, cacheDir);
    const hazard = first.result.findings.find((f) => f.ruleId === 'FL103' && !f.suppression);
    expect(hazard).toBeDefined();
    const file = path.join(root, hazard!.location.path);
    const text = readFileSync(file, 'utf8');
    // fix the hazard: the line the finding points at is the setting that enables the channel
    const lines = text.split('\n');
    lines.splice(hazard!.location.range.start.line - 1, 1, '# removed');
    writeFileSync(file, lines.join('\n'));
    const second = await scan(root, cacheDir);
    expect(second.cache!.misses).toBe(1);
    expect(second.cache!.hits).toBe(first.cache!.written - 1);
    const uncached = await scan(root);
    expect(comparable(second)).toEqual(comparable(uncached));
    expect(second.result.findings.map(where)).not.toContain(where(hazard!));
  });

  it('a file read by another file’s parse (a Dockerfile COPY source) invalidates that entry when it changes', async () => {
    const root = writeTree({
      'images/node/Dockerfile': 'FROM debian:12\nCOPY 20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades\n',
      'images/node/20auto-upgrades': 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
    });
    const cacheDir = path.join(tmp, `cache-${n++}`);
    const copied = (o: EngineOutput) => o.model.documents.filter((d) => d.origin?.via === 'dockerfile-copy').map((d) => d.text);
    const before = await scan(root, cacheDir);
    expect(copied(before)).toEqual([expect.stringContaining('Unattended-Upgrade "1"')]);
    writeFileSync(path.join(root, 'images/node/20auto-upgrades'), 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0";\n');
    const after = await scan(root, cacheDir);
    // the Dockerfile did not change, but a file its parse read did: both are parsed again
    expect(after.cache!.misses).toBe(2);
    expect(copied(after)).toEqual([expect.stringContaining('Unattended-Upgrade "0"')]);
    expect(comparable(after)).toEqual(comparable(await scan(root)));
    // unchanged again: both hit
    expect((await scan(root, cacheDir)).cache!.hits).toBe(2);
  });

  it('ignores entries written under another secret (a cache from another machine or committed to the repository)', async () => {
    const root = copyFixture('example-fleet');
    const cacheDir = path.join(root, '.faultline-cache');
    process.env.FAULTLINE_CACHE_SECRET = 'someone-else-entirely-0123456789abcdef';
    await scan(root, cacheDir);
    process.env.FAULTLINE_CACHE_SECRET = 'test-secret-0123456789abcdef0123456789';
    const out = await scan(root, cacheDir);
    expect(out.cache!.hits).toBe(0);
    expect(out.cache!.note).toMatch(/authentication/);
    expect(comparable(out)).toEqual(comparable(await scan(root)));
  });

  it('a corrupted record, a torn tail and appended junk are misses at worst, never errors', async () => {
    const root = copyFixture('example-fleet');
    const cacheDir = path.join(tmp, `cache-${n++}`);
    const plain = await scan(root);
    const cold = await scan(root, cacheDir);
    const pack = packOf(cacheDir);
    const recs = records(pack);
    expect(recs).toHaveLength(cold.cache!.written);
    const buf = readFileSync(pack);
    buf[recs[0].payload + 3] ^= 0xff; // one record's payload: its MAC no longer matches
    writeFileSync(pack, buf.subarray(0, buf.length - 5)); // the last record torn
    const out = await scan(root, cacheDir);
    expect(out.cache!.misses).toBe(2);
    expect(out.cache!.note).toMatch(/authentication|torn/);
    expect(comparable(out)).toEqual(comparable(plain));
    // both were written again, after the torn bytes were dropped
    const again = await scan(root, cacheDir);
    expect(again.cache!.misses).toBe(0);
    expect(again.cache!.hits).toBe(cold.cache!.written);
    // junk appended after whole records hides nothing before it
    writeFileSync(pack, Buffer.concat([readFileSync(pack), Buffer.from('not a cache record\n')]));
    const junk = await scan(root, cacheDir);
    expect(junk.cache!.misses).toBe(0);
    expect(junk.cache!.note).toMatch(/torn or foreign/);
    expect(comparable(junk)).toEqual(comparable(plain));
  });

  it('a whole-tree scan drops what it no longer uses and other parser versions; a partial scan does not', async () => {
    const root = copyFixture('example-fleet');
    const cacheDir = path.join(tmp, `cache-${n++}`);
    const first = await scan(root, cacheDir);
    const bucket = path.dirname(packOf(cacheDir));
    const stale = path.join(cacheDir, '0123456789abcdef-' + path.basename(bucket).split('-')[1]);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'pack'), 'old');
    // remove most of the fleet: what is left is a minority of the pack
    const keep = first.result.findings[0].location.path.split('/')[0];
    for (const d of readdirSync(root)) if (d !== keep && d !== 'faultline.yaml') rmSync(path.join(root, d), { recursive: true, force: true });
    const partial = await scan(root, cacheDir, [path.join(root, keep)]);
    expect(partial.cache!.pruned).toBe(0);
    expect(existsSync(stale)).toBe(true);
    const out = await scan(root, cacheDir);
    expect(out.cache!.pruned).toBeGreaterThan(0);
    expect(existsSync(stale)).toBe(false);
    // what is left is exactly what this scan used
    const left = records(packOf(cacheDir));
    expect(left).toHaveLength(out.cache!.hits + out.cache!.written);
    expect(new Set(left.map((r) => r.key)).size).toBe(left.length);
    expect((await scan(root, cacheDir)).cache!.misses).toBe(0);
  });

  it('a cache directory, bucket or pack planted as a link or a FIFO by the repository is refused: nothing written elsewhere, no hang', async () => {
    const root = copyFixture('example-fleet-remediated');
    const plain = await scan(root);
    // 1. the cache directory itself is a committed symbolic link to somewhere else
    const elsewhere = path.join(tmp, `elsewhere-${n++}`);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(root, '.faultline-cache'));
    const viaLink = await scan(root, path.join(root, '.faultline-cache'));
    expect(viaLink.cache!.note).toMatch(/not a plain directory \(a symbolic link\)/);
    expect(viaLink.cache!.written).toBe(0);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(comparable(viaLink)).toEqual(comparable(plain));
    rmSync(path.join(root, '.faultline-cache'));
    // 2. the pack is a link to a file of the user's: it must not grow
    const cacheDir = path.join(root, '.faultline-cache');
    await scan(root, cacheDir);
    const pack = packOf(cacheDir);
    const victim = path.join(tmp, `victim-${n++}`);
    writeFileSync(victim, 'export PATH=/usr/bin\n');
    rmSync(pack);
    symlinkSync(victim, pack);
    const viaPackLink = await scan(root, cacheDir);
    expect(viaPackLink.cache!.note).toMatch(/not a plain file \(a symbolic link\)/);
    expect(readFileSync(victim, 'utf8')).toBe('export PATH=/usr/bin\n');
    expect(comparable(viaPackLink)).toEqual(comparable(plain));
    // 3. the pack is a FIFO: opening it for reading would block forever
    rmSync(pack);
    execFileSync('mkfifo', [pack]);
    const viaFifo = await scan(root, cacheDir);
    expect(viaFifo.cache!.note).toMatch(/not a plain file/);
    expect(comparable(viaFifo)).toEqual(comparable(plain));
  });

  it('marks its directory for git and backup tools, and the walker never scans it', async () => {
    const root = copyFixture('example-fleet-remediated');
    const cacheDir = path.join(root, '.faultline-cache');
    const first = await scan(root, cacheDir);
    expect(readFileSync(path.join(cacheDir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(readFileSync(path.join(cacheDir, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55/);
    const second = await scan(root, cacheDir);
    expect(second.result.stats.filesSeen).toBe(first.result.stats.filesSeen);
  });

  it('an unusable cache directory leaves the scan correct and says why', async () => {
    const root = copyFixture('example-fleet');
    // a file where the directory should be: unwritable even for root (CI runs as root)
    const cacheDir = path.join(tmp, `cache-${n++}`);
    writeFileSync(cacheDir, 'in the way');
    const out = await scan(root, cacheDir);
    expect(out.cache!.written).toBe(0);
    expect(out.cache!.note).toMatch(/is not a plain directory/);
    expect(comparable(out)).toEqual(comparable(await scan(root)));
  });

  it('creates its secret outside the repository, readable only by the user', async () => {
    delete process.env.FAULTLINE_CACHE_SECRET;
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(tmp, `xdg-${n++}`);
    try {
      const root = copyFixture('example-fleet-remediated');
      const out = await scan(root, path.join(tmp, `cache-${n++}`));
      const secret = path.join(process.env.XDG_CACHE_HOME, 'faultline', 'secret');
      expect(statSync(secret).mode & 0o777).toBe(0o600);
      expect(readFileSync(secret).length).toBe(32);
      expect(out.cache!.written).toBeGreaterThan(0);
      expect((await scan(root, out.cache!.dir)).cache!.hits).toBe(out.cache!.written);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});

describe('the parser salt', () => {
  it('includes the installed versions of the parser packages', () => {
    const versions = parserPackageVersions();
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, v] of Object.entries(versions)) expect(v, name).toBe(pkg.dependencies[name]);
    expect(Object.keys(versions)).toContain('web-tree-sitter');
  });

  it('covers everything a parse can run: the import closure of the parse side is all salted code', () => {
    // From the parse entry points (this thread, the workers, every scanner), follow relative imports:
    // each module reached must be one parserCodeHash hashes (engine/ top level, scanners/). The
    // rule side (the rest of engine/facts, engine/schedule, engine.ts and the rules) may change freely.
    const salted = (f: string) =>
      path.dirname(f) === path.join(repo, 'engine') ||
      f.startsWith(path.join(repo, 'scanners') + path.sep) ||
      STORED_FACTS.some((m) => f === path.join(repo, 'engine', 'facts', `${m}.ts`));
    const entries = ['engine/parse-session.ts', 'engine/parse-task.ts', 'cli/parse-worker.ts', 'scanners/index.ts'].map((f) => path.join(repo, f));
    const seen = new Set<string>();
    const offenders: string[] = [];
    const stack = [...entries];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()'(\.[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '.ts');
        if (!salted(target) && !entries.includes(target)) offenders.push(`${path.relative(repo, file)} → ${m[1]}`);
        else stack.push(target);
      }
    }
    expect(offenders).toEqual([]);
    // the walk really follows the parse side: the scanners and the parse helpers are in it
    expect([...seen].some((f) => f.endsWith(path.join('scanners', 'yaml', 'stream.ts')))).toBe(true);
    expect([...seen].some((f) => f.endsWith(path.join('engine', 'cache.ts')))).toBe(true);
    expect([...seen].some((f) => f.endsWith(path.join('engine', 'engine.ts')))).toBe(false);
  });
});

describe('the pack', () => {
  const doc = (i: number, size: number) => ({
    documents: [{ id: `f${i}.yaml#0`, file: `f${i}.yaml`, format: 'yaml', text: 'x'.repeat(size) }],
    diagnostics: [],
    deps: [] as [string, string][],
  });

  it('reads back records still waiting to be appended, and after reopening, across batches and read windows', () => {
    const dir = path.join(tmp, `pack-${n++}`);
    const root = path.join(tmp, `pack-root-${n++}`);
    mkdirSync(root);
    const c = ParseCache.open(dir, root, { t: 1 });
    // sizes from tiny to over a read window, so records straddle batch and window boundaries
    const sizes = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? (1 << 20) + 3 : 100 + ((i * 7919) % 40_000)));
    sizes.forEach((size, i) => c.put(c.keyOf(`f${i}.yaml`, String(i)), doc(i, size) as never));
    // before close: some of these are still pending
    expect((c.get(c.keyOf('f299.yaml', '299'), () => true)?.documents[0] as { text: string }).text.length).toBe(sizes[299]);
    c.close();
    expect(c.stats.written).toBe(300);
    const again = ParseCache.open(dir, root, { t: 1 });
    sizes.forEach((size, i) => {
      const e = again.get(again.keyOf(`f${i}.yaml`, String(i)), () => true);
      expect((e?.documents[0] as { text: string } | undefined)?.text.length, `record ${i}`).toBe(size);
    });
    // and out of order
    for (const i of [250, 3, 199, 57, 0, 298]) expect(again.get(again.keyOf(`f${i}.yaml`, String(i)), () => true)).toBeDefined();
    expect(again.stats.hits).toBe(306);
    again.close();
  });

  /** A cache of `count` small records, closed; its bucket, pack and index file. */
  const packOf = (count: number) => {
    const dir = path.join(tmp, `pack-${n++}`);
    const root = path.join(tmp, `pack-root-${n++}`);
    mkdirSync(root);
    const c = ParseCache.open(dir, root, { t: 1 });
    for (let i = 0; i < count; i++) c.put(c.keyOf(`f${i}.yaml`, String(i)), doc(i, 100 + i) as never);
    c.close();
    const bucket = path.join(dir, readdirSync(dir).find((d) => /^[0-9a-f]{16}-[0-9a-f]{8}$/.test(d))!);
    const hits = (from = 0, to = count) => {
      const again = ParseCache.open(dir, root, { t: 1 });
      for (let i = from; i < to; i++) again.get(again.keyOf(`f${i}.yaml`, String(i)), () => true);
      again.close();
      return again.stats.hits;
    };
    return { dir, root, bucket, pack: path.join(bucket, 'pack'), index: path.join(bucket, 'index'), hits };
  };
  /** Where record `i` starts in a pack (header: magic 4, key 32, length 4, MAC 32). */
  const recordAt = (pack: Buffer, i: number) => {
    let at = 0;
    for (let k = 0; k < i; k++) at += 72 + pack.readUInt32LE(at + 36);
    return at;
  };

  it('finds its records through the index file, trusted only when authentic and made for this pack', () => {
    const { pack, index, hits } = packOf(100);
    expect(existsSync(index)).toBe(true);
    // a broken header ends a walk of the headers: the records after it are found only through the index
    const bytes = readFileSync(pack);
    bytes.write('XXXX', recordAt(bytes, 10), 'latin1');
    writeFileSync(pack, bytes);
    expect(hits()).toBe(100);
    const good = readFileSync(index);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0xff;
    writeFileSync(index, flipped);
    expect(hits()).toBe(10);
    // the same bytes in another file (a rewritten pack): the index is not for it
    writeFileSync(index, good);
    writeFileSync(`${pack}.copy`, bytes);
    renameSync(`${pack}.copy`, pack);
    expect(hits()).toBe(10);
  });

  it('an index that points where a record is not is removed, and written again after the next scan reads the headers; a damaged record alone keeps it', () => {
    const { pack, index, hits } = packOf(100);
    const good = readFileSync(pack);
    const damaged = Buffer.from(good);
    damaged[recordAt(damaged, 5) + 72 + 3] ^= 0xff; // in record 5's payload: its header is intact
    writeFileSync(pack, damaged);
    expect(hits(5, 6)).toBe(0);
    expect(existsSync(index)).toBe(true);
    // record 5's header where the index says record 6 is: the index no longer fits the pack
    writeFileSync(pack, Buffer.concat([good.subarray(0, recordAt(good, 6)), good.subarray(recordAt(good, 5))]));
    const moved = readFileSync(pack);
    expect(moved.length).toBeGreaterThan(good.length);
    expect(hits(6, 7)).toBe(0);
    expect(existsSync(index)).toBe(false);
    expect(hits()).toBe(100);
    expect(existsSync(index)).toBe(true);
    expect(hits()).toBe(100);
  });

  it('an index planted as a FIFO or a link is neither waited on nor followed, and not written through', () => {
    const { pack, index, hits } = packOf(100);
    const bytes = readFileSync(pack);
    bytes.write('XXXX', recordAt(bytes, 10), 'latin1'); // found past here only through an index
    writeFileSync(pack, bytes);
    const good = readFileSync(index);
    rmSync(index);
    execFileSync('mkfifo', [index]);
    expect(hits()).toBe(10);
    expect(lstatSync(index).isFIFO()).toBe(true);
    rmSync(index);
    const elsewhere = path.join(tmp, `planted-index-${n++}`);
    writeFileSync(elsewhere, good);
    symlinkSync(elsewhere, index);
    expect(hits()).toBe(10);
    expect(lstatSync(index).isSymbolicLink()).toBe(true);
    expect(readFileSync(elsewhere).equals(good)).toBe(true);
  });

  it('a scan that another one appended beside writes no index; the next finds the records of both', () => {
    const { dir, root, index, hits } = packOf(100);
    const put = (c: ParseCache, from: number, to: number) => {
      for (let i = from; i < to; i++) c.put(c.keyOf(`f${i}.yaml`, String(i)), doc(i, 100 + i) as never);
    };
    const a = ParseCache.open(dir, root, { t: 1 });
    expect(a.get(a.keyOf('f0.yaml', '0'), () => true)).toBeDefined(); // a has read the pack's index
    const b = ParseCache.open(dir, root, { t: 1 });
    put(b, 100, 170);
    b.close();
    const byB = readFileSync(index);
    put(a, 170, 240); // appended after b's records, not where a thinks
    a.close();
    expect(readFileSync(index).equals(byB)).toBe(true);
    expect(hits(0, 240)).toBe(240);
  });

  it('records appended after the part the index covers are found from their headers; the index is written again 64 records on', () => {
    const { dir, root, index, hits } = packOf(100);
    const append = (from: number, to: number) => {
      const c = ParseCache.open(dir, root, { t: 1 });
      for (let i = from; i < to; i++) c.put(c.keyOf(`f${i}.yaml`, String(i)), doc(i, 100 + i) as never);
      c.close();
    };
    const first = readFileSync(index);
    append(100, 103);
    expect(readFileSync(index).equals(first)).toBe(true);
    expect(hits(0, 103)).toBe(103);
    append(103, 170);
    expect(readFileSync(index).length).toBeGreaterThan(first.length);
    expect(hits(0, 170)).toBe(170);
  });
});
