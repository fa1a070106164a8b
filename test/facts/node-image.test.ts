import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFiles } from '../../engine/testing.js';
import { allScanners } from '../../scanners/index.js';
import { ScanModel } from '../../engine/scan-model.js';
import { parseConfig } from '../../engine/config-load.js';
import { applySed, imageNameMatches, networkdBased, nodeImages, osFromText } from '../../engine/facts/node-image.js';
import { launchesAnyIndexed, packerImageNames } from '../../engine/facts/image-names.js';
import { autoscaledBy } from '../../rules/schedule/autoscaled.js';

async function scanOf(files: Record<string, string>): Promise<ScanModel> {
  const { documents, files: sf } = await parseFiles(allScanners, files);
  const cfg = files['faultline.yaml'] ? parseConfig(files['faultline.yaml'], path.resolve('faultline.yaml')) : undefined;
  return new ScanModel(documents, sf, cfg?.fleet ?? { regions: {} });
}

function load(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(root, { recursive: true })) {
    try {
      files[String(f).split(path.sep).join('/')] = readFileSync(path.join(root, String(f)), 'utf8');
    } catch {
      /* directory */
    }
  }
  return files;
}

describe('node-image facts', () => {
  it('infers the OS honestly', () => {
    expect(osFromText('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*')).toMatchObject({ distro: 'ubuntu', version: '22.04', systemd: 249, networkd: true });
    expect(osFromText('ubuntu-2004-lts')).toMatchObject({ version: '20.04', networkd: false });
    expect(osFromText('debian-12-amd64-20240101')).toMatchObject({ distro: 'debian', version: '12', networkd: true });
    expect(osFromText('al2023-ami-2023.4-x86_64')).toMatchObject({ distro: 'amazon-linux', version: '2023', networkd: true });
    expect(osFromText('amzn2-ami-hvm-*')).toMatchObject({ version: '2', networkd: false });
    expect(osFromText('my-golden-image-*')).toBeUndefined();
    expect(networkdBased({ distro: 'gentoo' })).toBeUndefined();
    expect(networkdBased({ distro: 'gentoo', systemd: 250 })).toBe(true);
  });

  it('matches image names and applies simple sed scripts', () => {
    expect(imageNameMatches('ubuntu-k8s-node-jammy', 'ubuntu-k8s-node-jammy')).toBe(true);
    expect(imageNameMatches('projects/p/global/images/family/ubuntu-k8s-node', 'ubuntu-k8s-node-jammy')).toBe(true);
    expect(imageNameMatches('ubuntu-k8s-*', 'ubuntu-k8s-node-jammy')).toBe(true);
    expect(imageNameMatches('other-node', 'ubuntu-k8s-node-jammy')).toBe(false);
    expect(applySed('apply_updates = no\n', 's/apply_updates = no/apply_updates = yes/')).toBe('apply_updates = yes\n');
    expect(applySed('a\n', 'y/a/b/')).toBeUndefined();
  });

  it('models the example fleet: virtual /etc, packages, units, timers, regions, layers', async () => {
    const scan = await scanOf(load('fixtures/example-fleet'));
    const images = nodeImages(scan);
    expect(nodeImages(scan)).toBe(images); // memoised
    const img = images.find((i) => i.kind === 'packer')!;
    expect(img.name).toBe('ubuntu-k8s-node-jammy');
    expect(img.os).toMatchObject({ distro: 'ubuntu', version: '22.04', systemd: 249, networkd: true });
    expect(img.regions.map((r) => r.region)).toEqual(['us1', 'eu1', 'us3', 'us4', 'us5']);
    expect([...img.files.keys()].sort()).toEqual(['/etc/apt/apt.conf.d/20auto-upgrades', '/etc/apt/apt.conf.d/51unattended-upgrades-local']);
    expect(img.files.get('/etc/apt/apt.conf.d/20auto-upgrades')!.chain).toHaveLength(1);
    expect(img.packages.get('unattended-upgrades')?.state).toBe('installed');
    expect(img.units.get('unattended-upgrades.service')?.map((a) => a.verb)).toEqual(['stop']);
    expect(img.unattendedUpgrades.state).toBe('enabled');
    const t = img.timers.find((x) => x.unit === 'apt-daily-upgrade.timer')!;
    expect(t).toMatchObject({ service: 'apt-daily-upgrade.service', onCalendar: [{ expr: '*-*-* 6:00' }], randomizedDelaySec: { value: '60m' }, action: 'install', enabled: true, stock: true });
    expect(t.evidence.file).toBe('images/ubuntu-node/files/20auto-upgrades');
    expect(img.consumers.map((c) => c.resource).sort()).toEqual([
      'aws_launch_template.nodes',
      'azurerm_linux_virtual_machine_scale_set.nodes',
      'google_compute_instance_template.nodes',
      'google_compute_instance_template.nodes',
      'google_compute_instance_template.nodes',
    ]);
    const us1 = images.find((i) => i.id.includes('regions/us1'))!;
    expect(us1).toMatchObject({ kind: 'layer', base: img.id });
    expect(us1.files.has('/etc/apt/apt.conf.d/99periodic')).toBe(true);
    expect(us1.regions.map((r) => r.region)).toEqual(['us1']);
  });

  it('replays a build script in source order: writes, removals, nested scripts, masks and purges', async () => {
    const steps = [
      "cat > /etc/apt/apt.conf.d/20auto-upgrades <<'EOF'",
      'APT::Periodic::Unattended-Upgrade "1";',
      'EOF',
      'rm /etc/apt/apt.conf.d/20auto-upgrades',
      "cat > /etc/apt/apt.conf.d/99periodic <<'EOF'",
      'APT::Periodic::Enable "1";',
      'EOF',
      "bash -c 'rm /etc/apt/apt.conf.d/99periodic'",
      "cat > /etc/apt/apt.conf.d/50keep <<'EOF'",
      'APT::Periodic::Verbose "1";',
      'EOF',
      'ln -s /dev/null /etc/systemd/system/apt-daily-upgrade.timer',
      'dpkg --purge unattended-upgrades',
      'apt-get install -y curl',
    ];
    const imageOf = async (lines: string[]) => {
      const scan = await scanOf({ 'scripts/setup.sh': ['#!/bin/bash', ...lines, ''].join('\n') });
      return nodeImages(scan).find((i) => i.kind === 'file' && i.name === 'scripts/setup.sh')!;
    };
    const img = await imageOf(steps);
    // written then removed, by the script itself and by a script it runs
    expect([...img.files.keys()]).toEqual(['/etc/apt/apt.conf.d/50keep']);
    expect(img.units.get('apt-daily-upgrade.timer')?.map((a) => a.verb)).toEqual(['mask']);
    expect(img.packages.get('unattended-upgrades')?.state).toBe('purged');
    expect(img.packages.get('curl')?.state).toBe('installed');
    // the same steps with each removal before its write leave both files in place
    const reordered = await imageOf([...steps.slice(3, 4), ...steps.slice(0, 3), ...steps.slice(7, 8), ...steps.slice(4, 7), ...steps.slice(8)]);
    expect([...reordered.files.keys()].sort()).toEqual(['/etc/apt/apt.conf.d/20auto-upgrades', '/etc/apt/apt.conf.d/50keep', '/etc/apt/apt.conf.d/99periodic']);
  });

  it('gives an image matched by several reference sets its launchers in file order, sharing lists between images', async () => {
    const packer = (name: string) =>
      `source "amazon-ebs" "n" {\n  ami_name = "${name}"\n  source_ami = "ubuntu-jammy-22.04"\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n}\n`;
    const lt = (name: string, ref: string) => `resource "aws_launch_template" "${name}" {\n  image_id = "${ref}"\n}\n`;
    const scan = await scanOf({
      'images/a1/a1.pkr.hcl': packer('fam-a-1'),
      'images/a2/a2.pkr.hcl': packer('fam-a-2'),
      'images/b/b.pkr.hcl': packer('fam-b-1'),
      // launch order: t1 (glob: a1, a2), t2 (exact: a1), t3 (glob again), t4 (b), t5 (prefix: a1, a2)
      'regions/r1/main.tf': lt('t1', 'fam-a-*') + lt('t2', 'fam-a-1'),
      'regions/r2/main.tf': lt('t3', 'fam-a-*') + lt('t4', 'fam-b-1') + lt('t5', 'fam-a'),
    });
    const byName = new Map(nodeImages(scan).filter((i) => i.kind === 'packer').map((i) => [i.name, i]));
    const launchers = (n: string) => byName.get(n)!.consumers.map((c) => c.resource);
    expect(launchers('fam-a-1')).toEqual(['aws_launch_template.t1', 'aws_launch_template.t2', 'aws_launch_template.t3', 'aws_launch_template.t5']);
    expect(launchers('fam-a-2')).toEqual(['aws_launch_template.t1', 'aws_launch_template.t3', 'aws_launch_template.t5']);
    expect(launchers('fam-b-1')).toEqual(['aws_launch_template.t4']);
    // images matched by exactly the same reference sets share one list
    const scan2 = await scanOf({ 'a/x.pkr.hcl': packer('fam-x-1'), 'b/x.pkr.hcl': packer('fam-x-2'), 'main.tf': lt('t', 'fam-x-*') + lt('u', 'fam-x') });
    const [x1, x2] = nodeImages(scan2).filter((i) => i.kind === 'packer');
    expect(x1.consumers).toEqual(x2.consumers);
    expect(x1.consumers.map((c) => c.resource)).toEqual(['aws_launch_template.t', 'aws_launch_template.u']);
  });

  it('links a launcher only to images its cloud can boot: an AMI is not a Compute Engine image of the same name', async () => {
    const src = (type: string, attrs: string) => `source "${type}" "n" {\n${attrs}\n}\nbuild {\n  sources = ["source.${type}.n"]\n}\n`;
    const scan = await scanOf({
      'images/ami/a.pkr.hcl': src('amazon-ebs', '  ami_name = "node-ami"\n  source_ami = "ubuntu-jammy-22.04"'),
      'images/gce/g.pkr.hcl': src('googlecompute', '  image_name = "node-gce"\n  image_family = "node"\n  source_image_family = "ubuntu-2204-lts"'),
      // a disk file: it may be imported into any cloud
      'images/raw/q.pkr.hcl': src('qemu', '  vm_name = "node-raw"\n  iso_url = "ubuntu-22.04-live-server-amd64.iso"'),
      'regions/gcp/main.tf': 'resource "google_compute_instance_template" "t" {\n  disk {\n    source_image = "projects/p/global/images/family/node"\n  }\n}\n',
      'regions/aws/main.tf': 'resource "aws_launch_template" "lt" {\n  image_id = "node-*"\n}\n',
      // a provider faultline knows no cloud for: only images of unknown clouds
      'regions/lab/main.tf': 'resource "libvirt_volume" "v" {\n  source_image = "node"\n}\n',
    });
    const launchers = (name: string) => nodeImages(scan).find((i) => i.name === name)!.consumers.map((c) => c.resource);
    expect(launchers('node-ami')).toEqual(['aws_launch_template.lt']);
    expect(launchers('node-gce')).toEqual(['google_compute_instance_template.t']);
    expect(launchers('node-raw').sort()).toEqual(['aws_launch_template.lt', 'google_compute_instance_template.t', 'libvirt_volume.v']);
  });

  it('names a directory\'s images with every cloud its sources boot on, never fewer than an image has', async () => {
    const { documents } = await parseFiles(allScanners, {
      'a/a.pkr.hcl': 'source "amazon-ebs" "x" {\n  ami_name = "a-1"\n}\nsource "googlecompute" "y" {\n  image_family = "a"\n}\nbuild {\n  name    = "a-build"\n  sources = ["source.amazon-ebs.x"]\n}\n',
      // a qemu disk may be imported anywhere: so may every image of its directory, as far as names go
      'b/b.pkr.hcl': 'source "amazon-ebs" "x" {\n  ami_name = "base-1"\n}\n',
      'b/raw.pkr.hcl': 'source "qemu" "y" {\n  vm_name = "base-raw"\n}\n',
    });
    expect(packerImageNames(documents)).toEqual([
      { name: 'a-1', clouds: ['aws', 'gcp'] },
      { name: 'a', clouds: ['aws', 'gcp'] },
      { name: 'a-build', clouds: ['aws', 'gcp'] },
      { name: 'base-1' },
      { name: 'base-raw' },
    ]);
    const gce = (ref: string) => ({ cloud: 'gcp', refs: [ref] });
    expect(launchesAnyIndexed([gce('projects/p/global/images/family/base')], packerImageNames(documents))).toBe(true);
    expect(launchesAnyIndexed([{ cloud: 'azure', refs: ['a-1'] }], packerImageNames(documents))).toBe(false);
  });

  it('finds the autoscaling group of an image through its shared launcher list: a group launching it directly wins over one referring to an earlier launcher', async () => {
    const packer = (name: string) =>
      `source "amazon-ebs" "n" {\n  ami_name = "${name}"\n  source_ami = "ubuntu-jammy-22.04"\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n}\n`;
    // fam-a is built for both clouds (an AMI only boots on EC2, a managed image only on Azure)
    const both = `source "amazon-ebs" "n" {\n  ami_name = "fam-a-1"\n  source_ami = "ubuntu-jammy-22.04"\n}\nsource "azure-arm" "n" {\n  managed_image_name = "fam-a-1"\n}\nbuild {\n  sources = ["source.amazon-ebs.n", "source.azure-arm.n"]\n}\n`;
    const scan = await scanOf({
      'images/a/a.pkr.hcl': both,
      'images/b/b.pkr.hcl': packer('fam-b-1'),
      'images/c/c.pkr.hcl': packer('fam-c-1'),
      // first in file order: a launch template that an autoscaling group refers to (fam-a and fam-b)
      'regions/r1/main.tf':
        'resource "aws_launch_template" "lt" {\n  image_id = "fam-[ab]-*"\n}\nresource "aws_autoscaling_group" "asg" {\n  launch_template {\n    id = aws_launch_template.lt.id\n  }\n}\n',
      // later: a scale set that launches fam-a itself; fam-c only by a plain instance
      'regions/r2/main.tf':
        'resource "azurerm_linux_virtual_machine_scale_set" "vmss" {\n  source_image_id = "fam-a-1"\n}\nresource "aws_instance" "one" {\n  ami = "fam-c-1"\n}\n',
    });
    const img = (n: string) => nodeImages(scan).find((i) => i.name === n)!;
    expect(autoscaledBy(scan, img('fam-a-1'))?.resource).toBe('azurerm_linux_virtual_machine_scale_set.vmss');
    expect(autoscaledBy(scan, img('fam-b-1'))?.resource).toBe('aws_autoscaling_group.asg');
    expect(autoscaledBy(scan, img('fam-c-1'))).toBeUndefined();
  });

  it('the remediated twin: timers masked, package purged, networkd settings folded', async () => {
    const scan = await scanOf(load('fixtures/example-fleet-remediated'));
    const img = nodeImages(scan).find((i) => i.kind === 'packer')!;
    expect(img.unattendedUpgrades.state).toBe('disabled');
    expect(img.timers.find((x) => x.unit === 'apt-daily-upgrade.timer')?.enabled).toBe(false);
    expect(img.networkd.manageForeignRoutes?.value).toBe('no');
    expect(img.networkd.manageForeignRoutingPolicyRules?.value).toBe('no');
    expect(img.networkd.files).toEqual(['/etc/systemd/networkd.conf.d/10-cni-foreign-routes.conf']);
  });

  it('folds timer drop-ins with empty resets', async () => {
    const pkr = `source "amazon-ebs" "n" {\n  ami_name = "x"\n  source_ami_filter {\n    filters = { name = "ubuntu-noble-24.04-*" }\n  }\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n  provisioner "shell" {\n    inline = ["sudo mkdir -p /etc/systemd/system/apt-daily-upgrade.timer.d", "printf '[Timer]\\\\nOnCalendar=\\\\nOnCalendar=Tue 03:00\\\\nRandomizedDelaySec=4h\\\\n' | sudo tee /etc/systemd/system/apt-daily-upgrade.timer.d/override.conf"]\n  }\n}\n`;
    const scan = await scanOf({ 'n.pkr.hcl': pkr });
    const t = nodeImages(scan)[0].timers.find((x) => x.unit === 'apt-daily-upgrade.timer')!;
    expect(t.onCalendar.map((c) => c.expr)).toEqual(['Tue 03:00']);
    expect(t.randomizedDelaySec?.value).toBe('4h');
    expect(t.onCalendar[0].loc).toBeDefined();
    expect(t.stock).toBe(false);
  });
});
