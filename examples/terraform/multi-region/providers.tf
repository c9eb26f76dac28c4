terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
}

# Primary region: Ireland. module.ireland has no `providers` argument, so it inherits this configuration.
provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      project       = "storefront"
      env           = "prod"
      team          = "commerce"
      "cost-center" = "CC-3100"
      "managed-by"  = "terraform"
    }
  }
}

# Second region: Sydney, for customers in Australia and New Zealand. module.sydney receives it as its
# default aws provider (`providers = { aws = aws.sydney }`); an aliased configuration inherits nothing
# from the default one, so it repeats the default tags and adds its own.
provider "aws" {
  alias  = "sydney"
  region = "ap-southeast-2"

  default_tags {
    tags = {
      project       = "storefront"
      env           = "prod"
      team          = "commerce"
      "cost-center" = "CC-3100"
      "managed-by"  = "terraform"
      market        = "anz"
    }
  }
}
