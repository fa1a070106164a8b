/**
 * The built-in rule catalog: an explicit list in ID order (no discovery by side effect). Adding a
 * rule means adding it here, with a docs page in docs/rules/<name>.md and tests in test/rules/
 * (test/rules/catalog.test.ts checks both). FL0xx are the engine's own suppression rules
 * (engine/meta-rules.ts).
 */
import type { Rule } from '../engine/rule-api.js';

// FL1xx auto-update channels
import unattendedUpgradesEnabled from './auto-update/unattended-upgrades-enabled.js';
import unattendedUpgradesReboot from './auto-update/unattended-upgrades-reboot.js';
import preseedUpdatePolicy from './auto-update/preseed-update-policy.js';
import cloudInitPackageUpgrade from './auto-update/cloud-init-package-upgrade.js';
import unattendedUpgradesOrigins from './auto-update/unattended-upgrades-origins.js';
import aksNodeOsUnmanaged from './auto-update/aks-node-os-unmanaged.js';
import dnfAutomaticApply from './auto-update/dnf-automatic-apply.js';
import autoUpdateNoHoldback from './auto-update/auto-update-no-holdback.js';
import zincatiUncoordinatedUpdates from './auto-update/zincati-uncoordinated-updates.js';
import flatcarRebootUncoordinated from './auto-update/flatcar-reboot-uncoordinated.js';
import bottlerocketUpdateWavesBypassed from './auto-update/bottlerocket-update-waves-bypassed.js';

// FL2xx update schedules and blast radius
import synchronizedUpdates from './schedule/synchronized-updates.js';
import scheduleTimeUnknown from './schedule/schedule-time-unknown.js';
import timerSmallRandomizedDelay from './schedule/timer-small-randomized-delay.js';
import fixedRandomDelaySharedMachineId from './schedule/fixed-random-delay-shared-machine-id.js';
import updateTimerPersistentAutoscaled from './schedule/update-timer-persistent-autoscaled.js';

// FL3xx networking against the CNI
import networkdForeignRoutes from './networking/networkd-foreign-routes.js';
import networkdMatchesCniInterfaces from './networking/networkd-matches-cni-interfaces.js';
import networkdRestartOnLiveNode from './networking/networkd-restart-on-live-node.js';
import networkmanagerManagesCniInterfaces from './networking/networkmanager-manages-cni-interfaces.js';
import rpFilterStrictWithCni from './networking/rp-filter-strict-with-cni.js';

// FL4xx termination
import missingPrestop from './termination/missing-prestop.js';
import prestopExceedsGrace from './termination/prestop-exceeds-grace.js';
import lifecycleFeatureUnsupported from './termination/lifecycle-feature-unsupported.js';

// FL5xx sidecar proxies
import sidecarProxyConcurrency from './sidecar/sidecar-proxy-concurrency.js';
import sidecarProxyCpuUndersized from './sidecar/sidecar-proxy-cpu-undersized.js';

// FL6xx rollouts, quorum and disruption budgets
import nodeAgentRolloutTooWide from './rollout/node-agent-rollout-too-wide.js';
import quorumReplicaCount from './rollout/quorum-replica-count.js';
import pdbAllowsQuorumLoss from './rollout/pdb-allows-quorum-loss.js';
import missingDisruptionBudget from './rollout/missing-disruption-budget.js';
import disruptionBudgetBlocksDrain from './rollout/disruption-budget-blocks-drain.js';
import eksNodeGroupWideUpdate from './schedule/eks-node-group-wide-update.js';
import asgInstanceRefreshWithoutCheckpoints from './schedule/asg-instance-refresh-without-checkpoints.js';
import eksNodeAutoRepairUnbounded from './schedule/eks-node-auto-repair-unbounded.js';
import applicationsetWithoutProgressiveSync from './schedule/applicationset-without-progressive-sync.js';

export const builtinRules: Rule<Record<string, unknown>>[] = [
  unattendedUpgradesEnabled, // FL101
  unattendedUpgradesReboot, // FL102
  preseedUpdatePolicy, // FL103
  cloudInitPackageUpgrade, // FL104
  unattendedUpgradesOrigins, // FL105
  aksNodeOsUnmanaged, // FL106
  dnfAutomaticApply, // FL107
  autoUpdateNoHoldback, // FL108
  zincatiUncoordinatedUpdates, // FL109
  flatcarRebootUncoordinated, // FL110
  bottlerocketUpdateWavesBypassed, // FL111
  synchronizedUpdates, // FL201
  scheduleTimeUnknown, // FL202
  timerSmallRandomizedDelay, // FL203
  fixedRandomDelaySharedMachineId, // FL204
  updateTimerPersistentAutoscaled, // FL205
  networkdForeignRoutes, // FL301
  networkdMatchesCniInterfaces, // FL302
  networkdRestartOnLiveNode, // FL303
  networkmanagerManagesCniInterfaces, // FL304
  rpFilterStrictWithCni, // FL305
  missingPrestop, // FL401
  prestopExceedsGrace, // FL402
  lifecycleFeatureUnsupported, // FL403
  sidecarProxyConcurrency, // FL501
  sidecarProxyCpuUndersized, // FL502
  nodeAgentRolloutTooWide, // FL601
  quorumReplicaCount, // FL602
  pdbAllowsQuorumLoss, // FL603
  missingDisruptionBudget, // FL604
  disruptionBudgetBlocksDrain, // FL605
  eksNodeGroupWideUpdate, // FL620
  asgInstanceRefreshWithoutCheckpoints, // FL621
  eksNodeAutoRepairUnbounded, // FL622
  applicationsetWithoutProgressiveSync, // FL623
] as unknown as Rule<Record<string, unknown>>[];
