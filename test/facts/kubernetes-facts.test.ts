/**
 * The workload model runs on facts: each Kubernetes document cut down to the objects and fields the
 * model and its rules read (engine/facts/kubernetes.ts, `SHAPES`). These tests hold the cut to
 * what it must be:
 * - facts are copies: they share no object with the document, and survive serialisation (what the
 *   parse cache will store) unchanged;
 * - the model built from cut facts equals the model built from whole objects, field for field,
 *   on the fixtures, the shared corpus, and thousands of generated objects (valid, near-miss and
 *   malformed), and so do the subtrees the rules read from an object or a container.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { k8sFacts, meshValuesFacts, setInMemoryFactsCut, workloadModelOf, type K8sFacts, type MeshValuesFacts, type WorkloadModel } from '../../engine/facts/kubernetes.js';
import { get, type Value } from '../../engine/model.js';
import type { ScanModel } from '../../engine/scan-model.js';
import { scanFiles } from '../helpers/scan.js';

/** Every Kubernetes and Helm-values file under `dir`, as path → text (paths kept relative). */
function configFiles(dir: string, out: Record<string, string> = {}, rel = ''): Record<string, string> {
  for (const name of readdirSync(path.join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    const st = statSync(path.join(dir, p));
    if (st.isDirectory()) configFiles(dir, out, p);
    else if (/\.ya?ml$/.test(name) && st.size < 1 << 20) out[`${path.basename(dir)}/${p}`] = readFileSync(path.join(dir, p), 'utf8');
  }
  return out;
}

function factsOf(scan: ScanModel, cut: boolean): { docs: K8sFacts[]; values: MeshValuesFacts[] } {
  return {
    docs: scan.ofFormat('kubernetes').map((d) => k8sFacts(d, { cut })),
    values: scan.ofFormat('yaml').flatMap((d) => meshValuesFacts(d, { cut }) ?? []),
  };
}

/** The model as JSON, leaving out the object and container values (compared path by path below). */
function projection(m: WorkloadModel): string {
  return JSON.stringify(m, function (this: Record<string, unknown>, key, value) {
    if (key === 'value' && ('apiVersion' in this || 'nativeSidecar' in this)) return undefined;
    return value;
  });
}

/** A value without offset maps (facts drop them; nothing in the model reads them). */
function plain(v: Value | undefined): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v, (k, x) => (k === 'map' ? undefined : x)));
}

/** The subtrees the rules read from workloads, PodDisruptionBudgets and containers, by path. */
const WORKLOAD_PATHS = [['spec', 'updateStrategy']];
const PDB_PATHS = [['spec', 'selector'], ['spec', 'maxUnavailable'], ['spec', 'minAvailable']];
const CONTAINER_PATHS = [['restartPolicy'], ['command'], ['args']];

function expectSameModel(scan: ScanModel): void {
  const cut = factsOf(scan, true);
  const whole = factsOf(scan, false);
  const a = workloadModelOf(cut.docs, cut.values);
  const b = workloadModelOf(whole.docs, whole.values);
  expect(projection(a)).toBe(projection(b));
  a.workloads.forEach((w, i) => {
    const v = b.workloads[i];
    for (const p of WORKLOAD_PATHS) expect(plain(get(w.obj.value, ...p))).toEqual(plain(get(v.obj.value, ...p)));
    w.containers.forEach((c, j) => {
      for (const p of CONTAINER_PATHS) expect(plain(get(c.value, ...p))).toEqual(plain(get(v.containers[j].value, ...p)));
    });
  });
  a.pdbs.forEach((p, i) => {
    for (const q of PDB_PATHS) expect(plain(get(p.obj.value, ...q))).toEqual(plain(get(b.pdbs[i].obj.value, ...q)));
  });
  // serialised and read back (as the parse cache will), the facts build the same model
  const back = v8.deserialize(v8.serialize(cut)) as typeof cut;
  expect(JSON.stringify(workloadModelOf(back.docs, back.values))).toBe(JSON.stringify(a));
}

