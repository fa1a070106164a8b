/**
 * JUnit XML, parsed by a real XML parser (Python's xml.etree, expat) — no JUnit XSD is available
 * offline, so we check well-formedness and the attributes Jenkins, GitLab and Azure read:
 * testsuites/testsuite counts, testcase name/classname/file/line, failure/skipped/error children.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../reports/junit.js';
import { findingsResult } from './fixture.js';

interface Parsed {
  root: Record<string, string>;
  suites: { attrs: Record<string, string>; cases: { attrs: Record<string, string>; children: { tag: string; attrs: Record<string, string>; text: string }[] }[] }[];
}

function parse(xml: string): Parsed {
  const py = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == 'testsuites', root.tag
out = {'root': dict(root.attrib), 'suites': []}
for s in root.findall('testsuite'):
    out['suites'].append({'attrs': dict(s.attrib), 'cases': [{'attrs': dict(c.attrib), 'children': [{'tag': x.tag, 'attrs': dict(x.attrib), 'text': x.text or ''} for x in c]} for c in s.findall('testcase')]})
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', py], { input: xml, encoding: 'utf8' })) as Parsed;
}

describe('junit', () => {
  it('is well-formed, counts agree, failures match --fail-on, passing checks are listed', () => {
    const r = findingsResult(); // failOn: warning
    r.findings[0].message += ' \u0007 control & <angle> "quotes"';
    const p = parse(renderJunit(r, {}));
    const cases = p.suites.flatMap((s) => s.cases);
    expect(Number(p.root.tests)).toBe(cases.length);
    const failures = cases.filter((c) => c.children.some((x) => x.tag === 'failure'));
    const skipped = cases.filter((c) => c.children.some((x) => x.tag === 'skipped'));
    expect(Number(p.root.failures)).toBe(failures.length);
    expect(Number(p.root.skipped)).toBe(skipped.length);
    for (const s of p.suites) expect(Number(s.attrs.tests)).toBe(s.cases.length);
    // warning and error findings fail at --fail-on warning; the info one passes; suppressed are skipped
    expect(failures).toHaveLength(r.findings.filter((f) => !f.suppression && f.severity !== 'info').length);
    expect(skipped).toHaveLength(2);
    expect(skipped[0].children[0].attrs.message).toMatch(/^suppressed \((inline|baseline)\)/);
    // FL050's only finding is baselined; every rule has a suite
    expect(p.suites.map((s) => s.attrs.name.split(' ')[0])).toEqual(['FL001', 'FL014', 'FL021', 'FL031', 'FL040', 'FL050']);
    const route = failures.find((c) => c.attrs.classname === 'faultline.FL040')!;
    expect(route.attrs).toMatchObject({ file: 'hosts/base/10-eth0.network', line: '5' });
    expect(route.children[0].text).toContain('related clusters/prod-eu/cni.yaml:9');
    expect(cases.some((c) => c.attrs.name.includes('control & <angle> "quotes"'))).toBe(true);
  });

  it('at --fail-on error only errors fail; a rule with no findings is one passing case', () => {
    const r = findingsResult();
    r.failOn = 'error';
    r.findings = r.findings.filter((f) => f.ruleId !== 'FL031');
    const p = parse(renderJunit(r, { category: 'eu' }));
    expect(Number(p.root.failures)).toBe(2);
    const sidecar = p.suites.find((s) => s.attrs.name.startsWith('eu/FL031'))!;
    expect(sidecar.cases).toHaveLength(1);
    expect(sidecar.cases[0].children).toEqual([]);
    expect(sidecar.cases[0].attrs.name).toMatch(/no findings$/);
  });
});
