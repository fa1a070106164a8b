/**
 * Which regions a piece of configuration runs in — the blast-radius unit.
 *
 * Attribution, most explicit first:
 *   1. the fleet map in faultline.yaml (`fleet.regions.<name>.paths` globs);
 *   2. Terraform: the resource's own `region`/`location` attribute, else its provider
 *      (`provider = aws.west` → `provider "aws" { alias = "west", region = ... }` in the same module,
 *      or the module's default provider configuration);
 *   3. directory conventions: `regions/<name>/`, `clusters/<name>/`, or a path segment that is a
 *      known cloud region name (`eu-west-1`, `europe-west1`, `westus2`).
 * Anything else is unknown, and callers must say so rather than guess.
 *
 * Provider regions are mapped to fleet region names when the fleet map names them
 * (`us1: { provider: aws, region: us-east-1 }`), so the same region is one name everywhere.
 */
import picomatch from 'picomatch';
import type { FleetConfig } from '../config.js';
import { str, type Document, type DocumentOf, type HclBlock } from '../model.js';
import type { ScanModel } from '../scan-model.js';
import type { Loc } from '../source.js';

export type RegionEvidence = 'fleet-paths' | 'resource-attribute' | 'terraform-provider' | 'directory' | 'fleet-image' | 'image-regions';

export interface RegionAttribution {
  /** Fleet region name when the fleet map knows it, else the provider's region id. */
  region: string;
  provider?: string;
  /** The cloud's own region id (us-east-1, europe-west1), when known. */
  providerRegion?: string;
  how: RegionEvidence;
  /** Where the attribution comes from (a provider block's `region`, a resource's `location`...). */
  loc?: Loc;
}

/** Cloud region ids: AWS (us-east-1), GCP (europe-west1), Azure (westus2, northeurope...). */
const AWS_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d$/;
const GCP_REGION = /^(us|europe|asia|australia|northamerica|southamerica|me|africa)-(north|south|east|west|central|northeast|northwest|southeast|southwest)\d$/;
const AZURE_REGIONS = new Set(
  'eastus eastus2 westus westus2 westus3 centralus northcentralus southcentralus westcentralus canadacentral canadaeast brazilsouth northeurope westeurope uksouth ukwest francecentral germanywestcentral switzerlandnorth norwayeast swedencentral polandcentral italynorth spaincentral eastasia southeastasia japaneast japanwest koreacentral australiaeast australiasoutheast centralindia southindia westindia uaenorth southafricanorth qatarcentral israelcentral mexicocentral'.split(
    ' ',
  ),
);

export function isCloudRegion(s: string): { provider: string } | undefined {
  if (AWS_REGION.test(s)) return { provider: 'aws' };
  if (GCP_REGION.test(s)) return { provider: 'gcp' };
  if (AZURE_REGIONS.has(s)) return { provider: 'azure' };
  return undefined;
}

/** GCP zones (europe-west1-b) and AWS AZs (us-east-1a) reduce to their region. */
export function regionOfLocation(loc: string): string | undefined {
  if (isCloudRegion(loc)) return loc;
  const gcpZone = /^(.*\d)-[a-z]$/.exec(loc);
  if (gcpZone && isCloudRegion(gcpZone[1])) return gcpZone[1];
  const awsAz = /^(.*-\d)[a-z]$/.exec(loc);
  if (awsAz && isCloudRegion(awsAz[1])) return awsAz[1];
  return undefined;
}

const PROVIDER_OF_TYPE: Record<string, string> = { aws: 'aws', google: 'gcp', 'google-beta': 'gcp', azurerm: 'azure' };

export class RegionResolver {
  private readonly pathMatchers: { name: string; match: (p: string) => boolean }[];

  constructor(
    private readonly scan: ScanModel,
    private readonly fleet: FleetConfig = scan.fleet,
  ) {
    this.pathMatchers = Object.entries(fleet.regions)
      .filter(([, r]) => r.paths?.length)
      .map(([name, r]) => ({ name, match: picomatch(r.paths!, { dot: true }) }));
  }

  /** The fleet name of a provider region (`us-east-1` → `us1` when the fleet map says so). */
  fleetName(providerRegion: string, provider?: string): string {
    for (const [name, r] of Object.entries(this.fleet.regions)) {
      if (r.region === providerRegion && (!provider || !r.provider || r.provider === provider)) return name;
    }
    return providerRegion;
  }

