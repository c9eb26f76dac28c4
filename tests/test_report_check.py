"""Policy-check results in every output format, from a hand-built CheckResult covering every kind of finding."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from finguard import __version__, report
from finguard.errors import UsageError
from finguard.policy.model import CheckResult, Finding, FindingKind, PolicyMeta, Severity, SuppressionInfo
from finguard.report import html, json_format, junit, markdown, sarif, table

from .conftest import FIXTURES

NASTY = 'type <m5.24xlarge> & "budget" | more'


def policy(pid: str, severity: Severity, **extra: str) -> PolicyMeta:
    return PolicyMeta(id=pid, title=f"{pid} title", severity=severity, description=f"{pid} description",
                      remediation=f"fix {pid}", pack="aws-cost", language=extra.pop("language", "python"), **extra)


def finding(pid: str, severity: Severity, address: str | None, message: str, **extra: object) -> Finding:
    return Finding(policy_id=pid, title=f"{pid} title", severity=severity, address=address, message=message,
                   remediation=f"fix {pid}", **extra)  # type: ignore[arg-type]


@pytest.fixture()
def result() -> CheckResult:
    """Every severity, a warning, a policy error, two suppressions, a project-level finding, file/line."""
    policies = [policy("FG-CRIT", Severity.CRITICAL), policy("FG-HIGH", Severity.HIGH),
                policy("FG-MED", Severity.MEDIUM), policy("FG-LOW", Severity.LOW), policy("FG-INFO", Severity.INFO),
                policy("FG-WARN", Severity.HIGH, language="rego"), policy("FG-ERR", Severity.HIGH),
                policy("FG-SUP", Severity.MEDIUM), policy("FG-PROJ", Severity.LOW)]
    findings = [
        finding("FG-CRIT", Severity.CRITICAL, "aws_instance.web", f"Instance {NASTY}", file="main.tf", line=12,
                resource_type="aws_instance", monthly_cost_delta=3300.5),
        finding("FG-HIGH", Severity.HIGH, "aws_db_instance.db", "Multi-AZ doubles the cost"),
        finding("FG-MED", Severity.MEDIUM, "aws_s3_bucket.logs", "No lifecycle rule", file="modules/s3/main.tf"),
        finding("FG-LOW", Severity.LOW, "aws_ebs_volume.data", "gp2 volume; gp3 is cheaper"),
        finding("FG-INFO", Severity.INFO, "aws_instance.web", "Consider a savings plan"),
        finding("FG-WARN", Severity.HIGH, "aws_nat_gateway.nat", "NAT gateway per AZ", kind=FindingKind.WARNING),
        finding("FG-ERR", Severity.HIGH, None, 'rego_parse_error: unexpected <eof> & "x"', kind=FindingKind.ERROR,
                file="policies/err.rego", line=3),
        finding("FG-SUP", Severity.MEDIUM, "aws_s3_bucket.logs", "Versioning keeps every copy", file="main.tf",
                line=40, suppressed=SuppressionInfo(kind="inline", reason="accepted by <ops> & co",
                                                    until=date(2030, 1, 1), where="main.tf:39")),
        finding("FG-SUP", Severity.MEDIUM, "aws_s3_bucket.archive", "Versioning keeps every copy",
                suppressed=SuppressionInfo(kind="baseline", reason="in baseline", where="baseline.json")),
        finding("FG-PROJ", Severity.LOW, None, "Monthly cost +$120.00 exceeds the budget"),
    ]
    evaluated = [("FG-CRIT", "aws_instance.web"), ("FG-CRIT", "aws_instance.api"), ("FG-CRIT", "aws_instance.api"),
                 ("FG-HIGH", "aws_db_instance.db"), ("FG-HIGH", "aws_db_instance.replica"),
                 ("FG-MED", "aws_s3_bucket.logs"), ("FG-SUP", "aws_s3_bucket.logs"),
                 ("FG-SUP", "aws_s3_bucket.archive"), ("FG-SUP", "aws_s3_bucket.assets")]
    return CheckResult(project="web-app", source="plan.json", policies=policies, findings=findings,
                       resources_checked=6, fail_on=Severity.HIGH, evaluated=evaluated)


@pytest.fixture()
def clean() -> CheckResult:
    return CheckResult(project="empty", source="plan.json", policies=[policy("FG-CRIT", Severity.CRITICAL)],
                       resources_checked=2, evaluated=[("FG-CRIT", "aws_instance.a")])


SUMMARY = ("7 findings (1 critical, 2 high, 1 medium, 2 low, 1 info), 2 suppressed, 1 policy error; "
           "fails at --fail-on high: yes")


# -- registry ----------------------------------------------------------------------------------------
def test_registry_declares_what_each_module_renders() -> None:
    assert set(report.FORMAT_NAMES) == set(report.formats())
    for name, module in report.formats().items():
        for kind in report.RENDERS:
            assert report.supports(name, kind) == hasattr(module, f"render_{kind}"), (name, kind)
    assert report.supports("sarif", "check") and report.supports("junit", "check")
    assert not report.supports("sarif", "breakdown") and not report.supports("junit", "diff")
    assert report.formats_for("breakdown") == report.COST_FORMATS


def test_renderer_gives_a_usage_error_for_unsupported_pairs(result: CheckResult) -> None:
    with pytest.raises(UsageError, match=r"--format sarif cannot render breakdown .*table, json, markdown, html"):
        report.renderer("sarif", "breakdown")
    assert report.renderer("junit", "check")(result).startswith("<?xml")


@pytest.mark.parametrize("name", report.CHECK_FORMATS)
def test_every_format_renders_a_clean_run(name: str, clean: CheckResult) -> None:
    text = report.renderer(name, "check")(clean)
    assert text.endswith("\n") and "empty" in text


# -- table ---------------------------------------------------------------------------------------------
def test_table_groups_by_severity_highest_first(result: CheckResult) -> None:
    out = table.render_check(result)
    heads = [out.index(f" {s} (") for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")]
    assert heads == sorted(heads)
    assert out.index("POLICY ERRORS (1)") > heads[-1]
    assert out.index("SUPPRESSED (2)") > out.index("POLICY ERRORS")
    assert out.rstrip().endswith(SUMMARY)
    assert " Project" not in out and " Policy check: web-app (plan.json)" in out
    assert "6 resources checked against 9 policies" in out


def test_table_lines_carry_id_address_location_and_fix(result: CheckResult) -> None:
    out = table.render_check(result)
    assert "FG-CRIT  aws_instance.web  (main.tf:12)  [fails]" in out
    assert f"Instance {NASTY}" in out and "fix: fix FG-CRIT" in out
    assert "FG-MED  aws_s3_bucket.logs  (modules/s3/main.tf)\n" in out  # medium: below --fail-on, no tag
    assert "FG-WARN  aws_nat_gateway.nat  [warning, advisory]" in out
    assert "FG-PROJ  (project)" in out
    assert "suppressed (inline at main.tf:39): accepted by <ops> & co; until 2030-01-01" in out
    assert "suppressed (baseline at baseline.json): in baseline" in out
    assert "[high]  FG-ERR  (policies/err.rego:3)  [fails]" in out


def test_table_summary_passes_below_threshold(result: CheckResult, clean: CheckResult) -> None:
    assert table.summary_line(clean) == ("0 findings (0 critical, 0 high, 0 medium, 0 low, 0 info), 0 suppressed, "
                                         "0 policy errors; fails at --fail-on high: no")
    assert "No findings." in table.render_check(clean)
    lenient = result.model_copy(update={"findings": [f for f in result.findings if f.kind is not FindingKind.ERROR],
                                        "fail_on": Severity.CRITICAL})
    assert table.summary_line(lenient).endswith("0 policy errors; fails at --fail-on critical: yes")
    lenient.findings = [f for f in lenient.findings if f.severity is not Severity.CRITICAL]
    assert table.summary_line(lenient).endswith("fails at --fail-on critical: no")


# -- json ----------------------------------------------------------------------------------------------
def test_json_document(result: CheckResult) -> None:
    doc = json.loads(json_format.render_check(result))
    assert (doc["schema"], doc["version"]) == ("finguard/check", 1)
    assert doc["failed"] is True and doc["fail_on"] == "high" and doc["resources_checked"] == 6
    assert doc["summary"] == {"findings": 7, "by_severity": {"critical": 1, "high": 2, "medium": 1, "low": 2,
                                                             "info": 1},
                              "suppressed": 2, "errors": 1, "failing": 3}
    assert doc["pairs_evaluated"] == 9 and len(doc["policies"]) == 9 and len(doc["findings"]) == 10
    first = doc["findings"][0]
    assert first["message"] == f"Instance {NASTY}" and first["failing"] is True
    assert first["fingerprint"] == result.findings[0].fingerprint and (first["file"], first["line"]) == ("main.tf", 12)
    assert [f["policy_id"] for f in doc["findings"] if f["failing"]] == ["FG-CRIT", "FG-HIGH", "FG-ERR"]
    assert doc["findings"][7]["suppressed"] == {"kind": "inline", "reason": "accepted by <ops> & co",
                                                "until": "2030-01-01", "where": "main.tf:39"}


def test_json_schema_is_documented_in_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON output (version 1)", 1)[1].split("\n## ", 1)[0]
    assert '"schema": "finguard/check"' in section
    for key in ("fail_on", "failed", "summary", "pairs_evaluated", "fingerprint", "failing", "suppressed"):
        assert f"`{key}`" in section, key


# -- markdown ------------------------------------------------------------------------------------------
def test_markdown_groups_findings_by_severity(result: CheckResult) -> None:
    out = markdown.render_check(result)
    heads = [out.index(f"#### {s} (") for s in ("Critical", "High", "Medium", "Low", "Info")]
    assert heads == sorted(heads)
    sections = re.split(r"^#### ", out.split("<details>")[0], flags=re.M)[1:]
    rows = {s.split("\n", 1)[0]: [line for line in s.splitlines() if line.startswith("| ")][1:] for s in sections}
    assert {k: len(v) for k, v in rows.items()} == {"Critical (1)": 1, "High (2)": 2, "Medium (1)": 1, "Low (2)": 2,
                                                    "Info (1)": 1, "Policy errors (1)": 1}
    assert "fix FG-CRIT" in rows["Critical (1)"][0] and "`main.tf:12`" in rows["Critical (1)"][0]
    assert rows["Critical (1)"][0].startswith("| :x: `FG-CRIT` | `aws_instance.web` |")
    assert "_project_" in "".join(rows["Low (2)"]) and "_(warning, advisory)_" in "".join(rows["High (2)"])
    assert "**:x: Fails** at `--fail-on high`" in out and SUMMARY in out


def test_markdown_suppressed_are_collapsed_and_text_is_escaped(result: CheckResult) -> None:
    out = markdown.render_check(result)
    details = out[out.index("<details><summary>Suppressed findings (2)</summary>"):out.index("</details>")]
    assert "accepted by &lt;ops&gt; &amp; co; until 2030-01-01" in details and "aws_s3_bucket.archive" in details
    assert "<m5" not in out and "<ops>" not in out and "<eof>" not in out
    row = next(line for line in out.splitlines() if "FG-CRIT" in line and "Instance" in line)
    assert "Instance type &lt;m5.24xlarge&gt; &amp; \"budget\" \\| more" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells: the message's pipe did not add one


def test_markdown_cell_and_code_helpers() -> None:
    assert markdown.cell("a\nb | <c>") == "a<br>b \\| &lt;c&gt;"
    assert markdown.code('aws_instance.x["a|b"]') == '`aws_instance.x["a\\|b"]`'
    assert markdown.code("a`b") == "`` a`b ``"


def test_markdown_clean_run_passes(clean: CheckResult) -> None:
    out = markdown.render_check(clean)
    assert "**:white_check_mark: Passes**" in out and "<details>" not in out and "No findings." in out


# -- html ----------------------------------------------------------------------------------------------
def test_html_escapes_and_groups(result: CheckResult) -> None:
    out = html.render_check(result)
    assert "<m5" not in out and "<ops>" not in out and '"budget"' not in out and "<eof>" not in out
    assert "type &lt;m5.24xlarge&gt; &amp; &#34;budget&#34; | more" in out
    assert "accepted by &lt;ops&gt; &amp; co" in out
    heads = [out.index(f'<span class="sev sev-{s}">{s}</span> ') for s in ("critical", "high", "medium", "low",
                                                                             "info")]
    assert heads == sorted(heads)
    assert "<details><summary>Suppressed findings (2)</summary>" in out and "Policy errors (1)" in out
    assert SUMMARY in out and 'class="verdict-fail"' in out


def test_html_is_well_formed(result: CheckResult) -> None:
    from html.parser import HTMLParser

    void = {"meta", "br", "link"}

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack and self.stack.pop() == tag, tag

    checker = Checker()
    checker.feed(html.render_check(result))
    assert checker.stack == []


# -- sarif ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def validate_sarif(log: dict[str, object], schema: dict[str, object]) -> None:
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_validates_against_the_official_schema(result: CheckResult, clean: CheckResult,
                                                     sarif_schema: dict[str, object]) -> None:
    for check in (result, clean):
        log = json.loads(sarif.render_check(check))
        validate_sarif(log, sarif_schema)
    broken = json.loads(sarif.render_check(result))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate_sarif(broken, sarif_schema)


def test_sarif_tool_and_rules(result: CheckResult) -> None:
    log = json.loads(sarif.render_check(result))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "finguard" and driver["version"] == __version__
    assert "informationUri" not in driver or driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == [p.id for p in result.policies]
    crit = rules["FG-CRIT"]
    assert crit["name"] == "FG-CRIT title" and crit["shortDescription"] == {"text": "FG-CRIT title"}
    assert crit["fullDescription"] == {"text": "FG-CRIT description"}
    assert crit["help"]["text"] == "fix FG-CRIT" and "**Remediation:** fix FG-CRIT" in crit["help"]["markdown"]
    assert crit["defaultConfiguration"] == {"level": "error"}
    assert crit["properties"]["security-severity"] == "9.5" and "aws-cost" in crit["properties"]["tags"]
    assert rules["FG-HIGH"]["properties"]["security-severity"] == "8.0"
    assert "security-severity" not in rules["FG-MED"]["properties"]
    levels = {pid: rules[pid]["defaultConfiguration"]["level"] for pid in ("FG-MED", "FG-LOW", "FG-INFO")}
    assert levels == {"FG-MED": "warning", "FG-LOW": "note", "FG-INFO": "note"}


def test_sarif_results(result: CheckResult) -> None:
    run = json.loads(sarif.render_check(result))["runs"][0]
    rules, results = run["tool"]["driver"]["rules"], run["results"]
    assert len(results) == len(result.findings)
    for item, f in zip(results, result.findings, strict=True):
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"] == f.policy_id
        digest = hashlib.sha256(f.fingerprint.encode()).hexdigest()
        assert item["partialFingerprints"] == {"finguardFingerprint/v1": digest}
    by = {(r["ruleId"], i): r for i, r in enumerate(results)}
    crit = by[("FG-CRIT", 0)]
    assert crit["level"] == "error" and crit["message"]["text"].startswith(f"Instance {NASTY}")
    assert crit["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "main.tf"}, "region": {"startLine": 12}},
        "logicalLocations": [{"fullyQualifiedName": "aws_instance.web", "kind": "resource"}]}]
    assert crit["properties"]["monthlyCostDelta"] == 3300.5 and crit["properties"]["failing"] is True
    assert [r["level"] for r in results[1:5]] == ["error", "warning", "note", "note"]
    med = by[("FG-MED", 2)]["locations"][0]["physicalLocation"]
    assert med == {"artifactLocation": {"uri": "modules/s3/main.tf"}}  # no line: no region
    assert by[("FG-WARN", 5)]["properties"]["findingKind"] == "warning"
    # project-level, no file: the plan file, so code scanning still has somewhere to show it
    assert by[("FG-PROJ", 9)]["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "plan.json"}}}]
    assert by[("FG-HIGH", 1)]["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "plan.json"}},
        "logicalLocations": [{"fullyQualifiedName": "aws_db_instance.db", "kind": "resource"}]}]
    inline, baseline = by[("FG-SUP", 7)]["suppressions"], by[("FG-SUP", 8)]["suppressions"]
    assert inline[0]["kind"] == "inSource" and inline[0]["justification"] == "accepted by <ops> & co (until 2030-01-01)"
    assert baseline[0]["kind"] == "external" and baseline[0]["justification"] == "in baseline"
    assert all("suppressions" not in r for i, r in enumerate(results) if i not in (7, 8))


def test_sarif_policy_errors_are_notifications_and_results(result: CheckResult) -> None:
    run = json.loads(sarif.render_check(result))["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and notes[0]["level"] == "error"
    assert notes[0]["associatedRule"]["id"] == "FG-ERR" and "could not run" in notes[0]["message"]["text"]
    error = run["results"][6]
    assert error["ruleId"] == "FG-ERR" and error["level"] == "error"
    assert error["message"]["text"].startswith("policy error: rego_parse_error")
    assert error["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert "logicalLocations" not in error["locations"][0]


def test_sarif_rule_for_a_finding_whose_policy_is_not_listed(sarif_schema: dict[str, object]) -> None:
    orphan = CheckResult(project="p", source="<plan>",
                         findings=[finding("X-1", Severity.HIGH, None, "from checkov")])
    log = json.loads(sarif.render_check(orphan))
    validate_sarif(log, sarif_schema)
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "X-1"
    assert "locations" not in log["runs"][0]["results"][0]  # no file, no plan file, no address


def test_sarif_artifact_uris(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert sarif.artifact_uri("./main.tf") == "main.tf"
    assert sarif.artifact_uri("modules\\net\\main.tf") == "modules/net/main.tf"
    assert sarif.artifact_uri("my dir/main.tf") == "my%20dir/main.tf"
    assert sarif.artifact_uri(str(tmp_path / "infra" / "main.tf")) == "infra/main.tf"
    assert sarif.artifact_uri("/elsewhere/main.tf") == "file:///elsewhere/main.tf"


def test_sarif_has_no_cost_renders() -> None:
    assert not hasattr(sarif, "render_breakdown") and not hasattr(sarif, "render_diff")
    assert not hasattr(junit, "render_breakdown") and not hasattr(junit, "render_diff")


# -- junit ---------------------------------------------------------------------------------------------
def parse_junit(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_junit_counts_add_up(result: CheckResult) -> None:
    root = parse_junit(junit.render_check(result))
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        actual = {"tests": len(cases), "failures": sum(len(c.findall("failure")) for c in cases),
                  "errors": sum(len(c.findall("error")) for c in cases),
                  "skipped": sum(len(c.findall("skipped")) for c in cases)}
        assert {k: int(suite.get(k, "-1")) for k in actual} == actual, suite.get("name")
        for key in totals:
            totals[key] += actual[key]
    assert {k: int(root.get(k, "-1")) for k in totals} == totals
    # 10 findings + passing pairs: FG-CRIT/api (once, though listed twice), FG-HIGH/replica, FG-SUP/assets
    assert totals == {"tests": 13, "failures": 2, "errors": 1, "skipped": 7}
    assert [s.get("name") for s in root.iter("testsuite")] == [p.id for p in result.policies]
    assert all(s.get("type") is None for s in root.iter("skipped"))  # the JUnit schema: message only


def test_junit_outcomes(result: CheckResult) -> None:
    root = parse_junit(junit.render_check(result))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    crit = {c.get("name"): c for c in suites["FG-CRIT"].findall("testcase")}
    assert set(crit) == {"aws_instance.web", "aws_instance.api"}
    failure = crit["aws_instance.web"].find("failure")
    assert failure is not None and failure.get("message") == f"Instance {NASTY}" and failure.get("type") == "critical"
    assert failure.text is not None and "Remediation: fix FG-CRIT" in failure.text and "main.tf:12" in failure.text
    assert (crit["aws_instance.web"].get("file"), crit["aws_instance.web"].get("line")) == ("main.tf", "12")
    assert len(crit["aws_instance.api"]) == 0  # evaluated, no finding: passed
    assert crit["aws_instance.web"].get("classname") == "FG-CRIT"

    def skipped(suite: str) -> list[str]:
        return [s.get("message", "") for s in suites[suite].iter("skipped")]

    assert skipped("FG-MED") == ["medium finding is below --fail-on high: No lifecycle rule"]
    assert skipped("FG-WARN")[0].startswith("advisory warning (high), never fails the run")
    assert skipped("FG-SUP") == ["suppressed (inline at main.tf:39): accepted by <ops> & co; until 2030-01-01",
                                 "suppressed (baseline at baseline.json): in baseline"]
    assert [c.get("name") for c in suites["FG-SUP"].findall("testcase")] == [
        "aws_s3_bucket.logs", "aws_s3_bucket.archive", "aws_s3_bucket.assets"]
    error = suites["FG-ERR"].find("testcase/error")
    assert error is not None and error.get("type") == "policy-error"
    assert error.get("message") == 'policy could not run: rego_parse_error: unexpected <eof> & "x"'
    assert suites["FG-PROJ"].find("testcase").get("name") == "(project)"  # type: ignore[union-attr]


def test_junit_escapes_markup(result: CheckResult) -> None:
    text = junit.render_check(result)
    assert "<m5" not in text and "<ops>" not in text and "<eof>" not in text
    assert "&lt;m5.24xlarge&gt; &amp; &quot;budget&quot;" in text  # in an attribute, quotes are escaped too
    control = result.model_copy(update={"findings": [finding("FG-CRIT", Severity.CRITICAL, "a.b", "bell\x07 here")]})
    message = parse_junit(junit.render_check(control)).find(".//failure")
    assert message is not None and message.get("message") == "bell\ufffd here"


def test_junit_duplicate_findings_get_distinct_names() -> None:
    twice = CheckResult(project="p", source="plan.json", policies=[policy("FG-A", Severity.HIGH)],
                        findings=[finding("FG-A", Severity.HIGH, "aws_instance.a", "one"),
                                  finding("FG-A", Severity.HIGH, "aws_instance.a", "two")])
    root = parse_junit(junit.render_check(twice))
    assert [c.get("name") for c in root.iter("testcase")] == ["aws_instance.a", "aws_instance.a (2)"]
    assert root.get("failures") == "2" and root.get("tests") == "2"
