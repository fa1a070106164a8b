/**
 * FL403 lifecycle-feature-unsupported: preStop `sleep` actions and native sidecars on a cluster
 * version that lacks them.
 */
import { defineRule } from '../../engine/rule-api.js';
import { get, getEntry } from '../../engine/model.js';
import { clusterVersion, entrySpan, intOf, versionAtLeast, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL403',
    name: 'lifecycle-feature-unsupported',
    title: 'Lifecycle feature not available on the cluster version',
    family: 'termination',
    severity: 'error',
    description:
      'A pod uses a lifecycle feature that the cluster\'s Kubernetes version (from `fleet.clusters.*.kubernetesVersion` or EKS/GKE/AKS Terraform in the scan) does not enable by default: the `sleep` preStop action (1.30), `sleep.seconds: 0` (1.33), or native sidecars — init containers with `restartPolicy: Always` (1.29). Nothing is reported when the version is unknown.',
    rationale:
      'An API server that does not know the field drops it or rejects the object: a `preStop` whose only handler was `sleep` becomes invalid, and a native sidecar becomes an ordinary init container that never exits, so the pod never starts. The preStop delay that should have closed the endpoint-removal race of the usage-estimation postmortem (Datadog, 2023) silently does nothing or blocks the rollout.',
    remediation:
      'Use `exec: { command: ["sleep", "N"] }` instead of the `sleep` action, and a regular container instead of a native sidecar, until the cluster is upgraded; or upgrade the cluster first.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      sleep: '{container}: the preStop sleep action needs Kubernetes 1.30, but {source} is {version}; use `exec: { command: ["sleep", "N"] }`.',
      sleepZero: '{container}: `sleep: { seconds: 0 }` needs Kubernetes 1.33, but {source} is {version}.',
      nativeSidecar:
        '{container}: an init container with restartPolicy: Always (native sidecar) needs Kubernetes 1.29, but {source} is {version}; it would run as an init container that never exits and the pod would never start.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['kubernetes', 'version'],
    docs: 'docs/rules/lifecycle-feature-unsupported.md',
  },
  checkScan(ctx) {
    for (const w of workloadModel(ctx.scan).workloads) {
      const v = clusterVersion(ctx.scan, w.file);
      if (!v) continue;
      const data = { source: v.source, version: `${v.major}.${v.minor}` };
      const related = v.loc ? [{ loc: v.loc, message: `cluster version ${v.major}.${v.minor}` }] : [];
      for (const c of w.containers) {
        const sleep = getEntry(get(c.preStop?.value, 'sleep'), 'seconds');
        const sleepE = getEntry(c.preStop?.value, 'sleep');
        if (sleepE && !versionAtLeast(v, 1, 30)) {
          ctx.report({ messageId: 'sleep', data: { ...data, container: c.name }, loc: sleepE.keyLoc, ...workloadReport(w), key: c.name, related });
        } else if (sleep && intOf(sleep.value) === 0 && !versionAtLeast(v, 1, 33)) {
          ctx.report({ messageId: 'sleepZero', data: { ...data, container: c.name }, loc: entrySpan(sleep), ...workloadReport(w), key: c.name, related });
        }
        if (c.nativeSidecar && !versionAtLeast(v, 1, 29)) {
          const rp = getEntry(c.value, 'restartPolicy')!;
          ctx.report({ messageId: 'nativeSidecar', data: { ...data, container: c.name }, loc: entrySpan(rp), ...workloadReport(w), key: `${c.name}/sidecar`, related });
        }
      }
    }
  },
});
