/**
 * Node images from legacy Packer JSON templates, Packer HCL-JSON (`.pkr.json`) and EC2 Image
 * Builder components (AWSTOE YAML linked to Terraform recipes), through the real pipeline.
 */
import { describe, expect, it } from 'vitest';
import { parseFiles } from '../../engine/testing.js';
import { allScanners } from '../../scanners/index.js';
import { ScanModel } from '../../engine/scan-model.js';
import { parseConfig } from '../../engine/config-load.js';
import { nodeImages, osFromText } from '../../engine/facts/node-image.js';
import { scanFiles, where } from '../helpers/scan.js';
import path from 'node:path';

async function scanOf(files: Record<string, string>): Promise<ScanModel> {
  const { documents, files: sf } = await parseFiles(allScanners, files);
  const cfg = files['faultline.yaml'] ? parseConfig(files['faultline.yaml'], path.resolve('faultline.yaml')) : undefined;
  return new ScanModel(documents, sf, cfg?.fleet ?? { regions: {} });
}

const ON = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';
const only = ['FL101'];

// ---------------------------------------------------------------------------------------------
// Packer JSON

const legacy = (extra: object[] = [], builder: object = { source_ami_filter: { filters: { name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*' }, owners: ['099720109477'] } }) =>
  JSON.stringify(
    {
      variables: { region: 'us-east-1' },
      builders: [{ type: 'amazon-ebs', region: '{{user `region`}}', ami_name: 'k8s-node-jammy-{{timestamp}}', ...builder }],
      provisioners: [
        { type: 'file', source: 'files/20auto-upgrades', destination: '/tmp/20auto-upgrades' },
        { type: 'shell', inline: ['sudo mv /tmp/20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades'] },
        ...extra,
      ],
    },
    null,
    2,
  ) + '\n';

const hclJson = JSON.stringify(
  {
    source: { 'amazon-ebs': { node: { ami_name: 'k8s-node-jammy', source_ami_filter: { filters: { name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*' } } } } },
    build: {
      sources: ['source.amazon-ebs.node'],
      provisioner: [
        { file: { source: 'files/20auto-upgrades', destination: '/tmp/20auto-upgrades' } },
        { shell: { inline: ['sudo mv /tmp/20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades'] } },
      ],
    },
  },
  null,
  2,
) + '\n';

describe('Packer JSON templates are node images like .pkr.hcl', () => {
  it('legacy JSON: OS from source_ami_filter, file provisioner + shell mv, names', async () => {
    const scan = await scanOf({ 'img/node.json': legacy(), 'img/files/20auto-upgrades': ON });
    const imgs = nodeImages(scan);
    expect(imgs.map((i) => i.kind)).toEqual(['packer']);
    const img = imgs[0];
    expect(img.names).toContain('k8s-node-jammy-{{timestamp}}');
    expect(img.os).toMatchObject({ distro: 'ubuntu', version: '22.04', systemd: 249 });
    const f = img.files.get('/etc/apt/apt.conf.d/20auto-upgrades')!;
    expect(f.doc?.format).toBe('apt-conf');
    expect(f.chain).toHaveLength(1);
    expect(img.claimedFiles.has('img/files/20auto-upgrades')).toBe(true);
    expect(img.unattendedUpgrades.state).toBe('enabled');
  });

  it('legacy JSON: OS from source_ami; unknown when nothing says', async () => {
    const a = nodeImages(await scanOf({ 'img/node.json': legacy([], { source_ami: 'debian-12-amd64-20240101' }), 'img/files/20auto-upgrades': ON }))[0];
    expect(a.os).toMatchObject({ distro: 'debian', version: '12' });
    const b = nodeImages(await scanOf({ 'img/node.json': legacy([], { source_ami: 'ami-0123456789abcdef0' }), 'img/files/20auto-upgrades': ON }))[0];
    expect(b.kind).toBe('packer');
    expect(b.os).toBeUndefined();
  });

  it('legacy JSON: scripts are replayed', async () => {
    const scan = await scanOf({ 'img/node.json': legacy([{ type: 'shell', scripts: ['scripts/off.sh'] }]), 'img/files/20auto-upgrades': ON, 'img/scripts/off.sh': '#!/bin/sh\nsudo apt-get purge -y unattended-upgrades\n' });
    const img = nodeImages(scan)[0];
    expect(img.packages.get('unattended-upgrades')?.state).toBe('purged');
    expect(img.unattendedUpgrades.state).toBe('disabled');
  });

  it('HCL-JSON .pkr.json builds the same image as .pkr.hcl', async () => {
    const img = nodeImages(await scanOf({ 'img/node.pkr.json': hclJson, 'img/files/20auto-upgrades': ON }))[0];
    expect(img).toMatchObject({ kind: 'packer', name: 'k8s-node-jammy', os: { distro: 'ubuntu', version: '22.04' } });
    expect(img.files.get('/etc/apt/apt.conf.d/20auto-upgrades')!.chain).toHaveLength(1);
    expect(img.unattendedUpgrades.state).toBe('enabled');
  });

  it('FL101 fires on a legacy JSON template whose provisioners enable the channel', async () => {
    const { result } = await scanFiles({ 'img/node.json': legacy(), 'img/files/20auto-upgrades': ON }, { only });
    expect(result.findings.map(where)).toEqual(['img/files/20auto-upgrades:2:1-2:39 FL101']);
    expect(result.findings[0].message).toMatch(/k8s-node-jammy-\{\{timestamp\}\} \(Ubuntu 22.04 with systemd 249\)/);
    const { result: r2 } = await scanFiles({ 'img/node.pkr.json': hclJson, 'img/files/20auto-upgrades': ON }, { only });
    expect(r2.findings.map(where)).toEqual(['img/files/20auto-upgrades:2:1-2:39 FL101']);
  });

  it('FL101 near-miss: a later-sorting file disables it', async () => {
    const off = [
      { type: 'file', source: 'files/99-off', destination: '/tmp/99-off' },
      { type: 'shell', inline: ['sudo mv /tmp/99-off /etc/apt/apt.conf.d/99-off'] },
    ];
    const { result } = await scanFiles({ 'img/node.json': legacy(off), 'img/files/20auto-upgrades': ON, 'img/files/99-off': 'APT::Periodic::Unattended-Upgrade "0";\n' }, { only });
    expect(result.findings.map(where)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// EC2 Image Builder

const CREATE = `name: node-apt
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: AutoUpgrades
        action: CreateFile
        inputs:
          - path: /etc/apt/apt.conf.d/20auto-upgrades
            content: |
              APT::Periodic::Update-Package-Lists "1";
              APT::Periodic::Unattended-Upgrade "1";
`;
const BASH = `name: node-bash
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Apt
        action: ExecuteBash
        inputs:
          commands:
            - |
              cat <<'EOF' > /etc/apt/apt.conf.d/20auto-upgrades
              APT::Periodic::Unattended-Upgrade "1";
              EOF
`;
const RECIPE = (parent: string, components: string) => `resource "aws_imagebuilder_component" "apt" {
  name     = "node-apt"
  platform = "Linux"
  version  = "1.0.0"
  data     = file("\${path.module}/components/apt.yaml")
}

resource "aws_imagebuilder_image_recipe" "node" {
  name         = "k8s-node"
  version      = "1.0.0"
  parent_image = "${parent}"
${components}
}
`;
const BY_REF = '  component {\n    component_arn = aws_imagebuilder_component.apt.arn\n  }';

describe('EC2 Image Builder components are node images', () => {
  it('a component linked to a recipe: OS from parent_image, CreateFile is a write, regions from the recipe', async () => {
    const scan = await scanOf({
      'ib/components/apt.yaml': CREATE,
      'ib/main.tf': RECIPE('arn:aws:imagebuilder:us-east-1:aws:image/ubuntu-server-22-lts-x86/x.x.x', BY_REF),
    });
    const imgs = nodeImages(scan);
    expect(imgs.map((i) => i.kind)).toEqual(['imagebuilder']);
    const img = imgs[0];
    expect(img).toMatchObject({ id: 'imagebuilder:ib/components/apt.yaml#0', name: 'node-apt', names: ['node-apt'], os: { distro: 'ubuntu', version: '22.04' } });
    expect(img.consumers.map((c) => c.resource)).toEqual(['aws_imagebuilder_image_recipe.node']);
    expect(img.files.get('/etc/apt/apt.conf.d/20auto-upgrades')?.doc?.format).toBe('apt-conf');
    expect(img.unattendedUpgrades.state).toBe('enabled');
    expect(img.claimedFiles.has('ib/components/apt.yaml')).toBe(true);
  });

  it('links by ARN name; unknown OS when the parent image says nothing or recipes disagree', async () => {
    const arn = '  component {\n    component_arn = "arn:aws:imagebuilder:us-east-1:123456789012:component/node-apt/1.0.0/1"\n  }';
    const a = nodeImages(await scanOf({ 'ib/components/apt.yaml': CREATE, 'ib/main.tf': RECIPE('ami-0123456789abcdef0', arn) }))[0];
    expect(a.consumers).toHaveLength(1);
    expect(a.os).toBeUndefined();
    const second = `resource "aws_imagebuilder_image_recipe" "deb" {\n  name         = "k8s-node-deb"\n  version      = "1.0.0"\n  parent_image = "debian-12-amd64"\n${arn}\n}\n`;
    const b = nodeImages(await scanOf({ 'ib/components/apt.yaml': CREATE, 'ib/main.tf': RECIPE('ubuntu-jammy-22.04', arn) + second }))[0];
    expect(b.consumers).toHaveLength(2);
    expect(b.os).toBeUndefined();
    const c = nodeImages(await scanOf({ 'ib/components/apt.yaml': CREATE }))[0];
    expect(c).toMatchObject({ kind: 'imagebuilder', consumers: [] });
    expect(c.os).toBeUndefined();
  });

  it('fleet.images by component name gives regions and OS; the test phase is not replayed', async () => {
    const withTest = `${BASH}  - name: test\n    steps:\n      - name: Purge\n        action: ExecuteBash\n        inputs:\n          commands:\n            - apt-get purge -y unattended-upgrades\n`;
    const cfg = 'fleet:\n  regions:\n    us1: { provider: aws, region: us-east-1 }\n  images:\n    node-bash:\n      regions: [us1]\n      os: { distro: ubuntu, version: "24.04" }\n';
    const img = nodeImages(await scanOf({ 'faultline.yaml': cfg, 'ib/bash.yaml': withTest }))[0];
    expect(img.regions.map((r) => r.region)).toEqual(['us1']);
    expect(img.os).toMatchObject({ distro: 'ubuntu', version: '24.04' });
    expect(img.packages.has('unattended-upgrades')).toBe(false);
    expect(img.unattendedUpgrades.state).toBe('enabled');
  });

  it('a recipe on a Packer AMI of the scan makes the component a layer of it', async () => {
    const pkr = `source "amazon-ebs" "n" {\n  ami_name = "golden-jammy"\n  source_ami_filter {\n    filters = { name = "ubuntu-jammy-22.04-*" }\n  }\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n  provisioner "shell" {\n    inline = ["sudo apt-get purge -y unattended-upgrades"]\n  }\n}\n`;
    const tf = `data "aws_ami" "golden" {\n  filter {\n    name   = "name"\n    values = ["golden-jammy"]\n  }\n}\n${RECIPE('x', BY_REF).replace('"x"', 'data.aws_ami.golden.id')}`;
    const imgs = nodeImages(await scanOf({ 'pkr/n.pkr.hcl': pkr, 'ib/main.tf': tf, 'ib/components/apt.yaml': CREATE }));
    const packer = imgs.find((i) => i.kind === 'packer')!;
    const ib = imgs.find((i) => i.kind === 'imagebuilder')!;
    expect(ib.base).toBe(packer.id);
    expect(ib.os).toMatchObject({ distro: 'ubuntu', version: '22.04' });
    expect(ib.packages.get('unattended-upgrades')?.state).toBe('purged');
  });

  it('FL101 fires on a component that enables the channel via CreateFile and via an ExecuteBash heredoc', async () => {
    const { result } = await scanFiles(
      {
        'ib/components/apt.yaml': CREATE,
        'ib/main.tf': RECIPE('arn:aws:imagebuilder:us-east-1:aws:image/ubuntu-server-22-lts-x86/x.x.x', BY_REF),
        'ib2/bash.yaml': BASH,
      },
      { only },
    );
    expect(result.findings.map(where).sort()).toEqual(['ib/components/apt.yaml:12:15-12:53 FL101', 'ib2/bash.yaml:12:15-12:53 FL101']);
    const f = result.findings.find((x) => x.location.path === 'ib/components/apt.yaml')!;
    expect(f.message).toMatch(/node-apt \(Ubuntu 22.04 with systemd 249\)/);
    expect(f.related[0]).toMatchObject({ path: 'ib/components/apt.yaml', range: { start: { line: 1 } } });
    expect(result.findings.find((x) => x.location.path === 'ib2/bash.yaml')!.message).toMatch(/node-bash \(an unknown OS\)/);
  });

  it('FL101 near-miss: the component purges unattended-upgrades', async () => {
    const purge = `${CREATE}      - name: Purge\n        action: ExecuteBash\n        inputs:\n          commands:\n            - apt-get purge -y unattended-upgrades\n`;
    const { result } = await scanFiles(
      { 'ib/components/apt.yaml': purge, 'ib/main.tf': RECIPE('arn:aws:imagebuilder:us-east-1:aws:image/ubuntu-server-22-lts-x86/x.x.x', BY_REF) },
      { only },
    );
    expect(result.findings.map(where)).toEqual([]);
  });

  it('infers Image Builder managed parent images', () => {
    expect(osFromText('arn:aws:imagebuilder:us-east-1:aws:image/ubuntu-server-22-lts-x86/x.x.x')).toMatchObject({ distro: 'ubuntu', version: '22.04' });
    expect(osFromText('arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x')).toMatchObject({ distro: 'amazon-linux', version: '2023' });
  });
});

describe('FL301 networkd-foreign-routes on an Image Builder image', () => {
  it('flags a component built on Ubuntu 22.04 in a Cilium fleet, at the component', async () => {
    const { scanFiles } = await import('../helpers/scan.js');
    const cilium = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: cilium-agent\n          image: quay.io/cilium/cilium:v1.15.0\n';
    const { result } = await scanFiles(
      { 'ib/components/apt.yaml': CREATE, 'ib/main.tf': RECIPE('ubuntu-server-22-lts-x86', BY_REF), 'k8s/cilium.yaml': cilium },
      { only: ['FL301'] },
    );
    expect(result.findings.map((f) => f.location.path)).toEqual(['ib/components/apt.yaml']);
    expect(result.findings[0].related.some((r) => r.path === 'k8s/cilium.yaml')).toBe(true);
  });
});
