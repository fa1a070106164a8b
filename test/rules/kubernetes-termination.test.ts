import { describe, expect, it } from 'vitest';
import { active, scanFiles, where } from '../helpers/scan.js';

const deploy = (extra: { svc?: boolean; container?: string; podSpec?: string; kind?: string; ports?: boolean } = {}) =>
  [
    extra.svc === false ? '' : 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { app: web }\n  ports: [{ port: 80 }]\n---\n',
    `apiVersion: apps/v1\nkind: ${extra.kind ?? 'Deployment'}\nmetadata: { name: web, namespace: shop }\nspec:\n  replicas: 1\n  template:\n    metadata:\n      labels: { app: web, tier: fe }\n    spec:\n${extra.podSpec ?? ''}      containers:\n        - name: web\n          image: nginx:1.27\n${extra.ports === false ? '' : '          ports: [{ containerPort: 80 }]\n'}${extra.container ?? ''}`,
  ].join('');

describe('FL401 missing-prestop', () => {
  const only = ['FL401'];
  it('flags a Service-selected container at its name, with the exec fallback when the version is unknown', async () => {
    const { result } = await scanFiles({ 'web.yaml': deploy() }, { only });
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['web.yaml:18:11-18:20 FL401 warning']);
    expect(result.findings[0].message).toMatch(/behind Service\/shop\/web/);
    expect(result.findings[0].message).toMatch(/\["sleep", "10"\].*native `sleep: \{ seconds: 10 \}` action on Kubernetes ≥ 1.30/);
    expect(result.findings[0].resource).toBe('Deployment/shop/web');
  });

  it('suggests the native sleep action when the cluster is known to be >= 1.30 (EKS Terraform)', async () => {
    const tf = 'resource "aws_eks_cluster" "main" {\n  name = "prod"\n  version = "1.31"\n}\n';
    const { result } = await scanFiles({ 'web.yaml': deploy(), 'eks.tf': tf }, { only });
    expect(result.findings[0].message).toMatch(/`preStop: \{ sleep: \{ seconds: 10 \} \}` \(Kubernetes 1.31\)/);
  });

  it('Helm-rendered List and multi-doc with comments; Ingress fronting', async () => {
    const list = `# Source: chart/templates/all.yaml\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: { name: api }\n    spec: { selector: { app: api } }\n  - apiVersion: apps/v1\n    kind: StatefulSet\n    metadata: { name: api }\n    spec:\n      template:\n        metadata: { labels: { app: api } }\n        spec:\n          containers:\n            - name: api\n              image: api:1\n`;
    const ing = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: api }\nspec:\n  rules:\n    - http:\n        paths:\n          - backend: { service: { name: api, port: { number: 80 } } }\n';
    const { result } = await scanFiles({ 'list.yaml': list, 'ing.yaml': '---\n# comment\n' + ing }, { only });
    expect(result.findings.map(where)).toEqual(['list.yaml:17:15-17:24 FL401']);
    expect(result.findings[0].message).toMatch(/Service\/api, Ingress\/api/);
  });

  it('lower confidence (info) for ports without a Service, and for mesh-injected pods', async () => {
    const { result } = await scanFiles(
      {
        'a.yaml': deploy({ svc: false }),
        'b.yaml': deploy({ svc: false, ports: false }).replace('labels: { app: web, tier: fe }', 'labels: { app: web }\n      annotations: { linkerd.io/inject: enabled }'),
      },
      { only },
    );
    expect(result.findings.map((f) => `${f.location.path} ${f.severity}`)).toEqual(['a.yaml info', 'b.yaml info']);
    expect(result.findings[1].message).toMatch(/mesh proxy in the pod/);
  });

  it('near-misses: preStop present, Job/CronJob/Pod, no evidence, proxy containers, Service in another namespace', async () => {
    const cases: Record<string, string> = {
      'a.yaml': deploy({ container: '          lifecycle: { preStop: { exec: { command: [sleep, "5"] } } }\n' }),
      'b.yaml': deploy({ kind: 'Job' }).replace('replicas: 1\n', ''),
      'c.yaml': deploy({ svc: false, ports: false }),
      'd.yaml': deploy({ ports: false }).replace('namespace: shop }\nspec:\n  selector', 'namespace: other }\nspec:\n  selector'),
      'e.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: p\n      image: x\n      ports: [{ containerPort: 1 }]\n',
      'f.yaml': deploy({ ports: false }).replace('app: web }\n  ports', 'app: api }\n  ports'),
    };
    for (const [p, t] of Object.entries(cases)) {
      const { result } = await scanFiles({ [p]: t }, { only });
      expect(result.findings.map(where), p).toEqual([]);
    }
  });

  it("evidence: 'service' drops info findings; 'all' adds other long-running workloads; annotation suppresses", async () => {
    const svcOnly = await scanFiles({ 'a.yaml': deploy({ svc: false }) }, { only, config: 'rules:\n  FL401: { options: { evidence: service } }\n' });
    expect(svcOnly.result.findings).toEqual([]);
    const all = await scanFiles({ 'c.yaml': deploy({ svc: false, ports: false, kind: 'DaemonSet' }) }, { only, config: 'rules:\n  FL401: { options: { evidence: all } }\n' });
    expect(all.result.findings.map((f) => f.severity)).toEqual(['info']);
    await expect(scanFiles({ 'a.yaml': '' }, { only, config: 'rules:\n  FL401: { options: { evidence: some } }\n' })).rejects.toThrow();
    const ann = deploy().replace('kind: Deployment\nmetadata: { name: web, namespace: shop }', 'kind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations: { ignore.faultline.dev/FL401: "drained by the LB controller" }');
    const s = await scanFiles({ 'web.yaml': ann }, { only });
    expect(active(s.result.findings)).toEqual([]);
    expect(s.result.findings[0].suppression?.kind).toBe('annotation');
  });
});

