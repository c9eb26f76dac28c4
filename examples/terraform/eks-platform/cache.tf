resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.cluster_name}-redis"
  subnet_ids = module.vpc.private_subnet_ids

  tags = local.common_tags
}

resource "aws_elasticache_cluster" "redis" {
  cluster_id               = "${var.cluster_name}-redis"
  engine                   = "redis"
  engine_version           = "7.1"
  node_type                = var.redis_node_type
  num_cache_nodes          = 1
  parameter_group_name     = "default.redis7"
  port                     = 6379
  subnet_group_name        = aws_elasticache_subnet_group.redis.name
  security_group_ids       = [aws_eks_cluster.this.vpc_config[0].cluster_security_group_id]
  snapshot_retention_limit = 7

  tags = local.common_tags
}
