"""Discovers resource cost models: every module under pricing/resources/<provider>/ that defines a
CostModel subclass registers it for its resource types. Adding a model touches nothing else."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

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
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package_name}.{info.name}")
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, CostModel) and obj.resource_types \
                        and obj.__module__ == module.__name__:
                    instance = obj()
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


def model_for(resource_type: str) -> CostModel | None:
    return models().get(resource_type)


def supported_types() -> list[str]:
    return sorted(models())