  /** Regions a repo path belongs to by the fleet map or directory conventions. */
  regionsOfPath(path: string): RegionAttribution[] {
    const byFleet = this.pathMatchers.filter((m) => m.match(path)).map((m) => ({ region: m.name, how: 'fleet-paths' as const, ...this.providerOf(m.name) }));
    if (byFleet.length) return byFleet;
    const segs = path.split('/');
    for (let i = segs.length - 2; i >= 0; i--) {
      const s = segs[i];
      const cloud = isCloudRegion(s);
      if (cloud) return [{ region: this.fleetName(s, cloud.provider), provider: cloud.provider, providerRegion: s, how: 'directory' }];
      if ((segs[i - 1] === 'regions' || segs[i - 1] === 'region') && s) {
        return [{ region: s, how: 'directory', ...this.providerOf(s) }];
      }
    }
    return [];
  }

  private providerOf(fleetName: string): { provider?: string; providerRegion?: string } {
    const r = this.fleet.regions[fleetName];
    return r ? { provider: r.provider, providerRegion: r.region } : {};
  }

  /**
   * Regions of a document. For Terraform, pass the block (resource/data/module) for per-resource
   * provider and location resolution.
   */
  regionsOf(doc: Document, block?: HclBlock): RegionAttribution[] {
    const root = this.scan.root(doc);
    if (block && (doc.format === 'terraform' || root.format === 'terraform')) {
      const tf = (doc.format === 'terraform' ? doc : root) as DocumentOf<'terraform'>;
      const r = this.terraformRegion(tf, block);
      if (r) {
        // the fleet map wins for the name, but a provider region is concrete evidence
        return [r];
      }
    }
    return this.regionsOfPath(doc.file === root.file ? root.file : doc.file);
  }

  private terraformRegion(doc: DocumentOf<'terraform'>, block: HclBlock): RegionAttribution | undefined {
    const attr = (name: string) => block.body.attributes.find((a) => a.name === name);
    // resources that carry their own location
    for (const name of ['region', 'location']) {
      const a = attr(name);
      const v = a ? str(a.value) : undefined;
      if (a && v) {
        const reg = regionOfLocation(v);
        if (reg) {
          const cloud = isCloudRegion(reg)!;
          return { region: this.fleetName(reg, cloud.provider), provider: cloud.provider, providerRegion: reg, how: 'resource-attribute', loc: a.value?.loc ?? a.loc };
        }
      }
    }
    // the provider configuration it uses
    const type = block.labels[0] ?? '';
    const local = type.split('_')[0];
    const pAttr = attr('provider');
    const ref = pAttr ? str(pAttr.value) : undefined; // 'aws.west'
    const [pName, alias] = ref ? ref.split('.') : [local, undefined];
    const providers = this.providerBlocks(doc.model.moduleDir).filter((p) => p.labels[0] === pName);
    const chosen = providers.find((p) => {
      const a = p.body.attributes.find((x) => x.name === 'alias');
      return alias ? str(a?.value) === alias : !a;
    });
    if (!chosen) return undefined;
    const regionAttr = chosen.body.attributes.find((a) => a.name === 'region' || a.name === 'location');
    const v = regionAttr ? str(regionAttr.value) : undefined;
    if (!v || !regionAttr) return undefined;
    const reg = regionOfLocation(v) ?? v;
    const provider = PROVIDER_OF_TYPE[pName] ?? isCloudRegion(reg)?.provider;
    return { region: this.fleetName(reg, provider), provider, providerRegion: reg, how: 'terraform-provider', loc: regionAttr.value?.loc ?? regionAttr.loc };
  }

  private providerCache = new Map<string, HclBlock[]>();

  /** Provider blocks of a Terraform module directory. */
  providerBlocks(moduleDir: string): HclBlock[] {
    let list = this.providerCache.get(moduleDir);
    if (!list) {
      list = this.scan
        .moduleDocs('terraform', moduleDir)
        .flatMap((d) => d.model.body.blocks.filter((b) => b.type === 'provider'));
      this.providerCache.set(moduleDir, list);
    }
    return list;
  }
}

