/**
 * FL623 applicationset-without-progressive-sync: an Argo CD ApplicationSet whose generators target
 * clusters in several regions, with automated sync and no `spec.strategy.type: RollingSync`: one
 * commit is applied to every region at once.
 *
 * Targets are counted only from what the scan shows: `list` elements (their names, server URLs and
 * values mapped to regions through the fleet map and cloud region ids), `clusters` generators
 * through the Argo CD cluster Secrets of the scan (filtered by `selector.matchLabels`), or, with no
 * selector and no such Secret, the clusters of the fleet map. `matrix`/`merge` are searched
 * recursively. A selector we cannot evaluate (`matchExpressions`) or other generators (git, SCM,
 * pull request, plugin) add no region: never a guess.
 */
import { bool, get, getEntry, isMap, isScalar, isSeq, items, str, type Document, type K8sObject, type Value } from '../../engine/model.js';
import { isCloudRegion, regionOfLocation } from '../../engine/facts/regions.js';
import { defineRule } from '../../engine/rule-api.js';
import { ARGOCD_SECRET_TYPE, kubernetesFacts } from '../../engine/facts/kubernetes.js';
import type { ScanModel } from '../../engine/scan-model.js';

function scalars(v: Value | undefined, out: string[] = []): string[] {
  if (!v) return out;
  if (isScalar(v) && typeof v.value === 'string') out.push(v.value);
  else if (isMap(v)) for (const e of v.entries) scalars(e.value, out);
  else if (isSeq(v)) for (const i of v.items) scalars(i, out);
  return out;
}

/** Regions a string names: a fleet cluster, a fleet region, or a cloud region id inside it (EKS endpoint URLs, AKS FQDNs). */
function regionsOfText(scan: ScanModel, s: string): string[] {
  const fleet = scan.fleet;
  const out: string[] = [];
  const c = fleet.clusters?.[s];
  if (c?.regions) out.push(...c.regions);
  if (fleet.regions[s]) out.push(s);
  for (const tok of s.toLowerCase().split(/[^a-z0-9-]+/)) {
    const r = regionOfLocation(tok) ?? (isCloudRegion(tok) ? tok : undefined);
    if (!r) continue;
    const named = Object.entries(fleet.regions).find(([, spec]) => spec.region === r)?.[0];
    out.push(named ?? r);
  }
  return out;
}

interface ClusterSecret {
  labels: Record<string, string>;
  texts: string[];
}

function decode(s: string): string {
  try {
    return Buffer.from(s, 'base64').toString('utf8');
  } catch {
    return '';
  }
}

function clusterSecrets(scan: ScanModel): ClusterSecret[] {
  const out: ClusterSecret[] = [];
  for (const doc of scan.ofFormat('kubernetes')) {
    for (const o of kubernetesFacts(doc).objects) {
      if (o.kind !== 'Secret') continue;
      const labels: Record<string, string> = {};
      const lv = get(o.value, 'metadata', 'labels');
      if (isMap(lv)) for (const e of lv.entries) labels[e.key] = str(e.value) ?? '';
      if (labels[ARGOCD_SECRET_TYPE] !== 'cluster') continue;
      const texts = [...scalars(get(o.value, 'stringData')), ...scalars(get(o.value, 'data')).map(decode), ...Object.values(labels), o.name];
      out.push({ labels, texts });
    }
  }
  return out;
}

interface Targets {
  regions: Set<string>;
  how: string[];
}

