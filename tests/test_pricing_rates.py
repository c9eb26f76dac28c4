"""Effective rates from the organisation's own billing (`finguard pricing rates --from-billing DB`) and estimates at
those rates (`--rates effective`): CUR 2.0 and FOCUS fixtures with Savings Plan and RI coverage, EDP-style discount
lines, credits and refunds (which never lower a rate), the public FOCUS sample, and every report beside list prices.

Stores are built by the real `finguard billing ingest`; the overlay by the real command, read back from its file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.cli import main
from finguard.errors import InputError
from finguard.pricing.rates import load_overlay
from tests.conftest import EXAMPLES, FIXTURES, SHARED, needs_shared
from tests.test_cli import run

RATES = FIXTURES / "billing" / "rates"
CUR2 = RATES / "cur2_rates_2025-06.csv"
FOCUS = RATES / "focus_rates_2025.csv"
SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
WEB = EXAMPLES / "web-app" / "plan.json"
FUZZ = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "25"))


def cli(*args: str) -> tuple[int, str, str]:
    """The CLI in this process, outside a test's capsys (module fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out.getvalue(), err.getvalue()


def build_overlay(root: Path, *exports: Path) -> Path:
    """`billing ingest` the exports into a new store, then `pricing rates --from-billing` into root/rates.json."""
    root.mkdir(parents=True, exist_ok=True)
    db, overlay = root / "billing.duckdb", root / "rates.json"
    code, _, err = cli("billing", "ingest", *map(str, exports), "--db", str(db))
    assert code == 0, err
    code, out, err = cli("pricing", "rates", "--from-billing", str(db), "--out", str(overlay))
    assert code == 0, err
    assert "Effective rates" in out and f"wrote {overlay}" in err
    return overlay


@pytest.fixture(scope="module")
def cur_overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_overlay(tmp_path_factory.mktemp("cur2"), CUR2)


@pytest.fixture(scope="module")
def focus_overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_overlay(tmp_path_factory.mktemp("focus"), FOCUS)


def slots(path: Path) -> dict[str, object]:
    return {s.slot: s for s in load_overlay(path).slots}


def ratios(path: Path) -> dict[tuple[str, str, str | None], object]:
    return {(r.service, r.scope, r.family): r for r in load_overlay(path).ratios}


# -- deriving rates -------------------------------------------------------------------------------------------
def test_cur2_savings_plan_ri_and_edp_give_exact_slot_rates(cur_overlay: Path) -> None:
    s = slots(cur_overlay)
    m5 = s["BoxUsage:m5.xlarge"]
    # 720 h on demand less a 5% EDP line, and 720 h under a Savings Plan at 65% of list: (131.328 + 89.856) / 276.48
    assert (m5.service, m5.region, m5.basis, m5.unit) == ("AmazonEC2", "us-east-1", "usage_type", "Hrs")
    assert m5.ratio == 0.8 and m5.effective_unit_price == pytest.approx(0.1536) and m5.list_unit_price == 0.192
    assert m5.quantity == 1440 and m5.commitment_share == 0.5 and m5.rows == 2
    assert m5.uncommitted_ratio == pytest.approx(0.969697)  # the EDP line discounts both halves of the slot
    rds = s["Multi-AZUsage:db.t3.large"]
    assert rds.ratio == 0.6 and rds.commitment_share == 1 and rds.uncommitted_ratio is None
    for slot in ("BoxUsage:t3.small", "EBS:VolumeUsage.gp3", "NatGateway-Hours", "LoadBalancerUsage"):
        assert s[slot].ratio == 0.95, slot  # each slot's EDP line; ELB's names only the service and region
    # Windows hours bill the same usage type under another operation: the m5 family, never the Linux slot
    assert "BoxUsage:m5.large" not in s
    r = ratios(cur_overlay)
    assert r[("AmazonEC2", "instance_family", "m5")].ratio == pytest.approx(349.776 / 411.84, abs=1e-6)
    assert r[("AmazonRDS", "instance_family", "db.t3")].ratio == 0.6
    assert r[("AmazonEC2", "service_region", None)].commitment_share == 0
    p = load_overlay(cur_overlay).provenance
    assert p.billing_accounts == ["111122223333"] and p.providers == ["aws"]
    assert (p.rows_in_window, p.rows_used, p.discount_rows) == (24, 8, 6)
    assert p.rows_excluded == {"commitment-negation": 1, "credit": 2, "purchase": 3, "refund": 1, "spot": 1,
                               "tax": 1, "zero-effective-cost": 1}
    assert (p.period_start, p.period_end) == ("2025-06-01T00:00:00", "2025-07-01T00:00:00")
    assert "keeps no price-list SKUs" in p.mapping and p.source_files == [str(CUR2)]


