output "cluster_name" {
  value = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  value = aws_eks_cluster.this.endpoint
}

output "vpc_id" {
  value = module.vpc.vpc_id
}

output "dr_bucket" {
  value = aws_s3_bucket.dr_backups.bucket
}
