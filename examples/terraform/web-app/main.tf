module "network" {
  source = "./modules/network"

  name                 = var.name
  vpc_cidr             = var.vpc_cidr
  public_subnet_cidrs  = ["10.20.0.0/24", "10.20.1.0/24"]
  private_subnet_cidrs = ["10.20.10.0/24", "10.20.11.0/24"]
  nat_gateway_count    = var.nat_gateway_count
}

# The legacy batch worker (aws_instance.legacy_worker, m4.large) was removed from this file:
# its work moved to the "worker" service in the autoscaling group, so the plan destroys it.
