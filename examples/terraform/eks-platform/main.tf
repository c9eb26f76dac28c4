locals {
  common_tags = {
    owner   = var.owner
    service = "eks-platform"
  }
}

data "aws_caller_identity" "current" {}

module "vpc" {
  source = "./modules/vpc"

  name         = var.cluster_name
  cidr         = var.vpc_cidr
  az_count     = 3
  cluster_name = var.cluster_name
  tags         = local.common_tags
}
