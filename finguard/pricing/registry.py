"""Discovers resource cost models: every module under pricing/resources/<provider>/ that defines a
CostModel subclass registers it for its resource types. Adding a model touches nothing else.

A run imports only the models its plan needs: `model_for` finds the module claiming a type from the
`resource_types = (...)` line of each model's source (a few ms for every file) instead of importing all ~80
modules (~60 ms on every `check` and `breakdown`). `models()` still imports them all, and a test holds the
two views equal."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path

from finguard.plugins import plugin_modules
from finguard.pricing.resources.base import CostModel


def _provider_packages() -> list[str]:
    """One sub-package per cloud (aws, azure, google, ...): adding a provider touches nothing else."""
    import finguard.pricing.resources as resources

    return [f"{resources.__name__}.{info.name}" for info in pkgutil.iter_modules(resources.__path__) if info.ispkg]


@cache
def models() -> dict[str, CostModel]:
    found: dict[str, CostModel] = {}
    for package_name in _provider_packages():
        package = importlib.import_module(package_name)
        for module in plugin_modules(package_name, package.__path__):
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, CostModel) and obj.resource_types \
                        and obj.__module__ == module.__name__:
                    instance = _instance(obj)
                    for resource_type in obj.resource_types:
                        if resource_type in found:
                            raise RuntimeError(f"two cost models claim {resource_type}")
                        found[resource_type] = instance
    return found


@cache
def free_types() -> frozenset[str]:
    """Types that cost nothing by themselves: the shared list plus each provider package's `_free.py`."""
    from finguard.pricing.resources.free_resources import FREE_RESOURCE_TYPES

    found = set(FREE_RESOURCE_TYPES)
    for package_name in _provider_packages():
        try:
            module = importlib.import_module(f"{package_name}._free")
        except ModuleNotFoundError:
            continue
        found |= set(getattr(module, "FREE_RESOURCE_TYPES", ()))
    return frozenset(found)


_CLAIM = re.compile(r"^\s+resource_types(?:\s*:[^=]+)?\s*=\s*\(([^)]*)\)", re.M)


@cache
def type_index() -> dict[str, str] | None:
    """resource type -> the module claiming it, read from the models' source; None when the sources are not
    there to read (a frozen install), and every model is imported instead."""
    index: dict[str, str] = {}
    for package_name in _provider_packages():
        package = importlib.import_module(package_name)
        for directory in package.__path__:
            for path in sorted(Path(directory).glob("[!_]*.py")):
                match = _CLAIM.search(path.read_text(encoding="utf-8"))
                if match:
                    for resource_type in re.findall(r"[\"']([\w-]+)[\"']", match.group(1)):
                        index[resource_type] = f"{package_name}.{path.stem}"
    return index or None


@cache
def model_for(resource_type: str) -> CostModel | None:
    index = type_index()
    if index is None:
        return models().get(resource_type)
    module_name = index.get(resource_type)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    for obj in vars(module).values():
        if isinstance(obj, type) and issubclass(obj, CostModel) and resource_type in obj.resource_types \
                and obj.__module__ == module.__name__:
            return _instance(obj)
    return None


@cache
def _instance(model: type[CostModel]) -> CostModel:
    """One instance per model class, shared by all the types it claims (as `models()` has it)."""
    return model()


def supported_types() -> list[str]:
    return sorted(models())
