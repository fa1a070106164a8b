import { describe, expect, it } from 'vitest';
import { active, scanFiles, where } from '../helpers/scan.js';
import { defineRule, type Rule } from '../../engine/rule-api.js';

const CLOUD = '#cloud-config\npackage_upgrade: true\n';

describe('suppressions through the whole pipeline', () => {
  it('an inline comment inside a Terraform heredoc waives the embedded finding', async () => {
    const tf = [
      'resource "aws_launch_template" "n" {',
      '  user_data = <<-EOT',
      '    #cloud-config',
      '    # faultline-ignore FL104 -- nodes are single-use CI runners',
      '    package_upgrade: true',
      '  EOT',
      '}',
      '',
    ].join('\n');
    const { result } = await scanFiles({ 'main.tf': tf });
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0];
    expect(where(f)).toBe('main.tf:5:5-5:26 FL104');
    expect(f.suppression).toMatchObject({ kind: 'inline', reason: 'nodes are single-use CI runners' });
    expect(result.stats.suppressed).toBe(1);
  });

  it('an expired waiver reports the finding again plus FL002 at the waiver', async () => {
    const { result } = await scanFiles({ 'user-data': `#cloud-config\n# faultline-ignore FL104 -- migration until 2026-01-31\npackage_upgrade: true\n` });
    expect(active(result.findings).map(where)).toEqual(['user-data:2:1-2:55 FL002', 'user-data:3:1-3:22 FL104']);
    const expired = result.findings.find((f) => f.ruleId === 'FL002')!;
    expect(expired.message).toMatch(/expired on 2026-01-31/);
    expect(expired.related[0].path).toBe('user-data');
  });

  it('a waiver without a reason is invalid (FL001) and does not suppress', async () => {
    const { result } = await scanFiles({ 'user-data': `#cloud-config\npackage_upgrade: true # faultline-ignore FL104\n` });
    expect(active(result.findings).map((f) => f.ruleId)).toEqual(['FL104', 'FL001']);
    expect(result.findings.find((f) => f.ruleId === 'FL001')!.message).toMatch(/has no reason/);
  });

  it('reports unknown rules and unused suppressions', async () => {
    const { result } = await scanFiles({
      'a.yaml': '#cloud-config\n# faultline-ignore FL999 -- typo\npackage_upgrade: false\n',
      'b.yaml': '#cloud-config\n# faultline-ignore FL104 -- not needed\npackage_upgrade: false\n',
    });
    expect(result.findings.map((f) => `${f.location.path} ${f.ruleId} ${f.message}`)).toEqual([
      "a.yaml FL001 This suppression is ignored: it names unknown rule 'FL999'.",
      'b.yaml FL003 This suppression of FL104 matches no finding.',
    ]);
  });

  it('config waivers match by rule name and path glob', async () => {
    const config = 'waivers:\n  - rule: cloud-init-package-upgrade\n    paths: ["lab/**"]\n    reason: lab machines\n';
    const { result } = await scanFiles({ 'lab/user-data': CLOUD, 'prod/user-data': CLOUD }, { config });
    expect(result.findings.map((f) => `${f.location.path} ${f.suppression?.kind ?? '-'}`)).toEqual(['lab/user-data config', 'prod/user-data -']);
  });

  it('Kubernetes annotations suppress findings inside their object', async () => {
    const rules = (await import('../../rules/index.js')).builtinRules;
    // A declarative policy gives us a Kubernetes finding without depending on other rule families.
    const config = [
      'policies:',
      '  - id: ACME-1',
      '    name: no-latest',
      '    title: Images are pinned',
      '    severity: error',
      '    formats: [kubernetes]',
      '    select: spec.template.spec.containers[*].image',
      "    when: { matches: ':latest$' }",
      "    message: 'image {value} is not pinned'",
    ].join('\n');
    const { compilePolicies } = await import('../../engine/policy.js');
    const { parseConfig } = await import('../../engine/config-load.js');
    const policies = compilePolicies(parseConfig(config, 'faultline.yaml').policies);
    const deploy = (name: string, ann: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${ann}spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:latest\n`;
    const { result } = await scanFiles(
      {
        'k8s.yaml':
          deploy('a', '  annotations:\n    ignore.faultline.dev/ACME-1: "vendor chart, pinned by digest upstream"\n') + '---\n' + deploy('b', ''),
      },
      { config, rules: [...rules, ...policies] },
    );
    expect(result.findings.map((f) => `${f.resource} ${f.suppression?.kind ?? '-'} ${f.location.range.start.line}`)).toEqual([
      'Deployment/a annotation 12',
      'Deployment/b - 23',
    ]);
  });

  it('fingerprints survive unrelated lines inserted above, and baselines use them', async () => {
    const a = await scanFiles({ 'user-data': CLOUD });
    const b = await scanFiles({ 'user-data': '#cloud-config\n# a comment\nhostname: x\n\npackage_upgrade: true\n' });
    expect(a.result.findings[0].location.range.start.line).toBe(2);
    expect(b.result.findings[0].location.range.start.line).toBe(5);
    expect(b.result.findings[0].fingerprint).toBe(a.result.findings[0].fingerprint);
    const c = await scanFiles({ 'other/user-data': CLOUD });
    expect(c.result.findings[0].fingerprint).not.toBe(a.result.findings[0].fingerprint);
  });

  it('changed-files mode parses everything but reports only findings touching the changed files', async () => {
    const files = { 'a/user-data': CLOUD, 'b/user-data': CLOUD };
    const { result } = await scanFiles(files, { reportPaths: ['b/user-data'] });
    expect(result.findings.map((f) => f.location.path)).toEqual(['b/user-data']);
  });

  it('changed-files mode reports what a full scan reports on the changed files, waivers and their meta findings included', async () => {
    const config = [
      'waivers:',
      '  - { rule: FL104, paths: ["a/**"], reason: legacy fleet, until: "2020-01-01" }',
      '  - { rule: FL104, paths: ["c/**"], reason: replaced next quarter, until: "2999-01-01" }',
      '',
    ].join('\n');
    const files = {
      'faultline.yaml': config,
      'a/user-data': CLOUD,
      'b/user-data': '#cloud-config\n# faultline-ignore FL104 -- single-use runners\npackage_upgrade: true\n',
      'c/user-data': CLOUD,
      'd/user-data': '#cloud-config\n# faultline-ignore FL101 -- nothing to waive here\npackage_upgrade: false\n',
    };
    const show = (fs: { ruleId: string; location: { path: string; range: { start: { line: number } } }; suppression?: { kind: string }; fingerprint: string }[]) =>
      fs.map((f) => `${f.ruleId} ${f.location.path}:${f.location.range.start.line} ${f.suppression?.kind ?? 'active'} ${f.fingerprint}`);
    const full = (await scanFiles(files, { config, today: '2026-11-21' })).result;
    // the full scan has each kind: an expired config waiver (FL002 on faultline.yaml), a valid one, an inline one, an unused one
    expect(show(full.findings).map((x) => x.split(' ').slice(0, 3).join(' ')).sort()).toEqual([
      'FL002 faultline.yaml:2 active',
      'FL003 d/user-data:2 active',
      'FL104 a/user-data:2 active',
      'FL104 b/user-data:3 inline',
      'FL104 c/user-data:2 config',
    ]);
    for (const changed of [['faultline.yaml'], ['a/user-data'], ['b/user-data'], ['c/user-data'], ['d/user-data'], ['faultline.yaml', 'c/user-data']]) {
      const touches = (f: (typeof full.findings)[number]) => changed.includes(f.location.path) || f.related.some((r) => changed.includes(r.path));
      const { result } = await scanFiles(files, { config, today: '2026-11-21', reportPaths: changed });
      expect(show(result.findings), changed.join(' ')).toEqual(show(full.findings.filter(touches)));
    }
  });

  it('changed-files mode still reports an internal error on an unchanged file (a finding on a changed one may be missing)', async () => {
    const crash = defineRule({
      meta: { id: 'T002', name: 'crash', title: 'crash', family: 'auto-update', severity: 'info', description: '', rationale: '', remediation: '', formats: ['cloud-config'], scope: 'document', messages: { m: 'm' }, optionsSchema: {}, defaultOptions: {}, docs: '' },
      checkDocument(doc) {
        if (doc.file.startsWith('a/')) throw new Error('boom');
      },
    });
    const { result } = await scanFiles({ 'a/user-data': CLOUD, 'b/user-data': CLOUD }, { reportPaths: ['b/user-data'], rules: [crash as unknown as Rule<Record<string, unknown>>] });
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['internal-error a/user-data']);
  });
});
