import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderJson, type JsonReport } from '../../reports/json.js';
import { cleanResult, findingsResult, ROOT, shuffled } from './fixture.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/faultline-report.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(schema);

function expectValid(doc: unknown): void {
  const ok = validate(doc);
  expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
  expect(ok).toBe(true);
}

describe('JSON report', () => {
  const text = renderJson(findingsResult(), {});
  const report = JSON.parse(text) as JsonReport;

  it('validates against schemas/faultline-report.schema.json (findings, clean, with category)', () => {
    expectValid(report);
    expectValid(JSON.parse(renderJson(cleanResult(), {})));
    expectValid(JSON.parse(renderJson(findingsResult(), { category: 'fleet/prod' })));
  });

  it('the schema is not vacuous: it rejects broken reports', () => {
    const abs = structuredClone(report);
    abs.findings[0].location.path = `${ROOT}/clusters/prod-eu/nodepool.tf`;
    expect(validate(abs)).toBe(false);
    const extra = structuredClone(report) as unknown as Record<string, unknown>;
    extra.root = ROOT;
    expect(validate(extra)).toBe(false);
    const inconsistent = structuredClone(report);
    delete inconsistent.findings.find((f) => f.suppressed)!.suppression;
    expect(validate(inconsistent)).toBe(false);
    const badSeverity = structuredClone(report) as unknown as { findings: { severity: string }[] };
    badSeverity.findings[0].severity = 'critical';
    expect(validate(badSeverity)).toBe(false);
  });

  it('has the documented top-level shape, in a fixed key order', () => {
    expect(Object.keys(report)).toEqual([
      'schemaVersion',
      'tool',
      'startedAt',
      'finishedAt',
      'failOn',
      'summary',
      'findings',
      'diagnostics',
      'rules',
    ]);
    expect(report.schemaVersion).toBe('1');
    expect(report.tool).toEqual({ name: 'faultline', version: '0.1.0', informationUri: 'https://github.com/faultline-dev/faultline' });
    expect(Object.keys(JSON.parse(renderJson(findingsResult(), { category: 'fleet' })))).toContain('category');
  });

  it('contains no absolute path at all', () => {
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain('/home/');
    expect('root' in report).toBe(false);
    // Even if the engine handed over root-prefixed paths, they come out relative.
    const r = findingsResult();
    r.findings[0].location.path = `${ROOT}/${r.findings[0].location.path}`;
    r.diagnostics[0].path = `${ROOT}/${r.diagnostics[0].path}`;
    expect(renderJson(r, {})).toBe(text);
  });

  it('summarises counts by severity, suppressed, files, and the failOn verdict', () => {
    expect(report.summary).toEqual({
      findings: 5,
      bySeverity: { error: 2, warning: 2, info: 1 },
      suppressed: 2,
      diagnostics: 3,
      failed: true,
      files: { seen: 57, scanned: 48, skipped: 9 },
      documents: 133,
      embeddedDocuments: 21,
      durationMs: 1434,
    });
    const clean = JSON.parse(renderJson(cleanResult(), {})) as JsonReport;
    expect(clean.summary.findings).toBe(0);
    expect(clean.summary.failed).toBe(false);
    expect(clean.findings).toEqual([]);
    expect(clean.diagnostics).toEqual([]);
  });

  it('includes suppressed findings with their suppression', () => {
    const suppressed = report.findings.filter((f) => f.suppressed);
    expect(suppressed.map((f) => f.ruleId)).toEqual(['FL050', 'FL021']);
    expect(suppressed[1].suppression).toEqual({
      kind: 'inline',
      reason: 'Drained by the payments-gateway controller before SIGTERM',
      until: '2026-12-31',
      location: {
        path: 'k8s/shop/payments.yaml',
        range: { start: { line: 3, column: 5 }, end: { line: 3, column: 55 } },
        snippet: '    # faultline-disable FL021 -- drained by controller',
      },
    });
    expect(report.findings.filter((f) => !f.suppressed).every((f) => !('suppression' in f))).toBe(true);
  });

  it('keeps related locations, embedding and fingerprints', () => {
    const sched = report.findings.find((f) => f.ruleId === 'FL014')!;
    expect(Object.keys(sched)).toEqual([
      'ruleId',
      'ruleName',
      'severity',
      'message',
      'location',
      'resource',
      'related',
      'embedding',
      'fingerprint',
      'suppressed',
    ]);
    expect(sched.related.map((r) => `${r.path}:${r.range.start.line}:${r.range.start.column} ${r.message}`)).toEqual([
      'clusters/prod-us/user_data.tf:31:7 prod-us upgrades at the same time.',
      'clusters/prod-ap (legacy)/user_data.tf:29:7 prod-ap upgrades at the same time.',
    ]);
    expect(sched.embedding).toEqual(['user_data', 'MIME part 2 (text/cloud-config)', 'write_files[0] /etc/systemd/system/apt-daily-upgrade.timer']);
    expect(sched.fingerprint).toBe('9b0e77aa01c3d5f2');
  });

  it('sorts findings, diagnostics and rules', () => {
    expect(report.findings.map((f) => `${f.location.path}:${f.location.range.start.line}`)).toEqual([
      'clusters/prod-eu/nodepool.tf:14',
      'clusters/prod-eu/user_data.tf:31',
      'hosts/base/10-eth0.network:5',
      'k8s/search/deploy.yaml:12',
      'k8s/shop/cart.yaml:18',
      'k8s/shop/cart.yaml:42',
      'k8s/shop/payments.yaml:20',
    ]);
    expect(report.diagnostics.map((d) => d.path)).toEqual(['.faultline.yaml', 'charts/shop/templates/deploy.yaml', 'k8s/broken.yaml']);
    expect(report.rules.map((r) => r.id)).toEqual(['FL001', 'FL014', 'FL021', 'FL031', 'FL040', 'FL050']);
    expect(report.rules[0]).toEqual({
      id: 'FL001',
      name: 'auto-update-channel',
      title: 'Node pools follow a provider-controlled release channel',
      severity: 'error',
      family: 'auto-update',
      docs: 'docs/rules/auto-update-channel.md',
    });
  });

  it('is deterministic: same bytes for the same result in any input order', () => {
    expect(renderJson(findingsResult(), {})).toBe(text);
    const r = findingsResult();
    r.findings = shuffled(r.findings);
    r.diagnostics = shuffled(r.diagnostics, 5);
    r.rules = shuffled(r.rules, 11);
    expect(renderJson(r, {})).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
