variable "name" {
  type        = string
  description = "Name prefix."
}

variable "vpc_cidr" {
  type = string
}

variable "public_subnet_cidrs" {
  type = list(string)
}

variable "private_subnet_cidrs" {
  type = list(string)
}

variable "nat_gateway_count" {
  type        = number
  description = "NAT gateways; they wrap around the public subnets."
  default     = 1
}
