"""Built-in Python policies that read no cost, run by the prebuild child while this process prices the plan.

After pricing, the Python policies were the longest step left on the way to the report (a sixth of `check` at
10,000 resources): a dozen built-in policies over every resource, on one core while the other had finished its
part of the Rego work. The child forked for the Rego input (rego_prebuild) already holds the plan and the
cost-free views, so once it has written the input's entries it runs the built-in resource policies on those views
and hands back what each found; this process then records that instead of running them again.

The views it uses cannot answer a cost: `monthly_cost`, `cost`, `rates` and the rest raise NeedsCost (a
BaseException, so a policy's own `except Exception` cannot swallow it). A policy that asks is dropped from the
child's answer and runs here, after pricing, as before. The answer is therefore exactly what running the policy
here would give: the same views in the same order, the same config and settings, and list prices read from the
same catalog file through the child's own connection (a SQLite connection must not cross a fork).

Only the built-in packs, like the Rego speculation: a policy from a trusted directory is the user's code, which
might catch BaseException or keep state between runs, and runs here. Project policies (totals) always run here.
Whatever goes wrong (the child dies, an answer does not unpickle, the views do not line up) means every policy
runs here.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finguard.policy.api import PolicyContext, PolicyResource, Pricer

if TYPE_CHECKING:
    from finguard.config import FinguardConfig
    from finguard.model import Resource
    from finguard.policy.engine import PythonOutcome

Key = tuple[str | None, str]  # (policy file, policy id): two packs' policies never share an answer


class NeedsCost(BaseException):
    """A policy asked a cost-free view for a cost: it runs after pricing instead."""


def _cost_guard(slot_name: str) -> property:
    slot = PolicyResource.__dict__[slot_name]  # the base class's slot, set once by PolicyResource.__init__

    def refuse(_view: PolicyResource) -> Any:
        raise NeedsCost(slot_name)

    return property(refuse, slot.__set__)


class CostFreeResource(PolicyResource):
    """A policy view before pricing: everything but the costs (and the rates they are at), which raise NeedsCost."""

    __slots__ = ()
    cost = _cost_guard("cost")
    cost_before = _cost_guard("cost_before")
    effective = _cost_guard("effective")

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource, None, None)


def child_run(config: FinguardConfig, catalog_path: Path | None, directories: list[tuple[Path, str]]
              ) -> Callable[[list[PolicyResource]], bytes]:
    """What the prebuild child runs on its views: each built-in resource policy's outcome, pickled."""

    def run(views: list[PolicyResource]) -> bytes:
        from finguard.errors import FinguardError
        from finguard.policy.engine import _params, python_outcome
        from finguard.policy.python import load_python_policies

        catalog = None
        if catalog_path is not None:
            from finguard.pricing.catalog import Catalog

            catalog = Catalog(catalog_path)  # its own connection; the parent's stays the parent's
        pricer = Pricer(catalog)
        outcomes: dict[Key, PythonOutcome] = {}
        for pol in load_python_policies(directories).policies:
            if pol.scope != "resource" or pol.meta.id in config.policies.disable:
                continue
            try:
                ctx = PolicyContext(config, _params(pol, config), pricer)
            except FinguardError:  # invalid settings: the parent reports them
                continue
            try:
                outcomes[(pol.meta.source, pol.meta.id)] = python_outcome(pol, views, ctx, _no_project)
            except NeedsCost:
                continue
        return pickle.dumps((len(views), outcomes), protocol=pickle.HIGHEST_PROTOCOL)

    return run


def _no_project() -> Any:
    raise NeedsCost("project")  # never called: project policies are not run in the child


def read_outcomes(data: bytes | None, view_count: int) -> dict[Key, PythonOutcome]:
    """The child's outcomes, or none at all (run every policy here) when anything about them is off."""
    if data is None:
        return {}
    try:
        count, outcomes = pickle.loads(data)  # written by this process's own fork, never read from a file
    except Exception:
        return {}
    return outcomes if count == view_count and isinstance(outcomes, dict) else {}
