"""Hostile Terraform plan JSON (issue 17): no crash, no hang, no silent acceptance, no invalid output.

A malformed document (too deep, not JSON, not Unicode, not a regular file, too large) exits 2 with one line
naming the file and where. A semantically bad value in one resource (a size that is text, NaN, Infinity,
negative or absurdly large) makes that resource incomplete, with a reason naming the attribute, and the rest
of the plan is priced: never a crash, never negative or non-finite money, never invalid JSON.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from finguard.errors import DEFAULT_MAX_INPUT_BYTES, InputError, read_text
from finguard.report.json_format import dumps
from finguard.terraform.plan import MAX_NESTING_DEPTH

from .conftest import REPO
from .fuzzing import fuzz, fuzz_settings
from .plan_builder import PlanBuilder
from .test_cli import run


def _strict_json(text: str) -> Any:
    """Parse as strict JSON: NaN/Infinity (which Python's json accepts) fail the test."""
    def constant(name: str) -> Any:
        raise AssertionError(f"output is not valid JSON: {name}")
    return json.loads(text, parse_constant=constant)


def _one_error_line(err: str, path: Path) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("finguard: error: ") and str(path) in lines[0], err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def _assert_money(doc: Any) -> None:
    """Every number under a key naming a cost, quantity or price, anywhere in an output document, is finite
    and >= 0 (only a delta, for a cost that goes away, may be negative)."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, int | float) and not isinstance(value, bool) and (
                        "cost" in key or "quantity" in key or "price" in key):
                    assert math.isfinite(value), (key, node)
                    assert value >= 0 or "delta" in key, (key, node)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _write_plan(tmp_path: Path, *resources: tuple[str, dict[str, Any]], name: str = "plan.json") -> Path:
    builder = PlanBuilder(default_tags={"team": "web", "env": "dev", "cost-center": "CC-1"})
    builder.add("aws_nat_gateway.ok", {"connectivity_type": "public"})  # the rest of the plan, still priced
    for address, after in resources:
        builder.add(address, after)
    path = tmp_path / name
    path.write_text(json.dumps(builder.build()), encoding="utf-8")
    return path


def _breakdown(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "breakdown", str(path), "--format", "json")
    assert "Traceback" not in err and "internal error" not in err, err
    return code, (_strict_json(out) if code != 2 else {}), err


def _resource(doc: dict[str, Any], address: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r["address"] == address)


# -- the document: nesting, special files, size, Unicode ---------------------------------------------------
def test_json_nested_10000_deep_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format_version": "1.2", "resource_changes": [], "x": ' + "[" * 10_000 + "]" * 10_000 + "}")
    code, out, err = run(capsys, "breakdown", str(path))
    assert code == 2 and out == ""
    assert f"nested more than {MAX_NESTING_DEPTH} levels deep" in _one_error_line(err, path)


def test_json_nested_just_past_the_limit_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nested: Any = 1
    for _ in range(MAX_NESTING_DEPTH):  # with the document itself: one level past the limit
        nested = {"a": nested}
    doc = PlanBuilder().add("aws_ebs_volume.v", {"type": "gp3", "size": 5}).build()
    doc["variables"] = {"v": {"value": nested}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "breakdown", str(path))
    assert code == 2 and "nested more than 512 levels deep" in _one_error_line(err, path)


def test_a_plan_nested_near_the_limit_is_still_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Deep but within the limit, in values, unknowns and configuration: read and priced, no RecursionError."""
    def deep(n: int, leaf: Any) -> Any:
        for _ in range(n):
            leaf = {"a": leaf}
        return leaf
    builder = PlanBuilder().add("aws_ebs_volume.v", {"type": "gp3", "size": 5, "x": deep(495, 1)},
                                unknown={"x": deep(495, True)})
    doc = builder.build()
    doc["configuration"]["root_module"]["resources"][0]["expressions"] = {"x": deep(495, {"constant_value": 1})}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    for command in ("breakdown", "diff", "check"):
        code, out, err = run(capsys, command, str(path), "--format", "json")
        assert code in (0, 1), err
        assert "internal error" not in err
        _strict_json(out)


def test_dev_zero_as_a_plan_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "breakdown", "/dev/zero")
    assert code == 2 and "not a regular file (a device)" in _one_error_line(err, Path("/dev/zero"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_as_a_plan_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for command in ("breakdown", "check"):  # diff reads the plan through the same loader
        proc = subprocess.run([sys.executable, "-m", "finguard", command, str(fifo)], env=env, capture_output=True,
                              text=True, timeout=60, check=False)  # opening the FIFO would block forever
        assert proc.returncode == 2 and proc.stdout == ""
        assert "not a regular file (a FIFO)" in _one_error_line(proc.stderr, fifo)


def test_special_files_named_tf_beside_a_plan_are_not_read(tmp_path: Path) -> None:
    """`check` reads the .tf code next to a plan for file and line; a FIFO named main.tf blocked it forever, and a
    link to /dev/zero never ended. They are skipped; the findings have no location from them."""
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 5}))
    os.mkfifo(tmp_path / "main.tf")
    (tmp_path / "zero.tf").symlink_to("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "finguard", "check", str(path), "--format", "json"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # a regression fails here, not hangs CI
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["findings"] is not None


def test_read_text_refuses_special_files_and_bounds_the_size(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared reader (finguard.errors.read_text / read_bytes) other readers reuse."""
    with pytest.raises(InputError, match=r"not a regular file \(a device\)"):
        read_text(Path("/dev/zero"))
    big = tmp_path / "big.json"
    big.write_text("x" * 2000)
    assert DEFAULT_MAX_INPUT_BYTES == 1 << 30
    monkeypatch.setenv("FINGUARD_MAX_INPUT_BYTES", "1000")
    with pytest.raises(InputError, match="larger than the 1,000-byte input limit") as exc:
        read_text(big)
    assert exc.value.where == str(big)
    monkeypatch.setenv("FINGUARD_MAX_INPUT_BYTES", "2000")
    assert read_text(big) == "x" * 2000


def test_a_plan_above_the_size_limit_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 5}))
    monkeypatch.setenv("FINGUARD_MAX_INPUT_BYTES", "100")
    code, _, err = run(capsys, "breakdown", str(path))
    line = _one_error_line(err, path)
    assert code == 2 and "input limit" in line and "FINGUARD_MAX_INPUT_BYTES" in line
    monkeypatch.setenv("FINGUARD_MAX_INPUT_BYTES", "lots")
    code, _, err = run(capsys, "breakdown", str(path))
    assert code == 2 and "FINGUARD_MAX_INPUT_BYTES must be a positive whole number" in err
    assert "internal error" not in err


def test_a_lone_surrogate_in_a_tag_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 5, "tags": {"Name": "\ud800"}}))
    assert "\\ud800" in path.read_text()  # json.dumps writes the lone surrogate as an escape, as JSON allows
    for command in ("breakdown", "diff", "check"):
        code, out, err = run(capsys, command, str(path), "--format", "json")
        line = _one_error_line(err, path)
        assert code == 2 and out == ""
        assert "$.resource_changes[1].change.after.tags.Name" in line and "surrogate" in line


def test_a_lone_surrogate_in_a_key_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 5, "tags": {"\udc00k": "v"}}))
    code, _, err = run(capsys, "breakdown", str(path))
    line = _one_error_line(err, path)
    assert code == 2 and "tags.\\udc00k: key is not valid Unicode text" in line


def test_escaped_surrogate_pairs_are_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An emoji written as a \\ud83d\\ude00 pair is one character: accepted, written out as UTF-8."""
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 5, "tags": {"Name": "\U0001f600"}}))
    assert "\\ud83d" in path.read_text()
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0 and _resource(doc, "aws_ebs_volume.v")["tags"]["Name"] == "\U0001f600"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_json_numbers_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, literal: str) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 12345}))
    path.write_text(path.read_text().replace("12345", literal))
    code, _, err = run(capsys, "breakdown", str(path))
    line = _one_error_line(err, path)
    assert code == 2 and "not valid JSON" in line


