"""Runs every policy over the typed model and its costs, then applies suppressions and the baseline.

Fails closed: a policy file that does not import or compile, a check that raises, or malformed
metadata becomes an ERROR finding, which always fails the run. Nothing is skipped silently.
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from finguard.collector import hold_until_exit
from finguard.config import FinguardConfig
from finguard.errors import InputError
from finguard.model import Action, Project, ProjectCost, Resource, ResourceCost, ResourceStatus, comparable_rates
from finguard.policy import rego_reads
from finguard.policy.api import (
    PolicyContext,
    PolicyProject,
    PolicyResource,
    Pricer,
    PythonPolicy,
    Violation,
    cost_delta,
    violations,
)
from finguard.policy.baseline import load_baseline
from finguard.policy.model import CheckResult, Finding, FindingKind, PolicyMeta, Severity, SuppressionInfo
from finguard.policy.python import load_python_policies
from finguard.policy.rego import EmbeddedEvaluator, PackageResult, RegoEvaluator, RegoModule, load_rego_modules
from finguard.policy.rego_prebuild import RegoPrebuild
from finguard.policy.source_map import SourceMap


def builtin_policies_dir() -> Path:
    """The built-in packs: inside the wheel, or `policies/` at the repository root in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_policies", package_dir.parent / "policies"):
        if candidate.is_dir():
            return candidate
    raise InputError("built-in policy packs not found (policies/ is missing from the installation)")


