"""Terraform code (.tf) without a plan -> the same typed Project the plan reader produces.

For pre-commit hooks and forks' pull requests, which have no credentials to run `terraform plan`.
python-hcl2 parses each file; finguard evaluates variables (defaults, tfvars, -var, -var-file,
TF_VAR_*), locals, count/for_each, common functions, local modules with their inputs, and provider
region/default_tags (aliases included), then writes a plan-shaped document and reads it with the plan
reader, so both modes share one path to the model. What needs a plan (data sources, remote modules,
attributes computed by the provider) stays unknown and is listed in the project's warnings.

Limits, so hostile code gets one clear error (exit 2) and never a hang or a crash: a .tf or .tfvars file must be
a regular file of at most 1 MiB; at most 10,000 resource, data and module blocks per run (counted before parsing);
count/for_each expand to at most 10,000 instances per resource or module call and 100,000 per run; modules nest at
most 16 deep and never call their own directory; strings hold at most 1,048,576 characters and lists/maps 100,000
elements; for expressions iterate at most 1,000,000 times per run; numbers stay within ±1e308; range() makes at
most 1,024 values (Terraform's limit). count, for_each and input variables follow Terraform's rules and wording.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finguard.errors import InputError, read_text
from finguard.model import Project, SourceLocation
from finguard.pricing.resources.base import UNKNOWN, is_unknown
from finguard.terraform.hcl_expr import (
    ExprError,
    Node,
    Scope,
    contains_unknown,
    evaluate_value,
    parse_template,
    reset_budget,
    to_string,
)
from finguard.terraform.hcl_files import MAX_FILE_BYTES, parse_files, parse_text
from finguard.terraform.hcl_functions import TfSet, toset

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}
PROVIDER_SOURCES = {"aws": "registry.terraform.io/hashicorp/aws", "azurerm": "registry.terraform.io/hashicorp/azurerm",
                    "google": "registry.terraform.io/hashicorp/google"}
MAX_BLOCKS = 10_000  # resource, data and module blocks per run, counted before parsing (parsing is the slow part)
MAX_INSTANCES_PER_RESOURCE = 10_000  # instances count/for_each may expand one resource or module call to
MAX_INSTANCES = 100_000  # instances per run
MAX_MODULE_DEPTH = 16
_BLOCK_HEADER = re.compile(rb"^[ \t]*(?:resource|data|module)[ \t]+[\"A-Za-z_]", re.M)


def _regular_file(path: Path, what: str = "file") -> int:
    """The size of `path`, refusing FIFOs, devices, directories and oversized files (stat, never open)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a regular file (a FIFO, device or directory); finguard reads only regular {what}s",
                         where=str(path))
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(f"{info.st_size:,} bytes exceeds finguard's limit of {MAX_FILE_BYTES:,} bytes per {what}",
                         where=str(path))
    return info.st_size


@dataclass(slots=True)
class HclOptions:
    variables: dict[str, str] = field(default_factory=dict)  # -var NAME=VALUE
    var_files: list[Path] = field(default_factory=list)  # -var-file
    keep_going: bool = False
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(slots=True)
class HclReport:
    """What the reader could not know or read: shown to the user and counted."""

    errors: list[str] = field(default_factory=list)  # files that did not parse (with --keep-going)
    unknowns: list[str] = field(default_factory=list)


# -- values -------------------------------------------------------------------------------------------
class _Instance(dict):  # type: ignore[type-arg]
    """A resource instance's attributes: what the code sets; anything else is computed (unknown)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> Any:
        return UNKNOWN


class _Lazy(dict):  # type: ignore[type-arg]
    """Names resolved on first use (locals referring to locals, module outputs, resources)."""

    def __init__(self, names: Iterable[str], resolve: Any) -> None:
        super().__init__()
        self._names = set(names)
        self._resolve = resolve

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __missing__(self, key: str) -> Any:
        if key not in self._names:
            raise KeyError(key)
        value = self._resolve(key)
        self[key] = value
        return value

    def items(self) -> Any:  # type: ignore[override]
        return [(k, self[k]) for k in sorted(self._names)]

    def values(self) -> Any:  # type: ignore[override]
        return [self[k] for k in sorted(self._names)]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)


def _references(node: Node) -> list[str]:
    """Traversals an expression uses, as Terraform lists them ("aws_launch_template.app.id", ...)."""
    found: list[str] = []

    def chain(n: Node) -> list[str] | None:
        if n[0] == "var":
            return [n[1]]
        if n[0] == "attr":
            base = chain(n[1])
            return [*base, n[2]] if base is not None else None
        if n[0] == "index":
            return chain(n[1])
        return None

    def walk(n: Any) -> None:
        if isinstance(n, tuple) and n and isinstance(n[0], str):
            parts = chain(n) if n[0] in ("var", "attr", "index") else None
            if parts is not None and parts[0] not in ("count", "each", "path", "terraform", "self"):
                found.append(".".join(parts))
                if len(parts) > 2:
                    found.append(".".join(parts[:2]))
            for child in n[1:]:
                walk(child)
        elif isinstance(n, list | tuple):
            for child in n:
                walk(child)

    walk(node)
    return list(dict.fromkeys(found))


def _expressions(raw: dict[str, Any]) -> dict[str, Any]:
    """Configuration expressions as a plan records them (constants, references, nested blocks)."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in META_ARGUMENTS or key == "__is_block__":
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) and v.get("__is_block__") for v in value):
            out[key] = [_expressions(v) for v in value]
        elif isinstance(value, str) and "${" in value:
            try:
                out[key] = {"references": _references(parse_template(value))}
            except ExprError:
                out[key] = {"references": []}
        else:
            out[key] = {"constant_value": value}
    return out