def test_credits_and_refunds_never_lower_a_rate(tmp_path: Path, focus_overlay: Path) -> None:
    """The same FOCUS export with a large credit, a refund of m5.xlarge hours (ChargeClass Correction) and a
    credit naming that slot's SKU and usage type added: every rate stays exactly as it was."""
    with FOCUS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    refund = next(r for r in rows if r["ChargeDescription"].startswith("Refund: m5.xlarge"))
    credit = next(r for r in rows if r["ChargeCategory"] == "Credit")
    more = [refund | {"EffectiveCost": "-1382.4", "BilledCost": "-1382.4", "ListCost": "-1382.4",
                      "PricingQuantity": "-7200", "ConsumedQuantity": "-7200"},
            credit | {"EffectiveCost": "-5000", "BilledCost": "-5000"},
            credit | {"ChargeDescription": "SLA credit for m5.xlarge", "SkuId": "M5XLARGEUSE1LNX",
                      "RegionId": "us-east-1", "x_UsageType": "BoxUsage:m5.xlarge", "x_Operation": "RunInstances"}]
    extended = tmp_path / "focus_more_credits.csv"
    with extended.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, *more])
    overlay = build_overlay(tmp_path / "more", extended)
    before, after = load_overlay(focus_overlay), load_overlay(overlay)
    assert [s.model_dump() for s in after.slots] == [s.model_dump() for s in before.slots]
    assert [r.model_dump() for r in after.ratios] == [r.model_dump() for r in before.ratios]
    assert after.provenance.rows_excluded["credit"] == 3 and after.provenance.rows_excluded["refund"] == 2


def test_focus_negotiated_rates_commitments_and_discount_lines(focus_overlay: Path) -> None:
    s = slots(focus_overlay)
    m5 = s["BoxUsage:m5.xlarge"]
    # 10% negotiated discount on 720 h, Savings Plan at 60% of list on 720 h; the refund of 360 h is not a rate
    assert m5.ratio == 0.75 and m5.effective_unit_price == pytest.approx(0.144) and m5.commitment_share == 0.5
    assert m5.uncommitted_ratio == 0.9 and m5.rows == 2
    assert s["BoxUsage:t3.micro"].basis == "charge_description" and s["BoxUsage:t3.micro"].ratio == 0.9
    assert s["EBS:VolumeUsage.gp3"].ratio == 0.9 and s["EBS:VolumeUsage.gp3"].unit == "GB-Mo"
    # reserved instance at 60% of list, then an EDP line naming only Amazon RDS in us-east-1: 5% off that
    assert s["Multi-AZUsage:db.t3.large"].ratio == pytest.approx(0.57)
    r = ratios(focus_overlay)
    assert r[("Virtual Machines", "service_region", None)].ratio == 0.8  # Azure: a service discount ratio
    p = load_overlay(focus_overlay).provenance
    assert p.billing_accounts == ["/providers/Microsoft.Billing/billingAccounts/4242", "999988887777"]
    assert p.providers == ["aws", "azure"] and p.window_end == "2025-07-01T00:00:00"
    assert p.rows_in_window == 14  # the November 2024 row is outside the 90-day lookback
    assert p.rows_excluded == {"credit": 1, "not-usd": 1, "purchase": 2, "refund": 1, "tax": 1,
                               "zero-effective-cost": 1}
    assert p.period_start == "2025-05-01T00:00:00"


def test_lookback_days_decide_which_charges_count(tmp_path: Path, focus_overlay: Path) -> None:
    overlay = tmp_path / "rates-400.json"
    code, _, err = cli("pricing", "rates", "--from-billing", str(focus_overlay.parent / "billing.duckdb"),
                       "--lookback-days", "400", "--out", str(overlay))
    assert code == 0, err
    m5 = slots(overlay)["BoxUsage:m5.xlarge"]
    assert m5.rows == 3 and m5.ratio == pytest.approx((207.36 + 13.824) / 414.72, abs=1e-6)
    assert load_overlay(overlay).provenance.period_start == "2024-11-01T00:00:00"


