# Resources are created only in the regions the platform team allows (and never in denied ones).
#
# Anti-pattern: a stray eu-central-1 bucket in a us-only organisation (data residency, no support).
# Best practice: an explicit allow-list in finguard.yml (regions.allowed).
#
# example: fails
#   provider "aws" {
#     region = "ap-southeast-1"
#   }
#   resource "aws_instance" "web" {
#     instance_type = "t3.micro"
#   }
# config: {"regions": {"allowed": ["us-east-1", "eu-west-1"]}}
#
# example: passes
#   resource "aws_instance" "web" {
#     instance_type = "t3.micro"
#   }
# config: {"regions": {"allowed": ["us-east-1", "eu-west-1"]}}
package finguard.region.allowed_regions

import rego.v1

metadata := {
	"id": "FG-REG-001",
	"title": "Region allow-list",
	"severity": "high",
	"remediation": "Deploy to an allowed region, or ask the platform team to allow this one.",
}

allowed := input.config.regions.allowed

denied := input.config.regions.denied

deny contains {"address": r.address, "msg": sprintf("region %s is not allowed (allowed: %s)", [r.region, concat(", ", allowed)])} if {
	some r in input.resources
	r.region != null
	count(allowed) > 0
	not r.region in allowed
}

deny contains {"address": r.address, "msg": sprintf("region %s is denied", [r.region])} if {
	some r in input.resources
	r.region in denied
}