# -- values: quantities that are not quantities ------------------------------------------------------------
BAD_QUANTITIES = ["NaN", "nan", "Infinity", "-Infinity", "inf", "abc", "", "1e400", "1_000", -5, -1, -0.5,
                  1e308, 1e16, True, [5], {"a": 1}]

CASES = [
    ("aws_ebs_volume.v", {"type": "gp3", "size": "{bad}"}, "size"),
    ("aws_ebs_volume.v", {"type": "io2", "size": 10, "iops": "{bad}"}, "iops"),
    ("aws_ebs_volume.v", {"type": "io1", "size": 10, "iops": "{bad}"}, "iops"),
    ("aws_ebs_volume.v", {"type": "gp3", "size": 10, "throughput": "{bad}"}, "throughput"),
    ("aws_instance.i", {"instance_type": "t3.micro",
                        "root_block_device": [{"volume_type": "gp3", "volume_size": "{bad}"}]},
     "root_block_device.volume_size"),
    ("aws_db_instance.d", {"engine": "postgres", "instance_class": "db.t3.micro", "allocated_storage": "{bad}"},
     "allocated_storage"),
    ("aws_autoscaling_group.a", {"desired_capacity": "{bad}", "min_size": 1}, "desired_capacity"),
    ("aws_dynamodb_table.t", {"billing_mode": "PROVISIONED", "read_capacity": "{bad}", "write_capacity": 1},
     "read_capacity"),
    ("aws_kinesis_stream.k", {"stream_mode_details": [{"stream_mode": "PROVISIONED"}], "shard_count": "{bad}"},
     "shard_count"),
    ("aws_lambda_function.f", {"memory_size": "{bad}"}, "memory_size"),
    # other clouds' models read their quantities through the same check (the fuzz campaign found `true` here)
    ("azurerm_service_plan.p", {"location": "westeurope", "os_type": "Linux", "sku_name": "P1v3",
                                "worker_count": "{bad}"}, "worker_count"),
    ("google_compute_disk.d", {"zone": "us-central1-a", "type": "pd-ssd", "size": "{bad}"}, "size"),
    ("google_redis_instance.r", {"region": "us-central1", "tier": "BASIC", "memory_size_gb": "{bad}"},
     "memory_size_gb"),
]


