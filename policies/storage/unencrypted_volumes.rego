# Every EBS volume, instance block device, launch template volume and RDS storage is encrypted at rest.
#
# Anti-pattern: an unencrypted volume or database (snapshots and copies inherit it, and encrypting later
# means copying the data). Best practice: `encrypted = true` (RDS: `storage_encrypted = true`) on every
# volume, with EBS encryption by default switched on for the account as a backstop.
# A value known only after apply (set from a variable or another resource) is a warning; an unset or
# false value denies, because account-level default encryption is not visible in a plan.
#
# example: fails
#   resource "aws_ebs_volume" "data" {
#     availability_zone = "us-east-1a"
#     size              = 100
#   }
#
# example: fails
#   resource "aws_instance" "web" {
#     instance_type = "t3.micro"
#     root_block_device {
#       volume_size = 20
#       encrypted   = false
#     }
#   }
#
# example: fails
#   resource "aws_db_instance" "app" {
#     engine            = "postgres"
#     instance_class    = "db.t3.micro"
#     allocated_storage = 20
#   }
#
# example: fails
#   resource "aws_launch_template" "web" {
#     block_device_mappings {
#       device_name = "/dev/xvda"
#       ebs {
#         volume_size = 20
#         encrypted   = "false"
#       }
#     }
#   }
#
# example: passes
#   resource "aws_ebs_volume" "data" {
#     availability_zone = "us-east-1a"
#     size              = 100
#     encrypted         = true
#   }
#
# example: passes
#   resource "aws_instance" "web" {
#     instance_type = "t3.micro"
#     root_block_device {
#       volume_size = 20
#       encrypted   = true
#     }
#     ebs_block_device {
#       device_name = "/dev/sdf"
#       volume_size = 100
#       encrypted   = true
#     }
#   }
#
# example: passes
#   resource "aws_db_instance" "app" {
#     engine            = "postgres"
#     instance_class    = "db.t3.micro"
#     allocated_storage = 20
#     storage_encrypted = true
#   }
#
# example: passes
#   resource "aws_launch_template" "web" {
#     block_device_mappings {
#       device_name = "/dev/xvda"
#       ebs {
#         volume_size = 20
#         encrypted   = "true"
#       }
#     }
#   }
package finguard.storage.unencrypted_volumes

import rego.v1

metadata := {
	"id": "FG-STO-003",
	"title": "Unencrypted volumes",
	"severity": "high",
	"resource_types": [
		"aws_ebs_volume", "aws_instance", "aws_launch_configuration",
		"aws_launch_template", "aws_db_instance",
	],
	"remediation": "Set encrypted = true (aws_db_instance: storage_encrypted = true), with kms_key_id for a customer-managed key.",
}

# Every volume to check: which resource, the path of its `encrypted` flag, a label and the value
# (null when not set: plans show unset optional attributes as null).
volumes contains {"i": i, "path": "encrypted", "label": "volume", "state": state(object.get(r.attributes, "encrypted", null))} if {
	some i, r in input.resources
	r.type == "aws_ebs_volume"
}

volumes contains {"i": i, "path": "storage_encrypted", "label": "storage", "state": state(object.get(r.attributes, "storage_encrypted", null))} if {
	some i, r in input.resources
	r.type == "aws_db_instance"
}

volumes contains {"i": i, "path": sprintf("%s.%d.encrypted", [block, n]), "label": device_label(block, n, device), "state": state(field(device, "encrypted"))} if {
	some i, r in input.resources
	r.type in {"aws_instance", "aws_launch_configuration"}
	some block in ["root_block_device", "ebs_block_device"]
	some n, device in blocks(r.attributes, block)
}

volumes contains {"i": i, "path": sprintf("block_device_mappings.%d.ebs.0.encrypted", [n]), "label": device_label("block_device_mappings", n, mapping), "state": state(field(ebs, "encrypted"))} if {
	some i, r in input.resources
	r.type == "aws_launch_template"
	some n, mapping in blocks(r.attributes, "block_device_mappings")
	ebs := blocks(mapping, "ebs")[0]
}

# The blocks of a nested-block attribute: its list, or none when it holds anything else (a malformed plan; every
# builtin below would otherwise fail on it, and with it the whole policy).
blocks(parent, name) := found if {
	is_object(parent)
	found := object.get(parent, name, [])
	is_array(found)
}

blocks(parent, name) := [] if not is_array(field(parent, name))

# A block's field, or null (unset) when the block is not an object: a malformed block is reported as unencrypted.
field(block, key) := object.get(block, key, null) if is_object(block)

field(block, _) := null if not is_object(block)

device_label(block, _, _) := block if block == "root_block_device"

device_label(block, n, device) := sprintf("%s[%d] (%s)", [block, n, field(device, "device_name")]) if {
	block != "root_block_device"
	is_string(field(device, "device_name"))
}

device_label(block, n, device) := sprintf("%s[%d]", [block, n]) if {
	block != "root_block_device"
	not is_string(field(device, "device_name"))
}

# true, or "true" (launch templates take the string form).
encrypted(value) if value == true

encrypted(value) if value == "true"

shown(null) := "not set"

shown(value) := sprintf("%v", [value]) if value != null

# What the rules need of a flag's value: whether it encrypts, and how to show it. The value itself stays out of
# `volumes`: it can be anything a plan holds, and regorus cannot write every number back out (-1.8e308), which
# failed the whole package.
state(value) := {"encrypted": true, "shown": shown(value)} if encrypted(value)

state(value) := {"encrypted": false, "shown": shown(value)} if not encrypted(value)

# The path, or an object above it, is known only after apply ("*": the whole resource).
unknown(r, path) if {
	some u in object.get(r, "unknown", [])
	u in {"*", path}
}

unknown(r, path) if {
	some u in object.get(r, "unknown", [])
	startswith(path, concat("", [u, "."]))
}

deny contains {"address": r.address, "msg": sprintf("%s is not encrypted (%s is %s)", [v.label, v.path, v.state.shown])} if {
	some v in volumes
	r := input.resources[v.i]
	not unknown(r, v.path)
	not v.state.encrypted
}

warn contains {"address": r.address, "msg": sprintf("%s: %s is known only after apply, so encryption cannot be checked (set it to true)", [v.label, v.path])} if {
	some v in volumes
	r := input.resources[v.i]
	unknown(r, v.path)
}
