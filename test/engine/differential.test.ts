/**
 * The differential oracle for warm runs: a sequence of commits is applied to a tree whose parse
 * cache was filled before them, and after every commit the cached run must report exactly what an
 * uncached run does — in changed-files mode (the pre-commit hook) and as a whole-tree scan (CI, the
 * nightly audit), with the cache carried from one commit to the next as it is in real use.
 *
 * The trees: the example fleet and its CDKTF twin, Dockerfiles that copy files of the repository,
 * the hostile set, the shared corpus of real-world configs, and a generated fleet. The commits are drawn from a
 * seeded generator, so a failure names its seed, round and operations and replays the same way.
 * They change meaning, not only comments: a file is replaced by its remediated twin (or back), by
 * another file of its kind, loses or repeats a line, is added, removed or renamed; half of the
 * edits land on files that other files read (a Packer provisioner script, a `file()` or
 * `templatefile()` target, a Dockerfile's `COPY` source), where a stale entry would hide. Stamps are trusted at once (no racy window), so the scan state's
 * stored files are used from the second scan on and must never go stale.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineOutput } from '../../engine/engine.js';
import { comparable, filesOf, readTree, scanTree, tempDir, useCacheSecret, writeTree } from '../helpers/cache.js';
import { kubernetesTree } from '../helpers/kubernetes-tree.js';
// @ts-expect-error the bench generator is plain JavaScript
import { generate, rng } from '../../bench/generate.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..');
const tmp = tempDir('faultline-diff-');
useCacheSecret('test-secret-differential-0123456789');

// the tree is written moments before each scan: trust its stamps at once, so the scan state's
// stored entries are used (and must not go stale) from the second scan on
const scan = (root: string, cacheDir?: string, changed?: string[]): Promise<EngineOutput> => scanTree(root, { cacheDir, changed, racyWindowMs: 0 });

/** A file's kind for swapping contents: its extension, or its name when it has none. */
function kindOf(p: string): string {
  const base = path.posix.basename(p);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : base.replace(/[-_.]?\d+$/, '');
}

/** Files that other files read: link-phase references (Packer scripts, file()/templatefile()) and Dockerfile sources. */
function referencedFiles(out: EngineOutput): Set<string> {
  const refs = new Set<string>();
  for (const f of ['terraform', 'packer'] as const) for (const d of out.model.ofFormat(f)) for (const r of d.model.references ?? []) refs.add(r.path);
  for (const d of out.model.ofFormat('dockerfile')) {
    for (const i of d.model.instructions) {
      if (i.keyword.toUpperCase() !== 'COPY' && i.keyword.toUpperCase() !== 'ADD') continue;
      // sources resolved against the Dockerfile's directory (the usual build context)
      const words = i.exec ?? i.args.split(/\s+/).filter(Boolean);
      for (const a of words.slice(0, -1)) if (!a.startsWith('-')) refs.add(path.posix.normalize(path.posix.join(path.posix.dirname(d.file), a)));
    }
  }
  return refs;
}

type Op = 'remediate' | 'swap' | 'drop-line' | 'repeat-line' | 'add' | 'remove' | 'rename';

interface Tree {
  name: string;
  make(dir: string): void;
  /** Paths with two versions (the fleet and its remediated twin): an edit swaps one for the other. */
  twins?: Record<string, [string, string]>;
  /** Its changed-files runs must leave some Kubernetes files unread (the path under test is taken). */
  leavesUnread?: boolean;
}

function pairs(a: Record<string, string>, b: Record<string, string>): Record<string, [string, string]> {
  return Object.fromEntries(Object.keys(a).filter((p) => b[p] !== undefined && b[p] !== a[p]).map((p) => [p, [a[p], b[p]] as [string, string]]));
}

const fixture = (name: string) => path.join(repo, 'fixtures', name);