function generatorTargets(scan: ScanModel, gens: Value | undefined, t: Targets): void {
  for (const g of items(gens)) {
    const list = get(g, 'list', 'elements');
    if (isSeq(list)) {
      const before = t.regions.size;
      for (const el of list.items) for (const s of scalars(el)) for (const r of regionsOfText(scan, s)) t.regions.add(r);
      if (t.regions.size > before) t.how.push(`list generator (${list.items.length} elements)`);
    }
    const clusters = get(g, 'clusters');
    if (clusters !== undefined) {
      const selector = get(clusters, 'selector');
      const matchLabels = get(selector, 'matchLabels');
      const exprs = get(selector, 'matchExpressions');
      if (!(isSeq(exprs) && exprs.items.length)) {
        const want: Record<string, string> = {};
        if (isMap(matchLabels)) for (const e of matchLabels.entries) want[e.key] = str(e.value) ?? '';
        const secrets = clusterSecrets(scan);
        const chosen = secrets.filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v));
        if (secrets.length) {
          for (const s of chosen) for (const x of s.texts) for (const r of regionsOfText(scan, x)) t.regions.add(r);
          if (chosen.length) t.how.push(`clusters generator (${chosen.length} Argo CD cluster Secrets)`);
        } else if (!Object.keys(want).length && scan.fleet.clusters) {
          const names = Object.keys(scan.fleet.clusters);
          for (const n of names) for (const r of scan.fleet.clusters[n].regions ?? []) t.regions.add(r);
          if (names.length) t.how.push(`clusters generator without selector (fleet map: ${names.length} clusters)`);
        }
      }
    }
    for (const k of ['matrix', 'merge']) generatorTargets(scan, get(g, k, 'generators'), t);
  }
}

function automated(o: K8sObject): boolean {
  const a = getEntry(get(o.value, 'spec', 'template', 'spec', 'syncPolicy'), 'automated');
  if (!a) return false;
  if (isMap(a.value) && bool(get(a.value, 'enabled')) === false) return false;
  // `automated:` with no value is a nil pointer to Argo CD: not automated
  return !(isScalar(a.value) && a.value.value === null);
}

export default defineRule<{ maxRegions: number }>({
  meta: {
    id: 'FL623',
    name: 'applicationset-without-progressive-sync',
    title: 'ApplicationSet syncs every region at once',
    family: 'rollout',
    severity: 'warning',
    description:
      'An Argo CD `ApplicationSet` whose generators target clusters in more regions than the budget, whose Applications sync automatically, and that has no `spec.strategy.type: RollingSync`: a change in Git is applied to every region at the same moment.',
    rationale:
      'On 2023-03-08 one change reached five regions within an hour and there was no healthy region left to compare with or fail over to. Progressive sync applies a change to one group of clusters, waits for it to be healthy, then moves on: the regional blast-radius budget enforced by the deploy tool.',
    remediation:
      'Add `spec.strategy: { type: RollingSync, rollingSync: { steps: [...] } }` with one step per region (or per wave of regions), matching on a region label of the generated Applications, and enable progressive syncs on the ApplicationSet controller.',
    formats: ['kubernetes'],
    scope: 'document',
    messages: {
      wide: 'ApplicationSet {name} targets clusters in {count} regions ({regions}) via {how}, syncs automatically and has no RollingSync strategy: a commit reaches every region at once (budget {max}).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { maxRegions: { type: 'integer', minimum: 1, default: 1, description: 'Largest number of regions one ApplicationSet may sync at once.' } },
    },
    defaultOptions: { maxRegions: 1 },
    tags: ['blast-radius', 'argocd'],
    docs: 'docs/rules/applicationset-without-progressive-sync.md',
  },
  checkDocument(doc: Document, ctx) {
    if (doc.format !== 'kubernetes') return;
    for (const o of kubernetesFacts(doc).objects) {
      if (o.kind !== 'ApplicationSet' || !o.apiVersion.startsWith('argoproj.io/')) continue;
      if (str(get(o.value, 'spec', 'strategy', 'type')) === 'RollingSync') continue;
      if (!automated(o)) continue;
      const gensEntry = getEntry(get(o.value, 'spec'), 'generators');
      if (!gensEntry) continue;
      const t: Targets = { regions: new Set(), how: [] };
      generatorTargets(ctx.scan, gensEntry.value, t);
      if (t.regions.size <= ctx.options.maxRegions) continue;
      const regions = [...t.regions].sort();
      ctx.report({
        messageId: 'wide',
        data: { name: o.name, count: regions.length, regions: regions.join(', '), how: t.how.join(' and '), max: ctx.options.maxRegions },
        loc: gensEntry.keyLoc,
        resource: `ApplicationSet/${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
        resourceLoc: o.loc,
        document: doc,
      });
    }
  },
});
