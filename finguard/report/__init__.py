"""Output formats, one module each; every module declares FORMAT and render functions.

A format module provides `render_breakdown(ProjectCost) -> str` and `render_diff(ProjectDiff) -> str`.
The registry discovers modules in this package, so adding a format touches nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def formats() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "FORMAT", None)
        if isinstance(name, str):
            found[name] = module
    return found


FORMAT_NAMES = ("table", "json", "markdown", "html")  # kept in sync by a test; lets the CLI avoid imports


def get(name: str) -> ModuleType:
    return formats()[name]
