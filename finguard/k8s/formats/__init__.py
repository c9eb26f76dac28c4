"""Output formats of `finguard k8s allocate`: one module per format, discovered here.

A format module defines ``NAME`` (what `--format` takes), ``EXTENSION`` (of the file `--out DIR` writes) and
``render(report) -> str``. Adding a format touches nothing else.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol, cast

from finguard.k8s.report import K8sReport
from finguard.plugins import modules_by


class Format(Protocol):
    NAME: str
    EXTENSION: str

    def render(self, report: K8sReport) -> str: ...


@cache
def formats() -> dict[str, Format]:
    return {name: cast(Format, module) for name, module in modules_by("NAME", __name__, __path__).items()}


def names() -> list[str]:
    """Format names without importing the modules (for `--help`)."""
    return ["table", "json", "csv", "markdown", "html"]
