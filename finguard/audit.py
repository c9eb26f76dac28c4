"""`finguard audit`: price and check every Terraform root of many repositories, and add it all up.

Each repository is a local directory (a checkout, or a GitHub repository fetched into a temporary one by
`finguard.github.audit`). Its roots are the directories holding .tf files outside any `modules/` path, read
in HCL mode, and the plan JSON files (`plan.json`, `tfplan.json`, `*.plan.json`); a directory with a plan is
read from the plan, its .tf files only locate findings. Every root is priced with `estimate` and checked with
`finguard.policy.runner.evaluate`, the same engine as `finguard check`. One repository that fails (unreadable,
broken HCL, an API error) is reported with its error; the others still run.

Renders Markdown, versioned JSON (`finguard/audit`) and a self-contained HTML page whose charts are inline
SVG drawn here, in Python (no script, no external asset).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from finguard.collector import cycles_uncollected
from finguard.config import FinguardConfig, Taxonomy, find_config, load_config
from finguard.errors import FinguardError
from finguard.model import Project, ProjectCost
from finguard.policy.model import CheckResult, Finding, FindingKind, Severity
from finguard.report.charts import bar_chart, donut_chart

SCHEMA = "finguard/audit"
VERSION = 1
PLAN_NAMES = ("plan.json", "tfplan.json")
PLAN_SUFFIX = ".plan.json"
SKIP_DIRS = {"modules", ".terraform", "node_modules"}  # and every hidden directory
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))
ZERO = Decimal(0)


def is_plan_file(name: str) -> bool:
    return name in PLAN_NAMES or name.endswith(PLAN_SUFFIX)


def is_terraform_file(path: str) -> bool:
    """What an audit reads from a repository: .tf code, the tfvars Terraform loads itself, and plan JSON."""
    name = path.rsplit("/", 1)[-1]
    return (name.endswith(".tf") or is_plan_file(name) or name in ("terraform.tfvars", "terraform.tfvars.json")
            or name.endswith((".auto.tfvars", ".auto.tfvars.json")))


def skipped_dir(part: str) -> bool:
    return part in SKIP_DIRS or part.startswith(".")


# -- results -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class TagCoverage:
    """Taggable resources carrying every required tag, by count and by monthly cost."""

    taggable: int = 0
    tagged: int = 0
    taggable_cost: Decimal = ZERO
    tagged_cost: Decimal = ZERO

    def add(self, other: TagCoverage) -> None:
        self.taggable += other.taggable
        self.tagged += other.tagged
        self.taggable_cost += other.taggable_cost
        self.tagged_cost += other.tagged_cost

    @property
    def resource_percent(self) -> Decimal | None:
        return _percent(Decimal(self.tagged), Decimal(self.taggable))

    @property
    def cost_percent(self) -> Decimal | None:
        return _percent(self.tagged_cost, self.taggable_cost)

    def as_json(self) -> dict[str, Any]:
        return {"taggable": self.taggable, "fully_tagged": self.tagged, "resource_percent": self.resource_percent,
                "taggable_monthly_cost": _cents(self.taggable_cost), "tagged_monthly_cost": _cents(self.tagged_cost),
                "cost_percent": self.cost_percent}


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class RootResult:
    path: str  # relative to the repository: a directory ("." for its top) or a plan file
    kind: str  # "hcl" | "plan"
    resources: int = 0
    monthly_cost: Decimal = ZERO
    complete: bool = True
    warnings: int = 0
    error: str | None = None


@dataclass(slots=True)
class AuditFinding:
    root: str
    finding: Finding
    failing: bool


@dataclass(slots=True)
class CostlyResource:
    repo: str
    root: str
    address: str
    type: str
    monthly_cost: Decimal
    complete: bool


@dataclass(slots=True)
class RepoResult:
    name: str
    source: str
    roots: list[RootResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    findings: list[AuditFinding] = field(default_factory=list)  # active (not suppressed), policy errors too
    suppressed: int = 0
    tags: TagCoverage = field(default_factory=TagCoverage)
    resources_list: list[CostlyResource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def resources(self) -> int:
        return sum(r.resources for r in self.roots)

    @property
    def monthly_cost(self) -> Decimal:
        return sum((r.monthly_cost for r in self.roots), ZERO)

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.roots)

    @property
    def reported(self) -> list[AuditFinding]:
        """Findings about the code (policy errors are counted on their own)."""
        return [f for f in self.findings if f.finding.kind is not FindingKind.ERROR]

    @property
    def policy_errors(self) -> int:
        return sum(f.finding.kind is FindingKind.ERROR for f in self.findings)

    @property
    def by_severity(self) -> dict[Severity, int]:
        shown = self.reported
        return {s: sum(f.finding.severity is s for f in shown) for s in SEVERITIES_DESC}

    @property
    def failing(self) -> int:
        return sum(f.failing for f in self.findings)


@dataclass(slots=True)
class AuditResult:
    repos: list[RepoResult]
    source: dict[str, Any]  # {"kind": "local"} or {"kind": "github", "org": ..., "api_url": ...}
    fail_on: Severity | None
    required_tags: list[str]
    top_n: int
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0).isoformat())

    @property
    def title(self) -> str:
        if self.source.get("org"):
            return f"{self.source['org']} ({len(self.repos)} repositories)"
        return f"{len(self.repos)} repositories"

    @property
    def monthly_cost(self) -> Decimal:
        return sum((r.monthly_cost for r in self.repos), ZERO)

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.repos)

    @property
    def resources(self) -> int:
        return sum(r.resources for r in self.repos)

    @property
    def by_severity(self) -> dict[Severity, int]:
        return {s: sum(r.by_severity[s] for r in self.repos) for s in SEVERITIES_DESC}

    @property
    def findings(self) -> int:
        return sum(len(r.reported) for r in self.repos)

    @property
    def failing(self) -> int:
        return sum(r.failing for r in self.repos)

    @property
    def errored(self) -> list[RepoResult]:
        return [r for r in self.repos if r.errors]

    @property
    def failed(self) -> bool:
        """What --fail-on decides: failing findings in any repository, or a repository that could not be read
        (fails closed, like a policy error)."""
        return self.fail_on is not None and (self.failing > 0 or bool(self.errored))

    @property
    def tags(self) -> TagCoverage:
        total = TagCoverage()
        for repo in self.repos:
            total.add(repo.tags)
        return total

    @property
    def top_resources(self) -> list[CostlyResource]:
        every = [res for repo in self.repos for res in repo.resources_list]
        every.sort(key=lambda r: (-r.monthly_cost, r.repo, r.root, r.address))
        return every[:self.top_n]

    @property
    def by_policy(self) -> list[dict[str, Any]]:
        """One row per policy id across repositories, most findings first."""
        rows: dict[str, dict[str, Any]] = {}
        for repo in self.repos:
            for item in repo.findings:
                f = item.finding
                row = rows.setdefault(f.policy_id, {
                    "policy_id": f.policy_id, "title": f.title, "severity": f.severity,
                    "findings": 0, "failing": 0, "repos": set(),
                    "by_severity": {s: 0 for s in SEVERITIES_DESC}})
                row["findings"] += 1
                row["failing"] += item.failing
                row["by_severity"][f.severity] += 1
                row["repos"].add(repo.name)
                if f.severity > row["severity"]:
                    row["severity"] = f.severity
        out = [{**row, "repos": len(row["repos"])} for row in rows.values()]
        out.sort(key=lambda r: (-r["findings"], -r["severity"].rank, r["policy_id"]))
        return out


# -- auditing -----------------------------------------------------------------------------------------
@dataclass(slots=True)
class RepoInput:
    """One repository to audit: `open` yields its local directory (fetching it first if need be)."""

    name: str
    source: str
    open: Callable[[], contextlib.AbstractContextManager[Path]]


def local_input(path: Path, name: str | None = None) -> RepoInput:
    return RepoInput(name or path.resolve().name, str(path), lambda: contextlib.nullcontext(path))


@dataclass(slots=True)
class AuditOptions:
    settings: Any  # finguard.cli.Settings
    # one config for every repository; else each checkout's own finguard.yml (a fetched repository brings none:
    # only its Terraform is fetched, so its config cannot name Python policies to run)
    config_path: Path | None = None
    fail_on: Severity | None = None
    top_n: int = 10
    oldest_prices: ProjectCost | None = None  # the root priced from the oldest prices, for one staleness warning


def find_roots(directory: Path) -> list[tuple[Path, str]]:
    """(path, kind) for every root in a repository: plan files, and .tf directories without a plan."""
    roots: list[tuple[Path, str]] = []
    for current, dirs, files in os.walk(directory, onerror=_raise):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        here = Path(current)
        plans = sorted(f for f in files if is_plan_file(f))
        roots += [(here / f, "plan") for f in plans]
        if not plans and any(f.endswith(".tf") for f in files):
            roots.append((here, "hcl"))
    return roots


def _raise(exc: OSError) -> None:
    raise exc


def run_audit(inputs: list[RepoInput], options: AuditOptions, source: dict[str, Any],
              progress: Callable[[str], None] | None = None) -> AuditResult:
    configs: dict[Path | None, FinguardConfig] = {}
    base_config = _config(configs, options.config_path)
    result = AuditResult(repos=[], source=source, fail_on=options.fail_on,
                         required_tags=list(base_config.taxonomy.required_tags), top_n=options.top_n)
    for number, item in enumerate(inputs, 1):
        repo = RepoResult(name=item.name, source=item.source)
        try:
            with item.open() as directory:
                audit_repo(repo, directory, options, configs)
        except Exception as exc:  # one repository never stops the others
            if os.environ.get("FINGUARD_DEBUG") == "1" and not isinstance(exc, FinguardError | OSError):
                raise
            repo.errors.append(_describe(exc))
        result.repos.append(repo)
        if progress is not None:
            progress(f"[{number}/{len(inputs)}] {progress_line(repo)}")
    return result


def progress_line(repo: RepoResult) -> str:
    from finguard.report._format import money

    if repo.errors and all(r.error for r in repo.roots):
        more = f" (and {len(repo.errors) - 1} more)" if len(repo.errors) > 1 else ""
        return f"{repo.name}: error: {repo.errors[0]}{more}"
    if not repo.roots:
        return f"{repo.name}: no Terraform found"
    findings = len(repo.reported)
    text = (f"{repo.name}: {repo.resources} resources, {money(repo.monthly_cost, complete=repo.complete)}/month, "
            f"{findings} finding{'s' if findings != 1 else ''}")
    if repo.errors:
        text += f" ({len(repo.errors)} error{'s' if len(repo.errors) != 1 else ''}: {repo.errors[0]})"
    return text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FinguardError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}cannot read: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _config(cache: dict[Path | None, FinguardConfig], path: Path | None) -> FinguardConfig:
    if path not in cache:
        cache[path] = load_config(path)
    return cache[path]


def audit_repo(repo: RepoResult, directory: Path, options: AuditOptions,
               configs: dict[Path | None, FinguardConfig]) -> None:
    if not directory.is_dir():
        raise FinguardError("not a directory", where=str(directory))
    base = directory.resolve()
    for path, kind in find_roots(directory):
        rel = path.resolve().relative_to(base).as_posix() or "."
        root = RootResult(path=rel, kind=kind)
        repo.roots.append(root)
        try:
            with cycles_uncollected():  # one root at a time: the collector runs between roots
                _audit_root(repo, root, path, base, options, configs)
        except Exception as exc:
            if os.environ.get("FINGUARD_DEBUG") == "1" and not isinstance(exc, FinguardError | OSError):
                raise
            root.error = _relative_error(_describe(exc), base)
            named = rel == "." or root.error.startswith(rel)
            repo.errors.append(root.error if named else f"{rel}: {root.error}")


def _relative_error(message: str, base: Path) -> str:
    """Errors name files by their path in the repository, not in a temporary checkout."""
    text = message.replace(f"{base}{os.sep}", "").replace(str(base), ".")
    with contextlib.suppress(ValueError):
        cwd_rel = base.relative_to(Path.cwd().resolve()).as_posix()
        if cwd_rel != ".":
            text = re.sub(rf"(?<![\w./-]){re.escape(cwd_rel)}/", "", text)
    return text


def _load(path: Path, kind: str, settings: Any) -> tuple[Project, list[str]]:
    if kind == "plan":
        from finguard.terraform.plan import load_plan

        return load_plan(path, default_region=settings.default_region), []
    from finguard.terraform.hcl import HclOptions, load_directory

    project, report = load_directory(path, HclOptions(variables=settings.hcl_variables,
                                                      var_files=settings.hcl_var_files,
                                                      keep_going=settings.keep_going))
    return project, list(report.errors)


def _audit_root(repo: RepoResult, root: RootResult, path: Path, base: Path, options: AuditOptions,
                configs: dict[Path | None, FinguardConfig]) -> None:
    from finguard.policy.runner import CheckRequest, evaluate
    from finguard.pricing.estimate import estimate

    settings = options.settings
    code_dir = path if path.is_dir() else path.parent
    config_path = options.config_path or find_config(code_dir)
    config = _config(configs, config_path)
    project, skipped = _load(path, root.kind, settings)
    for error in skipped:  # --keep-going: files that did not parse, the rest of the root still counts
        repo.errors.append(f"{_relative_error(error, base)} (skipped: --keep-going)")
    check = evaluate(CheckRequest(
        settings=settings, plan=path, load_project=lambda: project, write=lambda _text, _out: None,
        config_path=config_path, fail_on=options.fail_on.value if options.fail_on else None,
    ))
    cost = estimate(project, settings.catalog(), "after")
    root.resources = check.resources_checked
    root.monthly_cost = cost.monthly_cost
    root.complete = cost.complete
    root.warnings = len(project.warnings)
    _collect_findings(repo, root.path, check, base)
    repo.tags.add(tag_coverage(project, cost, config.taxonomy))
    for rc in cost.resources:
        if rc.monthly_cost is not None and rc.monthly_cost > 0:
            repo.resources_list.append(CostlyResource(repo.name, root.path, rc.address, rc.type, rc.monthly_cost,
                                                      rc.complete))
    _track_oldest(options, cost)


def _track_oldest(options: AuditOptions, cost: ProjectCost) -> None:
    """Keep the root whose prices are oldest, so the command warns once about stale prices."""
    date = cost.catalog.oldest_source_date if cost.catalog else None
    current = options.oldest_prices
    oldest = current.catalog.oldest_source_date if current is not None and current.catalog else None
    if date and (oldest is None or date < oldest):
        options.oldest_prices = cost


def _collect_findings(repo: RepoResult, root: str, check: CheckResult, base: Path) -> None:
    failing = {id(f) for f in check.failing}
    for finding in check.findings:
        if finding.suppressed is not None:
            repo.suppressed += 1
            continue
        if finding.file:
            file = Path(finding.file)
            file = file if file.is_absolute() else Path.cwd() / file
            with contextlib.suppress(ValueError, OSError):
                finding.file = file.resolve().relative_to(base).as_posix()
        repo.findings.append(AuditFinding(root, finding, id(finding) in failing))


def tag_coverage(project: Project, cost: ProjectCost, taxonomy: Taxonomy) -> TagCoverage:
    """A taggable resource (one that takes tags, existing after the change) is fully tagged when it carries
    every required tag with a non-empty value, provider default_tags included — the rule of FG-TAG-001."""
    from finguard.policy.api import PolicyResource

    costs = {c.address: c for c in cost.resources}
    required = [t if taxonomy.case_sensitive_keys else t.lower() for t in taxonomy.required_tags]
    out = TagCoverage()
    for resource in project.resources:
        if resource.is_data or not resource.action.exists_after:
            continue
        view = PolicyResource(resource, costs.get(resource.address), None)
        if not view.is_taggable:
            continue
        present = {k if taxonomy.case_sensitive_keys else k.lower() for k, v in view.tags.items() if v != ""}
        monthly = view.monthly_cost or ZERO
        out.taggable += 1
        out.taggable_cost += monthly
        if all(t in present for t in required):
            out.tagged += 1
            out.tagged_cost += monthly
    return out


# -- JSON ----------------------------------------------------------------------------------------------
def _finding_json(item: AuditFinding) -> dict[str, Any]:
    f = item.finding
    return {"root": item.root, "policy_id": f.policy_id, "title": f.title, "severity": f.severity.value,
            "kind": f.kind.value, "address": f.address, "resource_type": f.resource_type, "message": f.message,
            "file": f.file, "line": f.line, "failing": item.failing, "fingerprint": f.fingerprint}


def _severity_json(counts: dict[Severity, int]) -> dict[str, int]:
    return {s.value: n for s, n in counts.items()}


def render_json(result: AuditResult) -> str:
    from finguard.report.json_format import dumps

    tags = result.tags
    body: dict[str, Any] = {
        "schema": SCHEMA, "version": VERSION, "generated_at": result.generated_at,
        "source": result.source,
        "fail_on": result.fail_on.value if result.fail_on else None,
        "failed": result.failed,
        "currency": "USD",
        "summary": {
            "repos": len(result.repos), "repos_with_errors": len(result.errored),
            "roots": sum(len(r.roots) for r in result.repos), "resources": result.resources,
            "monthly_cost": _cents(result.monthly_cost), "complete": result.complete,
            "findings": result.findings, "by_severity": _severity_json(result.by_severity),
            "failing": result.failing,
            "policy_errors": sum(r.policy_errors for r in result.repos),
            "suppressed": sum(r.suppressed for r in result.repos),
        },
        "tag_coverage": {"required_tags": result.required_tags, **tags.as_json()},
        "by_policy": [{**row, "severity": row["severity"].value, "by_severity": _severity_json(row["by_severity"])}
                      for row in result.by_policy],
        "top_resources": [{"repo": r.repo, "root": r.root, "address": r.address, "type": r.type,
                           "monthly_cost": _cents(r.monthly_cost), "complete": r.complete}
                          for r in result.top_resources],
        "repos": [{
            "name": repo.name, "source": repo.source, "ok": repo.ok, "errors": repo.errors,
            "resources": repo.resources, "monthly_cost": _cents(repo.monthly_cost), "complete": repo.complete,
            "findings": len(repo.reported), "by_severity": _severity_json(repo.by_severity),
            "failing": repo.failing, "policy_errors": repo.policy_errors, "suppressed": repo.suppressed,
            "tag_coverage": repo.tags.as_json(),
            "roots": [{"path": r.path, "kind": r.kind, "resources": r.resources,
                       "monthly_cost": _cents(r.monthly_cost), "complete": r.complete, "warnings": r.warnings,
                       "error": r.error} for r in repo.roots],
            "finding_list": [_finding_json(f) for f in repo.findings],
        } for repo in result.repos],
    }
    return dumps(body)


# -- Markdown and HTML ---------------------------------------------------------------------------------
def _context(result: AuditResult) -> dict[str, Any]:
    from finguard.report.table import kind_note, location

    return {"result": result, "severities": SEVERITIES_DESC, "tags": result.tags, "by_policy": result.by_policy,
            "top": result.top_resources, "location": location, "kind_note": kind_note,
            "pct": format_percent}


def format_percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


def render_markdown(result: AuditResult) -> str:
    from finguard.report._templates import render
    from finguard.report.markdown import cell, code

    return render("audit.md.j2", autoescape=False, cell=cell, code=code, **_context(result))


def render_html(result: AuditResult) -> str:
    from markupsafe import Markup

    from finguard.report._templates import render

    charts = {name: Markup(svg) for name, svg in audit_charts(result).items()}
    return render("audit.html.j2", autoescape=True, charts=charts, **_context(result)) + "\n"


RENDERERS: dict[str, Callable[[AuditResult], str]] = {"markdown": render_markdown, "json": render_json,
                                                       "html": render_html}


# -- inline SVG charts -----------------------------------------------------------------------------------
SEVERITY_COLORS = {Severity.CRITICAL: "#86181d", Severity.HIGH: "#cb2431", Severity.MEDIUM: "#b08800",
                   Severity.LOW: "#0366d6", Severity.INFO: "#6a737d"}
CHART_MAX_ROWS = 25


def audit_charts(result: AuditResult) -> dict[str, str]:
    from finguard.report._format import money

    by_cost = sorted((r for r in result.repos if r.roots), key=lambda r: (-r.monthly_cost, r.name))
    cost_rows = [(r.name, float(r.monthly_cost), f"{money(r.monthly_cost, complete=r.complete)}/mo", "bar-cost")
                 for r in by_cost[:CHART_MAX_ROWS]]
    cost = bar_chart("chart-cost", "Monthly cost per repository",
                     f"Horizontal bars: estimated monthly cost of each repository, highest first "
                     f"(total {money(result.monthly_cost, complete=result.complete)}).",
                     cost_rows, more=len(by_cost) - len(cost_rows))
    severity = donut_chart("chart-severity", "Findings by severity",
                           f"Donut: {result.findings} findings across all repositories, by severity.",
                           [(s.value, result.by_severity[s], SEVERITY_COLORS[s]) for s in SEVERITIES_DESC])
    tagged = [r for r in result.repos if r.tags.taggable]
    tagged.sort(key=lambda r: (r.tags.resource_percent or ZERO, r.name))
    tag_rows = [(r.name, float(r.tags.resource_percent or 0), f"{r.tags.resource_percent}%",
                 _coverage_class(r.tags.resource_percent)) for r in tagged[:CHART_MAX_ROWS]]
    tags = bar_chart("chart-tags", "Tag coverage per repository",
                     "Horizontal bars: share of each repository's taggable resources that carry every required "
                     f"tag ({', '.join(result.required_tags) or 'none required'}), lowest first.",
                     tag_rows, scale=100.0, track=True, more=len(tagged) - len(tag_rows))
    return {"cost": cost, "severity": severity, "tags": tags}


def _coverage_class(value: Decimal | None) -> str:
    if value is None or value < 50:
        return "bar-bad"
    return "bar-good" if value >= 90 else "bar-warn"
