"""`finguard-precommit`: the entry point of the pre-commit hooks in `.pre-commit-hooks.yaml`.

    finguard-precommit check     [--fail-on SEV] [--config FILE] [...] FILE...
    finguard-precommit breakdown [--format FMT] [...] FILE...

pre-commit passes the changed files (`*.tf`, `*.tfvars`). They are mapped to the Terraform root modules
they belong to: the directory of each file, except that a directory used as a local module
(`source = "./modules/vpc"` or `"../modules/vpc"` in some other directory's .tf) is replaced by the
directories that call it, up to directories that nothing calls. finguard then reads each root as code
(HCL mode: no plan, no credentials, no network: the bundled price catalog, in-process Rego, no Checkov
or OPA server) and runs `finguard check` or `finguard breakdown` on it. The exit status is the worst of
the runs: 1 when a check fails (findings at or above --fail-on), 2 for input errors, 3 for bugs.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

TERRAFORM_SUFFIXES = (".tf", ".tfvars")
# `source = "./x"` / `"../x"`: a local module call (a path to a file, e.g. aws_s3_object's source, is
# ignored below because it does not name a directory of .tf code).
_LOCAL_SOURCE = re.compile(r'''^\s*source\s*=\s*"(\.\.?/[^"]*)"''', re.MULTILINE)
_SKIP_DIRS = {"node_modules", "__pycache__"}


def _has_tf(directory: Path) -> bool:
    try:
        return any(entry.suffix == ".tf" and entry.is_file() for entry in directory.iterdir())
    except OSError:
        return False


def _tf_files(top: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        # .terraform (downloaded modules), .git, virtualenvs and the like are never part of the code
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS]
        for name in filenames:
            if name.endswith(".tf"):
                yield Path(dirpath, name)


def module_callers(top: Path) -> dict[Path, set[Path]]:
    """Resolved local-module directory -> the resolved directories whose .tf code calls it."""
    callers: dict[Path, set[Path]] = {}
    from finguard.policy.source_map import read_tf_text

    for path in _tf_files(top):
        text = read_tf_text(path)  # None for a FIFO, a device, an oversized or non-UTF-8 file: never blocks
        if text is None or "source" not in text:
            continue
        caller = path.parent.resolve()
        for source in _LOCAL_SOURCE.findall(text):
            target = (path.parent / source).resolve()
            if target != caller and target.is_dir():
                callers.setdefault(target, set()).add(caller)
    return callers


def terraform_roots(files: Sequence[str | Path], top: Path | None = None) -> list[Path]:
    """The root module directories (relative to `top` when inside it) that the changed files belong to."""
    top = (top or Path.cwd()).resolve()
    dirs: dict[Path, None] = {}
    for name in files:
        path = Path(name)
        if path.suffix in TERRAFORM_SUFFIXES:
            directory = (top / path).parent.resolve()
            if _has_tf(directory):
                dirs[directory] = None
    if not dirs:
        return []
    callers = module_callers(top)
    roots: set[Path] = set()
    for directory in dirs:
        pending, seen = [directory], {directory}
        while pending:
            current = pending.pop()
            parents = callers.get(current, set())
            if not parents:
                roots.add(current)
            for parent in parents - seen:
                seen.add(parent)
                pending.append(parent)

    def shown(path: Path) -> Path:
        return path.relative_to(top) if path.is_relative_to(top) else path

    return sorted((shown(root) for root in roots), key=str)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finguard-precommit",
        description="Run finguard (HCL mode) on the Terraform root modules of the given .tf/.tfvars files.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{check,breakdown}")
    check = commands.add_parser("check", help="hold the code to the policies (exit 1 on failing findings)")
    check.add_argument("--fail-on", choices=("info", "low", "medium", "high", "critical"))
    check.add_argument("--config", metavar="FILE", help="finguard.yml (default: found next to the code)")
    check.add_argument("--rego-dir", action="append", default=[], metavar="DIR")
    check.add_argument("--no-builtin", action="store_true")
    check.add_argument("--format", default="table", choices=("table", "markdown", "json"))
    breakdown = commands.add_parser("breakdown", help="show the monthly cost (fails only on input errors)")
    breakdown.add_argument("--format", default="table", choices=("table", "markdown", "json"))
    for sub in (check, breakdown):
        sub.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
        sub.add_argument("--var-file", action="append", default=[], metavar="FILE")
        sub.add_argument("--default-region", metavar="REGION")
        sub.add_argument("--keep-going", action="store_true")
        sub.add_argument("files", nargs="*", metavar="FILE")
    return parser


def _finguard_argv(args: argparse.Namespace, root: Path) -> list[str]:
    argv: list[str] = []
    for item in args.var:
        argv += ["--var", item]
    for item in args.var_file:
        argv += ["--var-file", item]
    if args.default_region:
        argv += ["--default-region", args.default_region]
    if args.keep_going:
        argv.append("--keep-going")
    argv += [args.command, str(root), "--format", args.format]
    if args.command == "check":
        if args.fail_on:
            argv += ["--fail-on", args.fail_on]
        if args.config:
            argv += ["--config", args.config]
        for item in args.rego_dir:
            argv += ["--rego-dir", item]
        if args.no_builtin:
            argv.append("--no-builtin")
    return argv


def _run_finguard(argv: list[str]) -> int:
    """One finguard run in this process (no interpreter start-up per directory)."""
    from finguard.cli import main as finguard_main

    try:
        finguard_main(argv)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(argv) if argv is not None else None)
    roots = terraform_roots(args.files)
    worst = 0
    for root in roots:
        finguard_argv = _finguard_argv(args, root)
        print(f"$ finguard {shlex.join(finguard_argv)}", flush=True)
        code = _run_finguard(finguard_argv)
        sys.stdout.flush()
        sys.stderr.flush()
        worst = max(worst, code)
    return worst


def console_main() -> None:  # the `finguard-precommit` console script
    sys.exit(main())


if __name__ == "__main__":
    console_main()
