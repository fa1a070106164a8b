/**
 * FL402 prestop-exceeds-grace: a preStop hook (or Istio drain) that cannot finish within
 * terminationGracePeriodSeconds.
 */
import { defineRule } from '../../engine/rule-api.js';
import { hookDuration, workloadModel, workloadReport } from '../../engine/facts/kubernetes.js';

export default defineRule<{ marginSeconds: number; minGraceForOpaqueHook: number }>({
  meta: {
    id: 'FL402',
    name: 'prestop-exceeds-grace',
    title: 'preStop hook cannot finish within the termination grace period',
    family: 'termination',
    severity: 'warning',
    description:
      'The time a `preStop` hook is known to take — the native `sleep` action, `sleep N` in an exec command or script, or the Istio `terminationDrainDuration` of an injected proxy — plus a margin for the application\'s own shutdown exceeds `terminationGracePeriodSeconds` (default 30). Hooks whose duration cannot be read (a script, an HTTP call) are reported only when the grace period is below a floor (default 2 s: with 0 or 1 the kubelet grants the hook just its 2-second minimum).',
    rationale:
      'The grace period counts from the start of the preStop hook. When it runs out the kubelet kills the container — hook and application — with SIGKILL: in-flight requests are cut and the drain the hook was meant to perform never happens. The usage-estimation postmortem (Datadog, 2023) was fixed by a preStop hook that waits for every client to disconnect; that only works if the grace period leaves it time to finish.',
    remediation:
      'Raise `terminationGracePeriodSeconds` above the hook duration plus the time the application needs to drain, or shorten the hook. For node agents with a grace period of 0–1 s (Calico, Cilium), give the shutdown hook a few seconds.',
    formats: ['kubernetes'],
    scope: 'scan',
    messages: {
      exceeds:
        '{container}: preStop {what} plus {margin} s for shutdown exceeds terminationGracePeriodSeconds {grace}{graceSrc}; the kubelet kills the container at {grace} s, before the drain finishes.',
      opaque:
        '{container}: preStop {what} with terminationGracePeriodSeconds {grace}; the kubelet grants the hook only its 2-second minimum, then kills the container.',
      drain:
        '{container}: Istio terminationDrainDuration {drain} s plus {margin} s exceeds terminationGracePeriodSeconds {grace}{graceSrc}; the proxy is killed before its drain ends.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        marginSeconds: { type: 'integer', minimum: 0, description: 'Seconds the application needs after the hook to shut down.' },
        minGraceForOpaqueHook: { type: 'integer', minimum: 0, description: 'Report hooks of unknown duration when the grace period is below this.' },
      },
    },
    defaultOptions: { marginSeconds: 5, minGraceForOpaqueHook: 2 },
    tags: ['kubernetes', 'termination'],
    docs: 'docs/rules/prestop-exceeds-grace.md',
  },
  checkScan(ctx) {
    const { marginSeconds: margin, minGraceForOpaqueHook } = ctx.options;
    for (const w of workloadModel(ctx.scan).workloads) {
      if (w.grace === undefined) continue;
      const grace = w.grace;
      const graceSrc = w.graceEntry ? '' : ' (the default)';
      const related = w.graceEntry ? [{ loc: w.graceEntry.keyLoc, message: `terminationGracePeriodSeconds: ${grace}` }] : [];
      for (const c of w.containers) {
        if (!c.preStop || (c.field === 'initContainers' && !c.nativeSidecar)) continue;
        const d = hookDuration(c.preStop);
        if (d.seconds !== undefined) {
          if (d.seconds + margin <= grace) continue;
          ctx.report({ messageId: 'exceeds', data: { container: c.name, what: d.what, margin, grace, graceSrc }, loc: d.loc, ...workloadReport(w), key: c.name, related });
        } else if (grace < minGraceForOpaqueHook) {
          ctx.report({ messageId: 'opaque', data: { container: c.name, what: d.what, grace }, loc: c.preStop.keyLoc, ...workloadReport(w), key: c.name, related });
        }
      }
      const inj = w.injected;
      if (inj?.drainSeconds !== undefined && inj.drainSeconds + margin > grace && inj.drainLoc) {
        const local = inj.drainLoc.file === w.file;
        ctx.report({
          messageId: 'drain',
          data: { container: 'istio-proxy', drain: inj.drainSeconds, margin, grace, graceSrc },
          loc: local ? inj.drainLoc : (w.graceEntry?.keyLoc ?? w.obj.loc),
          ...workloadReport(w),
          key: 'istio-proxy',
          related: local ? related : [{ loc: inj.drainLoc, message: 'mesh-wide terminationDrainDuration' }, ...related],
        });
      }
    }
  },
});