def _split_unknown(value: Any) -> tuple[Any, Any]:
    """(known part, after_unknown marker) the way a plan writes them."""
    if is_unknown(value):
        return None, True
    if isinstance(value, dict):
        known: dict[str, Any] = {}
        marks: dict[str, Any] = {}
        for k, v in value.items():
            kv, mark = _split_unknown(v)
            if mark is True:
                marks[k] = True
            else:
                known[k] = kv
                if mark:
                    marks[k] = mark
        return known, marks
    if isinstance(value, list):
        items, marks_list, any_mark = [], [], False
        for v in value:
            kv, mark = _split_unknown(v)
            items.append(kv)
            marks_list.append(mark or False)
            any_mark = any_mark or bool(mark)
        return items, (marks_list if any_mark else [])
    return value, False


# -- evaluation ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Provider:
    key: str
    name: str
    region: Any = None
    default_tags: Any = None


class _Reader:
    def __init__(self, root: Path, options: HclOptions) -> None:
        self.root = root.resolve()
        self.options = options
        self.report = HclReport()
        self.changes: list[dict[str, Any]] = []
        self.config_resources: dict[str, dict[str, Any]] = {}
        self.providers: dict[str, _Provider] = {}
        self.module_sources: dict[str, str] = {}
        self.docs: dict[Path, dict[str, Any]] = {}
        self.texts: dict[Path, str] = {}  # by resolved path: the source map reads them again without the disk
        self.failed: set[Path] = set()
        self.blocks = 0  # resource/data/module blocks declared in the files read so far
        self.instances = 0  # instances count/for_each expanded so far

    def load(self, directory: Path) -> list[tuple[Path, dict[str, Any]]]:
        from finguard.policy.source_map import tf_files

        listed = tf_files(directory)
        files = [path for path, _ in listed]
        missing = [(p, real) for p, real in listed if p not in self.docs and p not in self.failed]
        for path, real in missing:  # limits first: parsing is the expensive part
            _regular_file(path, ".tf file")
            try:
                data = path.read_bytes()
            except OSError:
                continue  # reported by the parser with the file's name
            self.blocks += len(_BLOCK_HEADER.findall(data))
            with suppress(UnicodeDecodeError):  # reported by the parser too
                self.texts[real] = data.decode("utf-8")
            if self.blocks > MAX_BLOCKS:
                raise InputError(f"more than {MAX_BLOCKS:,} resource, data and module blocks in this run "
                                 "(finguard's limit)", where=str(path))
        if missing:
            parsed, errors = parse_files([p for p, _ in missing], self.options.keep_going)
            for path in list(parsed):
                try:
                    _check_blocks(path, parsed[path])
                except InputError as exc:
                    if not self.options.keep_going:
                        raise
                    errors.append(str(exc))
                    del parsed[path]
            self.docs.update(parsed)
            self.failed.update(p for p, _ in missing if p not in parsed)
            self.report.errors.extend(errors)
        return [(p, self.docs[p]) for p in files if p in self.docs]

    def count_instances(self, n: int, what: str, where: Callable[[], str]) -> None:
        """`where` is called only for an error: finding a block's line reads its file again."""
        if n > MAX_INSTANCES_PER_RESOURCE:
            raise InputError(f"{what}: {n:,} instances exceed finguard's limit of {MAX_INSTANCES_PER_RESOURCE:,} "
                             "per resource or module call", where=where())
        self.instances += n
        if self.instances > MAX_INSTANCES:
            raise InputError(f"{what}: more than {MAX_INSTANCES:,} instances in this run (finguard's limit)",
                             where=where())


# Terraform's labels per block type: a block with fewer or more is refused as Terraform refuses it
_BLOCK_LABELS: dict[str, tuple[str, ...]] = {
    "resource": ("type", "name"), "data": ("type", "name"), "module": ("name",), "variable": ("name",),
    "output": ("name",), "provider": ("name",), "locals": (),
}


# The block types Terraform (1.x) takes at the top level of a file; it refuses any other block and any argument
_TOP_LEVEL_BLOCKS = frozenset({"terraform", "provider", "variable", "locals", "output", "module", "resource", "data",
                               "moved", "import", "check", "removed", "ephemeral"})


def _check_top_level(path: Path, doc: dict[str, Any]) -> None:
    """Only Terraform's own block types at the top of a file: a misspelt `outpu "x" {` was ignored silently, and
    the first sign of it was an error about a missing output in some other file."""
    for key, value in doc.items():
        if key in _TOP_LEVEL_BLOCKS:
            continue
        hint = _did_you_mean(key, _TOP_LEVEL_BLOCKS)
        if _is_block_list(value):
            raise InputError(f'Unsupported block type: Blocks of type "{key}" are not expected here.{hint}',
                             where=_block_where(path, key, ()))
        raise InputError(f'Unsupported argument: An argument named "{key}" is not expected here.{hint}',
                         where=_argument_where(path, key))


