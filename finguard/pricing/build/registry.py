"""Discover the snapshot adapters: every module in `finguard.pricing.build.adapters` that defines
an `Adapter` subclass with an `id`."""

from __future__ import annotations

import importlib
import pkgutil

from finguard.pricing.build import adapters as adapters_package
from finguard.pricing.build.base import Adapter


def discover() -> list[Adapter]:
    found: dict[str, Adapter] = {}
    for info in sorted(pkgutil.iter_modules(adapters_package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{adapters_package.__name__}.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Adapter) and value is not Adapter
                    and value.__module__ == module.__name__ and getattr(value, "id", None)):
                if value.id in found:
                    raise ValueError(f"two adapters share the id {value.id!r}")
                found[value.id] = value()
    return list(found.values())
