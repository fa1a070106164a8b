// @ts-expect-error the bench generator is plain JavaScript
import { rng } from '../../bench/generate.mjs';

/**
 * Kubernetes objects one or two to a file, joined across files the ways the workload model joins
 * them (Services and PodDisruptionBudgets by labels, autoscalers by name, Ingresses and routes by
 * Service name; within a namespace, or a directory when none is written; templated labels and
 * broad selectors), next to objects that feed fleet-wide facts (namespace injection, mesh
 * defaults, a Helm values file, DaemonSets, a CronJob, an update operator). A changed-files run
 * leaves unread the files no reported finding can depend on, so a key missed there hides here.
 */
export function kubernetesTree(seed: number): Record<string, string> {
  const rnd: () => number = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const apps = ['cart', 'pay', 'search', 'auth', 'mail', 'feed', 'news', 'chat', 'geo', 'img'];
  const nss = ['shop', 'core', 'data', 'edge', 'ops', undefined];
  const dirs = ['apps/shop', 'apps/core', 'apps/data', 'apps/edge', 'charts/web/templates', 'charts/api/templates', 'clusters/eu'];
  const files: Record<string, string> = {};
  const meta = (name: string, ns: string | undefined, extra = '') => `metadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}${extra}`;
  const labelsOf = (app: string) => (rnd() < 0.03 ? '{ app: "{{ .Values.app }}" }' : `{ app: ${app}, tier: ${pick(['web', 'db'])} }`);
  const workload = (kind: string, name: string, ns: string | undefined, app: string) =>
    `apiVersion: apps/v1\nkind: ${kind}\n${meta(name, ns)}spec:\n  replicas: ${pick([1, 2, 3, 4])}\n  selector: { matchLabels: { app: ${app} } }\n  template:\n    metadata:\n      labels: ${labelsOf(app)}\n${rnd() < 0.3 ? '      annotations: { sidecar.istio.io/inject: "true" }\n' : ''}    spec:\n      containers:\n        - name: ${app}\n          image: registry.example/${app}:1\n          ports: [{ containerPort: 8080 }]\n${rnd() < 0.4 ? '          lifecycle: { preStop: { exec: { command: [sleep, "20"] } } }\n' : ''}${kind === 'StatefulSet' && rnd() < 0.5 ? '        - name: etcd\n          image: quay.io/coreos/etcd:v3.5\n' : ''}`;
  const service = (name: string, ns: string | undefined, app: string) => {
    const r = rnd();
    const selector = r < 0.03 ? '{ app: "{{ .Values.app }}" }' : r < 0.15 ? `{ tier: ${pick(['web', 'db'])} }` : `{ app: ${app} }`;
    return `apiVersion: v1\nkind: Service\n${meta(name, ns)}spec:\n  selector: ${selector}\n  ports: [{ port: 80 }]\n`;
  };
  const pdb = (name: string, ns: string | undefined, app: string) => {
    const r = rnd();
    const selector = r < 0.05 ? '{ matchExpressions: [{ key: app, operator: In, values: [' + app + '] }] }' : r < 0.08 ? '{}' : `{ matchLabels: { app: ${app} } }`;
    return `apiVersion: policy/v1\nkind: PodDisruptionBudget\n${meta(name, ns)}spec:\n  ${pick(['maxUnavailable: 0', 'minAvailable: 1', 'maxUnavailable: 1'])}\n  selector: ${selector}\n`;
  };
  const hpa = (name: string, ns: string | undefined, target: string) =>
    `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n${meta(name, ns)}spec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${target} }\n  minReplicas: ${pick([1, 2, 3])}\n  maxReplicas: 10\n`;
  const ingress = (name: string, ns: string | undefined, svc: string) =>
    `apiVersion: networking.k8s.io/v1\nkind: Ingress\n${meta(name, ns)}spec:\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend: { service: { name: ${svc}, port: { number: 80 } } }\n`;
  const route = (name: string, ns: string | undefined, svc: string, backendNs: string | undefined) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n${meta(name, ns)}spec:\n  rules:\n    - backendRefs: [{ name: ${svc}${backendNs ? `, namespace: ${backendNs}` : ''}, port: 80 }]\n`;
  for (let i = 0; i < 60; i++) {
    const dir = pick(dirs);
    const ns = pick(nss);
    const app = pick(apps);
    const r = rnd();
    const body =
      r < 0.35
        ? workload(pick(['Deployment', 'Deployment', 'StatefulSet']), `${app}${i % 3}`, ns, app)
        : r < 0.55
          ? service(`${app}`, ns, app)
          : r < 0.7
            ? pdb(`${app}-pdb${i}`, ns, app)
            : r < 0.8
              ? hpa(`${app}-hpa${i}`, ns, `${app}${i % 3}`)
              : r < 0.9
                ? ingress(`${app}-in${i}`, ns, app)
                : route(`${app}-rt${i}`, ns, app, pick(nss));
    // now and then two objects in one file, the second unrelated to the first
    files[`${dir}/obj-${i}.yaml`] = rnd() < 0.2 ? `${body}---\n${service(pick(apps), pick(nss), pick(apps))}` : body;
  }
  files['clusters/eu/namespaces.yaml'] = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: { istio-injection: enabled }\n';
  files['clusters/eu/istio.yaml'] =
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: { name: mesh, namespace: istio-system }\nspec:\n  values:\n    global:\n      proxy:\n        resources: { limits: { cpu: 100m } }\n';
  files['clusters/eu/mesh.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: istio, namespace: istio-system }\ndata:\n  mesh: |\n    defaultConfig:\n      concurrency: 4\n      terminationDrainDuration: 45s\n';
  files['charts/web/values.yaml'] = 'global:\n  proxy:\n    resources:\n      limits: { cpu: 200m }\n';
  files['clusters/eu/kured.yaml'] =
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: kured, namespace: kube-system }\nspec:\n  selector: { matchLabels: { name: kured } }\n  template:\n    metadata: { labels: { name: kured } }\n    spec:\n      containers: [{ name: kured, image: ghcr.io/kubereboot/kured:1.15.0, command: [/usr/bin/kured, --reboot-days=mon, --start-time=2am, --end-time=4am] }]\n';
  files['apps/core/report.yaml'] =
    'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: report, namespace: core }\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        metadata: { labels: { app: report } }\n        spec:\n          containers: [{ name: report, image: registry.example/report:1 }]\n';
  files['apps/shop/dump.yaml'] = `apiVersion: v1\nkind: List\nitems:\n${[workload('Deployment', 'listed', 'shop', 'cart'), service('listed', 'shop', 'cart')]
    .map((o) => o.trimEnd().replace(/^/gm, '    ').replace(/^ {4}/, '  - '))
    .join('\n')}\n`;
  return files;
}