def _is_block_list(value: Any) -> bool:
    """python-hcl2 writes blocks as a list of dicts marked `__is_block__` (under their labels, if any)."""
    if not isinstance(value, list) or not value:
        return False
    stack: list[Any] = list(value)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__is_block__" in node:
                return True
            stack.extend(v for v in node.values() if isinstance(v, dict))
    return False


def _argument_where(path: Path, name: str, block: tuple[str, tuple[str, ...]] | None = None) -> str:
    """file:line of `name =` (or `name {`): at the top level of the file, or inside `block` (kind, labels)."""
    start = 1
    if block is not None:
        start = _line_of(path, _block_pattern(*block)) or 1
        pattern = re.compile(r"^\s*" + re.escape(name) + r"\s*[={]")
    else:
        pattern = re.compile(r"^" + re.escape(name) + r"\s*[={]")
    number = _line_of(path, pattern, start)
    return f"{path}:{number}" if number else str(path)


# Terraform's own blocks whose arguments the language fixes (no provider schema needed), and what they require
_FIXED_ARGUMENTS: dict[str, frozenset[str]] = {
    "variable": frozenset({"type", "default", "description", "validation", "sensitive", "nullable", "ephemeral"}),
    "output": frozenset({"value", "description", "sensitive", "depends_on", "precondition", "ephemeral"}),
}
_REQUIRED_ARGUMENTS: dict[str, tuple[str, ...]] = {"output": ("value",), "module": ("source",)}


def _check_fixed_arguments(path: Path, doc: dict[str, Any]) -> None:
    """`variable` and `output` take only their documented arguments: `defualt = 10` was ignored (the variable then
    had no value), and an output without `value` or a module call without `source` passed, where Terraform stops
    with file and line."""
    for kind in ("variable", "output", "module"):
        allowed = _FIXED_ARGUMENTS.get(kind)  # a module call takes its module's inputs: any name
        for block in doc.get(kind) or []:
            if not isinstance(block, dict):
                continue
            for name, body in block.items():
                if name == "__is_block__" or not isinstance(body, dict):
                    continue
                for key, value in body.items():
                    if key == "__is_block__" or allowed is None or key in allowed:
                        continue
                    hint = _did_you_mean(key, allowed)
                    message = (f'Unsupported block type: Blocks of type "{key}" are not expected here.{hint}'
                               if _is_block_list(value) else
                               f'Unsupported argument: An argument named "{key}" is not expected here.{hint}')
                    raise InputError(message, where=_argument_where(path, key, (kind, (name,))))
                for key in _REQUIRED_ARGUMENTS.get(kind, ()):
                    if key not in body:
                        raise InputError(f'Missing required argument: The argument "{key}" is required, but no '
                                         f"definition was found (in {kind} \"{name}\").",
                                         where=_block_where(path, kind, (name,)))


