# HCL twin of fixtures/example-fleet-cdktf/regions/us2/stack.ts
provider "aws" {
  region = "us-west-2"
}

resource "aws_launch_template" "nodes" {
  name_prefix   = "us2-prod-nodes-"
  image_id      = "ami-0123456789abcdef0"
  instance_type = "m6i.2xlarge"
  user_data     = base64encode(file("${path.module}/user-data.yaml"))
}

resource "aws_ssm_maintenance_window" "patch" {
  name              = "us2-prod-patch"
  schedule          = "cron(0 3 ? * * *)"
  schedule_timezone = "UTC"
  duration          = 3
  cutoff            = 1
}
