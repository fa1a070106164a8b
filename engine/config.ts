/**
 * faultline.yaml: types. Loading and validation live in config-load.ts.
 */
import type { Severity } from './rule-api.js';
import type { Limits } from './scanner-api.js';

export interface RegionSpec {
  /** Cloud provider or site: aws, gcp, azure, baremetal... */
  provider?: string;
  /** The provider's region name (eu-west-1, europe-west1...). */
  region?: string;
  /** IANA timezone the region's nodes run in when not UTC. */
  timezone?: string;
  /** Globs of repo paths that belong to this region. */
  paths?: string[];
}

export interface FleetImageSpec {
  regions?: string[];
  clusters?: string[];
  /** Base OS when it cannot be inferred from the image reference. */
  os?: { distro: string; version?: string };
  /** CNI the image's nodes run when no CNI evidence is linked to the image. */
  cni?: string;
}

export interface FleetConfig {
  /** Named regions of the fleet (the blast-radius unit). */
  regions: Record<string, RegionSpec>;
  /** Explicit links the scanner cannot infer: image name → regions/clusters. */
  images?: Record<string, FleetImageSpec>;
  clusters?: Record<string, { regions?: string[]; cni?: string; kubernetesVersion?: string; paths?: string[] }>;
}

export interface RuleSetting {
  enabled?: boolean;
  severity?: Severity;
  options?: Record<string, unknown>;
}

export interface Waiver {
  rule: string;
  paths?: string[];
  resource?: string;
  reason: string;
  until?: string;
}

export interface FaultlineConfig {
  /** Path of the config file, when one was loaded. */
  source?: string;
  include: string[];
  exclude: string[];
  gitignore: boolean;
  failOn?: Severity | 'never';
  rules: Record<string, RuleSetting>;
  fleet: FleetConfig;
  waivers: Waiver[];
  plugins: string[];
  policies: unknown[];
  limits: Partial<Limits>;
}

export function defaultConfig(): FaultlineConfig {
  return {
    include: [],
    exclude: [],
    gitignore: true,
    rules: {},
    fleet: { regions: {} },
    waivers: [],
    plugins: [],
    policies: [],
    limits: {},
  };
}
