"""finguard.yml: the platform team's taxonomy, guardrail settings and suppressions, validated by pydantic.

Unknown keys are errors (a typo must not silently disable a guardrail), and every error names the file,
the key path and, where YAML tells us, the line.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from finguard.errors import InputError
from finguard.policy.model import Severity
from finguard.policy.rego import MAX_MEMORY_MB, MAX_TIMEOUT, MIN_MEMORY_MB
from finguard.pricing.rates_config import PricingConfig

if TYPE_CHECKING:
    from finguard.approvals.config import ApprovalsConfig
    from finguard.billing.config import BillingConfig
    from finguard.k8s.config import K8sConfig
    from finguard.waste.config import WasteConfig

CONFIG_NAMES = ("finguard.yml", "finguard.yaml", ".finguard.yml", ".finguard.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# A money amount or percentage from the config: a real number (not `true`), finite and not negative.
Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]


class Taxonomy(_Strict):
    """The tagging standard: which tags every taggable resource carries, and what their values may be."""

    required_tags: list[str] = Field(default_factory=lambda: ["team", "env", "cost-center"])
    allowed_values: dict[str, list[str]] = Field(default_factory=lambda: {"env": ["dev", "staging", "prod"]})
    patterns: dict[str, str] = Field(default_factory=lambda: {"cost-center": r"^CC-\d{4}$"})
    case_sensitive_keys: StrictBool = True

    @field_validator("patterns")
    @classmethod
    def _compile(cls, value: dict[str, str]) -> dict[str, str]:
        for key, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern for tag {key!r} is not a valid regular expression: {exc}") from None
            problem = unsafe_pattern(pattern)
            if problem:
                raise ValueError(f"pattern for tag {key!r} could take exponential time to match: {problem}")
        return value


# -- tag value patterns: refuse the ones that backtrack catastrophically ------------------------------------
# Python's `re` cannot be interrupted, so a pattern such as `^(a+)+$` would hang `finguard check` on a long tag
# value. Patterns are checked when finguard.yml is read, and refused when a group repeated more than once
# (`(...)*`, `(...)+`, `(...){2,}`) could split the same text in many ways:
#   - it contains a variable repetition (`*`, `+`, `?`, `{m,n}`), unless the group starts with a character that
#     this inner repetition cannot match (a separator): `^[a-z]+(-[a-z]+)*$` is fine, `^([a-z]+-?)+$` is not;
#   - it contains an alternation whose branches can start with the same character: `^(dev|prod)+$` is fine,
#     `^(a|ab)+$` is not.
# Polynomial cost (`\d*\d*\d*`) stays possible but is bounded by the length of a tag value.
_INSTANCE_SIZE = re.compile(r"nano|micro|small|medium|large|\d*xlarge|metal(-[a-z0-9]+)?")
MAX_PATTERN_LENGTH = 1000
_SAMPLE = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c < 0xE000)


def unsafe_pattern(pattern: str) -> str | None:
    """Why `pattern` could backtrack catastrophically (see above), or None when it is safe."""
    from re import _parser as parser

    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"longer than {MAX_PATTERN_LENGTH} characters"
    parsed = parser.parse(pattern)
    sample = _SAMPLE + pattern  # every literal of the pattern, so two character sets meet where they can
    return _scan(list(parsed), parsed, sample)


def _scan(items: list[Any], parsed: Any, sample: str) -> str | None:
    from re import _constants as c

    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[1] >= 2:
            problem = _repeated_body(list(av[2]), parsed, sample)
            if problem:
                return problem
        for child in _children(op, av):
            problem = _scan(child, parsed, sample)
            if problem:
                return problem
    return None


def _children(op: Any, av: Any) -> list[list[Any]]:
    from re import _constants as c

    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        return [list(av[2])]
    if op is c.SUBPATTERN:
        return [list(av[3])]
    if op is c.BRANCH:
        return [list(b) for b in av[1]]
    if op is c.ATOMIC_GROUP:
        return [list(av)]
    if op in (c.ASSERT, c.ASSERT_NOT):
        return [list(av[1])]
    if op is c.GROUPREF_EXISTS:
        return [list(b) for b in av[1:] if b is not None]
    return []


def _repeated_body(body: list[Any], parsed: Any, sample: str) -> str | None:
    """The problem with the body of a group repeated more than once, or None."""
    from re import _constants as c

    first = _first_chars(body, parsed, sample)
    for op, av in _descendants(body):
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[1] != av[0]:
            inner = _chars(list(av[2]), parsed, sample)
            if first is None or inner is None or first & inner:
                return "a repeated group contains a repetition that can match the same text (nested quantifiers)"
        elif op is c.BRANCH:
            starts = [_first_chars(list(b), parsed, sample) for b in av[1]]
            if any(s is None for s in starts) or len(set().union(*starts)) < sum(len(s) for s in starts):
                return "a repeated group contains alternatives that can start with the same character"
    return None


def _descendants(items: list[Any]) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    for op, av in items:
        found.append((op, av))
        for child in _children(op, av):
            found.extend(_descendants(child))
    return found


def _first_chars(items: list[Any], parsed: Any, sample: str) -> set[str] | None:
    """The characters a match of `items` starts with, when it starts with one plain character (else None)."""
    from re import _constants as c

    while items and items[0][0] is c.SUBPATTERN:
        items = list(items[0][1][3]) + items[1:]
    return _chars(items[:1], parsed, sample) if items else None


def _chars(items: list[Any], parsed: Any, sample: str) -> set[str] | None:
    """The sample characters one single-character item matches; None when `items` is not one such item."""
    from re import _compiler as compiler
    from re import _constants as c
    from re import _parser as parser

    if len(items) != 1 or items[0][0] not in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY):
        return None
    matcher = compiler.compile(parser.SubPattern(parsed.state, items), parsed.state.flags)
    return {ch for ch in sample if matcher.fullmatch(ch)}


class Regions(_Strict):
    allowed: list[str] = Field(default_factory=list)  # empty: every region allowed
    denied: list[str] = Field(default_factory=list)


class Compute(_Strict):
    allowed_families: list[str] = Field(default_factory=list)  # empty: every family allowed
    denied_families: list[str] = Field(default_factory=list)
    # environment (tag value) -> largest size allowed, e.g. {"dev": "xlarge"}
    max_size_by_env: dict[str, str] = Field(default_factory=lambda: {"dev": "xlarge", "staging": "2xlarge"})
    env_tag: str = "env"

    @field_validator("max_size_by_env")
    @classmethod
    def _sizes(cls, value: dict[str, str]) -> dict[str, str]:
        for env, size in value.items():
            if not _INSTANCE_SIZE.fullmatch(size):
                raise ValueError(f"{env}: {size!r} is not an instance size (nano, micro, small, medium, large, "
                                 "xlarge, 2xlarge, ..., 48xlarge, metal)")
        return value


class Cost(_Strict):
    resource_monthly_threshold: Amount | None = 1000.0
    project_delta_threshold: Amount | None = 500.0
    project_delta_percent: Amount | None = 25.0
    monthly_budget: Amount | None = None


class Suppression(_Strict):
    """Accept a finding on purpose: which policy, which resources (glob), why, and until when."""

    policy: str
    address: str = "*"
    reason: str
    until: date | None = None

    @field_validator("reason")
    @classmethod
    def _reason_required(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a suppression needs a reason")
        return value


class PolicySettings(_Strict):
    trusted_dirs: list[Path] = Field(default_factory=list)  # Python policies run only from these
    rego_dirs: list[Path] = Field(default_factory=list)
    packs: list[str] | None = None  # built-in packs to run; None: all
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)  # override a policy's severity
    settings: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-policy parameters
    checkov: str | None = None  # checkov executable or its virtualenv, for --with-checkov
    # the embedded Rego evaluator's budget (FINGUARD_REGO_TIMEOUT / FINGUARD_REGO_MEMORY_MB win when set)
    rego_timeout_seconds: float | None = Field(None, strict=True, gt=0, le=MAX_TIMEOUT, allow_inf_nan=False)
    rego_memory_mb: StrictInt | None = Field(None, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)


# Sections whose models live with the jobs that read them. Each is imported and validated only when the file has
# it (or a command reads it), so `check` on every pull request does not build the schemas of the billing jobs
# (~0.1 s of pydantic work per run); a file that has the section is still validated as strictly as the rest.
LAZY_SECTIONS: dict[str, tuple[str, str]] = {
    "billing": ("finguard.billing.config", "BillingConfig"),
    "approvals": ("finguard.approvals.config", "ApprovalsConfig"),
    "waste": ("finguard.waste.config", "WasteConfig"),
    "k8s": ("finguard.k8s.config", "K8sConfig"),
}


def section_model(name: str) -> type[BaseModel]:
    import importlib

    module, attr = LAZY_SECTIONS[name]
    model: type[BaseModel] = getattr(importlib.import_module(module), attr)
    return model


class FinguardConfig(_Strict):
    version: StrictInt = 1
    fail_on: Severity = Severity.HIGH
    taxonomy: Taxonomy = Field(default_factory=Taxonomy)
    regions: Regions = Field(default_factory=Regions)
    compute: Compute = Field(default_factory=Compute)
    cost: Cost = Field(default_factory=Cost)
    policies: PolicySettings = Field(default_factory=PolicySettings)
    suppressions: list[Suppression] = Field(default_factory=list)
    pricing: PricingConfig = Field(default_factory=PricingConfig)
    path: Path | None = Field(default=None, exclude=True)  # where it was read from
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)  # LAZY_SECTIONS, validated

    @model_validator(mode="wrap")
    @classmethod
    def _lazy_sections(cls, data: Any, handler: Any) -> FinguardConfig:
        """Programmatic use (`model_validate({...})`) takes the lazy sections too; load_config validates them
        itself, to name the file and line of an error."""
        sections = {}
        if isinstance(data, dict) and any(name in data for name in LAZY_SECTIONS):
            data = dict(data)
            sections = {name: data.pop(name) for name in LAZY_SECTIONS if name in data}
        config: FinguardConfig = handler(data)
        for name, value in sections.items():
            config._sections[name] = section_model(name).model_validate(value)
        return config

    @model_validator(mode="after")
    def _version(self) -> FinguardConfig:
        if self.version != 1:
            raise ValueError(f"unsupported config version {self.version} (this finguard reads version 1)")
        return self

    def section(self, name: str) -> BaseModel:
        """A lazy section, validated; its defaults when the file does not have it."""
        if name not in self._sections:
            self._sections[name] = section_model(name)()
        return self._sections[name]

    @property
    def billing(self) -> BillingConfig:
        return self.section("billing")  # type: ignore[return-value]

    @property
    def approvals(self) -> ApprovalsConfig:
        return self.section("approvals")  # type: ignore[return-value]

    @property
    def waste(self) -> WasteConfig:
        return self.section("waste")  # type: ignore[return-value]

    @property
    def k8s(self) -> K8sConfig:
        return self.section("k8s")  # type: ignore[return-value]

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the config file's directory."""
        base = self.path.parent if self.path else Path.cwd()
        return path if path.is_absolute() else (base / path).resolve()


