"""The static analysis that lets Rego packages run before pricing: it may call a cost-free package cost-dependent,
never the reverse. Every way of reaching a cost below must be caught."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import regorus

from finguard.policy import rego_reads
from finguard.policy.rego import RegoModule, load_rego_modules
from finguard.policy.rego_reads import cost_free

from .conftest import REPO


def _module(body: str, package: str = "t") -> RegoModule:
    return RegoModule(Path(f"{package}.rego"), package, f"package {package}\n\nimport rego.v1\n\n{body}\n")


def test_the_built_in_rego_policies_read_no_cost() -> None:
    modules, errors = load_rego_modules([(REPO / "policies", "builtin")])
    assert modules and not errors
    assert cost_free(modules)


@pytest.mark.parametrize("body", [
    'deny contains r.address if { some r in input.resources; r.region == "us-east-1" }',
    'deny contains msg if { r := input.resources[_]; msg := sprintf("%s in %s", [r.address, r.region]) }',
    'deny contains r.address if { some i, r in input.resources; object.get(r.attributes, "size", 0) > 100 }',
    'deny contains input.resources[i].address if { input.resources[i].tags.team == "" }',
    'deny contains r.address if { some r in input.resources; not r.tags["cost-center"] }',
    'deny contains r.address if { every t in input.resources { t.type != "" }; some r in input.resources }',
    'deny contains input.project.name if { count(input.config.regions.allowed) > 0 }',
    'deny contains x if { x := [a | some r in input.resources; a := r.address][0] }',
    'n(r) := r.address\ndeny contains n(r) if { some r in input.resources }',
    'u(r, p) if { some x in object.get(r, "unknown", []); x == p }\n'
    'deny contains r.address if { some r in input.resources; u(r, "size") }',
    'default allow := false\nallow if { input.config.cost.monthly_budget > 0 }',
])
def test_policies_reading_no_cost_are_cost_free(body: str) -> None:
    assert cost_free([_module(body)])


@pytest.mark.parametrize("body", [
    'deny contains r.address if { some r in input.resources; r.monthly_cost > 100 }',
    'deny contains r.address if { some r in input.resources; r["monthly_cost_delta"] > 100 }',
    'deny contains r.address if { some r in input.resources; object.get(r, "monthly_cost", 0) > 100 }',
    'deny contains r.address if { some r in input.resources; k := "monthly_cost"; r[k] > 100 }',
    'deny contains r.address if { some r in input.resources; some k, v in r; v == 5 }',
    'deny contains msg if { some r in input.resources; msg := sprintf("%v", [r]) }',
    'deny contains msg if { some r in input.resources; msg := json.marshal(r) }',
    'deny contains msg if { some r in input.resources; count(object.keys(r)) > 11; msg := "x" }',
    'deny contains "x" if { walk(input, [p, v]); v == 5 }',
    'deny contains "x" if { input.project.monthly_cost_delta > 0 }',
    'deny contains "x" if { input.project.complete == false }',
    'deny contains "x" if { some k, v in input.project; v == 1 }',
    'deny contains r if { some r in input.resources }',
    'expensive contains r if { some r in input.resources }\ndeny contains "x" if { count(expensive) > 0 }',
    'f(x) := x\ndeny contains f(r).address if { some r in input.resources }',
    'c(r) if { r.monthly_cost > 1 }\ndeny contains r.address if { some r in input.resources; c(r) }',
    'deny contains r.address if { some r in input.resources; r == {"address": "a"} }',
    'deny contains r.address if { some r in input.resources; r = x; x.rates == "list" }',
    'deny contains "x" if { rs := input.resources; some r in rs; r.monthly_cost > 1 }',
    'deny contains "x" if { r := input.resources[_]; r.monthly_cost_effective > 1; true }',
    'deny contains "x" if { r.monthly_cost > 5; r := input.resources[_] }',  # bound after its use
    'deny contains "x" if { x := [r | some r in input.resources]; count(x) > 0 }',
    'deny contains "x" if { some r in input.resources; r in data.other.set }',
    'deny contains "x" if { data.t.helper }\nhelper if { input.resources[_].monthly_cost > 1 }',
    'deny contains "x" if { count(input.resources) > 0 with input as {} }',
    'deny contains "x" if { every r in input.resources { r.monthly_cost < 1 } }',
    'deny contains "x" if { x := input; x.resources[_].monthly_cost > 1 }',
    'deny contains "x" if { some r in input.resources; object.get(r, concat("", ["monthly", "_cost"]), 0) > 1 }',
    'deny contains "x" if { some r in input.resources; print(r) }',
])
def test_any_way_of_reaching_a_cost_is_cost_dependent(body: str) -> None:
    module = _module(body)
    regorus.Engine().add_policy("t.rego", module.text)  # valid Rego: refused for its reads, not its syntax
    assert not cost_free([module])


def test_imports_and_broken_modules_are_cost_dependent() -> None:
    assert not cost_free([RegoModule(Path("t.rego"), "t", "package t\nimport input.resources as rs\n"
                                                          "deny contains \"x\" if { rs[_].monthly_cost > 1 }\n")])
    assert not cost_free([RegoModule(Path("t.rego"), "t", "package t\nimport data.lib\n")])
    assert not cost_free([_module("deny contains if {")])


def test_one_cost_reading_package_makes_the_set_cost_dependent() -> None:
    clean = _module('deny contains r.address if { some r in input.resources; r.region == "x" }', "a")
    costly = _module('deny contains r.address if { some r in input.resources; r.monthly_cost > 1 }', "b")
    assert cost_free([clean]) and not cost_free([clean, costly])


def test_the_verdict_is_remembered_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each module set is analysed once per installation: the verdict (what the packages read, or that they may
    read costs) is kept under the cache directory, keyed by the modules' paths and texts, this analysis' source
    and regorus' version."""
    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path))
    free = [_module('deny contains r.address if { some r in input.resources; r.region == "x" }')]
    costly = [_module('deny contains r.address if { some r in input.resources; r.monthly_cost > 1 }')]
    assert rego_reads.cost_free_remembered(free) and not rego_reads.cost_free_remembered(costly)
    kept = {p.read_text() for p in (tmp_path / "rego-reads").iterdir()}
    assert kept == {'{"fields": ["address", "region"], "attribute_keys": []}', "reads-costs"}

    def not_again(modules):
        raise AssertionError("analysed again")

    monkeypatch.setattr(rego_reads, "input_reads", not_again)
    assert rego_reads.cost_free_remembered(free) and not rego_reads.cost_free_remembered(costly)
    changed = [RegoModule(free[0].path, "t", free[0].text.replace('"x"', '"y"'))]
    with pytest.raises(AssertionError, match="analysed again"):  # another text is another key
        rego_reads.cost_free_remembered(changed)


