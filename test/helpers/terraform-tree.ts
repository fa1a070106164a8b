/**
 * Terraform modules that stand alone (a launch template with user-data and its autoscaling group,
 * in one file or several, HCL or JSON, with variable files, with a provider or without; instance
 * templates that launch images the scan does not build; Packer templates whose images nothing
 * launches) next to modules that other files
 * depend on or that depend on other files: one that launches a Packer image by name, one another
 * module instantiates (and its region comes from there), maintenance windows compared across
 * regions, user-data loaded with file(), a timer written by user-data, a CNI's Helm release (and its
 * DaemonSet), an EKS
 * cluster version that gates advice on a Kubernetes workload, and EC2 Image Builder resources.
 */
const userData = (body: string) => `  user_data = base64encode(<<-EOT\n    #cloud-config\n${body
  .split('\n')
  .filter(Boolean)
  .map((l) => `    ${l}`)
  .join('\n')}\n  EOT\n  )\n`;

const pool = (region: string, name: string, body: string) =>
  `provider "aws" {\n  region = "${region}"\n}\n\nresource "aws_launch_template" "${name}" {\n  name_prefix = "${name}-"\n${userData(body)}}\n\nresource "aws_autoscaling_group" "${name}" {\n  name     = "${name}"\n  min_size = 3\n  max_size = 30\n  launch_template {\n    id = aws_launch_template.${name}.id\n  }\n}\n`;

const window = (region: string, cron: string) =>
  `provider "aws" {\n  region = "${region}"\n}\n\nresource "aws_ssm_maintenance_window" "patch" {\n  name     = "patch"\n  schedule = "${cron}"\n  duration = 3\n  cutoff   = 1\n}\n`;

const gce = (name: string, family: string) =>
  `provider "google" {\n  project = "fleet"\n  region  = "us-central1"\n}\n\nresource "google_compute_instance_template" "${name}" {\n  name_prefix = "${name}-"\n  disk {\n    source_image = "projects/fleet/global/images/family/${family}"\n  }\n  metadata = {\n    user-data = <<-EOT\n      #cloud-config\n      package_upgrade: true\n    EOT\n  }\n}\n`;

