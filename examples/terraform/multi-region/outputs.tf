output "eu_alb_dns_name" {
  description = "Public DNS name of the Ireland load balancer."
  value       = module.ireland.alb_dns_name
}

output "sydney_alb_dns_name" {
  description = "Public DNS name of the Sydney load balancer."
  value       = module.sydney.alb_dns_name
}

output "ingest_ips" {
  description = "Addresses partners allow-list, per region."
  value = {
    "eu-west-1"      = module.ireland.ingest_ip
    "ap-southeast-2" = module.sydney.ingest_ip
  }
}

output "db_endpoints" {
  value = {
    "eu-west-1"      = module.ireland.db_endpoint
    "ap-southeast-2" = module.sydney.db_endpoint
  }
}
