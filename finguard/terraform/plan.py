"""`terraform show -json` plan -> model.Project.

Resources come from `resource_changes` (before/after/after_unknown per instance), completed by
`planned_values` and `prior_state` for instances a plan lists only there (older formats, data
sources). Region and default tags come from `configuration.provider_config`, resolved per resource
through its `provider_config_key`, the way Terraform itself binds a resource to a provider block.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from finguard import strict_json
from finguard.errors import InputError, read_text
from finguard.model import Action, Project, Resource
from finguard.terraform.addresses import config_address, module_of
from finguard.terraform.aws_taggable import KNOWN_TAGGABLE

SUPPORTED_MAJOR_VERSIONS = ("0", "1")


# -- the plan document as read: validated at the boundary, with JSON paths in errors -------------
class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ChangeDoc(_Doc):
    actions: list[str]
    before: Any = None
    after: Any = None
    after_unknown: Any = None


class ResourceChangeDoc(_Doc):
    address: str
    module_address: str | None = None
    mode: str = "managed"
    type: str
    name: str
    index: int | str | None = None
    provider_name: str = ""
    deposed: str | None = None
    change: ChangeDoc


def _json_object(value: Any) -> dict[str, Any]:
    """A JSON object as it is: validating `dict[str, Any]` copied every resource's values, twice per plan (planned
    and prior state); the keys of a decoded JSON object are text already."""
    if type(value) is dict:
        return value
    raise PydanticCustomError("dict_type", "Input should be a valid dictionary")


def _json_object_or_null(value: Any) -> dict[str, Any] | None:
    return None if value is None else _json_object(value)


JsonObject = Annotated[dict[str, Any], PlainValidator(_json_object)]
JsonObjectOrNull = Annotated[dict[str, Any] | None, PlainValidator(_json_object_or_null)]


class StateResourceDoc(_Doc):
    address: str
    mode: str = "managed"
    type: str
    name: str
    index: int | str | None = None
    provider_name: str = ""
    values: JsonObjectOrNull = None


class ModuleDoc(_Doc):
    address: str | None = None
    # Each instance as its JSON object, checked as a StateResourceDoc (with its path) only when resource_changes
    # does not list it (_state_instances): a plan repeats every instance here twice (planned_values and
    # prior_state), which the reader never uses, and checking those copies was ~40% of checking a plan.
    resources: list[JsonObject] = Field(default_factory=list)
    child_modules: list[ModuleDoc] = Field(default_factory=list)


class ValuesDoc(_Doc):
    root_module: ModuleDoc = Field(default_factory=ModuleDoc)


class StateDoc(_Doc):
    values: ValuesDoc | None = None


class VariableDoc(_Doc):
    value: Any = None


class PlanDoc(_Doc):
    format_version: str
    terraform_version: str | None = None
    variables: dict[str, VariableDoc] = Field(default_factory=dict)
    values: ValuesDoc | None = None  # `terraform show -json` of a state (no plan): what exists now
    planned_values: ValuesDoc | None = None
    prior_state: StateDoc | None = None
    resource_changes: list[ResourceChangeDoc] = Field(default_factory=list)
    configuration: dict[str, Any] = Field(default_factory=dict)


# -- reading --------------------------------------------------------------------------------------
def load_plan(path: str | Path, *, default_region: str | None = None) -> Project:
    """Read and parse a plan file; every failure is an InputError naming the file."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", where=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected a plan JSON file", where=str(path))
    text = read_text(path)  # refuses FIFOs and devices, and files above FINGUARD_MAX_INPUT_BYTES
    return parse_plan(text, source=str(path), default_region=default_region)


MAX_NESTING_DEPTH = 512  # Terraform plans nest a few dozen levels; deeper is not a plan (and would exhaust the stack)


