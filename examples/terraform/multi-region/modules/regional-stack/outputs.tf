output "alb_dns_name" {
  description = "Public DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "ingest_ip" {
  description = "Address partners allow-list."
  value       = aws_eip.ingest.public_ip
}

output "db_endpoint" {
  value = aws_db_instance.this.endpoint
}
