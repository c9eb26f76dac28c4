"""finguard.yml: the platform team's taxonomy, guardrail settings and suppressions, validated by pydantic.

Unknown keys are errors (a typo must not silently disable a guardrail), and every error names the file,
the key path and, where YAML tells us, the line.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from finguard.billing.config import BillingConfig
from finguard.errors import InputError
from finguard.policy.model import Severity

CONFIG_NAMES = ("finguard.yml", "finguard.yaml", ".finguard.yml", ".finguard.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Taxonomy(_Strict):
    """The tagging standard: which tags every taggable resource carries, and what their values may be."""

    required_tags: list[str] = Field(default_factory=lambda: ["team", "env", "cost-center"])
    allowed_values: dict[str, list[str]] = Field(default_factory=lambda: {"env": ["dev", "staging", "prod"]})
    patterns: dict[str, str] = Field(default_factory=lambda: {"cost-center": r"^CC-\d{4}$"})
    case_sensitive_keys: bool = True

    @field_validator("patterns")
    @classmethod
    def _compile(cls, value: dict[str, str]) -> dict[str, str]:
        for key, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern for tag {key!r} is not a valid regular expression: {exc}") from None
        return value


class Regions(_Strict):
    allowed: list[str] = Field(default_factory=list)  # empty: every region allowed
    denied: list[str] = Field(default_factory=list)


class Compute(_Strict):
    allowed_families: list[str] = Field(default_factory=list)  # empty: every family allowed
    denied_families: list[str] = Field(default_factory=list)
    # environment (tag value) -> largest size allowed, e.g. {"dev": "xlarge"}
    max_size_by_env: dict[str, str] = Field(default_factory=lambda: {"dev": "xlarge", "staging": "2xlarge"})
    env_tag: str = "env"


class Cost(_Strict):
    resource_monthly_threshold: float | None = 1000.0
    project_delta_threshold: float | None = 500.0
    project_delta_percent: float | None = 25.0
    monthly_budget: float | None = None


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


class FinguardConfig(_Strict):
    version: int = 1
    fail_on: Severity = Severity.HIGH
    taxonomy: Taxonomy = Field(default_factory=Taxonomy)
    regions: Regions = Field(default_factory=Regions)
    compute: Compute = Field(default_factory=Compute)
    cost: Cost = Field(default_factory=Cost)
    policies: PolicySettings = Field(default_factory=PolicySettings)
    suppressions: list[Suppression] = Field(default_factory=list)
    billing: BillingConfig = Field(default_factory=BillingConfig)
    path: Path | None = Field(default=None, exclude=True)  # where it was read from

    @model_validator(mode="after")
    def _version(self) -> FinguardConfig:
        if self.version != 1:
            raise ValueError(f"unsupported config version {self.version} (this finguard reads version 1)")
        return self

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
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read config: {exc.strerror}", where=str(path)) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"invalid YAML: {problem}", where=where) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError("config must be a mapping of keys (e.g. `taxonomy:`, `policies:`)", where=str(path))
    try:
        config = FinguardConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        line = _line_of(text, err["loc"])
        where = f"{path}:{line}" if line else str(path)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc!r}" + _did_you_mean(err["loc"])
        raise InputError(f"invalid config at {loc}: {message}", where=where) from None
    config.path = path
    return config


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line of a key path in YAML text: the last string key of the path, searched in order."""
    line_no = 0
    lines = text.splitlines()
    for part in loc:
        if not isinstance(part, str):
            continue
        pattern = re.compile(rf"^\s*-?\s*['\"]?{re.escape(part)}['\"]?\s*:")
        for i in range(line_no, len(lines)):
            if pattern.match(lines[i]):
                line_no = i
                break
        else:
            return line_no + 1 if line_no else None
    return line_no + 1


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    import difflib

    model: type[BaseModel] | None = FinguardConfig
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue  # a list index: the item model was already picked from list[Model]
        field = model.model_fields.get(str(part))
        model = _inner_model(getattr(field, "annotation", None)) if field else None
        if model is None:
            return ""
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
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
  # Regular expressions tag values must match.
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
"""
