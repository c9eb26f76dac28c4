"""The `finguard` command line.

Exit codes: 0 ok, 1 policy failure, 2 usage or input error, 3 internal error (a bug: please report).
Heavy modules are imported inside commands so `finguard --help` and small runs start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard import __version__
from finguard.collector import cycles_uncollected, exit_now, hold_until_exit, owning_the_process
from finguard.commands.rates_options import rates_options, resolve_rates
from finguard.errors import EXIT_USAGE, FinguardError, UsageError

if TYPE_CHECKING:
    from finguard.model import Project, ProjectCost
    from finguard.pricing.catalog import Catalog

EXIT_INTERNAL = 3
FORMATS = ("table", "json", "markdown", "html")
DEFAULT_MAX_PRICE_AGE_DAYS = 180


class Settings:
    def __init__(self, catalog_path: Path | None, max_price_age_days: int, default_region: str | None) -> None:
        self.catalog_path = catalog_path
        self.max_price_age_days = max_price_age_days
        self.default_region = default_region
        self.hcl_variables: dict[str, str] = {}
        self.hcl_var_files: list[Path] = []
        self.keep_going = False
        self.usage_file: Path | None = None
        self.input_errors: list[str] = []  # files skipped under --keep-going: the run still exits 2
        self._catalog: Catalog | None = None

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from finguard.pricing.catalog import Catalog

            self._catalog = Catalog.open_default(self.catalog_path)
        return self._catalog


class LazyGroup(click.Group):
    """A command group whose commands from their own modules are imported when one of them runs (or --help lists
    them), not by every run: together they were a few milliseconds of each `finguard` start."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.pop(cmd_name, None)
        if target is not None:
            import importlib

            module, attribute = target.split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             lazy={"comment": "finguard.commands.comment:comment", "approvals": "finguard.commands.approvals:approvals",
                   "audit": "finguard.commands.audit:audit", "billing": "finguard.commands.billing:billing",
                   "waste": "finguard.commands.waste:waste", "k8s": "finguard.commands.k8s:k8s"})
@click.version_option(__version__, prog_name="finguard")
@click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="FINGUARD_CATALOG", help="Price catalog file (default: ~/.cache/finguard/catalog.sqlite).")
@click.option("--max-price-age", "max_price_age_days", type=click.IntRange(min=1),
              default=DEFAULT_MAX_PRICE_AGE_DAYS, envvar="FINGUARD_MAX_PRICE_AGE_DAYS", show_default=True,
              help="Warn when prices used are older than this many days.")
@click.option("--default-region", envvar="FINGUARD_DEFAULT_REGION", metavar="REGION",
              help="Region for resources whose plan states none (no provider region); "
                   "without it they are reported as region unknown.")
@click.option("--var", "hcl_vars", multiple=True, metavar="NAME=VALUE",
              help="HCL mode: set a root variable (repeatable), as `terraform plan -var`.")
@click.option("--var-file", "hcl_var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HCL mode: a .tfvars file (repeatable), as `terraform plan -var-file`.")
@click.option("--usage-file", type=click.Path(dir_okay=False, path_type=Path), envvar="FINGUARD_USAGE_FILE",
              help="Usage quantities (requests, GB, ...) for usage-based components (default: finguard-usage.yml "
                   "next to the plan or code, when present).")
@click.option("--keep-going", is_flag=True, help="HCL mode: skip .tf files that do not parse (named on stderr; "
                                                  "the run still exits 2).")
@click.pass_context
def cli(ctx: click.Context, catalog_path: Path | None, max_price_age_days: int, default_region: str | None,
        hcl_vars: tuple[str, ...], hcl_var_files: tuple[Path, ...], usage_file: Path | None, keep_going: bool) -> None:
    """Price Terraform plans (or .tf code) from public cloud price lists, and hold changes to policy."""
    settings = Settings(catalog_path, max_price_age_days, default_region)
    for item in hcl_vars:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {item!r}: expected NAME=VALUE")
        settings.hcl_variables[name] = value
    settings.hcl_var_files = list(hcl_var_files)
    settings.keep_going = keep_going
    settings.usage_file = usage_file
    ctx.obj = settings


