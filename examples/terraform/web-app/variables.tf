variable "region" {
  type        = string
  description = "AWS region for every resource."
  default     = "us-east-1"
}

variable "name" {
  type        = string
  description = "Name prefix for every resource."
  default     = "web-prod"
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "nat_gateway_count" {
  type        = number
  description = "NAT gateways, spread over the public subnets (raised from 2 to 3 for egress bandwidth)."
  default     = 3
}

variable "app_ami_id" {
  type        = string
  description = "AMI for the application tier."
  default     = "ami-0b5eea76982371e91"
}

variable "app_instance_type" {
  type        = string
  description = "Application tier instance type (was m5.large)."
  default     = "m5.xlarge"
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class (was db.t4g.small)."
  default     = "db.t3.large"
}

variable "services" {
  type        = list(string)
  description = "Services that get their own log group."
  default     = ["api", "worker", "scheduler"]
}

variable "bastion_allowed_cidrs" {
  type    = list(string)
  default = ["203.0.113.0/24"]
}
