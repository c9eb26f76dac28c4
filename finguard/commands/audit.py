"""`finguard audit`: cost and policy findings across many repositories (local checkouts or a GitHub org)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

AUDIT_FORMATS = ("markdown", "json", "html")
SEVERITIES = ("info", "low", "medium", "high", "critical")


@click.command(name="audit")
@click.argument("paths", nargs=-1, metavar="[PATH]...",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--org", metavar="ORG",
              help="Audit every repository of this GitHub organisation (token: env GITHUB_TOKEN).")
@click.option("--github-api-url", envvar="GITHUB_API_URL", default="https://api.github.com", show_default=True,
              metavar="URL", help="GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml for every repository (default: each checkout's own; built-in defaults for "
                   "repositories fetched from GitHub).")
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 1 when findings in any repository reach this severity, or a repository cannot be read.")
@click.option("--format", "fmt", type=click.Choice(AUDIT_FORMATS), default="markdown", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard "
                                                                               "output.")
@click.option("--top", "top_n", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the costliest resources to list.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@click.pass_obj
def audit(settings: Any, paths: tuple[Path, ...], org: str | None, github_api_url: str, config_path: Path | None,
          fail_on: str | None, fmt: str, out: Path | None, top_n: int, quiet: bool) -> None:
    """Price and check the Terraform of many repositories, and report totals, findings by policy and
    severity, tag coverage and the costliest resources.

    PATHs are local checkouts. Every directory with .tf files outside a `modules/` path is a root (read as
    code), as is every plan JSON file (plan.json, tfplan.json, *.plan.json; a directory with a plan is read
    from it). A repository that cannot be read is reported with its error; the others still run.
    """
    from finguard.audit import AuditOptions, RepoInput, local_input, run_audit
    from finguard.cli import _warn_stale, _write
    from finguard.errors import EXIT_OK, EXIT_POLICY_FAILURE, UsageError
    from finguard.policy.model import Severity

    if not paths and not org:
        raise UsageError("nothing to audit: give local checkouts (PATH...) or --org ORG")
    names = [p.resolve().name for p in paths]
    inputs: list[RepoInput] = [local_input(p, name if names.count(name) == 1 else str(p))
                               for p, name in zip(paths, names, strict=True)]
    source: dict[str, Any] = {"kind": "local"}
    options = AuditOptions(settings=settings, config_path=config_path,
                           fail_on=Severity(fail_on) if fail_on else None, top_n=top_n)
    if org:
        from finguard.github.audit import org_inputs

        token = os.environ.get("GITHUB_TOKEN") or None
        if token is None:
            click.echo("warning: GITHUB_TOKEN is not set: anonymous requests see public repositories only, "
                       "at a low rate limit", err=True)
        if not quiet:
            click.echo(f"listing the repositories of {org} ...", err=True)
        inputs += org_inputs(org, github_api_url, token)
        source = {"kind": "github" if not paths else "mixed", "org": org, "api_url": github_api_url}
    from finguard.progress import step_lines

    if quiet:
        result = run_audit(inputs, options, source, None)
    else:  # a bar on a terminal; in logs the summary line of each repository as it finishes
        with step_lines("audit", total=len(inputs), advance=True) as say:
            result = run_audit(inputs, options, source, say)
    from finguard.audit import RENDERERS

    _write(RENDERERS[fmt](result), out)
    if options.oldest_prices is not None:
        _warn_stale(settings, options.oldest_prices)
    sys.exit(EXIT_POLICY_FAILURE if result.failed else EXIT_OK)
