"""The shared parts of the AWS pricing-page adapters: location names, regions, reasons for keys left out."""

from __future__ import annotations

import pytest

from finguard.pricing.build.adapters._price_watcher import (
    NOT_MODELLED,
    OPAQUE,
    Reasons,
    Skip,
    region_of,
    split_location,
)

M6I = "(Instance Type: db.m6i.large, Memory: 8 GiB, vCPU: 2, Network Performance: Up to 12500 Megabit)"


@pytest.mark.parametrize(("raw", "name", "details"), [
    (f"EU (Ireland) {M6I}", "EU (Ireland)", {"Instance Type": "db.m6i.large", "Memory": "8 GiB", "vCPU": "2",
                                             "Network Performance": "Up to 12500 Megabit"}),
    ("US East (N. Virginia) (Instance Type: db.r7i.2xlarge)", "US East (N. Virginia)",
     {"Instance Type": "db.r7i.2xlarge"}),
    ("US West (Oregon) (vCPU: 2, Memory (GiB): 8)", "US West (Oregon)", {"vCPU": "2", "Memory (GiB)": "8"}),
    ("AWS GovCloud (US)", "AWS GovCloud (US)", {}),
    ("US East (N. Virginia)", "US East (N. Virginia)", {}),
    ("US East (Verizon) - Boston", "US East (Verizon) - Boston", {}),
    (" (Per Month: 10240)", "", {"Per Month": "10240"}),
])
def test_location_details_are_split_without_breaking_names(raw: str, name: str, details: dict[str, str]) -> None:
    assert split_location(raw) == (name, details)


@pytest.mark.parametrize(("name", "expected"), [
    ("EU (Ireland)", "eu-west-1"),
    ("AWS GovCloud (US)", "us-gov-west-1"),
    ("US West (Los Angeles)", Skip("local or wavelength zone")),
    ("EU (British Telecom) - Manchester", Skip("local or wavelength zone")),
    ("Any", Skip("regionless price (location 'Any')")),
    ("Moon Base Alpha", Skip("unknown location")),
])
def test_location_names_are_placed_or_given_a_reason(name: str, expected: str | Skip) -> None:
    assert region_of(name) == expected


def test_reasons_name_opaque_keys_first_then_the_first_match() -> None:
    reasons = Reasons((r"^Storage", "storage: elsewhere"), (r"Storage Snapshot", "backups: not modelled"))
    assert reasons.why("-P9W6WBhvHe1S6fERCbEwWvt4WJPD9Wc3vul4ZSVYq4 V1") == Skip(OPAQUE)
    assert reasons.why("Storage Snapshot") == Skip("storage: elsewhere")
    assert reasons.why("Database Instance") == Skip(NOT_MODELLED)
