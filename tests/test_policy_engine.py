"""The policy engine: discovery, fail-closed errors, severities, suppressions (inline, config, expired),
baseline, and the Rego input document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from finguard.config import FinguardConfig
from finguard.errors import InputError
from finguard.policy.baseline import load_baseline, write_baseline
from finguard.policy.engine import CheckOptions, rego_input, run_check
from finguard.policy.model import CheckResult, FindingKind, Severity
from finguard.policy.source_map import SourceMap
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.snippet import project_from_snippet

SNIPPET = '''
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { team = "web", env = "prod", cost-center = "CC-1234" }
  }
}
resource "aws_instance" "web" {
  instance_type = "m5.large"
}
resource "aws_instance" "untagged" {
  instance_type = "t3.micro"
  tags = { env = "Production" }
}
'''

POLICY = '''
from finguard.policy.api import policy, Violation

@policy(id="ACME-001", title="No t3.micro", severity="medium", resource_types=["aws_instance"],
        remediation="Use t4g.micro")
def no_micro(resource, ctx):
    if resource.attr("instance_type") == "t3.micro":
        yield Violation(f"t3.micro costs {resource.monthly_cost:.2f} per month")
'''


def _check(catalog: Catalog, options: CheckOptions, snippet: str = SNIPPET) -> CheckResult:
    project = project_from_snippet(snippet)
    return run_check(project, estimate(project, catalog, "after"), estimate(project, catalog, "before"), catalog,
                     options)


def _trusted(tmp_path: Path, source: str, name: str = "acme.py") -> FinguardConfig:
    directory = tmp_path / "guardrails"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(source)
    config = FinguardConfig.model_validate({"policies": {"trusted_dirs": ["guardrails"], "packs": []}})
    config.path = tmp_path / "finguard.yml"
    return config


def test_python_policy_from_a_trusted_directory_sees_cost(catalog: Catalog, tmp_path: Path) -> None:
    result = _check(catalog, CheckOptions(config=_trusted(tmp_path, POLICY)))
    [finding] = [f for f in result.findings if f.policy_id == "ACME-001"]
    assert finding.address == "aws_instance.untagged" and finding.severity is Severity.MEDIUM
    assert finding.message == "t3.micro costs 7.59 per month" and finding.remediation == "Use t4g.micro"
    assert ("ACME-001", "aws_instance.web") in result.evaluated
    assert not result.failing  # medium < high


def test_builtin_packs_run_by_default(catalog: Catalog) -> None:
    result = _check(catalog, CheckOptions())
    by_policy = {(f.policy_id, f.address) for f in result.findings}
    assert ("FG-TAG-002", "aws_instance.untagged") in by_policy  # env = "Production"
    assert ("FG-TAG-001", "aws_instance.web") not in by_policy  # default_tags cover it


def test_a_policy_that_raises_fails_closed(catalog: Catalog, tmp_path: Path) -> None:
    broken = POLICY.replace('yield Violation(f"t3.micro', 'raise RuntimeError("boom"); yield Violation(f"')
    result = _check(catalog, CheckOptions(config=_trusted(tmp_path, broken)))
    [error] = [f for f in result.findings if f.kind is FindingKind.ERROR]
    assert error.policy_id == "ACME-001" and "RuntimeError: boom" in error.message
    assert "aws_instance.untagged" in error.message
    assert result.failing == [error]


def test_a_policy_file_that_does_not_import_fails_closed(catalog: Catalog, tmp_path: Path) -> None:
    result = _check(catalog, CheckOptions(config=_trusted(tmp_path, "def broken(:\n", "bad.py")))
    [error] = result.findings
    assert error.kind is FindingKind.ERROR and "SyntaxError" in error.message and result.failing


def test_rego_compile_error_and_bad_result_fail_closed(catalog: Catalog, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    rego.mkdir()
    (rego / "broken.rego").write_text("package acme.broken\nimport rego.v1\ndeny contains msg if { msg := }\n")
    (rego / "odd.rego").write_text('package acme.odd\nimport rego.v1\nmetadata := {"id": "ACME-ODD", '
                                   '"title": "odd", "severity": "low"}\ndeny contains 42 if { true }\n')
    (rego / "nometa.rego").write_text('package acme.nometa\nimport rego.v1\ndeny contains "x" if { true }\n')
    options = CheckOptions(config=FinguardConfig.model_validate({"policies": {"packs": []}}), rego_dirs=[rego])
    result = _check(catalog, options)
    messages = sorted(f.message for f in result.findings if f.kind is FindingKind.ERROR)
    assert len(messages) == 3
    assert any("Rego policy failed" in m and "broken.rego:3" in m for m in messages)
    assert any("neither a string nor an object" in m for m in messages)
    assert any("invalid `metadata`" in m for m in messages)


def test_rego_deny_and_warn(catalog: Catalog, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    rego.mkdir()
    (rego / "big.rego").write_text('''package acme.big
import rego.v1
metadata := {"id": "ACME-BIG", "title": "Big spend", "severity": "critical", "remediation": "Ask FinOps"}
deny contains {"address": r.address, "msg": sprintf("%v costs %.2f", [r.address, r.monthly_cost])} if {
    some r in input.resources
    r.monthly_cost > 50
}
warn contains sprintf("project delta %.2f", [input.project.monthly_cost_delta]) if {
    input.project.monthly_cost_delta > 0
}
''')
    options = CheckOptions(config=FinguardConfig.model_validate({"policies": {"packs": []}}), rego_dirs=[rego])
    result = _check(catalog, options)
    deny = [f for f in result.findings if f.kind is FindingKind.VIOLATION]
    warn = [f for f in result.findings if f.kind is FindingKind.WARNING]
    assert [(f.address, f.message) for f in deny] == [("aws_instance.web", "aws_instance.web costs 70.08")]
    assert deny[0].severity is Severity.CRITICAL and deny[0].remediation == "Ask FinOps"
    assert [f.message for f in warn] == ["project delta 77.67"]  # 70.08 + 7.592, rounded by sprintf
    assert result.failing == deny  # warnings never fail


def test_severity_override_disable_and_fail_on(catalog: Catalog, tmp_path: Path) -> None:
    config = _trusted(tmp_path, POLICY)
    config.policies.severity["ACME-001"] = Severity.CRITICAL
    assert _check(catalog, CheckOptions(config=config)).failing
    assert _check(catalog, CheckOptions(config=config, fail_on=Severity.CRITICAL)).failing
    config.policies.disable.append("ACME-001")
    assert not [f for f in _check(catalog, CheckOptions(config=config)).findings if f.policy_id == "ACME-001"]


def test_unknown_pack_missing_trusted_dir_and_bad_settings(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown built-in policy pack"):
        _check(catalog, CheckOptions(config=FinguardConfig.model_validate({"policies": {"packs": ["nope"]}})))
    config = FinguardConfig.model_validate({"policies": {"trusted_dirs": ["missing"], "packs": []}})
    config.path = tmp_path / "finguard.yml"
    with pytest.raises(InputError, match="does not exist"):
        _check(catalog, CheckOptions(config=config))
    config = _trusted(tmp_path, POLICY)
    config.policies.settings["ACME-001"] = {"x": 1}
    with pytest.raises(InputError, match="ACME-001 takes no settings"):
        _check(catalog, CheckOptions(config=config))


def _tf_project(tmp_path: Path, comment: str) -> tuple[SourceMap, str]:
    (tmp_path / "main.tf").write_text(f'''
resource "aws_instance" "web" {{
  instance_type = "m5.large"
}}

{comment}
resource "aws_instance" "untagged" {{
  instance_type = "t3.micro"
  tags = {{ env = "Production" }}
}}
''')
    return SourceMap.scan(tmp_path, {}), SNIPPET


def test_inline_suppression_with_reason_and_location(catalog: Catalog, tmp_path: Path) -> None:
    smap, snippet = _tf_project(tmp_path, '# finguard:ignore FG-TAG-002 reason="legacy naming" until=2099-01-01')
    result = _check(catalog, CheckOptions(source_map=smap), snippet)
    [finding] = [f for f in result.findings if f.policy_id == "FG-TAG-002"]
    assert finding.file == "main.tf" and finding.line == 7
    assert finding.suppressed is not None and finding.suppressed.kind == "inline"
    assert finding.suppressed.reason == "legacy naming" and finding.suppressed.where == "main.tf:6"
    assert finding not in result.active


def test_expired_inline_suppression_stops_and_is_reported(catalog: Catalog, tmp_path: Path) -> None:
    smap, snippet = _tf_project(tmp_path, '# finguard:ignore FG-TAG-002 reason="temporary" until=2026-01-31')
    result = _check(catalog, CheckOptions(source_map=smap, today=date(2026, 11, 28)), snippet)
    finding = next(f for f in result.findings if f.policy_id == "FG-TAG-002" and f.kind is FindingKind.VIOLATION)
    assert finding.suppressed is None
    [expired] = [f for f in result.findings if f.kind is FindingKind.EXPIRED_SUPPRESSION]
    assert "expired on 2026-01-31" in expired.message and expired.address == "aws_instance.untagged"


def test_suppression_without_reason_is_an_error_not_a_silent_ignore(catalog: Catalog, tmp_path: Path) -> None:
    smap, snippet = _tf_project(tmp_path, "# finguard:ignore FG-TAG-002")
    result = _check(catalog, CheckOptions(source_map=smap), snippet)
    assert any(f.kind is FindingKind.ERROR and 'needs reason="..."' in f.message for f in result.findings)
    assert next(f for f in result.findings if f.policy_id == "FG-TAG-002").suppressed is None


def test_config_suppression_by_glob(catalog: Catalog) -> None:
    config = FinguardConfig.model_validate({"suppressions": [
        {"policy": "FG-TAG-002", "address": "aws_instance.un*", "reason": "migrating", "until": "2099-12-31"}]})
    result = _check(catalog, CheckOptions(config=config))
    finding = next(f for f in result.findings if f.policy_id == "FG-TAG-002")
    assert finding.suppressed is not None and finding.suppressed.kind == "config"


def test_config_naming_unknown_policy_ids_warns_without_failing(catalog: Catalog) -> None:
    """`disable: [FG-TAG-01]` (a typo) left FG-TAG-001 on with no sign of why: each unknown id is a warning."""
    config = FinguardConfig.model_validate({
        "policies": {"disable": ["FG-TAG-01", "FG-TAG-002", "CKV_AWS_8"], "severity": {"FG-STO-01": "high"},
                     "settings": {"FG-CMP-004": {}}},
        "suppressions": [{"policy": "ACME-404", "reason": "r"}, {"policy": "*", "reason": "none"}],
    })
    result = _check(catalog, CheckOptions(config=config))
    warnings = [f for f in result.findings if f.policy_id == "finguard:config"]
    assert [f.message for f in warnings] == [
        'policies.disable names FG-TAG-01, which no loaded policy has (did you mean "FG-TAG-001"?): it has no effect',
        'policies.severity names FG-STO-01, which no loaded policy has (did you mean "FG-STO-001"?): it has no '
        "effect",
        "suppressions[0] names ACME-404, which no loaded policy has: it has no effect",
    ]
    assert all(f.kind is FindingKind.WARNING and f not in result.failing for f in warnings)
    assert not [f for f in _check(catalog, CheckOptions()).findings if f.policy_id == "finguard:config"]


def test_an_inline_suppression_of_an_unknown_policy_id_warns(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from .test_cli import run

    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n# finguard:ignore FG-TAG-01 reason="legacy"\n'
        'resource "aws_instance" "w" {\n  instance_type = "t3.micro"\n}\n')
    code, out, err = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1, err  # the untagged instance still fails: the comment suppressed nothing
    findings = json.loads(out)["findings"]
    warning = next(f for f in findings if f["policy_id"] == "finguard:config")
    assert warning["message"] == ('the finguard:ignore comment names FG-TAG-01, which no loaded policy has '
                                  '(did you mean "FG-TAG-001"?): it has no effect')
    assert warning["file"].endswith("main.tf") and warning["line"] == 4 and warning["kind"] == "warning"
    assert any(f["policy_id"] == "FG-TAG-001" and f["suppressed"] is None for f in findings)


def test_config_naming_unknown_regions_warns(catalog: Catalog) -> None:
    config = FinguardConfig.model_validate({"regions": {"allowed": ["us-east-1", "westeurope", "europe-west1",
                                                                   "eu-wset-1"], "denied": ["atlantis"]}})
    warnings = [f for f in _check(catalog, CheckOptions(config=config)).findings if f.title == "Unknown region"]
    assert [f.message for f in warnings] == [
        'regions.allowed names eu-wset-1, which is no region finguard knows (did you mean "eu-west-1"?)',
        "regions.denied names atlantis, which is no region finguard knows"]
    assert all(f.kind is FindingKind.WARNING and f.severity is Severity.LOW for f in warnings)


def test_baseline_only_new_findings_fail(catalog: Catalog, tmp_path: Path) -> None:
    config = FinguardConfig.model_validate({"fail_on": "medium"})
    first = _check(catalog, CheckOptions(config=config))
    assert first.failing
    baseline = tmp_path / "baseline.json"
    count = write_baseline(first, baseline)
    assert count == len(first.active) and len(load_baseline(baseline)) == count
    again = _check(catalog, CheckOptions(config=config, baseline=baseline))
    assert not again.failing and all(f.suppressed and f.suppressed.kind == "baseline" for f in again.findings)
    worse = SNIPPET + 'resource "aws_ebs_volume" "new" {\n  size = 10\n  tags = { env = "qa" }\n}\n'
    new = _check(catalog, CheckOptions(config=config, baseline=baseline), worse)
    assert {f.address for f in new.failing} == {"aws_ebs_volume.new"}


def test_bad_baseline_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.json")
    (tmp_path / "b.json").write_text('{"schema": "other"}')
    with pytest.raises(InputError, match="not a finguard baseline"):
        load_baseline(tmp_path / "b.json")


def test_rego_input_document(catalog: Catalog) -> None:
    project = project_from_snippet(SNIPPET)
    after, before = estimate(project, catalog, "after"), estimate(project, catalog, "before")
    from finguard.policy.engine import _views

    doc = json.loads(rego_input(project, _views(project, after, before), before, after, FinguardConfig()))
    web = doc["resources"][0]
    assert web["address"] == "aws_instance.web" and web["type"] == "aws_instance" and web["provider"] == "aws"
    assert web["region"] == "us-east-1" and web["action"] == "create" and web["taggable"] is True
    assert web["tags"] == {"team": "web", "env": "prod", "cost-center": "CC-1234"}
    assert web["attributes"]["instance_type"] == "m5.large"
    assert web["monthly_cost"] == pytest.approx(70.08) and web["monthly_cost_before"] is None
    assert web["monthly_cost_delta"] == pytest.approx(70.08)
    assert doc["project"]["monthly_cost_after"] == pytest.approx(77.672)
    assert doc["config"]["taxonomy"]["required_tags"] == ["team", "env", "cost-center"]


def test_source_map_from_texts_already_read_matches_the_files(tmp_path: Path) -> None:
    """HCL mode hands the scan the texts it read; a symlinked .tf file is named where it points, as before."""
    smap, _ = _tf_project(tmp_path, '# finguard:ignore FG-TAG-002 reason="legacy naming"')
    real = tmp_path / "main.tf"
    given = SourceMap.scan(tmp_path, {}, texts={real.resolve(): real.read_text()})
    assert {k: (d.file, d.line, d.suppressions) for k, d in given.declarations.items()} == \
        {k: (d.file, d.line, d.suppressions) for k, d in smap.declarations.items()}
    assert smap.declarations["aws_instance.untagged"].suppressions[0].line == 6
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    (elsewhere / "db.tf").write_text('resource "aws_db_instance" "main" {\n}\n')
    (tmp_path / "db.tf").symlink_to(elsewhere / "db.tf")
    assert SourceMap.scan(tmp_path, {}).declarations["aws_db_instance.main"].file == "shared/db.tf"


def test_policy_resource_view_is_read_only() -> None:
    """One policy cannot change what the next one sees (the view copies the resource's fields once)."""
    from finguard.model import Resource
    from finguard.policy.api import PolicyResource

    view = PolicyResource(Resource(address="aws_instance.web", type="aws_instance", name="web", action="create",
                                   region="eu-west-1", after={"instance_type": "m5.large"}), None, None)
    assert (view.address, view.type, view.provider, view.region) == ("aws_instance.web", "aws_instance", "aws",
                                                                      "eu-west-1")
    assert view.attr("instance_type") == "m5.large"
    with pytest.raises(AttributeError, match="read-only"):
        view.region = "us-east-1"  # type: ignore[misc]
