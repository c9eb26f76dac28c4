"""Big plans are decoded by msgspec, small ones by the standard library (strict_json): both must read every
document the same way, refuse the same documents with the same message, and bound nesting at the same depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finguard.errors import InputError
from finguard.terraform import plan
from finguard.terraform.plan import MAX_NESTING_DEPTH, parse_plan

from .fuzzing import fuzz, fuzz_settings
from .plan_builder import PlanBuilder

FAST, STRICT = 0, 10**12  # values of FAST_DECODE_FROM that route every text to one decoder


def _outcome(text: str, monkeypatch: pytest.MonkeyPatch, route: int) -> tuple[str, Any]:
    monkeypatch.setattr(plan, "FAST_DECODE_FROM", route)
    try:
        project = parse_plan(text, source="p.json")
    except InputError as exc:
        return "refused", str(exc)
    return "read", project.model_dump(mode="json")


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    fast, strict = _outcome(text, monkeypatch, FAST), _outcome(text, monkeypatch, STRICT)
    assert fast == strict
    return fast


def _plan_text(after: dict[str, Any]) -> str:
    builder = PlanBuilder()
    builder.add("aws_ebs_volume.v", after)
    return json.dumps(builder.build())


def test_a_plan_reads_the_same_through_both_decoders(monkeypatch: pytest.MonkeyPatch) -> None:
    builder = PlanBuilder(default_tags={"team": "core"})
    for i in range(30):
        builder.add(f"aws_instance.web[{i}]", {"instance_type": "m5.large", "tags": {"Name": f"web-{i}"},
                                              "ebs_block_device": [{"volume_size": 8 + i}], "x": None})
    kind, project = _both(json.dumps(builder.build()), monkeypatch)
    assert kind == "read" and len(project["resources"]) == 30


def test_integers_beyond_64_bits_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson would turn them into floats; msgspec, like the standard library, keeps them."""
    big = 2**70 + 1
    kind, project = _both(_plan_text({"type": "gp3", "size": 5, "iops": big, "neg": -big}), monkeypatch)
    assert kind == "read" and project["resources"][0]["after"]["iops"] == big


@pytest.mark.parametrize("document", [
    '{"format_version": "1.2", "planned_values": {"root_module": {}}, "x": "\\ud800"}',
    '{"format_version": "1.2", "planned_values": {"root_module": {}}, "x": {"\\udc00k": 1}}',
    '{"format_version": "1.2", "x": NaN}',
    '{"format_version": "1.2", "x": -Infinity}',
    '{"format_version": "1.2", "x": 1e400}',
    '{"format_version": "1.2", "x": ' + "9" * 5000 + "}",
    '{"format_version": "1.2", ',
    '{"format_version": "1.2"} trailing',
    '{"format_version": "1.2", "x": [1,]}',
    '{"format_version": "1.2", "x": "tab\tinside"}',
    "[]",
])
def test_refusals_say_the_same_through_both_decoders(monkeypatch: pytest.MonkeyPatch, document: str) -> None:
    kind, message = _both(document, monkeypatch)
    assert kind == "refused" and message.startswith("p.json: ")


@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH - 1, MAX_NESTING_DEPTH, 10_000])
def test_both_decoders_bound_nesting_at_the_same_depth(monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    document = ('{"format_version": "1.2", "planned_values": {"root_module": {}}, "x": ' + "[" * depth
                + "]" * depth + "}")  # the outer object is one more level
    kind, message = _both(document, monkeypatch)
    assert (kind == "read") == (depth < MAX_NESTING_DEPTH)
    if kind == "refused":
        assert f"nested more than {MAX_NESTING_DEPTH} levels deep" in message


def test_a_big_plan_goes_through_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[int] = []
    fast = plan._FAST_DECODER.decode
    monkeypatch.setattr(plan._FAST_DECODER, "decode", lambda text: used.append(len(text)) or fast(text))
    builder = PlanBuilder()
    for i in range(plan.FAST_DECODE_FROM // 400):
        builder.add(f"aws_ebs_volume.v{i}", {"type": "gp3", "size": 5, "tags": {"Name": "x" * 300}})
    text = json.dumps(builder.build())
    assert len(text) >= plan.FAST_DECODE_FROM
    assert len(parse_plan(text).resources) == plan.FAST_DECODE_FROM // 400
    assert used == [len(text)]
    parse_plan(_plan_text({"type": "gp3", "size": 5}))  # a small one does not
    assert used == [len(text)]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@fuzz
@fuzz_settings(150)
@given(value=_json_values, cut=st.integers(min_value=0, max_value=400), splice=st.sampled_from(
    ["", "NaN", "1e400", "\\ud800", "\\udc00\\ud800", "]", ",", '"', "\\", "\x00", "99999999999999999999999"]))
def test_fuzzed_documents_read_the_same_through_both_decoders(value: Any, cut: int, splice: str) -> None:
    text = json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}, "x": value})
    cut = min(cut, len(text))
    text = text[:cut] + splice + text[cut:] if splice else text
    with pytest.MonkeyPatch.context() as monkeypatch:
        _both(text, monkeypatch)
