"""Tag coverage: exact figures on the hand-made charges of test_showback, both tag representations, and rules.

Taggable spend there: i-1 100.335 (account 111, team + env tags), b-1 50.335 (222, `Team` tag, blank env),
b-2 10.33 (222, no tags); the 30 of AWS Support has no resource, so it is spend but not taggable. Total 191.
"""

from __future__ import annotations

import pytest

from finguard.billing.config import AllocationConfig
from finguard.billing.coverage import DEFINITION, TagCoverage, tag_coverage

from .test_showback import CONFIG, allocated

TAGGABLE = 100.335 + 50.335 + 10.33


def coverage(config: dict | None = None, *, tags_text: bool = True, **kwargs: object) -> TagCoverage:
    _, rows, cfg = allocated(config, tags_text=tags_text)
    return tag_coverage(rows, cfg, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("tags_text", [True, False], ids=["json-text", "map-only"])
def test_coverage_by_hand(tags_text: bool) -> None:
    cov = coverage(tags_text=tags_text)
    assert cov.definition == DEFINITION and "ResourceId" in cov.definition
    assert (cov.currency, cov.cost_metric, cov.owner_dimension) == ("USD", "BilledCost", "team")
    assert cov.spend == pytest.approx(191.0) and cov.taggable == pytest.approx(TAGGABLE)
    assert cov.taggable_percent == pytest.approx(100 * TAGGABLE / 191)
    team, env = cov.dimensions
    assert (team.dimension, team.aliases, team.tag_keys) == ("team", ["team", "owner"], ["Team", "team"])
    assert team.covered == pytest.approx(150.67) and team.percent == pytest.approx(100 * 150.67 / TAGGABLE)
    assert (env.tag_keys, env.covered) == (["env"], pytest.approx(100.335))  # a blank value is no value
    assert cov.owner is team
    accounts = {a.account_id: a for a in team.accounts}
    assert [a.account_id for a in team.accounts] == ["111", "222"]  # by taggable spend; 999 has none
    assert (accounts["111"].account_name, accounts["111"].percent) == ("web-prod", 100.0)
    assert accounts["222"].taggable == pytest.approx(60.665) and accounts["222"].covered == pytest.approx(50.335)
    assert accounts["222"].spend == pytest.approx(60.665)
    assert {a.account_id: round(a.covered, 3) for a in env.accounts} == {"111": 100.335, "222": 0.0}

    assert (cov.untagged_resources, cov.untagged_cost) == (1, pytest.approx(10.33))
    (b2,) = cov.untagged
    assert (b2.resource_id, b2.account_id, b2.account_name, b2.service, b2.allocated_to) == (
        "b-2", "222", "data-prod", "S3", None)
    assert b2.cost == pytest.approx(10.33)
    assert [(k.key, round(k.cost, 3)) for k in cov.tag_keys] == [("env", 100.335), ("team", 100.335),
                                                                 ("Team", 50.335)]
    assert cov.tag_keys[0].percent == pytest.approx(100 * 100.335 / TAGGABLE)


def test_untagged_resources_show_what_rules_gave_them() -> None:
    rules = [{"name": "data account", "match": {"account": "222"}, "set": {"team": "data"}}]
    cov = coverage({**CONFIG, "precedence": "tags-first", "rules": rules})
    assert [(r.resource_id, r.allocated_to) for r in cov.untagged] == [("b-2", "data")]
    # a rule allocates, it does not tag: coverage is what the tags say
    assert cov.owner is not None and cov.owner.covered == pytest.approx(150.67)


def test_dimension_without_tags_in_the_bill() -> None:
    config = {"dimensions": {"team": {"tags": ["team"]}, "cost_center": {"tags": ["cost-center"]},
                             "tier": {"tags": []}}}
    cov = coverage(config)
    team, cost_center, tier = cov.dimensions
    assert team.tag_keys == ["Team", "team"]  # case-insensitive, as allocation resolves keys
    assert (cost_center.tag_keys, cost_center.covered, cost_center.percent) == ([], 0.0, 0.0)
    assert tier.aliases == [] and tier.taggable == pytest.approx(TAGGABLE)


def test_limits_and_canonical_values_do_not_change_coverage() -> None:
    config = {"dimensions": {"team": {"tags": ["team", "owner"], "values": {"web": ["WEB"]}, "lowercase": True}}}
    cov = coverage(config, top_resources=0, top_keys=1)
    assert cov.untagged == [] and cov.untagged_resources == 1 and cov.untagged_cost == pytest.approx(10.33)
    assert [k.key for k in cov.tag_keys] == ["env"]
    assert cov.dimensions[0].covered == pytest.approx(150.67)


def test_no_taggable_spend() -> None:
    from finguard.billing.allocate import allocate

    from .test_showback import charges

    only_support = charges().filter(lambda t: t.ServiceName.startswith("AWS Support"))
    cfg = AllocationConfig.model_validate({"dimensions": {"team": {"tags": ["team"]}}})
    _, rows = allocate(only_support, cfg)
    cov = tag_coverage(rows, cfg)
    assert (cov.spend, cov.taggable, cov.taggable_percent) == (30.0, 0.0, 0.0)
    assert cov.dimensions[0].percent is None and cov.dimensions[0].accounts == []
    assert (cov.untagged, cov.untagged_resources, cov.tag_keys) == ([], 0, [])


def test_coverage_json_round_trips() -> None:
    cov = coverage()
    again = TagCoverage.model_validate_json(cov.model_dump_json())
    assert again == cov and "percent" in cov.model_dump()["dimensions"][0]
