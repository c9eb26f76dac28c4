output "alb_dns_name" {
  description = "Public DNS name of the load balancer."
  value       = aws_lb.web.dns_name
}

output "bastion_public_ip" {
  value = aws_instance.bastion.public_ip
}

output "db_endpoint" {
  value = aws_db_instance.main.endpoint
}
