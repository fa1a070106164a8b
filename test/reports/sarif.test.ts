import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { automationId, buildSarif, pathToUri, renderSarif, type SarifLog } from '../../reports/sarif.js';
import { cleanResult, findingsResult, ROOT, shuffled } from './fixture.js';
import { describeProblems, multitoolBinary, validateSarif } from './multitool.js';

// ---------------------------------------------------------------------------------------------
// The official SARIF 2.1.0 schema is draft-04 (`"$schema": ".../draft-04/schema#"`, `id`), which
// ajv 8 does not implement. It uses no draft-04-only keyword (no boolean exclusiveMinimum etc.),
// so it is evaluated as draft-07 after renaming `id` to `$id`. Its formats (uri, uri-reference,
// date-time) are checked with small implementations below (ajv-formats is not a dependency).

function sarifValidator(): { validate: ValidateFunction; errorsText: (e: ValidateFunction['errors']) => string } {
  const raw = JSON.parse(readFileSync('/work/shared/schemas/sarif-schema-2.1.0.json', 'utf8')) as Record<string, unknown>;
  expect(raw.$schema).toBe('http://json-schema.org/draft-04/schema#');
  const { id, $schema: _draft04, ...rest } = raw;
  const schema: Record<string, unknown> = { $schema: 'http://json-schema.org/draft-07/schema#', $id: id, ...rest };
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(s));
  ajv.addFormat('uri-reference', (s: string) => {
    if (/\s/.test(s) || /%(?![0-9A-Fa-f]{2})/.test(s)) return false;
    try {
      new URL(s, 'file:///base/');
      return true;
    } catch {
      return false;
    }
  });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  return { validate: ajv.compile(schema), errorsText: (e) => ajv.errorsText(e) };
}

const schema = sarifValidator();

function expectSchemaValid(doc: unknown): void {
  const ok = schema.validate(doc);
  expect(schema.validate.errors ?? [], schema.errorsText(schema.validate.errors)).toEqual([]);
  expect(ok).toBe(true);
}

const findingsSarif = renderSarif(findingsResult(), { category: 'fleet/prod' });
const findingsLog = JSON.parse(findingsSarif) as SarifLog;
const run = findingsLog.runs[0];

