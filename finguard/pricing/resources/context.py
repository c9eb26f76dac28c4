"""Cross-resource look-ups a cost model may need (an ASG's launch template, a node group's template)."""

from __future__ import annotations

from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs
from finguard.pricing.usage import UsageFile


class ProjectContext:
    """Finds resources by address and follows configuration references between them."""

    def __init__(self, resources: list[Resource], state: str = "after", usage: UsageFile | None = None) -> None:
        self.state = state
        self._usage = usage
        self.lookups = 0  # cross-resource look-ups so far: a model that made none priced its resource alone
        self._eip_consumers: set[str] | None = None
        self._of_type: dict[str, list[Resource]] | None = None
        self._by_address = {r.address: r for r in resources}
        self._by_id_index: dict[str, dict[str, Resource]] = {}  # type -> id (or "name:" + name) -> resource

    def referenced(self, resource: Resource, path: str, target_type: str) -> Resource | None:
        """The `target_type` resource that `resource`'s configuration references at `path`."""
        self.lookups += 1
        for ref in resource.references.get(path, []):
            parts = ref.split(".")
            if len(parts) < 2 or parts[0] != target_type:
                continue
            base = f"{parts[0]}.{parts[1]}"
            prefix = f"{resource.module_address}." if resource.module_address else ""
            for candidate in self._instances(prefix + base, resource.index):
                return candidate
        return None

    def _instances(self, base: str, index: int | str | None) -> list[Resource]:
        exact = self._by_address.get(base)
        if exact is not None:
            return [exact]
        if index is not None:
            key = f"[{index}]" if isinstance(index, int) else f'["{index}"]'
            same_index = self._by_address.get(base + key)
            if same_index is not None:
                return [same_index]
        matches = [r for a, r in self._by_address.items() if a.startswith(base + "[")]
        return matches if len(matches) == 1 else []

    @property
    def by_address(self) -> dict[str, Resource]:
        """Every resource by address. A model that reads it depends on other resources (counted)."""
        self.lookups += 1
        return self._by_address

    def of_type(self, type_: str) -> list[Resource]:
        """Every resource of one type (built once per run: a per-resource scan of the plan is quadratic)."""
        self.lookups += 1
        return self._types().get(type_, [])

    def _types(self) -> dict[str, list[Resource]]:
        if self._of_type is None:
            self._of_type = {}
            for r in self._by_address.values():
                self._of_type.setdefault(r.type, []).append(r)
        return self._of_type

    def usage(self, resource: Resource) -> dict[str, Any]:
        """This resource's values from finguard-usage.yml (type defaults, globs, exact address)."""
        return self._usage.for_resource(resource.address, resource.type) if self._usage is not None else {}

    def attrs_of(self, resource: Resource) -> Attrs:
        """A referenced resource's attributes in the state being priced (a launch template's old
        instance type prices the "before" side of an ASG whose template changes)."""
        self.lookups += 1
        if self.state == "before":
            return Attrs(resource.before or resource.after)
        if resource.after is not None:
            return Attrs(resource.after, resource.unknown_after)
        return Attrs(resource.before)

    def by_id(self, type_: str, ident: str) -> Resource | None:
        """The first resource of `type_` whose id (or else name) is `ident`, in either state. Indexed per type on
        first use: indexing every resource's values read two keys of 90,000 dicts at 45,000 resources, for the
        few types (EIPs) models look up."""
        self.lookups += 1
        index = self._by_id_index.get(type_)
        if index is None:
            index = self._by_id_index[type_] = {}
            for r in self._types().get(type_, []):
                for values in (r.after, r.before):
                    if values and isinstance(values.get("id"), str):
                        index.setdefault(values["id"], r)
                    if values and isinstance(values.get("name"), str):
                        index.setdefault("name:" + values["name"], r)
        return index.get(ident) or index.get("name:" + ident)

    def eip_consumers(self) -> set[str]:
        """Addresses of EIPs that a NAT gateway or an EIP association uses (so they are "in use")."""
        self.lookups += 1
        cached = self._eip_consumers
        if cached is not None:
            return cached
        found: set[str] = set()
        for r in self._by_address.values():
            if r.type not in ("aws_nat_gateway", "aws_eip_association"):
                continue
            eip = self.referenced(r, "allocation_id", "aws_eip")
            allocation = (r.after or r.before or {}).get("allocation_id")
            if eip is None and isinstance(allocation, str):
                eip = self.by_id("aws_eip", allocation)
            if eip is not None:
                found.add(eip.address)
        self._eip_consumers = found
        return found