def find_config(start: Path) -> Path | None:
    """finguard.yml in `start` or a parent directory (stopping at the repository root)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        if (directory / ".git").exists():
            break
    return None


def load_config(path: Path | None) -> FinguardConfig:
    if path is None:
        return FinguardConfig()
    raw, node = read_yaml(path, "config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError("config must be a mapping of keys (e.g. `taxonomy:`, `policies:`)", where=str(path))
    config = _validated(FinguardConfig, {k: v for k, v in raw.items() if k not in LAZY_SECTIONS}, (), raw, node,
                        path)
    for name in LAZY_SECTIONS:
        if name in raw:
            config._sections[name] = _validated(section_model(name), raw[name], (name,), raw, node, path)
    config.path = path
    return config


def _validated(model: type[BaseModel], value: Any, prefix: tuple[str, ...], raw: dict[str, Any], node: Any,
               path: Path) -> Any:
    """`value` validated as `model` (found at `prefix` in the file), or an InputError naming file, line and key."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        full = (*prefix, *err["loc"])
        loc = ".".join(str(p) for p in full)
        line = yaml_line(node, full)
        where = f"{path}:{line}" if line else str(path)
        message = validation_message(err)
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc!r}" + _did_you_mean(err["loc"], model)
        raise InputError(f"invalid config at {loc}{_suppression_label(raw, full)}: {message}",
                         where=where) from None


