/**
 * Loose files (scripts, units, apt, network and agent files, cloud-configs that only their own
 * node image reads) next to files that other files read: a script a Packer template provisions, a
 * file a Dockerfile copies, user-data a Terraform module loads, units grouped with a timer that
 * feeds a schedule, agent files grouped with a Zincati window; a Dockerfile that copies in no
 * other file and a preseed, loose too; and the fleet-wide facts loose images quote (a CNI as a
 * DaemonSet and as a Helm release).
 */
export const looseTree: Record<string, string> = {
  "apps/api/Dockerfile": "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y unattended-upgrades\nCOPY api /usr/local/bin/api\n",
  "apps/api/files/20auto-upgrades": "APT::Periodic::Unattended-Upgrade \"1\";\n",
  "images/bare/preseed.cfg": "d-i pkgsel/update-policy select unattended-upgrades\n",
  "docker/Dockerfile": "FROM ubuntu:22.04\nCOPY files/20auto-upgrades /etc/apt/apt.conf.d/20auto-upgrades\nRUN apt-get update && apt-get install -y kubelet\n",
  "docker/files/20auto-upgrades": "APT::Periodic::Unattended-Upgrade \"1\";\n",
  "faultline.yaml": "version: 1\nfleet:\n  regions:\n    r1: { provider: aws, region: us-east-1, paths: [\"regions/r1/**\"] }\n    r2: { provider: aws, region: eu-west-1, paths: [\"regions/r2/**\"] }\n    r3: { provider: gcp, region: us-central1, paths: [\"regions/r3/**\"] }\n",
  "images/node/files/network/20-ens.network": "[Match]\nName=ens*\n\n[Route]\nGateway=10.0.0.1\n",
  "images/node/files/rootfs/etc/apt/apt.conf.d/20auto-upgrades": "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"0\";\n",
  "images/node/files/rootfs/etc/systemd/networkd.conf.d/10-foreign.conf": "[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n",
  "images/node/node.pkr.hcl": "source \"amazon-ebs\" \"node\" {\n  ami_name      = \"node-{{timestamp}}\"\n  source_ami_filter {\n    filters = { name = \"ubuntu/images/*ubuntu-jammy-22.04-amd64-server-*\" }\n    owners  = [\"099720109477\"]\n  }\n}\nbuild {\n  sources = [\"source.amazon-ebs.node\"]\n  provisioner \"shell\" {\n    script = \"scripts/provision.sh\"\n  }\n}\n",
  "images/node/scripts/provision.sh": "#!/bin/bash\napt-get install -y unattended-upgrades\n",
  "k8s/cilium.yaml": "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: cilium, namespace: kube-system }\nspec:\n  selector: { matchLabels: { k8s-app: cilium } }\n  template:\n    metadata: { labels: { k8s-app: cilium } }\n    spec:\n      containers: [{ name: cilium-agent, image: quay.io/cilium/cilium:v1.15.0 }]\n",
  "regions/r1/etc/apt/apt.conf.d/20auto-upgrades": "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n",
  "regions/r1/scripts/setup.sh": "#!/bin/bash\napt-get install -y unattended-upgrades\nsystemctl enable unattended-upgrades\nsysctl -w net.ipv4.conf.all.rp_filter=1\n",
  "regions/r1/tf/main.tf": "resource \"aws_launch_template\" \"nodes\" {\n  image_id  = \"ami-123\"\n  user_data = filebase64(\"${path.module}/user-data.yaml\")\n}\nresource \"helm_release\" \"cilium\" {\n  name  = \"cilium\"\n  chart = \"cilium\"\n}\n",
  "regions/r1/tf/user-data.yaml": "#cloud-config\npackage_upgrade: true\n",
  "regions/r1/units/apt-daily-upgrade.timer": "[Unit]\nDescription=Daily apt upgrade and clean activities\n\n[Timer]\nOnCalendar=*-*-* 06:00\nRandomizedDelaySec=60\n\n[Install]\nWantedBy=timers.target\n",
  "regions/r1/units/apt-daily-upgrade.timer.d/persist.conf": "[Timer]\nPersistent=true\n",
  "regions/r1/units/backup.service": "[Service]\nExecStart=/usr/local/bin/backup\n",
  "regions/r1/units/kubelet.service.d/10-restart.conf": "[Service]\nRestart=always\n",
  "regions/r2/etc/systemd/networkd.conf": "[Network]\nManageForeignRoutingPolicyRules=yes\nManageForeignRoutes=yes\n",
  "regions/r2/network/10-eth.network": "[Match]\nName=eth*\n\n[Network]\nDHCP=yes\n",
  "regions/r2/patch/patch.service": "[Service]\nExecStart=/usr/bin/unattended-upgrade\n",
  "regions/r2/scripts/boot.yaml": "#cloud-config\nruncmd:\n  - kubeadm join 10.0.0.1:6443 --token abc.def\n  - systemctl restart systemd-networkd\n",
  "regions/r2/scripts/harden.sh": "#!/bin/bash\necho 'APT::Periodic::Unattended-Upgrade \"0\";' > /etc/apt/apt.conf.d/20auto-upgrades\n",
  "regions/r2/scripts/tune.sh": "#!/bin/bash\nsysctl -w net.ipv4.conf.all.rp_filter=1\necho done\n",
  "regions/r2/scripts/user-data.yaml": "#cloud-config\npackage_upgrade: true\npackages: [unattended-upgrades]\n",
  "regions/r2/units/apt-daily-upgrade.timer": "[Unit]\nDescription=Daily apt upgrade and clean activities\n\n[Timer]\nOnCalendar=*-*-* 06:00\nRandomizedDelaySec=60\n\n[Install]\nWantedBy=timers.target\n",
  "regions/r2/units/metrics.service": "[Service]\nExecStart=/usr/local/bin/metrics\nRestart=always\n",
  "regions/r3/etc/other/50-local.toml": "[identity]\nrollout_wariness = 0.5\n",
  "regions/r3/etc/zincati/config.d/55-updates.toml": "[updates]\nstrategy = \"periodic\"\n\n[[updates.periodic.window]]\ndays = [ \"Sat\", \"Sun\" ]\nstart_time = \"22:30\"\nlength_minutes = 60\n",
};
