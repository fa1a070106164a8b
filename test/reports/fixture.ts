/**
 * A hand-built, realistic ScanResult for the report tests: findings in several files (one with
 * related locations across regions, one deep inside an embedded document, one spanning whole lines,
 * one on a line with a tab and a non-BMP character), two suppressed findings, diagnostics, and a
 * clean variant.
 */
import type { Finding } from '../../engine/finding.js';
import type { ReportedDiagnostic, ScanResult } from '../../engine/result.js';
import type { RuleMeta } from '../../engine/rule-api.js';

export const ROOT = '/home/ci/work/fleet-config';

function rule(meta: Pick<RuleMeta, 'id' | 'name' | 'title' | 'family' | 'severity' | 'description' | 'rationale' | 'remediation'> & Partial<RuleMeta>): RuleMeta {
  return {
    formats: ['yaml'],
    scope: 'document',
    messages: { default: '{message}' },
    optionsSchema: { type: 'object', additionalProperties: false },
    defaultOptions: {},
    docs: `docs/rules/${meta.name}.md`,
    ...meta,
  };
}

export const RULES: RuleMeta[] = [
  rule({
    id: 'FL014',
    name: 'synchronized-update-schedule',
    title: 'Update timers fire at the same wall-clock time in every region',
    family: 'schedule',
    severity: 'warning',
    description:
      'Detects systemd timers, cron entries and maintenance windows that trigger package or OS updates at the same absolute time in more than one region or availability zone.',
    rationale:
      'A bad package pushed to the mirror is installed everywhere at once when every region upgrades at 06:00 UTC; staggering turns a global outage into a regional one.',
    remediation: 'Give each region its own OnCalendar time (or add RandomizedDelaySec) so updates roll across regions.',
    tags: ['reliability', 'blast-radius'],
  }),
  rule({
    id: 'FL001',
    name: 'auto-update-channel',
    title: 'Node pools follow a provider-controlled release channel',
    family: 'auto-update',
    severity: 'error',
    securitySeverity: 7.5,
    formats: ['terraform'],
    description:
      "Reports managed Kubernetes node pools whose upgrades follow a provider release channel ('RAPID', 'REGULAR') with auto-upgrade enabled, so versions change without a change in this repository.",
    rationale:
      'Upgrades that arrive on the provider schedule bypass review and canarying; several fleet-wide outages started with an unattended control-plane or node upgrade.',
    remediation: "Pin the node version, set the channel to 'UNSPECIFIED' or 'STABLE' with a maintenance exclusion, and roll upgrades through your own pipeline.",
    tags: ['reliability', 'auto-update'],
  }),
  rule({
    id: 'FL021',
    name: 'missing-prestop-hook',
    title: 'Serving containers have no preStop hook',
    family: 'termination',
    severity: 'warning',
    description: 'Finds Deployments and StatefulSets behind a Service whose serving containers define no lifecycle.preStop hook.',
    rationale: 'Without a preStop delay, pods stop accepting connections before endpoints are removed from load balancers, dropping requests on every rollout.',
    remediation: 'Add a preStop hook (for example `sleep 10`) shorter than terminationGracePeriodSeconds.',
  }),
  rule({
    id: 'FL031',
    name: 'undersized-sidecar-proxy',
    title: 'Sidecar proxy memory limit is too small for the mesh',
    family: 'sidecar',
    severity: 'info',
    description: 'Flags service-mesh sidecar proxies whose memory limit is below the configured floor for the size of the mesh.',
    rationale: 'Proxy memory grows with the number of endpoints; an undersized sidecar is OOM-killed when the mesh grows, taking its pod out of rotation.',
    remediation: 'Raise the proxy memory limit or scope the proxy configuration with a Sidecar resource.',
    tags: ['service-mesh'],
  }),
  rule({
    id: 'FL040',
    name: 'networkd-route-conflict',
    title: 'systemd-networkd routes overlap the pod network',
    family: 'networking',
    severity: 'error',
    formats: ['networkd'],
    description: 'Detects systemd-networkd [Route] sections whose destination overlaps the CNI pod or service CIDR.',
    rationale: 'When networkd re-applies its routes (for example after a systemd upgrade restarts it), it overrides CNI routes and cuts pod traffic on every node at once.',
    remediation: 'Narrow the route destination or set ManageForeignRoutes=no so networkd leaves CNI routes alone.',
    tags: ['networking', 'cni'],
  }),
  rule({
    id: 'FL050',
    name: 'rollout-max-unavailable',
    title: 'Rollouts may take down too many replicas at once',
    family: 'rollout',
    severity: 'warning',
    description: 'Reports rolling-update strategies whose maxUnavailable allows more than a quarter of the replicas to be down.',
    rationale: 'A rollout of a bad image with a large maxUnavailable removes capacity faster than health checks can stop it.',
    remediation: 'Lower maxUnavailable (or raise maxSurge) so a rollout proceeds a few pods at a time.',
  }),
];

