variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

variable "az_count" {
  type    = number
  default = 3
}

variable "cluster_name" {
  type        = string
  description = "EKS cluster that will use the subnets (for the kubernetes.io/cluster tag)."
}

variable "tags" {
  type    = map(string)
  default = {}
}
