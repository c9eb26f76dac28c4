"""Report sections of the scheduled billing jobs (budgets, anomalies, forecast, commitments, unit costs,
estimate vs actual): one module per job, discovered here.

A section module renders its job's result model in every billing format, so `finguard billing <job> --out DIR`
and the combined `finguard billing report` page show the same numbers. Each module defines:

* ``NAME``: the job's name (``budgets``), also the stem of the files it writes;
* ``TITLE``: the section heading;
* ``markdown(result, currency) -> str``: GitHub-flavoured Markdown, starting with a ``## TITLE`` heading;
* ``html(result, currency) -> str``: one ``<section>`` element with inline SVG charts (``finguard.report.charts``),
  no script, no external asset; the page supplies the CSS of ``_billing_style.html.j2``;
* ``write_csv(result, directory) -> list[Path]``: CSV files named ``<NAME>*.csv``, the figures behind the tables;
* ``text(result, currency) -> str``: the terminal summary the command prints.

JSON is the result model's own dump (``result.model_dump_json``), so it needs no code here.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, cast

from finguard.plugins import modules_by


class Section(Protocol):
    NAME: str
    TITLE: str

    def markdown(self, result: Any, currency: str) -> str: ...
    def html(self, result: Any, currency: str) -> str: ...
    def write_csv(self, result: Any, directory: Path) -> list[Path]: ...
    def text(self, result: Any, currency: str) -> str: ...


def sections() -> dict[str, Section]:
    """Every section module in this package, by NAME."""
    return {name: cast(Section, module) for name, module in modules_by("NAME", __name__, __path__).items()}


def section(name: str) -> Section:
    """The section named `name`: its own module when the file is named after it (only that one is imported: a
    job printing its summary need not load the others' dependencies), else found among all of them."""
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        module: ModuleType = importlib.import_module(f"{__name__}.{name}")
        if getattr(module, "NAME", None) == name:
            return cast(Section, module)
    return sections()[name]
