// Deterministic generator of synthetic fleets: every supported format in realistic proportions and
// sizes, several regions, and a known number of planted hazards.
//
//   node bench/generate.mjs <outDir> <fileCount> [seed]
//
// Prints a JSON summary (files, bytes, planted hazards by rule) on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: small, fast, deterministic (also what tests draw their seeded cases from). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = [
  ['us1', 'aws', 'us-east-1'],
  ['eu1', 'aws', 'eu-west-1'],
  ['ap1', 'aws', 'ap-southeast-2'],
  ['us3', 'gcp', 'us-central1'],
  ['eu3', 'gcp', 'europe-west4'],
];

// Proportions of a typical platform repository (sum = 100).
const MIX = [
  ['kubernetes', 38],
  ['terraform', 18],
  ['shell', 10],
  ['systemd', 7],
  ['networkd', 4],
  ['cloud-init', 6],
  ['dockerfile', 5],
  ['apt', 4],
  ['packer', 3],
  ['preseed', 1],
  ['tfjson', 2],
  ['readme', 2], // files no scanner claims
];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function k8s(r, i, hazard) {
  const name = `svc-${i}`;
  const replicas = 2 + Math.floor(r() * 10);
  const docs = [];
  docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: team-${i % 17}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 80\n      targetPort: 8080\n`);
  const envs = Array.from({ length: 3 + Math.floor(r() * 8) }, (_, k) => `            - name: SETTING_${k}\n              value: "${Math.floor(r() * 1e6)}"`).join('\n');
  docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${i % 17}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
        - name: app
          image: registry.example.com/${name}:1.${i % 50}.0
          ports:
            - containerPort: 8080
          env:
${envs}
          resources:
            requests: { cpu: "500m", memory: 512Mi }
            limits: { cpu: "1", memory: 1Gi }
${hazard ? '' : '          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n'}`);
  return docs.join('---\n');
}

function terraform(r, i, region, hazard) {
  const [, provider, reg] = region;
  if (provider === 'gcp') {
    return `provider "google" {\n  project = "fleet-${i % 7}"\n  region  = "${reg}"\n}\n\nresource "google_compute_instance_template" "pool_${i}" {\n  name_prefix  = "pool-${i}-"\n  machine_type = "n2-standard-8"\n  disk {\n    source_image = "projects/fleet/global/images/family/node"\n  }\n  network_interface {\n    network = "default"\n  }\n  metadata = {\n    user-data = <<-EOT\n      #cloud-config\n      package_upgrade: ${hazard ? 'true' : 'false'}\n      runcmd:\n        - systemctl restart kubelet\n    EOT\n  }\n}\n`;
  }
  return `provider "aws" {\n  region = "${reg}"\n}\n\nlocals {\n  pool = "pool-${i}"\n  tags = { team = "t${i % 13}", region = "${reg}" }\n}\n\nresource "aws_launch_template" "pool" {\n  name_prefix   = "\${local.pool}-"\n  instance_type = "m6i.${pick(r, ['large', 'xlarge', '2xlarge'])}"\n  tags          = local.tags\n  user_data = base64encode(<<-EOT\n    #cloud-config\n    package_upgrade: ${hazard ? 'true' : 'false'}\n    write_files:\n      - path: /etc/sysctl.d/90-pool.conf\n        content: |\n          net.core.somaxconn = 4096\n  EOT\n  )\n}\n\nresource "aws_autoscaling_group" "pool" {\n  name     = local.pool\n  min_size = 3\n  max_size = ${30 + Math.floor(r() * 300)}\n  launch_template {\n    id      = aws_launch_template.pool.id\n    version = "$Latest"\n  }\n}\n`;
}

function shell(r, i, hazard) {
  const lines = ['#!/bin/bash', 'set -euo pipefail', 'export DEBIAN_FRONTEND=noninteractive', 'apt-get update'];
  for (let k = 0; k < 10 + Math.floor(r() * 30); k++) lines.push(pick(r, ['apt-get install -y jq curl', 'systemctl enable kubelet', `mkdir -p /opt/app${k}`, `echo "x${k}" >> /var/log/setup.log`, 'sysctl --system', `install -m 0644 /tmp/f${k} /etc/app/f${k}`]));
  lines.push(`cat <<'EOF' > /etc/apt/apt.conf.d/${hazard ? '20auto-upgrades' : '99local'}`);
  lines.push(hazard ? 'APT::Periodic::Unattended-Upgrade "1";' : 'Acquire::Retries "3";');
  lines.push('EOF');
  return lines.join('\n') + '\n';
}

function timer(r, i) {
  const h = Math.floor(r() * 24);
  return `[Unit]\nDescription=Job ${i}\n\n[Timer]\nOnCalendar=*-*-* ${h}:${String(Math.floor(r() * 60)).padStart(2, '0')}:00\nRandomizedDelaySec=${pick(r, ['5m', '30m', '2h'])}\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n`;
}

function service(r, i) {
  return `[Unit]\nDescription=Service ${i}\nAfter=network-online.target\nWants=network-online.target\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/job-${i} --flag=${Math.floor(r() * 100)}\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n`;
}

function networkd(r, i) {
  return `[Match]\nName=ens${i % 8}\n\n[Network]\nDHCP=yes\nIPv6AcceptRA=no\n\n[DHCPv4]\nUseMTU=true\n`;
}