/** Every object reachable from `root`. */
function objects(root: unknown, out = new Set<object>()): Set<object> {
  const stack: unknown[] = [root];
  while (stack.length) {
    const o = stack.pop();
    if (!o || typeof o !== 'object' || out.has(o)) continue;
    out.add(o);
    for (const v of Object.values(o)) stack.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generated objects: every kind the model joins and some it does not, with fields present,
// absent, templated, or of the wrong kind.

const str = fc.oneof({ weight: 3, arbitrary: fc.constant('web') }, fc.constantFrom('db', 'etcd', 'istio', 'istio-1-22', 'cilium', '{{ .Values.name }}', 'a b'));
const labelKey = fc.constantFrom('app', 'tier', 'sidecar.istio.io/inject', 'istio.io/rev', 'istio-injection');
const labelVal = fc.constantFrom('web', 'db', 'fe', 'true', 'false', 'enabled', '{{ .Values.app }}');
const labels = fc.oneof(
  fc.constantFrom({ app: 'web' }, { app: 'db' }, { app: 'web', tier: 'fe' }, { app: '{{ .Values.app }}' }, { app: 'etcd' }),
  fc.dictionary(labelKey, labelVal, { maxKeys: 3 }),
);
const annotationKey = fc.constantFrom(
  'sidecar.istio.io/inject',
  'sidecar.istio.io/proxyCPU',
  'sidecar.istio.io/proxyCPULimit',
  'proxy.istio.io/config',
  'linkerd.io/inject',
  'config.linkerd.io/proxy-cpu-limit',
  'config.linkerd.io/proxy-cpu-request',
  'kubectl.kubernetes.io/default-container',
  'ignore.faultline.dev/FL401',
  'ignore.faultline.dev/synchronized-updates',
  'ignore.faultline.dev/NOPE',
);
const annotationVal = fc.constantFrom('true', 'false', 'enabled', '100m', '2', 'concurrency: 0\nterminationDrainDuration: 40s', 'web', '{{ x }}', 'drained by the LB (OPS-1)', 'until 2020-01-01 -- expired');
const annotations = fc.dictionary(annotationKey, annotationVal, { maxKeys: 3 });
const cpu = fc.constantFrom('100m', '2', 1, '0.5', '{{ .Values.cpu }}', 'lots');
const intish = fc.constantFrom(0, 1, 2, 3, 5, '50%', '100%', '{{ n }}', 'x');
/** Sometimes the right kind, sometimes a scalar, a list or a map where another kind belongs. */
const wrong = fc.constantFrom<unknown>('oops', 7, null, [], {}, ['a'], { x: 1 });
const maybe = <T,>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: wrong });

const hook = fc.oneof(
  fc.record({ sleep: fc.record({ seconds: intish }) }),
  fc.record({ exec: fc.record({ command: fc.constantFrom(['sleep', '20'], ['/bin/sh', '-c', 'sleep 5; sleep 10'], ['drain'], ['sleep', '{{ x }}']) }) }),
  fc.record({ httpGet: fc.record({ path: fc.constant('/stop') }) }),
);
const container = fc.record(
  {
    name: str,
    image: fc.constantFrom('nginx:1.27', 'envoyproxy/envoy:v1.30', 'docker.io/istio/proxyv2:1.22', 'cr.l5d.io/linkerd/proxy:stable', 'quay.io/coreos/etcd:v3.5', 'hashicorp/consul:1.17'),
    command: maybe(fc.constantFrom(['envoy'], ['consul', 'agent', '-server'])),
    args: maybe(fc.constantFrom(['--concurrency', '4'], ['--concurrency=1'], ['-c', '/etc/envoy.yaml'])),
    restartPolicy: fc.constantFrom('Always', 'Never'),
    ports: maybe(fc.constant([{ containerPort: 80 }])),
    resources: maybe(fc.record({ requests: maybe(fc.record({ cpu, memory: fc.constant('1Gi') })), limits: maybe(fc.record({ cpu })) }, { requiredKeys: [] })),
    lifecycle: maybe(fc.record({ preStop: hook, postStart: hook }, { requiredKeys: [] })),
    env: fc.constant([{ name: 'A', value: 'b' }]),
  },
  { requiredKeys: ['name'] },
);
const podSpec = fc.record(
  {
    terminationGracePeriodSeconds: maybe(intish),
    containers: maybe(fc.array(container, { maxLength: 3 })),
    initContainers: maybe(fc.array(container, { maxLength: 2 })),
    volumes: fc.constant([{ name: 'v', emptyDir: {} }]),
  },
  { requiredKeys: [] },
);
const template = fc.record({ metadata: maybe(fc.record({ labels, annotations }, { requiredKeys: [] })), spec: maybe(podSpec) }, { requiredKeys: [] });
const meta = fc.record({ name: str, namespace: fc.constantFrom(undefined, 'shop', 'mesh'), labels, annotations }, { requiredKeys: ['name'] });
const selector = fc.oneof(labels, wrong);
const labelSelector = fc.oneof(
  { weight: 3, arbitrary: fc.record({ matchLabels: labels }) },
  { weight: 2, arbitrary: fc.record({ matchLabels: maybe(labels), matchExpressions: maybe(fc.constant([{ key: 'app', operator: 'In', values: ['web', 'db'] }])) }, { requiredKeys: [] }) },
);

