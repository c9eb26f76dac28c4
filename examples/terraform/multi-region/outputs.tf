output "eu_alb_dns_name" {
  description = "Public DNS name of the Ireland load balancer."
  value       = aws_lb.eu.dns_name
}

output "sydney_alb_dns_name" {
  description = "Public DNS name of the Sydney load balancer."
  value       = aws_lb.sydney.dns_name
}

output "ingest_ips" {
  description = "Addresses partners allow-list, per region."
  value = {
    "eu-west-1"      = aws_eip.eu_ingest.public_ip
    "ap-southeast-2" = aws_eip.sydney_ingest.public_ip
  }
}

output "db_endpoints" {
  value = {
    "eu-west-1"      = aws_db_instance.eu.endpoint
    "ap-southeast-2" = aws_db_instance.sydney.endpoint
  }
}