/**
 * Node images built by Dockerfiles from files of the repository: every `COPY` source is read by
 * the Dockerfile's parse, so an edit of the source alone must reach the Dockerfile's entry.
 */
const dockerTree: Record<string, string> = {
  'node/Dockerfile':
    'FROM ubuntu:22.04\nCOPY files/20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades\nCOPY files/setup.sh /usr/local/bin/setup.sh\nRUN apt-get update && apt-get install -y kubelet\n',
  'node/files/20auto-upgrades': 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
  'node/files/setup.sh': '#!/bin/sh\nset -e\napt-get install -y unattended-upgrades\nsystemctl enable unattended-upgrades\n',
  'base/Dockerfile': 'FROM debian:12\nCOPY apt/50unattended-upgrades /etc/apt/apt.conf.d/\nRUN apt-get update && apt-get install -y unattended-upgrades\n',
  'base/apt/50unattended-upgrades': 'Unattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-Time "02:00";\n',
  'k8s/cilium.yaml':
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: cilium, namespace: kube-system }\nspec:\n  selector: { matchLabels: { k8s-app: cilium } }\n  template:\n    metadata: { labels: { k8s-app: cilium } }\n    spec:\n      containers: [{ name: cilium-agent, image: quay.io/cilium/cilium:v1.15.0 }]\n',
};
const dockerTwins: Record<string, string> = {
  'node/files/20auto-upgrades': 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0";\n',
  'node/files/setup.sh': '#!/bin/sh\nset -e\napt-get purge -y unattended-upgrades\n',
  'base/apt/50unattended-upgrades': 'Unattended-Upgrade::Automatic-Reboot "false";\n',
  'base/Dockerfile': 'FROM debian:12\nCOPY apt/50unattended-upgrades /etc/apt/apt.conf.d/50unattended-upgrades\nRUN apt-get update && apt-get install -y kubelet\n',
};

const trees: Tree[] = [
  {
    name: 'example-fleet',
    make: (dir) => cpSync(fixture('example-fleet'), dir, { recursive: true }),
    twins: pairs(readTree(fixture('example-fleet')), readTree(fixture('example-fleet-remediated'))),
  },
  { name: 'example-fleet-cdktf', make: (dir) => cpSync(fixture('example-fleet-cdktf'), dir, { recursive: true }) },
  { name: 'dockerfiles', make: (dir) => writeTree(dir, dockerTree), twins: pairs(dockerTree, dockerTwins) },
  // malformed, binary, invalid UTF-8 and deeply nested files: their read diagnostics are stored too
  { name: 'hostile', make: (dir) => cpSync(fixture('hostile'), dir, { recursive: true }) },
  // configs from public repositories that nobody here wrote (../shared/corpus)
  { name: 'corpus', make: (dir) => cpSync(path.join(repo, '..', 'shared', 'corpus'), dir, { recursive: true }) },
  { name: 'generated', make: (dir) => generate(dir, 160, 11), leavesUnread: true },
  { name: 'kubernetes', make: (dir) => writeTree(dir, kubernetesTree(7)), leavesUnread: true },
];

const ROUNDS = 20;

