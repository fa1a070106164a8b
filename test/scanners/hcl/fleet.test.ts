/**
 * The shape of the 2023-03-08 Datadog outage, as configuration: a Packer image that installs
 * unattended-upgrades, and Terraform launch templates in several regions whose cloud-init enables
 * it. This test checks that every piece reaches the document model with exact positions.
 */
import { describe, expect, it } from 'vitest';
import type { ScalarValue } from '../../../engine/model.js';
import { attr, block, docOf, plain, posIn, scan } from './helpers.js';

const FILES: Record<string, string> = {
  'images/base.pkr.hcl': [
    'variable "ubuntu" { default = "22.04" }',
    'source "amazon-ebs" "base" {',
    '  ami_name = "base-${var.ubuntu}-{{timestamp}}"',
    '}',
    'build {',
    '  sources = ["source.amazon-ebs.base"]',
    '  provisioner "shell" {',
    '    inline = ["sudo apt-get install -y unattended-upgrades"]',
    '  }',
    '  provisioner "file" {',
    '    source      = "files/50unattended-upgrades"',
    '    destination = "/tmp/"',
    '  }',
    '}',
    '',
  ].join('\n'),
  'images/files/50unattended-upgrades': 'Unattended-Upgrade::Origins-Pattern { "origin=Ubuntu"; };\n',
  'infra/fleet/variables.tf': 'variable "regions" { type = list(string) }\nvariable "auto_upgrade" { default = false }\n',
  'infra/fleet/terraform.tfvars': 'regions      = ["us-east-1", "eu-west-1"]\nauto_upgrade = true\n',
  'infra/fleet/providers.tf': [
    'provider "aws" {',
    '  alias  = "use1"',
    '  region = var.regions[0]',
    '}',
    'provider "aws" {',
    '  alias  = "euw1"',
    '  region = var.regions[1]',
    '}',
    '',
  ].join('\n'),
  'infra/fleet/main.tf': [
    'locals {',
    '  cloud_init = templatefile("${path.module}/cloud-init.yaml.tftpl", { upgrade = var.auto_upgrade })',
    '}',
    'resource "aws_launch_template" "node_use1" {',
    '  provider  = aws.use1',
    '  user_data = base64encode(local.cloud_init)',
    '}',
    'resource "aws_launch_template" "node_euw1" {',
    '  provider  = aws.euw1',
    '  user_data = base64encode(local.cloud_init)',
    '}',
    '',
  ].join('\n'),
  'infra/fleet/cloud-init.yaml.tftpl': [
    '#cloud-config',
    'write_files:',
    '  - path: /etc/apt/apt.conf.d/20auto-upgrades',
    '    content: |',
    '      APT::Periodic::Unattended-Upgrade "%{ if upgrade }1%{ else }0%{ endif }";',
    '',
  ].join('\n'),
};

describe('fleet configuration end to end', () => {
  it('resolves providers, regions and the same cloud-init in every region', async () => {
    const r = await scan(FILES);
    const providers = docOf(r, 'infra/fleet/providers.tf').model.body.blocks;
    expect(providers.map((p) => [plain(attr(p.body, 'alias').value), plain(attr(p.body, 'region').value)])).toEqual([
      ['use1', 'us-east-1'],
      ['euw1', 'eu-west-1'],
    ]);
    const main = docOf(r, 'infra/fleet/main.tf').model.body;
    const lt = block(main, 'resource', 'aws_launch_template', 'node_euw1');
    expect(plain(attr(lt.body, 'provider').value)).toBe('aws.euw1');
    expect(attr(lt.body, 'user_data').value).toMatchObject({ tag: 'base64' });

    const ci = r.received.filter((x) => x.format === 'cloud-config');
    expect(ci).toHaveLength(2);
    const expected = '#cloud-config\nwrite_files:\n  - path: /etc/apt/apt.conf.d/20auto-upgrades\n    content: |\n      APT::Periodic::Unattended-Upgrade "1";\n';
    expect(ci.map((x) => x.text)).toEqual([expected, expected]);
    expect(posIn(r, ci[1].input, expected.indexOf('APT::'))).toEqual({ file: 'infra/fleet/cloud-init.yaml.tftpl', line: 5, column: 7 });
    expect(posIn(r, ci[1].input, expected.indexOf('1";'))).toEqual({ file: 'infra/fleet/cloud-init.yaml.tftpl', line: 5, column: 57 });
    const docs = r.documents.filter((d) => d.format === 'cloud-config');
    expect(docs.map((d) => d.origin!.label)).toEqual(['aws_launch_template.node_use1 user_data', 'aws_launch_template.node_euw1 user_data']);
    expect(docs.every((d) => d.file === 'infra/fleet/cloud-init.yaml.tftpl' && d.origin!.loc.file === 'infra/fleet/main.tf')).toBe(true);
  });

  it('follows the Packer image build', async () => {
    const r = await scan(FILES);
    const src = block(docOf(r, 'images/base.pkr.hcl').model.body, 'source', 'amazon-ebs', 'base');
    expect(attr(src.body, 'ami_name').value).toMatchObject({ value: 'base-22.04-{{timestamp}}' });
    expect((attr(src.body, 'ami_name').value as ScalarValue).tag).toBeUndefined(); // HCL does not read {{ }}: it is literal text
    const parent = docOf(r, 'images/base.pkr.hcl');
    const emb = r.documents.filter((d) => d.origin?.parentId === parent.id).map((d) => [d.origin!.via, d.file, d.origin!.targetPath ?? null]);
    expect(emb).toEqual([
      ['packer-inline', 'images/base.pkr.hcl', null],
      ['packer-file', 'images/files/50unattended-upgrades', '/tmp/50unattended-upgrades'],
    ]);
  });
});