def _line_of(path: Path, pattern: re.Pattern[str], start: int = 1) -> int | None:
    """The first line at or after `start` matching `pattern` (the file read again: only on an error)."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if number >= start and pattern.match(line):
                return number
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _block_pattern(kind: str, labels: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^\s*" + re.escape(kind) + "".join(r"\s+\"?" + re.escape(label) + r"\"?" for label in labels)
                      + r"\s*[{\"]")


def _check_blocks(path: Path, doc: dict[str, Any]) -> None:
    """A file holds only Terraform's top-level blocks, each with the labels its type takes (`resource "aws_vpc" {`
    lacks a name) and, for variable/output/module, the arguments the language fixes: one clear error with
    Terraform's wording, instead of reading the block's attributes as if they were resources."""
    _check_top_level(path, doc)
    for kind, labels in _BLOCK_LABELS.items():
        blocks = doc.get(kind)
        if not isinstance(blocks, list):
            continue
        for block in blocks:
            stack: list[tuple[Any, tuple[str, ...]]] = [(block, ())]
            while stack:
                node, seen = stack.pop()
                if not isinstance(node, dict):
                    continue
                if "__is_block__" in node:
                    if len(seen) < len(labels):
                        raise InputError(
                            f"Missing name for {kind}: all {kind} blocks must have {len(labels)} label(s) "
                            f"({', '.join(labels)})", where=_block_where(path, kind, seen))
                    continue
                if len(seen) >= len(labels):
                    raise InputError(
                        f"Extraneous label for {kind}: only {len(labels)} label(s) "
                        f"({', '.join(labels) or 'none'}) are expected for {kind} blocks",
                        where=_block_where(path, kind, seen))
                stack.extend((child, (*seen, label)) for label, child in node.items())
    _check_fixed_arguments(path, doc)


def _block_where(path: Path, kind: str, labels: tuple[str, ...]) -> str:
    """file:line of the block header `kind "label" ... {` (read again: only on an error)."""
    number = _line_of(path, _block_pattern(kind, labels))
    return f"{path}:{number}" if number else str(path)


class _Module:
    """One module instance: its blocks, inputs, providers, and lazily evaluated names."""

    def __init__(self, reader: _Reader, directory: Path, path: str, config_path: str, inputs: dict[str, Any],
                 providers: dict[str, _Provider], ancestors: tuple[Path, ...] = (),
                 call_where: Callable[[], str] | None = None) -> None:
        self.reader = reader
        self.call_where = call_where  # file:line of the module block calling this module (None at the root)
        self.ancestors = (*ancestors, directory)
        self.origins: dict[tuple[str, str], Path] = {}  # ("resource", "aws_instance.web") -> the file declaring it
        self.dir = directory
        self.path = path  # "module.app[0]" style instance path, "" at the root
        self.config_path = config_path  # "module.app" without instance keys
        self.inputs = inputs
        self.variables: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, Any] = {}
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self.modules: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, Any] = {}
        self.provider_blocks: list[tuple[str, dict[str, Any]]] = []
        for file, doc in reader.load(directory):
            for kind, names in (("variable", self.variables), ("locals", self.locals), ("output", self.outputs),
                                ("module", self.modules)):
                for block in doc.get(kind, []):
                    names.update({k: v for k, v in block.items() if k != "__is_block__"})
                    self.origins.update({(kind, k): file for k in block if k != "__is_block__"})
            for block in doc.get("provider", []):
                for name, body in block.items():
                    if name != "__is_block__":
                        self.provider_blocks.append((name, body))
                        self.origins[("provider", name)] = file
            for kind, target in (("resource", self.resources), ("data", self.data)):
                for block in doc.get(kind, []):
                    for type_, named in block.items():
                        if type_ == "__is_block__":
                            continue
                        for name, body in named.items():
                            if name != "__is_block__":
                                target[(type_, name)] = body
                                self.origins[(kind, f"{type_}.{name}")] = file
        self.scope = Scope(self._lookup)
        self.var_values = _Lazy(self.variables, self._variable)
        self._where_cache: dict[tuple[str, str, str], str] = {}
        self.local_values = _Lazy(self.locals, self._local)
        self._resolving: set[str] = set()
        self.providers = dict(providers)
        for name, body in self.provider_blocks:
            with self._at("provider", name, f"provider {name!r}"):
                self._provider(name, body)
        self.resource_values: dict[str, Any] = {}
        self.module_outputs = _Lazy(self.modules, self._module_value)
        self._module_instances: dict[str, Any] = {}

    # where things are -------------------------------------------------------------------------------
    def where(self, kind: str, name: str, attr: str = "") -> str:
        """ "file:line" of a block (or of `attr` inside it, or of a local's assignment); the directory if unknown."""
        key = (kind, name, attr)
        if key not in self._where_cache:
            self._where_cache[key] = self._find(kind, name, attr)
        return self._where_cache[key]

    def _find(self, kind: str, name: str, attr: str) -> str:
        file = self.origins.get((kind, name))
        if file is None:
            return str(self.dir)
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return str(file)
        labels = name.split(".") if kind in ("resource", "data") else [name]
        header = re.compile(r"\s*" + re.escape(kind) + "".join(r'\s+"?' + re.escape(x) + '"?' for x in labels)
                            + r"\s*\{")
        if kind == "locals":
            header, attr = re.compile(r"\s*locals\s*\{"), name
        start = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return str(file)
        if attr:
            assign = re.compile(r"\s*" + re.escape(attr) + r"\s*=")
            found = next((i for i in range(start, len(lines)) if assign.match(lines[i])), None)
            if found is not None:
                return f"{file}:{found + 1}"
        return f"{file}:{start + 1}"

    @contextmanager
    def _at(self, kind: str, name: str, what: str, attr: str = "") -> Iterator[None]:
        """Turns an evaluation error into one InputError naming `what` and its file:line."""
        try:
            yield
        except ExprError as exc:
            prefix = f"{self.path}: " if self.path else ""
            raise InputError(f"{prefix}{what}: {exc}", where=self.where(kind, name, attr)) from None

    # names ------------------------------------------------------------------------------------------
    def _lookup(self, name: str) -> Any:
        if name == "var":
            return self.var_values
        if name == "local":
            return self.local_values
        if name == "module":
            return self.module_outputs
        if name == "path":
            return {"module": str(self.dir), "root": str(self.reader.root), "cwd": str(Path.cwd())}
        if name == "terraform":
            return {"workspace": "default"}
        if name == "data":
            return _Lazy({t for t, _ in self.data}, lambda t: _Lazy(
                {n for tt, n in self.data if tt == t}, lambda n: UNKNOWN))
        if any(t == name for t, _ in self.resources):
            return _Lazy({n for t, n in self.resources if t == name}, lambda n: self._resource_value(name, n))
        raise ExprError(f"unknown name {name!r}")

    def _guard(self, key: str) -> None:
        if key in self._resolving:
            raise ExprError(f"{key} refers to itself")
        self._resolving.add(key)

    def _variable(self, name: str) -> Any:
        with self._at("variable", name, f"var.{name}"):
            if name in self.inputs:
                value = self.inputs[name]
            else:
                default = self.variables[name].get("default", _NO_DEFAULT)
                if default is _NO_DEFAULT:
                    where = f"{self.config_path or 'root'}: variable {name!r}"
                    self.reader.report.unknowns.append(f"{where} has no value (no default, tfvars, -var or TF_VAR_)")
                    return UNKNOWN
                value = evaluate_value(default, Scope(lambda n: _no_names(n)))
            try:
                return _convert(value, self.variables[name].get("type"))
            except ExprError as exc:
                given = f", given by the module call at {self.call_where()}" \
                    if name in self.inputs and self.call_where is not None else ""
                raise ExprError("Invalid value for input variable: The given value is not suitable for "
                                f"var.{name} declared at {self.where('variable', name)}{given}: {exc}.") from None

    def _local(self, name: str) -> Any:
        key = f"{self.config_path}local.{name}"
        self._guard(key)
        try:
            with self._at("locals", name, f"local.{name}"):
                return evaluate_value(self.locals[name], self.scope)
        finally:
            self._resolving.discard(key)

    def _provider(self, name: str, body: dict[str, Any]) -> None:
        alias = evaluate_value(body.get("alias"), self.scope) if "alias" in body else None
        local_key = name if not alias else f"{name}.{alias}"
        key = local_key if not self.config_path else f"{self.config_path}:{local_key}"
        region = evaluate_value(body["region"], self.scope) if "region" in body else None
        tags = None
        for block in body.get("default_tags", []) or []:
            value = evaluate_value(block.get("tags", {}), self.scope)
            tags = value if tags is None or is_unknown(value) else {**tags, **value}
        provider = _Provider(key, name, region, tags)
        self.reader.providers[key] = provider
        self.providers[local_key] = provider

    # resources --------------------------------------------------------------------------------------
    def _instances(self, body: dict[str, Any], what: str, kind: str = "", name: str = ""
                   ) -> list[tuple[Any, dict[str, Any]]] | None:
        """(index, bindings) per instance; None when count/for_each is unknown without a plan.
        count and for_each follow Terraform's rules, with its wording; errors name `kind` `name`'s file:line."""
        if "count" in body and "for_each" in body:
            raise InputError(f'{what}: Invalid combination of "count" and "for_each": The "count" and "for_each" '
                             "meta-arguments are mutually-exclusive, only one should be used to be explicit about "
                             "the number of resources to be created.", where=self.where(kind, name, "for_each"))
        if "count" in body:
            with self._at(kind, name, what, "count"):
                count = evaluate_value(body["count"], self.scope)
            if is_unknown(count):
                self.reader.report.unknowns.append(f"{what}: count is known only after apply")
                return None
            n = self._count(count, what, kind, name)
            self.reader.count_instances(n, what, lambda: self.where(kind, name, "count"))
            return [(i, {"count": {"index": i}}) for i in range(n)]
        if "for_each" in body:
            with self._at(kind, name, what, "for_each"):
                each = evaluate_value(body["for_each"], self.scope)
            if (contains_unknown(each) and not isinstance(each, dict)) or is_unknown(each):
                self.reader.report.unknowns.append(f"{what}: for_each is known only after apply")
                return None
            problem = _for_each_problem(each)
            if problem:
                raise InputError(f'{what}: Invalid for_each argument: The given "for_each" argument value is '
                                 f"unsuitable: {problem}", where=self.where(kind, name, "for_each"))
            self.reader.count_instances(len(each), what, lambda: self.where(kind, name, "for_each"))
            items = sorted(each.items()) if isinstance(each, dict) else [(v, v) for v in sorted(set(each))]
            return [(k, {"each": {"key": k, "value": v}}) for k, v in items]
        self.reader.count_instances(1, what, lambda: self.where(kind, name))
        return [(None, {})]

    def _count(self, count: Any, what: str, kind: str, name: str) -> int:
        """Terraform's count rules: a whole number >= 0 (a numeric string converts, as in Terraform)."""
        detail = None
        if count is None:
            detail = 'The given "count" argument value is null. An integer is required.'
        else:
            if isinstance(count, str):
                with suppress(ValueError):
                    count = float(count.strip()) if count.strip() else count
            if isinstance(count, bool) or not isinstance(count, int | float):
                detail = 'The given "count" argument value is unsuitable: number required.'
            elif not (count == count and abs(count) < 2**63) or count != int(count) or count < 0:
                detail = ('The given "count" argument value is unsuitable: must be a whole number, greater than or '
                          "equal to zero.")
        if detail:
            raise InputError(f"{what}: Invalid count argument: {detail}", where=self.where(kind, name, "count"))
        return int(count)

    def _resource_value(self, type_: str, name: str) -> Any:
        key = f"{type_}.{name}"
        if key not in self.resource_values:
            self._guard(self.config_path + key)
            try:
                with self._at("resource", key, f"resource {key}"):
                    self.resource_values[key] = self._expand(type_, name, self.resources[(type_, name)])
            finally:
                self._resolving.discard(self.config_path + key)
        return self.resource_values[key]

    def _expand(self, type_: str, name: str, body: dict[str, Any]) -> Any:
        base = f"{self.path}.{type_}.{name}" if self.path else f"{type_}.{name}"
        instances = self._instances(body, base, "resource", f"{type_}.{name}")
        if instances is None:
            return UNKNOWN
        values: dict[Any, Any] = {}
        for index, bindings in instances:
            attrs = self._attributes(body, self.scope.child(**bindings))
            values[index] = _Instance(attrs)
        if "count" in body:
            return [values[i] for i in sorted(values)]
        if "for_each" in body:
            return {str(k): v for k, v in values.items()}
        return values[None]

    def _attributes(self, body: dict[str, Any], scope: Scope) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key in META_ARGUMENTS or key == "__is_block__":
                continue
            if key == "dynamic":
                for block in value:
                    for block_name, spec in block.items():
                        if block_name != "__is_block__":
                            out.setdefault(block_name, []).extend(self._dynamic(block_name, spec, scope))
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) and v.get("__is_block__") for v in value):
                out[key] = [_Instance(self._attributes(v, scope)) for v in value]
            else:
                out[key] = evaluate_value(value, scope)
        return out

    def _dynamic(self, block_name: str, spec: dict[str, Any], scope: Scope) -> list[Any]:
        items = evaluate_value(spec.get("for_each"), scope)
        if is_unknown(items):
            return [UNKNOWN]
        iterator = to_string(evaluate_value(spec.get("iterator"), scope)) if "iterator" in spec else block_name
        pairs = sorted(items.items()) if isinstance(items, dict) else list(enumerate(items or []))
        content = (spec.get("content") or [{}])[0]
        return [self._attributes(content, scope.child(**{iterator: {"key": k, "value": v}})) for k, v in pairs]

    def emit(self) -> None:
        """Write every resource, data source and child module of this module into the plan."""
        for (type_, name), body in sorted(self.resources.items()):
            self._emit_resource(type_, name, body, "managed")
        for (type_, name), body in sorted(self.data.items()):
            self._emit_resource(type_, name, body, "data")
        for name in sorted(self.modules):
            self.module_outputs[name]  # resolve once (also when an expression already did)
            for child in self._module_instances.get(name, []):
                child.emit()

    def _provider_for(self, type_: str, body: dict[str, Any]) -> _Provider | None:
        local = type_.split("_", 1)[0]
        ref = body.get("provider")
        if isinstance(ref, str):
            local = ref.removeprefix("${").removesuffix("}")
        return self.providers.get(local) or self.providers.get(local.split(".")[0])

    def _emit_resource(self, type_: str, name: str, body: dict[str, Any], mode: str) -> None:
        prefix = "data." if mode == "data" else ""
        config_address = f"{self.config_path}.{prefix}{type_}.{name}" if self.config_path else f"{prefix}{type_}.{name}"
        base = f"{self.path}.{prefix}{type_}.{name}" if self.path else f"{prefix}{type_}.{name}"
        provider = self._provider_for(type_, body)
        provider_name = PROVIDER_SOURCES.get(type_.split("_", 1)[0], type_.split("_", 1)[0])
        self.reader.config_resources[config_address] = {
            "address": config_address, "mode": mode, "type": type_, "name": name,
            "provider_config_key": provider.key if provider else type_.split("_", 1)[0],
            "expressions": _expressions(body),
        }
        if mode == "data":
            self.reader.report.unknowns.append(f"{base}: data source, read only during a plan")
            self.reader.changes.append(_change(base, mode, type_, name, None, provider_name, self.path, {}, True))
            return
        value = self._resource_value(type_, name)
        if is_unknown(value):
            self.reader.changes.append(_change(f"{base}[*]", mode, type_, name, None, provider_name, self.path, {},
                                               True))
            return
        if isinstance(value, list):
            instances = [(i, v) for i, v in enumerate(value)]
        elif isinstance(value, dict) and not isinstance(value, _Instance):
            instances = list(value.items())
        else:
            instances = [(None, value)]
        for index, attrs in instances:
            suffix = "" if index is None else f"[{index}]" if isinstance(index, int) else f'["{index}"]'
            known, marks = _split_unknown(dict(attrs))
            self.reader.changes.append(_change(base + suffix, mode, type_, name, index, provider_name, self.path,
                                               known, marks or {}))

    # modules ----------------------------------------------------------------------------------------
    def _module_value(self, name: str) -> Any:
        with self._at("module", name, f"module {name!r}"):
            return self._module_value_of(name)

    def _module_value_of(self, name: str) -> Any:
        body = self.modules[name]
        source = evaluate_value(body.get("source"), self.scope)
        config_path = f"{self.config_path}.module.{name}" if self.config_path else f"module.{name}"
        instance_base = f"{self.path}.module.{name}" if self.path else f"module.{name}"
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            self.reader.report.unknowns.append(f"{instance_base}: remote module {source!r} is not read without "
                                               "`terraform init`; its resources are not counted")
            return UNKNOWN
        self.reader.module_sources[config_path] = source
        directory = (self.dir / source).resolve()
        if not directory.is_dir():
            raise InputError(f"module {name}: source {source!r} is not a directory", where=self.where("module", name))
        if directory in self.ancestors:
            raise InputError(f'module "{name}" (source {source!r}) calls a module that contains it: module '
                             "recursion is not allowed", where=self.where("module", name))
        if len(self.ancestors) > MAX_MODULE_DEPTH:
            raise InputError(f'module "{name}": modules nest more than {MAX_MODULE_DEPTH} deep (finguard\'s limit)',
                             where=self.where("module", name))
        instances = self._instances(body, instance_base, "module", name)
        if instances is None:
            return UNKNOWN
        providers = {k: v for k, v in self.providers.items() if "." not in k}
        mapping = body.get("providers")
        if isinstance(mapping, list):  # `providers = { aws = aws.west }` may come back as a block list
            mapping = mapping[0] if mapping else {}
        for inner, outer in (mapping or {}).items():
            if inner == "__is_block__":
                continue
            ref = str(outer).removeprefix("${").removesuffix("}")
            if ref in self.providers:
                providers[str(inner)] = self.providers[ref]
        children = []
        outputs: dict[Any, Any] = {}
        for index, bindings in instances:
            scope = self.scope.child(**bindings)
            inputs = {k: evaluate_value(v, scope) for k, v in body.items() if k not in MODULE_META}
            suffix = "" if index is None else f"[{index}]" if isinstance(index, int) else f'["{index}"]'
            child = _Module(self.reader, directory, instance_base + suffix, config_path, inputs, providers,
                            self.ancestors, call_where=lambda name=name: self.where("module", name))
            children.append(child)
            outputs[index] = _Lazy(child.outputs, child._output)
        self._module_instances[name] = children
        if "count" in body:
            return [outputs[i] for i in sorted(outputs)]
        if "for_each" in body:
            return {str(k): v for k, v in outputs.items()}
        return outputs[None]

    def _output(self, name: str) -> Any:
        with self._at("output", name, f"output {name!r}"):
            return evaluate_value(self.outputs[name].get("value"), self.scope)