def builtin_packs() -> list[str]:
    return sorted(p.name for p in builtin_policies_dir().iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


@dataclass(slots=True)
class CheckOptions:
    config: FinguardConfig = field(default_factory=FinguardConfig)
    fail_on: Severity | None = None
    evaluator: RegoEvaluator = field(default_factory=EmbeddedEvaluator)
    rego_dirs: list[Path] = field(default_factory=list)  # extra Rego directories (Rego cannot run code)
    baseline: Path | None = None
    accepted: frozenset[str] | None = None  # the baseline's fingerprints, when the caller read it already
    source_map: SourceMap | None = None
    today: date = field(default_factory=date.today)
    use_builtin: bool = True
    only_policies: set[str] | None = None  # run just these ids (policy examples, debugging)
    rego_prebuild: RegoPrebuild | None = None  # the Rego input's cost-free part, being written (rego_prebuild)
    rego_speculation: RegoSpeculation | None = None  # cost-free packages, evaluated while pricing (rego_reads)
    speculative_rego: SpeculativeRego | None = None  # the packages that can be, and what they read (before the fork)
    hold_for_exit: bool = False  # keep the run's objects for a process that ends after the report (collector)


def run_check(project: Project, after: ProjectCost, before: ProjectCost, catalog: Any,
              options: CheckOptions) -> CheckResult:
    config = options.config
    result = CheckResult(project=project.name, source=project.source, fail_on=options.fail_on or config.fail_on)
    resources = _views(project, after, before)
    result.resources_checked = len(resources)
    checked = _Checked(resources)
    pricer = Pricer(catalog)
    python_dirs, rego_dirs = _policy_dirs(options)

    # Rego first, on a thread: the evaluator's child process (or OPA server) works on the other core while the
    # Python policies run here; the thread only waits on a pipe or socket, so it holds no GIL.
    speculation = options.rego_speculation
    if speculation is not None:  # the same files, read before pricing; evaluated meanwhile
        modules, read_errors = speculation.modules, speculation.read_errors
    else:
        modules, read_errors = load_rego_modules(rego_dirs)
    rego_answers: Future[list[Any]] | None = None
    if modules and speculation is None:
        input_json = rego_input(project, resources, before, after, config, options.rego_prebuild)
        rego_answers = _in_background(options.evaluator.evaluate, modules, input_json)

    speculated = _speculated_python(options.rego_prebuild, len(resources))
    loaded = load_python_policies(python_dirs)
    for path, message in loaded.errors:
        result.findings.append(_error(f"python:{Path(path).name}", f"policy file failed to load: {message}", path))
    seen: dict[str, str] = {}  # policy id -> where it was first defined: ids must be unique
    for pol in loaded.policies:
        if not _first_definition(pol.meta.id, pol.meta.source, pol.meta.title, seen, result):
            continue
        if pol.meta.id in config.policies.disable or not _selected(pol.meta.id, options):
            continue
        _apply_severity(pol.meta, config)
        result.policies.append(pol.meta)
        _run_python(pol, resources, before, after, project, config, pricer, result, checked,
                    speculated.get((pol.meta.source, pol.meta.id)))

    for path, message in read_errors:
        result.findings.append(_error(f"rego:{Path(path).name}", message, path))
    packages: list[PackageResult] = []
    if rego_answers is not None:
        packages = rego_answers.result()
    elif speculation is not None:
        try:
            packages = speculation.answers.result()
        except NotSpeculated:  # the prebuilt entries were not usable: evaluate on the full input, here
            input_json = rego_input(project, resources, before, after, config, options.rego_prebuild)
            packages = options.evaluator.evaluate(modules, input_json)
    for package in packages:
        _collect_rego(package, options, result, seen, checked)
    if options.rego_prebuild is not None:  # whatever of the child's output no step took (an OPA server's run)
        options.rego_prebuild.close()
    _unknown_policy_ids(config, options.source_map, seen, result)
    _unknown_regions(config, catalog, result)

    _locate(result, options.source_map)
    _suppress(result, config, options)
    if options.hold_for_exit:
        hold_until_exit(project, after, before, resources)
    return result


def _speculated_python(prebuild: RegoPrebuild | None, view_count: int) -> dict[Any, PythonOutcome]:
    if prebuild is None:
        return {}
    from finguard.policy.python_speculation import read_outcomes

    return read_outcomes(prebuild.after(), view_count)


def _in_background(function: Callable[..., list[Any]], *args: Any) -> Future[list[Any]]:
    """Run `function` on a daemon thread; its exception, if any, is raised by `.result()` in the caller."""
    future: Future[list[Any]] = Future()

    def work() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # re-raised in the caller's thread
            future.set_exception(exc)

    threading.Thread(target=work, name="finguard-rego", daemon=True).start()
    return future


# -- inputs -----------------------------------------------------------------------------------------
def _views(project: Project, after: ProjectCost, before: ProjectCost) -> list[PolicyResource]:
    after_by = {c.address: c for c in after.resources}
    before_by = {c.address: c for c in before.resources}
    effective = comparable_rates(before, after)
    return [PolicyResource(r, _existing(after_by.get(r.address)), _existing(before_by.get(r.address)), effective)
            for r in _policy_resources(project)]


def _policy_resources(project: Project) -> list[Resource]:
    """The resources policies judge: managed ones the change leaves in place or makes (deletes are not judged)."""
    return [r for r in project.resources if not r.is_data and r.action is not Action.DELETE]


def _existing(cost: ResourceCost | None) -> ResourceCost | None:
    return cost if cost is not None and cost.status is not ResourceStatus.SKIPPED else None


def _project_view(project: Project, resources: list[PolicyResource], before: ProjectCost,
                  after: ProjectCost) -> PolicyProject:
    if comparable_rates(before, after):
        return PolicyProject(project.name, resources, before.cost_at_rates, after.cost_at_rates,
                             before.complete and after.complete, project.prior_state_known, "effective",
                             before.monthly_cost, after.monthly_cost)
    return PolicyProject(project.name, resources, before.monthly_cost, after.monthly_cost,
                         before.complete and after.complete, project.prior_state_known, "list",
                         before.monthly_cost, after.monthly_cost)


def _policy_dirs(options: CheckOptions) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    config = options.config
    python_dirs: list[tuple[Path, str]] = []
    rego_dirs: list[tuple[Path, str]] = []
    if options.use_builtin:
        root = builtin_policies_dir()
        packs = config.policies.packs if config.policies.packs is not None else builtin_packs()
        unknown = sorted(set(packs) - set(builtin_packs()))
        if unknown:
            raise InputError(f"unknown built-in policy pack(s) {', '.join(unknown)} "
                             f"(available: {', '.join(builtin_packs())})", where=str(config.path or "config"))
        for pack in packs:
            python_dirs.append((root / pack, pack))
            rego_dirs.append((root / pack, pack))
    for directory in config.policies.trusted_dirs:
        resolved = config.resolve(directory)
        if not resolved.is_dir():
            raise InputError(f"trusted policy directory {resolved} does not exist", where=str(config.path))
        python_dirs.append((resolved, resolved.name))
        rego_dirs.append((resolved, resolved.name))
    for directory in [*(config.resolve(d) for d in config.policies.rego_dirs), *options.rego_dirs]:
        if not directory.is_dir():
            raise InputError(f"Rego policy directory {directory} does not exist")
        rego_dirs.append((directory, directory.name))
    return python_dirs, rego_dirs


def _first_definition(policy_id: str, source: str | None, title: str, seen: dict[str, str],
                      result: CheckResult) -> bool:
    """False (and an error finding) when another policy already took this id: neither may shadow the other."""
    where = source or "<unknown>"
    if policy_id in seen:
        result.findings.append(_error(policy_id, f"policy id {policy_id} is defined twice: in {seen[policy_id]} "
                                                 f"and in {where} (ids must be unique; the second is not run)",
                                      source, title=title))
        return False
    seen[policy_id] = where
    return True


_CHECKOV_IDS = re.compile(r"CKV2?_")  # Checkov's findings join after the policies run (--with-checkov)


def _unknown_policy_ids(config: FinguardConfig, source_map: SourceMap | None, seen: dict[str, str],
                        result: CheckResult) -> None:
    """A warning for each policy id finguard.yml or a `finguard:ignore` comment names that no loaded policy has:
    `disable: [FG-TAG-01]` (a typo) would otherwise leave FG-TAG-001 enabled with no sign of why."""
    config_file = str(config.path) if config.path else None
    named: list[tuple[str, str, str | None, int | None]] = [
        *(("policies.disable", i, config_file, None) for i in config.policies.disable),
        *(("policies.severity", i, config_file, None) for i in config.policies.severity),
        *(("policies.settings", i, config_file, None) for i in config.policies.settings),
        *((f"suppressions[{n}]", s.policy, config_file, None) for n, s in enumerate(config.suppressions)),
    ]
    if source_map is not None:
        inline = {(s.file, s.line, pid): None for d in source_map.declarations.values() for s in d.suppressions
                  for pid in s.policy_ids}
        named += [("the finguard:ignore comment", pid, file, line) for file, line, pid in inline]
    for where, policy_id, file, line in named:
        if policy_id == "*" or policy_id in seen or _CHECKOV_IDS.match(policy_id):
            continue
        result.findings.append(_config_warning(
            "Unknown policy id", f"{where} names {policy_id}, which no loaded policy has{_hint(policy_id, seen)}: "
                                 "it has no effect", file, line))


def _unknown_regions(config: FinguardConfig, catalog: Any, result: CheckResult) -> None:
    """A warning for each region in `regions.allowed`/`denied` that is no region finguard knows (AWS's region
    table, and every region a price list names: AWS, Azure, GCP): `us-east-l` would deny nothing, or fail every
    resource in the region it meant."""
    named = [*(("regions.allowed", r) for r in config.regions.allowed),
             *(("regions.denied", r) for r in config.regions.denied)]
    if not named or not hasattr(catalog, "regions"):
        return
    from finguard.pricing.regions import AWS_REGIONS

    aws = {r.code for r in AWS_REGIONS}
    unknown = [(where, region) for where, region in named if region not in aws and not catalog.has_region(region)]
    if not unknown:  # the usual case: no region listing (it reads the whole price table) on every check
        return
    known = aws | set(catalog.regions())
    for where, region in unknown:
        result.findings.append(_config_warning(
            "Unknown region", f"{where} names {region}, which is no region finguard knows{_hint(region, known)}",
            str(config.path) if config.path else None))


def _config_warning(title: str, message: str, file: str | None, line: int | None = None) -> Finding:
    """A mistake in what the user wrote that changes nothing by itself: reported, never failing the run."""
    return Finding(policy_id="finguard:config", title=title, severity=Severity.LOW, kind=FindingKind.WARNING,
                   file=file, line=line, message=message)


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _selected(policy_id: str, options: CheckOptions) -> bool:
    return options.only_policies is None or policy_id in options.only_policies


def _apply_severity(meta: PolicyMeta, config: FinguardConfig) -> None:
    override = config.policies.severity.get(meta.id)
    if override is not None:
        meta.severity = override


# -- Python -------------------------------------------------------------------------------------------
def _params(pol: PythonPolicy, config: FinguardConfig) -> BaseModel | None:
    settings = config.policies.settings.get(pol.meta.id, {})
    if pol.params is None:
        if settings:
            raise InputError(f"policy {pol.meta.id} takes no settings", where=str(config.path or "config"))
        return None
    try:
        return pol.params.model_validate(settings)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise InputError(f"invalid settings for {pol.meta.id} at {loc}: {err['msg']}",
                         where=str(config.path or "config")) from None


def _run_python(pol: PythonPolicy, resources: list[PolicyResource], before: ProjectCost, after: ProjectCost,
                project: Project, config: FinguardConfig, pricer: Pricer, result: CheckResult, checked: _Checked,
                speculated: PythonOutcome | None = None) -> None:
    """Run one Python policy here (or take what the prebuild child found with it: python_speculation) and
    record its findings and the resources it checked."""
    ctx = PolicyContext(config, _params(pol, config), pricer)  # a bad setting fails the run either way
    outcome = speculated if speculated is not None else python_outcome(
        pol, resources, ctx, lambda: _project_view(project, resources, before, after))
    meta = pol.meta
    if pol.scope == "resource":
        checked.record(result, meta.id, meta.resource_types, outcome.evaluated)
    for index, v in outcome.hits:
        resource = resources[index] if index is not None else None
        result.findings.append(_finding(meta, v, resource.address if resource else None,
                                        resource.type if resource else None))
    if outcome.error is not None:
        result.findings.append(_error(meta.id, outcome.error, meta.source, title=meta.title))


class _Checked:
    """The views' addresses of the resource types a policy names (all of them when it names none), each list built
    once per run: a generator over every view for each of a dozen policies was a tenth of run_check at 10,000."""

    def __init__(self, resources: list[PolicyResource]) -> None:
        self.addresses = [r.address for r in resources]
        self.types = [r.type for r in resources]
        self._of: dict[frozenset[str], list[str]] = {}
        self._type_of: dict[str, str] | None = None

    def of(self, types: Iterable[str]) -> list[str]:
        key = frozenset(types)
        if not key:
            return self.addresses
        found = self._of.get(key)
        if found is None:
            found = self._of[key] = [a for a, t in zip(self.addresses, self.types, strict=True) if t in key]
        return found

    def type_of(self) -> dict[str, str]:
        """Address -> resource type."""
        if self._type_of is None:
            self._type_of = dict(zip(self.addresses, self.types, strict=True))
        return self._type_of

    def record(self, result: CheckResult, policy_id: str, types: Iterable[str], count: int | None = None) -> None:
        """(policy, address) for each resource it checked: its types' resources, the first `count` of them."""
        addresses = self.of(types)
        result.evaluated.extend(zip(itertools.repeat(policy_id), addresses[:count] if count is not None
                                    else addresses))


@dataclass(slots=True)
class PythonOutcome:
    """What one Python policy found: plain data, so the prebuild child can hand it over (python_speculation)."""

    hits: list[tuple[int | None, Violation]] = field(default_factory=list)  # (index in the views, violation)
    evaluated: int = 0  # resources of its types checked: all of them, or up to and with the one that raised
    error: str | None = None  # "policy raised on ADDRESS: TypeError: ..."


def python_outcome(pol: PythonPolicy, resources: list[PolicyResource], ctx: PolicyContext,
                   project_view: Callable[[], PolicyProject]) -> PythonOutcome:
    """Call the policy on each resource of its types (or once on the project). A policy bug becomes the
    outcome's error, never an exception: it must fail the run, not vanish."""
    outcome = PythonOutcome()
    types = set(pol.meta.resource_types)
    current = None
    evaluated = 0
    check, hits = pol.check, outcome.hits
    try:
        if pol.scope == "project":
            hits.extend((None, v) for v in violations(check(project_view(), ctx)))
            return outcome
        for index, resource in enumerate(resources):
            if types and resource.type not in types:
                continue
            current = resource
            evaluated += 1
            found = check(resource, ctx)
            if found is None:  # a pass, most of the time: no generator to normalise it
                continue
            for v in violations(found):
                hits.append((index, v))
    except Exception as exc:
        where = f" on {current.address}" if current is not None else ""
        outcome.error = f"policy raised{where}: {type(exc).__name__}: {exc}"
    finally:
        outcome.evaluated = evaluated
    return outcome


def _finding(meta: PolicyMeta, v: Violation, address: str | None, resource_type: str | None,
             kind: FindingKind = FindingKind.VIOLATION) -> Finding:
    delta = v.monthly_cost_delta
    return Finding(
        policy_id=meta.id, title=meta.title, severity=v.severity or meta.severity, kind=kind,
        address=v.address or address, resource_type=resource_type, message=v.message,
        remediation=v.remediation or meta.remediation,
        monthly_cost_delta=float(delta) if delta is not None else None,
    )


def _error(policy_id: str, message: str, source: str | None, title: str = "Policy error") -> Finding:
    return Finding(policy_id=policy_id, title=title, severity=Severity.CRITICAL, kind=FindingKind.ERROR,
                   message=message, file=source)


# -- Rego ---------------------------------------------------------------------------------------------
def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def rego_input(project: Project, resources: list[PolicyResource], before: ProjectCost, after: ProjectCost,
               config: FinguardConfig, prebuilt: RegoPrebuild | None = None) -> str:
    """The documented input document (docs: README "Rego input"). `prebuilt`: each resource's cost-free fields,
    already JSON (rego_prebuild); the document is the same either way (the prebuilt entries have no spaces)."""
    view = _project_view(project, resources, before, after)
    entries = None
    if prebuilt is not None and not prebuilt.pruned:  # cut entries are only for the packages that were analysed
        entries = prebuilt.entries([r.address for r in resources])
    if entries is None:
        entries = [json.dumps(_rego_fields(r), default=str)[:-1] for r in resources]
    project_doc = {
        "name": project.name, "resource_count": len(resources), "complete": view.complete,
        "prior_state_known": view.prior_state_known,
        "monthly_cost_before": float(view.monthly_cost_before),
        "monthly_cost_after": float(view.monthly_cost_after),
        "monthly_cost_delta": float(view.monthly_cost_delta),
        "monthly_cost_delta_percent": _number(view.monthly_cost_delta_percent),
        "monthly_cost_before_list": _number(view.monthly_cost_before_list),
        "monthly_cost_after_list": _number(view.monthly_cost_after_list), "rates": view.rates,
    }
    if len(entries) != len(resources):
        raise ValueError("one Rego input entry per resource")

    def completed() -> Iterator[str]:  # each prebuilt entry let go as soon as its completed copy exists
        for i, r in enumerate(resources):
            entry, entries[i] = entries[i], ""
            yield f"{entry}, {_rego_costs(r)}"

    return _input_text(completed(), project_doc, config)


def _input_text(resource_texts: Iterable[str], project_doc: dict[str, Any], config: FinguardConfig) -> str:
    """The input document around each resource's entry (already JSON text), in one join: the input is tens of MB
    on a large plan, and holding every intermediate copy at once raised the peak RSS of `check` at 10k by a
    tenth."""
    parts = ['{"resources": [']
    for i, text in enumerate(resource_texts):
        parts.append(f", {text}" if i else text)
    config_doc = config.model_dump(mode="json", include={"taxonomy", "regions", "compute", "cost"}) \
        | {"settings": config.policies.settings}
    parts.append(f'], "project": {json.dumps(project_doc, default=str)}, '
                 f'"config": {json.dumps(config_doc, default=str)}}}')
    return "".join(parts)


# Each cost-free field of a Rego input entry, by name, in the entry's order (the documented input; rego_reads knows
# the same names as COST_FREE_RESOURCE_FIELDS).
_FIELD_VALUES: dict[str, Callable[[PolicyResource], Any]] = {
    "address": lambda r: r.address, "type": lambda r: r.type, "name": lambda r: r.name,
    "provider": lambda r: r.provider, "region": lambda r: r.region, "module": lambda r: r.module_address,
    "action": lambda r: r.action.value, "tags": lambda r: r.tags, "taggable": lambda r: r.is_taggable,
    "attributes": lambda r: r.attributes, "unknown": lambda r: r.resource.unknown_after,
}


def _rego_fields(r: PolicyResource) -> dict[str, Any]:
    """A resource's Rego input entry up to its costs: known once the plan is read (rego_prebuild writes it)."""
    return {name: get(r) for name, get in _FIELD_VALUES.items()}


def _read_fields(reads: rego_reads.InputReads) -> Callable[[PolicyResource], dict[str, Any]]:
    """`_rego_fields` cut to what the packages read (`reads`): the address always (it lines the entries up with
    the views), and of the attributes only the keys read, when the analysis could name them all."""
    getters = [(name, get) for name, get in _FIELD_VALUES.items() if name == "address" or name in reads.fields]
    keys = None if reads.attribute_keys is None else sorted(reads.attribute_keys)

    def fields(r: PolicyResource) -> dict[str, Any]:
        entry = {name: get(r) for name, get in getters}
        attributes = entry.get("attributes")
        if keys is not None and isinstance(attributes, dict):
            entry["attributes"] = {key: attributes[key] for key in keys if key in attributes}
        return entry

    return fields


def _rego_costs(r: PolicyResource) -> str:
    """The rest of the entry, as JSON text ending the object: written directly (json.dumps per resource was most
    of the input's time once the cost-free part was prebuilt), exactly as json.dumps would write it."""
    after, before = r.monthly_cost, r.monthly_cost_before  # each read once: the delta and effective derive from them
    after_text = _json_number(after)
    return (f'"monthly_cost": {after_text}, '
            f'"monthly_cost_before": {_json_number(before)}, '
            f'"monthly_cost_delta": {_json_number(cost_delta(after, before))}, '
            f'"monthly_cost_list": {_json_number(r.monthly_cost_list)}, '
            f'"monthly_cost_before_list": {_json_number(r.monthly_cost_before_list)}, '
            f'"monthly_cost_effective": {after_text if r.effective else "null"}, '
            f'"rates": {_RATES_TEXT[r.effective]}}}')


_RATES_TEXT = {True: json.dumps("effective"), False: json.dumps("list")}


def _json_number(value: Decimal | None) -> str:
    """json.dumps(_number(value)): float repr, null, or NaN/Infinity (which require_finite_input then refuses)."""
    return "null" if value is None else _float_text(float(value))


def _float_text(number: float) -> str:
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)


