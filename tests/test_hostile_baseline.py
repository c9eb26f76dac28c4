"""Hostile baseline files (`check --baseline`): one clear error naming the file and where, exit 2, before the plan
is priced; never a traceback, and never an entry silently accepted that would match nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finguard.errors import InputError
from finguard.policy.baseline import BASELINE_SCHEMA, load_baseline

from .fuzzing import fuzz, fuzz_settings
from .plan_builder import PlanBuilder
from .test_cli import run


def _baseline(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "baseline.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _doc(*findings: Any, **top: Any) -> str:
    return json.dumps({"schema": BASELINE_SCHEMA, "version": 1, "findings": list(findings), **top})


ENTRY = {"policy": "FG-TAG-001", "address": "aws_instance.web", "message": "missing tag team"}


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xff\xfe{}", "not UTF-8 text (invalid byte at offset 0)"),
    ("", "not valid JSON: Expecting value at line 1, column 1"),
    ('{"schema": "finguard/baseline", "version": 1, "findings": [', "not valid JSON"),
    ('{"schema": "finguard/baseline", "version": NaN}', "NaN is not a JSON number"),
    ("[" * 100_000 + "]" * 100_000, "not a finguard baseline: nested too deeply"),
    ('{"schema": "finguard/baseline", "version": 1, "findings": ["\\ud800"]}', "$.findings[0]: string is not valid"),
    ("[]", 'not a finguard baseline (expected "schema": "finguard/baseline")'),
    ('{"schema": "other"}', "not a finguard baseline"),
    (_doc(version=2), "unsupported baseline version 2"),
    (_doc(version=True), "unsupported baseline version True"),
    (_doc(findings={"a": 1}), "invalid baseline at $.findings: Input should be a valid list"),
    (_doc({**ENTRY, "policy": 7}), "invalid baseline at $.findings[0].policy: Input should be a valid string"),
    (_doc(ENTRY, {"policy": "FG-TAG-001", "address": "x"}), "at $.findings[1].message: Field required"),
    (_doc({**ENTRY, "adress": "typo"}), "at $.findings[0].adress: Extra inputs are not permitted"),
    (_doc({**ENTRY, "address": ""}), "at $.findings[0].address: String should have at least 1 character"),
    (_doc(ENTRY, extra=1), "at $.extra: Extra inputs are not permitted"),
])
def test_bad_baselines_are_one_clear_error(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = _baseline(tmp_path, content)
    with pytest.raises(InputError) as info:
        load_baseline(path)
    assert expected in str(info.value) and str(info.value).startswith(f"{path}: ")


def test_a_fifo_baseline_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_baseline(fifo)


def test_a_good_baseline_reads_its_fingerprints(tmp_path: Path) -> None:
    other = {"policy": "FG-COST-001", "address": "<project>", "message": "over budget"}
    accepted = load_baseline(_baseline(tmp_path, _doc(ENTRY, other)))
    assert accepted == {"FG-TAG-001|aws_instance.web|missing tag team", "FG-COST-001|<project>|over budget"}
    assert load_baseline(_baseline(tmp_path, _doc())) == frozenset()


def test_the_cli_refuses_a_bad_baseline_before_reading_the_plan(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    """A broken plan is named only once the baseline is good: the baseline is read first, in a second."""
    bad = _baseline(tmp_path, b"\x00\xffgarbage")
    plan = tmp_path / "plan.json"
    plan.write_text("{not json", encoding="utf-8")
    code, out, err = run(capsys, "check", str(plan), "--baseline", str(bad), "--format", "json")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == "" and len(lines) == 1
    assert lines[0] == f"finguard: error: {bad}: not UTF-8 text (invalid byte at offset 1)"
    builder = PlanBuilder(default_tags={"team": "web"})
    builder.add("aws_ebs_volume.v", {"type": "gp3", "size": 10})
    plan.write_text(json.dumps(builder.build()), encoding="utf-8")
    written = tmp_path / "written.json"
    code, _, err = run(capsys, "check", str(plan), "--write-baseline", str(written))
    assert code == 0 and "accepted findings" in err
    code, _, err = run(capsys, "check", str(plan), "--baseline", str(written), "--format", "json")
    assert code == 0 and "error" not in err


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["policy", "address", "message", "schema", "version", "findings", "x"]), inner, max_size=4),
    max_leaves=12,
)


@fuzz
@fuzz_settings(150)
@given(findings=_values, version=_values, cut=st.integers(min_value=0, max_value=200))
def test_fuzzed_baselines_load_or_say_why(tmp_path_factory: pytest.TempPathFactory, findings: Any, version: Any,
                                          cut: int) -> None:
    text = json.dumps({"schema": BASELINE_SCHEMA, "version": version, "findings": findings})
    path = _baseline(tmp_path_factory.mktemp("b"), text[: max(cut, len(text) // 2)] if cut % 3 == 0 else text)
    try:
        accepted = load_baseline(path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
    else:
        assert all(isinstance(key, str) and key.count("|") >= 2 for key in accepted)
