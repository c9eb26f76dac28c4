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
  region = var.region

  default_tags {
    tags = {
      team          = "web"
      env           = "prod"
      "cost-center" = "CC-1234"
      "managed-by"  = "terraform"
    }
  }
}