def validation_message(err: Any) -> str:
    """pydantic's message for one error, in the words of a config file: `must be >= 0`, `must be a number`."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    for bound, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if kind.startswith(("greater_than", "less_than")) and bound in ctx:
            return f"must be {op} {ctx[bound]:g}, got {shown}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        return f"must be a {'whole ' if kind.startswith('int') else ''}number, got {shown}"
    if kind == "finite_number":
        return f"must be a finite number, got {shown}"
    if kind.startswith(("date_", "datetime_")):
        return f"must be a real date (YYYY-MM-DD), got {shown}" + (f": {ctx['error']}" if "error" in ctx else "")
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, got {shown}"
    message = err["msg"]
    return message[len("Value error, "):] if message.startswith("Value error, ") else message


def _suppression_label(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """` (suppression of FG-TAG-001)` for an error inside a suppression entry, so the entry is named."""
    if len(loc) >= 2 and loc[0] == "suppressions" and isinstance(loc[1], int):
        items = raw.get("suppressions")
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        policy = item.get("policy") if isinstance(item, dict) else None
        return f" (suppression of {policy})" if isinstance(policy, str) else ""
    return ""


def _did_you_mean(loc: tuple[int | str, ...], root: type[BaseModel] | None = None) -> str:
    import difflib

    model: type[BaseModel] | None = root or FinguardConfig
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue  # a list index: the item model was already picked from list[Model]
        field = model.model_fields.get(str(part))
        model = _inner_model(getattr(field, "annotation", None)) if field else None
        if model is None:
            return ""
    if model is None:
        return ""
    names = [*model.model_fields, *(LAZY_SECTIONS if model is FinguardConfig else ())]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _inner_model(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, directly or inside list[...], dict[str, ...] or Optional[...]."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# -- reading finguard.yml and finguard-usage.yml: one YAML reader with bounds --------------------------------
# Both files are small and hand-written, so the reader refuses what only a mistake or an attack produces:
# text that is not UTF-8, files over MAX_YAML_BYTES or that are not regular files (a FIFO would hang),
# nesting deeper than MAX_YAML_DEPTH, documents whose aliases expand to more than MAX_YAML_NODES nodes
# (a "billion laughs"), recursive aliases, duplicate keys and non-finite numbers (.nan, .inf, 1.0e+400). A date
# that does not exist (2027-02-30) stays text, so the date field holding it reports it. Each error names the file
# and, where YAML knows it, the line.
MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 200_000


def _bounded_loader(text: str) -> Any:
    import math

    import yaml
    from yaml.composer import ComposerError
    from yaml.constructor import ConstructorError
    from yaml.events import AliasEvent

    class Loader(yaml.SafeLoader):  # the pure-Python loader: the C one cannot count alias expansion
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0
            self._total = 0
            self._sizes: dict[int, int] = {}  # id(node) -> its size with aliases expanded

        def compose_node(self, parent: Any, index: Any) -> Any:
            mark = self.peek_event().start_mark
            if self.check_event(AliasEvent):
                node = super().compose_node(parent, index)
                size = self._sizes.get(id(node))
                if size is None:
                    raise ComposerError(None, None, "an alias refers to a node that contains it (recursive alias)",
                                        mark)
                self._count(size, mark)
                return node
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark)
            before = self._total
            node = super().compose_node(parent, index)
            self._depth -= 1
            self._count(1, mark)
            self._sizes[id(node)] = self._total - before
            return node

        def _count(self, size: int, mark: Any) -> None:
            self._total += size
            if self._total > MAX_YAML_NODES:
                raise ComposerError(None, None, f"the document expands to more than {MAX_YAML_NODES:,} values "
                                    "(aliases included)", mark)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, Any] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.setdefault(key, key_node)
                    except TypeError:
                        continue  # an unhashable key: the base constructor reports it
                    if first is not key_node:
                        raise ConstructorError(None, None, f"duplicate key {key!r} (first at line "
                                               f"{first.start_mark.line + 1})", key_node.start_mark)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_float(self, node: Any) -> float:
            value = super().construct_yaml_float(node)
            if not math.isfinite(value):
                raise ConstructorError(None, None, f"{node.value!r} is not a finite number", node.start_mark)
            return value

        def construct_yaml_int(self, node: Any) -> int:
            try:
                return super().construct_yaml_int(node)
            except ValueError:
                raise ConstructorError(None, None, f"{node.value[:40]!r} is not a usable integer",
                                       node.start_mark) from None

        def construct_yaml_timestamp(self, node: Any) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return node.value  # 2027-02-30: kept as text, so the field it is in reports it with its key path

    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)
    return Loader(text)


def read_yaml(path: Path, what: str) -> tuple[Any, Any]:
    """(data, root node or None) of a finguard YAML file; every problem is one InputError naming the file."""
    import stat


    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"cannot read {what}: not a regular file", where=str(path))
        if info.st_size > MAX_YAML_BYTES:
            raise InputError(f"{what} is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB", where=str(path))
        with open(path, "rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", where=str(path)) from None
    if len(data) > MAX_YAML_BYTES:
        raise InputError(f"{what} is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB", where=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{what} is not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r})",
                         where=f"{path}:{line}") from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, source: str) -> tuple[Any, Any]:
    """(data, root node) of YAML text with the same bounds as `read_yaml` (aliases, depth, duplicate keys);
    errors name `source` and the line."""
    import yaml

    try:
        loader = _bounded_loader(text)  # the reader refuses control characters here, before any parsing
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"invalid YAML: control character {_codepoint(exc.character)} is not allowed in YAML text",
                         where=f"{source}:{line}") from None
    try:
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"invalid YAML: control character {_codepoint(exc.character)} is not allowed in YAML text",
                         where=f"{source}:{line}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", where=where) from None
    except RecursionError:
        raise InputError(f"invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels", where=source) from None
    finally:
        loader.dispose()
    return raw, node


def _codepoint(character: int | str) -> str:
    return f"U+{character if isinstance(character, int) else ord(character[:1] or chr(0)):04X}"


def yaml_line(node: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of a key path (pydantic's error `loc`) in a composed YAML document: the deepest part found."""
    import yaml

    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