PREBUILD_FROM = 500  # resources; below, forking costs about what it saves


def start_rego_prebuild(project: Project, options: CheckOptions | None = None, catalog: Any = None
                        ) -> RegoPrebuild | None:
    """Start writing the cost-free part of the Rego input on the other core (see rego_prebuild); with `options`,
    the child then also runs the built-in Python policies that read no cost (python_speculation), with list
    prices from `catalog`'s file, and writes the entries cut to what the packages read when they can be evaluated
    now (`options.speculative_rego`, recorded here: the cut is decided before the fork, and
    start_rego_speculation evaluates what it allows)."""
    from finguard.policy import python_speculation, rego_prebuild

    if len(project.resources) < PREBUILD_FROM:
        return None
    then = None
    fields = _rego_fields
    if options is not None:
        if options.use_builtin:
            then = python_speculation.child_run(options.config, getattr(catalog, "path", None),
                                                builtin_python_dirs(options))
        options.speculative_rego = speculative_rego(options)
        if options.speculative_rego is not None:
            fields = _read_fields(options.speculative_rego.reads)
    return rego_prebuild.start(project, _cost_free_views, fields, then=then, pruned=fields is not _rego_fields)


def builtin_python_dirs(options: CheckOptions) -> list[tuple[Path, str]]:
    """The Python policy directories of the built-in packs this run uses: never a trusted directory of the user's."""
    builtin = builtin_policies_dir().resolve()
    return [(d, pack) for d, pack in _policy_dirs(options)[0] if d.resolve().is_relative_to(builtin)]


