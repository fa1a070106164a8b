/**
 * The Kubernetes workload model: workloads joined with what selects them.
 *
 * A `Workload` is a pod-producing object (Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Pod, Job, CronJob, Argo Rollout) with its pod template, containers
 * (app containers, explicit proxy containers, native sidecars), and the objects of the same scan
 * that select it: Services (same namespace, selector ⊆ pod labels), Ingresses / Gateway HTTPRoutes
 * through those Services, PodDisruptionBudgets and HorizontalPodAutoscalers.
 *
 * Injected sidecars are modelled from annotations (Istio `sidecar.istio.io/*`,
 * `proxy.istio.io/config`; Linkerd `config.linkerd.io/*`) and from mesh-wide defaults found in the
 * scan (IstioOperator, Istio helm values, the `istio` mesh ConfigMap).
 *
 * Honesty: values written as templates (`{{ }}`) are unknown (undefined), never guessed. When a
 * namespace is not written, objects in the same directory are taken to share it (Helm charts).
 *
 * The model, and every other reader of Kubernetes objects, reads a document only through its
 * *facts* (`kubernetesFacts`): its objects, each cut to the fields its readers use (`SHAPES`).
 * The cut facts are stored with the parse, so a changed-files scan rebuilds the model without
 * decoding unchanged files' documents; for a document already in memory the facts are its objects
 * whole (cutting would only allocate), and the oracle tests hold both to the same findings
 * (docs/decisions.md, docs/performance.md).
 *
 * Everything is computed once per scan and cached.
 */
import { parse as parseYaml } from 'yaml';
import { get, getEntry, isMap, isScalar, isSeq, items, str, type DocumentOf, type K8sObject, type MapEntry, type MapValue, type Value } from '../model.js';
import type { FleetConfig } from '../config.js';
import type { ScanModel } from '../scan-model.js';
import { ANNOTATION_PREFIX } from '../suppressions.js';
import type { Loc } from '../source.js';
import picomatch from 'picomatch';

// ---------------------------------------------------------------------------------------------
// Scalars

export function isTemplated(s: string | undefined): boolean {
  return s !== undefined && /\{\{|\{%|\$\{/.test(s);
}

/** A scalar as a string, undefined when absent, non-scalar or templated. */
export function known(v: Value | undefined): string | undefined {
  const s = str(v);
  return s === undefined || isTemplated(s) ? undefined : s;
}

/** Kubernetes CPU quantity → millicores ("2" → 2000, "500m" → 500, 0.5 → 500). */
export function parseCpu(v: Value | string | number | undefined): number | undefined {
  const s = typeof v === 'object' ? known(v) : v === undefined ? undefined : String(v);
  if (s === undefined) return undefined;
  const m = /^\s*([0-9]*\.?[0-9]+)(m?)\s*$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'm' ? n : Math.round(n * 1000);
}

export function formatCpu(milli: number): string {
  if (milli % 1000 === 0) return `${milli / 1000} CPU${milli === 1000 ? '' : 's'}`;
  return `${milli}m CPU`;
}

/** Integer scalar, undefined when templated or not a number. */
export function intOf(v: Value | undefined): number | undefined {
  const s = known(v);
  if (s === undefined || !/^\s*-?\d+\s*$/.test(s)) return undefined;
  return Number(s);
}

/** Go/Istio duration ("5s", "1m30s", "500ms", "45") → seconds. */
export function parseDuration(s: string | number | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'number') return s;
  if (isTemplated(s)) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of s.trim().matchAll(re)) {
    matched += m[0];
    total += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]];
  }
  return matched === s.trim() && matched !== '' ? total : undefined;
}

/** `int or percent` fields (maxUnavailable, minAvailable). */
export type IntOrPercent = { n: number; percent: boolean };
export function intOrPercent(v: Value | undefined): IntOrPercent | undefined {
  const s = known(v);
  if (s === undefined) return undefined;
  const m = /^\s*(\d+)(%?)\s*$/.exec(s);
  return m ? { n: Number(m[1]), percent: m[2] === '%' } : undefined;
}

/** A span from an entry's key to the end of its value (`cpu: "2"`). */
export function entrySpan(e: MapEntry): Loc {
  return { file: e.keyLoc.file, start: e.keyLoc.start, end: e.value.loc.end };
}

