"""Output formats of `finguard k8s allocate`: one module per format, discovered here.

A format module defines ``NAME`` (what `--format` takes), ``EXTENSION`` (of the file `--out DIR` writes) and
``render(report) -> str``. Adding a format touches nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType
from typing import Protocol, cast

from finguard.k8s.report import K8sReport


class Format(Protocol):
    NAME: str
    EXTENSION: str

    def render(self, report: K8sReport) -> str: ...


@cache
def formats() -> dict[str, Format]:
    found: dict[str, Format] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = cast(Format, module)
    return found


def names() -> list[str]:
    """Format names without importing the modules (for `--help`)."""
    return ["table", "json", "csv", "markdown", "html"]
