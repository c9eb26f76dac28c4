variable "name" {
  type        = string
  description = "Prefix of every resource name."
  default     = "storefront"
}

variable "app_instance_type" {
  type        = string
  description = "Instance type of the web tier (auto scaling group)."
  default     = "t3.medium"
}

variable "ingest_instance_type" {
  type        = string
  description = "Instance type of the partner-feed ingest server."
  default     = "m6i.large"
}

variable "db_instance_class" {
  type    = string
  default = "db.m6i.large"
}

variable "db_allocated_storage" {
  type        = number
  description = "GB of gp3 storage per database."
  default     = 100
}

variable "partner_cidrs" {
  type        = list(string)
  description = "Partners allowed to upload feeds to the ingest servers (SFTP)."
  default     = ["198.51.100.0/24", "203.0.113.0/24"]
}

# Amazon Linux 2023 (x86_64) AMIs: AMI ids are per region.
variable "eu_ami_id" {
  type    = string
  default = "ami-0e9c8f6d5b4a31c72"
}

variable "sydney_ami_id" {
  type    = string
  default = "ami-07a3d5e1f9b8c6a24"
}
