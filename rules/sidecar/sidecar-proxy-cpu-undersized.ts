/**
 * FL502 sidecar-proxy-cpu-undersized: a sidecar proxy CPU limit too small for its pod.
 */
import { defineRule } from '../../engine/rule-api.js';
import { appContainers, entrySpan, formatCpu, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<{ minLimitMillicores: number; minFractionOfApp: number }>({
  meta: {
    id: 'FL502',
    name: 'sidecar-proxy-cpu-undersized',
    title: 'Sidecar proxy CPU limit is too small for its pod',
    family: 'sidecar',
    severity: 'warning',
    description:
      'A sidecar proxy — an explicit Envoy / istio-proxy / linkerd-proxy / consul-dataplane container next to an application container, or an injected proxy whose limit is set by `sidecar.istio.io/proxyCPULimit`, `config.linkerd.io/proxy-cpu-limit` or the mesh-wide Istio `global.proxy.resources` — has a CPU limit below a floor (default 500m) or below a fraction (default 0.25) of the CPU requested by the application containers it serves. Proxies with no CPU limit are not reported (they cannot be throttled).',
    rationale:
      'All of the pod\'s traffic passes through the proxy, and a rollout (cold connection pools, TLS handshakes, retries) is its busiest moment. A CFS limit far below the application\'s CPU makes the proxy the bottleneck exactly then. In the usage-estimation postmortem (Datadog, 2023) the Envoy sidecar was capped at two cores and throttled at every deploy while the application had more.',
    remediation:
      'Raise the proxy CPU limit (or remove it and keep a request), scaled to the traffic the application handles; for injected proxies set `sidecar.istio.io/proxyCPULimit` / `config.linkerd.io/proxy-cpu-limit` on the pod template.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      floor: '{container}: proxy CPU limit {limit} is below the floor of {floor}; it will be throttled under rollout load.',
      fraction:
        '{container}: proxy CPU limit {limit} is {pct}% of the {app} requested by the application containers (minimum {minPct}%); it will be throttled before the application is busy.',
      meshFloor: 'mesh-wide proxy CPU limit {limit} ({source}) is below the floor of {floor}; every injected proxy will be throttled under rollout load.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minLimitMillicores: { type: 'integer', minimum: 0, description: 'Report proxy CPU limits below this (millicores).' },
        minFractionOfApp: { type: 'number', minimum: 0, maximum: 10, description: 'Report proxy CPU limits below this fraction of the app containers\' summed CPU requests.' },
      },
    },
    defaultOptions: { minLimitMillicores: 500, minFractionOfApp: 0.25 },
    tags: ['kubernetes', 'sidecar', 'resources'],
    docs: 'docs/rules/sidecar-proxy-cpu-undersized.md',
  },
  checkScan(ctx) {
    const { minLimitMillicores: floor, minFractionOfApp: frac } = ctx.options;
    const model = workloadModel(ctx.scan);
    for (const w of model.workloads) {
      const apps = appContainers(w);
      if (apps.length === 0) continue;
      const appReq = apps.reduce((s, c) => s + (c.cpuRequest ?? 0), 0);
      const check = (container: string, limit: number, loc: import('../../engine/source.js').Loc, inFile: boolean) => {
        const data = { container, limit: formatCpu(limit), floor: formatCpu(floor), app: formatCpu(appReq), pct: Math.round((limit / Math.max(appReq, 1)) * 100), minPct: Math.round(frac * 100) };
        const at = inFile ? loc : apps[0].nameLoc;
        const related = inFile ? [] : [{ loc, message: `proxy CPU limit ${formatCpu(limit)}` }];
        if (limit < floor) {
          if (inFile) ctx.report({ messageId: 'floor', data, loc: at, ...workloadReport(w), key: container, related });
        } else if (appReq > 0 && limit < frac * appReq) {
          ctx.report({ messageId: 'fraction', data, loc: at, ...workloadReport(w), key: container, related });
        }
      };
      for (const c of w.containers) {
        if (!c.proxy || !c.cpuLimit || !c.cpuLimitEntry) continue;
        check(c.name, c.cpuLimit, entrySpan(c.cpuLimitEntry), true);
      }
      const p = w.injected;
      if (p?.cpuLimit && p.cpuLimitLoc) check(p.mesh === 'istio' ? 'istio-proxy' : 'linkerd-proxy', p.cpuLimit, p.cpuLimitLoc, p.cpuLimitLoc.file === w.file && p.cpuLimitSource !== undefined && !p.cpuLimitSource.startsWith('mesh'));
    }
    const m = model.mesh.istio;
    if (m?.cpuLimit && m.cpuLimitLoc && m.cpuLimit < floor) {
      ctx.report({ messageId: 'meshFloor', data: { limit: formatCpu(m.cpuLimit), floor: formatCpu(floor), source: m.where }, loc: m.cpuLimitLoc, resource: m.where, documentId: m.docId });
    }
  },
});
