"""Infracost golden files (`*.golden`: the cost table `infracost breakdown` prints) parsed into lines, for the
tests that cross-check finguard's figures against Infracost's expected outputs in ../shared/reference."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class GoldenLine:
    test: str
    lineno: int
    resource: str
    path: tuple[str, ...]
    name: str
    unit: str
    qty: Decimal | None = None
    cost: Decimal | None = None
    unit_price: Decimal | None = None

    def text(self) -> str:
        where = " > ".join((self.resource, *self.path))
        if self.unit_price is not None:
            return f"{where}: {self.name}: ${self.unit_price} per {self.unit}"
        return f"{where}: {self.name}: {self.qty} {self.unit} = ${self.cost}"


_TREE = re.compile(r" ((?:[│ ]  )*)[├└]─ (.*)")
_COMPONENT = re.compile(
    r"(?P<name>.+?)\s{2,}(?P<qty>\d[\d,]*(?:\.\d+)?)\s{2,}(?P<unit>\S.*?)\s{2,}"
    r"\$(?P<cost>\d[\d,]*\.\d\d)(?:\s+\*)?"
)
_USAGE = re.compile(
    r"(?P<name>.+?)\s{2,}Monthly cost depends on usage: \$(?P<price>\d[\d,]*(?:\.\d+)?) per (?P<unit>.+)"
)


def parse_golden(text: str, test: str) -> list[GoldenLine]:
    lines: list[GoldenLine] = []
    in_table = False
    resource: str | None = None
    stack: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not in_table:
            in_table = raw.lstrip().startswith("Name ") and "Monthly Cost" in raw
            continue
        stripped = raw.strip()
        if stripped.startswith("OVERALL TOTAL"):
            break
        if not stripped:
            continue
        tree = _TREE.fullmatch(raw.rstrip())
        if tree is None:
            resource, stack = stripped, []
            continue
        if resource is None:
            raise ValueError(f"{test}.golden:{lineno}: component outside a resource")
        depth = len(tree.group(1)) // 3
        content = tree.group(2).strip()
        if m := _USAGE.fullmatch(content):
            lines.append(GoldenLine(test, lineno, resource, tuple(stack[:depth]), m["name"], m["unit"],
                                    unit_price=Decimal(m["price"].replace(",", ""))))
        elif m := _COMPONENT.fullmatch(content):
            lines.append(GoldenLine(test, lineno, resource, tuple(stack[:depth]), m["name"], m["unit"],
                                    qty=Decimal(m["qty"].replace(",", "")),
                                    cost=Decimal(m["cost"].replace(",", ""))))
        else:
            stack = [*stack[:depth], content]
    if not in_table:
        raise ValueError(f"{test}.golden: no cost table found")
    return lines