# -- helpers --------------------------------------------------------------------------------------
MAX_WARNINGS = 10


def _parse_ahead(path: Path) -> None:
    """A directory of .tf code: its files start parsing on the other cores now, while this process imports the
    models and reads the config (the parse is a third of a cold pre-commit run)."""
    if path.is_dir():
        from finguard.terraform.hcl_files import prefetch

        prefetch(path)


def _start_rego_worker() -> None:
    """Start the embedded Rego evaluator's process before this one imports the models (a fifth of a small
    `check`): it then starts on the other core meanwhile instead of being waited for at the end. With the
    environment's limits; a finguard.yml that sets other ones replaces it when the run reads them."""
    from finguard.policy.rego import RegoLimits
    from finguard.policy.rego_sandbox import prestart

    try:
        limits = RegoLimits.from_env()
    except FinguardError:  # a bad FINGUARD_REGO_* value: reported by the run, which reads it again
        return
    prestart(limits)


def _load_project(settings: Settings, path: Path) -> Project:
    """A plan JSON file, or a directory of .tf code read without a plan (HCL mode)."""
    if path.is_dir():
        from finguard.terraform.hcl import HclOptions, load_directory

        project, report = load_directory(path, HclOptions(variables=settings.hcl_variables,
                                                          var_files=settings.hcl_var_files,
                                                          keep_going=settings.keep_going))
        for error in report.errors:
            click.echo(f"finguard: error: {error} (skipped: --keep-going)", err=True)
        settings.input_errors.extend(report.errors)
    else:
        from finguard.terraform.plan import load_plan

        project = load_plan(path, default_region=settings.default_region)
    _apply_usage(settings, path, project)
    for warning in project.warnings[:MAX_WARNINGS]:
        click.echo(f"warning: {path}: {warning}", err=True)
    if len(project.warnings) > MAX_WARNINGS:
        click.echo(f"warning: {path}: ... and {len(project.warnings) - MAX_WARNINGS} more "
                   "(--format json lists what could not be priced)", err=True)
    return project


def _apply_usage(settings: Settings, path: Path, project: Project) -> None:
    """Attach finguard-usage.yml (explicit, or next to the plan/code) after checking its keys."""
    from finguard.pricing.usage import DEFAULT_USAGE_FILE

    usage_path = settings.usage_file
    if usage_path is None:
        candidate = (path if path.is_dir() else path.parent) / DEFAULT_USAGE_FILE
        usage_path = candidate if candidate.is_file() else None
    if usage_path is None:
        return
    from finguard.pricing.usage import load_usage, usage_keys_for, validate_usage

    usage = load_usage(usage_path)
    resources = [(r.address, r.type) for r in project.resources if not r.is_data]
    project.warnings.extend(validate_usage(usage, resources, usage_keys_for))
    project._usage = usage


def _finish(settings: Settings, code: int = 0) -> None:
    """Exit 2 when --keep-going skipped broken files, even though the output was written."""
    sys.exit(EXIT_USAGE if settings.input_errors else code)


def _write(text: str, out: Path | None) -> None:
    """Write the rendered output; on failure nothing partial is left behind."""
    if out is None:
        click.echo(text, nl=False)
        return
    from finguard.output_file import write_output

    write_output(text, out)
    click.echo(f"wrote {out}", err=True)


def _warn_stale(settings: Settings, cost: ProjectCost) -> None:
    from datetime import date

    info = cost.catalog
    if info is None or not info.oldest_source_date:
        return
    try:
        oldest = date.fromisoformat(info.oldest_source_date[:10])
    except ValueError:
        return
    age = (date.today() - oldest).days
    if age > settings.max_price_age_days:
        click.echo(f"warning: some prices used date from {oldest} ({age} days old, limit "
                   f"{settings.max_price_age_days}); refresh with `finguard pricing sync`", err=True)


