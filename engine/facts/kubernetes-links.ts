/**
 * What joins Kubernetes objects across files, as keys a scan state can keep per file, so that a
 * changed-files scan can leave unread the Kubernetes files that cannot change a reported finding.
 *
 * The workload model (kubernetes.ts) joins a workload with the Services and PodDisruptionBudgets
 * whose selectors match its pod labels, the HorizontalPodAutoscalers that name it, and the
 * Ingresses and routes that name those Services, each within a namespace or a directory of one
 * cluster (`workloadModelOf`). Here each object *offers* keys (its pod labels, its name, its Service name) and
 * *seeks* keys (its selector's pairs, the names it targets), in every scope it could be matched
 * in; files whose keys meet are in one component. The keys over-approximate the model's joins
 * (one shared pair joins, where a selector needs all of them; both scopes are keyed, where the
 * model uses one; clusters are not keyed, so objects of two clusters may meet), never
 * under-approximate them: a selector or workload the model matches
 * broadly (templated labels, a selector without a concrete pair, match expressions) seeks every
 * object of its scopes.
 *
 * The scan state keeps the keys as numbers (`linkKeys`: a 53-bit hash of each), which it decodes and
 * joins several times faster than ten thousand files' strings; two keys with one hash only join
 * files that need not be (more is read, never less).
 *
 * Objects that feed fleet-wide facts (CNI evidence, schedules, mesh defaults, namespace injection,
 * Argo CD, update operators: every kind the models read beyond its header that is not a workload
 * or one of its selectors, and DaemonSets, CronJobs and the update operators FL110 looks for by
 * name) are *global*: their components are always read, and a changed-files run that reports on
 * one reads every file.
 */
import { get, isMap, items, str, type K8sObject, type Value } from '../model.js';
import { dirOf, isTemplated, podTemplate, readBeyondHeader, UPDATE_OPERATOR_NAME, WORKLOAD_KINDS, type K8sFacts } from './kubernetes.js';

export interface K8sLinks {
  /** Keys this file's objects offer to be matched by: pod labels, workload names, Service names. */
  offers: string[];
  /** Keys this file's objects match others by: selector pairs, target and backend names. */
  seeks: string[];
  /** An object here feeds a fleet-wide fact (see above). */
  global: boolean;
}

const WORKLOADS: ReadonlySet<string> = new Set(WORKLOAD_KINDS);
const ROUTES: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']);
const SELECTORS: ReadonlySet<string> = new Set(['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', ...ROUTES]);

/** Whether an object feeds a fleet-wide fact rather than only the workload model's joins. */
export function isGlobalObject(o: K8sObject): boolean {
  if (o.kind === 'DaemonSet' || o.kind === 'CronJob' || UPDATE_OPERATOR_NAME.test(o.name)) return true;
  return !WORKLOADS.has(o.kind) && !SELECTORS.has(o.kind) && readBeyondHeader(o);
}

/** The scopes an object can be matched in: its namespace (when written) and its directory. */
function scopesOf(o: K8sObject, file: string): string[] {
  const dir = `dir:${dirOf(file)}`;
  return o.namespace !== undefined ? [`ns:${o.namespace}`, dir] : [dir];
}

/** The concrete `key=value` pairs of a selector map; undefined when it has none (it then matches broadly). */
function concretePairs(selector: Value | undefined): string[] | undefined {
  if (!isMap(selector)) return undefined;
  const out: string[] = [];
  for (const e of selector.entries) {
    const v = str(e.value);
    if (!isTemplated(e.key) && v !== undefined && !isTemplated(v)) out.push(`${e.key}=${v}`);
  }
  return out.length ? out : undefined;
}

