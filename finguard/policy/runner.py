"""`finguard check`: config -> project -> costs -> policies -> suppressions -> report -> exit code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from finguard.config import find_config, load_config
from finguard.errors import EXIT_OK, EXIT_POLICY_FAILURE, UsageError
from finguard.model import Project
from finguard.policy.model import CheckResult, Severity


@dataclass(slots=True)
class CheckRequest:
    settings: Any
    plan: Path
    load_project: Callable[[], Project]
    write: Callable[[str, Path | None], None]
    config_path: Path | None = None
    fail_on: str | None = None
    fmt: str = "table"
    out: Path | None = None
    rego_dirs: list[Path] = field(default_factory=list)
    opa_url: str | None = None
    tf_dir: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    use_builtin: bool = True
    with_checkov: bool = False
    compare_to: Path | None = None  # a saved breakdown to take "before" costs from
    baseline_cost: Any = None  # the same, already read (a ProjectCost)
    rates_mode: str | None = None  # --rates: list, effective, or None for pricing.rates in finguard.yml
    rates_file: Path | None = None
    rates: Any = None  # a RateIndex already resolved by the caller (comment, approvals); wins over rates_mode
    hold_for_exit: bool = False  # `finguard check` alone: the process ends after the report (collector)
    # Says a step begins (`finguard check`'s progress on stderr: finguard.progress); None for callers that show
    # their own (audit, comment). First called after the prebuild has forked: a terminal's bar redraws from a
    # thread of its own, and the prebuild forks only while this process has no other thread.
    step: Callable[[str], None] | None = None


CHECK_STEPS = 4  # pricing, pricing the prior state, running the policies, writing the report


def _step(request: CheckRequest, what: str) -> None:
    if request.step is not None:
        request.step(what)


def evaluate(request: CheckRequest) -> CheckResult:
    from finguard.policy.engine import CheckOptions, run_check, start_rego_prebuild, start_rego_speculation
    from finguard.policy.rego import EmbeddedEvaluator, OpaServerEvaluator, RegoEvaluator, RegoLimits
    from finguard.policy.source_map import SourceMap
    from finguard.pricing.estimate import estimate

    if request.baseline and request.write_baseline:
        raise UsageError("--baseline and --write-baseline cannot be used together")
    code_dir = request.plan if request.plan.is_dir() else request.plan.parent
    config_path = request.config_path or find_config(code_dir)
    config = load_config(config_path)
    rates = request.rates
    if rates is None:
        from finguard.commands.rates_options import resolve_rates

        rates = resolve_rates(request.settings, request.plan, request.rates_mode, request.rates_file, config=config,
                              config_path=config_path)
    accepted = None
    if request.baseline is not None:  # before the plan: a bad baseline fails in a second, not after pricing
        from finguard.policy.baseline import load_baseline

        accepted = load_baseline(request.baseline)
    # first, so the evaluator's child process starts on the other core while the plan is read and priced
    limits = RegoLimits.from_env(config.policies.rego_timeout_seconds, config.policies.rego_memory_mb)
    evaluator: RegoEvaluator = OpaServerEvaluator(request.opa_url) if request.opa_url else EmbeddedEvaluator(limits)
    project = request.load_project()
    options = CheckOptions(
        config=config, fail_on=Severity(request.fail_on) if request.fail_on else None, evaluator=evaluator,
        rego_dirs=[d.resolve() for d in request.rego_dirs], baseline=request.baseline, accepted=accepted,
        use_builtin=request.use_builtin, hold_for_exit=request.hold_for_exit,
    )
    catalog = request.settings.catalog()  # before the fork: compiled, if it must be, once and by this process
    # on the other core while this one prices: the Rego input's cost-free part, then the built-in Python policies
    # that read no cost
    options.rego_prebuild = start_rego_prebuild(project, options, catalog)
    options.rego_speculation = start_rego_speculation(project, options)  # Rego that reads no cost: meanwhile
    _step(request, "pricing")  # the first step: after the fork (see CheckRequest.step)
    after = estimate(project, catalog, "after", rates=rates)
    baseline = request.baseline_cost
    if baseline is None and request.compare_to is not None:
        from finguard.report.json_format import read_saved_breakdown

        baseline = read_saved_breakdown(request.compare_to)
    if baseline is not None:
        before = baseline
        project = project.model_copy(update={"prior_state_known": True})
    else:
        _step(request, "pricing the prior state")
        before = estimate(project, catalog, "before", rates=rates, reuse=after)
    tf_dir = request.tf_dir or code_dir
    source_map = project._source_map
    if source_map is None or source_map.root != tf_dir.resolve():
        source_map = SourceMap.scan(tf_dir, project.module_sources, relative_to=Path.cwd()) if tf_dir.is_dir() \
            else None
    options.source_map = source_map
    _step(request, "running the policies")
    result = run_check(project, after, before, catalog, options)
    if request.with_checkov:
        from finguard.policy.checkov import find_checkov, run_checkov

        run = run_checkov(request.plan, executable=find_checkov(config.policies.checkov))
        result.policies.extend(run.policies)
        result.findings.extend(run.findings)
    return result


def run(request: CheckRequest) -> int:
    from finguard import report

    if not report.supports(request.fmt, "check"):
        raise UsageError(f"--format {request.fmt} is not available for check")
    result = evaluate(request)
    if request.write_baseline is not None:
        from finguard.policy.baseline import write_baseline

        count = write_baseline(result, request.write_baseline)
        click.echo(f"wrote {request.write_baseline}: {count} accepted findings", err=True)
        return EXIT_OK
    _step(request, "writing the report")
    request.write(report.get(request.fmt).render_check(result), request.out)
    return EXIT_POLICY_FAILURE if result.failing else EXIT_OK
