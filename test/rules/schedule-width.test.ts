import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const timerUnit = (extra: string) => `[Timer]\nOnCalendar=*-*-* 03:00\nRandomizedDelaySec=4h\n${extra}\n[Install]\nWantedBy=timers.target\n`;

/** A Terraform launch template whose cloud-init user data writes files (the embedded case). */
const userData = (files: { path: string; content: string }[], extra = '') => `resource "aws_launch_template" "nodes" {
  name_prefix = "nodes"
  user_data = base64encode(<<-EOT
    #cloud-config
    write_files:
${files.map((f) => `      - path: ${f.path}\n        content: |\n${f.content.split('\n').filter(Boolean).map((l) => `          ${l}`).join('\n')}\n`).join('')}${extra}    EOT
  )
}
`;

const ENABLE = '    runcmd:\n      - systemctl enable --now os-upgrade.timer\n';
const upgradeService = { path: '/etc/systemd/system/os-upgrade.service', content: '[Service]\nExecStart=/usr/bin/apt-get -y dist-upgrade\n' };

describe('FL204 fixed-random-delay-shared-machine-id', () => {
  const only = ['FL204'];
  it('flags FixedRandomDelay=yes when the image writes one machine-id for every node (embedded in user_data)', async () => {
    const tf = userData([
      { path: '/etc/systemd/system/os-upgrade.timer', content: timerUnit('FixedRandomDelay=yes') },
      upgradeService,
      { path: '/etc/machine-id', content: '4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99' },
    ], ENABLE);
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:11:11-11:31 FL204']);
    expect(result.findings[0].message).toMatch(/same delay/);
    expect(result.findings[0].related[0].range.start.line).toBe(18);
  });

  it('does not flag when the build clears the machine-id, nor without FixedRandomDelay, nor for download-only timers', async () => {
    const packer = (inline: string[], unit: string) => `source "amazon-ebs" "node" {
  ami_name = "k8s-node"
  source_ami_filter {
    filters = { name = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*" }
  }
}
build {
  sources = ["source.amazon-ebs.node"]
  provisioner "shell" {
    inline = [
${inline.map((l) => `      ${JSON.stringify(l)},`).join('\n')}
    ]
  }
}
`;
    const writeUnits = (timerExtra: string, exec: string) => [
      `printf '[Timer]\\nOnCalendar=daily\\nRandomizedDelaySec=4h\\n${timerExtra}\\n[Install]\\nWantedBy=timers.target\\n' > /etc/systemd/system/up.timer`,
      `printf '[Service]\\nExecStart=${exec}\\n' > /etc/systemd/system/up.service`,
      'systemctl enable up.timer',
    ];
    const { result } = await scanFiles(
      {
        // flagged: systemd-machine-id-setup bakes an id, nothing clears it
        'a/node.pkr.hcl': packer([...writeUnits('FixedRandomDelay=yes', '/usr/bin/unattended-upgrade'), 'systemd-machine-id-setup'], ''),
        // clean: the id is truncated at the end of the build (the usual Packer practice)
        'b/node.pkr.hcl': packer([...writeUnits('FixedRandomDelay=yes', '/usr/bin/unattended-upgrade'), 'systemd-machine-id-setup', 'truncate -s 0 /etc/machine-id'], ''),
        // near miss: baked id, but FixedRandomDelay is off
        'c/node.pkr.hcl': packer([...writeUnits('FixedRandomDelay=no', '/usr/bin/unattended-upgrade'), 'systemd-machine-id-setup'], ''),
        // near miss: baked id and FixedRandomDelay, but the timer only downloads
        'd/node.pkr.hcl': packer([...writeUnits('FixedRandomDelay=yes', '/usr/lib/apt/apt.systemd.daily update'), 'systemd-machine-id-setup'], ''),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a/node.pkr.hcl:11:69-11:89 FL204']);
  });
});

const asg = `resource "aws_autoscaling_group" "nodes" {
  max_size = 50
  min_size = 3
  launch_template {
    id = aws_launch_template.nodes.id
  }
}
`;

describe('FL205 update-timer-persistent-autoscaled', () => {
  const only = ['FL205'];
  it('reports Persistent=true update timers of images an autoscaling group launches (info), at the setting', async () => {
    const tf = userData([{ path: '/etc/systemd/system/os-upgrade.timer', content: timerUnit('Persistent=true') }, upgradeService], ENABLE);
    const { result } = await scanFiles({ 'a/main.tf': tf + asg, 'b/main.tf': tf, 'c/main.tf': userData([{ path: '/etc/systemd/system/os-upgrade.timer', content: timerUnit('Persistent=false') }, upgradeService], ENABLE) + asg }, { only });
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['a/main.tf:11:11-11:26 FL205 info']);
    expect(result.findings[0].message).toMatch(/aws_autoscaling_group\.nodes/);
  });
});

describe('FL622 eks-node-auto-repair-unbounded', () => {
  const only = ['FL622'];
  const ng = (body: string) => `resource "aws_eks_node_group" "n" {\n  node_repair_config {\n${body}  }\n}\n`;
  it('flags auto repair without a parallelism limit or above the budget, not a bounded or disabled one', async () => {
    const { result } = await scanFiles(
      {
        'a/main.tf': ng('    enabled = true\n'),
        'b/main.tf': ng('    enabled = true\n    max_parallel_nodes_repaired_percentage = 50\n'),
        'c/main.tf': ng('    enabled = true\n    max_parallel_nodes_repaired_count = 2\n'),
        'd/main.tf': ng('    enabled = false\n'),
        'e/main.tf': ng('    enabled = true\n    max_parallel_nodes_repaired_count = 8\n'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['a/main.tf:3:5-3:19 FL622', 'b/main.tf:4:5-4:48 FL622', 'e/main.tf:4:5-4:42 FL622']);
    expect(result.findings[0].message).toMatch(/left to EKS/);
    const lenient = await scanFiles({ 'e/main.tf': ng('    enabled = true\n    max_parallel_nodes_repaired_count = 8\n') }, { only, config: 'rules:\n  FL622: { options: { maxParallelCount: 10 } }\n' });
    expect(lenient.result.findings).toEqual([]);
  });
});

const appSet = (generators: string, extra = '', sync = '        automated: {}\n') => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ingress
  namespace: argocd
spec:
${extra}  generators:
${generators}  template:
    metadata:
      name: 'ingress-{{name}}'
    spec:
      project: default
      source: { repoURL: 'https://git.example.com/infra.git', path: ingress }
      destination: { server: '{{server}}', namespace: ingress }
      syncPolicy:
${sync}`;

const listGen = `    - list:
        elements:
          - name: prod-use1
            server: https://A1B2.gr7.us-east-1.eks.amazonaws.com
          - name: prod-euw1
            server: https://C3D4.yl4.eu-west-1.eks.amazonaws.com
`;

describe('FL623 applicationset-without-progressive-sync', () => {
  const only = ['FL623'];
  it('flags an auto-syncing ApplicationSet over several regions without RollingSync', async () => {
    const rolling = '  strategy:\n    type: RollingSync\n    rollingSync:\n      steps:\n        - matchExpressions: [{ key: region, operator: In, values: [us-east-1] }]\n';
    const { result } = await scanFiles(
      {
        'argocd/a.yaml': appSet(listGen),
        'argocd/b.yaml': appSet(listGen, rolling),
        'argocd/c.yaml': appSet(listGen, '', '        retry: { limit: 2 }\n'),
        'argocd/d.yaml': appSet('    - list:\n        elements:\n          - name: prod-use1\n            server: https://A1B2.gr7.us-east-1.eks.amazonaws.com\n'),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['argocd/a.yaml:7:3-7:13 FL623']);
    expect(result.findings[0].message).toMatch(/2 regions \(eu-west-1, us-east-1\)/);
  });

  it('follows clusters generators through Argo CD cluster Secrets and matrix generators', async () => {
    const secret = (name: string, region: string, env: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: ${env}
stringData:
  name: ${name}
  server: https://${name}.${region}.eks.amazonaws.com
---
`;
    const gen = (sel: string) => `    - matrix:\n        generators:\n          - clusters:\n${sel}          - git: { repoURL: 'https://git.example.com/infra.git', revision: HEAD, directories: [{ path: 'apps/*' }] }\n`;
    const { result } = await scanFiles(
      {
        'argocd/clusters.yaml': secret('a', 'us-east-1', 'prod') + secret('b', 'eu-west-1', 'prod') + secret('c', 'ap-south-1', 'staging'),
        'argocd/all.yaml': appSet(gen('')),
        'argocd/staging.yaml': appSet(gen('              selector: { matchLabels: { env: staging } }\n')),
      },
      { only },
    );
    expect(result.findings.map(where)).toEqual(['argocd/all.yaml:7:3-7:13 FL623']);
    expect(result.findings[0].message).toMatch(/3 regions/);
  });
});
