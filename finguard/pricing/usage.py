"""finguard-usage.yml: quantities a plan cannot know (requests, GB stored, data processed) per resource.

    version: 1
    resource_type_default_usage:       # applies to every resource of the type
      aws_lambda_function:
        monthly_requests: 1000000
    resource_usage:                    # per address; globs allowed ("module.api.*"); exact beats glob
      aws_nat_gateway.main:
        monthly_data_processed_gb: 250

Each cost model declares the usage keys it reads (name, unit, description), so a typo or a key the
resource type does not take is an error that names the file, the entry and the valid keys. Without
a value, a usage-based component is shown with its unit price, not priced at $0.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from finguard.errors import InputError

DEFAULT_USAGE_FILE = "finguard-usage.yml"


@dataclass(frozen=True, slots=True)
class UsageKey:
    """One usage value a cost model reads: a quantity in `unit`, or one of `choices`."""

    unit: str
    description: str
    choices: tuple[str, ...] = ()


class UsageFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = 1
    resource_type_default_usage: dict[str, dict[str, float | str]] = Field(default_factory=dict)
    resource_usage: dict[str, dict[str, float | str]] = Field(default_factory=dict)
    path: Path | None = Field(default=None, exclude=True)

    def for_resource(self, address: str, type_: str) -> dict[str, float | str]:
        """Type defaults, then glob entries (least specific first), then the exact address."""
        values = dict(self.resource_type_default_usage.get(type_, {}))
        globs = [(k, v) for k, v in self.resource_usage.items() if k != address and _is_glob(k)
                 and fnmatch.fnmatchcase(address, k)]
        for _, entry in sorted(globs, key=lambda kv: len(kv[0].replace("*", ""))):
            values.update(entry)
        values.update(self.resource_usage.get(address, {}))
        return values


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


MAX_QUANTITY = 1e15  # a usage quantity above this is a typo (and would price past what a float can hold)


def load_usage(path: Path) -> UsageFile:
    from finguard.config import read_yaml, validation_message, yaml_line

    raw, node = read_yaml(path, "usage file")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise InputError("a usage file is a mapping (version, resource_type_default_usage, resource_usage)",
                         where=str(path))
    try:
        usage = UsageFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        line = yaml_line(node, err["loc"])
        message = f"unknown key {loc!r}" if err["type"] == "extra_forbidden" else validation_message(err)
        if err["type"] in ("float_parsing", "float_type"):
            message = f"{loc} must be a number (a quantity in the key's unit), got {err.get('input')!r}"
        raise InputError(f"invalid usage file at {loc}: {message}",
                         where=f"{path}:{line}" if line else str(path)) from None
    if usage.version != 1:
        raise InputError(f"unsupported usage file version {usage.version} (this finguard reads 1)", where=str(path))
    for section in ("resource_type_default_usage", "resource_usage"):
        for name, entry in getattr(usage, section).items():
            for key, value in entry.items():
                source = raw[section][name][key]  # before pydantic made `true` a 1.0
                if isinstance(source, bool) or (isinstance(value, float) and not 0 <= value <= MAX_QUANTITY):
                    line = yaml_line(node, (section, name, key))
                    shown = str(source).lower() if isinstance(source, bool) else repr(source)
                    raise InputError(f"{section}.{name}.{key}: expected a quantity (a number >= 0 and <= "
                                     f"{MAX_QUANTITY:g}), got {shown}", where=f"{path}:{line}" if line else str(path))
    usage.path = path
    return usage


def validate_usage(usage: UsageFile, resources: list[tuple[str, str]], keys_for: Any) -> list[str]:
    """Check every key against the models' declarations; return warnings for entries that match nothing.

    `resources` are (address, type) pairs; `keys_for(type)` gives a model's usage keys (or {}).
    """
    where = str(usage.path or DEFAULT_USAGE_FILE)
    for type_, entry in usage.resource_type_default_usage.items():
        _check_keys(entry, keys_for(type_), f"resource_type_default_usage.{type_}", where)
    warnings: list[str] = []
    for pattern, entry in usage.resource_usage.items():
        matched = [(a, t) for a, t in resources
                   if a == pattern or (_is_glob(pattern) and fnmatch.fnmatchcase(a, pattern))]
        if not matched:
            warnings.append(f"{where}: resource_usage.{pattern} matches no resource")
            continue
        for _, type_ in matched:
            _check_keys(entry, keys_for(type_), f"resource_usage.{pattern} ({type_})", where)
    return warnings


def _check_keys(entry: dict[str, float | str], valid: dict[str, UsageKey], label: str, where: str) -> None:
    for key, value in entry.items():
        if key not in valid:
            options = ", ".join(sorted(valid)) or "none: this resource type has no usage-based components"
            raise InputError(f"{label}: unknown usage key {key!r} (valid: {options})", where=where)
        spec = valid[key]
        if spec.choices:
            if str(value).lower() not in spec.choices:
                raise InputError(f"{label}.{key}: {value!r} is not one of {', '.join(spec.choices)}", where=where)
        elif isinstance(value, str) or value < 0:
            raise InputError(f"{label}.{key}: expected a quantity in {spec.unit} (a number >= 0), got {value!r}",
                             where=where)


def usage_keys_for(resource_type: str) -> dict[str, UsageKey]:
    """The usage keys the cost model of a type declares ({} for free, unsupported or usage-free types)."""
    from finguard.pricing import registry

    model = registry.model_for(resource_type)
    return dict(model.usage_keys) if model is not None else {}


def usage_template(resources: list[tuple[str, str]], keys_for: Any) -> str:
    """A finguard-usage.yml listing every usage-based quantity of the project, with its key and unit."""
    lines = ["# finguard-usage.yml: monthly quantities finguard cannot read from Terraform.",
             "# Fill in what you know; keys left at 0 price nothing, delete them to keep them usage-based.",
             "version: 1", "", "resource_type_default_usage: {}", "", "resource_usage:"]
    seen_any = False
    for address, type_ in resources:
        keys = keys_for(type_)
        if not keys:
            continue
        seen_any = True
        lines.append(f"  {_yaml_key(address)}:")
        for name, key in sorted(keys.items()):
            if key.choices:
                lines.append(f"    # {name}: {key.choices[0]}  # one of {', '.join(key.choices)}: {key.description}")
            else:
                lines.append(f"    {name}: 0  # {key.unit}: {key.description}")
    if not seen_any:
        lines[-1] = "resource_usage: {}  # no usage-based components in this project"
    return "\n".join(lines) + "\n"


def _yaml_key(address: str) -> str:
    return "'" + address.replace("'", "''") + "'" if any(c in address for c in "[]\"':{}#,&*!|>%@`") else address
