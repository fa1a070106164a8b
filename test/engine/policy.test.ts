import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicies, parseSelect } from '../../engine/policy.js';
import { parseConfig } from '../../engine/config-load.js';
import { loadPlugins } from '../../cli/plugins.js';
import { scanFiles, where } from '../helpers/scan.js';

function policies(yaml: string) {
  const cfg = parseConfig(yaml, 'faultline.yaml');
  return { cfg: yaml, rules: compilePolicies(cfg.policies) };
}

const P = (extra: string) =>
  ['policies:', '  - id: ACME-1', '    name: acme-check', '    title: An organisation check', '    severity: warning', "    message: 'found {value}'", ...extra.split('\n').map((l) => '    ' + l)].join('\n');

describe('declarative policies', () => {
  it('parses select paths', () => {
    expect(parseSelect('spec.template.spec.containers[*].image')).toEqual(['spec', 'template', 'spec', 'containers', '*', 'image']);
    expect(parseSelect('write_files[0].path')).toEqual(['write_files', 0, 'path']);
  });

  it('select into systemd units, apt keys and preseed questions', async () => {
    const p = policies(P('formats: [systemd-unit, apt-conf, preseed]\nselect: Timer.RandomizedDelaySec\nwhen: { present: true }'));
    const { result } = await scanFiles({ 'x.timer': '[Timer]\nOnCalendar=daily\nRandomizedDelaySec=5m\n' }, { config: p.cfg, rules: p.rules });
    expect(result.findings.map(where)).toEqual(['x.timer:3:20-3:22 ACME-1']);
    const a = policies(P('formats: [apt-conf]\nselect: APT::Periodic::Unattended-Upgrade\nwhen: { equals: "1" }'));
    const r2 = await scanFiles({ 'etc/apt/apt.conf.d/20auto-upgrades': 'APT::Periodic { Unattended-Upgrade "1"; };\n' }, { config: a.cfg, rules: a.rules });
    expect(r2.result.findings.map((f) => f.message)).toEqual(['found 1']);
  });

  it('select into evaluated Terraform attributes with label wildcards', async () => {
    const p = policies(P('formats: [terraform]\nselect: resource.aws_instance.*.instance_type\nwhen: { matches: "^t2\\\\." }'));
    const tf = 'locals { size = "t2.micro" }\nresource "aws_instance" "a" {\n  instance_type = local.size\n}\nresource "aws_instance" "b" {\n  instance_type = "m6i.large"\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf }, { config: p.cfg, rules: p.rules });
    expect(result.findings.map((f) => f.message)).toEqual(['found t2.micro']);
  });

  it('absent reports at the closest enclosing place, per Kubernetes kind', async () => {
    const p = policies(P('formats: [kubernetes]\nkinds: [Deployment]\nselect: spec.template.spec.priorityClassName\nwhen: { absent: true }'));
    const y = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\nspec:\n  template:\n    spec:\n      containers: []\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: b }\nspec: {}\n';
    const { result } = await scanFiles({ 'k.yaml': y }, { config: p.cfg, rules: p.rules });
    expect(result.findings.map((f) => `${f.resource} ${f.location.range.start.line}`)).toEqual(['Deployment/a 6']);
  });

  it('rejects invalid policies with their index', () => {
    expect(() => compilePolicies(parseConfig(P('formats: [kubernetes]\nselect: x\nwhen: { equals: 1, matches: "a" }'), 'f').policies)).toThrow(/policies\[0\]/);
    expect(() => compilePolicies(parseConfig(P('formats: [kubernetes]\nselect: x\nwhen: { matches: "(" }'), 'f').policies)).toThrow(/invalid regular expression/);
    expect(() => compilePolicies([{ id: 'FL1', name: 'x', title: 'abc', severity: 'error', formats: ['yaml'], select: 'a', when: { present: true }, message: 'm' }])).toThrow(/policies\[0\]\/id/);
  });
});

describe('rule plugins', () => {
  it('loads a JavaScript module exporting rules, and rejects one that does not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'faultline-plugin-'));
    try {
      const good = path.join(dir, 'good.mjs');
      writeFileSync(
        good,
        `export const rules = [{ meta: { id: 'ACME-7', name: 'no-hostname', title: 'No hostname', family: 'policy', severity: 'info', description: 'x'.repeat(50), rationale: 'y'.repeat(50), remediation: 'z'.repeat(30), formats: ['cloud-config'], scope: 'document', messages: { m: 'hostname {h}' }, optionsSchema: { type: 'object' }, defaultOptions: {}, docs: 'docs/x.md' },
          checkDocument(doc, ctx) { const e = doc.model.root?.entries?.find((e) => e.key === 'hostname'); if (e) ctx.report({ messageId: 'm', data: { h: e.value.value }, loc: e.keyLoc }); } }];\n`,
      );
      const rules = await loadPlugins([good], []);
      const { result } = await scanFiles({ 'user-data': '#cloud-config\nhostname: node-1\n' }, { rules });
      expect(result.findings.map((f) => `${where(f)} ${f.message}`)).toEqual(['user-data:2:1-2:9 ACME-7 hostname node-1']);
      const bad = path.join(dir, 'bad.mjs');
      writeFileSync(bad, 'export const rules = [{}];\n');
      await expect(loadPlugins([bad], [])).rejects.toThrow(/must export `rules`/);
      await expect(loadPlugins([path.join(dir, 'missing.mjs')], [])).rejects.toThrow(/could not be loaded/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
