#!/usr/bin/env node
/**
 * Does a repository with many unrelated TypeScript files slow the scan down?
 *
 *   npx tsc -p . && node bench/cdktf-unrelated.mjs [count=1000] [runs=3]
 *
 * Builds, in a temp dir, (a) a small CDKTF app (the fixtures/example-fleet-cdktf sources) and
 * (b) the same app plus `count` ordinary .ts modules (imports, classes, long template strings,
 * a few mentioning "cdktf" in comments past the first 4 KiB), then runs the built CLI on each
 * (`scan --format json -q --fail-on never`) and prints the median wall time of each, with a
 * control run where the same unrelated files are named `.txt` (walker and head-read cost only).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist/cli/main.js');
const count = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 3);

function unrelated(i) {
  const pad = 'x'.repeat(4200); // pushes the late mention of cdktf past the detection head
  return `import { readFile } from 'node:fs/promises';
import { helper${(i + 1) % count} } from './mod${(i + 1) % count}';

export interface Item${i} { id: string; weight: number; tags: Record<string, string> }

export class Service${i} {
  private cache = new Map<string, Item${i}>();
  constructor(private readonly base: string) {}
  async load(id: string): Promise<Item${i} | undefined> {
    const text = await readFile(\`\${this.base}/\${id}.json\`, 'utf8');
    const item = JSON.parse(text) as Item${i};
    this.cache.set(id, item);
    return item;
  }
}

export function helper${i}(n: number): number {
  return n * ${i} + helper${(i + 1) % count}.length;
}
${i % 50 === 0 ? `const big = \`${pad}\`;\n// see import { App } from 'cdktf' (mentioned after the head)\nexport { big };\n` : ''}`;
}

function makeTree(withUnrelated, ext = 'ts') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faultline-cdktf-bench-'));
  cpSync(path.join(repo, 'fixtures/example-fleet-cdktf'), path.join(dir, 'infra'), { recursive: true });
  if (withUnrelated) {
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    for (let i = 0; i < count; i++) writeFileSync(path.join(dir, 'src', `mod${i}.${ext}`), unrelated(i));
  }
  return dir;
}

function once(dir, report) {
  const t = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [cli, 'scan', dir, '--root', dir, '--format', 'json', '-q', '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (report) {
    const j = JSON.parse(out);
    console.log(`  ${report}: ${j.findings.length} findings, ${j.findings.filter((f) => /\.ts$/.test(f.location.path)).length} in .ts`);
  }
  return ms;
}

/** Interleaved runs (one warm-up each), so machine noise hits every variant alike; medians. */
function timeAll(dirs) {
  dirs.forEach(([name, d]) => once(d, name));
  const samples = dirs.map(() => []);
  for (let r = 0; r < runs; r++) dirs.forEach(([, d], i) => samples[i].push(once(d)));
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

const small = makeTree(false);
const large = makeTree(true);
const control = makeTree(true, 'txt');
try {
  const [a, b, c] = timeAll([
    ['app alone', small],
    ['app + unrelated .ts', large],
    ['app + unrelated .txt', control],
  ]);
  console.log(`CDKTF app alone:                       ${a.toFixed(0)} ms (median of ${runs})`);
  console.log(`CDKTF app + ${count} unrelated .ts files: ${b.toFixed(0)} ms (median of ${runs})`);
  console.log(`control: same files as .txt:           ${c.toFixed(0)} ms (walking and head reads, no scanner claims them)`);
  console.log(`overhead: ${(b - a).toFixed(0)} ms total, ${((b - a) / count).toFixed(2)} ms per unrelated file; ${(b - c).toFixed(0)} ms of it due to their being .ts`);
} finally {
  rmSync(small, { recursive: true, force: true });
  rmSync(large, { recursive: true, force: true });
  rmSync(control, { recursive: true, force: true });
}
