// Scan every directory of the labelled corpus by itself and compare findings per file to labels.
// Usage: node bench/corpus.mjs [corpusDir]   (prints a table; exits 1 on any internal error)
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const corpus = path.resolve(process.argv[2] ?? '../shared/corpus');
const labels = JSON.parse(readFileSync(path.join(corpus, 'labels.json'), 'utf8'));
const cli = path.resolve('dist/cli/main.js');
const RULE_LABEL = {
  // rule family → corpus label
  'auto-update': 'auto-update-enabled',
  schedule: 'synchronized-schedule',
  networking: 'networkd-foreign-routes',
};
const byRule = (meta) => meta;
let internal = 0;
const dirs = [...new Set(labels.map((l) => l.dir))];
const findingsByFile = new Map();
const diagsByFile = new Map();
let rules = [];
for (const d of dirs) {
  const root = path.join(corpus, d);
  const r = spawnSync(process.execPath, [cli, 'scan', '.', '--root', root, '-f', 'json', '-q', '--fail-on', 'never'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.log(`!! ${d}: exit ${r.status}\n${r.stderr}`);
    internal++;
    continue;
  }
  const j = JSON.parse(r.stdout);
  rules = j.rules;
  for (const f of j.findings) {
    const k = `${d}/${f.location.path}`;
    (findingsByFile.get(k) ?? findingsByFile.set(k, []).get(k)).push(f);
  }
  for (const x of j.diagnostics) {
    if (x.code === 'internal-error') internal++;
    const k = `${d}/${x.path}`;
    (diagsByFile.get(k) ?? diagsByFile.set(k, []).get(k)).push(x);
  }
}
const ruleFamily = Object.fromEntries(rules.map((r) => [r.id, r.family]));
const LABEL_OF_RULE = (id, name) => {
  if (/prestop-exceeds|hook-outlasts/.test(name)) return 'prestop-exceeds-grace';
  if (/prestop/.test(name)) return 'missing-prestop';
  if (/sidecar|proxy|envoy|concurrency/.test(name)) return 'undersized-sidecar-cpu';
  const fam = ruleFamily[id];
  if (fam === 'auto-update') return 'auto-update-enabled';
  if (fam === 'schedule') return 'synchronized-schedule';
  if (fam === 'networking') return 'networkd-foreign-routes';
  return undefined;
};
let tp = 0, fp = 0, fn = 0;
for (const l of labels) {
  const k = `${l.dir}/${l.path}`;
  const fs = (findingsByFile.get(k) ?? []).filter((f) => !f.suppressed);
  const got = new Set(fs.map((f) => LABEL_OF_RULE(f.ruleId, f.ruleName)).filter(Boolean));
  const want = new Set(l.expected.filter((e) => e !== 'none' && !e.endsWith('?')));
  const maybe = new Set(l.expected.filter((e) => e.endsWith('?')).map((e) => e.slice(0, -1)));
  const marks = [];
  for (const w of want) if (got.has(w)) (tp++, marks.push(`+${w}`)); else (fn++, marks.push(`MISS ${w}`));
  for (const g of got) if (!want.has(g) && !maybe.has(g)) (fp++, marks.push(`FP ${g}`));
  const diags = (diagsByFile.get(k) ?? []).map((x) => x.code);
  console.log(`${marks.join(' ').padEnd(40)} ${diags.length ? '[' + diags.join(',') + '] ' : ''}${k}`);
}
console.log(`\ncorpus: ${labels.length} labelled files, TP ${tp}, FP ${fp}, FN ${fn}, internal errors ${internal}`);
process.exitCode = internal ? 1 : 0;
