import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const CILIUM = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec: {}\n';
const PKR = (provisioners: string, filter = 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*') => `source "amazon-ebs" "node" {
  ami_name = "k8s-node-jammy"
  source_ami_filter {
    filters = { name = "${filter}" }
  }
}

build {
  sources = ["source.amazon-ebs.node"]
${provisioners}
}
`;
const INLINE = (...cmds: string[]) => `  provisioner "shell" {\n    inline = [${cmds.map((c) => JSON.stringify(c)).join(', ')}]\n  }\n`;

describe('FL108 auto-update-no-holdback', () => {
  const only = ['FL108'];
  it('flags the stock Ubuntu channel on a Cilium fleet at the image, naming the chain', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(''), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL108 info']);
    expect(result.findings[0].message).toMatch(/unattended-upgrades on k8s-node-jammy will also install systemd and udev updates.*restarts systemd-networkd, which deletes the routes installed by Cilium \(k8s\/cilium.yaml:4\)/);
  });

  it('names only what is missing, and finds the channel in a Terraform user_data layer (cloud-init write_files)', async () => {
    const tf = [
      'resource "aws_instance" "n" {',
      '  ami       = "ubuntu-jammy-22.04-amd64-server-20240101"',
      '  user_data = <<-EOT',
      '    #cloud-config',
      '    write_files:',
      '      - path: /etc/apt/apt.conf.d/51hold',
      '        content: |',
      '          Unattended-Upgrade::Package-Blacklist { "systemd$"; };',
      '      - path: /etc/apt/apt.conf.d/20auto-upgrades',
      '        content: |',
      '          APT::Periodic::Unattended-Upgrade "1";',
      '  EOT',
      '}',
      '',
    ].join('\n');
    const { result } = await scanFiles({ 'main.tf': tf, 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:11:11-11:49 FL108']);
    expect(result.findings[0].message).toMatch(/will also install udev updates/);
  });

  it('takes the CNI from fleet.images.<name>.cni when nothing in the scan links one', async () => {
    const config = 'version: 1\nfleet:\n  regions: {}\n  images:\n    k8s-node-jammy:\n      cni: cilium\n';
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR('') }, { only, config });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL108']);
    expect(result.findings[0].message).toMatch(/routes installed by Cilium \(fleet.images.k8s-node-jammy.cni\)/);
  });

  it('clean: systemd and udev held by apt-mark hold and the blacklist', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(INLINE('sudo apt-mark hold systemd udev')), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings).toEqual([]);
  });

  it('near-misses: no CNI evidence; channel off; a hold of another package', async () => {
    expect((await scanFiles({ 'img/node.pkr.hcl': PKR('') }, { only })).result.findings).toEqual([]);
    expect((await scanFiles({ 'img/node.pkr.hcl': PKR(INLINE('sudo apt-get purge -y unattended-upgrades')), 'k8s/cilium.yaml': CILIUM }, { only })).result.findings).toEqual([]);
    const other = await scanFiles({ 'img/node.pkr.hcl': PKR(INLINE('sudo apt-mark hold kubelet')), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(other.result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL108']);
  });
});

describe('FL109 zincati-uncoordinated-updates', () => {
  const only = ['FL109'];
  it('flags immediate (warning) and periodic (info) drop-ins at the strategy line', async () => {
    const { result } = await scanFiles(
      {
        'a/etc/zincati/config.d/55-updates.toml': '# updates\n[updates]\nstrategy = "immediate"\n',
        'b/etc/zincati/config.d/55-updates.toml': '[updates]\nstrategy = "periodic"\n[updates.periodic]\ntime_zone = "UTC"\n[[updates.periodic.window]]\ndays = [ "Sat", "Sun" ]\nstart_time = "23:30"\nlength_minutes = 60\n',
      },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`).sort()).toEqual(['a/etc/zincati/config.d/55-updates.toml:3:1-3:23 FL109 warning', 'b/etc/zincati/config.d/55-updates.toml:2:1-2:22 FL109 info']);
  });

  it('a Fedora CoreOS image (fleet.images os) with no strategy gets the default, immediate; a later drop-in decides', async () => {
    const tf = 'resource "aws_instance" "fcos" {\n  ami       = "ami-0123"\n  user_data = <<-EOT\n    #!/bin/sh\n    cat > /etc/zincati/config.d/90-lock.toml <<EOF\n    [updates]\n    strategy = "fleet_lock"\n    EOF\n  EOT\n}\n';
    const config = 'version: 1\nfleet:\n  regions: {}\n  images:\n    aws_instance.fcos:\n      os: { distro: fedora-coreos }\n';
    const clean = await scanFiles({ 'main.tf': tf }, { only, config });
    expect(clean.result.findings).toEqual([]);
    const bare = await scanFiles({ 'main.tf': tf.replace('fleet_lock', 'immediate') }, { only, config });
    expect(bare.result.findings.map(where)).toEqual(['main.tf:7:5-7:27 FL109']);
  });

  it('near-misses: fleet_lock, updates disabled, a TOML file elsewhere', async () => {
    const { result } = await scanFiles(
      {
        'a/etc/zincati/config.d/55-updates.toml': '[updates]\nstrategy = "fleet_lock"\n[updates.fleet_lock]\nbase_url = "http://fleetlock.example/"\n',
        'b/etc/zincati/config.d/90-off.toml': '[updates]\nenabled = false\n',
        'c/config/zincati.toml': '[updates]\nstrategy = "immediate"\n',
      },
      { only },
    );
    expect(result.findings).toEqual([]);
  });
});

