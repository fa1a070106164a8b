/**
 * Turning the rule catalog plus faultline.yaml into the rules that run, with validated options.
 */
import type { FaultlineConfig, RuleSetting } from './config.js';
import { ConfigError } from './config-load.js';
import type { Rule, RuleMeta, Severity } from './rule-api.js';
import { META_RULES } from './meta-rules.js';
import { errorsText, strictValidatorFor, validatorFor, type ErrorObject } from './schema.js';

export interface ActiveRule {
  rule: Rule<Record<string, unknown>>;
  /** Metadata with the effective severity. */
  meta: RuleMeta;
  options: Record<string, unknown>;
}

const ID = /^FL\d{3}$|^[A-Z][A-Z0-9]{1,9}-\d{1,4}$/;
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Check the catalog is coherent: unique stable IDs and names, and option schemas that compile in
 * ajv's strict mode and accept their rule's defaults. The schemas of `trusted` rules (the built-in
 * catalog, which test/rules/catalog.test.ts checks in full, including that its defaults are
 * complete) are not compiled again on every run: only plugin rules' are.
 */
export function validateCatalog(rules: readonly Rule<Record<string, unknown>>[], trusted?: ReadonlySet<Rule<Record<string, unknown>>>): void {
  const ids = new Set<string>(META_RULES.map((m) => m.id));
  const names = new Set<string>(META_RULES.map((m) => m.name));
  for (const r of rules) {
    const m = r.meta;
    if (!ID.test(m.id)) throw new ConfigError(`rule ${m.id}: ID must look like FL123 (built-in) or ACME-1 (plugins)`);
    if (!NAME.test(m.name)) throw new ConfigError(`rule ${m.id}: name '${m.name}' must be kebab-case`);
    if (ids.has(m.id)) throw new ConfigError(`rule ID ${m.id} is used twice`);
    if (names.has(m.name)) throw new ConfigError(`rule name ${m.name} is used twice`);
    ids.add(m.id);
    names.add(m.name);
    if (m.scope === 'document' && !r.checkDocument) throw new ConfigError(`rule ${m.id}: scope 'document' needs checkDocument`);
    if (m.scope === 'scan' && !r.checkScan) throw new ConfigError(`rule ${m.id}: scope 'scan' needs checkScan`);
    if (trusted?.has(r)) continue;
    try {
      const validate = strictValidatorFor(m.optionsSchema);
      const defaults = structuredClone(m.defaultOptions);
      if (!validate(defaults)) throw new Error(errorsText(validate.errors));
    } catch (e) {
      throw new ConfigError(`rule ${m.id}: invalid options schema or defaults: ${(e as Error).message}`);
    }
  }
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) =>
      e.keyword === 'additionalProperties'
        ? `${e.instancePath || 'options'}: unknown option '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : `${e.instancePath || 'options'} ${e.message}`,
    )
    .join('; ');
}

/** Look a rule up by ID or name. */
export function findRule<R extends { meta: RuleMeta }>(rules: readonly R[], ref: string): R | undefined {
  return rules.find((r) => r.meta.id === ref || r.meta.name === ref);
}

export interface ConfigureOptions {
  /** Only these rules (IDs or names), e.g. from --rule. */
  only?: string[];
  /** Extra disables, e.g. from --skip-rule. */
  skip?: string[];
  /**
   * Rules whose defaults are known to satisfy their schema (the built-in catalog; see
   * validateCatalog): with no options configured, their defaults are used without compiling the
   * schema. Options someone wrote are always validated.
   */
  trusted?: ReadonlySet<Rule<Record<string, unknown>>>;
}

export function configureRules(
  rules: readonly Rule<Record<string, unknown>>[],
  config: FaultlineConfig,
  opts: ConfigureOptions = {},
): ActiveRule[] {
  const known = [...rules.map((r) => r.meta), ...META_RULES];
  for (const key of Object.keys(config.rules)) {
    if (!findRule(known.map((meta) => ({ meta })), key)) {
      throw new ConfigError(`rules: unknown rule '${key}' (see \`faultline rules\` for the catalog)`, config.source);
    }
  }
  for (const ref of [...(opts.only ?? []), ...(opts.skip ?? [])]) {
    if (!findRule(known.map((meta) => ({ meta })), ref)) throw new ConfigError(`unknown rule '${ref}' (see \`faultline rules\`)`);
  }
  const settingFor = (m: RuleMeta): RuleSetting => ({ ...(config.rules[m.id] ?? {}), ...(config.rules[m.name] ?? {}) });
  const active: ActiveRule[] = [];
  for (const rule of rules) {
    const m = rule.meta;
    const s = settingFor(m);
    if (s.enabled === false) continue;
    if (opts.only?.length && !opts.only.some((r) => r === m.id || r === m.name)) continue;
    if (opts.skip?.some((r) => r === m.id || r === m.name)) continue;
    const options = { ...structuredClone(m.defaultOptions), ...(s.options ?? {}) };
    if (s.options !== undefined || !opts.trusted?.has(rule)) {
      const validate = validatorFor(m.optionsSchema);
      if (!validate(options)) {
        throw new ConfigError(`rules.${m.id} (${m.name}) options: ${describe(validate.errors)}`, config.source);
      }
    }
    const severity: Severity = s.severity ?? m.severity;
    active.push({ rule, meta: { ...m, severity }, options });
  }
  return active;
}

/** Effective metadata of the engine's own suppression rules under the config. */
export function metaRuleSettings(config: FaultlineConfig): RuleMeta[] {
  return META_RULES.filter((m) => (config.rules[m.id] ?? config.rules[m.name])?.enabled !== false).map((m) => {
    const s = config.rules[m.id] ?? config.rules[m.name];
    return { ...m, severity: s?.severity ?? m.severity };
  });
}
