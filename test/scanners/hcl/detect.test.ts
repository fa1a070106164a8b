import { describe, expect, it } from 'vitest';
import { hclScanner, classifyHclPath, hasTopLevelKey } from '../../../scanners/hcl/index.js';

const detect = (path: string, head = '') => hclScanner.detect({ path, head });

describe('detect', () => {
  it('recognises Terraform files', () => {
    expect(detect('main.tf')).toBe('terraform');
    expect(detect('infra/net/main.tf.json', '{}')).toBe('terraform');
    expect(detect('terraform.tfvars')).toBe('terraform');
    expect(detect('env/prod.auto.tfvars')).toBe('terraform');
    expect(detect('env/x.auto.tfvars.json', '{}')).toBe('terraform');
    expect(detect('mod/main.tofu')).toBe('terraform');
  });

  it('recognises Packer files, including legacy JSON templates', () => {
    expect(detect('images/ubuntu.pkr.hcl')).toBe('packer');
    expect(detect('images/ubuntu.pkr.json', '{}')).toBe('packer');
    expect(detect('images/vars.auto.pkrvars.hcl')).toBe('packer');
    expect(detect('images/legacy.json', '{\n  "variables": {"a": "b"},\n  "builders": [{"type": "amazon-ebs"}]\n}')).toBe('packer');
    expect(detect('images/legacy.json', '\uFEFF{"builders": []}')).toBe('packer');
  });

  it('gives the syntax of each kind of file', () => {
    expect(classifyHclPath('a/terraform.tfvars')).toMatchObject({ format: 'terraform', syntax: 'tfvars', flavor: 'native' });
    expect(classifyHclPath('a/b.tfvars.json')).toMatchObject({ format: 'terraform', syntax: 'tfvars', flavor: 'tfvars' });
    expect(classifyHclPath('a/main.tf.json')).toMatchObject({ syntax: 'json', flavor: 'terraform' });
    expect(classifyHclPath('a/x.pkr.json')).toMatchObject({ format: 'packer', syntax: 'json', flavor: 'packer' });
    expect(classifyHclPath('a/x.pkr.hcl')).toMatchObject({ format: 'packer', grammar: 'hcl' });
    expect(classifyHclPath('a/main.tf')).toMatchObject({ grammar: 'terraform' });
  });

  it('near misses are not HCL', () => {
    expect(detect('package.json', '{"name": "x", "builders": 1}')).toBe('packer'); // top-level builders key: a Packer template by definition
    expect(detect('package.json', '{"name": "x", "scripts": {"builders": "y"}}')).toBeUndefined();
    expect(detect('x.json', '{"a": {"builders": []}}')).toBeUndefined();
    expect(detect('x.json', '["builders"]')).toBeUndefined();
    expect(detect('x.json', '{"a": "builders"}')).toBeUndefined();
    expect(detect('x.json', '{"a": ["x", {"builders": 1}], "b": 2}')).toBeUndefined();
    expect(detect('terraform.tfstate', '{"version": 4}')).toBeUndefined();
    expect(detect('main.tf.bak')).toBeUndefined();
    expect(detect('config.hcl')).toBeUndefined();
    expect(detect('Dockerfile')).toBeUndefined();
    expect(detect('x.json', '')).toBeUndefined();
    expect(detect('x.json', '{"builders"')).toBeUndefined(); // truncated head: no ':' seen
  });

  it('hasTopLevelKey copes with escapes and nesting', () => {
    expect(hasTopLevelKey('{"a\\"b": {"builders": 1}, "builders": []}', 'builders')).toBe(true);
    expect(hasTopLevelKey('{"x": "\\"builders\\": "}', 'builders')).toBe(false);
    expect(hasTopLevelKey('  {  "builders"  :  [] }', 'builders')).toBe(true);
  });
});
