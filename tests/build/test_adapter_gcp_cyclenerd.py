"""gcp-cyclenerd pricing.yml -> Compute Engine machine types (and exact E2/N1/N2/N2D core and RAM rates),
disks, IPs, Cloud NAT and Cloud Storage rows, in the filters the Google cost models query."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finguard.pricing.build.adapters.gcp_cyclenerd import INPUT, GcpCyclenerd, core_ram_rates
from finguard.pricing.build.base import AdapterReport, FeedRow
from finguard.pricing.resources.base import Component
from finguard.pricing.resources.google._common import disk_component, local_ssd_component, machine_components

D = Decimal
SHARED = Path(__file__).resolve().parents[1].parent.parent / "shared"

# The feed's own layout, cut down. `month` of n1 is after the sustained-use discount (x 0.7): never used.
FIXTURE = """\
---
about:
  generated: Thu Jul 30 06:13:17 2026
compute:
  instance:
    e2-medium:
      cost:
        us-central1: {hour: 0.03350571, hour_spot: 0.020106, month: 24.4591683}
        europe-west1: {hour: 0.03685773, month: 26.9061429}
        mars-north1: {hour: 0.05}
      cpu: 1
      ram: 4
    e2-micro:
      cost:
        us-central1: {hour: 0.0083764275, month: 6.114792075}
      cpu: 2
      ram: 1
    e2-standard-2:
      cost:
        us-central1: {hour: 0.06701142, month: 48.9183366}
        europe-west1: {hour: 0.07371546}
      cpu: 2
      ram: 8
    e2-highcpu-2:
      cost:
        us-central1: {hour: 0.04947024}
        europe-west1: {hour: 0.05}
      cpu: 2
      ram: 2
    e2-highmem-2:
      cost:
        us-central1: {hour: 0.09039966}
        europe-west1: {hour: 0.09944418}
      cpu: 2
      ram: 16
    n1-standard-1:
      cost:
        us-central1: {hour: 0.04749975, month: 24.27237225}
        northamerica-south1: {hour_spot: 0.0129096875, month_spot: 9.424071875}
      cpu: 1
      ram: 3.75
    c2-standard-4:
      cost:
        us-central1: {hour: 0.208808, month: 121.974357968}
        europe-west1: {hour: 0.0}
      cpu: 4
      ram: 16
    f1-micro:
      cost:
        us-central1: {hour: 0.0076, month: 3.8836}
      cpu: 1
      ram: 0.6
    custom-2-10240-ext:
      cost:
        us-central1: {hour: 0.1108431}
      cpu: 2
      ram: 10
      type: n1-custom
    m4n-hypermem-16:
      cpu: 16
      ram: 248
  license:
    e2-medium:
      cost:
        windows: {hour: 0.046, month: 33.58}
        sles: {hour: 0.02, month: 14.6}
  network:
    ip:
      unused:
        cost:
          us-central1: {hour: 0.01, month: 7.3}
          europe-west1: {hour: 0.01, month: 7.3}
      vm:
        cost:
          us-central1: {hour: 0.005, month: 3.65}
          europe-west1: {hour: 0.005, month: 3.65}
    nat:
      data:
        cost:
          us-central1: {month: 0.045}
      gateway:
        cost:
          us-central1: {hour: 0.0448, month: 32.704}
    vpn:
      tunnel:
        cost:
          us-central1: {hour: 0.05, month: 36.5}
  storage:
    hdd:
      cost:
        us-central1: {month: 0.04}
        europe-west1: {month: 0.04}
    balanced:
      cost:
        us-central1: {month: 0.1}
        europe-west1: {month: null}
    ssd-replicated:
      cost:
        us-central1: {month: 0.34}
    local:
      cost:
        us-central1: {month: 0.08, month_1y: 0.0504}
    local-c4:
      cost:
        us-central1: {month: 0.17618}
        europe-west1: {}
    snapshot:
      cost:
        us-central1: {month: 0.05}
        us-multi: {month: 0.065}
