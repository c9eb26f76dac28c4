"""Load Python policies from the built-in packs and from directories the config trusts.

A policy file is ordinary Python, so it runs with finguard's rights: it is loaded only from the
built-in `policies/` packs and from `policies.trusted_dirs` in the config (resolved against the
config file), never from a path a pull request can add on its own.
"""

from __future__ import annotations

import importlib.util
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


def load_python_policies(directories: list[tuple[Path, str]]) -> LoadedPython:
    """Import every policy file of each (directory, pack name); a file that fails is an error, not a skip."""
    loaded = LoadedPython()
    for directory, pack in directories:
        for path in policy_files(directory):
            module_name = f"finguard_policies.{pack}.{path.stem}".replace("-", "_")
            try:
                module = sys.modules.get(module_name)
                if module is None or getattr(module, "__file__", None) != str(path):
                    spec = importlib.util.spec_from_file_location(module_name, path)
                    if spec is None or spec.loader is None:
                        raise ImportError("not a Python module")
                    module = importlib.util.module_from_spec(spec)
                    sys.modules[module_name] = module
                    spec.loader.exec_module(module)
            except Exception as exc:  # any failure in policy code must fail the run, with its cause
                sys.modules.pop(module_name, None)
                loaded.errors.append((str(path), f"{type(exc).__name__}: {exc}"))
                continue
            found = [obj.__finguard_policy__ for obj in vars(module).values()
                     if callable(obj) and hasattr(obj, "__finguard_policy__")]
            for pol in found:
                pol.meta.pack = pack
                pol.meta.source = str(path)
            loaded.policies.extend(found)
    return loaded
