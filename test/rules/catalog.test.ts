/**
 * Meta-tests: every rule is complete — stable ID and name, docs page with the required sections,
 * a test file that names it, an options schema that compiles and accepts its defaults.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRules } from '../../rules/index.js';
import { META_RULES } from '../../engine/meta-rules.js';
import { configureRules, validateCatalog } from '../../engine/rule-config.js';
import { defaultConfig } from '../../engine/config.js';
import { validatorFor } from '../../engine/schema.js';

const metas = [...builtinRules.map((r) => r.meta), ...META_RULES];
const testText = readdirSync('test', { recursive: true })
  .filter((f) => String(f).endsWith('.test.ts'))
  .map((f) => readFileSync(path.join('test', String(f)), 'utf8'))
  .join('\n');

describe('rule catalog', () => {
  it('is coherent: unique IDs and names, compilable schemas', () => {
    expect(() => validateCatalog(builtinRules)).not.toThrow();
  });

  // The CLI trusts the built-in catalog (validateCatalog skips its schemas, configureRules uses the
  // defaults of an unconfigured rule as they are): that is only right if the defaults already hold
  // every `default` the schema would fill in.
  it.each(builtinRules.map((r) => [r.meta.id, r.meta] as const))('%s declares every schema default in defaultOptions', (_id, m) => {
    const filled = structuredClone(m.defaultOptions);
    expect(validatorFor(m.optionsSchema)(filled)).toBe(true);
    expect(filled).toEqual(m.defaultOptions);
  });

  it('trusting the catalog gives the same options as validating it', () => {
    const trusted = new Set(builtinRules);
    const viaDefaults = configureRules(builtinRules, defaultConfig(), { trusted }).map((a) => [a.meta.id, a.options]);
    const validated = configureRules(builtinRules, defaultConfig()).map((a) => [a.meta.id, a.options]);
    expect(viaDefaults).toEqual(validated);
  });

  it('still validates options someone wrote for a trusted rule', () => {
    const cfg = defaultConfig();
    cfg.rules.FL101 = { enabled: true, options: { noSuchOption: 1 } };
    expect(() => configureRules(builtinRules, cfg, { trusted: new Set(builtinRules) })).toThrow(/unknown option 'noSuchOption'/);
  });

  it.each(metas.map((m) => [m.id, m] as const))('%s has a complete docs page', (_id, m) => {
    expect(m.docs).toBe(`docs/rules/${m.name}.md`);
    expect(existsSync(m.docs)).toBe(true);
    const doc = readFileSync(m.docs, 'utf8');
    expect(doc.startsWith(`# ${m.id} ${m.name}\n`)).toBe(true);
    for (const section of ['## What it finds', '## Why it matters', '## How to fix', '## How to suppress', '## Options']) {
      expect(doc, `${m.docs} lacks "${section}"`).toContain(section);
    }
    // every option the schema accepts is explained in the Options section
    const options = doc.slice(doc.indexOf('## Options'));
    for (const name of Object.keys((m.optionsSchema as { properties?: Record<string, unknown> }).properties ?? {})) {
      expect(options, `${m.docs} does not document option ${name}`).toContain(`\`${name}\``);
    }
  });

  it.each(builtinRules.map((r) => [r.meta.id, r.meta] as const))('%s has tests and honest metadata', (id, m) => {
    expect(testText).toMatch(new RegExp(`describe\\('${id} ${m.name}`));
    expect(m.description.length).toBeGreaterThan(40);
    expect(m.rationale.length).toBeGreaterThan(40);
    expect(m.remediation.length).toBeGreaterThan(20);
    expect(Object.keys(m.messages).length).toBeGreaterThan(0);
  });
});

describe('generated catalog page', () => {
  it('docs/rules/README.md matches `faultline rules --format markdown`', async () => {
    const { catalogMarkdown } = await import('../../cli/catalog.js');
    const sorted = [...metas].sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = readFileSync('docs/rules/README.md', 'utf8');
    expect(page.endsWith(catalogMarkdown(sorted)), 'regenerate docs/rules/README.md (see its first line)').toBe(true);
  });
});
