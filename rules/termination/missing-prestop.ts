/**
 * FL401 missing-prestop: serving containers with no preStop hook (the endpoint-removal race).
 */
import { defineRule } from '../../engine/rule-api.js';
import { clusterVersion, servingContainers, servingEvidence, versionAtLeast, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<{ sleepSeconds: number; evidence: 'service' | 'ports' | 'all' }>({
  meta: {
    id: 'FL401',
    name: 'missing-prestop',
    title: 'Serving container has no preStop hook',
    family: 'termination',
    severity: 'warning',
    description:
      'A long-running workload that serves traffic (selected by a Service in the scan, possibly fronted by an Ingress or HTTPRoute) has a serving container with no `lifecycle.preStop` hook. Workloads that only declare container ports or are in a service mesh, with no Service in the scan, are reported at info. Jobs, CronJobs and bare Pods are not checked; neither are injected or explicit proxy containers.',
    rationale:
      'When a pod is deleted, the kubelet sends SIGTERM at the same time as the endpoint controller, kube-proxy, ingress controllers and mesh proxies start removing it from load balancing. Without a preStop delay the process stops accepting connections while clients are still sent to it. In the usage-estimation postmortem (Datadog, 2023) clients kept sending requests to terminating remote-cache pods, causing one-second timeouts and retries at every rollout, until a preStop hook drained them.',
    remediation:
      'Add a preStop hook that waits until endpoints have been removed (5–15 s), then let the process drain: `lifecycle: { preStop: { sleep: { seconds: 10 } } }` on Kubernetes ≥ 1.30, or `exec: { command: ["sleep", "10"] }` where the image has a `sleep` binary. Keep `terminationGracePeriodSeconds` above the delay plus the drain time.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      missing:
        '{container}: no preStop hook on a container behind {via}; on termination it stops at once while endpoints are still being removed, so clients keep sending to it. Add {fix}.',
      missingPorts:
        '{container}: no preStop hook, and the container may serve traffic ({via}; no Service selecting it in the scan); if it is load-balanced, clients keep sending to it while it terminates. Add {fix}.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sleepSeconds: { type: 'integer', minimum: 1, description: 'Delay suggested in the fix.' },
        evidence: {
          enum: ['service', 'ports', 'all'],
          description:
            "Which workloads count as serving: 'service' only those a Service in the scan selects; 'ports' also (at info) those with container ports or a mesh proxy; 'all' also (at info) every other long-running workload.",
        },
      },
    },
    defaultOptions: { sleepSeconds: 10, evidence: 'ports' },
    tags: ['kubernetes', 'termination'],
    docs: 'docs/rules/missing-prestop.md',
  },
  checkScan(ctx) {
    const { workloads } = workloadModel(ctx.scan);
    for (const w of workloads) {
      const mode = ctx.options.evidence;
      const ev = servingEvidence(w) ?? (mode === 'all' && w.longRunning ? 'all' : undefined);
      if (!ev || (ev !== 'service' && mode === 'service')) continue;
      const v = clusterVersion(ctx.scan, w.file);
      const n = ctx.options.sleepSeconds;
      const fix =
        v && versionAtLeast(v, 1, 30)
          ? `\`preStop: { sleep: { seconds: ${n} } }\` (Kubernetes ${v.major}.${v.minor})`
          : `\`preStop: { exec: { command: ["sleep", "${n}"] } }\`${v ? ` (the native sleep action needs Kubernetes 1.30; the cluster is ${v.major}.${v.minor})` : ' (or the native `sleep: { seconds: ' + n + ' }` action on Kubernetes ≥ 1.30)'}`;
      const via =
        ev === 'service'
          ? [...w.services.map((s) => s.resource), ...w.frontends.map((f) => f.resource)].join(', ')
          : ev === 'all'
            ? 'no Service, ports or mesh proxy seen'
            : servingContainers(w).some((c) => c.ports)
              ? 'containerPort declared'
              : 'mesh proxy in the pod';
      for (const c of servingContainers(w)) {
        if (c.preStop) continue;
        ctx.report({
          messageId: ev === 'service' ? 'missing' : 'missingPorts',
          data: { container: c.name, via, fix },
          loc: c.nameLoc,
          ...workloadReport(w),
          key: c.name,
          severity: ev === 'service' ? undefined : 'info',
          related: w.services.map((s) => ({ loc: s.obj.loc, message: `${s.resource} sends traffic to this pod` })),
        });
      }
    }
  },
});