def test_skus_tie_rows_to_slots_a_synced_catalog_prices(tmp_path: Path) -> None:
    """Slices refreshed by `pricing sync` keep their price-list SKUs: a row whose SkuId is one of them is tied to
    that slot even with no usage type and an unreadable description; a Windows SKU makes no Linux slot."""
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("--catalog", str(catalog), "pricing", "sync", "--source", str(FIXTURES / "aws_offers"),
                       "--service", "AmazonEC2", "--region", "us-east-1")
    assert code == 0, err
    head = ("BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,"
            "ChargeCategory,ProviderName,ServiceName,RegionId,SkuId,ChargeDescription,PricingQuantity,PricingUnit,"
            "ListCost,EffectiveCost,BilledCost\n")
    period = "2025-06-01,2025-07-01,2025-06-01,2025-07-01"
    export = tmp_path / "skus.csv"
    export.write_text(head + f"42,USD,{period},Usage,AWS,Amazon Elastic Compute Cloud,us-east-1,FGUSE1M5LGLINUX1,"
                      "Compute,720,Hrs,69.12,48.384,48.384\n"
                      f"42,USD,{period},Usage,AWS,Amazon Elastic Compute Cloud,us-east-1,FGUSE1T3MCWIN001,"
                      "Compute,720,Hrs,13.248,10.5984,10.5984\n", encoding="utf-8")
    db, overlay = tmp_path / "billing.duckdb", tmp_path / "rates.json"
    assert cli("billing", "ingest", str(export), "--db", str(db))[0] == 0
    code, _, err = cli("--catalog", str(catalog), "pricing", "rates", "--from-billing", str(db), "--out", str(overlay))
    assert code == 0, err
    data = load_overlay(overlay)
    assert [(s.slot, s.basis, s.ratio, s.skus) for s in data.slots] == [
        ("BoxUsage:m5.large", "sku", 0.7, ["FGUSE1M5LGLINUX1"])]
    assert data.provenance.mapping.startswith("2 rows identified by their price-list SKU")  # the Windows one too
    assert ratios(overlay)[("AmazonEC2", "instance_family", "t3")].ratio == 0.8  # the Windows hours' family


