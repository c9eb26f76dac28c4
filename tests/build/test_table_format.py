"""The price-table format: round trip, deterministic output, and clear errors (file:line) on bad input."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finguard.errors import InputError
from finguard.pricing.table import MAGIC, PriceTable, Product, read_table, write_table

from ..fuzzing import fuzz, fuzz_settings

M5 = Product((("instanceType", "m5.large"), ("productFamily", "Compute Instance")), "Hrs")
GP3_TIER2 = Product((("volumeApiName", "gp3"),), "GB-Mo", 51200.0, None)


def _table() -> PriceTable:
    table = PriceTable("aws", "AmazonEC2")
    table.put(M5, "us-east-1", Decimal("0.0960000000"), "feed-a")
    table.put(M5, "eu-west-1", Decimal("0.107"), "feed-a")
    table.put(M5, "ap-southeast-2", Decimal("0.12"), "feed-b")
    table.put(GP3_TIER2, "eu-west-1", Decimal("0.088"), "feed-b")
    return table


def test_round_trip_keeps_every_price_region_tier_and_source(tmp_path: Path) -> None:
    path = tmp_path / "aws" / "AmazonEC2.tsv"
    write_table(_table(), path)
    provider, service, cells = read_table(path)
    got = {(c.region, c.attributes_json, c.unit, c.begin, c.end, c.usd, c.source) for c in cells}
    assert (provider, service) == ("aws", "AmazonEC2")
    assert got == {
        ("us-east-1", '{"instanceType":"m5.large","productFamily":"Compute Instance"}', "Hrs", 0.0, None, "0.096",
         "feed-a"),
        ("eu-west-1", '{"instanceType":"m5.large","productFamily":"Compute Instance"}', "Hrs", 0.0, None, "0.107",
         "feed-a"),
        ("ap-southeast-2", '{"instanceType":"m5.large","productFamily":"Compute Instance"}', "Hrs", 0.0, None,
         "0.12", "feed-b"),
        ("eu-west-1", '{"volumeApiName":"gp3"}', "GB-Mo", 51200.0, None, "0.088", "feed-b"),
    }


def test_output_is_deterministic_and_one_line_per_product(tmp_path: Path) -> None:
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    write_table(_table(), a)
    write_table(_table(), b)
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text().splitlines()
    assert lines[0] == MAGIC
    assert len([line for line in lines if not line.startswith("#")]) == 1 + 2  # header + two products
    # the row's own source is implicit; the other source is named per cell
    m5 = next(line for line in lines if "m5.large" in line)
    assert "0.12@2" in m5 and "0.107\t" in m5 + "\t"


@pytest.mark.parametrize(("mutate", "message", "line"), [
    (lambda t: t.replace(MAGIC, "# something else"), "not a finguard price table", 1),
    (lambda t: t.replace("# provider\taws\n", ""), "header needs provider", 1),
    (lambda t: t.replace("0.107", "0.107\textra"), "columns, the header", 6),
    (lambda t: t.replace("0.107", "-0.107"), "not a non-negative finite number", 6),
    (lambda t: t.replace("0.107", "NaN"), "not a non-negative finite number", 6),
    (lambda t: t.replace("0.12@2", "0.12@9"), "names source '9'", 6),
    (lambda t: t.replace("unit\tbegin", "unit\tstart"), "columns must start with", 5),
])
def test_malformed_tables_say_what_and_where(tmp_path: Path, mutate, message: str, line: int) -> None:
    path = tmp_path / "t.tsv"
    write_table(_table(), path)
    path.write_text(mutate(path.read_text()))
    with pytest.raises(InputError) as err:
        _, _, cells = read_table(path)
        list(cells)
    assert message in str(err.value)
    assert err.value.where == f"{path}:{line}"


def test_binary_garbage_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_table(path)


def test_special_files_are_refused_not_read(tmp_path: Path) -> None:
    import os

    from finguard.pricing.snapshot import read_manifest

    fifo = tmp_path / "t.tsv"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    with pytest.raises(InputError, match="not a regular file"):
        read_table(fifo)
    os.mkfifo(tmp_path / "manifest.json")
    with pytest.raises(InputError, match="not a regular file"):
        read_manifest(tmp_path)


prices = st.decimals(min_value=0, max_value=10**6, places=10, allow_nan=False, allow_infinity=False)
names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@fuzz
@fuzz_settings(60)
@given(st.dictionaries(st.tuples(names, st.sampled_from(["us-east-1", "eu-west-1", "westeurope"])), prices,
                       min_size=1, max_size=12))
def test_any_table_round_trips(tmp_path_factory: pytest.TempPathFactory, cells: dict) -> None:
    table = PriceTable("aws", "AmazonEC2")
    for (value, region), usd in cells.items():
        table.put(Product((("instanceType", value),), "Hrs"), region, usd, "src")
    path = tmp_path_factory.mktemp("t") / "t.tsv"
    write_table(table, path)
    _, _, read = read_table(path)
    import json

    got = {(json.loads(c.attributes_json)["instanceType"], c.region): Decimal(c.usd) for c in read}
    assert got == {key: usd for key, usd in cells.items()}
