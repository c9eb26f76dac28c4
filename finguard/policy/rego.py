"""Rego policies: `deny` / `warn` rules (Rego v1) over finguard's documented input document.

Each policy file is one package that also defines `metadata` (id, title, severity, resource_types,
remediation). A rule's result is a message string, or an object with `msg` and optionally
`address`, `severity`, `remediation`. Two evaluators sit behind one interface: the embedded one
(regorus, in process, no server) and an OPA server reached through opa-python-client.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from finguard.errors import InputError

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)

TIMEOUT_ENV = "FINGUARD_REGO_TIMEOUT"  # seconds per policy (and per load step); default 10
MEMORY_ENV = "FINGUARD_REGO_MEMORY_MB"  # address-space limit of the evaluator process; default 2048
MAX_REGO_BYTES = 4 * 1024 * 1024  # one policy file
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048
MAX_TIMEOUT = 3600.0  # seconds: the same bounds for the environment and finguard.yml (config.PolicySettings)
MIN_MEMORY_MB, MAX_MEMORY_MB = 64, 1_048_576  # below, the interpreter cannot start; above, no limit fits in it


@dataclass(frozen=True, slots=True)
class RegoLimits:
    """The budget of the embedded evaluator: wall-clock seconds per policy, memory of its process."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_env(cls, timeout: float | None = None, memory_mb: int | None = None) -> RegoLimits:
        """The environment wins (a CI job can raise a limit without editing finguard.yml), then the config's
        `policies.rego_timeout_seconds` / `rego_memory_mb` given here, then the defaults."""
        return cls(timeout=_env_number(TIMEOUT_ENV, timeout or DEFAULT_TIMEOUT, float, 0, MAX_TIMEOUT),
                   memory_mb=_env_number(MEMORY_ENV, memory_mb or DEFAULT_MEMORY_MB, int, MIN_MEMORY_MB,
                                         MAX_MEMORY_MB))


def _env_number(name: str, default: float, kind: type, low: float, high: float) -> Any:
    """The variable's number within (0 or `low`)..`high`: a timeout past time_t or a memory limit past the address
    space failed the run with a traceback, where finguard.yml's same keys were refused."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a positive number, not {raw!r}")
    if value < low:
        raise InputError(f"{name} must be at least {low:,.0f}, not {raw!r}")
    if value > high:
        raise InputError(f"{name} must be at most {high:,.0f}, not {raw!r}")
    return value


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
                text = _read_rego(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                errors.append((str(path), f"cannot read: {exc}"))
                continue
            match = _PACKAGE.search(text)
            if match is None:
                errors.append((str(path), "no `package` declaration"))
                continue
            modules.append(RegoModule(path, match.group(1), text, pack))
    return modules, errors


def _read_rego(path: Path) -> str:
    """The file's text; a FIFO, a device or a directory is refused before it is opened (no hang)."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "a directory" if stat.S_ISDIR(mode) else "a socket" if stat.S_ISSOCK(mode) else "a special file"
        raise ValueError(f"not a regular file ({kind})")
    with path.open("rb") as handle:
        data = handle.read(MAX_REGO_BYTES + 1)
    if len(data) > MAX_REGO_BYTES:
        raise ValueError(f"larger than {MAX_REGO_BYTES // (1024 * 1024)} MiB")
    return data.decode("utf-8")


def require_finite_input(input_json: str) -> None:
    """Rego's numbers are JSON numbers: NaN or Infinity in the input is refused, naming the JSON path.

    A cheap substring test first: Python's json.dumps writes non-finite floats as NaN/Infinity.
    """
    if "NaN" not in input_json and "Infinity" not in input_json:
        return
    try:
        doc = json.loads(input_json)
    except ValueError as exc:
        raise InputError(f"the Rego input is not valid JSON: {exc}") from None
    where = _non_finite(doc, "input")
    if where is not None:
        raise InputError(f"{where[0]} is {where[1]}: policies only take finite numbers "
                         f"(fix the value in the plan or finguard.yml)")


def _non_finite(value: Any, path: str) -> tuple[str, str] | None:
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where, str(item)
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if re.fullmatch(r"[A-Za-z_]\w*", str(k)) else f"{where}[{json.dumps(k)}]")
                         for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None


def _as_list(value: Any, rule: str) -> list[Any]:
    """`deny`/`warn` must be a set (JSON array) of results; anything else is a policy bug, not a pass."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and not value:
        return []
    kind = {str: "a string", bool: "a boolean", int: "a number", float: "a number", dict: "an object"}
    raise ValueError(f"`{rule}` must be a set of messages (`{rule} contains msg if ...`), "
                     f"not {kind.get(type(value), type(value).__name__)}: {json.dumps(value)[:100]}")


class EmbeddedEvaluator:
    """regorus (Microsoft's Rego interpreter), no server, in a reusable child process.

    One engine holds every module that compiles; each package is then queried on its own, so a
    module that fails to parse or to evaluate is reported without hiding the others. The child
    (finguard/policy/rego_worker.py) runs under a memory limit and each step under a wall-clock
    limit (`RegoLimits`): a policy that recurses, allocates or loops without bound becomes an error
    for that policy ("evaluation exceeded 10 s", "crashed (signal 11)"), never a dead finguard.
    """

    name = "embedded"

    def __init__(self, limits: RegoLimits | None = None) -> None:
        self.limits = limits or RegoLimits.from_env()
        from finguard.policy.rego_sandbox import prestart

        prestart(self.limits)

    def evaluate(self, modules: list[RegoModule], input_json: str) -> list[PackageResult]:
        from finguard.policy.rego_sandbox import evaluate_in_child

        require_finite_input(input_json)
        return evaluate_in_child(modules, input_json, self.limits)


def fill_result(result: PackageResult, value: Any) -> None:
    if not isinstance(value, dict):
        result.error = "package evaluated to no document (is the package name right?)"
        return
    metadata = value.get("metadata")
    result.metadata = metadata if isinstance(metadata, dict) else {}
    try:
        result.deny = _as_list(value.get("deny"), "deny")
        result.warn = _as_list(value.get("warn"), "warn")
    except ValueError as exc:
        result.deny, result.warn = [], []
        result.error = str(exc)


def first_value(doc: Any) -> Any:
    """regorus' query result: {"result": [{"expressions": [{"value": ...}]}]}."""
    try:
        return doc["result"][0]["expressions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return None


def clean_error(text: str) -> str:
    """One line from an evaluator's message: drop Rust stack traces, keep location and reason, and say what
    regorus' terser messages mean."""
    text = " ".join(text.split("Stack backtrace:", 1)[0].split())[:500]
    for terse, meaning in _MEANINGS.items():
        if text.startswith(terse):
            return f"{text} ({meaning})"
    return text


_MEANINGS = {
    "could not serialize number": "a rule's value holds a number the embedded evaluator cannot write out, such as "
                                  "one near ±1.8e308 taken from the plan; keep raw plan values out of rule values",
}


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

        require_finite_input(input_json)
        with OpaSession(self.url, timeout=self.timeout) as session:
            return session.evaluate(modules, input_json)
