"""Every built-in policy proves itself on its own examples (a snippet it flags, one it accepts)."""

from __future__ import annotations

import pytest

from finguard.policy.examples import PolicyExamples, builtin_examples, example_findings

POLICIES = builtin_examples()


@pytest.mark.parametrize("entry", POLICIES, ids=lambda e: e.meta.id)
def test_policy_has_a_failing_and_a_passing_example(entry: PolicyExamples) -> None:
    kinds = {e.fails for e in entry.examples}
    assert kinds == {True, False}, f"{entry.meta.id} needs at least one failing and one passing example"
    assert entry.meta.remediation, f"{entry.meta.id} needs a remediation hint"


@pytest.mark.parametrize(
    ("entry", "index"),
    [(e, i) for e in POLICIES for i in range(len(e.examples))],
    ids=lambda v: v.meta.id if isinstance(v, PolicyExamples) else str(v),
)
def test_policy_example(entry: PolicyExamples, index: int) -> None:
    example = entry.examples[index]
    messages = example_findings(entry.meta, example)
    if example.fails:
        assert messages, f"{entry.meta.id} should flag example {index}:\n{example.hcl}"
    else:
        assert not messages, f"{entry.meta.id} should accept example {index} but said {messages}"


def test_policy_ids_are_unique() -> None:
    ids = [e.meta.id for e in POLICIES]
    assert len(ids) == len(set(ids))


def test_policy_reference_page_is_current() -> None:
    """docs/policies.md is generated from the examples; regenerate with `finguard policies docs --out ...`."""
    from finguard.policy.docs import policy_reference

    from .conftest import REPO

    assert (REPO / "docs" / "policies.md").read_text() == policy_reference(POLICIES), \
        "docs/policies.md is stale: run `finguard policies docs --out docs/policies.md`"
