variable "name" {
  type        = string
  description = "Prefix of every resource name, region included (storefront-eu)."
}

variable "vpc_cidr" {
  type = string
}

variable "azs" {
  type        = list(string)
  description = "Availability zones: one public and one private subnet in each."
}

variable "public_subnet_cidrs" {
  type = list(string)
}

variable "private_subnet_cidrs" {
  type = list(string)
}

variable "ami_id" {
  type        = string
  description = "AMI of the web tier and the ingest server (AMI ids are per region)."
}

variable "app_instance_type" {
  type        = string
  description = "Instance type of the web tier (auto scaling group)."
}

variable "ingest_instance_type" {
  type        = string
  description = "Instance type of the partner-feed ingest server."
}

variable "db_instance_class" {
  type = string
}

variable "db_allocated_storage" {
  type        = number
  description = "GB of gp3 storage of the database."
}

variable "partner_cidrs" {
  type        = list(string)
  description = "Partners allowed to upload feeds to the ingest server (SFTP)."
}