storage:
  bucket:
    standard:
      cost:
        us-central1: {month: 0.02}
    standard-multi:
      cost:
        europe-multi: {month: 0.026}
    nearline-dual:
      cost:
        nam4: {month: 0.022}
    dra:
      cost:
        us-central1: {month: 0.02}
  retrieval:
    nearline:
      cost:
        us-central1: {month: 0.01}
dual-region:
  nam4:
    regions: [us-central1, us-east1]
multi-region:
  us-multi: {description: Data centers in the United States}
  europe-multi: {description: Data centers within member states of the European Union}
region:
  us-central1: {location: Iowa}
  europe-west1: {location: Belgium}
  northamerica-south1: {location: Queretaro}
"""


def _run(shared: Path) -> tuple[list[FeedRow], AdapterReport]:
    report = AdapterReport()
    rows = list(GcpCyclenerd().rows(shared, report))
    return rows, report


def _fixture(tmp_path: Path) -> tuple[list[FeedRow], AdapterReport]:
    path = tmp_path / INPUT
    path.parent.mkdir(parents=True)
    path.write_text(FIXTURE, encoding="utf-8")
    return _run(tmp_path)


def _priced(rows: list[FeedRow], component: Component, region: str) -> Decimal | None:
    """The one row a model component's filters select in `region` (as Catalog.lookup would)."""
    found = {r.usd for r in rows if r.service == component.service and r.region == region
             and all(dict(r.attributes).get(k) == v for k, v in component.filters.items())}
    assert len(found) <= 1, f"{component.name}: ambiguous {found}"
    return found.pop() if found else None


def test_machine_types_use_hour_and_solve_exact_core_and_ram(tmp_path: Path) -> None:
    rows, report = _fixture(tmp_path)
    types = {(r.region, dict(r.attributes)["machineType"]): r.usd for r in rows if "machineType" in dict(r.attributes)}
    assert types == {
        ("us-central1", "e2-medium"): D("0.03350571"), ("europe-west1", "e2-medium"): D("0.03685773"),
        ("us-central1", "e2-micro"): D("0.0083764275"), ("us-central1", "e2-standard-2"): D("0.06701142"),
        ("europe-west1", "e2-standard-2"): D("0.07371546"), ("us-central1", "e2-highcpu-2"): D("0.04947024"),
        ("europe-west1", "e2-highcpu-2"): D("0.05"), ("us-central1", "e2-highmem-2"): D("0.09039966"),
        ("europe-west1", "e2-highmem-2"): D("0.09944418"), ("us-central1", "n1-standard-1"): D("0.04749975"),
        ("us-central1", "c2-standard-4"): D("0.208808"), ("us-central1", "f1-micro"): D("0.0076")}
    # us-central1: E2 rates solved from e2-highcpu-2 and e2-highmem-2, confirmed by e2-micro (billed as 0.25
    # vCPU and 1 GB), e2-medium and e2-standard-2
    e2 = machine_components("e2-standard-2")
    assert [_priced(rows, c, "us-central1") for c in e2] == [D("0.02181159"), D("0.00292353")]
    # europe-west1: e2-highcpu-2 (0.05, list 0.05441892) does not fit the others: no E2 rates, not a guess
    assert [_priced(rows, c, "europe-west1") for c in e2] == [None, None]
    # N1 has one type only here (no second one confirms a pair); C2 and f1 are priced per type / flat SKU
    assert [_priced(rows, c, "us-central1") for c in machine_components("n1-standard-1")] == [None, None]
    assert [_priced(rows, c, "us-central1") for c in machine_components("c2-standard-4")] == [D("0.208808")]
    assert [_priced(rows, c, "us-central1") for c in machine_components("f1-micro")] == [D("0.0076")]
    assert report.skipped["family core/RAM rates not derivable exactly (family priced per type only)"] == 2
    assert report.skipped["no on-demand 'hour' price"] == 1  # n1 in northamerica-south1: Spot only
    assert report.skipped["price 0.0 (treated as missing)"] == 1  # c2 in europe-west1
    assert report.skipped["unknown location"] == 1  # mars-north1
    assert report.skipped["custom machine type example (custom types are priced per vCPU and GB)"] == 1
    assert report.skipped["machine type without any price"] == 1  # m4n-hypermem-16