/** The join keys of one file's Kubernetes documents. */
export function linksOf(docs: readonly K8sFacts[]): K8sLinks {
  const offers = new Set<string>();
  const seeks = new Set<string>();
  let global = false;
  for (const doc of docs) {
    for (const o of doc.objects) {
      if (isGlobalObject(o)) global = true;
      const scopes = scopesOf(o, doc.file);
      const offer = (k: string) => scopes.forEach((s) => offers.add(`${s}|${k}`));
      const seek = (k: string) => scopes.forEach((s) => seeks.add(`${s}|${k}`));
      // a Service's or route's backend by name: same namespace when both are written, else the same directory
      const seekService = (name: string | undefined, ns: string | undefined) => {
        if (name === undefined) return;
        if (ns !== undefined) seeks.add(`ns:${ns}|svc|${name}`);
        seeks.add(`dir:${dirOf(doc.file)}|svc|${name}`);
      };
      if (WORKLOADS.has(o.kind)) {
        offer('workload');
        offer(`name|${o.kind}/${o.name}`);
        const labels = get(podTemplate(o).meta, 'labels');
        let broad = false;
        for (const e of isMap(labels) ? labels.entries : []) {
          const v = str(e.value);
          if (isTemplated(e.key) || isTemplated(v)) broad = true;
          else if (v !== undefined) offer(`label|${e.key}=${v}`);
        }
        // templated labels match any selector of the scope
        if (broad) seek('selector');
      } else if (o.kind === 'Service') {
        const selector = get(o.value, 'spec', 'selector');
        if (!isMap(selector)) continue;
        offer('selector');
        offer(`svc|${o.name}`);
        const pairs = concretePairs(selector);
        if (pairs) pairs.forEach((p) => seek(`label|${p}`));
        else seek('workload');
      } else if (o.kind === 'PodDisruptionBudget') {
        offer('selector');
        const pairs = concretePairs(get(o.value, 'spec', 'selector', 'matchLabels'));
        if (pairs) pairs.forEach((p) => seek(`label|${p}`));
        else seek('workload');
      } else if (o.kind === 'HorizontalPodAutoscaler') {
        const ref = get(o.value, 'spec', 'scaleTargetRef');
        const kind = str(get(ref, 'kind'));
        const name = str(get(ref, 'name'));
        if (kind !== undefined && name !== undefined) seek(`name|${kind}/${name}`);
      } else if (o.kind === 'Ingress') {
        const spec = get(o.value, 'spec');
        seekService(str(get(spec, 'defaultBackend', 'service', 'name')) ?? str(get(spec, 'backend', 'serviceName')), o.namespace);
        for (const r of items(get(spec, 'rules')))
          for (const p of items(get(r, 'http', 'paths'))) seekService(str(get(p, 'backend', 'service', 'name')) ?? str(get(p, 'backend', 'serviceName')), o.namespace);
      } else if (ROUTES.has(o.kind)) {
        for (const r of items(get(o.value, 'spec', 'rules')))
          for (const b of items(get(r, 'backendRefs'))) {
            const k = str(get(b, 'kind'));
            if (k === undefined || k === 'Service') seekService(str(get(b, 'name')), str(get(b, 'namespace')) ?? o.namespace);
          }
      }
    }
  }
  return { offers: [...offers], seeks: [...seeks], global };
}

/** A file's join keys as the scan state keeps them: each key's `keyHash`. */
export interface LinkKeys {
  offers: number[];
  seeks: number[];
  global: boolean;
}

/**
 * A 53-bit hash of a join key (cyrb53, by bryc, public domain: two 32-bit multiply-xorshift lanes
 * folded into a safe integer). Not cryptographic: a collision only joins two components.
 */
export function keyHash(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function linkKeys(links: K8sLinks): LinkKeys {
  return { offers: links.offers.map(keyHash), seeks: links.seeks.map(keyHash), global: links.global };
}

export interface LinkNode {
  path: string;
  links: LinkKeys;
}

/**
 * The files to read: those in a component (files whose keys meet, transitively) with a file in
 * `reported` or a global object. Every file when a reported file holds a global object: a fleet-wide
 * fact quoted by findings anywhere may be what changed.
 */
export function filesToRead(nodes: readonly LinkNode[], reported: (path: string) => boolean): Set<string> | 'all' {
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[ra] = rb;
  };
  // every offerer of a sought key, and every seeker, in one component (files that only offer the
  // same key, two Deployments with the same labels, meet only through a file that seeks it)
  const offerers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const k of n.links.offers) {
      let l = offerers.get(k);
      if (!l) offerers.set(k, (l = []));
      l.push(i);
    }
  });
  nodes.forEach((n, i) => {
    for (const k of n.links.seeks) {
      const l = offerers.get(k);
      if (!l) continue;
      for (const j of l) union(i, j);
      // later seekers of the same key join the same component through its first offerer
      l.length = 1;
    }
  });
  const wanted = new Set<number>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const rep = reported(n.path);
    if (rep && n.links.global) return 'all';
    if (rep || n.links.global) wanted.add(find(i));
  }
  const out = new Set<string>();
  nodes.forEach((n, i) => {
    if (wanted.has(find(i))) out.add(n.path);
  });
  return out;
}
