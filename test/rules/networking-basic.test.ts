import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

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
const CILIUM = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec: {}\n';
const FIX = '[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n';
const FILE_MV = (src: string, dest: string) =>
  `  provisioner "file" {\n    source      = "files/${src}"\n    destination = "/tmp/${src}"\n  }\n  provisioner "shell" {\n    inline = ["sudo mkdir -p /etc/systemd/networkd.conf.d", "sudo mv /tmp/${src} ${dest}"]\n  }\n`;

describe('FL301 networkd-foreign-routes', () => {
  const only = ['FL301'];
  it('flags a networkd-based image in a Cilium fleet at the image, with the CNI as related evidence', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(''), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL301']);
    const f = result.findings[0];
    expect(f.message).toMatch(/unattended-upgrades is enabled on this image \(a base-image default\) and will restart systemd-networkd .* delete routes installed by Cilium \(k8s\/cilium.yaml:4\)/);
    expect(f.message).toMatch(/lacks ManageForeignRoutes=no and ManageForeignRoutingPolicyRules=no/);
    expect(f.related.map((r) => `${r.path}:${r.range.start.line}`)).toEqual(['k8s/cilium.yaml:4', 'img/node.pkr.hcl:4']);
  });

  it('lists the first three manifests of each CNI and counts the rest (FL301 and FL101 alike)', async () => {
    const files: Record<string, string> = { 'img/node.pkr.hcl': PKR('') };
    for (let i = 1; i <= 5; i++) files[`clusters/c${i}/cilium.yaml`] = CILIUM;
    files['clusters/c6/calico.yaml'] = 'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\nspec: {}\n';
    const { result } = await scanFiles(files, { only: ['FL101', 'FL301'] });
    expect(result.findings.map((f) => f.ruleId)).toEqual(['FL101', 'FL301']);
    for (const f of result.findings) {
      const cni = f.related.filter((r) => /installs its own routes|deploy/.test(r.message)).map((r) => `${r.path}:${r.range.start.line} ${r.message.split(' (')[0]}`);
      expect(cni, f.ruleId).toEqual([
        'clusters/c1/cilium.yaml:4 Cilium installs its own routes and policy rules',
        'clusters/c2/cilium.yaml:4 Cilium installs its own routes and policy rules',
        'clusters/c3/cilium.yaml:4 Cilium installs its own routes and policy rules',
        'clusters/c6/calico.yaml:4 Calico installs its own routes and policy rules',
        'clusters/c4/cilium.yaml:4 Cilium: 2 more resources deploy it, not listed here',
      ]);
    }
  });

  it('CNI evidence from Terraform: aws_eks_addon vpc-cni, helm_release cilium; only one setting present names the other', async () => {
    const tf = 'resource "aws_eks_addon" "cni" {\n  cluster_name = "x"\n  addon_name   = "vpc-cni"\n}\n';
    const half = '[Network]\nManageForeignRoutes=no\n';
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(FILE_MV('10-routes.conf', '/etc/systemd/networkd.conf.d/10-routes.conf'), 'al2023-ami-2023.*-x86_64'), 'img/files/10-routes.conf': half, 'eks.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL301']);
    expect(result.findings[0].message).toMatch(/Amazon Linux 2023 .*AWS VPC CNI \(eks.tf:3\).*lacks ManageForeignRoutingPolicyRules=no\.$/);
  });

  it('clears with both settings written by a file provisioner + mv into networkd.conf.d', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(FILE_MV('10-routes.conf', '/etc/systemd/networkd.conf.d/10-routes.conf')), 'img/files/10-routes.conf': FIX, 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings).toEqual([]);
  });

  it('a user_data layer (Terraform → cloud-init write_files) that adds the fix clears its nodes, but the image is still reported', async () => {
    const tf = [
      'data "aws_ami" "node" {',
      '  filter {',
      '    name   = "name"',
      '    values = ["k8s-node-jammy"]',
      '  }',
      '}',
      'resource "aws_launch_template" "n" {',
      '  image_id  = data.aws_ami.node.id',
      '  user_data = base64encode(<<-EOT',
      '    #cloud-config',
      '    write_files:',
      '      - path: /etc/systemd/networkd.conf.d/10-cni.conf',
      '        content: |',
      '          [Network]',
      '          ManageForeignRoutes=no',
      '          ManageForeignRoutingPolicyRules=no',
      '  EOT',
      '  )',
      '}',
      '',
    ].join('\n');
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(''), 'k8s/cilium.yaml': CILIUM, 'us1/main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:1:1-1:27 FL301']);
  });

  it('near-misses: no CNI evidence, base OS unknown, Ubuntu 20.04, a Name=* .network file is not the global setting', async () => {
    const { result } = await scanFiles(
      {
        'a/node.pkr.hcl': PKR(''),
        'b/node.pkr.hcl': PKR('', 'my-golden-image-*'),
        'c/node.pkr.hcl': PKR('', 'ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*'),
      },
      { only },
    );
    expect(result.findings).toEqual([]);
    const withCni = await scanFiles({ 'b/node.pkr.hcl': PKR('', 'my-golden-image-*'), 'c/node.pkr.hcl': PKR('', 'ubuntu-focal-20.04-*'), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(withCni.result.findings).toEqual([]);
  });
});