describe('FL402 prestop-exceeds-grace', () => {
  const only = ['FL402'];
  const pod = (grace: string, hook: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${grace}      containers:\n        - name: w\n          image: w\n          lifecycle:\n            preStop:\n${hook}`;
  it('native sleep, exec sleep and sh -c sleeps against the grace period (default 30)', async () => {
    const { result } = await scanFiles(
      {
        'a.yaml': pod('', '              sleep: { seconds: 28 }\n'),
        'b.yaml': pod('      terminationGracePeriodSeconds: 20\n', '              exec: { command: ["sleep", "20"] }\n'),
        'c.yaml': pod('      terminationGracePeriodSeconds: 60\n', '              exec:\n                command: ["/bin/sh", "-c", "sleep 30; drain && sleep 30"]\n'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a.yaml:12:33-12:35 FL402', 'b.yaml:13:32-13:47 FL402', 'c.yaml:14:26-14:74 FL402']);
    expect(result.findings[0].message).toMatch(/sleep action of 28 s plus 5 s for shutdown exceeds terminationGracePeriodSeconds 30 \(the default\)/);
    expect(result.findings[2].message).toMatch(/sleep totalling 60 s/);
  });

  it('opaque hooks only when the grace period is below the kubelet minimum (calico-node style)', async () => {
    const { result } = await scanFiles(
      {
        'a.yaml': pod('      terminationGracePeriodSeconds: 0\n', '              exec: { command: ["/bin/calico-node", "-shutdown"] }\n'),
        'b.yaml': pod('      terminationGracePeriodSeconds: 5\n', '              exec: { command: ["/bin/calico-node", "-shutdown"] }\n'),
        'c.yaml': pod('      terminationGracePeriodSeconds: "{{ .Values.grace }}"\n', '              sleep: { seconds: 99 }\n'),
        'd.yaml': pod('      terminationGracePeriodSeconds: 60\n', '              sleep: { seconds: 55 }\n'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a.yaml:12:13-12:20 FL402']);
    expect(result.findings[0].message).toMatch(/2-second minimum/);
  });

  it('Istio terminationDrainDuration from the pod annotation; marginSeconds option', async () => {
    const d = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w }\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{"terminationDrainDuration": "45s"}'\n    spec:\n      containers:\n        - name: w\n          image: w\n`;
    const { result } = await scanFiles({ 'a.yaml': d }, { only });
    expect(result.findings.map(where)).toEqual(['a.yaml:8:9-8:69 FL402']);
    expect(result.findings[0].message).toMatch(/terminationDrainDuration 45 s/);
    const m = await scanFiles({ 'a.yaml': pod('', '              sleep: { seconds: 28 }\n') }, { only, config: 'rules:\n  FL402: { options: { marginSeconds: 0 } }\n' });
    expect(m.result.findings).toEqual([]);
  });
});

describe('FL403 lifecycle-feature-unsupported', () => {
  const only = ['FL403'];
  const d = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: proxy\n          image: p\n          restartPolicy: Always\n      containers:\n        - name: w\n          image: w\n          lifecycle:\n            preStop:\n              sleep: { seconds: 0 }\n`;
  it('flags sleep action and native sidecars on 1.28 (fleet config), sleep 0 on 1.31 (GKE Terraform)', async () => {
    const old = await scanFiles({ 'k8s/a.yaml': d }, { only, config: 'fleet:\n  regions: {}\n  clusters:\n    c: { kubernetesVersion: "v1.28.5", paths: ["k8s/**"] }\n' });
    expect(old.result.findings.map(where)).toEqual(['k8s/a.yaml:10:11-10:32 FL403', 'k8s/a.yaml:16:15-16:20 FL403']);
    const tf = 'resource "google_container_cluster" "c" {\n  min_master_version = "1.31.1-gke.100"\n}\n';
    const mid = await scanFiles({ 'a.yaml': d, 'gke.tf': tf }, { only });
    expect(mid.result.findings.map(where)).toEqual(['a.yaml:16:24-16:34 FL403']);
    expect(mid.result.findings[0].message).toMatch(/1\.33.*google_container_cluster\.c/);
  });
  it('says nothing when the version is unknown or new enough', async () => {
    expect((await scanFiles({ 'a.yaml': d }, { only })).result.findings).toEqual([]);
    const tf = 'resource "azurerm_kubernetes_cluster" "c" {\n  kubernetes_version = "1.33"\n}\n';
    expect((await scanFiles({ 'a.yaml': d, 'aks.tf': tf }, { only })).result.findings).toEqual([]);
  });
});
