import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const PKR = (provisioners: string, filter = 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*') => `source "amazon-ebs" "node" {
  ami_name = "k8s-node-jammy"
  source_ami_filter {
    filters = { name = "${filter}" }
    owners  = ["099720109477"]
  }
}

build {
  sources = ["source.amazon-ebs.node"]
${provisioners}
}
`;
const FILE_MV = `  provisioner "file" {
    source      = "files/20auto-upgrades"
    destination = "/tmp/20auto-upgrades"
  }
  provisioner "shell" {
    inline = ["sudo mv /tmp/20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades"]
  }
`;
const ON = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

describe('FL101 unattended-upgrades-enabled', () => {
  const only = ['FL101'];
  it('follows a Packer file provisioner and a shell mv into apt.conf.d; `systemctl stop` does not clear it', async () => {
    const pkr = PKR(FILE_MV.replace('20auto-upgrades"]', '20auto-upgrades", "sudo systemctl stop unattended-upgrades.service"]'));
    const { result } = await scanFiles({ 'img/node.pkr.hcl': pkr, 'img/files/20auto-upgrades': ON }, { only });
    expect(result.findings.map(where)).toEqual(['img/files/20auto-upgrades:2:1-2:39 FL101']);
    const f = result.findings[0];
    expect(f.message).toMatch(/k8s-node-jammy \(Ubuntu 22.04 with systemd 249\)/);
    expect(f.related.map((r) => `${r.path}:${r.range.start.line} ${r.message}`)).toEqual([
      'img/node.pkr.hcl:1 node image k8s-node-jammy',
      'img/node.pkr.hcl:12 puts this file on the way to /etc/apt/apt.conf.d/20auto-upgrades',
      'img/node.pkr.hcl:16 writes /etc/apt/apt.conf.d/20auto-upgrades',
      expect.stringMatching(/^img\/node.pkr.hcl:16 `systemctl stop unattended-upgrades.service` only affects/),
    ]);
  });

  it('reports the Ubuntu default at the image when nothing in the repo turns it off', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR('') }, { only });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL101']);
    expect(result.findings[0].message).toMatch(/base image ships APT::Periodic::Unattended-Upgrade "1".*6:00 \+ up to 60m/);
  });

  it('names the CNI chain when Cilium runs in the fleet', async () => {
    const ds = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec: {}\n';
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(''), 'k8s/cilium.yaml': ds }, { only });
    expect(result.findings[0].message).toMatch(/restart systemd-networkd, which will delete routes installed by Cilium \(k8s\/cilium.yaml:4\)/);
    expect(result.findings[0].related.at(-1)).toMatchObject({ path: 'k8s/cilium.yaml', range: { start: { line: 4 } } });
  });

  it('finds it in Terraform user_data → MIME → cloud-init write_files (no base image known: the explicit setting is evidence)', async () => {
    const tf = [
      'resource "aws_launch_template" "n" {',
      '  image_id  = "ami-123"',
      '  user_data = <<-EOT',
      '    Content-Type: multipart/mixed; boundary="XX"',
      '    MIME-Version: 1.0',
      '',
      '    --XX',
      '    Content-Type: text/cloud-config',
      '',
      '    #cloud-config',
      '    write_files:',
      '      - path: /etc/apt/apt.conf.d/20auto-upgrades',
      '        content: |',
      '          APT::Periodic::Unattended-Upgrade "1";',
      '    --XX--',
      '  EOT',
      '}',
      '',
    ].join('\n');
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:14:11-14:49 FL101']);
    expect(result.findings[0].message).toMatch(/aws_launch_template.n \(an unknown OS\)/);
  });

  it('a standalone apt fragment that turns the channel on is enough; Enable "1" with u-u settings is a warning', async () => {
    const { result } = await scanFiles(
      { 'debian/20auto-upgrades': ON, 'etc/apt/apt.conf.d/80site': 'Unattended-Upgrade::Automatic-Reboot-Time "04:00";\nAPT::Periodic::Enable "1";\n' },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['debian/20auto-upgrades:2:1-2:39 FL101 error', 'etc/apt/apt.conf.d/80site:2:1-2:27 FL101 warning']);
  });

  it('near-misses: a later-sorting "0", masking both timers, purging the package, Enable "0", an origins-only file, Debian with no evidence', async () => {
    const off = 'APT::Periodic::Unattended-Upgrade "0";\n';
    const { result } = await scanFiles(
      {
        'a/node.pkr.hcl': PKR(`${FILE_MV}  provisioner "shell" {\n    inline = ["echo 'APT::Periodic::Unattended-Upgrade \\"0\\";' | sudo tee /etc/apt/apt.conf.d/99-off"]\n  }\n`),
        'a/files/20auto-upgrades': ON,
        'b/node.pkr.hcl': PKR(`${FILE_MV}  provisioner "shell" {\n    inline = ["sudo systemctl mask apt-daily-upgrade.timer apt-daily.timer"]\n  }\n`),
        'b/files/20auto-upgrades': ON,
        'c/node.pkr.hcl': PKR(`  provisioner "shell" {\n    inline = ["sudo apt-get purge -y unattended-upgrades"]\n  }\n`),
        'd/node.pkr.hcl': PKR(`  provisioner "shell" {\n    inline = ["echo 'APT::Periodic::Enable \\"0\\";' | sudo tee /etc/apt/apt.conf.d/10periodic"]\n  }\n`),
        'e/50unattended-upgrades': 'Unattended-Upgrade::Allowed-Origins {\n  "${distro_id}:${distro_codename}-security";\n};\n',
        'f/node.pkr.hcl': PKR('', 'debian-12-amd64-*'),
        'g/20auto-upgrades': off,
        'h/node.pkr.hcl': PKR(`  provisioner "shell" {\n    inline = ["sudo rm -f /etc/apt/apt.conf.d/20auto-upgrades"]\n  }\n`),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual([]);
  });
});

describe('FL102 unattended-upgrades-reboot', () => {
  const only = ['FL102'];
  it('flags automatic reboots with no time (heredoc in a Packer script) and a fixed time (standalone)', async () => {
    const script = "#!/bin/sh\ncat <<'EOF' > /etc/apt/apt.conf.d/51local\nUnattended-Upgrade::Automatic-Reboot \"true\";\nEOF\n";
    const { result } = await scanFiles(
      {
        'img/node.pkr.hcl': PKR('  provisioner "shell" {\n    script = "setup.sh"\n  }\n'),
        'img/setup.sh': script,
        'x/50unattended-upgrades': 'Unattended-Upgrade::Automatic-Reboot "1";\nUnattended-Upgrade::Automatic-Reboot-Time "02:00";\n',
      },
      { only },
    );
    expect(result.findings.map(where).sort()).toEqual(['img/setup.sh:3:1-3:45 FL102', 'x/50unattended-upgrades:1:1-1:42 FL102']);
    expect(result.findings.find((f) => f.location.path.startsWith('x'))!.message).toMatch(/fixed time 02:00/);
  });
  it('near-misses: reboot off, channel disabled in the image, allowFixedTime', async () => {
    const { result } = await scanFiles(
      {
        'a/50unattended-upgrades': 'Unattended-Upgrade::Automatic-Reboot "false";\n',
        'b/node.pkr.hcl': PKR('  provisioner "shell" {\n    inline = ["echo \'Unattended-Upgrade::Automatic-Reboot \\"true\\";\' | sudo tee /etc/apt/apt.conf.d/51r", "sudo systemctl disable apt-daily-upgrade.timer"]\n  }\n'),
        'c/50unattended-upgrades': 'Unattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-Time "03:00";\n',
      },
      { only, config: 'rules:\n  FL102: { options: { allowFixedTime: true } }\n' },
    );
    expect(result.findings.map(where)).toEqual([]);
  });
});

describe('FL105 unattended-upgrades-origins', () => {
  const only = ['FL105'];
  it('flags -updates and vendor origins, not -security', async () => {
    const text = 'Unattended-Upgrade::Origins-Pattern {\n  "origin=${distro_id},archive=${distro_codename}-security";\n  "origin=${distro_id},archive=${distro_codename}-updates";\n  "origin=Vendor,codename=${distro_codename}";\n};\n';
    const { result } = await scanFiles({ '50unattended-upgrades': text }, { only });
    expect(result.findings.map(where)).toEqual(['50unattended-upgrades:3:3-3:60 FL105']);
    expect(result.findings[0].related).toHaveLength(1);
  });
  it('near-misses: security and ESM security only; allow option', async () => {
    const ok = 'Unattended-Upgrade::Allowed-Origins {\n  "${distro_id}:${distro_codename}-security";\n  "${distro_id}ESM:${distro_codename}-infra-security";\n};\n';
    const { result } = await scanFiles({ 'a/50unattended-upgrades': ok, 'b/50unattended-upgrades': 'Unattended-Upgrade::Allowed-Origins { "Vendor:stable"; };\n' }, { only, config: 'rules:\n  FL105: { options: { allow: ["Vendor:stable"] } }\n' });
    expect(result.findings).toEqual([]);
  });
});

describe('FL106 aks-node-os-unmanaged', () => {
  const only = ['FL106'];
  it('flags Unmanaged, not NodeImage', async () => {
    const tf = 'resource "azurerm_kubernetes_cluster" "a" {\n  node_os_upgrade_channel = "Unmanaged"\n}\nresource "azurerm_kubernetes_cluster" "b" {\n  node_os_upgrade_channel = "NodeImage"\n}\n';
    const { result } = await scanFiles({ 'aks.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['aks.tf:2:3-2:40 FL106']);
  });
});

describe('FL107 dnf-automatic-apply', () => {
  const only = ['FL107'];
  const ds = (script: string) =>
    `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dnf-auto\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: fedora\n          command:\n            - /bin/sh\n            - -c\n            - |\n${script
      .split('\n')
      .map((l) => `              ${l}`)
      .join('\n')}\n`;
  it('flags dnf-automatic with apply_updates switched on by sed and the timer enabled (DaemonSet command)', async () => {
    const s = "dnf install -y dnf-automatic\nsed -i 's/apply_updates = no/apply_updates = yes/' /etc/dnf/automatic.conf\nsystemctl enable --now dnf-automatic.timer";
    const { result } = await scanFiles({ 'addon.yaml': ds(s) }, { only });
    expect(result.findings.map(where)).toEqual(['addon.yaml:17:15-17:57 FL107']);
  });
  it('near-misses: download only (stock apply_updates = no), not installed', async () => {
    const { result } = await scanFiles({ 'a.yaml': ds('dnf install -y dnf-automatic\nsystemctl enable --now dnf-automatic.timer'), 'b.sh': '#!/bin/sh\nsystemctl enable --now dnf-automatic-install.timer\n' }, { only });
    expect(result.findings).toEqual([]);
  });
});

describe('FL107 dnf-automatic-apply: yum-cron', () => {
  const pkr = (lines: string[]) =>
    [
      'source "amazon-ebs" "el7" {',
      '  ami_name = "el7-node"',
      '  source_ami_filter {',
      '    filters = { name = "CentOS-7-x86_64-*" }',
      '    owners  = ["125523088429"]',
      '  }',
      '}',
      'build {',
      '  sources = ["source.amazon-ebs.el7"]',
      '  provisioner "shell" {',
      '    inline = [',
      ...lines.map((l) => `      "${l}",`),
      '    ]',
      '  }',
      '}',
      '',
    ].join('\n');

  it('flags yum-cron enabled with apply_updates switched on by sed, at the enable command', async () => {
    const { result } = await scanFiles(
      {
        'img/el7.pkr.hcl': pkr([
          'yum install -y yum-cron',
          "sed -i 's/^apply_updates = no/apply_updates = yes/' /etc/yum/yum-cron.conf",
          'systemctl enable yum-cron',
        ]),
      },
      { only: ['FL107'] },
    );
    expect(result.findings.map(where)).toEqual(['img/el7.pkr.hcl:14:8-14:33 FL107']);
    expect(result.findings[0].message).toMatch(/yum-cron is enabled and apply_updates = yes/);
    expect(result.findings[0].related.map((r) => r.message)).toEqual(['installs yum-cron', 'apply_updates = yes']);
  });

  it('near-misses: the shipped config only downloads; installed but not enabled', async () => {
    const { result } = await scanFiles(
      {
        'a/el7.pkr.hcl': pkr(['yum install -y yum-cron', 'systemctl enable yum-cron']),
        'b/el7.pkr.hcl': pkr(['yum install -y yum-cron', "sed -i 's/^apply_updates = no/apply_updates = yes/' /etc/yum/yum-cron.conf"]),
      },
      { only: ['FL107'] },
    );
    expect(result.findings).toEqual([]);
  });
});