describe('FL110 flatcar-reboot-uncoordinated', () => {
  const only = ['FL110'];
  it('flags REBOOT_STRATEGY=reboot and best-effort at the assignment', async () => {
    const { result } = await scanFiles({ 'a/etc/flatcar/update.conf': 'GROUP=stable\nREBOOT_STRATEGY=reboot\n', 'b/etc/coreos/update.conf': 'REBOOT_STRATEGY="best-effort"\n' }, { only });
    expect(result.findings.map(where).sort()).toEqual(['a/etc/flatcar/update.conf:2:1-2:23 FL110', 'b/etc/coreos/update.conf:1:1-1:30 FL110']);
    expect(result.findings[0].message).toMatch(/without a lock/);
  });

  it('finds it written by cloud-init write_files inside Terraform user_data', async () => {
    const tf = 'resource "aws_instance" "n" {\n  user_data = <<-EOT\n    #cloud-config\n    write_files:\n      - path: /etc/flatcar/update.conf\n        content: |\n          REBOOT_STRATEGY=reboot\n  EOT\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:7:11-7:33 FL110']);
  });

  it('near-misses: etcd-lock, off, and update.conf outside flatcar/', async () => {
    const { result } = await scanFiles({ 'a/etc/flatcar/update.conf': 'REBOOT_STRATEGY=etcd-lock\n', 'b/etc/flatcar/update.conf': 'REBOOT_STRATEGY=off\n', 'c/update.conf': 'REBOOT_STRATEGY=reboot\n' }, { only });
    expect(result.findings).toEqual([]);
  });
});

describe('FL111 bottlerocket-update-waves-bypassed', () => {
  const only = ['FL111'];
  it('flags ignore-waves and a fixed seed in Terraform user_data', async () => {
    const tf = 'resource "aws_instance" "n" {\n  user_data = <<-EOT\n    [settings.kubernetes]\n    cluster-name = "prod"\n    [settings.updates]\n    ignore-waves = true\n    seed = 42\n  EOT\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:6:5-6:24 FL111', 'main.tf:7:5-7:14 FL111']);
  });

  it('flags a dotted key in a user-data .toml file', async () => {
    const { result } = await scanFiles({ 'nodes/user-data.toml': '[settings]\nupdates.ignore-waves = true\n' }, { only });
    expect(result.findings.map(where)).toEqual(['nodes/user-data.toml:2:1-2:28 FL111']);
  });

  it('near-misses: ignore-waves = false, no seed, a non-Bottlerocket TOML file', async () => {
    const { result } = await scanFiles({ 'nodes/user-data.toml': '[settings.updates]\nignore-waves = false\nmetadata-base-url = "https://updates.example/"\n', 'Cargo.toml': '[package]\nname = "x"\nseed = 1\n' }, { only });
    expect(result.findings).toEqual([]);
  });
});
