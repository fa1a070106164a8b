/**
 * GitLab Code Quality: validated against a JSON Schema of the format GitLab documents
 * (docs.gitlab.com/ci/testing/code_quality — description, check_name, fingerprint, severity
 * info|minor|major|critical|blocker, location.path, location.lines.begin), with ajv.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderGitlab } from '../../reports/gitlab.js';
import { cleanResult, findingsResult } from './fixture.js';
import { cli } from '../cli/io.js';

const GITLAB_CODE_QUALITY = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: {
          path: { type: 'string', pattern: '^[^/]' },
          lines: { type: 'object', required: ['begin'], properties: { begin: { type: 'integer', minimum: 1 }, end: { type: 'integer', minimum: 1 } } },
        },
      },
    },
  },
};
const validate = new Ajv({ allErrors: true }).compile(GITLAB_CODE_QUALITY);

describe('gitlab code quality', () => {
  it('matches the documented format, one issue per unsuppressed finding, unique fingerprints', () => {
    const r = findingsResult();
    const out = JSON.parse(renderGitlab(r, {}));
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out).toHaveLength(r.findings.filter((f) => !f.suppression).length);
    expect(new Set(out.map((i: { fingerprint: string }) => i.fingerprint)).size).toBe(out.length);
    const route = out.find((i: { check_name: string }) => i.check_name.startsWith('FL040'));
    expect(route).toMatchObject({ severity: 'critical', location: { path: 'hosts/base/10-eth0.network', lines: { begin: 5, end: 7 } } });
    expect(JSON.parse(renderGitlab(cleanResult(), {}))).toEqual([]);
  });

  it('fingerprints survive line moves and are scoped by --category', () => {
    const a = findingsResult();
    const b = findingsResult();
    for (const f of b.findings) f.location.range.start.line += 7;
    const fa = JSON.parse(renderGitlab(a, {})).map((i: { fingerprint: string }) => i.fingerprint);
    expect(JSON.parse(renderGitlab(b, {})).map((i: { fingerprint: string }) => i.fingerprint)).toEqual(fa);
    const fc = JSON.parse(renderGitlab(a, { category: 'eu' })).map((i: { fingerprint: string }) => i.fingerprint);
    expect(fc.filter((x: string) => fa.includes(x))).toEqual([]);
  });

  it('from the CLI on the example fleet', async () => {
    const r = await cli(['scan', 'fixtures/example-fleet', '-f', 'gitlab'], process.cwd());
    const out = JSON.parse(r.stdout);
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out.length).toBeGreaterThan(5);
    expect(r.code).toBe(1);
  });
});