_NO_DEFAULT = object()


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "tuple" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


def _for_each_problem(each: Any) -> str | None:
    """Why Terraform would refuse this for_each value (its wording), or None."""
    if each is None:
        return 'the given "for_each" argument value is null. A map, or set of strings is allowed.'
    if isinstance(each, dict):
        return None
    if isinstance(each, TfSet):
        if any(v is None for v in each):
            return '"for_each" sets must not contain null values.'
        if all(isinstance(v, str) for v in each):
            return None
        return ('the "for_each" argument must be a map, or set of strings, and you have provided a value of type '
                "set of " + _type_name(next(v for v in each if not isinstance(v, str))) + ".")
    return ('the "for_each" argument must be a map, or set of strings, and you have provided a value of type '
            f"{_type_name(each)}.")


def _no_names(name: str) -> Any:
    raise ExprError(f"a variable default cannot refer to {name!r}")


def _convert(value: Any, type_expr: Any) -> Any:
    """A value converted to the declared type the way Terraform converts it (-var and TF_VAR_ values arrive as
    strings); an ExprError in Terraform's words ("string required") when it does not convert."""
    if not isinstance(type_expr, str) or value is None or contains_unknown(value):
        return value
    declared = type_expr.removeprefix("${").removesuffix("}").strip()
    if declared in ("string", "number", "bool") and isinstance(value, list | dict):
        raise ExprError(f"{declared} required")
    if declared == "string":
        return to_string(value)
    if declared == "number":
        if isinstance(value, bool):
            raise ExprError("number required")
        if not isinstance(value, str):
            return value
        try:
            number = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            raise ExprError("a number is required") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ExprError("a number is required")
        return number
    if declared == "bool":
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise ExprError("bool required")
        return value
    if declared.startswith(("list(", "set(", "tuple(")) and not isinstance(value, list):
        raise ExprError(f"{declared.split('(')[0]} required")
    if declared.startswith("set("):
        return toset(value)
    if declared.startswith(("map(", "object(")) and not isinstance(value, dict):
        raise ExprError(f"{declared.split('(')[0]} required")
    return value