def parse_plan(text: str, *, source: str = "<plan>", default_region: str | None = None) -> Project:
    try:
        raw, depth_bounded = _loads_depth_bounded(text)
    except json.JSONDecodeError as exc:
        hint = " (the file ends before the document does: truncated?)" if _looks_truncated(text, exc) else ""
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}",
            where=source,
        ) from None
    except strict_json.NotAJsonNumber as exc:  # NaN, Infinity, 1e400: Python's json accepts them, JSON does not
        raise InputError(f"not valid JSON: {exc}", where=source) from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise InputError(f"not valid JSON: a number has more than {sys.get_int_max_str_digits()} digits",
                         where=source) from None
    except RecursionError:
        raise InputError(f"not a Terraform plan: nested more than {MAX_NESTING_DEPTH} levels deep",
                         where=source) from None
    if raw is _TOO_DEEP or (not depth_bounded and _nesting_depth(text, raw) > MAX_NESTING_DEPTH):
        raise InputError(f"not a Terraform plan: nested more than {MAX_NESTING_DEPTH} levels deep", where=source)
    found = strict_json.lone_surrogate(text, raw)
    if found is not None:
        kind, parts = found
        path = _json_path(parts).encode("utf-8", "backslashreplace").decode("utf-8")
        raise InputError(f"invalid plan at {path}: {kind} is not valid Unicode text (a lone UTF-16 surrogate "
                         "escape such as \\ud800)", where=source)
    return plan_to_project(raw, source=source, default_region=default_region)


class _DecoderDepth:
    """Makes a JSON decoder itself refuse documents nested deeper than MAX_NESTING_DEPTH, at no cost per value.

    CPython's C decoder (and msgspec's) counts each nested array/object against the recursion limit (3.11), so
    decoding under a limit of (frames on the stack + a calibrated headroom) stops exactly one level past the
    maximum. The headroom is found once per decoder, by decoding probes at the same stack depth as real
    documents. Where a decoder does not count against `sys.setrecursionlimit` (CPython >= 3.12 counts C recursion
    separately), `exact` is False and the plan reader falls back to walking the decoded document."""

    def __init__(self, decode: Callable[[str], Any]) -> None:
        self.decode = decode
        self.headroom: int | None = None
        self.exact = False
        self.calibrated = False

    def loads(self, text: str) -> Any:
        if not self.calibrated:
            self.calibrated = True
            self._calibrate()
        if not self.exact or self.headroom is None:
            return self.decode(text)
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(_stack_depth() + self.headroom)
        try:
            return self.decode(text)
        except RecursionError:
            return _TOO_DEEP
        finally:
            sys.setrecursionlimit(previous)

    def _calibrate(self) -> None:
        ok, deep = "[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH, "[" * (MAX_NESTING_DEPTH + 1) + "]" * (
            MAX_NESTING_DEPTH + 1)
        for headroom in range(MAX_NESTING_DEPTH - 8, MAX_NESTING_DEPTH + 64):
            self.headroom, self.exact = headroom, True
            if self._probe(ok) and not self._probe(deep):
                return
        self.headroom, self.exact = None, False

    def _probe(self, text: str) -> bool:
        return self.loads(text) is not _TOO_DEEP


def _stack_depth() -> int:
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _msgspec_loads(text: str) -> Any:
    import msgspec.json  # ~7 ms to import: paid only by plans big enough to win it back

    return msgspec.json.decode(text)


_TOO_DEEP = object()
_STRICT_DECODER = _DecoderDepth(strict_json.loads)
_FAST_DECODER = _DecoderDepth(_msgspec_loads)
FAST_DECODE_FROM = 1_000_000  # characters; below, msgspec's import costs more than its speed saves


def _loads_depth_bounded(text: str) -> tuple[Any, bool]:
    """The decoded document (or _TOO_DEEP) and whether its decoder bounded the depth exactly.

    Big plans go through msgspec, 1.6-1.7x the standard library's speed on plans. It accepts only what strict_json
    accepts (standard JSON; no NaN, no 1e400; integers of any size kept exact), and refuses some documents
    strict_json takes (lone surrogate escapes, reported by path below): whatever it refuses is decoded again by
    strict_json, which gives the result or the exact error message."""
    if len(text) >= FAST_DECODE_FROM:
        import msgspec

        try:
            return _FAST_DECODER.loads(text), _FAST_DECODER.exact
        except msgspec.DecodeError:
            pass
    return _STRICT_DECODER.loads(text), _STRICT_DECODER.exact


def _nesting_depth(text: str, raw: Any, limit: int = MAX_NESTING_DEPTH) -> int:
    """Nesting depth of the parsed document, level by level without recursion (stops past `limit`).
    A text with at most `limit` brackets cannot nest deeper, which spares small plans the walk."""
    if text.count("[") + text.count("{") <= limit:
        return 0
    level, depth = [raw], 0
    while level and depth <= limit:
        depth += 1
        below: list[Any] = []
        for node in level:
            below += [v for v in (node.values() if type(node) is dict else node)
                      if type(v) is dict or type(v) is list]
        level = below
    return depth


