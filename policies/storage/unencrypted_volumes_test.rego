package finguard.storage.unencrypted_volumes_test

import rego.v1

import data.finguard.storage.unencrypted_volumes as policy

resource(type, attributes, unknown) := {"address": sprintf("%s.x", [type]), "type": type, "attributes": attributes, "unknown": unknown}

deny_of(r) := found if {
	found := policy.deny with input as {"resources": [r]}
}

warn_of(r) := found if {
	found := policy.warn with input as {"resources": [r]}
}

launch_template(encrypted) := resource("aws_launch_template", {"block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"encrypted": encrypted}]}]}, [])

test_ebs_volume_without_encrypted_denied if {
	r := resource("aws_ebs_volume", {"size": 10}, [])
	deny_of(r) == {{"address": "aws_ebs_volume.x", "msg": "volume is not encrypted (encrypted is not set)"}}
}

test_ebs_volume_null_encrypted_denied if {
	count(deny_of(resource("aws_ebs_volume", {"encrypted": null}, []))) == 1
}

test_ebs_volume_encrypted_passes if {
	count(deny_of(resource("aws_ebs_volume", {"encrypted": true}, []))) == 0
}

test_ebs_volume_unknown_warns_not_denies if {
	r := resource("aws_ebs_volume", {"size": 10}, ["encrypted"])
	count(deny_of(r)) == 0
	count(warn_of(r)) == 1
}

test_everything_unknown_warns if {
	r := resource("aws_ebs_volume", {}, ["*"])
	count(deny_of(r)) == 0
	count(warn_of(r)) == 1
}

test_instance_block_devices if {
	r := resource("aws_instance", {
		"root_block_device": [{"encrypted": true}],
		"ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}, {"device_name": "/dev/sdg"}],
	}, [])
	deny_of(r) == {
		{"address": "aws_instance.x", "msg": "ebs_block_device[0] (/dev/sdf) is not encrypted (ebs_block_device.0.encrypted is false)"},
		{"address": "aws_instance.x", "msg": "ebs_block_device[1] (/dev/sdg) is not encrypted (ebs_block_device.1.encrypted is not set)"},
	}
}

test_instance_without_block_devices_passes if {
	count(deny_of(resource("aws_instance", {"instance_type": "t3.micro"}, []))) == 0
}

test_instance_unknown_block_warns if {
	r := resource("aws_instance", {"root_block_device": [{}]}, ["root_block_device.0"])
	count(deny_of(r)) == 0
	warn_of(r) == {{"address": "aws_instance.x", "msg": "root_block_device: root_block_device.0.encrypted is known only after apply, so encryption cannot be checked (set it to true)"}}
}

test_unknown_sibling_path_does_not_hide_a_denial if {
	r := resource("aws_instance", {"root_block_device": [{"encrypted": false}]}, ["root_block_device.0.encrypted_extra"])
	count(deny_of(r)) == 1
}

test_launch_configuration_block_devices if {
	count(deny_of(resource("aws_launch_configuration", {"root_block_device": [{"encrypted": false}]}, []))) == 1
}

test_db_instance if {
	count(deny_of(resource("aws_db_instance", {"storage_encrypted": false}, []))) == 1
	count(deny_of(resource("aws_db_instance", {}, []))) == 1
	count(deny_of(resource("aws_db_instance", {"storage_encrypted": true}, []))) == 0
	count(warn_of(resource("aws_db_instance", {}, ["storage_encrypted"]))) == 1
}

test_launch_template_string_and_bool if {
	count(deny_of(launch_template("true"))) == 0
	count(deny_of(launch_template(true))) == 0
	count(deny_of(launch_template("false"))) == 1
	count(deny_of(launch_template(""))) == 1
}

test_launch_template_mapping_without_ebs_passes if {
	r := resource("aws_launch_template", {"block_device_mappings": [{"device_name": "/dev/xvdb", "no_device": "true"}]}, [])
	count(deny_of(r)) == 0
}

test_other_types_ignored if {
	count(deny_of(resource("aws_s3_bucket", {"encrypted": false}, []))) == 0
}

test_metadata if {
	policy.metadata.id == "FG-STO-003"
	policy.metadata.severity == "high"
}

# A malformed plan (blocks that are not objects, a block attribute that is not a list) must not break the policy:
# such a block counts as unencrypted, a non-list attribute as no blocks.
test_malformed_blocks_are_judged_not_fatal if {
	r := resource("aws_instance", {
		"root_block_device": 5,
		"ebs_block_device": [null, [], 7, {"device_name": 3, "encrypted": true}],
	}, [])
	deny_of(r) == {
		{"address": "aws_instance.x", "msg": "ebs_block_device[0] is not encrypted (ebs_block_device.0.encrypted is not set)"},
		{"address": "aws_instance.x", "msg": "ebs_block_device[1] is not encrypted (ebs_block_device.1.encrypted is not set)"},
		{"address": "aws_instance.x", "msg": "ebs_block_device[2] is not encrypted (ebs_block_device.2.encrypted is not set)"},
	}
	lt := resource("aws_launch_template", {"block_device_mappings": [1, {"ebs": 2}, {"ebs": [3]}, {"ebs": [{"encrypted": "true"}]}]}, [])
	deny_of(lt) == {{"address": "aws_launch_template.x", "msg": "block_device_mappings[2] is not encrypted (block_device_mappings.2.ebs.0.encrypted is not set)"}}
	count(deny_of(resource("aws_launch_template", {"block_device_mappings": "x"}, []))) == 0
}
