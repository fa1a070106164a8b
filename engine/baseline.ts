/**
 * Baselines: adopt faultline on an existing fleet without fixing everything first. A baseline
 * file lists the fingerprints of accepted findings; those findings are reported as suppressed
 * (kind 'baseline') and only new ones fail the build. Fingerprints ignore line numbers, so the
 * baseline survives unrelated edits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Finding } from './finding.js';
import { ConfigError } from './config-load.js';

export interface BaselineEntry {
  rule: string;
  path: string;
  message: string;
  reason?: string;
}

export interface Baseline {
  version: 1;
  tool: 'faultline';
  findings: Record<string, BaselineEntry>;
}

export function loadBaseline(file: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read baseline: ${(e as Error).message}`, file);
  }
  const b = data as Partial<Baseline>;
  if (!b || b.tool !== 'faultline' || b.version !== 1 || typeof b.findings !== 'object' || b.findings === null) {
    throw new ConfigError('not a faultline baseline (expected {"tool":"faultline","version":1,"findings":{...}})', file);
  }
  return b as Baseline;
}

/** A baseline of every finding not otherwise suppressed. */
export function makeBaseline(findings: readonly Finding[], reason = 'accepted when the baseline was written'): Baseline {
  const out: Baseline = { version: 1, tool: 'faultline', findings: {} };
  for (const f of findings) {
    if (f.suppression && f.suppression.kind !== 'baseline') continue;
    out.findings[f.fingerprint] = { rule: f.ruleId, path: f.location.path, message: f.message, reason };
  }
  return out;
}

export function writeBaseline(file: string, baseline: Baseline): void {
  const sorted: Baseline = { ...baseline, findings: Object.fromEntries(Object.entries(baseline.findings).sort(([a], [b]) => (a < b ? -1 : 1))) };
  writeFileSync(file, JSON.stringify(sorted, null, 2) + '\n');
}
