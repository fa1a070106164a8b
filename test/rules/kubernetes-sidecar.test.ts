import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const pod = (containers: string, annotations = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app, namespace: ns }\nspec:\n  template:\n    metadata:\n      labels: { app: app }\n${annotations ? `      annotations:\n${annotations}` : ''}    spec:\n      containers:\n        - name: app\n          image: app:1\n          resources: { requests: { cpu: "4" } }\n${containers}`;
const envoy = (args: string, limit = '"2"') =>
  `        - name: envoy\n          image: envoyproxy/envoy:v1.25.1\n          args: ${args}\n          resources: { limits: { cpu: ${limit} } }\n`;

describe('FL501 sidecar-proxy-concurrency', () => {
  const only = ['FL501'];
  it('Envoy without --concurrency under a CPU limit: the postmortem message, at the container name', async () => {
    const { result } = await scanFiles({ 'a.yaml': pod(envoy('["-c", "/etc/envoy.yaml"]')) }, { only });
    expect(result.findings.map(where)).toEqual(['a.yaml:13:11-13:22 FL501']);
    expect(result.findings[0].message).toBe('envoy: no --concurrency; it will start one worker per hardware thread of the node but is limited to 2 CPUs. Set --concurrency 2.');
  });
  it('--concurrency above the ceiling of the limit, at the argument', async () => {
    const { result } = await scanFiles({ 'a.yaml': pod(envoy('["--concurrency", "8"]', '1500m')) }, { only });
    expect(result.findings.map(where)).toEqual(['a.yaml:15:18-15:38 FL501']);
    expect(result.findings[0].message).toMatch(/--concurrency 8 .* limited to 1500m CPU.*at most 2/);
  });
  it('annotations-only Istio sidecar with concurrency 0 and a known limit', async () => {
    const ann = '        sidecar.istio.io/proxyCPULimit: "1"\n        proxy.istio.io/config: |\n          concurrency: 0\n';
    const { result } = await scanFiles({ 'a.yaml': pod('', ann) }, { only });
    expect(result.findings.map(where)).toEqual(['a.yaml:10:9-11:25 FL501']);
    expect(result.findings[0].message).toMatch(/istio-proxy: Istio concurrency 0 .* limited to 1 CPU \(sidecar.istio.io\/proxyCPULimit\)/);
  });
  it('mesh-wide concurrency 0 in an IstioOperator with a default CPU limit', async () => {
    const iop = 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: { name: mesh }\nspec:\n  meshConfig:\n    defaultConfig:\n      concurrency: 0\n  values:\n    global:\n      proxy:\n        resources: { limits: { cpu: 2000m } }\n';
    const { result } = await scanFiles({ 'iop.yaml': iop }, { only });
    expect(result.findings.map(where)).toEqual(['iop.yaml:7:7-7:21 FL501']);
  });
  it('near-misses: --concurrency=2, no CPU limit, templated args, Istio concurrency unset, concurrency 0 with unknown limit', async () => {
    const cases = {
      'a.yaml': pod(envoy('["--concurrency=2"]')),
      'b.yaml': pod('        - name: envoy\n          image: envoyproxy/envoy:v1.25.1\n'),
      'c.yaml': pod(envoy('["{{ .Values.envoyArgs }}"]')),
      'd.yaml': pod('', '        sidecar.istio.io/proxyCPULimit: "2"\n'),
      'e.yaml': pod('', '        proxy.istio.io/config: "concurrency: 0"\n'),
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
  });
});

describe('FL502 sidecar-proxy-cpu-undersized', () => {
  const only = ['FL502'];
  it('explicit proxy below the floor, and below a fraction of the app request', async () => {
    const { result } = await scanFiles(
      {
        'a.yaml': pod('        - name: istio-proxy\n          image: docker.io/istio/proxyv2:1.22.0\n          resources: { limits: { cpu: 100m } }\n'),
        'b.yaml': pod(envoy('["--concurrency", "1"]', '"600m"')),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a.yaml:15:34-15:43 FL502', 'b.yaml:16:34-16:45 FL502']);
    expect(result.findings[1].message).toMatch(/600m CPU is 15% of the 4 CPUs requested/);
  });
  it('annotations-only sidecars: Istio and Linkerd', async () => {
    const { result } = await scanFiles(
      { 'a.yaml': pod('', '        sidecar.istio.io/proxyCPULimit: "200m"\n'), 'b.yaml': pod('', '        config.linkerd.io/proxy-cpu-limit: "300m"\n') },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a.yaml:9:9-9:47 FL502', 'b.yaml:9:9-9:50 FL502']);
  });
  it('mesh default below the floor is reported once, at the default', async () => {
    const values = 'global:\n  proxy:\n    resources:\n      limits:\n        cpu: 100m\n';
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: ns, labels: { istio-injection: enabled } }\n';
    const { result } = await scanFiles({ 'istio/values.yaml': values, 'ns.yaml': ns, 'a.yaml': pod('') }, { only });
    expect(result.findings.map(where)).toEqual(['istio/values.yaml:5:9-5:18 FL502']);
  });
  it('near-misses: request without limit, limit 0, large limit, no app container; options', async () => {
    const cases = {
      'a.yaml': pod('        - name: istio-proxy\n          image: istio/proxyv2:1.22\n          resources: { requests: { cpu: 100m }, limits: { memory: 500Mi } }\n'),
      'b.yaml': pod('', '        sidecar.istio.io/proxyCPULimit: "0"\n'),
      'c.yaml': pod(envoy('["--concurrency", "2"]')),
      'd.yaml': 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: e }\nspec:\n  template:\n    spec:\n      containers:\n        - name: envoy\n          image: envoyproxy/envoy:v1\n          resources: { limits: { cpu: 100m } }\n',
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
    const cfg = 'rules:\n  FL502: { options: { minLimitMillicores: 50, minFractionOfApp: 0 } }\n';
    expect((await scanFiles({ 'a.yaml': pod('', '        sidecar.istio.io/proxyCPULimit: "200m"\n') }, { only, config: cfg })).result.findings).toEqual([]);
  });
});
