"""The Rego input's cost-free part written by a forked child is the same document as the input built in process
(msgspec writes it without json.dumps' spaces); anything off (a failed child, a line for the wrong resource, a
missing line) falls back to building it here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.config import FinguardConfig
from finguard.model import Project
from finguard.policy import engine, rego_prebuild, rego_reads
from finguard.policy.engine import _cost_free_views, _json_number, _number, _rego_fields, _views, rego_input
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import plan_to_project
from tests.plan_builder import PlanBuilder, write_volume_plan

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the prebuild forks (POSIX only)")


def _project() -> Project:
    plan = PlanBuilder(default_tags={"team": "platform"})
    plan.add("aws_instance.web", {"instance_type": "m5.large", "tags": {"env": "prod", "name": "caf\u00e9 \u2603"},
                                  "user_data": "line one\nline two \"quoted\" \\ back"},
             unknown={"id": True, "arn": True})
    plan.add("aws_ebs_volume.data", {"type": "gp2", "size": 100, "encrypted": False, "tags": {}},
             before={"type": "gp2", "size": 50, "encrypted": False, "tags": {}})
    plan.add("aws_instance.gone", None, before={"instance_type": "t2.micro"})  # a delete: not in the input
    plan.add('aws_s3_bucket.logs["eu"]', {"bucket": "logs-eu", "tags": {"\u00e9quipe": "donn\u00e9es"}})
    for i in range(40):
        plan.add(f"aws_instance.fleet[{i}]", {"instance_type": "c5.xlarge", "tags": {"n": str(i)}})
    return plan_to_project(plan.build(), source="hand.json")


def _inputs(catalog: Catalog, prebuild: rego_prebuild.RegoPrebuild | None) -> str:
    project = _project()
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    return rego_input(project, _views(project, after, before), before, after, FinguardConfig(), prebuild)


def _start(project: Project, fields=_rego_fields) -> rego_prebuild.RegoPrebuild:
    started = rego_prebuild.start(project, _cost_free_views, fields, other_threads_ok=True)
    assert started is not None
    return started


def test_prebuilt_input_is_the_same_document(catalog: Catalog) -> None:
    here = _inputs(catalog, None)
    prebuilt = _inputs(catalog, _start(_project()))
    doc = json.loads(prebuilt)
    assert doc == json.loads(here)
    assert '"name":"caf\u00e9 \u2603"' in prebuilt  # UTF-8 as it is, as the evaluator reads it
    assert [r["address"] for r in doc["resources"]][:3] == ["aws_instance.web", "aws_ebs_volume.data",
                                                              'aws_s3_bucket.logs["eu"]']
    assert doc["resources"][0]["tags"]["name"] == "caf\u00e9 \u2603"
    assert doc["resources"][1]["monthly_cost_before"] is not None


def test_a_failed_child_means_building_here(catalog: Catalog) -> None:
    def broken(view):  # raises in the child only after the first resource
        if view.address != "aws_instance.web":
            raise RuntimeError("boom")
        return _rego_fields(view)

    started = _start(_project(), broken)
    assert started.entries([v.address for v in _cost_free_views(_project())]) is None
    assert _inputs(catalog, _start(_project(), broken)) == _inputs(catalog, None)


def test_lines_for_other_resources_are_not_used(catalog: Catalog) -> None:
    project = _project()
    addresses = [v.address for v in _cost_free_views(project)]
    assert _start(project).entries(list(reversed(addresses))) is None
    assert _start(project).entries(addresses[:-1]) is None
    assert _start(project).entries(addresses) is not None


def test_small_projects_and_threads_are_left_to_the_parent() -> None:
    project = _project()
    assert len(project.resources) < engine.PREBUILD_FROM
    assert engine.start_rego_prebuild(project) is None
    import threading

    blocker = threading.Event()
    thread = threading.Thread(target=blocker.wait)
    thread.start()
    try:
        assert rego_prebuild.start(project, _cost_free_views, _rego_fields) is None
    finally:
        blocker.set()
        thread.join()


def test_check_on_a_large_plan_uses_the_child_and_says_the_same(tmp_path: Path) -> None:
    """End to end in a fresh process (no test-runner threads): the prebuild runs, and the findings are those of
    a run that builds the input in process."""
    path = write_volume_plan(tmp_path / "plan.json", engine.PREBUILD_FROM + 20, encrypted_every=3)
    script = (
        "import sys\n"
        "from finguard.policy import engine, rego_prebuild\n"
        "used = []\n"
        "real = rego_prebuild.RegoPrebuild.entries\n"
        "def spy(self, addresses):\n"
        "    got = real(self, addresses)\n"
        "    used.append(got is not None)\n"
        "    return got\n"
        "rego_prebuild.RegoPrebuild.entries = spy\n"
        "speculated = []\n"
        "real_python = engine._speculated_python\n"
        "def python_spy(prebuild, count):\n"
        "    got = real_python(prebuild, count)\n"
        "    speculated.extend(sorted(k[1] for k in got))\n"
        "    return got\n"
        "engine._speculated_python = python_spy\n"
        "if sys.argv[2] == 'off':\n"
        "    engine.PREBUILD_FROM = 10**9\n"
        "from finguard.cli import main\n"
        "import atexit\n"
        "atexit.register(lambda: print('PREBUILD', used, 'PYTHON', speculated, file=sys.stderr))\n"
        "sys.argv = ['finguard', 'check', sys.argv[1], '--format', 'json', '--out', sys.argv[3]]\n"
        "main()\n"
    )
    outputs = {}
    for mode in ("on", "off"):
        out = tmp_path / f"{mode}.json"
        run = subprocess.run([sys.executable, "-c", script, str(path), mode, str(out)], capture_output=True,
                             text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
        assert run.returncode == 1, run.stderr
        assert ("PREBUILD [True]" if mode == "on" else "PREBUILD []") in run.stderr
        if mode == "on":  # the storage pack's Python policies ran in the child; the cost threshold did not
            assert "'FG-STO-001'" in run.stderr and "FG-COST-001" not in run.stderr
        else:
            assert "PYTHON []" in run.stderr
        doc = json.loads(out.read_text())
        outputs[mode] = [(f["policy_id"], f["address"], f["message"]) for f in doc["findings"]]
    assert outputs["on"] == outputs["off"]
    rego_findings = [a for p, a, _ in outputs["on"] if p == "FG-STO-003"]  # the Rego pack's unencrypted volumes
    assert len(rego_findings) == sum(1 for i in range(engine.PREBUILD_FROM + 20) if i % 3 != 0)


@given(st.none() | st.decimals(allow_nan=True, allow_infinity=True)
       | st.floats(allow_nan=True, allow_infinity=True).map(lambda f: Decimal(repr(f)) if f == f else Decimal("NaN")))
def test_cost_figures_are_written_as_json_dumps_writes_them(value: Decimal | None) -> None:
    try:
        expected = json.dumps(_number(value))
    except ValueError:  # a signalling NaN cannot become a float either way
        with pytest.raises(ValueError):
            _json_number(value)
        return
    assert _json_number(value) == expected


def _documented_entry(r) -> dict:
    """The input entry as the README documents it, from the policy view's own properties."""
    return {"address": r.address, "type": r.type, "name": r.name, "provider": r.provider, "region": r.region,
            "module": r.module_address, "action": r.action.value, "tags": r.tags, "taggable": r.is_taggable,
            "attributes": r.attributes, "unknown": r.resource.unknown_after,
            "monthly_cost": _number(r.monthly_cost), "monthly_cost_before": _number(r.monthly_cost_before),
            "monthly_cost_delta": _number(r.monthly_cost_delta), "monthly_cost_list": _number(r.monthly_cost_list),
            "monthly_cost_before_list": _number(r.monthly_cost_before_list),
            "monthly_cost_effective": _number(r.monthly_cost_effective), "rates": r.rates}