class NotSpeculated(Exception):
    """The cost-free input could not be made from the prebuilt entries: evaluate the usual way."""


@dataclass(slots=True)
class RegoSpeculation:
    """Rego packages that read no cost (rego_reads), evaluated on the cost-free input while the plan is priced:
    off the critical path of `check`, where they were the last step before the report."""

    modules: list[RegoModule]
    read_errors: list[tuple[str, str]]
    answers: Future[list[PackageResult]]


@dataclass(slots=True)
class SpeculativeRego:
    """Rego packages that can be evaluated before pricing, and what they read of each resource (rego_reads)."""

    modules: list[RegoModule]
    read_errors: list[tuple[str, str]]
    reads: rego_reads.InputReads


def speculative_rego(options: CheckOptions) -> SpeculativeRego | None:
    """The run's Rego packages when they are the built-in packs, none of them can read a cost and the evaluator is
    the embedded one; None otherwise (an OPA server, a Rego directory of the user's, a package that may read a
    cost): those are evaluated after pricing, on the whole input, as always."""
    if not isinstance(options.evaluator, EmbeddedEvaluator):
        return None
    _python_dirs, rego_dirs = _policy_dirs(options)
    modules, read_errors = load_rego_modules(rego_dirs)
    # built-in packs only: the analysis parses with regorus in this process, without the worker's time limit,
    # and regorus takes minutes on some hostile modules (a thousand nested brackets)
    builtin = builtin_policies_dir().resolve()
    if not modules or not all(m.path.resolve().is_relative_to(builtin) for m in modules):
        return None
    reads = rego_reads.input_reads_remembered(modules)
    return None if reads is None else SpeculativeRego(modules, read_errors, reads)


