/**
 * Scanning a set of files through the real pipeline (walker, scanners, link, rules, suppressions),
 * for rule and integration tests.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, type FaultlineConfig } from '../../engine/config.js';
import { parseConfig } from '../../engine/config-load.js';
import { runScan, type EngineOutput } from '../../engine/engine.js';
import { configureRules, metaRuleSettings } from '../../engine/rule-config.js';
import type { Rule } from '../../engine/rule-api.js';
import type { Finding } from '../../engine/finding.js';
import { allScanners } from '../../scanners/index.js';
import { builtinRules } from '../../rules/index.js';

export interface ScanFilesOptions {
  /** faultline.yaml text (placed at the root). */
  config?: string;
  rules?: Rule<Record<string, unknown>>[];
  only?: string[];
  today?: string;
  reportPaths?: string[];
}

export async function scanFiles(files: Record<string, string>, opts: ScanFilesOptions = {}): Promise<EngineOutput & { root: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'faultline-t-'));
  try {
    for (const [p, t] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), t);
    }
    const config: FaultlineConfig = opts.config ? parseConfig(opts.config, path.join(root, 'faultline.yaml')) : defaultConfig();
    const rules = configureRules(opts.rules ?? builtinRules, config, { only: opts.only });
    const out = await runScan({
      root,
      config,
      scanners: allScanners,
      rules,
      metaRules: metaRuleSettings(config),
      today: opts.today ?? '2026-11-21',
      reportPaths: opts.reportPaths ? new Set(opts.reportPaths) : undefined,
      version: '0.0.0-test',
      failOn: 'error',
    });
    return { ...out, root };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Compact view of a finding for assertions: `path:line:col-endLine:endCol RULE`. */
export function where(f: Finding): string {
  const r = f.location.range;
  return `${f.location.path}:${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column} ${f.ruleId}`;
}

export function active(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.suppression);
}