format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                             help="Output format.")
out_option = click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                          help="Write to FILE instead of standard output.")


# -- breakdown / diff ------------------------------------------------------------------------------
@cli.command()
@click.argument("plan", type=click.Path(path_type=Path), metavar="PLAN_OR_DIR")
@format_option
@out_option
@click.option("--show-coverage", is_flag=True, help="Also list, per resource type, what was priced and why the "
                                                     "rest was not (on stderr unless --format table).")
@rates_options
@click.pass_obj
def breakdown(settings: Settings, plan: Path, fmt: str, out: Path | None, show_coverage: bool,
              rates_mode: str | None, rates_file: Path | None) -> None:
    """Monthly cost of every resource in PLAN (terraform show -json output) or in a directory of .tf code,
    per cost component."""
    _parse_ahead(plan)
    from finguard import report
    from finguard.pricing.estimate import estimate
    from finguard.progress import progress

    rates = resolve_rates(settings, plan, rates_mode, rates_file)
    with cycles_uncollected(), progress("breakdown", total=2) as bar:
        project = _load_project(settings, plan)  # no step before: a bar's thread must not run while HCL forks
        bar.start("pricing")
        cost = estimate(project, settings.catalog(), "after", rates=rates)
        bar.start("writing the report")
        text = report.get(fmt).render_breakdown(cost)
        bar.advance()
        hold_until_exit(project, cost)
    if show_coverage:
        from finguard.report._summary import coverage_by_type

        lines = "\n".join(" " + line for line in coverage_by_type(cost)) + "\n"
        if fmt == "table" and out is None:
            text += "\n" + lines
        else:
            click.echo(lines, err=True, nl=False)
    _write(text, out)
    _warn_stale(settings, cost)
    _finish(settings)


@cli.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--compare-to", "compare_to", type=click.Path(path_type=Path),
              help="A saved breakdown JSON (e.g. of the main branch) to compare against, "
                   "instead of the plan's prior state.")
@format_option
@out_option
@rates_options
@click.pass_obj
def diff(settings: Settings, plan: Path, compare_to: Path | None, fmt: str, out: Path | None,
         rates_mode: str | None, rates_file: Path | None) -> None:
    """Cost before vs after the change in PLAN, per resource and component, with the total delta."""
    from finguard import report
    from finguard.diff import diff_costs
    from finguard.pricing.estimate import estimate
    from finguard.report.json_format import read_saved_breakdown

    if plan.is_dir() and compare_to is None:
        raise UsageError(f"{plan} is .tf code with no prior state: compare it to a saved breakdown with "
                         "--compare-to BASE.json (e.g. `finguard breakdown` of the main branch)")
    from finguard.progress import progress

    rates = resolve_rates(settings, plan, rates_mode, rates_file)
    with cycles_uncollected(), progress("diff", total=3) as bar:
        project = _load_project(settings, plan)  # no step before: a bar's thread must not run while HCL forks
        catalog = settings.catalog()
        bar.start("pricing")
        after = estimate(project, catalog, "after", rates=rates)
        bar.start("pricing the prior state" if compare_to is None else f"reading {compare_to.name}")
        if compare_to is not None:
            result = diff_costs(read_saved_breakdown(compare_to), after, str(compare_to))
        else:
            result = diff_costs(estimate(project, catalog, "before", rates=rates, reuse=after), after, "prior state")
        bar.start("writing the report")
        text = report.get(fmt).render_diff(result)
        bar.advance()
        hold_until_exit(project, after, result)
    if result.rates_note:
        click.echo(f"warning: {result.rates_note}", err=True)
    _write(text, out)
    _warn_stale(settings, after)
    _finish(settings)


# -- check -----------------------------------------------------------------------------------------
CHECK_FORMATS = ("table", "json", "markdown", "html", "sarif", "junit")
SEVERITIES = ("info", "low", "medium", "high", "critical")


