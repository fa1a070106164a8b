# HCL twin of fixtures/example-fleet-cdktf/regions/us1/stack.ts
provider "aws" {
  region = "us-east-1"
}

data "aws_ami" "node" {
  most_recent = true
  owners      = ["self"]

  filter {
    name   = "name"
    values = ["ubuntu-k8s-node-jammy"]
  }
}

locals {
  cluster = "us1-prod"
}

resource "aws_launch_template" "nodes" {
  name_prefix   = "${local.cluster}-nodes-"
  image_id      = data.aws_ami.node.id
  instance_type = "m6i.2xlarge"

  user_data = base64encode(<<-EOT
    #cloud-config
    package_update: true
    package_upgrade: true
    package_reboot_if_required: true
    write_files:
      - path: /etc/apt/apt.conf.d/99periodic
        content: |
          APT::Periodic::Enable "1";
    runcmd:
      - [ systemctl, restart, kubelet ]
  EOT
  )
}

resource "aws_autoscaling_group" "nodes_asg" {
  name             = "${local.cluster}-nodes"
  min_size         = 3
  max_size         = 300
  desired_capacity = 120

  launch_template {
    id      = aws_launch_template.nodes.id
    version = "$Latest"
  }
}

resource "aws_ssm_maintenance_window" "patch" {
  name              = "${local.cluster}-patch"
  schedule          = "cron(0 3 ? * * *)"
  schedule_timezone = "UTC"
  duration          = 3
  cutoff            = 1
}
