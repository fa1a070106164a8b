import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_PER_LEVEL, escapeData, escapeProperty, renderAnnotations } from '../../reports/annotations.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { findingsResult } from './fixture.js';

describe('github workflow-command annotations', () => {
  it('escape properties and data as the workflow-command docs say', () => {
    expect(escapeProperty('a%b\r\nc:d,e')).toBe('a%25b%0D%0Ac%3Ad%2Ce');
    expect(escapeData('50% done\nnext: a,b')).toBe('50%25 done%0Anext: a,b');
  });

  it('one command per unsuppressed finding with file, line, columns and title', () => {
    const out = renderAnnotations(findingsResult(), {}).trim().split('\n');
    expect(out).toHaveLength(5);
    expect(out).toContain('::notice file=k8s/shop/cart.yaml,line=42,col=15,endColumn=21,title=FL031 undersized-sidecar-proxy::Sidecar \'istio-proxy\' has a 64Mi memory limit; the mesh has 1800 endpoints (floor: 256Mi).');
    expect(out.find((l) => l.includes('FL040'))).toMatch(/^::error file=hosts\/base\/10-eth0\.network,line=5,endLine=7,title=FL040 networkd-route-conflict::Route .*%0A↳ clusters\/prod-eu\/cni\.yaml:9 Pod CIDR defined here\.$/);
  });

  it('caps at GitHub\'s 10 annotations per level per step and says how many were left out', () => {
    const r = findingsResult();
    const base = r.findings.find((f) => f.ruleId === 'FL040')!;
    r.findings = Array.from({ length: 25 }, (_, i) => ({ ...base, fingerprint: `fp${i}`, location: { ...base.location, path: `hosts/h${String(i).padStart(2, '0')}.network` } }));
    const lines = renderAnnotations(r, {}).trim().split('\n');
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(lines[lines.length - 1]).toMatch(/^faultline: 15 more findings were not annotated/);
  });
});

describe('markdown', () => {
  it('summarises counts and lists findings with scanned text escaped', () => {
    const r = findingsResult();
    r.findings[0].message = '<script>x</script> | @team **bold**';
    const md = renderMarkdown(r, { category: 'eu' });
    expect(md).toMatch(/^## faultline — eu\n\n\*\*Failed\*\*/);
    expect(md).toContain('| 2 | 2 | 1 | 2 | 48 |');
    expect(md).toContain('&lt;script&gt;x&lt;/script&gt; \\| @\u200bteam \\*\\*bold\\*\\*');
    expect(md).not.toContain('dead0000beef1111'); // suppressed finding hidden by default
    expect(md.split('\n').filter((l) => l.startsWith('| 🔴') || l.startsWith('| 🟠') || l.startsWith('| 🔵'))).toHaveLength(5);
  });
});
