/**
 * The workload model joins objects within one cluster. A GitOps repository keeps several clusters'
 * manifests side by side, with the same namespaces and labels in each; when the fleet map says
 * which paths are which cluster (`fleet.clusters.<name>.paths`), a Service, budget, autoscaler,
 * Ingress or Namespace label in one cluster says nothing about a workload in another. Without
 * cluster paths every file is in one cluster, as before.
 */
import { describe, expect, it } from 'vitest';
import { clusterOfFile, workloadModel } from '../../engine/facts/kubernetes.js';
import type { ScanModel } from '../../engine/scan-model.js';
import { scanFiles, where } from '../helpers/scan.js';

const deployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  replicas: 3\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata:\n      labels: { app: ${name} }\n    spec:\n      containers:\n        - name: ${name}\n          image: registry.example/${name}:1\n`;
const service = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  selector: { app: ${name} }\n  ports: [{ port: 80 }]\n`;
const pdb = (name: string) => `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  maxUnavailable: 1\n  selector: { matchLabels: { app: ${name} } }\n`;
const hpa = (name: string) =>
  `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }\n  minReplicas: 5\n  maxReplicas: 9\n`;
const ingress = (name: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  defaultBackend: { service: { name: ${name}, port: { number: 80 } } }\n`;
const injected = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: { istio-injection: enabled }\n';
// a chart without namespaces in each cluster: objects join by directory, within their cluster
const chartDeployment = deployment('chart').replace(', namespace: shop', '');
const chartService = service('chart').replace(', namespace: shop', '');

const files = {
  // prod: a workload with nothing around it in its own cluster
  'clusters/prod/web.yaml': deployment('web'),
  // staging: the same namespace, with everything that would join it
  'clusters/staging/web-svc.yaml': service('web'),
  'clusters/staging/web-pdb.yaml': pdb('web'),
  'clusters/staging/web-hpa.yaml': hpa('web'),
  'clusters/staging/web-ingress.yaml': ingress('web'),
  'clusters/staging/namespace.yaml': injected,
  // both: a chart's Service and Deployment in one directory matched by two clusters' paths
  'shared/chart/deploy-prod.yaml': chartDeployment,
  'shared/chart/service-staging.yaml': chartService,
};
const clusters = 'version: 1\nfleet:\n  clusters:\n    prod: { paths: ["clusters/prod/**", "shared/**/*-prod.yaml"] }\n    staging: { paths: ["clusters/staging/**", "shared/**/*-staging.yaml"] }\n';

/** The prod workloads joined with everything the tree puts beside them. */
function expectJoined(model: ScanModel): void {
  const byName = new Map(workloadModel(model).workloads.map((w) => [w.name, w]));
  const web = byName.get('web')!;
  expect(web.services.map((s) => s.resource)).toEqual(['Service/shop/web']);
  expect(web.frontends.map((s) => s.resource)).toEqual(['Ingress/shop/web']);
  expect(web.pdbs.map((s) => s.resource)).toEqual(['PodDisruptionBudget/shop/web']);
  expect(web.hpaMinReplicas).toBe(5);
  expect(web.injected?.mesh).toBe('istio');
  expect(byName.get('chart')!.services.map((s) => s.resource)).toEqual(['Service/chart']);
}

describe('the workload model across clusters', () => {
  it('without cluster paths, joins every file as one cluster', async () => {
    expectJoined((await scanFiles(files, { only: [] })).model);
  });

  it('with cluster paths, joins only objects of the same cluster', async () => {
    const { model } = await scanFiles(files, { only: [], config: clusters });
    const byName = new Map(workloadModel(model).workloads.map((w) => [w.name, w]));
    const web = byName.get('web')!;
    expect(web.services).toEqual([]);
    expect(web.frontends).toEqual([]);
    expect(web.pdbs).toEqual([]);
    expect(web.hpas).toEqual([]);
    expect(web.injected).toBeUndefined();
    expect(byName.get('chart')!.services).toEqual([]);
  });

  it('with cluster paths, still joins what is in one cluster', async () => {
    const same = Object.fromEntries(Object.entries(files).map(([p, t]) => [p.replace('clusters/staging/', 'clusters/prod/').replace('service-staging', 'service-prod'), t]));
    expectJoined((await scanFiles(same, { only: [], config: clusters })).model);
  });

  it('with cluster paths, an Ingress fronts only its own cluster\'s Services', async () => {
    const moved = { ...files, 'clusters/prod/web-svc.yaml': files['clusters/staging/web-svc.yaml'] } as Record<string, string>;
    delete moved['clusters/staging/web-svc.yaml'];
    const { model } = await scanFiles(moved, { only: [], config: clusters });
    const web = workloadModel(model).workloads.find((w) => w.name === 'web')!;
    expect(web.services.map((s) => s.resource)).toEqual(['Service/shop/web']);
    expect(web.frontends).toEqual([]);
  });

  it('an Ingress reaches the workloads of the Service it names, not those of a same-named Service elsewhere', async () => {
    // two charts without namespaces, each with a Service "api"; the Ingress is in the first chart
    const api = (label: string) => [deployment(label).replace(', namespace: shop', ''), service('api').replace(', namespace: shop', '').replace('app: api', `app: ${label}`)].join('---\n');
    const { model } = await scanFiles({ 'a/all.yaml': `${api('a')}---\n${ingress('api').replace(', namespace: shop', '')}`, 'b/all.yaml': api('b') }, { only: [] });
    const byName = new Map(workloadModel(model).workloads.map((w) => [w.name, w]));
    expect(byName.get('a')!.frontends.map((f) => f.resource)).toEqual(['Ingress/api']);
    expect(byName.get('b')!.frontends).toEqual([]);
  });

  it('FL401 on the prod workloads depends on their own cluster only', async () => {
    const only = ['FL401'];
    expect((await scanFiles(files, { only })).result.findings.map(where)).toEqual(['clusters/prod/web.yaml:12:11-12:20 FL401', 'shared/chart/deploy-prod.yaml:12:11-12:22 FL401']);
    expect((await scanFiles(files, { only, config: clusters })).result.findings.map(where)).toEqual([]);
  });

  it('a file is in the first cluster whose paths match it, and in none when none does', () => {
    const of = clusterOfFile({ a: { paths: ['x/**'] }, b: { paths: ['x/y/**', 'z/**'] }, c: { regions: ['r1'] } });
    expect(['x/y/f.yaml', 'z/f.yaml', 'w/f.yaml'].map(of)).toEqual(['a', 'b', '']);
    expect(clusterOfFile(undefined)('x/f.yaml')).toBe('');
  });
});