STARTER_CONFIG = """\
# finguard.yml: guardrails for this repository. Every key is optional; these are the defaults unless noted.
version: 1

# Which findings fail `finguard check` (exit 1): info, low, medium, high, critical.
fail_on: high

taxonomy:
  # Tags every taggable resource must carry (provider default_tags count).
  required_tags: [team, env, cost-center]
  # Allowed values per tag key.
  allowed_values:
    env: [dev, staging, prod]
  # Regular expressions tag values must match. Patterns that could backtrack without end are refused:
  # a repeated group may not hold a repetition or alternatives matching the same text, e.g. ^(a+)+$.
  patterns:
    cost-center: "^CC-\\\\d{4}$"

regions:
  allowed: []        # e.g. [us-east-1, eu-west-1]; empty allows every region
  denied: []

compute:
  allowed_families: []   # e.g. [m7g, c7g, r7g, t4g]; empty allows every family
  denied_families: []    # e.g. [p4d, x2iedn]
  env_tag: env
  max_size_by_env:       # largest instance size per environment (by the env tag)
    dev: xlarge
    staging: 2xlarge

cost:
  resource_monthly_threshold: 1000   # USD per month for one resource
  project_delta_threshold: 500       # USD per month a change may add
  project_delta_percent: 25          # percent a change may add
  monthly_budget: null               # USD per month for the whole project

policies:
  packs: null            # built-in packs to run (tagging, compute, region, storage, cost); null runs all
  disable: []            # policy ids to turn off
  severity: {}           # override severities, e.g. {FG-STO-001: high}
  trusted_dirs: []       # directories of your own Python policies (only these run)
  rego_dirs: []          # directories of your own Rego policies
  settings: {}           # per-policy parameters, e.g. {FG-CMP-004: {suggest_graviton: false}}
  checkov: null          # checkov from its OWN virtualenv (path to the executable or the venv), for --with-checkov

# Accepted findings: a reason is required; after `until` the suppression stops working and is reported.
suppressions: []
#  - policy: FG-TAG-001
#    address: "module.legacy.*"
#    reason: "legacy stack, retired in Q1"
#    until: 2027-03-31

# More sections, each optional and validated as strictly as the ones above (README has every key):
# pricing:
#   rates: list                        # `effective`: your own rates, from `finguard pricing rates --from-billing`
# approvals:                           # `finguard approvals`: a commit status waiting for the right reviewer
#   rules:
#     - id: large-increase
#       monthly_delta_over: 500        # USD per month a change adds
#       approvers: [your-org/finops]   # GitHub users or org/team
# billing:                             # `finguard billing ...`: store, allocation, budgets, anomalies, forecast
#   db: .finguard/billing.duckdb
# waste:                               # `finguard waste`: regions and per-kind thresholds
#   regions: [us-east-1]
# k8s:                                 # `finguard k8s allocate`: cluster name, shared namespaces, spot discount
#   cluster: prod
#   shared_namespaces: [kube-system]
"""
