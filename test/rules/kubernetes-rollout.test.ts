import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const ds = (name: string, strategy: string, image = 'quay.io/cilium/cilium:v1.15') =>
  `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: ${name}, namespace: kube-system }\nspec:\n  updateStrategy:\n${strategy}  template:\n    spec:\n      containers:\n        - name: agent\n          image: ${image}\n`;

describe('FL601 node-agent-rollout-too-wide', () => {
  const only = ['FL601'];
  it('percentages, absolute counts and OnDelete (info) on CNI / node agents', async () => {
    const { result } = await scanFiles(
      {
        'a.yaml': ds('cilium', '    rollingUpdate: { maxUnavailable: 50% }\n'),
        'b.yaml': ds('aws-node', '    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 3\n', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18'),
        'c.yaml': ds('node-agent', '    type: OnDelete\n', 'calico/node:v3.27'.replace('calico/node', 'docker.io/calico/calico-node')),
      },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['a.yaml:6:22-6:41 FL601 warning', 'b.yaml:8:7-8:24 FL601 warning', 'c.yaml:6:5-6:19 FL601 info']);
    expect(result.findings[0].message).toMatch(/50% of all nodes/);
  });
  it('near-misses: default strategy, 1 node, 10%, templated, non-agent DaemonSet; agents option', async () => {
    const cases = {
      'a.yaml': ds('cilium', '    type: RollingUpdate\n'),
      'b.yaml': ds('kube-proxy', '    rollingUpdate: { maxUnavailable: 1 }\n'),
      'c.yaml': ds('calico-node', '    rollingUpdate: { maxUnavailable: 10% }\n'),
      'd.yaml': ds('cilium', '    rollingUpdate: { maxUnavailable: "{{ .Values.maxUnavailable }}" }\n'),
      'e.yaml': ds('log-agent', '    rollingUpdate: { maxUnavailable: 100% }\n', 'fluent/fluent-bit:3'),
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
    const cfg = 'rules:\n  FL601: { options: { agents: [fluent-bit] } }\n';
    expect((await scanFiles({ 'e.yaml': cases['e.yaml'] }, { only, config: cfg })).result.findings).toHaveLength(1);
  });
});

const sts = (replicas: string, image = 'quay.io/coreos/etcd:v3.5.12') =>
  `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: store, namespace: db }\nspec:\n${replicas}  template:\n    metadata: { labels: { app: store } }\n    spec:\n      containers:\n        - name: main\n          image: ${image}\n`;
const pdb = (field: string) => `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: store, namespace: db }\nspec:\n  ${field}\n  selector: { matchLabels: { app: store } }\n`;

describe('FL602 quorum-replica-count', () => {
  const only = ['FL602'];
  it('even and single member counts (absent replicas = 1)', async () => {
    const { result } = await scanFiles(
      { 'a.yaml': sts('  replicas: 4\n'), 'b.yaml': sts('', 'zookeeper:3.9'), 'c.yaml': sts('  replicas: 2\n', 'confluentinc/cp-zookeeper:7.6') },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a.yaml:5:3-5:14 FL602', 'b.yaml:1:1-10:31 FL602', 'c.yaml:5:3-5:14 FL602']);
    expect(result.findings[0].message).toMatch(/4 replicas tolerate only 1 failure/);
  });
  it('near-misses: 3 and 5, templated, not a quorum store, a Deployment', async () => {
    const cases = {
      'a.yaml': sts('  replicas: 3\n'),
      'b.yaml': sts('  replicas: 5\n'),
      'c.yaml': sts('  replicas: {{ .Values.replicas }}\n'),
      'd.yaml': sts('  replicas: 2\n', 'redis:7'),
      'e.yaml': sts('  replicas: 2\n').replace('StatefulSet', 'Deployment'),
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
  });
});

describe('FL603 pdb-allows-quorum-loss', () => {
  const only = ['FL603'];
  it('maxUnavailable and minAvailable (percentages too) that allow losing the majority', async () => {
    const { result } = await scanFiles(
      {
        'a/s.yaml': sts('  replicas: 3\n') + pdb('maxUnavailable: 2'),
        'b/s.yaml': sts('  replicas: 5\n') + pdb('minAvailable: 40%'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a/s.yaml:17:3-17:20 FL603', 'b/s.yaml:17:3-17:20 FL603']);
    expect(result.findings[1].message).toMatch(/allows 3 of 5.*while 3 are up \(at most 2 down\)/);
  });
  it('near-misses: maxUnavailable 1, minAvailable = majority, a non-quorum workload', async () => {
    const cases = {
      'a.yaml': sts('  replicas: 3\n') + pdb('maxUnavailable: 1'),
      'b.yaml': sts('  replicas: 5\n') + pdb('minAvailable: 3'),
      'c.yaml': sts('  replicas: 3\n', 'redis:7') + pdb('maxUnavailable: 2'),
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
  });
});

const web = (replicas: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web } }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n${replicas}  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers: [{ name: web, image: web }]\n`;
const webPdb = (field: string) => `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: web }\nspec:\n  ${field}\n  selector: { matchLabels: { app: web } }\n`;

describe('FL604 missing-disruption-budget', () => {
  const only = ['FL604'];
  it('replicated Service-selected workloads without a PDB (info); HPA minReplicas counts', async () => {
    const hpa = '---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: web }\nspec:\n  scaleTargetRef: { kind: Deployment, name: web }\n  minReplicas: 3\n';
    const { result } = await scanFiles({ 'a/w.yaml': web('  replicas: 3\n'), 'b/w.yaml': web('') + hpa }, { only });
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['a/w.yaml:10:3-10:14 FL604 info', 'b/w.yaml:6:1-13:46 FL604 info']);
  });
  it('objects without a namespace are joined only within their directory', async () => {
    const { result } = await scanFiles({ 'a/w.yaml': web('  replicas: 3\n'), 'b/pdb.yaml': webPdb('maxUnavailable: 1') }, { only });
    expect(result.findings.map(where)).toEqual(['a/w.yaml:10:3-10:14 FL604']);
  });
  it('near-misses: a PDB selects it, 1 replica, no Service; minReplicas option', async () => {
    const cases = { 'a.yaml': web('  replicas: 3\n') + webPdb('maxUnavailable: 1'), 'b.yaml': web('  replicas: 1\n'), 'c.yaml': web('  replicas: 3\n').replace('app: web } }\n---', 'app: other } }\n---') };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
    expect((await scanFiles({ 'a.yaml': web('  replicas: 3\n') }, { only, config: 'rules:\n  FL604: { options: { minReplicas: 4 } }\n' })).result.findings).toEqual([]);
  });
});

describe('FL605 disruption-budget-blocks-drain', () => {
  const only = ['FL605'];
  it('maxUnavailable 0, minAvailable 100%, minAvailable >= replicas', async () => {
    const { result } = await scanFiles(
      {
        'a/w.yaml': web('  replicas: 3\n') + webPdb('maxUnavailable: 0'),
        'b/w.yaml': web('  replicas: 3\n') + webPdb('minAvailable: 100%'),
        'c/w.yaml': web('  replicas: 2\n') + webPdb('minAvailable: 2'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a/w.yaml:20:3-20:20 FL605', 'b/w.yaml:20:3-20:21 FL605', 'c/w.yaml:20:3-20:18 FL605']);
    expect(result.findings[2].message).toMatch(/Deployment\/web has 2/);
  });
  it('near-misses: minAvailable below replicas, maxUnavailable 1, unknown replicas', async () => {
    const cases = {
      'a.yaml': web('  replicas: 3\n') + webPdb('minAvailable: 2'),
      'b.yaml': web('  replicas: 3\n') + webPdb('maxUnavailable: 1'),
      'c.yaml': web('  replicas: "{{ .Values.n }}"\n') + webPdb('minAvailable: 2'),
    };
    for (const [p, t] of Object.entries(cases)) expect((await scanFiles({ [p]: t }, { only })).result.findings.map(where), p).toEqual([]);
  });
});