describe('SARIF report', () => {
  it('validates against the official SARIF 2.1.0 schema', () => {
    expectSchemaValid(findingsLog);
    expectSchemaValid(JSON.parse(renderSarif(cleanResult(), {})));
    expectSchemaValid(JSON.parse(renderSarif(findingsResult(), { includeSuppressed: true })));
  });

  it('the schema check is not vacuous', () => {
    const bad = structuredClone(findingsLog) as unknown as { runs: { results: { level: string }[] }[] };
    bad.runs[0].results[0].level = 'fatal';
    expect(schema.validate(bad)).toBe(false);
    const noDriver = structuredClone(findingsLog) as unknown as { runs: { tool: Record<string, unknown> }[] };
    delete noDriver.runs[0].tool.driver;
    expect(schema.validate(noDriver)).toBe(false);
  });

  it('has $schema, version and a single run with a complete driver', () => {
    expect(findingsLog.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(findingsLog.version).toBe('2.1.0');
    expect(findingsLog.runs).toHaveLength(1);
    const d = run.tool.driver;
    expect([d.name, d.semanticVersion, d.version, d.informationUri]).toEqual(['faultline', '0.1.0', '0.1.0', 'https://github.com/faultline-dev/faultline']);
    expect(run.columnKind).toBe('utf16CodeUnits');
    expect(run.originalUriBaseIds['%SRCROOT%'].description.text).toMatch(/root/);
    expect(run.automationDetails).toEqual({ id: 'fleet/prod/' });
  });

  it('describes every rule as GitHub wants it', () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(['FL001', 'FL014', 'FL021', 'FL031', 'FL040', 'FL050']);
    for (const r of rules) {
      expect(r.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(r.shortDescription.text.length).toBeGreaterThan(0);
      expect(r.fullDescription.text.length).toBeGreaterThan(0);
      expect(r.fullDescription.text.length).toBeLessThanOrEqual(1024);
      expect(r.help.text).toContain('Why it matters:');
      expect(r.help.markdown).toContain('## How to fix');
      expect(r.helpUri).toMatch(/^https:\/\/github\.com\/faultline-dev\/faultline\/blob\/v0\.1\.0\/docs\/rules\/[a-z-]+\.md$/);
      expect(r.help.text).toContain(r.helpUri);
      expect(r.help.markdown).toContain(`](${r.helpUri})`);
      expect(['error', 'warning', 'note']).toContain(r.defaultConfiguration.level);
      const p = r.properties as Record<string, unknown>;
      expect(p['security-severity']).toMatch(/^(10|\d)\.\d$/);
      expect(['very-high', 'high', 'medium', 'low']).toContain(p.precision);
      expect(['error', 'warning', 'recommendation']).toContain(p['problem.severity']);
      expect(Array.isArray(p.tags)).toBe(true);
    }
    const fl001 = rules[0];
    expect(fl001.name).toBe('AutoUpdateChannel');
    expect(fl001.properties).toEqual({ tags: ['reliability', 'auto-update'], precision: 'high', 'problem.severity': 'error', 'security-severity': '7.5' });
    // Derived from severity when the rule sets none.
    expect((rules[1].properties as Record<string, unknown>)['security-severity']).toBe('5.5');
    expect((rules[3].properties as Record<string, unknown>)['security-severity']).toBe('2.0');
    expect(rules[3].defaultConfiguration.level).toBe('note');
  });

  it('maps findings to results with rule index, level, locations and fingerprints', () => {
    expect(run.results.map((r) => r.ruleId)).toEqual(['FL001', 'FL014', 'FL040', 'FL021', 'FL031']);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.partialFingerprints['faultline/v1']).toMatch(/^[0-9a-f]+$/);
      expect(r.locations).toHaveLength(1);
      const pl = r.locations[0].physicalLocation;
      expect(pl.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(pl.region).toEqual(expect.objectContaining({ startLine: expect.any(Number), startColumn: expect.any(Number), endLine: expect.any(Number), endColumn: expect.any(Number) }));
      expect(r.suppressions).toBeUndefined();
    }
    expect(run.results.map((r) => r.level)).toEqual(['error', 'warning', 'error', 'warning', 'note']);
    const [channel, schedule, route, , sidecar] = run.results;
    expect(channel.locations[0].physicalLocation.region).toEqual({ startLine: 14, startColumn: 5, endLine: 14, endColumn: 22, snippet: { text: 'channel = "RAPID"' } });
    expect(channel.locations[0].physicalLocation.contextRegion).toEqual({ startLine: 14, startColumn: 1, endLine: 14, endColumn: 22, snippet: { text: '    channel = "RAPID"' } });
    expect(channel.locations[0].logicalLocations).toEqual([{ fullyQualifiedName: 'google_container_node_pool.workers', kind: 'resource' }]);
    expect(schedule.properties).toEqual({ embedding: ['user_data', 'MIME part 2 (text/cloud-config)', 'write_files[0] /etc/systemd/system/apt-daily-upgrade.timer'] });
    // Whole lines 5–7 (the range ended at 8:1): the region ends at the end of line 7.
    expect(route.locations[0].physicalLocation.region).toEqual({
      startLine: 5,
      startColumn: 1,
      endLine: 7,
      endColumn: 20,
      snippet: { text: '[Route]\nDestination=10.0.0.0/8\nGateway=192.168.1.1' },
    });
    expect(route.locations[0].physicalLocation.contextRegion).toBeUndefined();
    // UTF-16 columns: the emoji counts two code units.
    expect(sidecar.locations[0].physicalLocation.region).toEqual(expect.objectContaining({ startColumn: 15, endColumn: 21, snippet: { text: '"64Mi"' } }));
  });

  it('gives related locations ids and messages; percent-encodes URIs', () => {
    const schedule = run.results[1];
    expect(schedule.relatedLocations?.map((l) => [l.id, l.physicalLocation.artifactLocation.uri, l.message?.text])).toEqual([
      [1, 'clusters/prod-us/user_data.tf', 'prod-us upgrades at the same time.'],
      [2, 'clusters/prod-ap%20(legacy)/user_data.tf', 'prod-ap upgrades at the same time.'],
    ]);
    expect(run.results[3].relatedLocations).toBeUndefined();
    expect(pathToUri('a b/c#d/e%f/ü.yaml')).toBe('a%20b/c%23d/e%25f/%C3%BC.yaml');
  });

  it('reports diagnostics as tool execution notifications with descriptors', () => {
    const inv = run.invocations[0];
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.startTimeUtc).toBe('2025-03-04T09:15:02.120Z');
    expect(inv.endTimeUtc).toBe('2025-03-04T09:15:03.554Z');
    const notes = inv.toolExecutionNotifications ?? [];
    expect(notes.map((n) => [n.level, n.descriptor.id, run.tool.driver.notifications?.[n.descriptor.index].id])).toEqual([
      ['note', 'config', 'config'],
      ['warning', 'template-unrendered', 'template-unrendered'],
      ['error', 'parse-error', 'parse-error'],
    ]);
    expect(notes[2].locations?.[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'k8s/broken.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 9, endLine: 3, endColumn: 10 },
    });
    expect(notes[1].locations?.[0].physicalLocation.region).toBeUndefined();
    const r = findingsResult();
    r.diagnostics.push({ severity: 'error', code: 'internal-error', message: 'terraform link failed: boom', path: '' });
    const inv2 = buildSarif(r, {}).runs[0].invocations[0];
    expect(inv2.executionSuccessful).toBe(false);
    expect(inv2.toolExecutionNotifications?.[0].locations).toBeUndefined();
  });

  it('leaves suppressed findings out by default and marks them when included', () => {
    expect(run.results.some((r) => r.partialFingerprints['faultline/v1'] === 'dead0000beef1111')).toBe(false);
    const all = buildSarif(findingsResult(), { includeSuppressed: true }).runs[0].results;
    expect(all).toHaveLength(7);
    const inline = all.find((r) => r.partialFingerprints['faultline/v1'] === 'dead0000beef1111')!;
    expect(inline.suppressions).toEqual([
      {
        kind: 'inSource',
        status: 'accepted',
        justification: 'Drained by the payments-gateway controller before SIGTERM (until 2026-12-31)',
        location: {
          physicalLocation: {
            artifactLocation: { uri: 'k8s/shop/payments.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 3, startColumn: 5, endLine: 3, endColumn: 55, snippet: { text: '# faultline-disable FL021 -- drained by controller' } },
            contextRegion: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 55, snippet: { text: '    # faultline-disable FL021 -- drained by controller' } },
          },
        },
        properties: { kind: 'inline', until: '2026-12-31' },
      },
    ]);
    const baseline = all.find((r) => r.ruleId === 'FL050')!;
    expect(baseline.suppressions?.[0]).toEqual(expect.objectContaining({ kind: 'external', status: 'accepted' }));
  });

  it('emits results: [] for a clean scan, with the rules that ran', () => {
    const clean = JSON.parse(renderSarif(cleanResult(), {})) as SarifLog;
    expect(clean.runs[0].results).toEqual([]);
    expect(clean.runs[0].tool.driver.rules).toHaveLength(6);
    expect(clean.runs[0].invocations[0].toolExecutionNotifications).toBeUndefined();
    expect(clean.runs[0].tool.driver.notifications).toBeUndefined();
    expect(clean.runs[0].automationDetails).toBeUndefined();
  });

  it('writes the category in GitHub\'s "category/" form', () => {
    expect(automationId('fleet')).toBe('fleet/');
    expect(automationId('fleet/prod')).toBe('fleet/prod/');
    expect(automationId('fleet/')).toBe('fleet/');
  });

  it('never emits an empty result message (GitHub requires message.text)', () => {
    const r = findingsResult();
    r.findings.find((f) => f.ruleId === 'FL001')!.message = '  ';
    const res = buildSarif(r, {}).runs[0].results.find((x) => x.ruleId === 'FL001')!;
    expect(res.message.text).toBe('Node pools follow a provider-controlled release channel');
  });

  it('describes findings of rules missing from result.rules', () => {
    const r = findingsResult();
    r.rules = r.rules.filter((x) => x.id !== 'FL021');
    const log = buildSarif(r, {});
    const rule = log.runs[0].tool.driver.rules.find((x) => x.id === 'FL021')!;
    expect(rule.fullDescription.text.length).toBeGreaterThan(0);
    for (const res of log.runs[0].results) expect(log.runs[0].tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
  });

  it('is deterministic and free of absolute paths and extra timestamps', () => {
    const r = findingsResult();
    r.findings = shuffled(r.findings);
    r.diagnostics = shuffled(r.diagnostics, 5);
    r.rules = shuffled(r.rules, 9);
    expect(renderSarif(r, { category: 'fleet/prod' })).toBe(findingsSarif);
    expect(findingsSarif).not.toContain(ROOT);
    expect(findingsSarif).not.toContain('file://');
    const stamps = findingsSarif.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g) ?? [];
    expect(stamps).toHaveLength(2); // invocation start and end only
  });
});

