/**
 * The bundled example fleet reproduces the usage-estimation postmortem (Datadog, 2023); its
 * remediated twin is clean. Scanned through the real pipeline with the Kubernetes rules only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const K8S_RULES = ['FL401', 'FL402', 'FL403', 'FL501', 'FL502', 'FL601', 'FL602', 'FL603', 'FL604', 'FL605'];
// The cluster runs Kubernetes 1.28 (proposed for fixtures/example-fleet/faultline.yaml).
const config = 'fleet:\n  regions: {}\n  clusters:\n    usage:\n      kubernetesVersion: "1.28"\n      paths: ["k8s/**"]\n';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true })) {
    const p = path.join(dir, String(f));
    if (p.endsWith('.yaml')) out[path.join('k8s', String(f)).split(path.sep).join('/')] = readFileSync(p, 'utf8');
  }
  return out;
}

describe('example fleet (usage-estimation postmortem)', () => {
  it('flags every hazard at the right line', async () => {
    const { result } = await scanFiles(tree('fixtures/example-fleet/k8s'), { only: K8S_RULES, config });
    const got = result.findings.map((f) => `${where(f)} ${f.severity}`).sort();
    expect(got).toEqual([
      'k8s/kube-system/cilium.yaml:22:7-22:24 FL601 warning',
      'k8s/kube-system/cilium.yaml:35:13-35:20 FL402 warning',
      'k8s/usage-estimation/coordination.yaml:29:3-29:22 FL603 error',
      'k8s/usage-estimation/coordination.yaml:9:3-9:14 FL602 warning',
      'k8s/usage-estimation/counter.yaml:20:3-20:15 FL604 info',
      'k8s/usage-estimation/counter.yaml:30:11-30:24 FL401 warning',
      'k8s/usage-estimation/counter.yaml:39:11-39:22 FL501 error',
      'k8s/usage-estimation/remote-cache.yaml:22:7-22:18 FL604 info',
      'k8s/usage-estimation/remote-cache.yaml:32:15-32:26 FL401 warning',
      'k8s/usage-estimation/router.yaml:22:3-22:20 FL605 info',
      'k8s/usage-estimation/router.yaml:46:9-46:47 FL502 warning',
      'k8s/usage-estimation/router.yaml:47:9-48:25 FL501 error',
      'k8s/usage-estimation/router.yaml:53:11-53:32 FL403 error',
      'k8s/usage-estimation/router.yaml:62:15-62:20 FL403 error',
      'k8s/usage-estimation/router.yaml:63:26-63:28 FL402 warning',
    ]);
  });

  it('the remediated twin is clean', async () => {
    const { result } = await scanFiles(tree('fixtures/example-fleet-remediated/k8s'), { only: K8S_RULES, config });
    expect(result.findings.map((f) => `${where(f)} ${f.message}`)).toEqual([]);
    expect(result.diagnostics).toEqual([]);
  });
});
