import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError, parseConfig, precompiledValidator } from '../../engine/config-load.js';
import { validatorFor } from '../../engine/schema.js';

describe('faultline.yaml', () => {
  it('loads a full configuration', () => {
    const c = parseConfig(
      [
        'version: 1',
        'exclude: ["vendor/**"]',
        'failOn: warning',
        'rules:',
        '  FL104: off',
        '  preseed-update-policy: { severity: warning, options: { allow: [landscape] } }',
        'fleet:',
        '  regions:',
        '    eu1: { provider: aws, region: eu-west-1, paths: ["regions/eu1/**"] }',
        'waivers:',
        '  - { rule: FL103, paths: ["lab/**"], reason: lab machines, until: 2027-01-31 }',
      ].join('\n'),
      '/x/faultline.yaml',
    );
    expect(c.failOn).toBe('warning');
    expect(c.rules.FL104).toEqual({ enabled: false });
    expect(c.rules['preseed-update-policy'].options).toEqual({ allow: ['landscape'] });
    expect(c.fleet.regions.eu1.region).toBe('eu-west-1');
    expect(c.waivers[0].until).toBe('2027-01-31');
  });

  it('reports schema errors with the line they are on', () => {
    const text = 'version: 1\nfleet:\n  regions:\n    eu1:\n      zone: a\n';
    try {
      parseConfig(text, 'faultline.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).line).toBe(5);
      expect((e as Error).message).toMatch(/unknown key 'zone'/);
    }
  });

  it('rejects waivers without a reason and invalid YAML', () => {
    expect(() => parseConfig('waivers:\n  - rule: FL101\n', 'f.yaml')).toThrow(/reason/);
    expect(() => parseConfig('rules: [\n', 'f.yaml')).toThrow(/invalid YAML/);
  });
});

describe('the configuration validator compiled at build time', () => {
  const repo = path.resolve(import.meta.dirname, '..', '..');
  const built = path.join(repo, 'dist', 'engine', 'config-validator.cjs');
  const schemaText = readFileSync(path.join(repo, 'schemas', 'faultline-config.schema.json'), 'utf8');

  it('is used only for the schema it was compiled from', () => {
    expect(precompiledValidator(built, schemaText)).toBeTypeOf('function');
    expect(precompiledValidator(built, `${schemaText} `)).toBeUndefined();
    expect(precompiledValidator(path.join(repo, 'dist', 'engine', 'no-such-validator.cjs'), schemaText)).toBeUndefined();
  });

  it('gives what ajv compiling the schema at run time gives, errors included', () => {
    const pre = precompiledValidator(built, schemaText)!;
    const live = validatorFor(JSON.parse(schemaText) as object);
    const configs: unknown[] = [
      ...['example-fleet', 'example-fleet-remediated'].map((f) => parseDocument(readFileSync(path.join(repo, 'fixtures', f, 'faultline.yaml'), 'utf8')).toJS()),
      { version: 1, failOn: 'warning', rules: { FL104: 'off', 'preseed-update-policy': { severity: 'warning', options: { allow: ['landscape'] } } } },
      { version: 1, fleet: { regions: { eu1: { provider: 'aws', region: 'eu-west-1', paths: ['regions/eu1/**'] } }, clusters: { prod: { kubernetesVersion: '1.29' } } } },
      { version: 1, waivers: [{ rule: 'FL103', paths: ['lab/**'], reason: 'lab machines', until: '2027-03-31' }] },
      { version: 2 },
      { version: 1, colour: 'red' },
      { version: 1, failOn: 'sometimes' },
      { version: 1, rules: { FL104: 'loud' } },
      { version: 1, fleet: { regions: { eu1: { provider: 42 } } } },
      { version: 1, waivers: [{ rule: 'FL103' }] },
      { version: 1, limits: { maxFileBytes: -1 } },
    ];
    let invalid = 0;
    for (const c of configs) {
      const a = structuredClone(c);
      const b = structuredClone(c);
      const ok = pre(a);
      expect(ok, JSON.stringify(c)).toBe(live(b));
      expect(pre.errors ?? null, JSON.stringify(c)).toEqual(live.errors ?? null);
      expect(a).toEqual(b);
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThanOrEqual(6);
  });
});