function cloudInit(r, i, hazard) {
  return `#cloud-config\nhostname: node-${i}\npackage_update: true\npackage_upgrade: ${hazard ? 'true' : 'false'}\npackages:\n  - jq\n  - curl\nwrite_files:\n  - path: /etc/motd\n    content: |\n      node ${i}\nruncmd:\n  - [ systemctl, enable, --now, kubelet ]\n  - echo done > /var/log/ci.log\n`;
}

function dockerfile(r, i) {
  return `FROM ubuntu:22.04\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends ca-certificates curl && \\\n    rm -rf /var/lib/apt/lists/*\nCOPY app-${i} /usr/local/bin/app\nUSER 1000\nENTRYPOINT ["/usr/local/bin/app"]\n`;
}

function apt(r, i, hazard) {
  return hazard
    ? `APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n`
    : `// local apt settings ${i}\nAcquire::Retries "3";\nAPT::Install-Recommends "0";\nDpkg::Options { "--force-confdef"; "--force-confold"; };\n`;
}

function packer(r, i) {
  return `source "amazon-ebs" "img_${i}" {\n  ami_name      = "node-${i}-{{timestamp}}"\n  instance_type = "m6i.large"\n  region        = "us-east-1"\n  source_ami_filter {\n    filters = {\n      name = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"\n    }\n    owners      = ["099720109477"]\n    most_recent = true\n  }\n  ssh_username = "ubuntu"\n}\n\nbuild {\n  sources = ["source.amazon-ebs.img_${i}"]\n  provisioner "shell" {\n    inline = [\n      "sudo apt-get update",\n      "sudo apt-get install -y containerd",\n    ]\n  }\n}\n`;
}

function preseed(r, i, hazard) {
  return `d-i debian-installer/locale string en_US.UTF-8\nd-i netcfg/choose_interface select auto\nd-i pkgsel/include string openssh-server\nd-i pkgsel/update-policy select ${hazard ? 'unattended-upgrades' : 'none'}\n`;
}

function tfjson(r, i, region) {
  return JSON.stringify({ provider: { aws: [{ region: region[2] }] }, resource: { aws_s3_bucket: { [`b${i}`]: { bucket: `fleet-${i}`, tags: { team: `t${i % 13}` } } } } }, null, 2) + '\n';
}

export function generate(outDir, count, seed = 42) {
  const r = rng(seed);
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  const planted = { FL103: 0, FL104: 0 };
  let bytes = 0;
  const write = (rel, text) => {
    const p = path.join(outDir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    bytes += Buffer.byteLength(text);
  };
  write('faultline.yaml', `version: 1\nfleet:\n  regions:\n${REGIONS.map(([n, p, reg]) => `    ${n}: { provider: ${p}, region: ${reg}, paths: ["regions/${n}/**"] }`).join('\n')}\n`);
  let files = 1;
  for (let i = 0; files < count; i++) {
    let x = r() * total;
    let kind = MIX[0][0];
    for (const [k, w] of MIX) {
      if ((x -= w) < 0) {
        kind = k;
        break;
      }
    }
    const region = REGIONS[i % REGIONS.length];
    const dir = `regions/${region[0]}/svc-${Math.floor(i / 40)}`;
    const hazard = r() < 0.05; // 5% of hazard-capable files carry one
    switch (kind) {
      case 'kubernetes':
        write(`${dir}/k8s/deploy-${i}.yaml`, k8s(r, i, hazard));
        break;
      case 'terraform':
        write(`${dir}/tf-${i}/main.tf`, terraform(r, i, region, hazard));
        if (hazard) planted.FL104++;
        break;
      case 'shell':
        write(`${dir}/scripts/setup-${i}.sh`, shell(r, i, hazard));
        break;
      case 'systemd':
        if (r() < 0.5) write(`${dir}/units/job-${i}.timer`, timer(r, i));
        else write(`${dir}/units/job-${i}.service`, service(r, i));
        break;
      case 'networkd':
        write(`${dir}/network/1${i % 10}-ens.network`, networkd(r, i));
        break;
      case 'cloud-init':
        write(`${dir}/cloud-init/user-data-${i}.yaml`, cloudInit(r, i, hazard));
        if (hazard) planted.FL104++;
        break;
      case 'dockerfile':
        write(`${dir}/images/app-${i}/Dockerfile`, dockerfile(r, i));
        break;
      case 'apt':
        write(`${dir}/rootfs/etc/apt/apt.conf.d/${hazard ? '20auto-upgrades' : `60local-${i}`}`, apt(r, i, hazard));
        break;
      case 'packer':
        write(`images/node-${i}/node.pkr.hcl`, packer(r, i));
        break;
      case 'preseed':
        write(`images/bare-${i}/preseed.cfg`, preseed(r, i, hazard));
        if (hazard) planted.FL103++;
        break;
      case 'tfjson':
        write(`${dir}/tfjson-${i}/main.tf.json`, tfjson(r, i, region));
        break;
      default:
        write(`${dir}/docs/README-${i}.md`, `# svc ${i}\n\nNothing to scan here.\n`);
    }
    files++;
  }
  return { files, bytes, planted };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, n, seed] = process.argv.slice(2);
  if (!out || !n) {
    console.error('usage: node bench/generate.mjs <outDir> <fileCount> [seed]');
    process.exit(2);
  }
  console.log(JSON.stringify(generate(path.resolve(out), Number(n), Number(seed ?? 42))));
}