def start_rego_speculation(project: Project, options: CheckOptions) -> RegoSpeculation | None:
    """Evaluate the Rego packages now, on the prebuilt cost-free input (cut to what they read), when
    `speculative_rego` allows; None (evaluate after pricing, as always) otherwise, or for a plan too small to
    prebuild. The answers are the same either way: those packages never look at what is left out."""
    prebuild = options.rego_prebuild
    planned = options.speculative_rego
    if prebuild is None or planned is None:
        return None
    modules, read_errors = planned.modules, planned.read_errors
    addresses = [r.address for r in _policy_resources(project)]
    project_doc = {"name": project.name, "resource_count": len(addresses)}  # its cost-free fields
    evaluator, config = options.evaluator, options.config

    def evaluate() -> list[PackageResult]:
        entries = prebuild.entries(addresses)
        if entries is None:
            raise NotSpeculated
        text = _input_text((entry + "}" for entry in entries), project_doc, config)
        del entries
        return evaluator.evaluate(modules, text)

    return RegoSpeculation(modules, read_errors, _in_background(evaluate))


def _cost_free_views(project: Project) -> list[PolicyResource]:
    from finguard.policy.python_speculation import CostFreeResource

    return [CostFreeResource(r) for r in _policy_resources(project)]


def _collect_rego(package: PackageResult, options: CheckOptions, result: CheckResult, seen: dict[str, str],
                  checked: _Checked) -> None:
    config = options.config
    module = package.module
    label = f"rego:{module.package}"
    if package.error is not None:
        result.findings.append(_error(label, f"Rego policy failed: {package.error}", str(module.path)))
        return
    try:
        meta = PolicyMeta.model_validate({**package.metadata, "language": "rego", "pack": module.pack,
                                          "source": str(module.path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        result.findings.append(_error(label, f"invalid `metadata` in package {module.package}: "
                                             f"{'.'.join(map(str, err['loc']))}: {err['msg']}", str(module.path)))
        return
    package_key = f"rego package {module.package}"  # a package split over files is one document: count it once
    if package_key in seen:
        return
    seen[package_key] = str(module.path)
    if not _first_definition(meta.id, meta.source, meta.title, seen, result):
        return
    if meta.id in config.policies.disable or not _selected(meta.id, options):
        return
    _apply_severity(meta, config)
    result.policies.append(meta)
    checked.record(result, meta.id, meta.resource_types)
    by_address = checked.type_of()
    for kind, items in ((FindingKind.VIOLATION, package.deny), (FindingKind.WARNING, package.warn)):
        for item in items:
            try:
                v = _rego_violation(item)
            except ValueError as exc:
                result.findings.append(_error(meta.id, f"Rego policy {module.package} returned {exc}",
                                              str(module.path), title=meta.title))
                continue
            result.findings.append(_finding(meta, v, None, by_address.get(v.address or ""), kind))


def _rego_violation(item: Any) -> Violation:
    if isinstance(item, str):
        return Violation(item)
    if isinstance(item, dict) and isinstance(item.get("msg"), str):
        severity = item.get("severity")
        delta = item.get("monthly_cost_delta")
        return Violation(item["msg"], address=item.get("address"), remediation=item.get("remediation"),
                         severity=Severity(severity) if severity else None,
                         monthly_cost_delta=delta if isinstance(delta, int | float) else None)
    raise ValueError(f"a result that is neither a string nor an object with `msg`: {json.dumps(item)[:200]}")


# -- locations, suppressions, baseline ----------------------------------------------------------------
def _locate(result: CheckResult, source_map: SourceMap | None) -> None:
    if source_map is None:
        return
    for problem in source_map.problems:
        result.findings.append(_error("finguard:ignore", f"invalid suppression comment: {problem}", None))
    for finding in result.findings:
        if finding.address and finding.file is None:
            decl = source_map.locate(finding.address)
            if decl is not None:
                finding.file, finding.line = decl.file, decl.line


def _suppress(result: CheckResult, config: FinguardConfig, options: CheckOptions) -> None:
    today = options.today
    baseline = options.accepted if options.accepted is not None else \
        load_baseline(options.baseline) if options.baseline else frozenset()
    expired: list[Finding] = []
    for finding in result.findings:
        if finding.kind is FindingKind.ERROR:
            continue  # a broken policy cannot be suppressed away
        for info in _matching_suppressions(finding, config, options.source_map, today):
            if info.until is not None and info.until < today:
                expired.append(Finding(
                    policy_id=finding.policy_id, title="Expired suppression", severity=Severity.LOW,
                    kind=FindingKind.EXPIRED_SUPPRESSION, address=finding.address, file=finding.file,
                    line=finding.line, message=f"suppression of {finding.policy_id} expired on {info.until} "
                                               f"({info.kind}: {info.reason}); the finding counts again",
                    remediation="Fix the finding, or renew the suppression with a new date and reason.",
                ))
                continue
            finding.suppressed = info
            break
        if finding.suppressed is None and finding.fingerprint in baseline:
            finding.suppressed = SuppressionInfo(kind="baseline", reason="accepted in the baseline",
                                                 where=str(options.baseline))
    result.findings.extend(expired)


def _matching_suppressions(finding: Finding, config: FinguardConfig, source_map: SourceMap | None,
                           today: date) -> list[SuppressionInfo]:
    found: list[SuppressionInfo] = []
    if source_map is not None and finding.address:
        decl = source_map.locate(finding.address)
        for s in decl.suppressions if decl else []:
            if s.covers(finding.policy_id):
                found.append(SuppressionInfo(kind="inline", reason=s.reason, until=s.until,
                                             where=f"{s.file}:{s.line}"))
    for s in config.suppressions:
        if s.policy in (finding.policy_id, "*") and fnmatch.fnmatchcase(finding.address or "<project>", s.address):
            found.append(SuppressionInfo(kind="config", reason=s.reason, until=s.until,
                                         where=str(config.path or "config")))
    # a live suppression wins over an expired one
    return sorted(found, key=lambda i: i.until is not None and i.until < today)
