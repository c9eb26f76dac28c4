"""Rego policies: `deny` / `warn` rules (Rego v1) over finguard's documented input document.

Each policy file is one package that also defines `metadata` (id, title, severity, resource_types,
remediation). A rule's result is a message string, or an object with `msg` and optionally
`address`, `severity`, `remediation`. Two evaluators sit behind one interface: the embedded one
(regorus, in process, no server) and an OPA server reached through opa-python-client.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)


@dataclass(slots=True)
class RegoModule:
    path: Path
    package: str
    text: str
    pack: str = ""


@dataclass(slots=True)
class PackageResult:
    """What one package said: its metadata, deny and warn results, or why it could not run."""

    module: RegoModule
    metadata: dict[str, Any] = field(default_factory=dict)
    deny: list[Any] = field(default_factory=list)
    warn: list[Any] = field(default_factory=list)
    error: str | None = None


class RegoEvaluator(Protocol):
    name: str

    def evaluate(self, modules: list[RegoModule], input_json: str) -> list[PackageResult]: ...


def rego_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.rego") if not p.name.endswith("_test.rego"))


def load_rego_modules(directories: list[tuple[Path, str]]) -> tuple[list[RegoModule], list[tuple[str, str]]]:
    modules: list[RegoModule] = []
    errors: list[tuple[str, str]] = []
    for directory, pack in directories:
        for path in rego_files(directory):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                errors.append((str(path), f"cannot read: {exc}"))
                continue
            match = _PACKAGE.search(text)
            if match is None:
                errors.append((str(path), "no `package` declaration"))
                continue
            modules.append(RegoModule(path, match.group(1), text, pack))
    return modules, errors


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and not value:
        return []
    return [value]


class EmbeddedEvaluator:
    """regorus (Microsoft's Rego interpreter) in process: no server, a few ms per thousand resources.

    One engine holds every module that compiles; each package is then queried on its own, so a
    module that fails to parse or to evaluate is reported without hiding the others.
    """

    name = "embedded"

    def evaluate(self, modules: list[RegoModule], input_json: str) -> list[PackageResult]:
        import regorus

        engine = regorus.Engine()
        results: list[PackageResult] = []
        loaded: list[PackageResult] = []
        for module in modules:
            result = PackageResult(module)
            results.append(result)
            try:
                engine.add_policy(str(module.path), module.text)
            except Exception as exc:  # a parse error fails closed for this module
                result.error = clean_error(str(exc))
                continue
            loaded.append(result)
        if not loaded:
            return results
        engine.set_input_json(input_json)
        for result in loaded:
            try:
                doc = json.loads(engine.eval_query_as_json(f"data.{result.module.package}"))
            except Exception as exc:
                result.error = clean_error(str(exc))
                continue
            fill_result(result, _first_value(doc))
        return results


def fill_result(result: PackageResult, value: Any) -> None:
    if not isinstance(value, dict):
        result.error = "package evaluated to no document (is the package name right?)"
        return
    metadata = value.get("metadata")
    result.metadata = metadata if isinstance(metadata, dict) else {}
    result.deny = _as_list(value.get("deny"))
    result.warn = _as_list(value.get("warn"))


def _first_value(doc: Any) -> Any:
    """regorus' query result: {"result": [{"expressions": [{"value": ...}]}]}."""
    try:
        return doc["result"][0]["expressions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return None


def clean_error(text: str) -> str:
    """One line from an evaluator's message: drop Rust stack traces, keep location and reason."""
    text = text.split("Stack backtrace:", 1)[0]
    return " ".join(text.split())[:500]


class OpaServerEvaluator:
    """A real OPA server (or anything speaking its REST API) through opa-python-client.

    Policies are uploaded with PUT /v1/policies/<id>; each package is queried with
    POST /v1/data/<package path> and the input; uploaded policies are removed afterwards.
    """

    name = "opa"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout

    def evaluate(self, modules: list[RegoModule], input_json: str) -> list[PackageResult]:
        from finguard.policy.opa import OpaSession

        with OpaSession(self.url, timeout=self.timeout) as session:
            return session.evaluate(modules, input_json)