def test_disks_network_and_buckets_in_the_models_vocabulary(tmp_path: Path) -> None:
    rows, report = _fixture(tmp_path)
    assert _priced(rows, disk_component("Boot disk", "pd-standard", D(10)), "europe-west1") == D("0.04")
    assert _priced(rows, disk_component("Boot disk", "pd-balanced", D(10)), "us-central1") == D("0.1")
    assert _priced(rows, disk_component("Boot disk", "pd-balanced", D(10)), "europe-west1") is None  # null
    local = local_ssd_component(D(1))
    assert local is not None and _priced(rows, local, "us-central1") == D("0.08")
    by_stem = {(r.service, r.region, dict(r.attributes).get("descriptionStem")): (r.usd, r.unit) for r in rows}
    assert by_stem[("Compute Engine", "us-central1", "Regional SSD backed PD Capacity")] == (D("0.34"), "GiBy.mo")
    hdd = next(r for r in rows if dict(r.attributes).get("descriptionStem") == "Storage PD Capacity")
    assert dict(hdd.attributes) == {"descriptionStem": "Storage PD Capacity", "resourceFamily": "Storage",
                                    "resourceGroup": "PDStandard", "usageType": "OnDemand", "usageUnit": "GiBy.mo"}
    assert by_stem[("Compute Engine", "us", "Storage PD Snapshot")] == (D("0.065"), "GiBy.mo")
    assert by_stem[("Compute Engine", "us-central1", "Static Ip Charge")] == (D("0.01"), "h")
    # the in-use SKU is global in the Catalog API; every region agrees on 0.005, so it is the global price
    assert by_stem[("Compute Engine", "global", "External IP Charge on a Standard VM")] == (D("0.005"), "h")
    assert by_stem[("Compute Engine", "us-central1", "NAT Gateway: Uptime charge")] == (D("0.0014"), "h")  # /32
    assert by_stem[("Compute Engine", "us-central1", "NAT Gateway: Data processing charge")] == (D("0.045"), "GiBy")
    buckets = {(r.region, dict(r.attributes)["storageClass"], dict(r.attributes)["locationType"],
                dict(r.attributes).get("resourceGroup")): r.usd for r in rows if r.service == "Cloud Storage"}
    assert buckets == {("us-central1", "STANDARD", "region", "RegionalStorage"): D("0.02"),
                       ("europe", "STANDARD", "multi-region", "MultiRegionalStorage"): D("0.026"),
                       ("nam4", "NEARLINE", "dual-region", None): D("0.022")}
    assert report.skipped["no on-demand 'month' price"] == 1  # balanced in europe-west1: null
    assert report.skipped["not modelled by a finguard cost model (C4-series local SSD: part of the -lssd types' "
                          "prices)"] == 1
    assert report.skipped["not modelled by a finguard cost model (compute.license)"] == 2
    assert report.skipped["not modelled by a finguard cost model (compute.network.vpn)"] == 1
    assert report.skipped["not modelled by a finguard cost model (Cloud Storage dra)"] == 1
    assert report.skipped["not modelled by a finguard cost model (storage.retrieval)"] == 1
    # 4 rows are derived, not read (E2 core and RAM, f1-micro's flat SKU, the global in-use IP), and the two
    # families without exact rates are counted as skipped though they are no record of the file
    assert report.read == len(rows) - 4 + sum(report.skipped.values()) - 2
    assert not report.rejected


def test_every_slot_is_emitted_once_with_the_adapter_id(tmp_path: Path) -> None:
    rows, _ = _fixture(tmp_path)
    assert len({r.slot for r in rows}) == len(rows) and {r.source for r in rows} == {"gcp-cyclenerd"}
    assert {r.provider for r in rows} == {"gcp"}