def _change(address: str, mode: str, type_: str, name: str, index: Any, provider_name: str, module: str,
            after: Any, unknown: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"address": address, "mode": mode, "type": type_, "name": name,
                              "provider_name": provider_name,
                              "change": {"actions": ["read"] if mode == "data" else ["create"], "before": None,
                                         "after": after if after is not None else {}, "after_unknown": unknown}}
    if index is not None:
        change["index"] = index
    if module:
        change["module_address"] = module
    return change


# -- root variables -----------------------------------------------------------------------------------
def _root_inputs(root: Path, declared: dict[str, dict[str, Any]], options: HclOptions,
                 report: HclReport) -> dict[str, Any]:
    """Terraform's precedence: TF_VAR_ < terraform.tfvars(.json) < *.auto.tfvars(.json) < -var-file / -var.

    A value for a variable the root module does not declare is, as in Terraform, an error on the command line
    (`-var sise=20` is a typo that would otherwise leave `size` at its default unnoticed) and a warning in a
    variables file."""
    values: dict[str, Any] = {}
    for key, raw in options.environ.items():
        if key.startswith("TF_VAR_") and key[7:] in declared:
            values[key[7:]] = _cli_value(raw)
    files = [root / "terraform.tfvars", root / "terraform.tfvars.json",
             *sorted(p for p in root.glob("*.auto.tfvars") if p.is_file()),
             *sorted(p for p in root.glob("*.auto.tfvars.json") if p.is_file())]
    for path in [p for p in files if p.exists()] + list(options.var_files):
        for name, value in _read_tfvars(path).items():
            if name in declared:
                values[name] = value
            else:
                report.unknowns.append(f'{path}: value for undeclared variable "{name}" ignored: the root module '
                                       f"declares no variable of that name.{_did_you_mean(name, declared)}")
    for name, raw in options.variables.items():
        if name not in declared:
            raise InputError(f'Value for undeclared variable: A variable named "{name}" was assigned on the command '
                             "line, but the root module does not declare a variable of that name. To use this "
                             f'value, add a "variable" block to the configuration.{_did_you_mean(name, declared)}',
                             where=f"--var {name}")
        values[name] = _cli_value(raw)
    return values


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f' Did you mean "{close[0]}"?' if close else ""


