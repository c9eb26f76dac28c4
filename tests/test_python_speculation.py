"""Built-in Python policies run by the prebuild child on cost-free views: what they find is what running them after
pricing finds, a policy that asks for a cost is left to the parent, and anything off means running them all here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finguard.config import FinguardConfig
from finguard.model import Project
from finguard.policy import engine, python_speculation, rego_prebuild
from finguard.policy.engine import CheckOptions, _cost_free_views, _rego_fields, run_check
from finguard.policy.python_speculation import CostFreeResource, NeedsCost, read_outcomes
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import plan_to_project
from tests.plan_builder import PlanBuilder

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the prebuild forks (POSIX only)")


def _project() -> Project:
    """Something for every built-in pack to say: missing and bad tags, gp2 and io1 volumes, an unencrypted one,
    previous-generation and x86 instances, one above the cost threshold, and a delete (not judged)."""
    plan = PlanBuilder()
    plan.add("aws_instance.big", {"instance_type": "p3.8xlarge", "tags": {"team": "ml", "env": "prod"}})
    plan.add("aws_instance.old", {"instance_type": "m4.large", "tags": {"team": "a", "env": "qa",
                                                                         "cost-center": "CC-12"}})
    plan.add("aws_instance.gone", None, before={"instance_type": "t2.micro"})
    for i in range(30):
        plan.add(f"aws_ebs_volume.v[{i}]", {"type": ["gp2", "io1", "gp3"][i % 3], "size": 100 + i, "iops": 3000,
                                            "encrypted": i % 2 == 0,
                                            "tags": {"team": "data", "env": "dev", "cost-center": "CC-1234"}})
        plan.add(f"aws_instance.fleet[{i}]", {"instance_type": ["m5.large", "c5.xlarge", "t3.micro"][i % 3],
                                              "tags": {"team": "web"} if i % 4 else {}})
    return plan_to_project(plan.build(), source="hand.json")


def _options(prebuild: rego_prebuild.RegoPrebuild | None = None, config: FinguardConfig | None = None
             ) -> CheckOptions:
    return CheckOptions(config=config or FinguardConfig(), rego_prebuild=prebuild)


def _start(project: Project, catalog: Catalog, options: CheckOptions, then=None) -> rego_prebuild.RegoPrebuild:
    if then is None:
        then = python_speculation.child_run(options.config, catalog.path, engine.builtin_python_dirs(options))
    started = rego_prebuild.start(project, _cost_free_views, _rego_fields, then=then, other_threads_ok=True)
    assert started is not None
    return started


def _check(project: Project, catalog: Catalog, options: CheckOptions) -> tuple[list, list]:
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    result = run_check(project, after, before, catalog, options)
    findings = [(f.policy_id, f.address, f.resource_type, f.kind, f.severity, f.message, f.monthly_cost_delta)
                for f in result.findings]
    return findings, result.evaluated


def test_the_child_finds_what_running_the_policies_here_finds(catalog: Catalog) -> None:
    project = _project()
    here = _check(project, catalog, _options())
    options = _options()
    prebuild = _start(project, catalog, options)
    outcomes = read_outcomes(prebuild.after(), len(engine._policy_resources(project)))
    ran_in_child = {policy_id for _, policy_id in outcomes}
    # tagging, storage and compute read no cost; the cost threshold does, and the project policies need totals
    assert {"FG-TAG-001", "FG-STO-001", "FG-STO-002", "FG-CMP-001", "FG-CMP-004"} <= ran_in_child
    assert not ran_in_child & {"FG-COST-001", "FG-COST-002", "FG-COST-003"}
    assert any(o.hits for o in outcomes.values())

    prebuild = _start(project, catalog, options)
    speculated = _check(project, catalog, _options(prebuild))
    assert speculated == here
    policies_found = {f[0] for f in here[0]}
    assert {"FG-COST-001", "FG-TAG-001", "FG-STO-001", "FG-CMP-003"} <= policies_found  # a comparison of substance


def test_settings_and_disabled_policies_are_the_parents(catalog: Catalog) -> None:
    config = FinguardConfig.model_validate({
        "taxonomy": {"required_tags": ["owner"]},
        "policies": {"disable": ["FG-TAG-002"], "severity": {"FG-TAG-001": "critical"}},
    })
    project = _project()
    here = _check(project, catalog, _options(config=config))
    speculated = _check(project, catalog, _options(_start(project, catalog, _options(config=config)), config))
    assert speculated == here
    assert any(f[0] == "FG-TAG-001" and "owner" in f[5] and f[4].value == "critical" for f in here[0])
    assert not any(f[0] == "FG-TAG-002" for f in here[0])


def test_a_policy_that_raises_is_reported_the_same_way(catalog: Catalog, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A built-in policy that raises halfway: the findings before it, the resources it checked up to and with the
    one it raised on, and the error finding are the same from the child."""
    from finguard.policy import python as python_loader

    real_load = python_loader.load_python_policies

    def with_a_bug(directories):
        loaded = real_load(directories)
        for pol in loaded.policies:
            if pol.meta.id == "FG-TAG-001":
                original = pol.check

                def buggy(resource, ctx, original=original):
                    if resource.address == "aws_instance.fleet[7]":
                        raise KeyError("surprise")
                    return original(resource, ctx)

                pol.check = buggy
        return loaded

    monkeypatch.setattr(python_loader, "load_python_policies", with_a_bug)
    monkeypatch.setattr(engine, "load_python_policies", with_a_bug)
    project = _project()
    here = _check(project, catalog, _options())
    speculated = _check(project, catalog, _options(_start(project, catalog, _options())))
    assert speculated == here
    errors = [f for f in here[0] if f[0] == "FG-TAG-001" and f[3].value == "error"]
    assert len(errors) == 1 and "policy raised on aws_instance.fleet[7]: KeyError: 'surprise'" in errors[0][5]
    checked = [a for p, a in here[1] if p == "FG-TAG-001"]
    assert checked[-1] == "aws_instance.fleet[7]"


