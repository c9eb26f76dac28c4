"""The catalog's look-up rules, on a small catalog written by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.catalog import Catalog, CatalogWriter, open_for_write
from finguard.pricing.snapshot import PriceRecord, SourceRecord

EC2 = {"productFamily": "Compute Instance", "instanceType": "m5.large", "operatingSystem": "Linux",
       "tenancy": "Shared"}


def _record(region: str, attrs: dict[str, str], usd: str, unit: str = "Hrs", begin: float = 0.0,
            end: float | None = None, service: str = "AmazonEC2") -> PriceRecord:
    return PriceRecord(service=service, region=region, attributes=attrs, unit=unit, usd=Decimal(usd),
                       begin_range=begin, end_range=end, source="hand")


@pytest.fixture()
def small_catalog(tmp_path: Path) -> Catalog:
    path = tmp_path / "catalog.sqlite"
    db = open_for_write(path)
    writer = CatalogWriter(db)
    writer.add_source(SourceRecord(id="hand", kind="snapshot", description="written by hand for tests"))
    writer.add([
        _record("us-east-1", EC2, "0.096"),
        _record("eu-west-2", EC2, "0.111"),
        # CloudWatch metrics: 0.30 for the first 10,000, 0.10 for the next 240,000, 0.05 beyond.
        _record("us-east-1", {"productFamily": "Metric"}, "0.30", "Metrics", 0, 10000, "AmazonCloudWatch"),
        _record("us-east-1", {"productFamily": "Metric"}, "0.10", "Metrics", 10000, 250000, "AmazonCloudWatch"),
        _record("us-east-1", {"productFamily": "Metric"}, "0.05", "Metrics", 250000, None, "AmazonCloudWatch"),
        # Two different prices for one loose filter.
        _record("us-east-1", {"productFamily": "Storage", "volumeApiName": "gp3", "usagetype": "a"}, "0.08", "GB-Mo"),
        _record("us-east-1", {"productFamily": "Storage", "volumeApiName": "gp3", "usagetype": "b"}, "0.09", "GB-Mo"),
        # The same price twice (e.g. two SKUs) is not ambiguous.
        _record("us-east-1", {"productFamily": "NAT Gateway"}, "0.045"),
        _record("us-east-1", {"productFamily": "NAT Gateway"}, "0.045"),
    ])
    writer.set_meta("compiled_at", "2026-11-28T00:00:00+00:00")
    db.commit()
    db.close()
    return Catalog(path)


def test_exact_match_per_region(small_catalog: Catalog) -> None:
    assert small_catalog.lookup("AmazonEC2", "us-east-1", EC2).unit_price == Decimal("0.096")
    assert small_catalog.lookup("AmazonEC2", "eu-west-2", EC2).unit_price == Decimal("0.111")


def test_a_missing_region_is_missing_never_borrowed(small_catalog: Catalog) -> None:
    match = small_catalog.lookup("AmazonEC2", "ap-south-1", EC2)
    assert not match.found and not match.prices
    assert "ap-south-1" in match.query


def test_every_filter_must_match(small_catalog: Catalog) -> None:
    assert not small_catalog.lookup("AmazonEC2", "us-east-1", {**EC2, "tenancy": "Dedicated"}).found
    assert not small_catalog.lookup("AmazonEC2", "us-east-1", {**EC2, "extra": "x"}).found


def test_tiers_are_priced_across_ranges(small_catalog: Catalog) -> None:
    match = small_catalog.lookup("AmazonCloudWatch", "us-east-1", {"productFamily": "Metric"})
    assert [p.usd for p in match.prices] == [Decimal("0.30"), Decimal("0.10"), Decimal("0.05")]
    assert match.cost_for(Decimal(7)) == Decimal("2.10")
    # 10,000 x 0.30 + 240,000 x 0.10 + 10,000 x 0.05
    assert match.cost_for(Decimal(260000)) == Decimal("3000") + Decimal("24000") + Decimal("500")


def test_different_prices_for_one_filter_are_ambiguous(small_catalog: Catalog) -> None:
    match = small_catalog.lookup("AmazonEC2", "us-east-1", {"productFamily": "Storage", "volumeApiName": "gp3"})
    assert not match.found
    assert {p.usd for p in match.ambiguous} == {Decimal("0.08"), Decimal("0.09")}
    exact = small_catalog.lookup("AmazonEC2", "us-east-1",
                                 {"productFamily": "Storage", "volumeApiName": "gp3", "usagetype": "b"})
    assert exact.unit_price == Decimal("0.09")


def test_duplicate_identical_prices_are_one_price(small_catalog: Catalog) -> None:
    match = small_catalog.lookup("AmazonEC2", "us-east-1", {"productFamily": "NAT Gateway"})
    assert match.found and match.unit_price == Decimal("0.045")


def test_has_region_agrees_with_the_region_list(catalog: Catalog) -> None:
    regions = set(catalog.regions())
    for region in ("us-east-1", "westeurope", "europe-west1", "Global", "us-east-l", "atlantis", ""):
        assert catalog.has_region(region) is (region in regions), region


def test_only_a_catalog_or_an_empty_file_is_ever_replaced(tmp_path: Path) -> None:
    """`--catalog /dev/null` once renamed a compiled catalog over the device, and `--catalog some.db` replaced the
    user's own file. Devices, FIFOs and files that are not catalogs are refused and left as they were."""
    import os
    import stat

    from finguard.errors import InputError
    from finguard.pricing.catalog import ensure_compiled

    precious = tmp_path / "precious.db"
    precious.write_text("someone's data")
    with pytest.raises(InputError, match="not a finguard price catalog, so it is not replaced"):
        ensure_compiled(precious)
    assert precious.read_text() == "someone's data"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for special in (fifo, Path("/dev/null")):
        if special.exists():
            with pytest.raises(InputError, match="must be a regular file"):
                ensure_compiled(special)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    ensure_compiled(empty)
    assert Catalog(empty).meta["snapshot_digest"]


def test_unreadable_catalog_is_an_input_error(tmp_path: Path) -> None:
    from finguard.errors import InputError

    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    with pytest.raises(InputError, match="cannot be read"):
        Catalog(bad)
