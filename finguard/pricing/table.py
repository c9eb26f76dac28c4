"""The snapshot's price-table format: one TSV per (provider, service), one line per product and tier,
one column per region.

Why this shape: a region-by-product matrix is ~20x smaller than a JSON object per price (the
attributes are written once per product, not once per region), stays plain text a reviewer can diff
(a price change is one line), and parses with `str.split` fast enough to compile the whole catalog
in about a second.

    # finguard price table 1
    # provider	aws
    # service	AmazonEC2
    # sources	1=aws-price-watcher	2=aws-ec2-ondemand-linux-csv
    unit	begin	end	source	attributes	us-east-1	eu-west-1
    Hrs	0		1	{"instanceType":"m5.large",...}	0.096@2	0.107

A cell is a USD price per unit; `price@N` names the source when it is not the row's own; an empty
cell means no price in that region. `end` empty means no upper bound.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from finguard.errors import InputError, read_text

MAGIC = "# finguard price table 1"
HEADER = ("unit", "begin", "end", "source", "attributes")


@dataclass(frozen=True, slots=True)
class Product:
    """What a price is for: attributes (sorted), unit and the tier it starts."""

    attributes: tuple[tuple[str, str], ...]
    unit: str
    begin: float = 0.0
    end: float | None = None

    def attributes_json(self) -> str:
        return json.dumps(dict(self.attributes), separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class PriceTable:
    """Prices of one service: product -> region -> (usd, source id)."""

    provider: str
    service: str
    cells: dict[Product, dict[str, tuple[Decimal, str]]] = field(default_factory=dict)

    def put(self, product: Product, region: str, usd: Decimal, source: str) -> None:
        self.cells.setdefault(product, {})[region] = (usd, source)

    def regions(self) -> list[str]:
        return sorted({r for by_region in self.cells.values() for r in by_region})

    def count(self) -> int:
        return sum(len(by_region) for by_region in self.cells.values())


def format_usd(usd: Decimal) -> str:
    text = format(usd.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".") or "0"


def _format_float(value: float) -> str:
    return format(Decimal(repr(value)).normalize(), "f")


def write_table(table: PriceTable, path: Path) -> None:
    """Write deterministically: products sorted, regions sorted, sources numbered by first use."""
    regions = table.regions()
    products = sorted(table.cells, key=lambda p: (p.attributes, p.unit, p.begin))
    used = sorted({src for by_region in table.cells.values() for _, src in by_region.values()})
    number = {src: str(i) for i, src in enumerate(used, start=1)}
    lines = [MAGIC, f"# provider\t{table.provider}", f"# service\t{table.service}",
             "# sources\t" + "\t".join(f"{number[s]}={s}" for s in used),
             "\t".join((*HEADER, *regions))]
    for product in products:
        by_region = table.cells[product]
        row_source = Counter(src for _, src in by_region.values()).most_common(1)[0][0]
        cells = []
        for region in regions:
            cell = by_region.get(region)
            if cell is None:
                cells.append("")
            else:
                usd, src = cell
                cells.append(format_usd(usd) if src == row_source else f"{format_usd(usd)}@{number[src]}")
        end = "" if product.end is None else _format_float(product.end)
        lines.append("\t".join((product.unit, _format_float(product.begin), end, number[row_source],
                                product.attributes_json(), *cells)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class TableCell:
    """One price read back from a table (what the catalog compiles)."""

    region: str
    attributes_json: str
    unit: str
    begin: float
    end: float | None
    usd: str
    source: str


@dataclass(frozen=True, slots=True)
class TableRow:
    """One line of a table: a product and its (region, usd, source id) prices."""

    attributes_json: str
    unit: str
    begin: float
    end: float | None
    prices: list[tuple[str, str, str]]


def read_table(path: Path) -> tuple[str, str, Iterator[TableCell]]:
    """(provider, service, cells). Cells are yielded lazily; errors name the file and line."""
    provider, service, rows = read_table_rows(path)
    return provider, service, (TableCell(region, row.attributes_json, row.unit, row.begin, row.end, usd, source)
                                for row in rows for region, usd, source in row.prices)


def read_table_rows(path: Path) -> tuple[str, str, Iterator[TableRow]]:
    """(provider, service, rows): what the catalog compiles, one product at a time."""
    text = read_text(path)  # regular files only, bounded, UTF-8: one InputError naming the file otherwise
    lines = text.split("\n")
    if not lines or lines[0] != MAGIC:
        raise InputError(f"not a finguard price table (first line must be {MAGIC!r})", where=f"{path}:1")
    meta: dict[str, list[str]] = {}
    index = 1
    while index < len(lines) and lines[index].startswith("# "):
        key, *values = lines[index][2:].split("\t")
        meta[key] = values
        index += 1
    try:
        provider, service = meta["provider"][0], meta["service"][0]
        sources = dict(item.split("=", 1) for item in meta.get("sources", []))
    except (KeyError, IndexError, ValueError):
        raise InputError("price table header needs provider, service and sources lines",
                         where=f"{path}:1") from None
    if index >= len(lines):
        raise InputError("price table has no column header", where=f"{path}:{index + 1}")
    header = lines[index].split("\t")
    if tuple(header[: len(HEADER)]) != HEADER:
        raise InputError(f"price table columns must start with {', '.join(HEADER)}", where=f"{path}:{index + 1}")
    regions = header[len(HEADER):]
    return provider, service, _rows(path, lines, index + 1, regions, sources)


def _rows(path: Path, lines: list[str], start: int, regions: list[str],
          sources: dict[str, str]) -> Iterator[TableRow]:
    width = len(HEADER) + len(regions)
    for lineno in range(start, len(lines)):
        line = lines[lineno]
        if not line:
            continue
        where = f"{path}:{lineno + 1}"
        parts = line.split("\t")
        if len(parts) != width:
            raise InputError(f"price table row has {len(parts)} columns, the header {width}", where=where)
        unit, begin_text, end_text, row_source, attributes = parts[:5]
        try:
            begin = float(begin_text)
            end = float(end_text) if end_text else None
        except ValueError:
            raise InputError("tier bounds must be numbers", where=where) from None
        if row_source not in sources:
            raise InputError(f"row names source {row_source!r}, which the header does not list", where=where)
        prices = []
        for region, cell in zip(regions, parts[5:], strict=True):
            if not cell:
                continue
            usd, _, cell_source = cell.partition("@")
            source = sources.get(cell_source or row_source)
            if source is None:
                raise InputError(f"cell names source {cell_source!r}, which the header does not list", where=where)
            if _PRICE.fullmatch(usd) is None:
                raise InputError(f"price {usd!r} in {region} is not a non-negative finite number", where=where)
            prices.append((region, usd, source))
        yield TableRow(attributes, unit, begin, end, prices)


# what format_usd writes: plain digits, an optional fraction; never a sign, an exponent, NaN or Infinity
_PRICE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def tables_in(root: Path) -> list[Path]:
    return sorted(root.glob("*/*.tsv"))


def count_cells(paths: Iterable[Path]) -> int:
    return sum(sum(1 for _ in read_table(p)[2]) for p in paths)
