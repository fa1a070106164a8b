/**
 * Finding, parsing and validating faultline.yaml.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { defaultConfig, type FaultlineConfig, type RuleSetting } from './config.js';
import type { Severity } from './rule-api.js';
import { packageFile } from './package-root.js';
import { validatorFor, type ErrorObject, type ValidateFunction } from './schema.js';

export const CONFIG_NAMES = ['faultline.yaml', 'faultline.yml', '.faultline.yaml', '.faultline.yml'];

/** A problem with the user's configuration or command line: exit code 2. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

/** The config file for a scan root: the first of CONFIG_NAMES found from `start` upward, stopping at a git root. */
export function findConfig(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    for (const n of CONFIG_NAMES) {
      const p = path.join(dir, n);
      if (existsSync(p)) return p;
    }
    if (existsSync(path.join(dir, '.git'))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let configValidator: ValidateFunction | undefined;

function configSchemaText(): string {
  return readFileSync(packageFile('schemas', 'faultline-config.schema.json'), 'utf8');
}

export function configSchema(): object {
  return JSON.parse(configSchemaText()) as object;
}

/**
 * The validator ajv's standalone code generation wrote at build time (`file`, by
 * scripts/bundle.mjs), when the schema hash on its first line is this schema's: compiling the
 * schema at run time took 35–50 ms of every run. Undefined when it is missing or stale.
 */
export function precompiledValidator(file: string, schemaText: string): ValidateFunction | undefined {
  let head: string;
  try {
    head = readFileSync(file, 'utf8').slice(0, 120);
  } catch {
    return undefined;
  }
  const hash = createHash('sha256').update(schemaText).digest('hex');
  if (!head.startsWith(`// schema sha256:${hash} `)) return undefined;
  const m = createRequire(import.meta.url)(file) as ValidateFunction | { default?: ValidateFunction };
  return typeof m === 'function' ? m : m.default;
}

function validator(): ValidateFunction {
  if (!configValidator) {
    const text = configSchemaText();
    configValidator = precompiledValidator(fileURLToPath(new URL('./config-validator.cjs', import.meta.url)), text) ?? validatorFor(JSON.parse(text) as object);
  }
  return configValidator;
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties') return `${where}: unknown key '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'enum') return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** Parse and validate config text. Throws ConfigError with the file and line of the first problem. */
export function parseConfig(text: string, file: string): FaultlineConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = lineCounter.linePos(err.pos[0]).line;
    throw new ConfigError(`invalid YAML: ${err.message.split('\n')[0]}`, file, line);
  }
  const data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError('the configuration must be a mapping', file, 1);
  const validate = validator();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // The most specific error first: oneOf failures are noise when a branch error explains them.
    const e = errors.find((x) => x.keyword !== 'oneOf') ?? errors[0];
    const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const node = doc.getIn(segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), true);
    const line = isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
    throw new ConfigError(describeAjvError(e), file, line);
  }
  const cfg = defaultConfig();
  cfg.source = file;
  if (Array.isArray(data.include)) cfg.include = data.include as string[];
  if (Array.isArray(data.exclude)) cfg.exclude = data.exclude as string[];
  if (typeof data.gitignore === 'boolean') cfg.gitignore = data.gitignore;
  if (typeof data.failOn === 'string') cfg.failOn = data.failOn as Severity | 'never';
  if (data.rules) {
    for (const [k, v] of Object.entries(data.rules as Record<string, unknown>)) {
      let setting: RuleSetting;
      if (v === 'off') setting = { enabled: false };
      else if (v === 'on') setting = { enabled: true };
      else if (typeof v === 'string') setting = { enabled: true, severity: v as Severity };
      else setting = v as RuleSetting;
      cfg.rules[k] = setting;
    }
  }
  if (data.fleet) {
    const f = data.fleet as FaultlineConfig['fleet'];
    cfg.fleet = { regions: f.regions ?? {}, images: f.images, clusters: f.clusters };
  }
  if (Array.isArray(data.waivers)) {
    for (const w of data.waivers as FaultlineConfig['waivers']) {
      if (w.until && Number.isNaN(Date.parse(w.until))) throw new ConfigError(`waiver for ${w.rule}: 'until' is not a real date: ${w.until}`, file);
    }
    cfg.waivers = data.waivers as FaultlineConfig['waivers'];
  }
  if (Array.isArray(data.plugins)) cfg.plugins = (data.plugins as string[]).map((p) => path.resolve(path.dirname(file), p));
  if (Array.isArray(data.policies)) cfg.policies = data.policies as unknown[];
  if (data.limits) cfg.limits = data.limits as FaultlineConfig['limits'];
  return cfg;
}

export function loadConfig(file: string): FaultlineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
  return parseConfig(text, file);
}
