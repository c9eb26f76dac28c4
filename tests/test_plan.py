"""Plan JSON -> Project: the real plan corpus, hand-written edge cases, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.model import Action
from finguard.terraform.plan import parse_plan, plan_to_project

from .conftest import SHARED, needs_shared

CORPUS = sorted((SHARED / "plans").glob("*/*.json")) if SHARED.is_dir() else []
INVALID = {"invalid__plan.json"}


def _expected_addresses(raw: dict) -> set[str]:
    """Every resource instance address the document itself lists, found independently of the parser."""
    found = set()
    for rc in raw.get("resource_changes", []):
        found.add(rc["address"] if "deposed" not in rc else f"{rc['address']} (deposed {rc['deposed']})")

    def walk(module: dict) -> None:
        for res in module.get("resources", []):
            found.add(res["address"])
        for child in module.get("child_modules", []):
            walk(child)

    for key in ("planned_values", "values"):
        if isinstance(raw.get(key), dict):
            walk(raw[key].get("root_module", {}))
    if isinstance(raw.get("prior_state"), dict):
        walk(raw["prior_state"].get("values", {}).get("root_module", {}))
    return found


@needs_shared
@pytest.mark.parametrize("path", [p for p in CORPUS if p.name not in INVALID], ids=lambda p: p.name)
def test_every_real_plan_parses_with_the_right_resources(path: Path) -> None:
    raw = json.loads(path.read_text())
    project = plan_to_project(raw, source=str(path))
    addresses = [r.address for r in project.resources]
    assert len(addresses) == len(set(addresses)), "duplicate resource addresses"
    assert set(addresses) == _expected_addresses(raw)
    managed_changes = [rc for rc in raw.get("resource_changes", []) if rc["mode"] == "managed"]
    assert len([r for r in project.resources if not r.is_data]) >= len(managed_changes)


@needs_shared
def test_the_intentionally_invalid_plan_is_a_clear_error() -> None:
    path = SHARED / "plans" / "terraform-json" / "invalid__plan.json"
    with pytest.raises(InputError) as err:
        parse_plan(path.read_text(), source=str(path))
    assert "invalid__plan.json" in str(err.value)
    assert "line 676, column 29" in str(err.value)


@needs_shared
def test_actions_and_module_addresses_from_real_plans() -> None:
    actions = set()
    for path in CORPUS:
        if path.name not in INVALID:
            actions |= {r.action for r in plan_to_project(json.loads(path.read_text())).resources}
    assert {Action.NO_OP, Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE, Action.REPLACE} <= actions
    deep = plan_to_project(json.loads((SHARED / "plans/terraform-json/deep_module__plan.json").read_text()))
    nested = [r for r in deep.resources if r.module_address and r.module_address.count("module.") >= 2]
    assert nested, "deep module plan should have resources two modules down"
    for r in nested:
        assert r.address.startswith(r.module_address + ".")


def _plan(**extra: object) -> dict:
    base = {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
            "resource_changes": [], "configuration": {}}
    base.update(extra)
    return base


def _change(address: str, actions: list[str], before: object, after: object, **kw: object) -> dict:
    type_, name = address.split(".")[-2:]
    return {"address": address, "mode": "managed", "type": type_, "name": name.split("[")[0],
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": kw.get("after_unknown", {})}, **{k: v for k, v in kw.items()
                                                                        if k != "after_unknown"}}


def test_every_action_list_is_normalised() -> None:
    cases = {("no-op",): Action.NO_OP, ("create",): Action.CREATE, ("read",): Action.READ,
             ("update",): Action.UPDATE, ("delete",): Action.DELETE, ("delete", "create"): Action.REPLACE,
             ("create", "delete"): Action.REPLACE}
    changes = [_change(f"aws_instance.r{i}", list(k), {"a": 1}, {"a": 2}) for i, k in enumerate(cases)]
    project = plan_to_project(_plan(resource_changes=changes))
    assert [r.action for r in project.resources] == list(cases.values())


def test_region_from_variable_alias_and_default_tags_merged_into_tags_all() -> None:
    config = {
        "provider_config": {
            "aws": {"name": "aws", "expressions": {
                "region": {"references": ["var.region"]},
                "default_tags": [{"tags": {"constant_value": {"team": "web", "env": "prod"}}}]}},
            "aws.use1": {"name": "aws", "alias": "use1",
                         "expressions": {"region": {"constant_value": "us-east-1"}}},
        },
        "root_module": {
            "resources": [
                {"address": "aws_instance.a", "provider_config_key": "aws"},
                {"address": "aws_instance.b", "provider_config_key": "aws.use1"},
            ],
            "module_calls": {"app": {"module": {"resources": [
                {"address": "aws_instance.c", "provider_config_key": "app:aws"}]}}},
        },
    }
    changes = [
        _change("aws_instance.a", ["create"], None, {"tags": {"env": "dev", "name": "a"}},
                after_unknown={"tags_all": True}),
        _change("aws_instance.b", ["create"], None, {"tags": None}),
        _change("module.app.aws_instance.c[0]", ["create"], None,
                {"tags": {"x": "1"}, "tags_all": {"x": "1", "team": "web", "env": "prod"}},
                module_address="module.app", index=0),
    ]
    project = plan_to_project(_plan(resource_changes=changes, configuration=config,
                                    variables={"region": {"value": "eu-west-2"}}))
    a, b, c = project.resources
    assert a.region == "eu-west-2"
    assert a.tags_after == {"team": "web", "env": "dev", "name": "a"}  # resource tags win over defaults
    assert b.region == "us-east-1"
    assert b.tags_after == {}  # an aliased provider block is its own configuration: no inherited default_tags
    assert c.region == "eu-west-2" and c.module_address == "module.app" and c.index == 0
    assert c.tags_after == {"x": "1", "team": "web", "env": "prod"}


def test_unknown_values_are_recorded_by_path() -> None:
    change = _change("aws_ebs_volume.data", ["create"], None, {"type": "gp3"},
                     after_unknown={"size": True, "id": True, "tags": {"a": True}, "x": [False, {"y": True}]})
    resource = plan_to_project(_plan(resource_changes=[change])).resources[0]
    assert resource.unknown_after == ["id", "size", "tags.a", "x.1.y"]


def test_region_from_availability_zone_and_default_region() -> None:
    changes = [_change("aws_ebs_volume.a", ["create"], None, {"availability_zone": "us-west-2a"}),
               _change("aws_ebs_volume.b", ["create"], None, {"size": 1})]
    project = plan_to_project(_plan(resource_changes=changes), default_region="eu-central-1")
    assert [r.region for r in project.resources] == ["us-west-2", "eu-central-1"]
    assert "default region eu-central-1" in project.warnings[0]
    assert plan_to_project(_plan(resource_changes=changes)).resources[1].region is None


def test_data_sources_and_planned_only_resources() -> None:
    planned = {"root_module": {"resources": [
        {"address": "data.aws_region.current", "mode": "data", "type": "aws_region", "name": "current",
         "provider_name": "aws", "values": {"name": "us-east-1"}},
        {"address": "aws_instance.old_format", "mode": "managed", "type": "aws_instance", "name": "old_format",
         "provider_name": "aws", "values": {"instance_type": "t3.micro"}},
    ]}}
    project = plan_to_project(_plan(planned_values=planned))
    data, managed = project.resources
    assert data.is_data and data.action is Action.READ
    assert managed.action is Action.CREATE and managed.after == {"instance_type": "t3.micro"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format_version": "1.2", "planned_values": {', "not valid JSON"),
        ("[1, 2]", "top level is a JSON list"),
        ('{"version": 4, "terraform_version": "1.9.0", "resources": []}', "Terraform state file"),
        ('{"format_version": "2.0", "planned_values": {}}', "unsupported plan format_version '2.0'"),
        ('{"format_version": "1.2", "outputs": {}}', "neither planned_values nor resource_changes"),
        ('{"format_version": "1.2", "resource_changes": [{"address": "x"}]}',
         "$.resource_changes[0].type: Field required"),
        ('{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", "name": "b", '
         '"change": {"actions": ["explode"]}}]}', "unknown Terraform action list"),
    ],
)
def test_bad_input_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_plan(text, source="bad.json")
    assert message in str(err.value)
    assert str(err.value).startswith("bad.json: ")


def test_truncated_file_says_where_and_why() -> None:
    with pytest.raises(InputError) as err:
        parse_plan('{\n  "format_version": "1.2",\n  "planned_values": {"root', source="cut.json")
    assert "line 3" in str(err.value) and "truncated" in str(err.value)


def test_unknowns_the_configuration_does_not_set_are_provider_computed() -> None:
    config = {"root_module": {"resources": [{
        "address": "aws_instance.web", "provider_config_key": "aws",
        "expressions": {"instance_type": {"references": ["var.size"]},
                        "root_block_device": [{"volume_size": {"constant_value": 20}}]}}]}}
    change = _change("aws_instance.web", ["create"], None, {"root_block_device": [{"volume_size": 20}]},
                     after_unknown={"id": True, "instance_type": True, "tags_all": True,
                                    "root_block_device": [{"iops": True, "volume_type": True}]})
    resource = plan_to_project(_plan(resource_changes=[change], configuration=config)).resources[0]
    assert resource.unknown_after == ["instance_type"]
    assert resource.computed_after == ["id", "root_block_device.0.iops", "root_block_device.0.volume_type",
                                       "tags_all"]


@pytest.mark.parametrize("name", ["minimal_create", "format_0_1", "unknown_values", "regions_aliases", "all_actions"])
def test_hand_written_fixture_plans(name: str) -> None:
    from .conftest import FIXTURES

    project = plan_to_project(json.loads((FIXTURES / "plans" / f"{name}.json").read_text()))
    assert project.resources
    if name == "regions_aliases":
        regions = sorted(r.region for r in project.resources if not r.is_data)
        assert regions == ["eu-west-2"] * 3 + ["us-east-1"] * 3
    if name == "all_actions":
        assert {r.action for r in project.resources} == set(Action)


@pytest.mark.parametrize(("name", "message"), [("unsupported_format", "unsupported plan format_version"),
                                               ("not_a_plan", "Terraform state file"),
                                               ("truncated", "truncated?")])
def test_hand_written_bad_fixtures(name: str, message: str) -> None:
    from finguard.terraform.plan import load_plan

    from .conftest import FIXTURES

    with pytest.raises(InputError, match=message.replace("?", r"\?")):
        load_plan(FIXTURES / "plans" / f"{name}.json")


def test_a_resource_holds_the_readers_containers_without_copying_them() -> None:
    """Resource does not validate its containers again (the reader built them from a checked document): copying
    each attribute dict was half of building a resource. The reader still gives tags as text."""
    from finguard.model import Resource

    after = {"instance_type": "m5.large", "tags": {"n": 1, "empty": None}}
    resource = Resource(address="aws_instance.a", type="aws_instance", name="a", after=after)
    assert resource.after is after
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "aws_instance.a", "type": "aws_instance", "name": "a", "mode": "managed",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}]}
    read = plan_to_project(plan, source="hand.json").resources[0]
    assert read.after is after and read.tags_after == {"n": "1", "empty": ""}


def test_state_values_are_checked_as_objects_without_copying() -> None:
    """planned_values/prior_state hold every resource's values again: they are checked to be JSON objects (or
    null), with the usual message and path otherwise, and kept as they are."""
    values = {"instance_type": "m5.large"}
    doc = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_instance.a", "type": "aws_instance", "name": "a", "values": values}]}}}
    assert plan_to_project(doc, source="hand.json").resources[0].after is values
    for bad in ([1], "x", 5, True, 1.5):
        doc["planned_values"]["root_module"]["resources"][0]["values"] = bad
        where = r"\$\.planned_values\.root_module\.resources\[0\]\.values"
        with pytest.raises(InputError, match=rf"invalid plan at {where}: Input should be a valid dictionary"):
            plan_to_project(doc, source="hand.json")


def test_state_copies_of_listed_instances_are_not_read_and_others_are_checked_where_they_are() -> None:
    """resource_changes is what the reader uses; planned_values/prior_state repeat its instances, and those copies
    are neither read nor checked. An instance listed only there is checked, and an error names its path in the
    module tree."""
    change = {"address": "aws_instance.a", "type": "aws_instance", "name": "a",
              "change": {"actions": ["create"], "before": None, "after": {"instance_type": "m5.large"}}}
    doc = {"format_version": "1.2", "resource_changes": [change], "planned_values": {"root_module": {
        "resources": [{"address": "aws_instance.a", "type": 5, "values": "not an object"}],
        "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
             "values": {"bucket": "x"}}]}]}}}
    project = plan_to_project(doc, source="hand.json")
    assert [(r.address, r.action.value) for r in project.resources] == [("aws_instance.a", "create"),
                                                                         ("module.m.aws_s3_bucket.b", "create")]
    assert project.resources[0].after == {"instance_type": "m5.large"}
    doc["planned_values"]["root_module"]["child_modules"][0]["resources"][0]["name"] = ["b"]
    where = r"\$\.planned_values\.root_module\.child_modules\[0\]\.resources\[0\]\.name"
    with pytest.raises(InputError, match=rf"invalid plan at {where}: Input should be a valid string"):
        plan_to_project(doc, source="hand.json")
    doc["planned_values"]["root_module"]["resources"] = [7]
    with pytest.raises(InputError, match=r"invalid plan at \$\.planned_values\.root_module\.resources\[0\]: "
                                         r"Input should be a valid dictionary"):
        plan_to_project(doc, source="hand.json")
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [{"address": "x.y", "type": "x"}]}}}
    with pytest.raises(InputError, match=r"invalid plan at \$\.values\.root_module\.resources\[0\]\.name: Field "
                                         r"required"):
        plan_to_project(state, source="state.json")