describe('FL302 networkd-matches-cni-interfaces', () => {
  const only = ['FL302'];
  it('flags Name=* and host-condition-only matches, and globs that catch CNI interfaces', async () => {
    const { result } = await scanFiles(
      {
        'n/yy-pxe.network': '[Match]\nName=*\nKernelCommandLine=!root\n\n[Network]\nDHCP=yes\n',
        'n/zz.network': '[Match]\nKernelCommandLine=!root\n\n[Network]\nDHCP=yes\n',
        'n/10-veth.network': '[Match]\nName=e* veth*\n\n[Network]\nDHCP=yes\n',
        'n/empty.network': '[Network]\nDHCP=yes\n',
      },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`).sort()).toEqual([
      'n/10-veth.network:2:1-2:14 FL302 warning',
      'n/empty.network:1:2-1:9 FL302 info',
      'n/yy-pxe.network:2:1-2:7 FL302 warning',
      'n/zz.network:1:2-1:7 FL302 warning',
    ]);
  });

  it('finds it in a .network file written by cloud-init inside Terraform user_data', async () => {
    const tf = 'resource "aws_instance" "n" {\n  user_data = <<-EOT\n    #cloud-config\n    write_files:\n      - path: /etc/systemd/network/99-all.network\n        content: |\n          [Match]\n          Name=*\n          [Network]\n          DHCP=yes\n  EOT\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:8:11-8:17 FL302']);
  });

  it('near-misses: eth0/ens*, MACAddress, Unmanaged=yes for CNI links, an inverted list that excludes them', async () => {
    const { result } = await scanFiles(
      {
        'n/10-eth.network': '[Match]\nName=eth0 ens*\n\n[Network]\nDHCP=yes\n',
        'n/20-mac.network': '[Match]\nMACAddress=00:11:22:33:44:55\n\n[Network]\nDHCP=yes\n',
        'n/05-cilium.network': '[Match]\nName=lxc* cilium_*\n\n[Link]\nUnmanaged=yes\n',
        'n/30-not-cni.network': '[Match]\nName=!lxc* cilium_* cali* veth* eni* flannel* cni0 weave vethwe* antrea* kube-* genev* tunl0 vxlan* vlan*\n\n[Network]\nDHCP=yes\n',
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual([]);
  });
});

describe('FL303 networkd-restart-on-live-node', () => {
  const only = ['FL303'];
  it('flags netplan apply in a DaemonSet command (error) and a networkd restart in runcmd after the node joined', async () => {
    const ds = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: net-fix\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: busybox\n          command: ["sh", "-c", "netplan apply"]\n';
    const cc = '#cloud-config\nruncmd:\n  - kubeadm join 10.0.0.1:6443\n  - systemctl restart systemd-networkd\n';
    const { result } = await scanFiles({ 'k8s/ds.yaml': ds, 'k8s/cilium.yaml': CILIUM, 'user-data': cc }, { only });
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`).sort()).toEqual(['k8s/ds.yaml:11:34-11:47 FL303 error', 'user-data:4:5-4:39 FL303 warning']);
    expect(result.findings[0].message).toMatch(/routes installed by Cilium/);
    expect(result.findings[0].related.map((r) => `${r.path}:${r.range.start.line} ${r.message}`)).toEqual(['k8s/cilium.yaml:4 Cilium installs its own routes (DaemonSet kube-system/cilium)']);
    // one per cluster directory: three listed, the rest counted
    const many: Record<string, string> = { 'user-data': cc };
    for (let i = 1; i <= 4; i++) many[`clusters/c${i}/cilium.yaml`] = CILIUM;
    const counted = (await scanFiles(many, { only })).result.findings[0].related.map((r) => `${r.path} ${r.message}`);
    expect(counted).toEqual([
      'clusters/c1/cilium.yaml Cilium installs its own routes (DaemonSet kube-system/cilium)',
      'clusters/c2/cilium.yaml Cilium installs its own routes (DaemonSet kube-system/cilium)',
      'clusters/c3/cilium.yaml Cilium installs its own routes (DaemonSet kube-system/cilium)',
      'clusters/c4/cilium.yaml Cilium: 1 more resource deploys it, not listed here (this is the first of them)',
    ]);
  });
  it('near-misses: Packer build step, runcmd before the node joins', async () => {
    const { result } = await scanFiles(
      {
        'img/node.pkr.hcl': 'build {\n  provisioner "shell" {\n    inline = ["sudo netplan apply"]\n  }\n}\n',
        'user-data': '#cloud-config\nruncmd:\n  - netplan apply\n  - kubeadm join 10.0.0.1:6443\n',
      },
      { only },
    );
    expect(result.findings).toEqual([]);
  });
});