def _looks_truncated(text: str, exc: json.JSONDecodeError) -> bool:
    """True when the text ends inside a string or with the document still open: the parser stopped at
    the end of the text, or at a string that runs to it. Constant time, whatever the file's size."""
    return exc.msg.startswith("Unterminated string") or (bool(text.strip()) and exc.pos >= len(text.rstrip()))


def plan_to_project(raw: Any, *, source: str = "<plan>", default_region: str | None = None) -> Project:
    """Build the Project. `default_region` applies only where neither the resource nor its
    provider block states a region (as AWS_REGION would for Terraform itself)."""
    _check_is_plan(raw, source)
    try:
        doc = PlanDoc.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_plan(exc, source) from None
    providers = _ProviderResolver(doc, default_region)
    if doc.values is not None and doc.planned_values is None:  # a state: everything exists, unchanged
        doc.planned_values = doc.values
        doc.prior_state = StateDoc(values=doc.values)
    resources = _resources(doc, providers, source)
    if providers.defaulted:
        providers.warnings.append(
            f"{providers.defaulted} resources have no region in the plan; used the default region {default_region}")
    name = Path(source).parent.name or Path(source).stem
    return Project(
        name=name,
        source=source,
        format_version=doc.format_version,
        terraform_version=doc.terraform_version,
        resources=resources,
        warnings=providers.warnings,
        module_sources=providers.module_sources,
    )


def _check_is_plan(raw: Any, source: str) -> None:
    if not isinstance(raw, dict):
        raise InputError(f"not a Terraform plan: top level is a JSON {type(raw).__name__}", where=source)
    version = raw.get("format_version")
    if version is None:
        kind = "a Terraform state file" if "resources" in raw and "version" in raw else "a JSON document"
        raise InputError(
            f"not a Terraform plan (this looks like {kind}; expected `terraform show -json PLANFILE` "
            "output with format_version)",
            where=source,
        )
    if not isinstance(version, str) or version.split(".", 1)[0] not in SUPPORTED_MAJOR_VERSIONS:
        raise InputError(
            f"unsupported plan format_version {version!r} (finguard reads 0.x and 1.x)", where=source
        )
    if "planned_values" not in raw and "resource_changes" not in raw and not isinstance(raw.get("values"), dict):
        raise InputError(
            "not a Terraform plan: it has neither planned_values nor resource_changes", where=source
        )


def _invalid_plan(exc: ValidationError, source: str, at: str = "$") -> InputError:
    """The first of pydantic's errors, at its JSON path under `at` (the document's root, or where a part of it
    checked on its own sits)."""
    err = exc.errors()[0]
    return InputError(f"invalid plan at {_json_path(err['loc'], at)}: {err['msg']}", where=source)


def _json_path(loc: tuple[int | str, ...], root: str = "$") -> str:
    out = root
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# -- resources ------------------------------------------------------------------------------------
def _resources(doc: PlanDoc, providers: _ProviderResolver, source: str) -> list[Resource]:
    out: list[Resource] = []
    seen: set[str] = set()
    for i, rc in enumerate(doc.resource_changes):
        try:
            action = Action.from_terraform(rc.change.actions)
        except ValueError as exc:
            raise InputError(f"invalid plan at $.resource_changes[{i}].change.actions: {exc}", where=source) \
                from None
        address = rc.address if rc.deposed is None else f"{rc.address} (deposed {rc.deposed})"
        seen.add(address)
        out.append(
            _make_resource(
                providers,
                address=address,
                mode=rc.mode,
                type_=rc.type,
                name=rc.name,
                index=rc.index,
                module_address=rc.module_address or module_of(rc.address),
                provider_name=rc.provider_name,
                action=action,
                actions=rc.change.actions,
                before=_as_dict(rc.change.before),
                after=_as_dict(rc.change.after),
                after_unknown=rc.change.after_unknown,
            )
        )
    # Older formats and data sources: instances present only in planned_values / prior_state.
    state_path = "$.values" if doc.values is not None and doc.planned_values is doc.values else None
    planned = _state_instances(doc.planned_values, state_path or "$.planned_values", seen, source)
    prior = _state_instances(doc.prior_state.values if doc.prior_state else None,
                             state_path or "$.prior_state.values", seen, source)
    for address, res in {**prior, **planned}.items():
        before = prior[address].values if address in prior else None
        after = planned[address].values if address in planned else None
        if before is not None and after is not None:
            action = Action.NO_OP
        elif after is not None:
            action = Action.CREATE if res.mode == "managed" else Action.READ
        else:
            action = Action.NO_OP if res.mode == "data" else Action.DELETE
        out.append(
            _make_resource(
                providers,
                address=address,
                mode=res.mode,
                type_=res.type,
                name=res.name,
                index=res.index,
                module_address=module_of(address),
                provider_name=res.provider_name,
                action=action,
                actions=[action.value],
                before=before,
                after=after if action is not Action.DELETE else None,
                after_unknown=None,
            )
        )
    return out


