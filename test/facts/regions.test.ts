import { describe, expect, it } from 'vitest';
import { parseFiles } from '../../engine/testing.js';
import { ScanModel } from '../../engine/scan-model.js';
import { RegionResolver, isCloudRegion, regionOfLocation } from '../../engine/facts/regions.js';
import { allScanners } from '../../scanners/index.js';
import { allSchedules } from '../../engine/facts/schedules.js';
import type { DocumentOf } from '../../engine/model.js';
import type { FleetConfig } from '../../engine/config.js';

async function resolver(files: Record<string, string>, fleet: FleetConfig = { regions: {} }) {
  const parsed = await parseFiles(allScanners, files);
  const scan = new ScanModel(parsed.documents, parsed.files, fleet);
  return { scan, r: new RegionResolver(scan) };
}

function block(scan: ScanModel, file: string, type: string, name: string) {
  const doc = scan.ofFormat('terraform').find((d) => d.file === file) as DocumentOf<'terraform'>;
  const b = doc.model.body.blocks.find((x) => x.labels[0] === type && x.labels[1] === name)!;
  return { doc, b };
}

describe('region attribution', () => {
  it('knows cloud region names and reduces zones to regions', () => {
    expect(isCloudRegion('eu-west-1')).toEqual({ provider: 'aws' });
    expect(isCloudRegion('europe-west4')).toEqual({ provider: 'gcp' });
    expect(isCloudRegion('westus2')).toEqual({ provider: 'azure' });
    expect(isCloudRegion('eu-west')).toBeUndefined();
    expect(regionOfLocation('europe-west1-b')).toBe('europe-west1');
    expect(regionOfLocation('us-east-1a')).toBe('us-east-1');
  });

  it('follows provider aliases, variable defaults and the default provider within a module', async () => {
    const tf = [
      'variable "primary" { default = "us-east-1" }',
      'provider "aws" { region = var.primary }',
      'provider "aws" {',
      '  alias  = "eu"',
      '  region = "eu-west-1"',
      '}',
      'resource "aws_ssm_maintenance_window" "a" { schedule = "cron(0 6 * * ? *)" }',
      'resource "aws_ssm_maintenance_window" "b" {',
      '  provider = aws.eu',
      '  schedule = "cron(0 6 * * ? *)"',
      '}',
    ].join('\n');
    const { scan, r } = await resolver({ 'stack/main.tf': tf }, { regions: { eu1: { provider: 'aws', region: 'eu-west-1' } } });
    const a = block(scan, 'stack/main.tf', 'aws_ssm_maintenance_window', 'a');
    expect(r.regionsOf(a.doc, a.b)).toMatchObject([{ region: 'us-east-1', provider: 'aws', how: 'terraform-provider' }]);
    const b = block(scan, 'stack/main.tf', 'aws_ssm_maintenance_window', 'b');
    expect(r.regionsOf(b.doc, b.b)).toMatchObject([{ region: 'eu1', providerRegion: 'eu-west-1', how: 'terraform-provider' }]);
  });

  it('gives a module without a provider the regions of the module blocks that instantiate it, from the root and from a subdirectory', async () => {
    const win = 'resource "aws_ssm_maintenance_window" "patch" {\n  schedule = "cron(0 3 ? * SUN *)"\n  duration = 2\n  cutoff   = 1\n}\n';
    const eu = 'provider "aws" {\n  alias  = "eu"\n  region = "eu-west-1"\n}\nmodule "patch" {\n  source    = "../../modules/patch"\n  providers = { aws = aws.eu }\n}\n';
    const root = 'provider "aws" {\n  region = "us-east-1"\n}\nmodule "patch" {\n  source = "./modules/patch"\n}\n';
    // a registry module and a relative path to somewhere else instantiate nothing here
    const other = 'provider "aws" {\n  region = "ap-southeast-2"\n}\nmodule "a" {\n  source = "terraform-aws-modules/vpc/aws"\n}\nmodule "b" {\n  source = "../../modules/other"\n}\n';
    const { scan } = await resolver({ 'modules/patch/main.tf': win, 'envs/eu/main.tf': eu, 'main.tf': root, 'envs/ap/main.tf': other });
    const facts = allSchedules(scan).filter((f) => f.resource === 'aws_ssm_maintenance_window.patch');
    expect(facts.map((f) => [f.region, f.attribution?.loc?.file])).toEqual([
      ['eu-west-1', 'envs/eu/main.tf'],
      ['us-east-1', 'main.tf'],
    ]);
  });

  it("prefers a resource's own location (GKE/AKS)", async () => {
    const tf = 'provider "google" { region = "us-central1" }\nresource "google_container_cluster" "c" {\n  location = "europe-west4-a"\n}\n';
    const { scan, r } = await resolver({ 'gke/main.tf': tf });
    const c = block(scan, 'gke/main.tf', 'google_container_cluster', 'c');
    expect(r.regionsOf(c.doc, c.b)).toMatchObject([{ region: 'europe-west4', provider: 'gcp', how: 'resource-attribute' }]);
  });

  it('uses the fleet map, then directory conventions, and says nothing when it cannot know', async () => {
    const fleet = { regions: { us5: { paths: ['clusters/prod-b/**'] } } };
    const { r } = await resolver({}, fleet);
    expect(r.regionsOfPath('clusters/prod-b/app.yaml')).toMatchObject([{ region: 'us5', how: 'fleet-paths' }]);
    expect(r.regionsOfPath('envs/ap-southeast-2/k8s/app.yaml')).toMatchObject([{ region: 'ap-southeast-2', provider: 'aws', how: 'directory' }]);
    expect(r.regionsOfPath('regions/eu3/app.yaml')).toMatchObject([{ region: 'eu3', how: 'directory' }]);
    expect(r.regionsOfPath('k8s/app.yaml')).toEqual([]);
  });
});