@pytest.mark.parametrize("effective", [False, True])
def test_entries_are_json_dumps_of_the_documented_fields(catalog: Catalog, effective: bool) -> None:
    from finguard.policy.api import PolicyResource

    project = _project()
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    by_after = {c.address: c for c in after.resources}
    by_before = {c.address: c for c in before.resources}
    views = [PolicyResource(r, by_after.get(r.address), by_before.get(r.address), effective)
             for r in engine._policy_resources(project)]
    assert any(v.monthly_cost_before is not None for v in views) and any(v.monthly_cost_before is None for v in views)
    text = rego_input(project, views, before, after, FinguardConfig())
    expected = [json.dumps(_documented_entry(v), default=str) for v in views]
    assert text.startswith('{"resources": [' + ", ".join(expected) + "], ")


# -- the speculative input holds only what the built-in packages read (rego_reads.InputReads) ----------------------
def _speculated_findings(project: Project, catalog: Catalog, cut: bool) -> list[tuple]:
    """The findings of run_check with the Rego packs evaluated on the prebuilt entries, cut to what they read
    (`cut`), or evaluated after pricing on the whole input."""
    options = engine.CheckOptions(config=FinguardConfig())
    if cut:
        options.speculative_rego = engine.speculative_rego(options)
        assert options.speculative_rego is not None
        fields = engine._read_fields(options.speculative_rego.reads)
        options.rego_prebuild = rego_prebuild.start(project, _cost_free_views, fields, other_threads_ok=True,
                                                    pruned=True)
        options.rego_speculation = engine.start_rego_speculation(project, options)
        assert options.rego_speculation is not None
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    result = engine.run_check(project, after, before, catalog, options)
    return sorted((f.policy_id, f.address, f.kind.value, f.message) for f in result.findings)