@needs_shared
def test_public_focus_sample(tmp_path: Path) -> None:
    """The FinOps Foundation's FOCUS 1.0 sample: 1,000 rows of three providers. Its AWS rows carry no usage type,
    so EC2 instance hours are tied by their charge description; rates above list (the sample bills several
    instance types above their list price) are kept in the overlay and never applied."""
    overlay = build_overlay(tmp_path, SAMPLE)
    data = load_overlay(overlay)
    p = data.provenance
    assert p.rows_in_window == 1000 and p.rows_excluded["credit"] == 1 and p.rows_excluded["adjustment"] == 2
    assert "1234567890123" in p.billing_accounts and "aws" in p.providers
    assert {s.basis for s in data.slots} == {"charge_description"}
    assert any(s.slot == "BoxUsage:g5.4xlarge" and s.ratio > 1 for s in data.slots)
    assert any(u.service == "Azure Machine Learning" for u in data.unmapped)
    code, out, _ = cli("breakdown", str(WEB), "--rates", "effective", "--rates-file", str(overlay), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    applied = [c for r in doc["resources"] for c in r["components"] if c.get("rate_basis") not in (None, "list")]
    assert all(c["effective_unit_price"] <= c["unit_price"] for c in applied)
    assert doc["effective_monthly_cost"] <= doc["monthly_cost"]


# -- estimates at effective rates ------------------------------------------------------------------------------
def _component(doc: dict, address: str, prefix: str) -> dict:
    resource = next(r for r in doc["resources"] if r["address"] == address)
    return next(c for c in resource["components"] if c["name"].startswith(prefix))


def test_breakdown_json_carries_effective_beside_list(capsys: pytest.CaptureFixture[str], cur_overlay: Path) -> None:
    code, out, _ = run(capsys, "breakdown", str(WEB), "--rates", "effective", "--rates-file", str(cur_overlay),
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "finguard/breakdown" and doc["version"] == 1
    assert doc["monthly_cost"] == pytest.approx(815.697)  # list stays where it was
    m5 = _component(doc, "aws_autoscaling_group.app", "Instance usage")
    assert (m5["unit_price"], m5["effective_unit_price"], m5["rate_basis"]) == (0.192, 0.1536, "usage_type")
    assert m5["monthly_cost"] == pytest.approx(420.48) and m5["effective_monthly_cost"] == pytest.approx(336.384)
    db = _component(doc, "aws_db_instance.main", "Database instance")
    assert db["effective_monthly_cost"] == pytest.approx(730 * 0.1632)
    bastion = _component(doc, "aws_instance.bastion", "Instance usage")
    assert bastion["rate_basis"] == "instance_family" and bastion["effective_unit_price"] == pytest.approx(0.00988)
    assert "t3 family" in bastion["rate_detail"]
    eip = _component(doc, "module.network.aws_eip.nat[0]", "Public IPv4")
    assert eip["rate_basis"] == "list" and eip["effective_monthly_cost"] == eip["monthly_cost"]
    rates = doc["rates"]
    assert rates["mode"] == "effective" and rates["billing_accounts"] == ["111122223333"]
    assert "module.network.aws_eip.nat[0]: Public IPv4 address (in use)" in rates["components_at_list"]
    assert doc["effective_monthly_cost"] == pytest.approx(644.43208)
    resource = next(r for r in doc["resources"] if r["address"] == "aws_db_instance.main")
    assert resource["effective_monthly_cost"] == pytest.approx(730 * 0.1632 + 23)

    # list rates: the document is exactly as before (no effective key anywhere)
    code, out, _ = run(capsys, "breakdown", str(WEB), "--format", "json")
    plain = json.loads(out)
    assert "effective" not in out and "rate_basis" not in out and "rates" not in plain
    assert set(plain) | {"effective_monthly_cost", "rates"} == set(doc)


def test_table_markdown_and_html_show_effective_next_to_list(capsys: pytest.CaptureFixture[str],
                                                              cur_overlay: Path) -> None:
    args = ("--rates", "effective", "--rates-file", str(cur_overlay))
    _, table, _ = run(capsys, "breakdown", str(WEB), *args)
    assert "List cost" in table and "Effective cost" in table and "$336.38" in table and "$420.48" in table
    assert "accounts 111122223333, 2025-06-01 to 2025-07-01, 8 billing rows" in table
    assert "components have no effective rate and stay at list" in table
    _, md, _ = run(capsys, "breakdown", str(WEB), *args, "--format", "markdown")
    assert "**Monthly cost at effective rates: $644.43** (list prices: $815.70)" in md
    _, html, _ = run(capsys, "breakdown", str(WEB), *args, "--format", "html")
    assert "Effective cost</th>" in html and "$644.43" in html and "$815.70" in html
    _, diff, _ = run(capsys, "diff", str(WEB), *args)
    assert "Monthly cost at effective rates: $454.75 -> $644.43 (+$189.68" in diff
    assert "At list prices: $495.85 -> $815.70 (+$319.85" in diff and "List delta" in diff
    _, out, _ = run(capsys, "diff", str(WEB), *args, "--format", "json")
    doc = json.loads(out)
    assert doc["monthly_cost_delta"] == pytest.approx(319.85) and doc["effective_monthly_cost_delta"] == \
        pytest.approx(189.68208)


def test_policies_see_both_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path, cur_overlay: Path) -> None:
    """Python policies (`monthly_cost` at the run's rates, `monthly_cost_list`, `monthly_cost_effective`) and Rego
    (`input.resources[]` with the same keys), with the rates chosen in finguard.yml (`pricing:`)."""
    policies = tmp_path / "pol"
    policies.mkdir()
    (policies / "show_rates.py").write_text(
        "from finguard.policy.api import Violation, policy\n\n"
        "@policy(id='TEST-PY-RATES', title='rates', severity='low', resource_types=['aws_db_instance'])\n"
        "def show(resource, ctx):\n"
        "    eff = resource.monthly_cost_effective\n"
        "    eff = 'none' if eff is None else f'{eff:.3f}'\n"
        "    yield Violation(f'{resource.rates} at={resource.monthly_cost:.3f} '\n"
        "                    f'list={resource.monthly_cost_list:.3f} effective={eff}')\n", encoding="utf-8")
    (policies / "show_rates.rego").write_text(
        "package test.rates\n\nimport rego.v1\n\n"
        'metadata := {"id": "TEST-REGO-RATES", "title": "rates", "severity": "low", "remediation": "",\n'
        '  "resource_types": ["aws_db_instance"]}\n\n'
        "warn contains msg if {\n  some r in input.resources\n  r.type == \"aws_db_instance\"\n"
        "  r.monthly_cost_effective != null\n"
        '  msg := sprintf("%s at=%.3f list=%.3f effective=%.3f project=%.3f/%.3f", [r.rates, r.monthly_cost,\n'
        "    r.monthly_cost_list, r.monthly_cost_effective, input.project.monthly_cost_after,\n"
        "    input.project.monthly_cost_after_list])\n}\n\n"
        "warn contains msg if {\n  some r in input.resources\n  r.type == \"aws_db_instance\"\n"
        "  r.monthly_cost_effective == null\n"
        '  msg := sprintf("%s at=%.3f list=%.3f", [r.rates, r.monthly_cost, r.monthly_cost_list])\n}\n',
        encoding="utf-8")
    config = tmp_path / "finguard.yml"
    config.write_text(f"version: 1\npolicies:\n  trusted_dirs: [pol]\n  rego_dirs: [pol]\n"
                      f"pricing:\n  rates: effective\n  rates_file: {cur_overlay}\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(WEB), "--config", str(config), "--no-builtin", "--format", "json")
    assert code == 0, out
    messages = {f["policy_id"]: f["message"] for f in json.loads(out)["findings"]}
    assert messages["TEST-PY-RATES"] == "effective at=142.136 list=221.560 effective=142.136"
    assert messages["TEST-REGO-RATES"] == "effective at=142.136 list=221.560 effective=142.136 project=644.432/815.697"
    # the built-in cost policies judge the figure of the run's rates
    code, out, _ = run(capsys, "check", str(WEB), "--rates", "effective", "--rates-file", str(cur_overlay))
    assert "monthly cost rises from $454.75 to $644.43 (+$189.68" in out
    code, out, _ = run(capsys, "check", str(WEB), "--config", str(config), "--rates", "list", "--no-builtin",
                       "--format", "json")
    messages = {f["policy_id"]: f["message"] for f in json.loads(out)["findings"]}
    assert messages == {"TEST-PY-RATES": "list at=221.560 list=221.560 effective=none",
                        "TEST-REGO-RATES": "list at=221.560 list=221.560"}


def test_comment_on_web_app_shows_list_and_effective_side_by_side(capsys: pytest.CaptureFixture[str],
                                                                  cur_overlay: Path) -> None:
    code, body, _ = run(capsys, "comment", str(WEB), "--dry-run", "--no-step-summary", "--rates", "effective",
                        "--rates-file", str(cur_overlay))
    assert code == 1  # the example plan fails its policy check either way
    assert ("**Monthly cost at effective rates: $454.75 → $644.43 (+$189.68, +41.7%)**, compared to prior state. "
            "At list prices: $495.85 → $815.70 (+$319.85, +64.5%).") in body
    assert "| Resource | Action | Before | After | Delta | List before | List after | List delta |" in body
    assert "| `aws_db_instance.main` | update | $70.45 | $142.14 | +$71.69 | $70.45 | $221.56 | +$151.11 |" in body
    assert "_Effective rates from the organisation's billing (accounts 111122223333" in body
    code, plain, _ = run(capsys, "comment", str(WEB), "--dry-run", "--no-step-summary")
    assert "effective" not in plain.lower() and "| Resource | Action | Before | After | Delta |" in plain


def test_a_base_saved_at_list_is_compared_at_list(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  cur_overlay: Path) -> None:
    base = tmp_path / "base.json"
    run(capsys, "breakdown", str(WEB), "--format", "json", "--out", str(base))
    code, out, err = run(capsys, "diff", str(WEB), "--compare-to", str(base), "--rates", "effective",
                         "--rates-file", str(cur_overlay), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert "effective_monthly_cost_delta" not in doc and doc["monthly_cost_delta"] == 0
    assert "holds list prices only" in doc["rates_note"] and "holds list prices only" in err
    saved = tmp_path / "base-effective.json"
    run(capsys, "breakdown", str(WEB), "--format", "json", "--out", str(saved), "--rates", "effective",
        "--rates-file", str(cur_overlay))
    code, out, _ = run(capsys, "diff", str(WEB), "--compare-to", str(saved), "--rates", "effective",
                       "--rates-file", str(cur_overlay), "--format", "json")
    doc = json.loads(out)
    assert doc["effective_monthly_cost_delta"] == 0 and doc["effective_monthly_cost_after"] == pytest.approx(644.43208)


# -- bad input: one line, exit 2 --------------------------------------------------------------------------------
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    code, _, err = run(capsys, "breakdown", str(WEB), "--rates", "effective", "--rates-file", str(missing))
    assert code == 2 and err.strip() == (f"finguard: error: {missing}: no rate overlay here: build one with "
                                         "`finguard pricing rates --from-billing DB` (or use --rates list)")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "finguard/rates", "version": 1, "provenance": {}}))
    code, _, err = run(capsys, "diff", str(WEB), "--rates", "effective", "--rates-file", str(bad))
    assert code == 2 and "invalid rate overlay at $.provenance.billing_db: Field required" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "pricing", "rates", "--from-billing", str(tmp_path / "no.duckdb"))
    assert code == 2 and "no billing store here yet" in err
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\npricing:\n  rate: effective\n")
    code, _, err = run(capsys, "check", str(WEB), "--config", str(config))
    assert code == 2 and "unknown key 'pricing.rate' (did you mean 'rates'?)" in err and f"{config}:3" in err
    config.write_text("version: 1\npricing:\n  rates: actual\n")
    code, _, err = run(capsys, "check", str(WEB), "--config", str(config))
    assert code == 2 and "invalid config at pricing.rates" in err


