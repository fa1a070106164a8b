// One measured scan, in its own process so peak RSS is the scan's own.
//   node bench/scan-child.mjs <root> full|floor [changedFile ...]
// full  = the real scan: every rule, JSON and SARIF rendered (what CI runs)
// floor = the same files through the same parsers (detect, parse, link), no rules, no reports
// BENCH_WORKERS=N parses in N worker threads (as `--jobs N`).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
// the CLI's process-wide GC setting, so this child measures what `faultline scan` does
(await import(path.join(dist, 'cli/heap.js'))).tuneHeap();
const { runScan } = await import(path.join(dist, 'engine/engine.js'));
const { allScanners } = await import(path.join(dist, 'scanners/index.js'));
const { builtinRules } = await import(path.join(dist, 'rules/index.js'));
const { configureRules, metaRuleSettings } = await import(path.join(dist, 'engine/rule-config.js'));
const { loadConfig } = await import(path.join(dist, 'engine/config-load.js'));
const { reporters } = await import(path.join(dist, 'reports/index.js'));

const [root, mode, ...changed] = process.argv.slice(2);
const t0 = performance.now();
const config = loadConfig(path.join(root, 'faultline.yaml'));
const rules = mode === 'floor' ? [] : configureRules(builtinRules, config);
const { result } = await runScan({
  root,
  config,
  scanners: allScanners,
  rules,
  metaRules: mode === 'floor' ? [] : metaRuleSettings(config),
  reportPaths: changed.length ? new Set(changed) : undefined,
  workers: Number(process.env.BENCH_WORKERS ?? 1),
  workerModule: path.join(dist, 'cli/parse-worker.js'),
  version: JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')).version,
  failOn: 'never',
});
let outBytes = 0;
if (mode !== 'floor') {
  outBytes += reporters.json(result, {}).length;
  outBytes += reporters.sarif(result, {}).length;
}
const ms = performance.now() - t0;
const byRule = {};
for (const f of result.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
process.stdout.write(
  JSON.stringify({
    ms,
    rssMB: process.resourceUsage().maxRSS / 1024,
    filesSeen: result.stats.filesSeen,
    filesScanned: result.stats.filesScanned,
    documents: result.stats.documents + result.stats.embeddedDocuments,
    findings: result.findings.length,
    byRule,
    outBytes,
  }) + '\n',
);