def test_cost_free_views_refuse_every_cost() -> None:
    view = CostFreeResource(_project().resources[0])
    for name in ("cost", "cost_before", "effective", "monthly_cost", "monthly_cost_before", "monthly_cost_delta",
                 "monthly_cost_list", "monthly_cost_before_list", "monthly_cost_effective", "rates"):
        with pytest.raises(NeedsCost):
            getattr(view, name)
    try:  # a policy's own `except Exception` does not swallow it
        try:
            view.monthly_cost  # noqa: B018
        except Exception:
            pytest.fail("NeedsCost was caught as an Exception")
    except NeedsCost:
        pass
    assert view.address == "aws_instance.big" and view.tags == {"team": "ml", "env": "prod"}
    assert view.attr("instance_type") == "p3.8xlarge" and view.is_taggable
    with pytest.raises(AttributeError, match="read-only"):
        view.cost = None


def test_a_failed_child_part_leaves_every_policy_to_the_parent(catalog: Catalog) -> None:
    """`then` failing after the entries: the entries are still used, the policies all run here."""
    project = _project()
    addresses = [v.address for v in _cost_free_views(project)]

    def broken(views):
        raise RuntimeError("boom")

    prebuild = _start(project, catalog, _options(), then=broken)
    assert prebuild.entries(addresses) is not None
    assert prebuild.after() is None
    assert _check(project, catalog, _options(_start(project, catalog, _options(), then=broken))) == \
        _check(project, catalog, _options())


def test_outcomes_that_do_not_line_up_are_not_used(catalog: Catalog) -> None:
    project = _project()
    count = len(engine._policy_resources(project))
    data = _start(project, catalog, _options()).after()
    assert read_outcomes(data, count)
    assert read_outcomes(data, count + 1) == {}
    assert read_outcomes(b"not a pickle", count) == {}
    assert read_outcomes(None, count) == {}