function parseEmbeddedYaml(s: string | undefined): unknown {
  if (s === undefined || isTemplated(s)) return undefined;
  try {
    return parseYaml(s, { maxAliasCount: 10 });
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes versions

export interface K8sVersion {
  major: number;
  minor: number;
  /** Where it comes from, in words ("fleet.clusters.prod.kubernetesVersion", "aws_eks_cluster.main version"). */
  source: string;
  loc?: Loc;
}

export function parseVersion(s: string | undefined): { major: number; minor: number } | undefined {
  if (s === undefined || isTemplated(s)) return undefined;
  const m = /^\s*v?(\d+)\.(\d+)/.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function versionAtLeast(v: { major: number; minor: number }, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** Terraform resources whose version attributes give a cluster's Kubernetes version (a fleet-wide fact: see `clusterVersion`). */
export const TF_VERSION_ATTRS: Readonly<Record<string, string[]>> = {
  aws_eks_cluster: ['version'],
  google_container_cluster: ['min_master_version', 'node_version'],
  azurerm_kubernetes_cluster: ['kubernetes_version'],
};

/** Cluster versions from Terraform in the scan (EKS, GKE, AKS). */
function terraformVersions(scan: ScanModel): K8sVersion[] {
  const out: K8sVersion[] = [];
  for (const doc of scan.ofFormat('terraform')) {
    for (const b of doc.model.body.blocks) {
      if (b.type !== 'resource' || !TF_VERSION_ATTRS[b.labels[0]]) continue;
      for (const a of b.body.attributes) {
        if (!TF_VERSION_ATTRS[b.labels[0]].includes(a.name)) continue;
        const s = a.value && isScalar(a.value) ? str(a.value) : a.expr.t === 'literal' ? String(a.expr.value) : undefined;
        const v = parseVersion(s);
        if (v) out.push({ ...v, source: `${b.labels[0]}.${b.labels[1]} ${a.name} = "${s}"`, loc: a.loc });
        break;
      }
    }
  }
  return out;
}

const versionCache = new WeakMap<ScanModel, { tf: K8sVersion[] }>();

/**
 * The Kubernetes version of the cluster a file is applied to, when knowable: a `fleet.clusters`
 * entry whose `paths` match the file; else the lowest version declared anywhere (fleet config,
 * EKS/GKE/AKS Terraform) — the conservative answer for version-gated advice. Undefined if none.
 */
export function clusterVersion(scan: ScanModel, file: string): K8sVersion | undefined {
  const clusters = Object.entries(scan.fleet.clusters ?? {});
  const all: K8sVersion[] = [];
  for (const [name, c] of clusters) {
    const v = parseVersion(c.kubernetesVersion);
    if (!v) continue;
    const kv = { ...v, source: `fleet.clusters.${name}.kubernetesVersion "${c.kubernetesVersion}"` };
    if (c.paths?.length && picomatch(c.paths, { dot: true })(file)) return kv;
    if (!c.paths?.length) all.push(kv);
  }
  let cached = versionCache.get(scan);
  if (!cached) versionCache.set(scan, (cached = { tf: terraformVersions(scan) }));
  all.push(...cached.tf);
  if (all.length === 0) return undefined;
  return all.reduce((a, b) => (versionAtLeast(a, b.major, b.minor) ? b : a));
}

// ---------------------------------------------------------------------------------------------
// Containers

export type ProxyKind = 'envoy' | 'istio' | 'linkerd' | 'consul';

const PROXY_IMAGES: [RegExp, ProxyKind][] = [
  [/(^|\/)(envoyproxy\/envoy[\w.-]*|envoy|envoy-alpine|cilium-envoy|gloo-envoy-wrapper|envoy-distroless)(:|@|$)/, 'envoy'],
  [/(^|\/)proxyv2(:|@|$)/, 'istio'],
  [/(^|\/)linkerd2?-proxy(:|@|$)|linkerd\/proxy(:|@|$)/, 'linkerd'],
  [/(^|\/)(consul-dataplane)(:|@|$)/, 'consul'],
];
const PROXY_NAMES: Record<string, ProxyKind> = {
  envoy: 'envoy',
  'envoy-sidecar': 'envoy',
  'envoy-proxy': 'envoy',
  'istio-proxy': 'istio',
  'linkerd-proxy': 'linkerd',
  'consul-dataplane': 'consul',
  'consul-connect-envoy-sidecar': 'envoy',
};

export function proxyKindOf(name: string | undefined, image: string | undefined): ProxyKind | undefined {
  if (image !== undefined && !isTemplated(image)) {
    for (const [re, k] of PROXY_IMAGES) if (re.test(image)) return k;
  }
  return name !== undefined ? PROXY_NAMES[name] : undefined;
}

export interface Container {
  name: string;
  value: MapValue;
  /** The `name: x` span (where findings about the container point), else the container's span. */
  nameLoc: Loc;
  image?: string;
  field: 'containers' | 'initContainers';
  /** An init container with `restartPolicy: Always` (a native sidecar, Kubernetes ≥ 1.29). */
  nativeSidecar: boolean;
  /** Explicit proxy container (by image or name). */
  proxy?: ProxyKind;
  /** command + args as static words (undefined where templated / non-scalar). */
  argv: (string | undefined)[];
  cpuRequest?: number;
  cpuLimit?: number;
  cpuRequestEntry?: MapEntry;
  cpuLimitEntry?: MapEntry;
  preStop?: MapEntry;
  ports: boolean;
}

function containerOf(c: MapValue, field: Container['field']): Container {
  const nameE = getEntry(c, 'name');
  const name = str(nameE?.value) ?? '';
  const image = str(get(c, 'image'));
  const words = [...items(get(c, 'command')), ...items(get(c, 'args'))];
  const reqE = getEntry(get(c, 'resources', 'requests'), 'cpu');
  const limE = getEntry(get(c, 'resources', 'limits'), 'cpu');
  const out: Container = {
    name,
    value: c,
    nameLoc: nameE ? entrySpan(nameE) : c.loc,
    image,
    field,
    nativeSidecar: field === 'initContainers' && str(get(c, 'restartPolicy')) === 'Always',
    proxy: proxyKindOf(name, image),
    argv: words.map((w) => (isScalar(w) && w.value !== null && !isTemplated(String(w.value)) ? String(w.value) : undefined)),
    cpuRequest: parseCpu(reqE?.value),
    cpuLimit: parseCpu(limE?.value),
    cpuRequestEntry: reqE,
    cpuLimitEntry: limE,
    preStop: getEntry(get(c, 'lifecycle'), 'preStop'),
    ports: items(get(c, 'ports')).length > 0,
  };
  return out;
}

// ---------------------------------------------------------------------------------------------
// preStop durations

export interface HookDuration {
  /** Seconds, Infinity for `sleep infinity`, undefined when unknown (a script, an HTTP call). */
  seconds?: number;
  kind: 'sleep-action' | 'exec' | 'http' | 'tcp' | 'unknown';
  /** Where the duration is written (the `seconds:` value or the command). */
  loc: Loc;
  /** In words: "sleep 20", "native sleep 40 s". */
  what: string;
}

const SLEEP_RE = /(?:^|[\s;&|(])sleep\s+(infinity|inf|\d+(?:\.\d+)?[smhd]?)(?=$|[\s;&|)])/g;

function sleepSeconds(arg: string): number {
  if (arg === 'inf' || arg === 'infinity') return Infinity;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg)!;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]];
}

/** How long a `preStop` handler takes, as far as the text says. */
export function hookDuration(preStop: MapEntry): HookDuration {
  const h = preStop.value;
  const sleep = get(h, 'sleep', 'seconds');
  if (sleep) {
    const n = intOf(sleep);
    return { seconds: n, kind: 'sleep-action', loc: sleep.loc, what: `sleep action of ${n ?? '?'} s` };
  }
  const cmd = getEntry(get(h, 'exec'), 'command');
  if (cmd) {
    const words = items(cmd.value).map((w) => known(w));
    // direct `sleep N`, or any `sleep N` in a shell script; several sleeps run one after another
    const text = words.every((w) => w !== undefined) ? words.join(' ') : undefined;
    if (text === undefined) return { kind: 'exec', loc: cmd.value.loc, what: 'exec hook' };
    let total = 0;
    let n = 0;
    for (const m of text.matchAll(SLEEP_RE)) {
      total += sleepSeconds(m[1]);
      n++;
    }
    const onlySleep = words.length === 2 && /(^|\/)sleep$/.test(words[0]!);
    if (n > 0) return { seconds: total, kind: 'exec', loc: cmd.value.loc, what: onlySleep ? `sleep ${words[1]}` : `exec hook with sleep totalling ${total} s` };
    return { kind: 'exec', loc: cmd.value.loc, what: `exec hook \`${text.length > 60 ? text.slice(0, 57) + '...' : text}\`` };
  }
  if (get(h, 'httpGet')) return { kind: 'http', loc: h.loc, what: 'httpGet hook' };
  if (get(h, 'tcpSocket')) return { kind: 'tcp', loc: h.loc, what: 'tcpSocket hook' };
  return { kind: 'unknown', loc: h.loc, what: 'hook' };
}

// ---------------------------------------------------------------------------------------------
// Meshes

export interface InjectedProxy {
  mesh: 'istio' | 'linkerd';
  /** CPU limit/request in millicores, when the pod or a mesh default says. */
  cpuLimit?: number;
  cpuRequest?: number;
  /** Where the limit comes from (an annotation entry, a mesh default). */
  cpuLimitLoc?: Loc;
  cpuLimitSource?: string;
  /** Istio proxy concurrency from `proxy.istio.io/config`, when set. */
  concurrency?: number;
  concurrencyLoc?: Loc;
  /** Istio terminationDrainDuration (seconds), from the pod annotation or mesh defaults. */
  drainSeconds?: number;
  drainLoc?: Loc;
}

export interface MeshDefaults {
  /** Istio mesh-wide defaults found in the scan. */
  istio?: {
    cpuLimit?: number;
    cpuLimitLoc?: Loc;
    cpuRequest?: number;
    concurrency?: number;
    concurrencyLoc?: Loc;
    drainSeconds?: number;
    drainLoc?: Loc;
    where: string;
    /** The document the defaults are written in. */
    docId: string;
  };
}

/** Read Istio defaults from a values tree (`global.proxy.resources`, `meshConfig.defaultConfig`). */
function istioDefaultsFrom(values: Value | undefined, meshConfig: Value | undefined, into: NonNullable<MeshDefaults['istio']>): boolean {
  let found = false;
  const res = get(values, 'global', 'proxy', 'resources');
  const lim = getEntry(get(res, 'limits'), 'cpu');
  const req = getEntry(get(res, 'requests'), 'cpu');
  const limV = parseCpu(lim?.value);
  if (lim && limV !== undefined && limV > 0) {
    into.cpuLimit = limV;
    into.cpuLimitLoc = entrySpan(lim);
    found = true;
  }
  if (req && parseCpu(req.value) !== undefined) {
    into.cpuRequest = parseCpu(req.value);
    found = true;
  }
  const dc = get(meshConfig, 'defaultConfig');
  const conc = getEntry(dc, 'concurrency');
  if (conc && intOf(conc.value) !== undefined) {
    into.concurrency = intOf(conc.value);
    into.concurrencyLoc = entrySpan(conc);
    found = true;
  }
  const drain = getEntry(dc, 'terminationDrainDuration');
  if (drain && parseDuration(known(drain.value)) !== undefined) {
    into.drainSeconds = parseDuration(known(drain.value));
    into.drainLoc = entrySpan(drain);
    found = true;
  }
  return found;
}

function findMeshDefaults(docs: readonly K8sFacts[], values: readonly MeshValuesFacts[]): MeshDefaults {
  const out: MeshDefaults = {};
  for (const doc of docs) {
    for (const o of doc.objects) {
      if (o.kind === 'IstioOperator') {
        const spec = get(o.value, 'spec');
        const into = { where: `IstioOperator/${o.name}`, docId: doc.docId } as NonNullable<MeshDefaults['istio']>;
        if (istioDefaultsFrom(get(spec, 'values'), get(spec, 'meshConfig'), into)) out.istio = { ...out.istio, ...into };
      } else if (o.kind === 'ConfigMap' && MESH_CONFIGMAP.test(o.name) && isScalar(get(o.value, 'data', 'mesh'))) {
        const mesh = parseEmbeddedYaml(str(get(o.value, 'data', 'mesh'))) as { defaultConfig?: { concurrency?: unknown; terminationDrainDuration?: unknown } } | undefined;
        const dc = mesh?.defaultConfig;
        if (!dc) continue;
        const meshLoc = get(o.value, 'data', 'mesh')!.loc;
        const into = (out.istio ??= { where: `ConfigMap/${o.name}`, docId: doc.docId });
        if (typeof dc.concurrency === 'number') ((into.concurrency = dc.concurrency), (into.concurrencyLoc = meshLoc));
        const d = parseDuration(typeof dc.terminationDrainDuration === 'string' ? dc.terminationDrainDuration : undefined);
        if (d !== undefined) ((into.drainSeconds = d), (into.drainLoc = meshLoc));
      }
    }
  }
  // Istio helm values (istiod / istio-sidecar-injector charts): a values file with global.proxy
  for (const v of values) {
    const into = { where: v.file, docId: v.docId } as NonNullable<MeshDefaults['istio']>;
    if (istioDefaultsFrom(v.root, get(v.root, 'meshConfig'), into)) out.istio = { ...into, ...out.istio };
  }
  return out;
}

function annotationEntry(w: { podAnnotations?: MapValue; annotations?: MapValue }, key: string): MapEntry | undefined {
  return getEntry(w.podAnnotations, key) ?? getEntry(w.annotations, key);
}

/** `injection`: the mesh that injects the workload's namespace (a label on the Namespace object of its cluster). */
function injectedProxyOf(w: Workload, mesh: MeshDefaults, injection: 'istio' | 'linkerd' | undefined): InjectedProxy | undefined {
  const ann = (k: string) => annotationEntry(w, k);
  const label = (k: string) => str(getEntry(w.podLabels, k)?.value);
  const hasExplicit = (k: ProxyKind) => w.containers.some((c) => c.proxy === k);
  // Istio
  const istioInject = str(ann('sidecar.istio.io/inject')?.value) ?? label('sidecar.istio.io/inject');
  const istioAnn = ['sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyCPULimit', 'proxy.istio.io/config'].some((k) => ann(k));
  const istioNs = injection === 'istio';
  if (istioInject !== 'false' && (istioInject === 'true' || istioAnn || istioNs || label('istio.io/rev') !== undefined) && !hasExplicit('istio')) {
    const p: InjectedProxy = { mesh: 'istio' };
    const lim = ann('sidecar.istio.io/proxyCPULimit');
    const req = ann('sidecar.istio.io/proxyCPU');
    const d = mesh.istio;
    if (lim && parseCpu(lim.value) !== undefined) ((p.cpuLimit = parseCpu(lim.value)), (p.cpuLimitLoc = entrySpan(lim)), (p.cpuLimitSource = 'sidecar.istio.io/proxyCPULimit'));
    else if (d?.cpuLimit !== undefined) ((p.cpuLimit = d.cpuLimit), (p.cpuLimitLoc = d.cpuLimitLoc), (p.cpuLimitSource = `mesh default in ${d.where}`));
    if (req) p.cpuRequest = parseCpu(req.value);
    else if (d?.cpuRequest !== undefined) p.cpuRequest = d.cpuRequest;
    const cfgE = ann('proxy.istio.io/config');
    const cfg = parseEmbeddedYaml(str(cfgE?.value)) as { concurrency?: unknown; terminationDrainDuration?: unknown } | undefined;
    if (cfgE && cfg && typeof cfg === 'object') {
      if (typeof cfg.concurrency === 'number') ((p.concurrency = cfg.concurrency), (p.concurrencyLoc = entrySpan(cfgE)));
      const dd = parseDuration(typeof cfg.terminationDrainDuration === 'string' || typeof cfg.terminationDrainDuration === 'number' ? cfg.terminationDrainDuration : undefined);
      if (dd !== undefined) ((p.drainSeconds = dd), (p.drainLoc = entrySpan(cfgE)));
    }
    if (p.drainSeconds === undefined && d?.drainSeconds !== undefined) ((p.drainSeconds = d.drainSeconds), (p.drainLoc = d.drainLoc));
    return p;
  }
  // Linkerd
  const lInject = str(ann('linkerd.io/inject')?.value);
  const lAnn = ['config.linkerd.io/proxy-cpu-limit', 'config.linkerd.io/proxy-cpu-request'].some((k) => ann(k));
  const lNs = injection === 'linkerd';
  if (lInject !== 'disabled' && (lInject === 'enabled' || lAnn || lNs) && !hasExplicit('linkerd')) {
    const p: InjectedProxy = { mesh: 'linkerd' };
    const lim = ann('config.linkerd.io/proxy-cpu-limit');
    if (lim && parseCpu(lim.value) !== undefined) ((p.cpuLimit = parseCpu(lim.value)), (p.cpuLimitLoc = entrySpan(lim)), (p.cpuLimitSource = 'config.linkerd.io/proxy-cpu-limit'));
    p.cpuRequest = parseCpu(ann('config.linkerd.io/proxy-cpu-request')?.value);
    return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Workloads

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Pod', 'Job', 'CronJob', 'Rollout'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A Kubernetes object as the model keeps it: the object with its value cut to `SHAPES`, and where it is. */
export interface ObjectFacts {
  obj: K8sObject;
  file: string;
  /** The id of the document it is in (a report's `documentId`). */
  docId: string;
}

export interface Selector extends ObjectFacts {
  resource: string;
}

export interface Workload extends ObjectFacts {
  kind: WorkloadKind;
  name: string;
  namespace?: string;
  /** `Kind/namespace/name` (namespace omitted when not written). */
  resource: string;
  annotations?: MapValue;
  podAnnotations?: MapValue;
  podLabels?: MapValue;
  /** Regular containers and native sidecars. */
  containers: Container[];
  /** `spec.replicas`: a number, 'unset' (the default 1 applies) or undefined when templated. */
  replicas: number | 'unset' | undefined;
  replicasEntry?: MapEntry;
  /** HPA minReplicas when an HPA targets this workload. */
  hpaMinReplicas?: number;
  /** terminationGracePeriodSeconds (default 30), undefined when templated. */
  grace: number | undefined;
  graceEntry?: MapEntry;
  /** Long-running (not a Job/CronJob/bare Pod). */
  longRunning: boolean;
  services: Selector[];
  /** Ingresses / HTTPRoutes that route to one of `services`. */
  frontends: Selector[];
  pdbs: Selector[];
  hpas: Selector[];
  injected?: InjectedProxy;
}

export function resourceName(o: K8sObject): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

export function podTemplate(o: K8sObject): { meta?: Value; spec?: Value } {
  const v = o.value;
  if (o.kind === 'Pod') return { meta: get(v, 'metadata'), spec: get(v, 'spec') };
  if (o.kind === 'CronJob') return { meta: get(v, 'spec', 'jobTemplate', 'spec', 'template', 'metadata'), spec: get(v, 'spec', 'jobTemplate', 'spec', 'template', 'spec') };
  return { meta: get(v, 'spec', 'template', 'metadata'), spec: get(v, 'spec', 'template', 'spec') };
}

export const dirOf = (f: string) => f.slice(0, Math.max(0, f.lastIndexOf('/')));

/**
 * The cluster each file is applied to, for the workload model's joins: the first `fleet.clusters`
 * entry whose `paths` match it, '' when none does. Files of no configured cluster are taken to be
 * in one cluster together, as they all are without a fleet map.
 */
export function clusterOfFile(clusters: FleetConfig['clusters']): (file: string) => string {
  const matchers = Object.entries(clusters ?? {})
    .filter(([, c]) => c.paths?.length)
    .map(([name, c]) => ({ name, match: picomatch(c.paths!, { dot: true }) }));
  if (!matchers.length) return () => '';
  const memo = new Map<string, string>();
  return (file) => {
    let c = memo.get(file);
    if (c === undefined) memo.set(file, (c = matchers.find((m) => m.match(file))?.name ?? ''));
    return c;
  };
}

/** Does a label selector map (key → value) select these labels? Templated values match (unknown). */
export function selects(selector: Value | undefined, labels: Value | undefined): boolean {
  if (!isMap(selector) || selector.entries.length === 0) return false;
  for (const e of selector.entries) {
    const want = str(e.value);
    if (isTemplated(e.key) || isTemplated(want)) continue;
    const have = str(getEntry(labels, e.key)?.value);
    if (have === undefined) return false;
    if (have !== want && !isTemplated(have)) return false;
  }
  return true;
}

/** matchLabels + matchExpressions (In / NotIn / Exists / DoesNotExist). */
function labelSelectorSelects(sel: Value | undefined, labels: Value | undefined): boolean {
  const ml = get(sel, 'matchLabels');
  const exprs = items(get(sel, 'matchExpressions'));
  if ((!isMap(ml) || ml.entries.length === 0) && exprs.length === 0) return isMap(sel) && sel.entries.length === 0 ? true : false;
  if (isMap(ml) && ml.entries.length > 0 && !selects(ml, labels)) return false;
  for (const x of exprs) {
    const key = str(get(x, 'key')) ?? '';
    const op = str(get(x, 'operator'));
    const vals = items(get(x, 'values')).map((v) => str(v));
    const have = str(getEntry(labels, key)?.value);
    if (op === 'In' && (have === undefined || !vals.includes(have))) return false;
    if (op === 'NotIn' && have !== undefined && vals.includes(have)) return false;
    if (op === 'Exists' && have === undefined) return false;
    if (op === 'DoesNotExist' && have !== undefined) return false;
  }
  return true;
}

export interface WorkloadModel {
  workloads: Workload[];
  mesh: MeshDefaults;
  pdbs: (Selector & { selected: Workload[] })[];
}

// ---------------------------------------------------------------------------------------------
// Facts

/**
 * Which part of a value tree the model reads: `true` keeps the subtree, a map shape keeps those
 * keys (every entry of the key, in order, so last-wins lookups are unchanged), `[shape]` applies
 * to every item of a sequence. A value whose kind does not fit its shape is kept whole, so a
 * malformed object reads exactly as it did.
 */
type Shape = true | { readonly [key: string]: Shape } | readonly [Shape];

const CONTAINER: Shape = {
  name: true,
  image: true,
  command: true,
  args: true,
  restartPolicy: true,
  ports: true,
  resources: { requests: { cpu: true }, limits: { cpu: true } },
  lifecycle: { preStop: true },
};
const POD_SPEC: Shape = { terminationGracePeriodSeconds: true, initContainers: [CONTAINER], containers: [CONTAINER] };
const POD_TEMPLATE: Shape = { metadata: { annotations: true, labels: true }, spec: POD_SPEC };
const CONTROLLER: Shape = {
  metadata: { name: true, annotations: true },
  spec: { replicas: true, updateStrategy: true, template: POD_TEMPLATE, jobTemplate: { spec: { template: POD_TEMPLATE } } },
};
const ROUTE: Shape = { spec: { rules: true } };
const HELM: Shape = { metadata: { name: true }, spec: { chart: true } };
/** What `istioDefaultsFrom` reads: Helm-style values (an IstioOperator's `spec.values`, a values file) and mesh config. */
const ISTIO_VALUES = { global: { proxy: { resources: true } } } as const satisfies Shape;
const ISTIO_MESH_CONFIG: Shape = { defaultConfig: true };

/**
 * The kinds the scan's models read, and what they read of each: the workload model (workloads and
 * what selects them, mesh defaults), schedules (CronJobs, kured DaemonSets), CNI evidence
 * (DaemonSets, Helm releases, the Tigera operator), and Argo CD ApplicationSets with their cluster
 * Secrets. Other objects keep only their header (kind, name, namespace, span).
 */
const SHAPES: Readonly<Record<string, Shape>> = {
  ...Object.fromEntries(WORKLOAD_KINDS.map((k) => [k, CONTROLLER])),
  CronJob: { ...CONTROLLER, spec: { ...(CONTROLLER as { spec: object }).spec, schedule: true, suspend: true, timeZone: true } },
  Pod: { metadata: { annotations: true, labels: true }, spec: POD_SPEC },
  HelmRelease: HELM,
  HelmChart: HELM,
  Installation: { metadata: { name: true } },
  // only Argo CD cluster Secrets, see shapeOf()
  Secret: { metadata: { labels: true }, stringData: true, data: true },
  ApplicationSet: { spec: { strategy: { type: true }, generators: true, template: { spec: { syncPolicy: true } } } },
  Namespace: { metadata: { labels: true, annotations: true } },
  Service: { spec: { selector: true } },
  Ingress: { spec: { defaultBackend: true, backend: true, rules: true } },
  HTTPRoute: ROUTE,
  GRPCRoute: ROUTE,
  TLSRoute: ROUTE,
  TCPRoute: ROUTE,
  PodDisruptionBudget: { spec: { selector: true, maxUnavailable: true, minAvailable: true } },
  HorizontalPodAutoscaler: { spec: { scaleTargetRef: true, minReplicas: true } },
  IstioOperator: { spec: { values: ISTIO_VALUES, meshConfig: ISTIO_MESH_CONFIG } },
  // only the mesh ConfigMap (`istio`, `istio-<revision>`), see shapeOf()
  ConfigMap: { data: { mesh: true } },
};
const MESH_CONFIGMAP = /^istio(-[\w.-]+)?$/;
/** Helm values files, read for Istio proxy defaults (`meshValuesFacts`). */
export const HELM_VALUES = /(^|\/)values[\w.-]*\.ya?ml$/;

function copyLoc(l: Loc): Loc {
  return { file: l.file, start: l.start, end: l.end };
}

/** A deep copy of a value without offset maps (nothing here reads embedded documents). */
function copyValue(v: Value): Value {
  switch (v.kind) {
    case 'map':
      return { kind: 'map', loc: copyLoc(v.loc), entries: v.entries.map((e) => ({ key: e.key, keyLoc: copyLoc(e.keyLoc), value: copyValue(e.value) })) };
    case 'seq':
      return { kind: 'seq', loc: copyLoc(v.loc), items: v.items.map(copyValue) };
    case 'scalar':
      return v.tag === undefined ? { kind: 'scalar', loc: copyLoc(v.loc), value: v.value } : { kind: 'scalar', loc: copyLoc(v.loc), value: v.value, tag: v.tag };
    default:
      return { ...v, loc: copyLoc(v.loc) };
  }
}

/**
 * `v` cut to `shape`. In memory the cut shares the document's subtrees and locations (only the
 * maps and sequences it cuts are new); `copy` makes it a deep copy without offset maps, for the
 * parse cache, where it must stand alone and stay small.
 */
export function prune(v: Value, shape: Shape, copy = false): Value {
  if (shape === true) return copy ? copyValue(v) : v;
  const loc = copy ? copyLoc : (l: Loc) => l;
  if (Array.isArray(shape)) {
    if (v.kind !== 'seq') return copy ? copyValue(v) : v;
    const item = (shape as readonly [Shape])[0];
    return { kind: 'seq', loc: loc(v.loc), items: v.items.map((i) => prune(i, item, copy)) };
  }
  if (v.kind !== 'map') return copy ? copyValue(v) : v;
  const keys = shape as { readonly [key: string]: Shape };
  const entries: MapEntry[] = [];
  for (const e of v.entries) {
    const sub = Object.hasOwn(keys, e.key) ? keys[e.key] : undefined;
    if (sub !== undefined) entries.push({ key: e.key, keyLoc: loc(e.keyLoc), value: prune(e.value, sub, copy) });
  }
  return { kind: 'map', loc: loc(v.loc), entries };
}

/** The label that makes a Secret an Argo CD cluster (`argocd.argoproj.io/secret-type: cluster`). */
export const ARGOCD_SECRET_TYPE = 'argocd.argoproj.io/secret-type';

/** Every other object is kept as its header (kind, name, namespace, span) with an empty value. */
const HEADER_ONLY: Shape = {};

/** Whether any model reads more of the object than its header (kind, name, namespace, span). */
export function readBeyondHeader(o: K8sObject): boolean {
  return shapeOf(o) !== HEADER_ONLY;
}

/** Objects whose presence tells FL110 that reboots after updates are coordinated (by name, any kind). */
export const UPDATE_OPERATOR_NAME = /flatcar-linux-update-(operator|agent)|^kured$/;

function shapeOf(o: K8sObject): Shape {
  if (!Object.hasOwn(SHAPES, o.kind)) return HEADER_ONLY;
  if (o.kind === 'ConfigMap' && !MESH_CONFIGMAP.test(o.name)) return HEADER_ONLY;
  if (o.kind === 'Secret' && str(get(o.value, 'metadata', 'labels', ARGOCD_SECRET_TYPE)) !== 'cluster') return HEADER_ONLY;
  return SHAPES[o.kind];
}

/** A suppression annotation (`ignore.faultline.dev/<rule>: "<reason>"`) on an object or its pod template. */
export interface AnnotationWaiver {
  /** The rule id or name after the prefix. */
  rule: string;
  /** The annotation's value when it is a string. */
  text?: string;
  /** From the key to the end of the value. */
  loc: Loc;
  /** The annotated object's span: the waiver covers findings that start inside it. */
  objectLoc: Loc;
}

/** What the model (and the engine's annotation suppressions) need of one Kubernetes document. Plain data: cacheable with the parse. */
export interface K8sFacts {
  file: string;
  docId: string;
  /** Every object, in document order, its value cut to its kind's shape (`SHAPES`; others: empty). */
  objects: K8sObject[];
  /** Suppression annotations of every object, in document order. */
  waivers: AnnotationWaiver[];
}

/** What the model needs of a Helm values file: its Istio proxy defaults, if it has any. */
export interface MeshValuesFacts {
  file: string;
  docId: string;
  root: Value;
}

export interface FactsOptions {
  /**
   * `false` keeps every object whole: what the consumers read before facts, and the reference the
   * facts tests compare the cut against. (So the cut only ever drops; every condition a consumer
   * applies stays in the consumer.)
   */
  cut?: boolean;
  /** For the parse cache: a standalone deep copy, without offset maps (see `prune`). */
  stored?: boolean;
}

/** The facts of a Kubernetes document. */
export function k8sFacts(doc: DocumentOf<'kubernetes'>, { cut = true, stored = false }: FactsOptions = {}): K8sFacts {
  const own = stored ? copyLoc : (l: Loc) => l;
  const objects: K8sObject[] = [];
  const waivers: AnnotationWaiver[] = [];
  for (const o of doc.model.objects) {
    for (const ann of [get(o.value, 'metadata', 'annotations'), get(o.value, 'spec', 'template', 'metadata', 'annotations')]) {
      if (!isMap(ann)) continue;
      for (const e of ann.entries) {
        if (!e.key.startsWith(ANNOTATION_PREFIX)) continue;
        const w: AnnotationWaiver = { rule: e.key.slice(ANNOTATION_PREFIX.length), loc: entrySpan(e), objectLoc: own(o.loc) };
        const text = str(e.value);
        if (text !== undefined) w.text = text;
        waivers.push(w);
      }
    }
    if (!cut && !stored) {
      objects.push(o);
      continue;
    }
    const fact: K8sObject = { apiVersion: o.apiVersion, kind: o.kind, name: o.name, value: prune(o.value, cut ? shapeOf(o) : true, stored) as MapValue, loc: own(o.loc) };
    if (o.namespace !== undefined) fact.namespace = o.namespace;
    if (o.listIndex !== undefined) fact.listIndex = o.listIndex;
    objects.push(fact);
  }
  return { file: doc.file, docId: doc.id, objects, waivers };
}

export function meshValuesFacts(doc: DocumentOf<'yaml'>, { cut = true }: FactsOptions = {}): MeshValuesFacts | undefined {
  if (!HELM_VALUES.test(doc.file)) return undefined;
  const root = doc.model.root;
  if (!root || !get(root, 'global', 'proxy')) return undefined;
  return { file: doc.file, docId: doc.id, root: prune(root, cut ? { ...ISTIO_VALUES, meshConfig: ISTIO_MESH_CONFIG } : true) };
}

const factsCache = new WeakMap<object, K8sFacts>();
/** Whether facts made from documents in memory are cut (see `kubernetesFacts`). */
let cutInMemory = false;

/**
 * For the facts oracle tests only: `true` makes the facts of documents in memory cut too, so a
 * scan on cut facts can be compared with one on whole objects.
 */
export function setInMemoryFactsCut(cut: boolean): void {
  cutInMemory = cut;
}

/** Facts read back from the parse cache for a document read lazily (so it is not opened for them). */
export function rememberKubernetesFacts(doc: DocumentOf<'kubernetes'>, facts: K8sFacts): void {
  factsCache.set(doc, facts);
}

/**
 * The facts of a Kubernetes document, extracted once. A document read lazily from the parse cache
 * brings its stored (cut) facts; for a document in memory, cutting would only allocate, so its
 * facts are its objects, whole (the oracle tests hold the two to the same findings).
 */
export function kubernetesFacts(doc: DocumentOf<'kubernetes'>): K8sFacts {
  let f = factsCache.get(doc);
  if (!f) factsCache.set(doc, (f = k8sFacts(doc, { cut: cutInMemory })));
  return f;
}

/** The facts of every Kubernetes document of the scan. */
function scanFacts(scan: ScanModel): { docs: K8sFacts[]; values: MeshValuesFacts[] } {
  const docs = scan.ofFormat('kubernetes').map(kubernetesFacts);
  const values = scan.ofFormat('yaml').flatMap((d) => meshValuesFacts(d, { cut: cutInMemory }) ?? []);
  return { docs, values };
}

const cache = new WeakMap<ScanModel, WorkloadModel>();

export function workloadModel(scan: ScanModel): WorkloadModel {
  const hit = cache.get(scan);
  if (hit) return hit;
  const { docs, values } = scanFacts(scan);
  const model = workloadModelOf(docs, values, clusterOfFile(scan.fleet.clusters));
  cache.set(scan, model);
  return model;
}

/**
 * The workload model from facts alone. Objects join within one cluster (`clusterOf`, from the
 * fleet map's cluster paths; one cluster when there are none): in the same namespace when both
 * write one, else in the same directory (Helm charts leave the namespace to `--namespace`, and a
 * chart's objects are installed together).
 */
export function workloadModelOf(docs: readonly K8sFacts[], values: readonly MeshValuesFacts[], clusterOf: (file: string) => string = () => ''): WorkloadModel {
  const all: ObjectFacts[] = [];
  /** A namespace of one cluster; undefined when the object writes none. */
  const nsOf = (x: { obj: K8sObject; file: string }) => (x.obj.namespace === undefined ? undefined : `${clusterOf(x.file)}\u0000${x.obj.namespace}`);
  /** A directory of one cluster (a file's cluster is its own, so two files of one directory can differ). */
  const dirKey = (file: string) => `${clusterOf(file)}\u0000${dirOf(file)}`;
  const nsMatch = (a: ObjectFacts, b: ObjectFacts): boolean =>
    a.obj.namespace !== undefined && b.obj.namespace !== undefined ? nsOf(a) === nsOf(b) : dirKey(a.file) === dirKey(b.file);
  for (const d of docs) for (const obj of d.objects) all.push({ obj, file: d.file, docId: d.docId });
  const of = (k: string) => all.filter((x) => x.obj.kind === k);
  const sel = (x: ObjectFacts): Selector => ({ obj: x.obj, file: x.file, docId: x.docId, resource: resourceName(x.obj) });

  const nsInjection = new Map<string, 'istio' | 'linkerd'>();
  for (const n of of('Namespace')) {
    const ns = `${clusterOf(n.file)}\u0000${n.obj.name}`;
    if (str(get(n.obj.value, 'metadata', 'labels', 'istio-injection')) === 'enabled' || get(n.obj.value, 'metadata', 'labels', 'istio.io/rev')) nsInjection.set(ns, 'istio');
    if (str(get(n.obj.value, 'metadata', 'annotations', 'linkerd.io/inject')) === 'enabled') nsInjection.set(ns, 'linkerd');
  }
  const mesh = findMeshDefaults(docs, values);

  const workloads: Workload[] = [];
  for (const x of all) {
    const kind = x.obj.kind as WorkloadKind;
    if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) continue;
    if (kind === 'Rollout' && !x.obj.apiVersion.startsWith('argoproj.io')) continue;
    const { meta, spec } = podTemplate(x.obj);
    if (!isMap(spec)) continue;
    const containers: Container[] = [];
    for (const c of items(get(spec, 'initContainers'))) if (isMap(c)) containers.push(containerOf(c, 'initContainers'));
    for (const c of items(get(spec, 'containers'))) if (isMap(c)) containers.push(containerOf(c, 'containers'));
    const repE = getEntry(get(x.obj.value, 'spec'), 'replicas');
    const graceE = getEntry(spec, 'terminationGracePeriodSeconds');
    const w: Workload = {
      obj: x.obj,
      file: x.file,
      docId: x.docId,
      kind,
      name: x.obj.name,
      namespace: x.obj.namespace,
      resource: resourceName(x.obj),
      annotations: isMap(get(x.obj.value, 'metadata', 'annotations')) ? (get(x.obj.value, 'metadata', 'annotations') as MapValue) : undefined,
      podAnnotations: isMap(get(meta, 'annotations')) ? (get(meta, 'annotations') as MapValue) : undefined,
      podLabels: isMap(get(meta, 'labels')) ? (get(meta, 'labels') as MapValue) : undefined,
      containers,
      replicas: ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout'].includes(kind) ? (repE ? intOf(repE.value) : 'unset') : undefined,
      replicasEntry: repE,
      grace: graceE ? intOf(graceE.value) : 30,
      graceEntry: graceE,
      longRunning: !['Job', 'CronJob', 'Pod'].includes(kind),
      services: [],
      frontends: [],
      pdbs: [],
      hpas: [],
    };
    const ns = nsOf(x);
    w.injected = injectedProxyOf(w, mesh, ns === undefined ? undefined : nsInjection.get(ns));
    workloads.push(w);
  }

  // Candidate workloads for a selecting object, by the same rule as nsMatch (same namespace, or the
  // same directory when either side has none), in workload order: an index instead of a scan of
  // every workload per Service, PDB and HPA.
  const order = new Map<Workload, number>(workloads.map((w, i) => [w, i]));
  const byNs = new Map<string, Workload[]>();
  const byDir = new Map<string, Workload[]>();
  for (const w of workloads) {
    const ns = nsOf(w);
    if (ns !== undefined) (byNs.get(ns) ?? byNs.set(ns, []).get(ns)!).push(w);
    const d = dirKey(w.file);
    (byDir.get(d) ?? byDir.set(d, []).get(d)!).push(w);
  }
  const candidates = (x: ObjectFacts): Workload[] => {
    const sameDir = byDir.get(dirKey(x.file)) ?? [];
    const ns = nsOf(x);
    if (ns === undefined) return sameDir;
    const out = [...(byNs.get(ns) ?? []), ...sameDir.filter((w) => w.obj.namespace === undefined)];
    return out.sort((a, b) => order.get(a)! - order.get(b)!);
  };

  // Services → workloads; Ingress / HTTPRoute → Services
  const services = of('Service').filter((s) => isMap(get(s.obj.value, 'spec', 'selector')));
  const svcWorkloads = new Map<ObjectFacts, Workload[]>();
  // A Service selects a pod only if the pod carries every pair of its selector, so index each Service
  // by one concrete pair and look Services up from the pod's labels (a namespace with thousands of
  // Services and workloads stays linear). Services whose selector is all templates match by scan.
  const svcOrder = new Map(services.map((x, i) => [x, i]));
  const byPair = new Map<string, typeof services>();
  const unindexed: typeof services = [];
  const scope = (x: ObjectFacts, useNs: boolean) => (useNs ? `ns:${nsOf(x)}` : `dir:${dirKey(x.file)}`);
  const push = (m: Map<string, typeof services>, k: string, x: (typeof services)[number]) => (m.get(k) ?? m.set(k, []).get(k)!).push(x);
  for (const x of services) {
    const selector = get(x.obj.value, 'spec', 'selector') as MapValue;
    const pair = selector.entries.find((e) => !isTemplated(e.key) && str(e.value) !== undefined && !isTemplated(str(e.value)));
    if (!pair) {
      unindexed.push(x);
      continue;
    }
    const kv = `${pair.key}\u0000${str(pair.value)}`;
    // both scopes, mirroring nsMatch: same namespace when both have one, else the same directory
    if (x.obj.namespace !== undefined) push(byPair, `${scope(x, true)}\u0000${kv}`, x);
    push(byPair, `${scope(x, false)}\u0000${kv}`, x);
  }
  const servicesFor = (w: Workload): typeof services => {
    const labels = w.podLabels?.entries ?? [];
    if (labels.some((e) => isTemplated(e.key) || isTemplated(str(e.value)))) return services; // templated labels match anything
    const found = new Set<(typeof services)[number]>(unindexed);
    for (const e of labels) {
      const kv = `${e.key}\u0000${str(e.value)}`;
      if (w.obj.namespace !== undefined) for (const x of byPair.get(`${scope(w, true)}\u0000${kv}`) ?? []) found.add(x);
      for (const x of byPair.get(`${scope(w, false)}\u0000${kv}`) ?? []) found.add(x);
    }
    return [...found].sort((a, b) => svcOrder.get(a)! - svcOrder.get(b)!);
  };
  for (const w of workloads) {
    for (const x of servicesFor(w)) {
      if (nsMatch(x, w) && selects(get(x.obj.value, 'spec', 'selector'), w.podLabels)) {
        w.services.push(sel(x));
        (svcWorkloads.get(x) ?? svcWorkloads.set(x, []).get(x)!).push(w);
      }
    }
  }
  const routeTo = (front: ObjectFacts, svcName: string | undefined, ns: string | undefined) => {
    if (!svcName) return;
    for (const s of services) {
      if (s.obj.name !== svcName) continue;
      if (clusterOf(s.file) !== clusterOf(front.file)) continue;
      const sameNs = s.obj.namespace !== undefined && ns !== undefined ? s.obj.namespace === ns : dirOf(s.file) === dirOf(front.file);
      if (!sameNs) continue;
      for (const w of svcWorkloads.get(s) ?? [])
        if (!w.frontends.some((f) => f.obj === front.obj)) w.frontends.push(sel(front));
    }
  };
  for (const ing of of('Ingress')) {
    const spec = get(ing.obj.value, 'spec');
    routeTo(ing, str(get(spec, 'defaultBackend', 'service', 'name')) ?? str(get(spec, 'backend', 'serviceName')), ing.obj.namespace);
    for (const r of items(get(spec, 'rules')))
      for (const p of items(get(r, 'http', 'paths'))) routeTo(ing, str(get(p, 'backend', 'service', 'name')) ?? str(get(p, 'backend', 'serviceName')), ing.obj.namespace);
  }
  for (const kind of ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']) {
    for (const rt of of(kind))
      for (const r of items(get(rt.obj.value, 'spec', 'rules')))
        for (const b of items(get(r, 'backendRefs'))) {
          const k = str(get(b, 'kind'));
          if (k === undefined || k === 'Service') routeTo(rt, str(get(b, 'name')), str(get(b, 'namespace')) ?? rt.obj.namespace);
        }
  }

  // PDBs and HPAs
  const pdbs: WorkloadModel['pdbs'] = [];
  for (const p of of('PodDisruptionBudget')) {
    const s = get(p.obj.value, 'spec', 'selector');
    const selected = candidates(p).filter((w) => w.longRunning && labelSelectorSelects(s, w.podLabels) && nsMatch(p, w));
    for (const w of selected) w.pdbs.push(sel(p));
    pdbs.push({ ...sel(p), selected });
  }
  for (const h of of('HorizontalPodAutoscaler')) {
    const ref = get(h.obj.value, 'spec', 'scaleTargetRef');
    const w = candidates(h).find((w) => w.kind === str(get(ref, 'kind')) && w.name === str(get(ref, 'name')) && nsMatch(h, w));
    if (!w) continue;
    w.hpas.push(sel(h));
    const min = get(h.obj.value, 'spec', 'minReplicas');
    w.hpaMinReplicas = min ? intOf(min) : 1;
  }

  return { workloads, mesh, pdbs };
}

/** Replica count as far as known: spec.replicas, else HPA minReplicas, else the default 1. */
export function replicaCount(w: Workload): number | undefined {
  if (w.hpaMinReplicas !== undefined) return w.hpaMinReplicas;
  if (w.replicas === 'unset') return 1;
  return w.replicas;
}

/** App containers: regular containers that are not proxies. */
export function appContainers(w: Workload): Container[] {
  return w.containers.filter((c) => c.field === 'containers' && !c.proxy);
}

/**
 * Containers that serve traffic: app containers declaring ports; if none declares ports, the
 * `kubectl.kubernetes.io/default-container` or else the first app container.
 */
export function servingContainers(w: Workload): Container[] {
  const apps = appContainers(w);
  const withPorts = apps.filter((c) => c.ports);
  if (withPorts.length) return withPorts;
  const dflt = str(getEntry(w.podAnnotations, 'kubectl.kubernetes.io/default-container')?.value);
  const d = apps.find((c) => c.name === dflt);
  return d ? [d] : apps.slice(0, 1);
}

/** The workload object's span (for `resourceLoc`). */
export function workloadReport(w: Workload): { resource: string; resourceLoc: Loc; documentId: string } {
  return { resource: w.resource, resourceLoc: w.obj.loc, documentId: w.docId };
}

/** Is `w` a quorum-based store (etcd, ZooKeeper, Consul servers)? Returns the product name. */
export function quorumStore(w: Workload): string | undefined {
  if (w.kind !== 'StatefulSet') return undefined;
  for (const c of appContainers(w)) {
    const img = c.image ?? '';
    if (isTemplated(img) && !c.name) continue;
    const base = img.replace(/[:@].*$/, '').split('/').pop() ?? '';
    if (/^etcd$/.test(base) || c.name === 'etcd') return 'etcd';
    if (/^(cp-)?zookeeper$/.test(base) || c.name === 'zookeeper') return 'ZooKeeper';
    if (/^consul(-enterprise)?$/.test(base) && (c.argv.some((a) => a !== undefined && /-server\b|agent -server/.test(a)) || /server/.test(w.name))) return 'Consul';
  }
  return undefined;
}

/**
 * Serving evidence: 'service' (a Service in the scan selects it), 'ports' (an app container
 * declares ports, or the pod has an injected or explicit mesh proxy next to its app), or undefined.
 */
export function servingEvidence(w: Workload): 'service' | 'ports' | undefined {
  if (!w.longRunning) return undefined;
  if (w.services.length) return 'service';
  if (appContainers(w).some((c) => c.ports) || w.injected || (w.containers.some((c) => c.proxy) && appContainers(w).length > 0)) return 'ports';
  return undefined;
}
