terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
}

provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      team          = "platform"
      env           = "prod"
      "cost-center" = "CC-2001"
    }
  }
}

# Disaster-recovery region: backups bucket and a warm standby instance.
provider "aws" {
  alias  = "dr"
  region = var.dr_region

  default_tags {
    tags = {
      team          = "platform"
      env           = "prod"
      "cost-center" = "CC-2001"
    }
  }
}
