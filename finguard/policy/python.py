"""Load Python policies from the built-in packs and from directories the config trusts.

A policy file is ordinary Python, so it runs with finguard's rights: it is loaded only from the
built-in `policies/` packs and from `policies.trusted_dirs` in the config (resolved against the
config file), never from a path a pull request can add on its own.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from finguard.policy.api import PythonPolicy


@dataclass(slots=True)
class LoadedPython:
    policies: list[PythonPolicy] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file, message): fail closed


def policy_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.py")
                  if not p.name.startswith(("_", "test_")) and "__pycache__" not in p.parts)


def _package(directory: Path, pack: str) -> str:
    """Register `directory` as the package `finguard_policies.<pack>` so its policy files can share
    helper modules with ordinary relative imports (`from ._volumes import gb_months`)."""
    import types

    root = sys.modules.get("finguard_policies")
    if root is None:
        root = types.ModuleType("finguard_policies")
        root.__path__ = []
        sys.modules["finguard_policies"] = root
    name = "finguard_policies." + "".join(c if c.isalnum() else "_" for c in pack)
    package = sys.modules.get(name)
    if package is None or list(getattr(package, "__path__", [])) != [str(directory)]:
        package = types.ModuleType(name)
        package.__path__ = [str(directory)]
        package.__package__ = name
        for stale in [m for m in sys.modules if m.startswith(name + ".")]:
            del sys.modules[stale]
        sys.modules[name] = package
    return name


def load_python_policies(directories: list[tuple[Path, str]]) -> LoadedPython:
    """Import every policy file of each (directory, pack name); a file that fails is an error, not a skip."""
    loaded = LoadedPython()
    for directory, pack in directories:
        package = _package(directory, pack)
        for path in policy_files(directory):
            try:
                module = importlib.import_module(f"{package}.{path.stem}")
            except Exception as exc:  # any failure in policy code must fail the run, with its cause
                sys.modules.pop(f"{package}.{path.stem}", None)
                loaded.errors.append((str(path), f"{type(exc).__name__}: {exc}"))
                continue
            found = [obj.__finguard_policy__ for obj in vars(module).values()
                     if callable(obj) and hasattr(obj, "__finguard_policy__")]
            for pol in found:
                pol.meta.pack = pack
                pol.meta.source = str(path)
            loaded.policies.extend(found)
    return loaded
