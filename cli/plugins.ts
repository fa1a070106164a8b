/**
 * Loading rule plugins (ES modules exporting `rules: Rule[]`, or a default export with `rules`)
 * and compiling declarative policies from faultline.yaml.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../engine/config-load.js';
import { importModule } from '../engine/import-module.js';
import { compilePolicies } from '../engine/policy.js';
import type { Rule } from '../engine/rule-api.js';

type AnyRule = Rule<Record<string, unknown>>;

function isRule(x: unknown): x is AnyRule {
  const r = x as AnyRule;
  return !!r && typeof r === 'object' && !!r.meta && typeof r.meta.id === 'string' && (typeof r.checkDocument === 'function' || typeof r.checkScan === 'function');
}

export async function loadPlugins(modules: string[], policies: unknown[], source?: string): Promise<AnyRule[]> {
  const out: AnyRule[] = [];
  for (const m of modules) {
    let mod: Record<string, unknown>;
    try {
      mod = (await importModule(pathToFileURL(m).href)) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`plugin ${m} could not be loaded: ${(e as Error).message}`, source);
    }
    const rules = (mod.rules ?? (mod.default as { rules?: unknown } | undefined)?.rules) as unknown;
    if (!Array.isArray(rules) || !rules.every(isRule)) throw new ConfigError(`plugin ${m} must export \`rules\`: an array of rules ({ meta, checkDocument | checkScan })`, source);
    out.push(...rules);
  }
  out.push(...compilePolicies(policies, source));
  return out;
}