def test_user_policies_are_never_run_in_the_child(tmp_path: Path, catalog: Catalog) -> None:
    trusted = tmp_path / "mine"
    trusted.mkdir()
    (trusted / "no_m5.py").write_text(
        "from finguard.policy.api import policy\n"
        "@policy(id='ACME-001', title='no m5', severity='high', resource_types=['aws_instance'])\n"
        "def no_m5(resource, ctx):\n"
        "    if str(resource.attr('instance_type', '')).startswith('m5.'):\n"
        "        return 'no m5'\n")
    (tmp_path / "finguard.yml").write_text("policies:\n  trusted_dirs: [mine]\n")
    from finguard.config import load_config

    options = _options(config=load_config(tmp_path / "finguard.yml"))
    directories = engine.builtin_python_dirs(options)
    assert [d for d, _ in engine._policy_dirs(options)[0]][-1] == trusted.resolve()
    assert directories and trusted.resolve() not in [d for d, _ in directories]
    project = _project()
    then = python_speculation.child_run(options.config, catalog.path, directories)
    outcomes = read_outcomes(_start(project, catalog, options, then).after(), len(engine._policy_resources(project)))
    assert outcomes and "ACME-001" not in {policy_id for _, policy_id in outcomes}
    options.rego_prebuild = _start(project, catalog, options, then)
    findings, _ = _check(project, catalog, options)
    assert len([f for f in findings if f[0] == "ACME-001"]) == 10  # fleet[0], [3], ...: run here


def test_what_no_step_takes_is_let_go(catalog: Catalog) -> None:
    project = _project()
    prebuild = _start(project, catalog, _options())
    entries_fd = prebuild._fd
    assert prebuild.after() is not None
    os.fstat(entries_fd)  # still open: nobody took the entries
    prebuild.close()
    prebuild.close()  # twice is fine
    assert (prebuild._fd, prebuild._ready, prebuild._after_fd) == (-1, -1, -1)
    assert prebuild.entries([v.address for v in _cost_free_views(project)]) is None


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.sampled_from(["gp2", "io1", "m4.large", "t2.micro", "c5.xlarge", "true", "false"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
_KEYS = st.sampled_from(["instance_type", "type", "encrypted", "size", "iops", "root_block_device",
                         "ebs_block_device", "block_device_mappings", "storage_encrypted", "instance_class",
                         "instance_types", "tag", "tag_specifications", "mixed_instances_policy", "ami_type"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["aws_instance", "aws_ebs_volume", "aws_db_instance",
                                           "aws_launch_template", "aws_autoscaling_group", "aws_eks_node_group"]),
                          st.dictionaries(_KEYS, _VALUES, max_size=4),
                          st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3)),
                min_size=1, max_size=12))
@example([("aws_launch_template", {"tag_specifications": 5, "instance_type": "m5.4xlarge"}, {}),
          ("aws_autoscaling_group", {"tag": -3}, {"env": "dev"})])  # FG-CMP-002 iterated a number
@example([("aws_ebs_volume", {"encrypted": {"x": {"": -1.7976931348623157e308}}}, {}),  # regorus cannot write it
          ("aws_instance", {"ebs_block_device": [5, None, []], "root_block_device": 7}, {})])  # FG-STO-003 failed
def test_hostile_attribute_values_find_the_same_either_way(resources: list) -> None:
    """Whatever values the attributes and tags hold, no built-in policy fails on them, and the child's Python
    outcomes and Rego entries give the findings and the input document that running everything here gives."""
    catalog = Catalog.open_default()
    plan = PlanBuilder()
    for i, (kind, attributes, tags) in enumerate(resources):
        plan.add(f"{kind}.r{i}", {**attributes, "tags": tags})
    project = plan_to_project(plan.build(), source="hypothesis.json")
    here = _check(project, catalog, _options())
    assert not [f for f in here[0] if f[3].value == "error"]
    assert _check(project, catalog, _options(_start(project, catalog, _options()))) == here
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    views = engine._views(project, after, before)
    prebuilt = engine.rego_input(project, views, before, after, FinguardConfig(),
                                 _start(project, catalog, _options()))
    assert json.loads(prebuilt) == json.loads(engine.rego_input(project, views, before, after, FinguardConfig()))