def test_the_cut_entries_hold_the_keys_read_and_nothing_else(catalog: Catalog) -> None:
    project = _project()
    reads = engine.speculative_rego(engine.CheckOptions(config=FinguardConfig())).reads
    entries = _start(project, engine._read_fields(reads)).entries([v.address for v in _cost_free_views(project)])
    web, data = (json.loads(entry + "}") for entry in entries[:2])
    assert set(web) == {"address", "type", "region", "attributes", "unknown"}
    assert web["attributes"] == {}  # an instance without block devices: none of the five keys
    assert data["attributes"] == {"encrypted": False}
    assert next(iter(web)) == "address"  # the parent lines entries up by it


def test_a_cut_prebuild_is_never_the_whole_input(catalog: Catalog) -> None:
    """rego_input (the documented document, for Rego of the user's) builds every field itself rather than take
    entries cut for the built-in packs."""
    reads = rego_reads.InputReads(frozenset({"address"}), frozenset())
    cut = rego_prebuild.start(_project(), _cost_free_views, engine._read_fields(reads), other_threads_ok=True,
                              pruned=True)
    assert json.loads(_inputs(catalog, cut)) == json.loads(_inputs(catalog, None))


def test_user_rego_is_evaluated_on_the_whole_input(tmp_path: Path) -> None:
    (tmp_path / "mine.rego").write_text("package mine\n\nimport rego.v1\n\ndeny contains \"x\" if { false }\n")
    options = engine.CheckOptions(config=FinguardConfig(), rego_dirs=[tmp_path])
    assert engine.speculative_rego(options) is None
    assert engine.speculative_rego(engine.CheckOptions(config=FinguardConfig(), use_builtin=False)) is None


_ATTRIBUTE_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=8)
    | st.sampled_from(["true", "false", "/dev/sda1", "gp2"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["encrypted", "device_name", "ebs", "volume_size", "x"]), inner, max_size=3),
    max_leaves=10)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(
    st.sampled_from(["aws_instance", "aws_ebs_volume", "aws_db_instance", "aws_launch_template",
                     "aws_launch_configuration", "aws_s3_bucket"]),
    st.dictionaries(st.sampled_from(["encrypted", "storage_encrypted", "root_block_device", "ebs_block_device",
                                     "block_device_mappings", "size", "instance_type", "kms_key_id"]),
                    _ATTRIBUTE_VALUES, max_size=4),
    st.booleans()), min_size=1, max_size=10))
def test_the_cut_input_finds_what_the_whole_input_finds(resources: list) -> None:
    """Whatever the attributes hold (blocks that are numbers, nested nulls, unknown flags), the built-in packs
    find the same on entries cut to what they read as on the whole input."""
    catalog = Catalog.open_default()
    plan = PlanBuilder()
    for i, (kind, attributes, unknown) in enumerate(resources):
        plan.add(f"{kind}.r{i}", attributes, unknown={"encrypted": True} if unknown else None)
    project = plan_to_project(plan.build(), source="hypothesis.json")
    assert _speculated_findings(project, catalog, cut=True) == _speculated_findings(project, catalog, cut=False)


def test_the_cut_entries_name_the_same_fields_as_the_whole_ones() -> None:
    """_read_fields picks from the same fields, in the same order, as _rego_fields writes, and the analysis knows
    exactly those as cost-free: a field added to one and not the others would be lost from the cut input."""
    view = _cost_free_views(_project())[0]
    everything = rego_reads.InputReads(rego_reads.COST_FREE_RESOURCE_FIELDS, None)
    assert list(engine._read_fields(everything)(view)) == list(_rego_fields(view))
    assert engine._read_fields(everything)(view) == _rego_fields(view)
    assert set(_rego_fields(view)) == rego_reads.COST_FREE_RESOURCE_FIELDS
