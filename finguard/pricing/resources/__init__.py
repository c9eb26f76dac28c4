"""Resource cost models, one file per Terraform resource type, discovered by pricing.registry."""