@cli.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml (default: found next to the plan or in a parent directory).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (exit 1).")
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="table", show_default=True)
@out_option
@click.option("--rego-dir", "rego_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra directory of Rego policies (repeatable). Python policies run only from the "
                   "config's trusted_dirs.")
@click.option("--opa-url", help="Evaluate Rego on this OPA server (via its REST API) instead of in process.")
@click.option("--tf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of the .tf code, for file/line and inline suppressions (default: the plan's).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Only findings not in this baseline fail the run.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings as accepted, then exit 0.")
@click.option("--compare-to", "compare_to", type=click.Path(dir_okay=False, path_type=Path),
              help="A saved breakdown (e.g. the main branch's) to take costs before the change from; needed for "
                   "cost-delta policies on .tf code without a plan.")
@click.option("--no-builtin", is_flag=True, help="Do not run the built-in policy packs.")
@click.option("--with-checkov", is_flag=True, help="Also run Checkov (from its own virtualenv) and merge its "
                                                    "failed checks.")
@rates_options
@click.pass_obj
def check(settings: Settings, plan: Path, config_path: Path | None, fail_on: str | None, fmt: str, out: Path | None,
          rego_dirs: tuple[Path, ...], opa_url: str | None, tf_dir: Path | None, baseline: Path | None,
          write_baseline: Path | None, compare_to: Path | None, no_builtin: bool, with_checkov: bool,
          rates_mode: str | None, rates_file: Path | None) -> None:
    """Check PLAN against the policies; exit 1 when findings reach --fail-on."""
    _parse_ahead(plan)
    if opa_url is None:
        _start_rego_worker()
    from finguard.policy.runner import CHECK_STEPS, CheckRequest, run
    from finguard.progress import progress

    with cycles_uncollected(), progress("check", total=CHECK_STEPS) as bar:
        code = run(CheckRequest(
            settings=settings, plan=plan, config_path=config_path, fail_on=fail_on, fmt=fmt, out=out,
            rego_dirs=list(rego_dirs), opa_url=opa_url, tf_dir=tf_dir, baseline=baseline,
            write_baseline=write_baseline, use_builtin=not no_builtin, with_checkov=with_checkov,
            compare_to=compare_to, load_project=lambda: _load_project(settings, plan), write=_write,
            rates_mode=rates_mode, rates_file=rates_file, hold_for_exit=True, step=bar.start,
        ))
        bar.advance()  # the report is written: every step done
    _finish(settings, code)


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("finguard.yml"),
              show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(out: Path, force: bool) -> None:
    """Write a commented starter finguard.yml."""
    from finguard.config import STARTER_CONFIG

    if out.exists() and not force:
        raise UsageError(f"{out} exists; use --force to overwrite it")
    _write(STARTER_CONFIG, out)


@cli.group()
def policies() -> None:
    """List the built-in policies and generate their reference page."""


@policies.command("list")
def policies_list() -> None:
    """Every built-in policy: id, severity, pack, title."""
    from finguard.policy.examples import builtin_examples

    for entry in builtin_examples():
        m = entry.meta
        click.echo(f"{m.id:<12} {m.severity.value:<9} {m.pack:<9} {m.language:<7} {m.title}")


@policies.command("docs")
@out_option
def policies_docs(out: Path | None) -> None:
    """Markdown reference of the built-in policies, from their proven examples."""
    from finguard.policy.docs import policy_reference

    _write(policy_reference(), out)


@cli.group()
def usage() -> None:
    """Usage quantities for usage-based components (finguard-usage.yml)."""


@usage.command("init")
@click.argument("plan", type=click.Path(path_type=Path), metavar="PLAN_OR_DIR")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.pass_obj
def usage_init(settings: Settings, plan: Path, out: Path | None) -> None:
    """A finguard-usage.yml template listing every usage-based value of the project, with key and unit."""
    from finguard.pricing.usage import usage_keys_for, usage_template

    project = _load_project(settings, plan)
    resources = [(r.address, r.type) for r in project.resources if not r.is_data and r.action.exists_after]
    _write(usage_template(resources, usage_keys_for), out)
    _finish(settings)


