resource "aws_lb" "ingress" {
  name                             = "${var.cluster_name}-ingress"
  load_balancer_type               = "network"
  internal                         = false
  subnets                          = module.vpc.public_subnet_ids
  enable_cross_zone_load_balancing = true

  tags = local.common_tags
}
