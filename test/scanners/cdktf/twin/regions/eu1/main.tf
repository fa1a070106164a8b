# HCL twin of fixtures/example-fleet-cdktf/regions/eu1/stack.ts
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "euw1"
  region = "eu-west-1"
}

resource "aws_launch_template" "nodes" {
  provider      = aws.euw1
  name_prefix   = "eu1-prod-nodes-"
  image_id      = "ami-0fedcba9876543210"
  instance_type = "m6i.2xlarge"
  user_data     = "#!/bin/bash\n/etc/eks/bootstrap.sh eu1-prod\n"
}

resource "aws_ssm_maintenance_window" "patch" {
  provider          = aws.euw1
  name              = "eu1-prod-patch"
  schedule          = "cron(0 3 ? * * *)"
  schedule_timezone = "UTC"
  duration          = 3
  cutoff            = 1
}
