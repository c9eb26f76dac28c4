# storefront: the same stack in two regions, Ireland (eu-west-1, default provider) and Sydney
# (ap-southeast-2, provider aws.sydney), both from modules/regional-stack. Each region has:
#
#   * a VPC with two public and two private subnets;
#   * an application load balancer in front of an auto scaling group (2 x t3.medium) built from a
#     launch template;
#   * a MySQL database (db.m6i.large, Multi-AZ, 100 GB gp3);
#   * an ingest server (m6i.large) that partners upload feeds to, with an Elastic IP they allow-list
#     and three data volumes: gp2 spool, gp3 working set (IOPS and throughput above the gp3 baseline)
#     and an io2 journal.
#
# There is no NAT gateway: the private subnets need no internet access (the AMIs carry the
# application, and the database only talks to the web tier).

# Ireland: no `providers` argument, so the module uses the default aws configuration.
module "ireland" {
  source = "./modules/regional-stack"

  name                 = "${var.name}-eu"
  vpc_cidr             = "10.60.0.0/16"
  azs                  = ["eu-west-1a", "eu-west-1b"]
  public_subnet_cidrs  = ["10.60.0.0/24", "10.60.1.0/24"]
  private_subnet_cidrs = ["10.60.10.0/24", "10.60.11.0/24"]
  ami_id               = var.eu_ami_id
  app_instance_type    = var.app_instance_type
  ingest_instance_type = var.ingest_instance_type
  db_instance_class    = var.db_instance_class
  db_allocated_storage = var.db_allocated_storage
  partner_cidrs        = var.partner_cidrs
}

# Sydney: the module's default aws provider is the root's aws.sydney configuration.
module "sydney" {
  source = "./modules/regional-stack"
  providers = {
    aws = aws.sydney
  }

  name                 = "${var.name}-sydney"
  vpc_cidr             = "10.61.0.0/16"
  azs                  = ["ap-southeast-2a", "ap-southeast-2b"]
  public_subnet_cidrs  = ["10.61.0.0/24", "10.61.1.0/24"]
  private_subnet_cidrs = ["10.61.10.0/24", "10.61.11.0/24"]
  ami_id               = var.sydney_ami_id
  app_instance_type    = var.app_instance_type
  ingest_instance_type = var.ingest_instance_type
  db_instance_class    = var.db_instance_class
  db_allocated_storage = var.db_allocated_storage
  partner_cidrs        = var.partner_cidrs
}