# -- pricing ---------------------------------------------------------------------------------------
@cli.group(cls=LazyGroup, lazy={"rates": "finguard.commands.pricing_rates:rates"})
def pricing() -> None:
    """Inspect and refresh the local price catalog."""


def _parse_filters(filters: Sequence[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--filter {item!r}: expected KEY=VALUE (e.g. instanceType=m5.large)")
        parsed[key.strip()] = value.strip()
    return parsed


@pricing.command()
@click.option("--service", required=True,
              help='AWS offer code (AmazonEC2), Azure serviceName ("Virtual Machines") or GCP service '
                   '("Compute Engine").')
@click.option("--region", required=True,
              help="Region code: us-east-1 (AWS), westeurope (Azure armRegionName), europe-west1 (GCP); "
                   "Global/global for prices published once for all regions.")
@click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
              help="Price attribute that must equal VALUE (repeatable, case-sensitive): instanceType=m5.large, "
                   "armSkuName=Standard_D2s_v5, operatingSystem=Linux, machineType=e2-medium, "
                   "descriptionStem='E2 Instance Core'.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_obj
def lookup(settings: Settings, service: str, region: str, filters: tuple[str, ...], fmt: str, limit: int) -> None:
    """Show catalog prices matching filters; say when the filters leave the price ambiguous.

    \b
    Examples:
      finguard pricing lookup --service AmazonEC2 --region us-east-1 --filter instanceType=m5.large
      finguard pricing lookup --service "Virtual Machines" --region westeurope --filter armSkuName=Standard_D2s_v5
      finguard pricing lookup --service "Compute Engine" --region europe-west1 --filter machineType=e2-medium

    When nothing matches, it names the unknown service, region, attribute or value, with close spellings.
    """
    from finguard.pricing.lookup_view import render_lookup

    for option, value in (("--service", service), ("--region", region)):
        if not value.strip():
            raise UsageError(f"{option} must not be empty")
    catalog = settings.catalog()
    click.echo(render_lookup(catalog, service, region, _parse_filters(filters), fmt, limit), nl=False)


@pricing.command()
@click.option("--provider", type=click.Choice(["aws", "azure", "gcp"]), default="aws", show_default=True,
              help="Price list: the AWS Price List bulk API, the Azure Retail Prices API, or the Google Cloud "
                   "Billing Catalog API (needs an API key in FINGUARD_GCP_API_KEY).")
@click.option("--source",
              help="Mirror to read instead of the official endpoint: a base URL or a directory (env "
                   "FINGUARD_PRICING_SOURCE for aws, FINGUARD_AZURE_PRICING_SOURCE for azure, "
                   "FINGUARD_GCP_PRICING_SOURCE for gcp).")
@click.option("--service", "services", multiple=True,
              help="Service to refresh (repeatable): AWS offer code, Azure serviceName, or GCP service id or name "
                   "(default: every service finguard's cost models price).")
@click.option("--region", "regions", multiple=True,
              help="Region to refresh (repeatable; default us-east-1 for aws, eastus and Global for azure, "
                   "every region the SKUs list for gcp).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="aws only: offer file format to download (default csv: it streams row by row; JSON keeps "
                   "the products in memory).")
@click.option("--json", "as_json", is_flag=True, help="Print the sync report as JSON.")
@click.pass_obj
def sync(settings: Settings, provider: str, source: str | None, services: tuple[str, ...],
         regions: tuple[str, ...], fmt: str | None, as_json: bool) -> None:
    """Refresh catalog prices from a public price list (AWS, Azure or GCP), one (service, region) at a time."""
    from finguard.pricing.catalog import default_catalog_path
    from finguard.pricing.sync import run_provider_sync
    from finguard.progress import step_lines

    path = settings.catalog_path or default_catalog_path()
    with step_lines(f"pricing sync ({provider})") as say:
        options: dict[str, Any] = {"source": source, "services": services, "regions": regions, "fmt": fmt,
                                   "progress": say}
        result = run_provider_sync(provider, path, **options)
    click.echo(result.model_dump_json(indent=2) if as_json else result.render())
    if not result.ok:
        sys.exit(EXIT_USAGE)


@pricing.command()
@click.pass_obj
def sources(settings: Settings) -> None:
    """List where the catalog's prices come from, with dates and checksums."""
    catalog = settings.catalog()
    click.echo(f"catalog: {catalog.path} ({catalog.count()} prices, compiled {catalog.meta.get('compiled_at')})")
    for src in catalog.sources():
        click.echo(f"- {src.id} [{src.kind}] published {src.published or 'unknown'}, retrieved "
                   f"{src.retrieved or 'unknown'}\n    {src.url or ''}\n    sha256 {src.sha256 or '-'}")
    try:
        from finguard.pricing.sync import catalog_age_warnings
    except ImportError:  # pragma: no cover - sync module is part of the package
        return
    for warning in catalog_age_warnings(catalog, settings.max_price_age_days):
        click.echo(f"warning: {warning}", err=True)


@pricing.command()
@click.option("--regions", "by_region", is_flag=True,
              help="Per provider and service: regions and products priced, and from which sources.")
@click.option("--service", help="With --regions: only this service, with its price count per region.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def coverage(settings: Settings, by_region: bool, service: str | None, fmt: str) -> None:
    """List the resource types finguard prices (or, with --regions, what the price catalog covers)."""
    from finguard.pricing import registry

    if by_region or service:
        from finguard.pricing.coverage_view import render_coverage

        click.echo(render_coverage(settings.catalog(), fmt, service), nl=False)
        return
    types = registry.supported_types()
    click.echo(f"{len(types)} priced resource types:")
    for name in types:
        click.echo(f"  {name}")
    click.echo(f"{len(registry.free_types())} free resource types (listed as free, not unsupported)")


# -- entry point -----------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; turn every user-facing failure into one line on stderr and an exit code."""
    # the billing jobs fit many small models: BLAS threads only contend with each other there (4x slower
    # forecasts on 2 busy cores); set before numpy loads, and a user's own setting wins
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # pydantic scans every installed distribution for plugins on first use (~30 ms of each run);
    # the CLI uses none. Only this process is affected, and an explicit setting wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # A run builds a few long-lived objects per resource and little cyclic garbage: with the default thresholds
    # the collector rescans every live object ever more often as a plan loads (29% of `check` on 10,000
    # resources). Young generations are still collected, every 100,000 allocations.
    gc.set_threshold(100_000, 20, 100)
    try:
        _main(argv)
    finally:
        if "finguard.terraform.hcl_files" in sys.modules:  # parsing ahead of a run that ended early: stop it
            sys.modules["finguard.terraform.hcl_files"].close_prefetch()


def _main(argv: Sequence[str] | None) -> None:
    debug = os.environ.get("FINGUARD_DEBUG") == "1"
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="finguard", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_USAGE)
    except FinguardError as exc:
        click.echo(f"finguard: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"finguard: internal error: {type(exc).__name__}: {exc} "
                   "(set FINGUARD_DEBUG=1 for a traceback, and please report it)", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)


def entry() -> None:
    """The `finguard` executable: main() in a process of its own, which a plan command may end without freeing
    its heap object by object (finguard.collector)."""
    # finguard uses no pydantic plugin; looking for them lists every installed distribution's entry points when the
    # first model is built (5-11 ms of each run, more in a big environment). An explicit setting still wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    with owning_the_process():
        try:
            main()
        except SystemExit as exc:
            if exc.code is not None and not isinstance(exc.code, int):
                raise
            code = exc.code or 0
        else:
            code = 0
        exit_now(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
