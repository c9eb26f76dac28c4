"""Billing export formats and how each maps onto FOCUS: one module per format, found by looking, not by a list.

A format module is any public module in this package with:

    NAME: str                      # what `--format` takes, e.g. "aws-cur2"
    DESCRIPTION: str
    KEY_COLUMNS: tuple[str, ...]   # the columns detection looks for (shown when nothing matches)
    def detect(columns) -> bool
    def to_focus(t: ibis.Table) -> ibis.Table

and optionally `PRIORITY: int` (lower is tried first, default 100): FOCUS itself is tried first so that a FOCUS
export, which may carry a provider's own columns too, is never taken for that provider's native format.
Modules whose names start with `_` are helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection
from types import ModuleType

from finguard.errors import InputError

_REQUIRED_ATTRS = ("NAME", "DESCRIPTION", "KEY_COLUMNS", "detect", "to_focus")


def _discover() -> list[ModuleType]:
    """Import every public module here that has the format contract, in the order detection tries them."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        missing = [a for a in _REQUIRED_ATTRS if not hasattr(module, a)]
        if missing:  # a half-written format must fail loudly, not vanish from detection
            raise ImportError(f"{module.__name__} is not a billing format: it lacks {', '.join(missing)}")
        found.append(module)
    found.sort(key=lambda m: (getattr(m, "PRIORITY", 100), m.NAME))
    names = [m.NAME for m in found]
    if len(set(names)) != len(names):
        raise ImportError(f"two billing formats share a name: {names}")
    return found


FORMATS: list[ModuleType] = _discover()


def format_names() -> list[str]:
    """The names `--format` accepts."""
    return [m.NAME for m in FORMATS]


def get_format(name: str) -> ModuleType:
    """The format called `name` (for an explicit `--format`)."""
    for module in FORMATS:
        if name == module.NAME:
            return module
    raise InputError(f"unknown billing format {name!r}; known formats: {', '.join(format_names())}")


def detect_format(columns: Collection[str]) -> ModuleType:
    """The first format whose detection accepts these column names, or an error saying what each one lacked."""
    columns = list(columns)
    for module in FORMATS:
        if module.detect(columns):
            return module
    have = {c.lower() for c in columns}
    tried = []
    for module in FORMATS:
        lacking = [k for k in module.KEY_COLUMNS if k.lower() not in have]
        tried.append(f"{module.NAME} (missing {', '.join(lacking) or 'a distinguishing column'})")
    raise InputError(
        "could not tell which billing export this is; tried " + "; ".join(tried)
        + ". Pass --format to choose one explicitly."
    )