export const terraformTree: Record<string, string> = {
  'faultline.yaml':
    'version: 1\nfleet:\n  regions:\n    r1: { provider: aws, region: us-east-1, paths: ["regions/r1/**"] }\n    r2: { provider: aws, region: eu-west-1, paths: ["regions/r2/**"] }\n    r3: { provider: gcp, region: us-central1, paths: ["regions/r3/**"] }\n',
  // an image that enables unattended-upgrades and manages foreign routes; its findings quote the modules that launch it
  'images/node/node.pkr.hcl':
    'source "amazon-ebs" "node" {\n  ami_name = "node-{{timestamp}}"\n  source_ami_filter {\n    filters = { name = "ubuntu/images/*ubuntu-jammy-22.04-amd64-server-*" }\n    owners  = ["099720109477"]\n  }\n}\nbuild {\n  sources = ["source.amazon-ebs.node"]\n  provisioner "shell" {\n    script = "scripts/provision.sh"\n  }\n}\n',
  'images/node/scripts/provision.sh': '#!/bin/bash\napt-get install -y unattended-upgrades\nsystemctl enable unattended-upgrades\n',
  // templates that stand alone: nothing launches their images, they provision nothing from other
  // files; one copied into a region (its stock apt timer is a schedule there), one in two files
  'images/bare/bare.pkr.hcl':
    'source "amazon-ebs" "bare" {\n  ami_name    = "bare-{{timestamp}}"\n  ami_regions = ["us-east-1"]\n  source_ami_filter {\n    filters = { name = "ubuntu/images/*ubuntu-jammy-22.04-amd64-server-*" }\n    owners  = ["099720109477"]\n  }\n}\nbuild {\n  sources = ["source.amazon-ebs.bare"]\n  provisioner "shell" {\n    inline = ["apt-get install -y unattended-upgrades", "systemctl enable unattended-upgrades"]\n  }\n}\n',
  'images/gold/sources.pkr.hcl': 'source "googlecompute" "gold" {\n  image_name          = "gold-v1"\n  image_family        = "gold"\n  source_image_family = "ubuntu-2204-lts"\n}\n',
  'images/gold/gold.pkr.hcl': 'build {\n  sources = ["source.googlecompute.gold"]\n  provisioner "shell" {\n    inline = ["apt-get install -y unattended-upgrades"]\n  }\n}\n',
  // -- modules that stand alone
  'regions/r1/pool-a/main.tf': pool('us-east-1', 'pool_a', 'package_upgrade: true\npackages: [unattended-upgrades]'),
  'regions/r2/pool-b/main.tf': `provider "aws" {\n  region = var.region\n}\n\nresource "aws_launch_template" "pool_b" {\n  name_prefix   = "\${local.name}-"\n  instance_type = var.size\n${userData('package_upgrade: true')}}\n`,
  'regions/r2/pool-b/variables.tf': 'variable "region" {\n  default = "eu-west-1"\n}\nvariable "size" {\n  type = string\n}\nlocals {\n  name = "pool-b"\n}\n',
  'regions/r2/pool-b/terraform.tfvars': 'size = "m6i.large"\n',
  'regions/r3/gce/main.tf':
    'provider "google" {\n  project = "fleet"\n  region  = "us-central1"\n}\n\nresource "google_compute_instance_template" "web" {\n  name_prefix  = "web-"\n  machine_type = "n2-standard-4"\n  metadata = {\n    user-data = <<-EOT\n      #cloud-config\n      package_upgrade: true\n    EOT\n  }\n}\n',
  'regions/r3/json/main.tf.json': JSON.stringify(
    {
      provider: { aws: { region: 'us-west-2' } },
      resource: { aws_launch_template: { batch: { name_prefix: 'batch-', user_data: '${base64encode("#cloud-config\\npackage_upgrade: true\\n")}' } } },
    },
    null,
    2,
  ),
  'regions/r1/plain/main.tf': 'resource "aws_s3_bucket" "logs" {\n  bucket = "fleet-logs"\n}\n',
  // launch images the scan does not build: a family no template names, and family `node`, which
  // the AMI `node-…` is not (an AMI does not boot on Compute Engine)
  'regions/r3/golden/main.tf': gce('golden', 'golden'),
  'regions/r3/gnode/main.tf': gce('gnode', 'node'),
  // -- modules others depend on, or that depend on others
  // launches the Packer image by name: the image's findings list its consumers and regions
  'regions/r1/nodes/main.tf':
    'provider "aws" {\n  region = "us-east-1"\n}\n\ndata "aws_ami" "node" {\n  most_recent = true\n  filter {\n    name   = "name"\n    values = ["node-*"]\n  }\n}\n\nresource "aws_launch_template" "nodes" {\n  image_id = data.aws_ami.node.id\n}\n\nresource "aws_autoscaling_group" "nodes" {\n  min_size = 3\n  max_size = 50\n  launch_template {\n    id = aws_launch_template.nodes.id\n  }\n}\n',
  'regions/r2/nodes/main.tf':
    'provider "aws" {\n  region = "eu-west-1"\n}\n\ndata "aws_ami" "node" {\n  most_recent = true\n  filter {\n    name   = "name"\n    values = ["node-*"]\n  }\n}\n\nresource "aws_instance" "node" {\n  ami = data.aws_ami.node.id\n}\n',
  'modules/spare/main.tf': `resource "aws_launch_template" "spare" {\n  name_prefix = "spare-"\n${userData('package_upgrade: true\npackages: [unattended-upgrades]')}}\n`,
  // instantiated by another module, which gives it its region
  'modules/pool/main.tf': `resource "aws_launch_template" "shared" {\n  name_prefix = "shared-"\n${userData('package_upgrade: true')}}\n`,
  'regions/r2/stack/main.tf': 'provider "aws" {\n  alias  = "eu"\n  region = "eu-west-1"\n}\n\nmodule "pool" {\n  source    = "../../../modules/pool"\n  providers = { aws = aws.eu }\n}\n',
  // maintenance windows at the same hour in two regions
  'regions/r1/maint/main.tf': window('us-east-1', 'cron(0 3 ? * SUN *)'),
  'regions/r2/maint/main.tf': window('eu-west-1', 'cron(0 3 ? * SUN *)'),
  // user-data loaded from a file
  'regions/r3/files/main.tf': 'provider "aws" {\n  region = "us-west-2"\n}\n\nresource "aws_launch_template" "files" {\n  user_data = filebase64("${path.module}/boot.yaml")\n}\n',
  'regions/r3/files/boot.yaml': '#cloud-config\npackage_upgrade: true\npackages: [unattended-upgrades]\n',
  // user-data that writes an update timer: a schedule
  'regions/r3/timer/main.tf': `provider "aws" {\n  region = "us-west-2"\n}\n\nresource "aws_launch_template" "timer" {\n${userData('write_files:\n  - path: /etc/systemd/system/apt-daily-upgrade.timer.d/override.conf\n    content: |\n      [Timer]\n      OnCalendar=\n      OnCalendar=*-*-* 03:00\n      RandomizedDelaySec=0')}}\n`,
  // a CNI's Helm release: quoted by findings on every image that manages foreign routes
  'platform/cni/main.tf': 'resource "helm_release" "cilium" {\n  name       = "cilium"\n  repository = "https://helm.cilium.io"\n  chart      = "cilium"\n}\n',
  'k8s/cilium.yaml':
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: cilium, namespace: kube-system }\nspec:\n  selector: { matchLabels: { k8s-app: cilium } }\n  template:\n    metadata: { labels: { k8s-app: cilium } }\n    spec:\n      containers: [{ name: cilium-agent, image: quay.io/cilium/cilium:v1.15.0 }]\n',
  // the cluster version gates advice on workloads everywhere
  'platform/eks/main.tf': 'resource "aws_eks_cluster" "main" {\n  name    = "main"\n  version = "1.28"\n}\n',
  'k8s/web.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: web }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1\n          ports: [{ containerPort: 8080 }]\n          lifecycle:\n            preStop: { sleep: { seconds: 5 } }\n',
  // EC2 Image Builder: a component document and the resources that build it on the Packer image
  'images/builder/component.yaml':
    'name: harden\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: upgrades\n        action: ExecuteBash\n        inputs:\n          commands:\n            - apt-get install -y unattended-upgrades\n',
  'images/builder/main.tf':
    'resource "aws_imagebuilder_component" "harden" {\n  name     = "harden"\n  platform = "Linux"\n  version  = "1.0.0"\n  data     = file("${path.module}/component.yaml")\n}\n\nresource "aws_imagebuilder_image_recipe" "node" {\n  name         = "node"\n  parent_image = "node-*"\n  version      = "1.0.0"\n  component {\n    component_arn = aws_imagebuilder_component.harden.arn\n  }\n}\n',
};