def test_pricing_rates_shows_the_stored_overlay(capsys: pytest.CaptureFixture[str], cur_overlay: Path) -> None:
    code, out, _ = run(capsys, "pricing", "rates", "--out", str(cur_overlay))
    assert code == 0 and "BoxUsage:m5.xlarge" in out and "m5 family" in out and "1 x spot" in out
    code, out, _ = run(capsys, "pricing", "rates", "--out", str(cur_overlay), "--format", "json")
    assert json.loads(out)["schema"] == "finguard/rates"


_VALID = None


def _valid_overlay() -> dict:
    global _VALID
    if _VALID is None:
        _VALID = json.loads((RATES / "overlay_sample.json").read_text(encoding="utf-8"))
    return json.loads(json.dumps(_VALID))


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                  max_size=3), max_leaves=8)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.sampled_from(["provenance", "slots", "ratios", 0, "ratio", "quantity", "rows", "slot",
                                      "rows_excluded", "lookback_days", "schema", "version"]), min_size=1,
                     max_size=3), value=_JSON)
def test_any_overlay_file_loads_or_is_one_input_error(tmp_path: Path, path: list, value: object) -> None:
    """Property: a rate overlay with any value anywhere either loads (and then every number is finite, ratios
    positive) or is refused as one InputError naming the file - never another exception."""
    data = _valid_overlay()
    node = data
    for key in path[:-1]:
        node = node[key] if isinstance(node, dict) and key in node else \
            (node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node) else None)
        if node is None:
            break
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)):
        node[path[-1]] = value
    target = tmp_path / "rates.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    try:
        overlay = load_overlay(target)
    except InputError as exc:
        assert str(target) in str(exc) and "\n" not in str(exc)
        return
    assert all(s.ratio > 0 and s.quantity > 0 for s in overlay.slots)


def test_overlay_sample_is_current(cur_overlay: Path) -> None:
    """tests/fixtures/billing/rates/overlay_sample.json (the property test's seed) is a valid overlay."""
    assert load_overlay(RATES / "overlay_sample.json").slots
    text = (RATES / "overlay_sample.json").read_text(encoding="utf-8").replace('"ratio": 0.8', '"ratio": NaN', 1)
    bad = cur_overlay.parent / "nan.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="NaN is not a JSON number"):
        load_overlay(bad)
