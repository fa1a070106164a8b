import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const CILIUM = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cilium\n  namespace: kube-system\nspec: {}\n';
const PKR = (provisioners: string, filter = 'RHEL-9.4.0_HVM-*') => `source "amazon-ebs" "node" {
  ami_name = "k8s-node-rhel9"
  source_ami_filter {
    filters = { name = "${filter}" }
  }
}

build {
  sources = ["source.amazon-ebs.node"]
${provisioners}
}
`;

describe('FL304 networkmanager-manages-cni-interfaces', () => {
  const only = ['FL304'];
  it('flags an unmanaged-devices list that misses the CNI interfaces, at the assignment', async () => {
    const { result } = await scanFiles({ 'etc/NetworkManager/conf.d/10-cni.conf': '[keyfile]\nunmanaged-devices=interface-name:cali*\n', 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['etc/NetworkManager/conf.d/10-cni.conf:2:1-2:39 FL304']);
    expect(result.findings[0].message).toMatch(/leaves lxc1a2b3c4d5e6, lxc_health, cilium_host, cilium_net managed, interfaces that Cilium \(k8s\/cilium.yaml:4\) creates/);
  });

  it('flags a RHEL-family image with no NetworkManager drop-in, and a heredoc conf.d file in Terraform user_data clears its layer', async () => {
    const { result } = await scanFiles({ 'img/node.pkr.hcl': PKR(''), 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['img/node.pkr.hcl:4:24-4:42 FL304']);
    expect(result.findings[0].message).toMatch(/NetworkManager runs on k8s-node-rhel9 \(the RHEL-family base image runs it by default/);
    const tf = [
      'resource "aws_instance" "n" {',
      '  ami       = "RHEL-9.4.0_HVM-20240101"',
      '  user_data = <<-EOT',
      '    #!/bin/bash',
      '    cat > /etc/NetworkManager/conf.d/99-cilium.conf <<EOF',
      '    [keyfile]',
      '    unmanaged-devices=interface-name:cilium_*',
      '    EOF',
      '  EOT',
      '}',
      '',
    ].join('\n');
    const layer = await scanFiles({ 'main.tf': tf, 'k8s/cilium.yaml': CILIUM }, { only });
    expect(layer.result.findings.map(where)).toEqual(['main.tf:7:5-7:46 FL304']);
    expect(layer.result.findings[0].message).toMatch(/leaves lxc1a2b3c4d5e6, lxc_health managed/);
    const fixed = await scanFiles({ 'main.tf': tf.replace('interface-name:cilium_*', 'interface-name:cilium_*;interface-name:lxc*') , 'k8s/cilium.yaml': CILIUM }, { only });
    expect(fixed.result.findings).toEqual([]);
  });

  it('clean: type:veth plus cilium_vxlan, a [device] section with managed=0, or unmanaged-devices+=', async () => {
    const { result } = await scanFiles(
      {
        'a/etc/NetworkManager/conf.d/10-cni.conf': '[keyfile]\nunmanaged-devices=type:veth;interface-name:cilium_*\n',
        'b/etc/NetworkManager/conf.d/10-cni.conf': '[device-cni]\nmatch-device=interface-name:lxc*;interface-name:cilium_*\nmanaged=0\n',
        'k8s/cilium.yaml': CILIUM,
      },
      { only },
    );
    expect(result.findings).toEqual([]);
    // NetworkManager.conf then conf.d, in one image: `unmanaged-devices+=` appends
    const build = PKR(
      '  provisioner "shell" {\n    inline = [\n      "printf \'[keyfile]\\\\nunmanaged-devices=interface-name:lxc*\\\\n\' | sudo tee /etc/NetworkManager/NetworkManager.conf",\n      "printf \'[keyfile]\\\\nunmanaged-devices+=interface-name:cilium_*\\\\n\' | sudo tee /etc/NetworkManager/conf.d/20-more.conf",\n    ]\n  }\n',
    );
    expect((await scanFiles({ 'img/node.pkr.hcl': build, 'k8s/cilium.yaml': CILIUM }, { only })).result.findings).toEqual([]);
    const minus = build.replace('unmanaged-devices+=interface-name:cilium_*', 'unmanaged-devices-=interface-name:lxc*');
    expect((await scanFiles({ 'img/node.pkr.hcl': minus, 'k8s/cilium.yaml': CILIUM }, { only })).result.findings.map(where)).toEqual(['img/node.pkr.hcl:12:28-12:65 FL304']);
  });

  it('near-misses: no CNI in the fleet; Ubuntu image without NetworkManager; extraInterfaces option', async () => {
    expect((await scanFiles({ 'etc/NetworkManager/conf.d/10-x.conf': '[main]\ndns=none\n' }, { only })).result.findings).toEqual([]);
    expect((await scanFiles({ 'img/node.pkr.hcl': PKR('', 'ubuntu-jammy-22.04-*'), 'k8s/cilium.yaml': CILIUM }, { only })).result.findings).toEqual([]);
    const config = 'version: 1\nrules:\n  FL304:\n    options:\n      extraInterfaces: ["mybr0"]\n';
    const extra = await scanFiles({ 'etc/NetworkManager/conf.d/10-cni.conf': '[keyfile]\nunmanaged-devices=interface-name:lxc*;interface-name:cilium_*\n', 'k8s/cilium.yaml': CILIUM }, { only, config });
    expect(extra.result.findings.map((f) => f.message)).toEqual([expect.stringMatching(/leaves mybr0 managed/)]);
  });
});

describe('FL305 rp-filter-strict-with-cni', () => {
  const only = ['FL305'];
  it('flags all=1 and default=1 in a sysctl.d file on a Cilium fleet', async () => {
    const { result } = await scanFiles({ 'etc/sysctl.d/90-hardening.conf': '# CIS\nnet.ipv4.conf.all.rp_filter = 1\nnet/ipv4/conf/default/rp_filter=1\n', 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['etc/sysctl.d/90-hardening.conf:2:1-2:32 FL305', 'etc/sysctl.d/90-hardening.conf:3:1-3:34 FL305']);
    expect(result.findings[1].message).toMatch(/every interface created later, including every pod interface .* Cilium \(k8s\/cilium.yaml:4\)/);
  });

  it('a later lxc*/cilium override clears default=1; a later all=0 clears all=1 (fold by file name)', async () => {
    const { result } = await scanFiles(
      {
        'etc/sysctl.d/90-hardening.conf': 'net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.default.rp_filter = 1\n',
        'etc/sysctl.d/99-zzz-cilium.conf': 'net.ipv4.conf.all.rp_filter = 0\nnet.ipv4.conf.lxc*.rp_filter = 0\n',
        'k8s/cilium.yaml': CILIUM,
      },
      { only },
    );
    // two loose files are two images: each is judged on its own content
    expect(result.findings.map(where)).toEqual(['etc/sysctl.d/90-hardening.conf:1:1-1:32 FL305', 'etc/sysctl.d/90-hardening.conf:2:1-2:36 FL305']);
    const img = `source "amazon-ebs" "n" {\n  ami_name = "n"\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n  provisioner "shell" {\n    inline = ["printf 'net.ipv4.conf.all.rp_filter = 1\\\\n' | sudo tee /etc/sysctl.d/90-cis.conf"]\n  }\n  provisioner "shell" {\n    script = "fix.sh"\n  }\n}\n`;
    const fix = "#!/bin/sh\ncat > /etc/sysctl.d/99-zzz-cilium.conf <<EOF\nnet.ipv4.conf.all.rp_filter = 0\nEOF\n";
    const folded = await scanFiles({ 'img/node.pkr.hcl': img, 'img/fix.sh': fix, 'k8s/cilium.yaml': CILIUM }, { only });
    expect(folded.result.findings).toEqual([]);
  });

  it('flags sysctl -w in cloud-init runcmd inside Terraform user_data, not in a Packer build', async () => {
    const tf = 'resource "aws_instance" "n" {\n  user_data = <<-EOT\n    #cloud-config\n    runcmd:\n      - sysctl -w net.ipv4.conf.all.rp_filter=1\n  EOT\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf, 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:5:19-5:48 FL305']);
    const pkr = 'build {\n  provisioner "shell" {\n    inline = ["sudo sysctl -w net.ipv4.conf.all.rp_filter=1"]\n  }\n}\n';
    expect((await scanFiles({ 'img/node.pkr.hcl': pkr, 'k8s/cilium.yaml': CILIUM }, { only })).result.findings).toEqual([]);
  });

  it('near-misses: loose mode 2, another interface, no Cilium (Calico not in cnis by default)', async () => {
    const calico = CILIUM.replace(/cilium/g, 'calico-node');
    const { result } = await scanFiles({ 'a/etc/sysctl.d/10.conf': 'net.ipv4.conf.all.rp_filter = 2\nnet.ipv4.conf.eth0.rp_filter = 1\n', 'k8s/cilium.yaml': CILIUM }, { only });
    expect(result.findings).toEqual([]);
    expect((await scanFiles({ 'etc/sysctl.d/10.conf': 'net.ipv4.conf.all.rp_filter = 1\n', 'k8s/calico.yaml': calico }, { only })).result.findings).toEqual([]);
  });
});