A, B, C = ("a", D(1), D(4), D("0.2")), ("b", D(2), D(2), D("0.25")), ("c", D(2), D(16), D("0.6"))  # 0.1 + 0.025/GB


@pytest.mark.parametrize(("points", "expected"), [
    ([A, B, C], (D("0.1"), D("0.025"))),
    ([A, B], None),  # nothing confirms the pair
    ([A, B, ("s", D(2), D(8), D("0.4"))], None),  # a type of A's ratio fits any pair: confirms nothing
    ([A, ("s", D(2), D(8), D("0.4")), ("t", D(4), D(16), D("0.8"))], None),  # one ratio: not separable
    ([A, B, ("c", D(2), D(16), D("0.61"))], None),  # off by a cent
])
def test_core_ram_rates_only_when_exact(points: list[Any], expected: tuple[Decimal, Decimal] | None) -> None:
    assert core_ram_rates(points) == expected


# -- real data -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real() -> tuple[list[FeedRow], AdapterReport]:
    if not (SHARED / INPUT).exists():
        pytest.skip(f"{SHARED / INPUT} absent (../shared absent)")
    return _run(SHARED)


# (region on three continents, machine type, $/h); us-central1 figures are the README's sanity checks
KNOWN_TYPES = [
    ("us-central1", "e2-medium", "0.0335"), ("us-central1", "e2-micro", "0.00838"),
    ("us-central1", "n1-standard-1", "0.0475"), ("us-central1", "n2-standard-2", "0.097118"),
    ("europe-west1", "e2-medium", "0.03685773"), ("europe-west1", "n1-standard-1", "0.05225175"),
    ("australia-southeast1", "e2-medium", "0.047541"), ("southamerica-east1", "e2-medium", "0.0531852"),
    ("europe-west1", "c3-standard-4", "0.22199056"),
]


def _close(found: Decimal | None, expected: str) -> bool:
    return found is not None and abs(found - D(expected)) <= D(expected) * D("0.005")


@pytest.mark.parametrize(("region", "machine_type", "usd"), KNOWN_TYPES)
def test_real_machine_types(real: tuple[list[FeedRow], AdapterReport], region: str, machine_type: str,
                            usd: str) -> None:
    rows, _ = real
    parts = machine_components(machine_type)
    total = sum((_priced(rows, c, region) or D("NaN")) * c.quantity for c in parts)
    assert _close(total, usd), f"{machine_type} in {region}: {total}"


@pytest.mark.parametrize(("region", "disk", "usd"), [
    ("us-central1", "pd-standard", "0.04"), ("us-central1", "pd-balanced", "0.10"), ("us-central1", "pd-ssd", "0.17"),
    ("europe-west1", "pd-balanced", "0.10"), ("asia-northeast1", "pd-balanced", "0.13"),
    ("southamerica-east1", "pd-ssd", "0.255"),
])
def test_real_disks(real: tuple[list[FeedRow], AdapterReport], region: str, disk: str, usd: str) -> None:
    assert _close(_priced(real[0], disk_component("Disk", disk, D(1)), region), usd)


def test_real_counts_and_coverage(real: tuple[list[FeedRow], AdapterReport]) -> None:
    rows, report = real
    types = {dict(r.attributes)["machineType"] for r in rows if "machineType" in dict(r.attributes)}
    assert len(types) >= 520 and {"e2-medium", "e2-micro", "e2-small", "n1-standard-4", "n2d-standard-2",
                                  "c2-standard-4"} <= types
    stems = {(r.region, dict(r.attributes).get("descriptionStem")) for r in rows}
    for stem in ("E2 Instance Core", "N1 Predefined Instance Ram", "N2 Instance Core", "N2D AMD Instance Ram"):
        assert len({region for region, s in stems if s == stem}) >= 40, stem
    assert not report.rejected and report.read > 20_000
    assert _close(next(r.usd for r in rows if r.region == "us-central1" and r.service == "Cloud Storage"
                       and dict(r.attributes)["storageClass"] == "STANDARD"), "0.020")