const F_CHANNEL: Finding = {
  ruleId: 'FL001',
  ruleName: 'auto-update-channel',
  severity: 'error',
  message: "Node pool 'workers' follows the 'RAPID' release channel with auto-upgrade on.",
  location: {
    path: 'clusters/prod-eu/nodepool.tf',
    range: { start: { line: 14, column: 5 }, end: { line: 14, column: 22 } },
    snippet: '    channel = "RAPID"',
  },
  resource: 'google_container_node_pool.workers',
  related: [
    {
      path: 'clusters/prod-us/nodepool.tf',
      range: { start: { line: 14, column: 5 }, end: { line: 14, column: 22 } },
      snippet: '    channel = "RAPID"',
      message: 'The same channel in us-central1.',
    },
  ],
  fingerprint: '3f9a1c0de4b2a7c1',
};

const F_SCHEDULE: Finding = {
  ruleId: 'FL014',
  ruleName: 'synchronized-update-schedule',
  severity: 'warning',
  message: "OnCalendar '*-*-* 06:00:00 UTC' is identical in 3 regions (prod-eu, prod-us, prod-ap).",
  location: {
    path: 'clusters/prod-eu/user_data.tf',
    range: { start: { line: 31, column: 7 }, end: { line: 31, column: 36 } },
    snippet: '      OnCalendar=*-*-* 06:00:00 UTC',
  },
  resource: 'aws_launch_template.nodes',
  related: [
    {
      path: 'clusters/prod-us/user_data.tf',
      range: { start: { line: 31, column: 7 }, end: { line: 31, column: 36 } },
      message: 'prod-us upgrades at the same time.',
    },
    {
      path: 'clusters/prod-ap (legacy)/user_data.tf',
      range: { start: { line: 29, column: 7 }, end: { line: 29, column: 36 } },
      message: 'prod-ap upgrades at the same time.',
    },
  ],
  embedding: ['user_data', 'MIME part 2 (text/cloud-config)', 'write_files[0] /etc/systemd/system/apt-daily-upgrade.timer'],
  fingerprint: '9b0e77aa01c3d5f2',
};

const F_PRESTOP: Finding = {
  ruleId: 'FL021',
  ruleName: 'missing-prestop-hook',
  severity: 'warning',
  message: "Container 'cart' serves traffic behind Service 'cart' but has no preStop hook.",
  location: {
    path: 'k8s/shop/cart.yaml',
    range: { start: { line: 18, column: 11 }, end: { line: 18, column: 21 } },
    snippet: '        - name: cart',
  },
  resource: 'Deployment/shop/cart',
  related: [],
  fingerprint: 'c0ffee0042d1e5a9',
};

// The line holds a tab and a non-BMP character before the range: columns are UTF-16 code units,
// so "🛒" counts 2 and the quoted value starts at column 15.
const F_SIDECAR: Finding = {
  ruleId: 'FL031',
  ruleName: 'undersized-sidecar-proxy',
  severity: 'info',
  message: "Sidecar 'istio-proxy' has a 64Mi memory limit; the mesh has 1800 endpoints (floor: 256Mi).",
  location: {
    path: 'k8s/shop/cart.yaml',
    range: { start: { line: 42, column: 15 }, end: { line: 42, column: 21 } },
    snippet: '\t# 🛒 memory: "64Mi"',
  },
  resource: 'Deployment/shop/cart',
  related: [],
  fingerprint: '5eed5eed12345678',
};

const F_ROUTE: Finding = {
  ruleId: 'FL040',
  ruleName: 'networkd-route-conflict',
  severity: 'error',
  message: "Route to '10.0.0.0/8' overlaps the pod CIDR '10.244.0.0/16'.",
  location: {
    path: 'hosts/base/10-eth0.network',
    // Whole lines 5–7, ending at the start of line 8.
    range: { start: { line: 5, column: 1 }, end: { line: 8, column: 1 } },
    snippet: '[Route]\nDestination=10.0.0.0/8\nGateway=192.168.1.1\n',
  },
  related: [
    {
      path: 'clusters/prod-eu/cni.yaml',
      range: { start: { line: 9, column: 14 }, end: { line: 9, column: 29 } },
      snippet: '  podSubnet: "10.244.0.0/16"',
      message: 'Pod CIDR defined here.',
    },
  ],
  fingerprint: 'aa55aa55bb66bb66',
};

