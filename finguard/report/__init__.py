"""Output formats, one module each; every module declares FORMAT and render functions.

A format module provides any of `render_breakdown(ProjectCost)`, `render_diff(ProjectDiff)` and
`render_check(CheckResult)`, each returning text. Not every format suits every kind of output (SARIF and JUnit
describe findings, not costs), so which renders a format supports is declared below without importing
anything: the CLI can reject a bad `--format` with a clear message before loading a format module.
The registry discovers modules in this package, so adding a format touches only this table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

from finguard.errors import UsageError
from finguard.plugins import modules_by


@cache
def formats() -> dict[str, ModuleType]:
    return modules_by("FORMAT", __name__, __path__)


COST_FORMATS = ("table", "json", "markdown", "html")  # breakdown and diff
CHECK_FORMATS = ("table", "json", "markdown", "html", "sarif", "junit")
FORMAT_NAMES = CHECK_FORMATS  # every format; kept in sync with the modules by a test; lets the CLI avoid imports
RENDERS: dict[str, tuple[str, ...]] = {"breakdown": COST_FORMATS, "diff": COST_FORMATS, "check": CHECK_FORMATS}


def supports(name: str, kind: str) -> bool:
    """Whether format `name` can render `kind` ("breakdown", "diff" or "check")."""
    return name in RENDERS.get(kind, ())


def formats_for(kind: str) -> tuple[str, ...]:
    return RENDERS.get(kind, ())


def get(name: str) -> ModuleType:
    """The module of one format, importing only it (jinja2 stays unloaded for table and JSON runs)."""
    for module_name in (name, f"{name}_format"):
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError:
            continue
        if getattr(module, "FORMAT", None) == name:
            return module
    return formats()[name]


def renderer(name: str, kind: str) -> Callable[[Any], str]:
    """The render function for `kind` in format `name`, or a usage error naming the formats that can."""
    if not supports(name, kind):
        choices = ", ".join(formats_for(kind)) or "none"
        raise UsageError(f"--format {name} cannot render {kind} output (choose one of: {choices})")
    render: Callable[[Any], str] = getattr(get(name), f"render_{kind}")
    return render
