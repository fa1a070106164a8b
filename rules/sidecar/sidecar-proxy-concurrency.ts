/**
 * FL501 sidecar-proxy-concurrency: proxy worker threads that do not fit the proxy's CPU limit.
 */
import { defineRule, type Report } from '../../engine/rule-api.js';
import { get, items, type Value } from '../../engine/model.js';
import { entrySpan, formatCpu, workloadModel, workloadReport, type Container } from '../../engine/facts/kubernetes.js';
import type { Loc } from '../../engine/source.js';

/** `--concurrency N` / `--concurrency=N` in argv, with the word's location. */
function concurrencyArg(c: Container): { n?: number; loc: Loc } | 'absent' | 'unknown' {
  const words: Value[] = [...items(get(c.value, 'command')), ...items(get(c.value, 'args'))];
  for (let i = 0; i < c.argv.length; i++) {
    const a = c.argv[i];
    if (a === undefined) continue;
    const eq = /(?:^|\s)--concurrency[= ](\S+)/.exec(a);
    if (eq) return { n: /^\d+$/.test(eq[1]) ? Number(eq[1]) : undefined, loc: words[i].loc };
    if (a === '--concurrency') {
      const nxt = c.argv[i + 1];
      return { n: nxt !== undefined && /^\d+$/.test(nxt) ? Number(nxt) : undefined, loc: { ...words[i].loc, end: (words[i + 1] ?? words[i]).loc.end } };
    }
  }
  // a templated word may hold it; env CONCURRENCY-style settings are unknown too
  if (c.argv.some((a) => a === undefined)) return 'unknown';
  return 'absent';
}

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL501',
    name: 'sidecar-proxy-concurrency',
    title: 'Proxy worker threads exceed its CPU limit',
    family: 'sidecar',
    severity: 'error',
    description:
      'An Envoy-based proxy whose worker-thread count does not fit its CPU limit: an explicit Envoy container (envoyproxy/envoy, cilium-envoy, ...) with a CPU limit and no `--concurrency` — Envoy then starts one worker per hardware thread of the node —, a `--concurrency` above the ceiling of the CPU limit, or Istio `concurrency: 0` (one worker per hardware thread) in `proxy.istio.io/config` or the mesh-wide `defaultConfig` while the proxy CPU limit is known. Proxies without a CPU limit are not reported.',
    rationale:
      'Every worker is busy at once during a rollout (new connections, TLS handshakes, cold caches). With 16–96 workers sharing a 2-CPU CFS quota the proxy exhausts its quota early in every 100 ms period and is throttled for the rest: latency spikes, timeouts and retries. In the usage-estimation postmortem (Datadog, 2023) the Envoy sidecar of the counter service maxed out its two cores and was throttled at every deploy, causing TCP retransmits and one-second p99 latency.',
    remediation:
      'Set Envoy `--concurrency` to the ceiling of the CPU limit (for example `--concurrency 2` for a 2-CPU limit), or set Istio `concurrency` to a positive value (or leave it unset so Istio derives it from the limit); or raise the limit to match the workers.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      noConcurrency:
        '{container}: no --concurrency; it will start one worker per hardware thread of the node but is limited to {limit}. Set --concurrency {cores}.',
      tooMany: '{container}: --concurrency {n} starts {n} worker threads but the container is limited to {limit}; they will be throttled. Use at most {cores}.',
      istioZero:
        '{container}: Istio concurrency 0 starts one worker per hardware thread of the node but the proxy is limited to {limit} ({source}). Set concurrency to {cores} or remove it.',
      istioTooMany: '{container}: Istio concurrency {n} starts {n} worker threads but the proxy is limited to {limit} ({source}). Use at most {cores}.',
      meshZero:
        'mesh-wide Istio concurrency 0: every injected proxy starts one worker per hardware thread of its node but the mesh default proxy CPU limit is {limit}. Set concurrency to {cores} or remove it.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['kubernetes', 'sidecar', 'envoy', 'istio'],
    docs: 'docs/rules/sidecar-proxy-concurrency.md',
  },
  checkScan(ctx) {
    const model = workloadModel(ctx.scan);
    for (const w of model.workloads) {
      for (const c of w.containers) {
        if (!c.proxy || c.cpuLimit === undefined || c.cpuLimit === 0) continue;
        const limit = formatCpu(c.cpuLimit);
        const cores = Math.ceil(c.cpuLimit / 1000);
        const related = c.cpuLimitEntry ? [{ loc: entrySpan(c.cpuLimitEntry), message: `CPU limit ${limit}` }] : [];
        const base = { ...workloadReport(w), key: c.name, related } satisfies Partial<Report>;
        const arg = concurrencyArg(c);
        if (c.proxy === 'envoy' && arg === 'absent') {
          ctx.report({ ...base, messageId: 'noConcurrency', data: { container: c.name, limit, cores }, loc: c.nameLoc });
        } else if (typeof arg === 'object' && arg.n !== undefined && arg.n > cores) {
          ctx.report({ ...base, messageId: 'tooMany', data: { container: c.name, n: arg.n, limit, cores }, loc: arg.loc });
        }
      }
      const p = w.injected;
      if (p?.mesh === 'istio' && p.concurrency !== undefined && p.concurrencyLoc && p.cpuLimit) {
        const cores = Math.ceil(p.cpuLimit / 1000);
        const data = { container: 'istio-proxy', n: p.concurrency, limit: formatCpu(p.cpuLimit), cores, source: p.cpuLimitSource ?? 'limit' };
        const related = p.cpuLimitLoc ? [{ loc: p.cpuLimitLoc, message: `proxy CPU limit ${formatCpu(p.cpuLimit)}` }] : [];
        if (p.concurrency === 0) ctx.report({ messageId: 'istioZero', data, loc: p.concurrencyLoc, ...workloadReport(w), key: 'istio-proxy', related });
        else if (p.concurrency > cores) ctx.report({ messageId: 'istioTooMany', data, loc: p.concurrencyLoc, ...workloadReport(w), key: 'istio-proxy', related });
      }
    }
    const m = model.mesh.istio;
    if (m?.concurrency === 0 && m.concurrencyLoc && m.cpuLimit) {
      ctx.report({
        messageId: 'meshZero',
        data: { limit: formatCpu(m.cpuLimit), cores: Math.ceil(m.cpuLimit / 1000) },
        loc: m.concurrencyLoc,
        resource: m.where,
        documentId: m.docId,
        related: m.cpuLimitLoc ? [{ loc: m.cpuLimitLoc, message: 'mesh default proxy CPU limit' }] : [],
      });
    }
  },
});