const F_SUPPRESSED_INLINE: Finding = {
  ruleId: 'FL021',
  ruleName: 'missing-prestop-hook',
  severity: 'warning',
  message: "Container 'payments' serves traffic behind Service 'payments' but has no preStop hook.",
  location: {
    path: 'k8s/shop/payments.yaml',
    range: { start: { line: 20, column: 11 }, end: { line: 20, column: 25 } },
    snippet: '        - name: payments',
  },
  resource: 'Deployment/shop/payments',
  related: [],
  fingerprint: 'dead0000beef1111',
  suppression: {
    kind: 'inline',
    reason: 'Drained by the payments-gateway controller before SIGTERM',
    until: '2026-12-31',
    location: {
      path: 'k8s/shop/payments.yaml',
      range: { start: { line: 3, column: 5 }, end: { line: 3, column: 55 } },
      snippet: '    # faultline-disable FL021 -- drained by controller',
    },
  },
};

const F_SUPPRESSED_BASELINE: Finding = {
  ruleId: 'FL050',
  ruleName: 'rollout-max-unavailable',
  severity: 'warning',
  message: "maxUnavailable '50%' lets a rollout take down half of 'search'.",
  location: {
    path: 'k8s/search/deploy.yaml',
    range: { start: { line: 12, column: 23 }, end: { line: 12, column: 28 } },
  },
  resource: 'Deployment/search/search',
  related: [],
  fingerprint: '0123456789abcdef',
  suppression: { kind: 'baseline', reason: 'Present in baseline .faultline-baseline.json' },
};

export const DIAGNOSTICS: ReportedDiagnostic[] = [
  {
    severity: 'warning',
    code: 'template-unrendered',
    message: 'Helm template syntax was not rendered; templated values were not analysed.',
    path: 'charts/shop/templates/deploy.yaml',
  },
  {
    severity: 'error',
    code: 'parse-error',
    message: 'Unexpected mapping value (YAML).',
    path: 'k8s/broken.yaml',
    range: { start: { line: 3, column: 9 }, end: { line: 3, column: 10 } },
  },
  {
    severity: 'info',
    code: 'config',
    message: "Unknown option 'maxSkew' for rule FL014 was ignored.",
    path: '.faultline.yaml',
    range: { start: { line: 7, column: 5 }, end: { line: 7, column: 12 } },
  },
];

const FINDINGS: Finding[] = [F_CHANNEL, F_SCHEDULE, F_ROUTE, F_PRESTOP, F_SIDECAR, F_SUPPRESSED_INLINE, F_SUPPRESSED_BASELINE].sort(
  (a, b) =>
    (a.location.path < b.location.path ? -1 : a.location.path > b.location.path ? 1 : 0) ||
    a.location.range.start.line - b.location.range.start.line ||
    a.location.range.start.column - b.location.range.start.column,
);

export function findingsResult(): ScanResult {
  return structuredClone({
    tool: { name: 'faultline', version: '0.1.0', informationUri: 'https://github.com/faultline-dev/faultline' },
    root: ROOT,
    startedAt: '2025-03-04T09:15:02.120Z',
    finishedAt: '2025-03-04T09:15:03.554Z',
    findings: FINDINGS,
    diagnostics: DIAGNOSTICS,
    rules: RULES,
    stats: {
      filesSeen: 57,
      filesScanned: 48,
      filesSkipped: 9,
      documents: 133,
      embeddedDocuments: 21,
      durationMs: 1434,
      findingsBySeverity: { error: 2, warning: 2, info: 1 },
      suppressed: 2,
    },
    failOn: 'warning',
  } satisfies ScanResult);
}

export function cleanResult(): ScanResult {
  return structuredClone({
    tool: { name: 'faultline', version: '0.1.0', informationUri: 'https://github.com/faultline-dev/faultline' },
    root: ROOT,
    startedAt: '2025-03-04T09:20:00.000Z',
    finishedAt: '2025-03-04T09:20:00.412Z',
    findings: [],
    diagnostics: [],
    rules: RULES,
    stats: {
      filesSeen: 12,
      filesScanned: 12,
      filesSkipped: 0,
      documents: 30,
      embeddedDocuments: 0,
      durationMs: 412,
      findingsBySeverity: { error: 0, warning: 0, info: 0 },
      suppressed: 0,
    },
    failOn: 'error',
  } satisfies ScanResult);
}

/** A deterministic shuffle (for checking that output does not depend on input order). */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