def _state_instances(values: ValuesDoc | None, path: str, seen: set[str], source: str
                     ) -> dict[str, StateResourceDoc]:
    """The instances of a planned_values / prior_state tree that resource_changes does not list (`seen`), by
    address (a later one wins), each checked as a StateResourceDoc with its JSON path in the error."""
    if values is None:
        return {}
    found: dict[str, StateResourceDoc] = {}
    stack = [(values.root_module, f"{path}.root_module")]
    while stack:
        module, where = stack.pop()
        for i, raw in enumerate(module.resources):
            address = raw.get("address")
            if type(address) is str and address in seen:
                continue
            try:
                instance = StateResourceDoc.model_validate(raw)
            except ValidationError as exc:
                raise _invalid_plan(exc, source, f"{where}.resources[{i}]") from None
            found[instance.address] = instance
        stack.extend((child, f"{where}.child_modules[{i}]") for i, child in enumerate(module.child_modules))
    return found


def _make_resource(
    providers: _ProviderResolver,
    *,
    address: str,
    mode: str,
    type_: str,
    name: str,
    index: int | str | None,
    module_address: str | None,
    provider_name: str,
    action: Action,
    actions: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    after_unknown: Any,
) -> Resource:
    config_key = providers.config_key(address, mode)
    provider = providers.provider_for(config_key, provider_name, type_)
    unknown = sorted(_unknown_paths(after_unknown))
    configured = providers.configured_paths(address)
    computed: list[str] = []
    if configured is not None:
        computed = [u for u in unknown if not configured.sets(u)]
        unknown = [u for u in unknown if configured.sets(u)]
    values = after if after is not None else before
    region = _resource_region(values, type_) or provider.region
    if region is None and mode == "managed" and providers.default_region and provider_name.endswith("aws"):
        region = providers.default_region
        providers.defaulted += 1
    default_tags = provider.default_tags
    return Resource(
        address=address,
        mode=mode,
        type=type_,
        name=name,
        index=index,
        module_address=module_address,
        provider_name=provider_name,
        provider_config_key=config_key,
        region=region,
        action=action,
        actions=list(actions),
        before=before,
        after=after,
        unknown_after=unknown,
        computed_after=computed,
        tags_before=_tags(before, default_tags, set(), type_),
        tags_after=_tags(after, default_tags, set(unknown), type_),
        references=providers.references_of(address),
    )


