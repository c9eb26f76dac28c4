"""Output formats of `finguard waste`, one module each, discovered here (like finguard.report's).

A format module declares ``FORMAT`` (its `--format` name) and ``render(report: WasteReport) -> str``. The same
renderers give the `waste` section of `finguard billing report` (finguard.report.sections.waste), so the
standalone report and the scheduled one show the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import ModuleType

from finguard.errors import UsageError
from finguard.plugins import modules_by

FORMAT_NAMES = ("table", "json", "markdown", "csv", "html")  # kept in sync with the modules by a test


@cache
def formats() -> dict[str, ModuleType]:
    return modules_by("FORMAT", __name__, __path__)


def renderer(name: str) -> Callable[..., str]:
    module = formats().get(name)
    if module is None:
        raise UsageError(f"--format {name}: not a waste report format (choose one of: {', '.join(FORMAT_NAMES)})")
    render: Callable[..., str] = module.render
    return render
