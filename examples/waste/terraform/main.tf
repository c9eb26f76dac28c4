# The part of the account that Terraform manages (the state next to this file maps AWS ids to these blocks).
provider "aws" {
  region = "eu-west-1"
}

resource "aws_ebs_volume" "etl_scratch" {
  availability_zone = "eu-west-1a"
  size              = 200
  type              = "gp3"
  tags              = { Name = "etl-scratch", team = "data" }
}

resource "aws_instance" "worker" {
  ami           = "ami-0a1b2c3d4e5f67890"
  instance_type = "m5.2xlarge"
  tags          = { Name = "worker-1", team = "analytics" }
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-db"
  engine            = "postgres"
  instance_class    = "db.r5.2xlarge"
  allocated_storage = 400
  storage_type      = "gp3"
  multi_az          = true
  tags              = { team = "payments" }
}

resource "aws_lb" "legacy_api" {
  name               = "legacy-api"
  internal           = true
  load_balancer_type = "application"
  tags               = { team = "platform" }
}