const object = fc.oneof(
  fc.record({
    apiVersion: fc.constant('apps/v1'),
    kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'),
    metadata: meta,
    spec: maybe(
      fc.record(
        {
          replicas: maybe(intish),
          template: maybe(template),
          updateStrategy: maybe(fc.record({ type: fc.constantFrom('RollingUpdate', 'OnDelete'), rollingUpdate: fc.record({ maxUnavailable: intish }) }, { requiredKeys: [] })),
          selector: maybe(labelSelector),
        },
        { requiredKeys: [] },
      ),
    ),
  }),
  fc.record({ apiVersion: fc.constantFrom('argoproj.io/v1alpha1', 'example.com/v1'), kind: fc.constant('Rollout'), metadata: meta, spec: maybe(fc.record({ replicas: intish, template })) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), metadata: fc.record({ name: str, namespace: fc.constantFrom(undefined, 'shop'), labels, annotations }), spec: maybe(podSpec) }),
  fc.record({
    apiVersion: fc.constant('batch/v1'),
    kind: fc.constant('CronJob'),
    metadata: meta,
    spec: fc.record(
      {
        schedule: fc.constantFrom('0 3 * * *', '*/10 * * * *', 'TZ=Europe/Paris 0 2 * * 1', 'CRON_TZ=Nowhere/City 0 2 * * *', 'bad cron', 30),
        timeZone: maybe(fc.constantFrom('UTC', 'Asia/Kathmandu', 'Mars/Olympus')),
        suspend: maybe(fc.boolean()),
        jobTemplate: fc.record({ spec: fc.record({ template }) }),
        concurrencyPolicy: fc.constant('Forbid'),
      },
      { requiredKeys: ['schedule', 'jobTemplate'] },
    ),
  }),
  fc.record({
    apiVersion: fc.constant('apps/v1'),
    kind: fc.constant('DaemonSet'),
    metadata: fc.record({ name: fc.constantFrom('kured', 'cilium', 'calico-node', 'node-exporter'), namespace: fc.constant('kube-system') }),
    spec: fc.record({
      template: fc.record({
        spec: fc.record({
          containers: fc.array(
            fc.record({
              name: fc.constantFrom('kured', 'cilium-agent', 'exporter'),
              image: fc.constantFrom('ghcr.io/kubereboot/kured:1.15.0', 'quay.io/cilium/cilium:v1.15.0', 'calico/node:v3.27', 'prom/node-exporter'),
              command: maybe(fc.constantFrom(['/usr/bin/kured'], ['cilium-agent'])),
              args: maybe(fc.constantFrom(['--reboot-days=mon,tue', '--start-time=2:00', '--end-time=5am', '--time-zone=Europe/Paris'], ['--start-time', '23:00', '--end-time', '1:00'], ['--time-zone=Local'], ['--start-time=25:99'])),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        }),
      }),
      updateStrategy: maybe(fc.record({ type: fc.constant('RollingUpdate'), rollingUpdate: fc.record({ maxUnavailable: intish }) })),
    }),
  }),
  fc.record({ apiVersion: fc.constant('helm.toolkit.fluxcd.io/v2'), kind: fc.constantFrom('HelmRelease', 'HelmChart'), metadata: fc.record({ name: fc.constantFrom('cni', 'calico', 'app') }), spec: maybe(fc.record({ chart: fc.oneof(fc.constantFrom('cilium', 'tigera-operator'), fc.record({ spec: fc.record({ chart: fc.constantFrom('cilium', 'podinfo') }) })) })) }),
  fc.record({ apiVersion: fc.constantFrom('operator.tigera.io/v1', 'example.com/v1'), kind: fc.constant('Installation'), metadata: fc.record({ name: fc.constant('default') }) }),
  fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Secret'),
    metadata: fc.record({ name: fc.constantFrom('prod-use1', 'prod-euw1', 'stg'), namespace: fc.constant('argocd'), labels: fc.record({ 'argocd.argoproj.io/secret-type': fc.constantFrom('cluster', 'repository'), env: fc.constantFrom('prod', 'staging') }) }),
    stringData: fc.record({ name: fc.constantFrom('prod-use1', 'prod-euw1'), server: fc.constantFrom('https://A1.gr7.us-east-1.eks.amazonaws.com', 'https://B2.yl4.eu-west-1.eks.amazonaws.com') }),
  }),
  fc.record({
    apiVersion: fc.constant('argoproj.io/v1alpha1'),
    kind: fc.constant('ApplicationSet'),
    metadata: fc.record({ name: str, namespace: fc.constant('argocd') }),
    spec: fc.record({
      generators: fc.constantFrom([{ clusters: {} }], [{ clusters: { selector: { matchLabels: { env: 'prod' } } } }], [{ list: { elements: [{ name: 'a', server: 'https://A1.gr7.us-east-1.eks.amazonaws.com' }, { name: 'b', server: 'https://B2.yl4.eu-west-1.eks.amazonaws.com' }] } }]),
      template: fc.constantFrom<unknown>(...[{}, { enabled: false }, null, { prune: true }].map((automated) => ({ metadata: { name: 'x-{{name}}' }, spec: { project: 'default', destination: { server: '{{server}}' }, syncPolicy: { automated } } }))),
      strategy: maybe(fc.record({ type: fc.constantFrom('RollingSync', 'AllAtOnce') })),
    }, { requiredKeys: ['generators', 'template'] }),
  }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Service'), metadata: meta, spec: maybe(fc.record({ selector: maybe(selector), ports: fc.constant([{ port: 80 }]) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('policy/v1'), kind: fc.constant('PodDisruptionBudget'), metadata: meta, spec: maybe(fc.record({ selector: maybe(labelSelector), maxUnavailable: maybe(intish), minAvailable: maybe(intish) }, { requiredKeys: [] })) }),
  fc.record({
    apiVersion: fc.constant('autoscaling/v2'),
    kind: fc.constant('HorizontalPodAutoscaler'),
    metadata: meta,
    spec: maybe(fc.record({ scaleTargetRef: maybe(fc.record({ kind: fc.constantFrom('Deployment', 'StatefulSet'), name: str })), minReplicas: maybe(intish), maxReplicas: fc.constant(10) }, { requiredKeys: [] })),
  }),
  fc.record({
    apiVersion: fc.constant('networking.k8s.io/v1'),
    kind: fc.constant('Ingress'),
    metadata: meta,
    spec: maybe(fc.record({ defaultBackend: maybe(fc.record({ service: fc.record({ name: str }) })), rules: maybe(fc.constant([{ http: { paths: [{ path: '/', backend: { service: { name: 'web' } } }] } }])) }, { requiredKeys: [] })),
  }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constantFrom('HTTPRoute', 'GRPCRoute'), metadata: meta, spec: maybe(fc.record({ rules: fc.constant([{ backendRefs: [{ name: 'web' }, { kind: 'Service', name: 'db', namespace: 'shop' }] }]) })) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Namespace'), metadata: fc.record({ name: fc.constantFrom('shop', 'mesh'), labels, annotations }) }),
  fc.record({
    apiVersion: fc.constant('install.istio.io/v1alpha1'),
    kind: fc.constant('IstioOperator'),
    metadata: fc.record({ name: str }),
    spec: maybe(fc.record({ values: maybe(fc.record({ global: fc.record({ proxy: fc.record({ resources: fc.record({ limits: fc.record({ cpu }), requests: fc.record({ cpu }) }) }) }) })), meshConfig: maybe(fc.record({ defaultConfig: fc.record({ concurrency: intish, terminationDrainDuration: fc.constantFrom('30s', 45, 'x') }) })) }, { requiredKeys: [] })),
  }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('ConfigMap'), metadata: fc.record({ name: fc.constantFrom('istio', 'istio-1-22', 'istio-sidecar-injector', 'app-config') }), data: maybe(fc.record({ mesh: fc.constantFrom('defaultConfig:\n  concurrency: 0\n  terminationDrainDuration: 20s\n', 'nope: [', 'defaultConfig: 3') })) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Secret'), metadata: meta, data: fc.constant({ k: 'dg==' }) }),
);
/** A file: one to four objects, sometimes as a `List`. */
const file = fc.tuple(fc.array(object, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([objs, list]) => {
  const clean = (o: unknown) => JSON.parse(JSON.stringify(o ?? null));
  return list ? stringify({ apiVersion: 'v1', kind: 'List', items: objs.map(clean) }) : objs.map((o) => stringify(clean(o))).join('---\n');
});
const helmValues = fc.record({ global: fc.record({ proxy: fc.record({ resources: maybe(fc.record({ limits: fc.record({ cpu }) })), image: fc.constant('proxyv2') }) }), meshConfig: maybe(fc.record({ defaultConfig: fc.record({ concurrency: intish }) })) });

/** Findings, diagnostics and schedule windows of a scan, with the facts of documents in memory cut or whole (the default). */
async function outcome(files: Record<string, string>, cut: boolean): Promise<string> {
  setInMemoryFactsCut(cut);
  try {
    const { result } = await scanFiles(files);
    return JSON.stringify({ findings: result.findings, diagnostics: result.diagnostics, schedules: result.schedules });
  } finally {
    setInMemoryFactsCut(false);
  }
}

describe('kubernetes facts', () => {
  it('as stored, are copies of the document: no shared objects, and much smaller than the document', async () => {
    const { model } = await scanFiles({
      'k8s/app.yaml': [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop, annotations: { a: b } }\nspec:\n  replicas: 3\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          env: [{ name: A, value: "1" }, { name: B, value: "2" }, { name: C, value: "3" }]\n          volumeMounts: [{ name: v, mountPath: /data }]\n          readinessProbe: { httpGet: { path: /healthz, port: 80 }, periodSeconds: 5 }\n          lifecycle: { preStop: { exec: { command: [sleep, "10"] } } }\n      volumes: [{ name: v, emptyDir: {} }]\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app-config }\ndata: { key: value }\n',
      ].join('---\n'),
    });
    const [doc, other] = model.ofFormat('kubernetes');
    // as stored with the parse: a deep copy (in memory the cut may share the document's leaves)
    const facts = k8sFacts(doc, { stored: true });
    const inDoc = objects(doc);
    for (const o of objects(facts)) expect(inDoc.has(o)).toBe(false);
    expect(JSON.stringify(facts)).toBe(JSON.stringify(k8sFacts(doc), (k, v) => (k === 'map' ? undefined : v)));
    // of the ConfigMap (not a kind the models read) only the header is kept
    expect(k8sFacts(other).objects.map((o) => [`${o.kind}/${o.name}`, o.value.entries])).toEqual([['ConfigMap/app-config', []]]);
    // of the Deployment, env, probes, mounts and volumes are cut
    const c = get(facts.objects[0].value, 'spec', 'template', 'spec', 'containers', 0);
    expect([get(c, 'env'), get(c, 'readinessProbe'), get(c, 'volumeMounts'), get(facts.objects[0].value, 'spec', 'template', 'spec', 'volumes')]).toEqual([undefined, undefined, undefined, undefined]);
    expect(get(c, 'lifecycle', 'preStop', 'exec', 'command', 1)).toMatchObject({ kind: 'scalar', value: '10' });
    expect(objects(facts).size * 2).toBeLessThan(objects(doc.model).size);
  });

  it('build the same model as whole objects on the fixtures and the shared corpus', async () => {
    const files = { ...configFiles('fixtures'), ...configFiles(path.join('..', 'shared', 'corpus')) };
    const { model } = await scanFiles(files);
    expect(model.ofFormat('kubernetes').length).toBeGreaterThan(10);
    expectSameModel(model);
  });

  it('build the same model as whole objects on generated objects, near-misses and malformed ones', async () => {
    for (const seed of [1, 2, 3]) {
      const files: Record<string, string> = {};
      fc.sample(file, { seed, numRuns: 500 }).forEach((text, i) => (files[`${['shop', 'mesh', 'ops'][i % 3]}/obj-${i}.yaml`] = text));
      fc.sample(helmValues, { seed, numRuns: 3 }).forEach((v, i) => (files[`charts/istio-${i}/values.yaml`] = stringify(JSON.parse(JSON.stringify(v)))));
      const { model } = await scanFiles(files);
      const m = workloadModelOf(factsOf(model, true).docs, factsOf(model, true).values);
      // the generator reaches the joins it is meant to test
      expect(m.workloads.length).toBeGreaterThan(25);
      for (const join of ['services', 'frontends', 'pdbs', 'hpas'] as const) expect([join, m.workloads.some((w) => w[join].length > 0)]).toEqual([join, true]); // (named, for the message)
      expect(m.workloads.some((w) => w.injected)).toBe(true);
      expectSameModel(model);
    }
  });

  it('lose nothing any consumer reads: a whole scan on cut facts equals one on whole objects', async () => {
    const files: Record<string, string> = { ...configFiles('fixtures'), ...configFiles(path.join('..', 'shared', 'corpus')) };
    for (const seed of [11, 12]) {
      fc.sample(file, { seed, numRuns: 300 }).forEach((text, i) => (files[`regions/${['us1', 'eu1', 'ap1'][i % 3]}/gen-${seed}/obj-${i}.yaml`] = text));
    }
    const cut = await outcome(files, true);
    expect(cut).toBe(await outcome(files, false));
    // the generated objects reach every consumer of the facts
    const ids = new Set((JSON.parse(cut) as { findings: { ruleId: string; suppression?: unknown }[] }).findings.map((f) => f.ruleId));
    for (const rule of ['FL401', 'FL402', 'FL501', 'FL601', 'FL623']) expect([rule, ids.has(rule)]).toEqual([rule, true]);
    expect(cut).toMatch(/"expression":"schedule: /);
    expect(cut).toMatch(/"expression":"kured /);
    expect(cut).toMatch(/"kind":"annotation"/);
  });

  it('lose nothing CNI evidence reads: Helm releases and the Tigera operator next to a networkd node image', async () => {
    const image =
      'source "amazon-ebs" "node" {\n  ami_name = "k8s-node"\n  source_ami_filter {\n    filters = { name = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*" }\n  }\n}\n\nbuild {\n  sources = ["source.amazon-ebs.node"]\n}\n';
    const sets: Record<string, string>[] = [
      { 'img/node.pkr.hcl': image, 'k8s/cni.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: cni, namespace: kube-system }\nspec:\n  chart: { spec: { chart: cilium } }\n' },
      { 'img/node.pkr.hcl': image, 'k8s/cni.yaml': 'apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: { name: cni }\nspec: { chart: cilium }\n' },
      { 'img/node.pkr.hcl': image, 'k8s/cni.yaml': 'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\n' },
    ];
    for (const files of sets) {
      const cut = await outcome(files, true);
      expect(cut).toMatch(/"ruleId":"FL301"/);
      expect(cut).toBe(await outcome(files, false));
    }
  });

  it('reach findings through documentId: a finding in an embedded manifest keeps its embedding chain', async () => {
    const manifest = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }]\n',
      'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web } }\n',
    ].join('---\n');
    const userData = `#cloud-config\nwrite_files:\n  - path: /etc/kubernetes/manifests/web.yaml\n    content: |\n${manifest.replace(/^/gm, '      ')}`;
    const { result, model } = await scanFiles({ 'nodes/user-data.yaml': userData });
    expect(model.ofFormat('kubernetes').every((d) => d.origin)).toBe(true);
    const f = result.findings.filter((x) => x.ruleId === 'FL401');
    expect(f).toHaveLength(1);
    expect(f[0].location.path).toBe('nodes/user-data.yaml');
    expect(f[0].embedding?.join(' ')).toMatch(/web\.yaml/);
  });
});
