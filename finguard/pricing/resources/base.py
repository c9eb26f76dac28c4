"""What a resource cost model is: a declarative list of cost components for one resource state.

A model reads attributes through `Attrs` (which knows what is unknown until apply) and returns
`Component`s: name, display unit, monthly quantity, and the price-list filter to price it with.
The estimator does the look-up and the arithmetic, so a model is easy to review against the
price list and never touches the catalog itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from finguard.model import HOURS_PER_MONTH, Resource
from finguard.pricing.usage import UsageKey

if TYPE_CHECKING:
    from finguard.pricing.resources.context import ProjectContext


class _Unknown:
    """A value Terraform knows only after apply."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


class NoCost(Exception):
    """Raised by a model when this configuration has no cost of its own (say why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Attrs:
    """Attribute access for one state of a resource, answering UNKNOWN for after-apply values."""

    __slots__ = ("_prefixes", "_unknown", "_unknown_given", "values")

    def __init__(self, values: dict[str, Any] | None, unknown: list[str] | tuple[str, ...] = ()) -> None:
        self.values = values or {}
        self._unknown_given = unknown
        self._unknown: set[str] | None = None  # built on the first question: most views are never asked
        self._prefixes: tuple[str, ...] = ()

    def is_unknown(self, path: str) -> bool:
        """True for an unknown path or any path below an unknown object ("*": all unknown)."""
        if self._unknown is None:
            self._unknown = set(self._unknown_given)
            self._prefixes = tuple(u + "." for u in self._unknown_given)
        if path in self._unknown or "*" in self._unknown:
            return True
        return path.startswith(self._prefixes)

    def _get(self, path: str) -> Any:
        node: Any = self.values
        for part in path.split("."):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path ("root_block_device.0.volume_size"), UNKNOWN, or default."""
        value = self._get(path)
        if value is None:
            return UNKNOWN if self.is_unknown(path) else default
        return value

    def quantity(self, path: str, default: int | str | None = None) -> Decimal | Any:
        """The count/size at `path` as a Decimal (see `quantity`), an error naming `path` if it is not one."""
        return quantity(self.get(path), default, name=path)

    def blocks(self, path: str) -> list[Attrs]:
        """Nested blocks (lists of objects) as Attrs, keeping their unknown paths."""
        value = self._get(path)
        if not isinstance(value, list):
            return []
        out = []
        for i, item in enumerate(value):
            prefix = f"{path}.{i}."
            unknown = [u[len(prefix):] for u in dict.fromkeys(self._unknown_given) if u.startswith(prefix)]
            out.append(Attrs(item if isinstance(item, dict) else {}, unknown))
        return out


@dataclass(slots=True)
class Component:
    """One line of a resource's cost, before pricing.

    quantity: monthly quantity in `unit`; None means usage-based (priced per unit, no monthly
    figure without usage data); UNKNOWN means a value it depends on is known only after apply.
    hourly: the quantity is "per hour" and becomes monthly with 730 hours.
    price_factor: converts the price-list unit to the display unit (GiBps-mo -> MiBps: 1/1024).
    region: the price-list region to look the price up in when it is not the resource's own
    (global services such as Route 53 and CloudFront are priced under "global").
    """

    name: str
    unit: str
    service: str
    filters: dict[str, Any]
    quantity: Decimal | Any | None
    hourly: bool = False
    price_factor: Decimal = Decimal(1)
    group: str | None = None
    unknown_reason: str | None = None
    region: str | None = None

    @property
    def monthly_quantity(self) -> Decimal | Any | None:
        if self.quantity is None or is_unknown(self.quantity):
            return self.quantity
        return self.quantity * HOURS_PER_MONTH if self.hourly else self.quantity

    @property
    def display_name(self) -> str:
        return f"{self.group} > {self.name}" if self.group else self.name


@dataclass(slots=True)
class ModelResult:
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class CostModel:
    """Base of every resource cost model. Subclasses set resource_types and write components()."""

    resource_types: ClassVar[tuple[str, ...]] = ()
    provider: ClassVar[str] = "aws"
    # Usage values the model reads from finguard-usage.yml (ctx.usage(resource)); declared so the file is
    # validated and `finguard usage init` can list them.
    usage_keys: ClassVar[dict[str, UsageKey]] = {}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        raise NotImplementedError


MAX_QUANTITY = Decimal("1e15")  # above any real size, count, IOPS or capacity; keeps every total finite


def to_decimal(value: Any, name: str | None = None) -> Decimal | Any:
    """A quantity from plan JSON or the usage file as a finite Decimal in [0, MAX_QUANTITY]; UNKNOWN stays
    UNKNOWN. Anything else (text, NaN, Infinity, negative, absurdly large, true/false) raises ValueError
    naming `name`, which the estimate reports as "cannot read attributes: ..." on that resource."""
    if is_unknown(value):
        return UNKNOWN
    number: Decimal | None = None
    if isinstance(value, int | float | str) and not isinstance(value, bool) and "_" not in str(value):
        try:
            number = Decimal(value.strip() if isinstance(value, str) else str(value))
        except ArithmeticError:  # decimal.InvalidOperation: "abc", "1e", ""
            number = None
    if number is None or not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        shown = value if isinstance(value, str) and len(value) <= 40 else value if not isinstance(value, str) \
            else value[:40] + "..."
        raise ValueError(f"{name or 'a quantity'} must be a finite number >= 0 (at most 1e15), got {shown!r}")
    return number


def usage_quantity(usage: dict[str, Any], key: str) -> Decimal | None:
    """A usage value as a Decimal quantity, or None (usage-based: shown with its unit price only)."""
    value = usage.get(key)
    return None if value is None else to_decimal(value, f"usage {key}")


def quantity(value: Any, default: int | str | None = None, *, name: str | None = None) -> Decimal | Any:
    """A count/size attribute as Decimal, with Terraform's default when unset; `name` (the attribute)
    is what an error about a bad value names."""
    if value is None:
        value = default
    if value is None:
        return UNKNOWN
    return to_decimal(value, name)