describe('warm runs against cold ones, over a sequence of commits (differential oracle)', () => {
  it.each(trees.map((t, i) => [t.name, t, 1000 + i] as const))(
    '%s: every commit, changed-files and whole-tree runs from the carried cache report what uncached runs do',
    async (_name, tree, seed) => {
      const root = path.join(tmp, `${tree.name}-tree`);
      mkdirSync(root);
      tree.make(root);
      const cacheDir = path.join(tmp, `${tree.name}-cache`);
      const rnd: () => number = rng(seed);
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const ran = new Set<Op>();
      let refEdits = 0;
      let known = 0;
      let unread = 0;
      const count = (out: EngineOutput) => {
        known += out.state?.fileHits ?? 0;
        unread += out.state?.unread ?? 0;
      };

      // the cache is filled by a whole-tree scan, as the first hook run or CI does
      let last = await scan(root, cacheDir);
      expect(comparable(last)).toEqual(comparable(await scan(root)));
      const readByOthers = [...referencedFiles(last)].filter((p) => existsSync(path.join(root, p))).length;

      for (let round = 0; round < ROUNDS; round++) {
        const referenced = [...referencedFiles(last)];
        const changed = new Set<string>();
        const done: string[] = [];
        const ops = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < ops; k++) {
          const all = filesOf(root).filter((p) => p !== 'faultline.yaml' && !p.endsWith('.md'));
          const refsNow = referenced.filter((p) => all.includes(p));
          const target = refsNow.length > 0 && rnd() < 0.5 ? pick(refsNow) : pick(all);
          const abs = path.join(root, target);
          const text = readFileSync(abs, 'utf8');
          const lines = text.split('\n');
          const twin = tree.twins?.[target];
          const choices: Op[] = ['swap', 'drop-line', 'repeat-line', 'add', 'remove', 'rename'];
          if (twin !== undefined) choices.push('remediate', 'remediate');
          const op = pick(choices);
          if (op === 'remediate') {
            writeFileSync(abs, text === twin![1] ? twin![0] : twin![1]);
          } else if (op === 'swap') {
            const same = all.filter((p) => p !== target && kindOf(p) === kindOf(target));
            if (!same.length) continue;
            writeFileSync(abs, readFileSync(path.join(root, pick(same)), 'utf8'));
          } else if (op === 'drop-line' || op === 'repeat-line') {
            if (lines.length < 2) continue;
            const i = Math.floor(rnd() * lines.length);
            if (op === 'drop-line') lines.splice(i, 1);
            else lines.splice(i, 0, lines[i]);
            writeFileSync(abs, lines.join('\n'));
          } else if (op === 'add' || op === 'rename') {
            const dir = path.posix.dirname(pick(all));
            let dest = path.posix.join(dir, path.posix.basename(target));
            if (existsSync(path.join(root, dest))) dest = path.posix.join(dir, `copy${round}${k}-${path.posix.basename(target)}`);
            if (existsSync(path.join(root, dest))) continue;
            mkdirSync(path.dirname(path.join(root, dest)), { recursive: true });
            if (op === 'add') writeFileSync(path.join(root, dest), text);
            else renameSync(abs, path.join(root, dest));
            changed.add(dest);
          } else {
            rmSync(abs);
          }
          changed.add(target);
          ran.add(op);
          if (referenced.includes(target)) refEdits++;
          done.push(`${op} ${target}`);
        }
        if (!changed.size) continue;
        const what = `seed ${seed}, round ${round}: ${done.join('; ')}`;

        // the hook: only the existing changed files are passed, as pre-commit passes staged files
        const staged = [...changed].filter((p) => existsSync(path.join(root, p)));
        const cachedChanged = await scan(root, cacheDir, staged);
        count(cachedChanged);
        const freshChanged = await scan(root, undefined, staged);
        expect(comparable(cachedChanged), what).toEqual(comparable(freshChanged));

        // CI and the nightly audit: the whole tree, from the same carried cache
        last = await scan(root, cacheDir);
        count(last);
        expect(comparable(last), what).toEqual(comparable(await scan(root)));
      }

      // the sequence really exercised what it is for (the seeds are fixed, so this fails only
      // when the generator, the fixtures or the ops change and a seed needs choosing again)
      expect([...ran].length, `ops run: ${[...ran].join(', ')}`).toBeGreaterThanOrEqual(4);
      if (readByOthers > 0) expect(refEdits, 'edits of files other files read').toBeGreaterThan(0);
      // and the warm runs really took unchanged files from the scan state
      expect(known).toBeGreaterThan(ROUNDS);
      if (tree.leavesUnread) expect(unread, 'Kubernetes files left unread by changed-files runs').toBeGreaterThan(ROUNDS);
    },
    240_000,
  );
});
