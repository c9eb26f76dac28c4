variable "cluster_name" {
  type    = string
  default = "platform-prod"
}

variable "cluster_version" {
  type    = string
  default = "1.30"
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}

variable "owner" {
  type        = string
  description = "Owning team, written to the owner tag."
  default     = "platform-team"
}

variable "redis_node_type" {
  type    = string
  default = "cache.m4.large"
}

variable "dr_region" {
  type    = string
  default = "us-west-2"
}

variable "dr_ami_id" {
  type        = string
  description = "Amazon Linux 2023 AMI in the DR region."
  default     = "ami-0a3f7d2c1e9b84d55"
}
