import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../engine/config-load.js';

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
