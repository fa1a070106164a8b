/**
 * The built-in rule catalog: an explicit list (no discovery by side effect). Adding a rule means
 * adding it here, with a docs page in docs/rules/<name>.md and tests in test/rules/.
 */
import type { Rule } from '../engine/rule-api.js';
import preseedUpdatePolicy from './auto-update/preseed-update-policy.js';
import cloudInitPackageUpgrade from './auto-update/cloud-init-package-upgrade.js';

import missingPrestop from './termination/missing-prestop.js';
import prestopExceedsGrace from './termination/prestop-exceeds-grace.js';
import lifecycleFeatureUnsupported from './termination/lifecycle-feature-unsupported.js';
import sidecarProxyConcurrency from './sidecar/sidecar-proxy-concurrency.js';
import sidecarProxyCpuUndersized from './sidecar/sidecar-proxy-cpu-undersized.js';
import nodeAgentRolloutTooWide from './rollout/node-agent-rollout-too-wide.js';
import quorumReplicaCount from './rollout/quorum-replica-count.js';
import pdbAllowsQuorumLoss from './rollout/pdb-allows-quorum-loss.js';
import missingDisruptionBudget from './rollout/missing-disruption-budget.js';
import disruptionBudgetBlocksDrain from './rollout/disruption-budget-blocks-drain.js';
import unattendedUpgradesEnabled from './auto-update/unattended-upgrades-enabled.js';
import unattendedUpgradesReboot from './auto-update/unattended-upgrades-reboot.js';
import unattendedUpgradesOrigins from './auto-update/unattended-upgrades-origins.js';
import aksNodeOsUnmanaged from './auto-update/aks-node-os-unmanaged.js';
import dnfAutomaticApply from './auto-update/dnf-automatic-apply.js';
import networkdForeignRoutes from './networking/networkd-foreign-routes.js';
import networkdMatchesCniInterfaces from './networking/networkd-matches-cni-interfaces.js';
import networkdRestartOnLiveNode from './networking/networkd-restart-on-live-node.js';
import synchronizedUpdates from './schedule/synchronized-updates.js';
import scheduleTimeUnknown from './schedule/schedule-time-unknown.js';
import timerSmallRandomizedDelay from './schedule/timer-small-randomized-delay.js';
import eksNodeGroupWideUpdate from './schedule/eks-node-group-wide-update.js';
import asgInstanceRefreshWithoutCheckpoints from './schedule/asg-instance-refresh-without-checkpoints.js';
import fixedRandomDelaySharedMachineId from './schedule/fixed-random-delay-shared-machine-id.js';
import updateTimerPersistentAutoscaled from './schedule/update-timer-persistent-autoscaled.js';
import eksNodeAutoRepairUnbounded from './schedule/eks-node-auto-repair-unbounded.js';
import applicationsetWithoutProgressiveSync from './schedule/applicationset-without-progressive-sync.js';
import autoUpdateNoHoldback from './auto-update/auto-update-no-holdback.js';
import zincatiUncoordinatedUpdates from './auto-update/zincati-uncoordinated-updates.js';
import flatcarRebootUncoordinated from './auto-update/flatcar-reboot-uncoordinated.js';
import bottlerocketUpdateWavesBypassed from './auto-update/bottlerocket-update-waves-bypassed.js';
import networkmanagerManagesCniInterfaces from './networking/networkmanager-manages-cni-interfaces.js';
import rpFilterStrictWithCni from './networking/rp-filter-strict-with-cni.js';
export const builtinRules: Rule<Record<string, unknown>>[] = [
  preseedUpdatePolicy,
  cloudInitPackageUpgrade,
  missingPrestop,
  prestopExceedsGrace,
  lifecycleFeatureUnsupported,
  sidecarProxyConcurrency,
  sidecarProxyCpuUndersized,
  nodeAgentRolloutTooWide,
  quorumReplicaCount,
  pdbAllowsQuorumLoss,
  missingDisruptionBudget,
  disruptionBudgetBlocksDrain,
  unattendedUpgradesEnabled,
  unattendedUpgradesReboot,
  unattendedUpgradesOrigins,
  aksNodeOsUnmanaged,
  dnfAutomaticApply,
  networkdForeignRoutes,
  networkdMatchesCniInterfaces,
  networkdRestartOnLiveNode,
  synchronizedUpdates,
  scheduleTimeUnknown,
  timerSmallRandomizedDelay,
  eksNodeGroupWideUpdate,
  asgInstanceRefreshWithoutCheckpoints,
  fixedRandomDelaySharedMachineId,
  updateTimerPersistentAutoscaled,
  eksNodeAutoRepairUnbounded,
  applicationsetWithoutProgressiveSync,
  autoUpdateNoHoldback,
  zincatiUncoordinatedUpdates,
  flatcarRebootUncoordinated,
  bottlerocketUpdateWavesBypassed,
  networkmanagerManagesCniInterfaces,
  rpFilterStrictWithCni,
] as unknown as Rule<Record<string, unknown>>[];