def _read_tfvars(path: Path) -> dict[str, Any]:
    _regular_file(path, "variables file")
    text = read_text(path)
    if path.suffix == ".json":
        from finguard.json_input import parse_json

        data = parse_json(text, str(path), "a variables file")  # strict: no NaN, Infinity or 1e400
        if not isinstance(data, dict):
            raise InputError("a .tfvars.json file must hold an object", where=str(path))
        return data
    _no_redefinition(text, path)
    doc = parse_text(text, str(path))
    scope = Scope(_no_names)
    try:
        return {k: evaluate_value(v, scope) for k, v in doc.items() if k != "__is_block__"}
    except ExprError as exc:
        raise InputError(f"variables must be literal values: {exc}", where=str(path)) from None


def _no_redefinition(text: str, path: Path) -> None:
    """Terraform refuses a variables file that sets one name twice (python-hcl2 silently keeps the last)."""
    seen: dict[str, int] = {}
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*([A-Za-z_][\w-]*)\s*=(?!=)", line) if depth == 0 else None
        if match:
            name = match.group(1)
            if name in seen:
                raise InputError(f'Attribute redefined: The argument "{name}" was already set at '
                                 f"{path.name}:{seen[name]}. Each argument may be set only once.",
                                 where=f"{path}:{number}")
            seen[name] = number
        code = re.sub(r'"(?:[^"\\]|\\.)*"|#.*|//.*', "", line)
        depth = max(0, depth + sum(code.count(c) for c in "{[(") - sum(code.count(c) for c in "}])"))