def test_a_damaged_or_unwritable_memo_only_costs_the_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path))
    costly = [_module('deny contains r.address if { some r in input.resources; r.monthly_cost > 1 }')]
    assert not rego_reads.cost_free_remembered(costly)
    (memo,) = (tmp_path / "rego-reads").iterdir()
    memo.write_text("cost-free?")  # not a verdict: analysed again, and the verdict is written back
    assert not rego_reads.cost_free_remembered(costly)
    assert memo.read_text() == "reads-costs"
    memo.write_bytes(b"\xff\xfe")
    assert not rego_reads.cost_free_remembered(costly)
    memo.unlink()
    os.mkfifo(memo)  # would block a read: skipped, and replaced by the verdict
    assert not rego_reads.cost_free_remembered(costly)
    assert memo.is_file() and memo.read_text() == "reads-costs"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be")
    monkeypatch.setenv("FINGUARD_HOME", str(blocked))
    assert not rego_reads.cost_free_remembered(costly)
    assert rego_reads.cost_free_remembered(load_rego_modules([(REPO / "policies", "builtin")])[0])


# -- what the packages read: the speculative input holds only that -----------------------------------------------
def _reads(body: str) -> rego_reads.InputReads | None:
    return rego_reads.input_reads([_module(body)])


def test_the_built_in_packs_read_five_attribute_keys() -> None:
    modules, _errors = load_rego_modules([(REPO / "policies", "builtin")])
    reads = rego_reads.input_reads(modules)
    assert reads == rego_reads.InputReads(
        frozenset({"address", "type", "region", "attributes", "unknown"}),
        frozenset({"encrypted", "storage_encrypted", "root_block_device", "ebs_block_device",
                   "block_device_mappings"}))


@pytest.mark.parametrize(("body", "keys"), [
    ('deny contains r.address if { some r in input.resources; object.get(r.attributes, "size", 0) > 100 }',
     {"size"}),
    ('deny contains r.address if { some r in input.resources; r.attributes.size > 100 }', {"size"}),
    ('deny contains r.address if { some r in input.resources; r.attributes["io-ps"] > 100 }', {"io-ps"}),
    ('deny contains r.address if { some r in input.resources; x := r.attributes; x.size > 1 }', {"size"}),
    ('deny contains r.address if { some r in input.resources; some k in ["a", "b"]; r.attributes[k] }', {"a", "b"}),
    ('deny contains r.address if { some r in input.resources; some k in {"a"}; object.get(r.attributes, k, 0) }',
     {"a"}),
    ('deny contains r.address if { some r in input.resources; every k in ["a"] { r.attributes[k] } }', {"a"}),
    ('f(a, k) := object.get(a, k, null)\n'
     'deny contains r.address if { some r in input.resources; some k in ["p", "q"]; f(r.attributes, k) == 1 }',
     {"p", "q"}),
    ('deny contains r.address if { some r in input.resources; is_object(r.attributes) }', set()),
    ('deny contains r.address if { some r in input.resources; r.region == "x" }', set()),
])
def test_attribute_keys_named_by_constants_are_all_that_is_kept(body: str, keys: set[str]) -> None:
    reads = _reads(body)
    assert reads is not None and reads.attribute_keys == frozenset(keys)