def _fill(template: dict[str, Any], bad: Any) -> dict[str, Any]:
    text = json.dumps(template)
    return json.loads(text.replace('"{bad}"', json.dumps(bad)))


@pytest.mark.parametrize("bad", BAD_QUANTITIES, ids=repr)
def test_a_bad_size_makes_the_volume_incomplete(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                bad: Any) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": bad}))
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0
    volume = _resource(doc, "aws_ebs_volume.v")
    assert volume["status"] == "incomplete" and volume["monthly_cost"] is None
    assert volume["reasons"] == [f"cannot read attributes: size must be a finite number >= 0 (at most 1e15), "
                                 f"got {bad!r}"]
    assert _resource(doc, "aws_nat_gateway.ok")["status"] == "priced"  # the rest of the plan is priced
    assert doc["complete"] is False
    _assert_money(doc)


@pytest.mark.parametrize(("address", "template", "attribute"), CASES, ids=[c[2] + "@" + c[0] for c in CASES])
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "abc", -5, 1e308, True])
def test_bad_quantities_name_the_attribute(capsys: pytest.CaptureFixture[str], tmp_path: Path, address: str,
                                           template: dict[str, Any], attribute: str, bad: Any) -> None:
    path = _write_plan(tmp_path, (address, _fill(template, bad)))
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0
    resource = _resource(doc, address)
    assert resource["status"] == "incomplete" and resource["monthly_cost"] is None
    assert any(r.startswith(f"cannot read attributes: {attribute} must be a finite number >= 0")
               and repr(bad) in r for r in resource["reasons"]), resource["reasons"]
    _assert_money(doc)