def _cli_value(raw: str) -> Any:
    """-var and TF_VAR_ values: HCL for lists/maps/numbers, plain strings otherwise."""
    text = raw.strip()
    if text[:1] in ("[", "{"):
        try:
            doc = parse_text(f"v = {text}\n", "-var")
            return evaluate_value(doc["v"], Scope(_no_names))
        except (InputError, ExprError):
            return raw
    return raw


# -- entry point --------------------------------------------------------------------------------------
def load_directory(directory: str | Path, options: HclOptions | None = None) -> tuple[Project, HclReport]:
    """Read a Terraform root module (and its local modules) into a Project."""
    from finguard.policy.source_map import SourceMap
    from finguard.terraform.plan import plan_to_project

    options = options or HclOptions()
    root = Path(directory)
    if not root.is_dir():
        raise InputError("not a directory", where=str(root))
    if not any(root.glob("*.tf")):
        raise InputError("no .tf files in this directory", where=str(root))
    reader = _Reader(root, options)
    reset_budget()
    declared: dict[str, dict[str, Any]] = {}
    for _, doc in reader.load(root):
        for block in doc.get("variable", []):
            declared.update({k: v for k, v in block.items() if k != "__is_block__"})
    try:
        module = _Module(reader, root.resolve(), "", "", _root_inputs(root, declared, options, reader.report), {})
        module.emit()
    except ExprError as exc:
        raise InputError(f"cannot evaluate: {exc}", where=str(root)) from None
    plan = {
        "format_version": "1.2", "terraform_version": "hcl",
        "planned_values": {"root_module": {}},
        "resource_changes": reader.changes,
        "configuration": {
            "provider_config": {
                key: {"name": p.name, "expressions": {
                    **({"region": {"constant_value": p.region}} if isinstance(p.region, str) else {}),
                    **({"default_tags": [{"tags": {"constant_value": p.default_tags}}]}
                       if isinstance(p.default_tags, dict) and not contains_unknown(p.default_tags) else {}),
                }} for key, p in reader.providers.items()
            },
            "root_module": {"resources": list(reader.config_resources.values())},
        },
    }
    project = plan_to_project(plan, source=str(root))
    project.name = root.resolve().name
    project.module_sources = dict(reader.module_sources)
    project.prior_state_known = False
    project.warnings.extend(reader.report.unknowns)
    smap = SourceMap.scan(root, reader.module_sources, relative_to=Path.cwd(), texts=reader.texts)
    project._source_map = smap
    for resource in project.resources:
        decl = smap.locate(resource.address.removesuffix("[*]"))
        if decl is not None:
            resource.source = SourceLocation(file=decl.file, line=decl.line)
    return project, reader.report
