import { describe, expect, it } from 'vitest';
import { intOrPercent, parseCpu, parseDuration, parseVersion, proxyKindOf, isTemplated } from '../../engine/facts/kubernetes.js';

describe('kubernetes facts: scalars', () => {
  it('parses CPU quantities, durations, versions, int-or-percent', () => {
    expect([parseCpu('2'), parseCpu('500m'), parseCpu('0.5'), parseCpu(1), parseCpu('{{ .Values.cpu }}'), parseCpu('2Gi')]).toEqual([2000, 500, 500, 1000, undefined, undefined]);
    expect([parseDuration('5s'), parseDuration('1m30s'), parseDuration('500ms'), parseDuration('45'), parseDuration('soon')]).toEqual([5, 90, 0.5, 45, undefined]);
    expect([parseVersion('v1.28.5'), parseVersion('1.31.1-gke.100'), parseVersion('${var.v}')]).toEqual([{ major: 1, minor: 28 }, { major: 1, minor: 31 }, undefined]);
    expect([intOrPercent({ kind: 'scalar', value: '25%', loc: { file: 'f', start: 0, end: 0 } }), intOrPercent(undefined)]).toEqual([{ n: 25, percent: true }, undefined]);
    expect(isTemplated('{{ x }}')).toBe(true);
  });
  it('recognises proxies by image and name', () => {
    expect(proxyKindOf('x', 'envoyproxy/envoy:v1.25.1')).toBe('envoy');
    expect(proxyKindOf('x', 'docker.io/istio/proxyv2:1.22.0')).toBe('istio');
    expect(proxyKindOf('x', 'cr.l5d.io/linkerd/proxy:stable-2.14')).toBe('linkerd');
    expect(proxyKindOf('x', 'hashicorp/consul-dataplane:1.4')).toBe('consul');
    expect(proxyKindOf('istio-proxy', 'auto')).toBe('istio');
    expect(proxyKindOf('web', 'nginx:1.27')).toBeUndefined();
    expect(proxyKindOf('web', 'registry/envoy-config-loader:1')).toBeUndefined();
  });
});