def test_a_model_failing_on_arithmetic_leaves_that_resource_incomplete(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A value no model check caught (here: decimal arithmetic on it fails) costs that resource its total, never
    the run: the rest of the plan is still priced."""
    import decimal

    from finguard.pricing import registry

    real = registry.model_for

    class Failing:
        def components(self, resource: object, attrs: object, ctx: object) -> list[object]:
            raise decimal.InvalidOperation([decimal.ConversionSyntax])

    monkeypatch.setattr(registry, "model_for", lambda t: Failing() if t == "aws_ebs_volume" else real(t))
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 10}))
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0
    volume = _resource(doc, "aws_ebs_volume.v")
    assert volume["status"] == "incomplete" and volume["monthly_cost"] is None
    assert volume["reasons"] == ["cannot read attributes: a value cannot be used as a number (InvalidOperation)"]
    assert _resource(doc, "aws_nat_gateway.ok")["status"] == "priced"
    _assert_money(doc)


def test_issue_examples_negative_sizes_are_not_negative_money(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": -5}),
                       ("aws_autoscaling_group.a", {"desired_capacity": -1, "min_size": 0}))
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0
    assert "size must be a finite number >= 0 (at most 1e15), got -5" in _resource(doc, "aws_ebs_volume.v")[
        "reasons"][0]
    assert "desired_capacity must be a finite number >= 0 (at most 1e15), got -1" in _resource(
        doc, "aws_autoscaling_group.a")["reasons"][0]
    _assert_money(doc)
    assert doc["monthly_cost"] > 0  # the NAT gateway


def test_huge_size_never_writes_infinity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": 1e308}))
    for command in ("breakdown", "diff"):
        code, out, err = run(capsys, command, str(path), "--format", "json")
        assert code == 0 and "Infinity" not in out and "NaN" not in out, err
        _assert_money(_strict_json(out))


def test_the_largest_accepted_quantity_prices_finitely(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "io2", "size": 1e15, "iops": 1e15}))
    code, doc, _ = _breakdown(capsys, path)
    assert code == 0
    assert _resource(doc, "aws_ebs_volume.v")["status"] == "priced"
    _assert_money(doc)


def test_the_json_writer_refuses_non_finite_numbers() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), float("inf"), float("nan")):
        with pytest.raises(ValueError):
            dumps({"monthly_cost": value})
    assert json.loads(dumps({"monthly_cost": Decimal("1.5")})) == {"monthly_cost": 1.5}


@pytest.mark.parametrize("command", ["breakdown", "diff", "check"])
def test_every_command_prices_the_rest_of_a_plan_with_a_bad_value(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path, command: str) -> None:
    path = _write_plan(tmp_path, ("aws_ebs_volume.v", {"type": "gp3", "size": "NaN"}),
                       ("aws_instance.i", {"instance_type": "t3.micro",
                                           "root_block_device": [{"volume_type": "gp3", "volume_size": -5}]}))
    code, out, err = run(capsys, command, str(path), "--format", "json")
    assert code in (0, 1) and "internal error" not in err and "Traceback" not in err
    doc = _strict_json(out)
    _assert_money(doc)
    if command != "check":
        assert doc["complete"] is False


# -- property: generated plans -----------------------------------------------------------------------------
surrogates = st.sampled_from(["\ud800", "\udfff", "a\udc00b"])
weird_numbers = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e400", "abc", "", " 12 ", "0x10", "1_0", "-0"]),
    st.booleans(), st.none(), st.just([1]), st.just({"a": 1}),
)
tag_values = st.one_of(st.text(max_size=8), st.text(max_size=8), surrogates, st.none(), st.integers(),
                       st.just(["x"]))

RESOURCE_SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("aws_ebs_volume.v", {"type": "gp3", "size": "{n}", "iops": "{n}", "throughput": "{n}"}),
    ("aws_ebs_volume.w", {"type": "io2", "size": "{n}", "iops": "{n}"}),
    ("aws_instance.i", {"instance_type": "t3.micro", "root_block_device": [{"volume_type": "gp3",
                                                                            "volume_size": "{n}"}]}),
    ("aws_db_instance.d", {"engine": "mysql", "instance_class": "db.t3.micro", "allocated_storage": "{n}",
                           "storage_type": "gp3", "iops": "{n}"}),
    ("aws_autoscaling_group.a", {"desired_capacity": "{n}", "min_size": "{n}"}),
    ("aws_dynamodb_table.t", {"billing_mode": "PROVISIONED", "read_capacity": "{n}", "write_capacity": "{n}"}),
    ("aws_lambda_function.f", {"memory_size": "{n}", "ephemeral_storage": [{"size": "{n}"}]}),
    ("aws_elasticache_cluster.c", {"engine": "redis", "node_type": "cache.t3.micro", "num_cache_nodes": "{n}"}),
]


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    chosen = draw(st.lists(st.sampled_from(RESOURCE_SHAPES), min_size=1, max_size=3, unique_by=lambda r: r[0]))
    out = []
    for address, template in chosen:
        text = json.dumps(template)
        while '"{n}"' in text:
            text = text.replace('"{n}"', json.dumps(draw(weird_numbers), allow_nan=True), 1)
        after = json.loads(text)
        after["tags"] = {draw(st.sampled_from(["Name", "team", "cost-center", "\udc01"])): draw(tag_values)}
        out.append((address, after))
    return out, draw(st.booleans())


@fuzz
@fuzz_settings(30)
@given(plans(), st.sampled_from(["breakdown", "diff", "check"]))
def test_generated_plans_never_crash_or_write_bad_money(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        generated: tuple[list[tuple[str, dict[str, Any]]], bool],
                                                        command: str) -> None:
    resources, as_update = generated
    builder = PlanBuilder()
    for address, after in resources:
        builder.add(address, after, before=after if as_update else None)
    path = tmp_path / "generated.json"
    # allow_nan: Python writes NaN/Infinity literals, which are not JSON and must be refused (exit 2)
    path.write_text(json.dumps(builder.build(), allow_nan=True), encoding="utf-8")
    code, out, err = run(capsys, command, str(path), "--format", "json")
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    event(f"exit {code}")
    if code == 2:
        _one_error_line(err, path)
        return
    _assert_money(_strict_json(out))