def _expression_references(node: Any, prefix: str, found: dict[str, list[str]] | None = None
                           ) -> dict[str, list[str]]:
    """Configuration expressions -> {"launch_template.0.id": ["aws_launch_template.web.id", ...]}."""
    found = {} if found is None else found  # one dict for the whole walk: merging per level was quadratic
    if isinstance(node, dict):
        refs = node.get("references")
        if isinstance(refs, list) and prefix:
            found[prefix] = [str(r) for r in refs]
        for key, value in node.items():
            if key in ("references", "constant_value"):
                continue
            _expression_references(value, f"{prefix}.{key}" if prefix else str(key), found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _expression_references(value, f"{prefix}.{i}" if prefix else str(i), found)
    return found


def _leaf_paths(node: Any, prefix: str, found: set[str] | None = None) -> set[str]:
    """Paths of configuration expressions that set a value (constant or reference), through blocks."""
    found = set() if found is None else found
    if isinstance(node, dict):
        if prefix and ("constant_value" in node or "references" in node):
            found.add(prefix)
            return found
        for key, value in node.items():
            _leaf_paths(value, f"{prefix}.{key}" if prefix else str(key), found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _leaf_paths(value, f"{prefix}.{i}" if prefix else str(i), found)
    return found


class _Configured:
    """Where the configuration sets values: its leaf paths, and every path leading to one."""

    __slots__ = ("leaves", "parents")

    def __init__(self, leaves: set[str]) -> None:
        self.leaves = frozenset(leaves)
        self.parents: frozenset[str] | None = None  # built on first use: most configured resources never ask

    def _parents(self) -> frozenset[str]:
        if self.parents is None:
            parents: set[str] = set()
            for leaf in self.leaves:
                parts = leaf.split(".")
                parents.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            self.parents = frozenset(parents)
        return self.parents

    def sets(self, path: str) -> bool:
        """True for a set value, anything inside one, and any block that leads to one."""
        if path in self._parents():
            return True
        parts = path.split(".")
        return any(".".join(parts[:i]) in self.leaves for i in range(1, len(parts)))


def _as_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _unknown_paths(node: Any, prefix: str = "", found: list[str] | None = None) -> list[str]:
    """Dotted paths marked true in after_unknown ("*": the whole value), depth first, into one list."""
    found = [] if found is None else found
    if node is True:
        found.append(prefix or "*")
        return found
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return found
    for key, value in items:
        if value is True:
            found.append(f"{prefix}.{key}" if prefix else str(key))
        elif value and isinstance(value, dict | list):  # false, null and empty blocks hold no unknown
            _unknown_paths(value, f"{prefix}.{key}" if prefix else str(key), found)
    return found


_AZ = re.compile(r"^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$")


_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")


def _resource_region(values: dict[str, Any] | None, type_: str = "") -> str | None:
    """A region the resource itself states wins over its provider's: AWS provider v6 and Google
    resources carry `region`, an `availability_zone` (us-west-2a) or a GCP `zone`/`location`
    (us-central1-a) names its region exactly, and every Azure resource has a `location`
    ("East US" -> eastus)."""
    if not values:
        return None
    region = values.get("region")
    if isinstance(region, str) and region:
        return region
    zone = values.get("availability_zone")
    if isinstance(zone, str) and (m := _AZ.match(zone)):
        return m.group(1)
    location = values.get("location")
    if type_.startswith("azurerm_") and isinstance(location, str) and location:
        return location.replace(" ", "").lower()
    if type_.startswith("google_"):
        for value in (values.get("zone"), location):
            if isinstance(value, str) and (m := _GCP_ZONE.match(value)):
                return m.group(1)
            if isinstance(value, str) and _GCP_REGION.match(value):
                return value
    return None


def _tags(values: dict[str, Any] | None, default_tags: dict[str, str], unknown: set[str], type_: str) \
        -> dict[str, str]:
    """tags_all when the plan knows it; otherwise the provider's default_tags under the resource's own
    tags, for resources that take tags at all (a route table association has none to inherit)."""
    if not values:
        return {}
    tags_all = values.get("tags_all")
    if isinstance(tags_all, dict) and tags_all and "tags_all" not in unknown:
        return _tag_strings(tags_all)
    tags = values.get("tags")
    if "tags" not in values and "tags_all" not in values and type_ not in KNOWN_TAGGABLE:
        return {}
    merged = dict(default_tags)
    if isinstance(tags, dict):
        merged.update(_tag_strings(tags))
    return merged


def _tag_strings(tags: dict[Any, Any]) -> dict[str, str]:
    """Keys and values as text, null as "" (inline: a call per tag was a tenth of reading a plan's resources)."""
    return {k if k.__class__ is str else str(k): v if v.__class__ is str else "" if v is None else str(v)
            for k, v in tags.items()}


# -- providers ------------------------------------------------------------------------------------
class _Provider(BaseModel):
    region: str | None = None
    default_tags: dict[str, str] = Field(default_factory=dict)


class _ProviderResolver:
    """Binds resources to provider blocks: region (constant or variable) and default_tags."""

    def __init__(self, doc: PlanDoc, default_region: str | None = None) -> None:
        self.default_region = default_region
        self.defaulted = 0
        config = doc.configuration if isinstance(doc.configuration, dict) else {}
        self.variables = {k: v.value for k, v in doc.variables.items()}
        self.warnings: list[str] = []
        raw_configs = config.get("provider_config")
        self.configs: dict[str, dict[str, Any]] = raw_configs if isinstance(raw_configs, dict) else {}
        self.resource_keys: dict[str, str] = {}
        self.references: dict[str, dict[str, list[str]]] = {}
        self.module_sources: dict[str, str] = {}
        self.configured: dict[str, _Configured] = {}
        root = config.get("root_module")
        if isinstance(root, dict):
            self._index_module(root, "")
        self._cache: dict[tuple[str | None, str], _Provider] = {}

    def _index_module(self, module: dict[str, Any], prefix: str) -> None:
        for res in module.get("resources") or []:
            if not isinstance(res, dict) or "address" not in res:
                continue
            address = prefix + str(res["address"])
            if "provider_config_key" in res:
                self.resource_keys[address] = str(res["provider_config_key"])
            refs = _expression_references(res.get("expressions"), "")
            if refs:
                self.references[address] = refs
            self.configured[address] = _Configured(_leaf_paths(res.get("expressions"), ""))
        for name, call in (module.get("module_calls") or {}).items():
            if not isinstance(call, dict):
                continue
            if isinstance(call.get("source"), str):
                self.module_sources[f"{prefix}module.{name}"] = call["source"]
            if isinstance(call.get("module"), dict):
                self._index_module(call["module"], f"{prefix}module.{name}.")

    def config_key(self, address: str, mode: str) -> str | None:
        return self.resource_keys.get(config_address(address))

    def configured_paths(self, address: str) -> _Configured | None:
        """Paths the configuration sets for this resource; None when the plan has no configuration for it."""
        return self.configured.get(config_address(address))

    def references_of(self, address: str) -> dict[str, list[str]]:
        return self.references.get(config_address(address), {})

    def provider_for(self, config_key: str | None, provider_name: str, type_: str) -> _Provider:
        short = provider_name.rsplit("/", 1)[-1] if provider_name else type_.split("_", 1)[0]
        cache_key = (config_key, short)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._cache[cache_key] = self._resolve(config_key, short)
        return found

    def _resolve(self, config_key: str | None, short: str) -> _Provider:
        """The provider block a resource uses: its own key, else the block it inherits (a module
        without its own block uses its parent's). An aliased block is a separate configuration: it
        takes nothing from the default one."""
        for key in self._candidates(config_key, short):
            cfg = self.configs.get(key)
            if isinstance(cfg, dict):
                alias = (config_key or "").rsplit(":", 1)[-1]
                if "." in alias and "." not in key:
                    # Terraform binds an aliased resource to that block only; a plan without it is
                    # incomplete, and pricing it in the default block's region must not go unnoticed
                    self.warnings.append(f"provider {alias} is not in the plan's provider_config; resources using "
                                         f"it are priced with the default {key} block's region")
                expressions = cfg.get("expressions") or {}
                return _Provider(region=self._region(expressions.get("region"), key),
                                 default_tags=self._default_tags(expressions.get("default_tags")))
        return _Provider()

    @staticmethod
    def _candidates(config_key: str | None, short: str) -> list[str]:
        """The block a key names, then the blocks it inherits from (module -> root, alias -> default)."""
        keys: list[str] = []
        if config_key:
            keys.append(config_key)
            local = config_key.rsplit(":", 1)[-1]  # "module.app:aws.east" / "app:aws" -> "aws.east" / "aws"
            keys.append(local)
            keys.append(local.split(".", 1)[0])
        keys.append(short)
        return list(dict.fromkeys(keys))

    def _region(self, expr: Any, key: str) -> str | None:
        if not isinstance(expr, dict):
            return None
        if isinstance(expr.get("constant_value"), str):
            return expr["constant_value"]
        for ref in expr.get("references") or []:
            if isinstance(ref, str) and ref.startswith("var."):
                value = self.variables.get(ref[4:])
                if isinstance(value, str) and value:
                    return value
        self.warnings.append(f"provider {key}: region is an expression finguard cannot evaluate from the plan")
        return None

    @staticmethod
    def _default_tags(expr: Any) -> dict[str, str]:
        blocks = expr if isinstance(expr, list) else [expr] if isinstance(expr, dict) else []
        tags: dict[str, str] = {}
        for block in blocks:
            inner = block.get("tags") if isinstance(block, dict) else None
            value = inner.get("constant_value") if isinstance(inner, dict) else None
            if isinstance(value, dict):
                tags.update(_tag_strings(value))
        return tags