// ---------------------------------------------------------------------------------------------
// Microsoft SARIF Multitool with GitHub's ingestion rules: zero errors and zero warnings.

const hasMultitool = multitoolBinary() !== undefined;

describe.skipIf(process.platform !== 'linux')('SARIF Multitool validate --rule-kind "Gh;Sarif"', () => {
  it('is installed', () => {
    expect(hasMultitool).toBe(true);
  });

  async function expectClean(sarif: string): Promise<void> {
    const report = await validateSarif(sarif);
    const bad = [...report.errors, ...report.warnings];
    expect(bad, describeProblems(bad)).toEqual([]);
  }

  it('accepts the findings SARIF (suppressed excluded)', async () => {
    await expectClean(findingsSarif);
  });

  it('accepts the findings SARIF with suppressed results included', async () => {
    await expectClean(renderSarif(findingsResult(), { includeSuppressed: true, category: 'fleet' }));
  });

  it('accepts the clean SARIF', async () => {
    await expectClean(renderSarif(cleanResult(), {}));
  });

  it('the oracle works: it flags a rule without fullDescription (GH2012) and a driver without informationUri (SARIF2005)', async () => {
    const broken = structuredClone(findingsLog) as unknown as {
      runs: { tool: { driver: { informationUri?: string; rules: { fullDescription?: unknown }[] } } }[];
    };
    delete broken.runs[0].tool.driver.rules[0].fullDescription;
    delete broken.runs[0].tool.driver.informationUri;
    const report = await validateSarif(JSON.stringify(broken, null, 2));
    expect(report.errors.map((p) => p.ruleId)).toContain('GH2012');
    expect(report.errors.find((p) => p.ruleId === 'GH2012')?.text).toContain('fullDescription');
    expect(report.warnings.map((p) => p.ruleId)).toContain('SARIF2005');
  });
});
