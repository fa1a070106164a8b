/**
 * The JSON result carries the fleet timeline (schedule windows), validated by the published
 * schema, so `faultline merge` can draw it again in HTML from sharded results.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import { cli } from './io.js';

const repo = path.resolve('.');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-sched-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('schedule windows in the JSON result', () => {
  it('are published, schema-valid, and survive merge into the HTML timeline', async () => {
    const json = path.join(tmp, 'fleet.json');
    const r = await cli(['scan', 'fixtures/example-fleet', '-q', '-f', 'json', '-o', json], repo);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const schema = JSON.parse(readFileSync('schemas/faultline-report.schema.json', 'utf8'));
    const validate = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const installs = report.schedules.filter((w: { kind: string }) => w.kind === 'install');
    expect(new Set(installs.map((w: { region: string }) => w.region))).toEqual(new Set(['us1', 'eu1', 'us3', 'us4', 'us5']));
    // Monday 06:00 UTC = minute 360 of the week, for one hour and a minute
    expect(installs[0].intervals[0]).toEqual([360, 421]);

    const html = path.join(tmp, 'merged.html');
    const m = await cli(['merge', json, '-f', 'html', '-o', html, '--fail-on', 'never'], repo);
    expect(m.code, m.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('5 regions');
    expect(page).not.toContain('No update schedules were found');
  });
});
