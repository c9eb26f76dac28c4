"""How every registry finds its members (output formats, report sections, waste detections, k8s providers,
cost models): the public modules of a package, so adding one is adding a file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType


def plugin_modules(package: str, path: Iterable[str]) -> Iterator[ModuleType]:
    """The modules of `package` (its `__name__` and `__path__`) whose names do not start with "_", by name."""
    for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{package}.{info.name}")


def modules_by(attribute: str, package: str, path: Iterable[str]) -> dict[str, ModuleType]:
    """Those modules keyed by their `attribute` (NAME, FORMAT); a module without it is a helper, left out."""
    found: dict[str, ModuleType] = {}
    for module in plugin_modules(package, path):
        name = getattr(module, attribute, None)
        if isinstance(name, str):
            found[name] = module
    return found