@pytest.mark.parametrize("body", [
    'deny contains r.address if { some r in input.resources; count(r.attributes) > 100 }',
    'deny contains r.address if { some r in input.resources; some k, v in r.attributes; v == 1 }',
    'deny contains r.address if { some r in input.resources; some v in r.attributes; v == 1 }',
    'deny contains r.address if { some r in input.resources; r.attributes == {} }',
    'deny contains r.address if { some r in input.resources; r.attributes = {} }',
    'deny contains r.address if { some r in input.resources; "size" in r.attributes }',
    'deny contains r.address if { some r in input.resources; json.marshal(r.attributes) == "" }',
    'deny contains r.address if { some r in input.resources; count(object.keys(r.attributes)) > 1 }',
    'deny contains r.address if { some r in input.resources; walk(r.attributes, [p, v]); v == 1 }',
    'deny contains r.address if { some r in input.resources; x := [r.attributes]; x[0].size }',
    'deny contains r.address if { some r in input.resources; x := {"a": r.attributes}; x.a.size }',
    'deny contains r.address if { some r in input.resources; k := concat("", ["si", "ze"]); r.attributes[k] }',
    'deny contains r.address if { some r in input.resources; object.get(r.attributes, ["a", "b"], 0) }',
    'deny contains r.address if { some r in input.resources; some k in ["a", 1]; r.attributes[k] }',
    'attrs(r) := r.attributes\ndeny contains r.address if { some r in input.resources; attrs(r).size }',
    'deny contains x if { some r in input.resources; x := [a | a := r.attributes] }',
    'deny contains r.address if { some r in input.resources; x := r.attributes; x == {} }',
])
def test_any_other_use_of_the_attributes_keeps_them_whole(body: str) -> None:
    module = _module(body)
    regorus.Engine().add_policy("t.rego", module.text)
    reads = _reads(body)
    assert reads is not None and reads.attribute_keys is None


def test_fields_read_are_recorded_and_the_union_is_taken_across_packages() -> None:
    a = _module('deny contains r.address if { some r in input.resources; r.tags.team == "" }', "a")
    b = _module('deny contains r.name if { some r in input.resources; r.attributes.size > 1 }', "b")
    reads = rego_reads.input_reads([a, b])
    assert reads == rego_reads.InputReads(frozenset({"address", "tags", "name", "attributes"}), frozenset({"size"}))
    c = _module('deny contains r.address if { some r in input.resources; count(r.attributes) > 1 }', "c")
    assert rego_reads.input_reads([a, b, c]).attribute_keys is None
    assert rego_reads.input_reads([a, _module('deny contains "x" if { input.resources[_].monthly_cost }', "d")]) \
        is None


def test_the_reads_are_remembered_and_a_damaged_memo_is_analysed_again(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path))
    modules = [_module('deny contains r.address if { some r in input.resources; r.attributes.size > 1 }')]
    found = rego_reads.input_reads_remembered(modules)
    (memo,) = (tmp_path / "rego-reads").iterdir()
    assert rego_reads.InputReads.from_json(memo.read_bytes()) == found
    for damaged in (b'{"fields": ["a"]}', b'{"fields": "a", "attribute_keys": null}', b"[1]", b"\xff",
                    b'{"fields": [1], "attribute_keys": null}', b'{"fields": [], "attribute_keys": [2]}',
                    b'{"fields": ["monthly_cost"], "attribute_keys": []}', b'{"fields": NaN, "attribute_keys": null}',
                    b'{"fields": [["address"]], "attribute_keys": null}'):
        memo.write_bytes(damaged)
        assert rego_reads.input_reads_remembered(modules) == found
        assert memo.read_bytes() == found.to_json()
    memo.write_bytes(b'{"fields": ["address"], "attribute_keys": null}')  # a valid memo is trusted: keyed by content
    assert rego_reads.input_reads_remembered(modules) == rego_reads.InputReads(frozenset({"address"}), None)
