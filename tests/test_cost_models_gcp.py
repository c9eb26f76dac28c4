"""Every Google cost model against figures computed by hand from the bundled rows (pricing_data/gcp).

Rows used (us-central1 unless stated): f1-micro 0.0076/h; E2 core 0.02181159/h, RAM 0.00292353/GB-h (solved
exactly from the gcp-cyclenerd machine-type prices); c3-standard-4 0.22199056/h (europe-west1); pd-extreme
0.125/GB-month; GCS regional Standard 0.02/GB; N1 custom core 0.033192/h, RAM 0.004446/GB-h,
extended RAM 0.00955/GB-h; pd-standard 0.04, pd-balanced 0.10, pd-ssd 0.17 per GB-month; local SSD 0.08;
unused IP 0.01/h (europe-central2 0.012); IP on a standard VM 0.005/h, on a Spot VM 0.0025/h (global);
NAT 0.0014 per VM-hour, 0.045/GB; forwarding rule 0.01/h, 0.008/GB; GKE fee 0.10/h (global);
Cloud SQL vCPU 0.0413 (regional 0.0826)/h, RAM 0.007 (0.014)/GB-h, SSD 0.17 (0.34)/GB-month, backups 0.08;
Redis Basic M1 0.049, M5 0.016, Standard M2 0.054 per GB-h; GCS Standard Europe multi-region 0.026/GB,
regional Standard class A 0.000005, class B 0.0000004 per operation (global); Cloud Functions CPU
0.00001/GHz-s, memory 0.0000025/GB-s (us-central1), invocations 0.0000004 (global).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.model import ComponentStatus, ResourceCost, ResourceStatus
from finguard.pricing import registry
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.pricing.usage import UsageFile, usage_keys_for, validate_usage
from finguard.terraform.plan import load_plan, plan_to_project

from .conftest import EXAMPLES, SHARED, needs_shared
from .golden_support import parse_golden

D = Decimal
GOOGLE = "registry.terraform.io/hashicorp/google"
GCP_APP = EXAMPLES / "gcp-app" / "plan.json"
GOLDENS = SHARED / "reference" / "infracost-goldens" / "google" / "testdata"


class GooglePlan:
    """A plan document in Terraform's JSON layout with the google provider (region in its config)."""

    def __init__(self, region: str | None = "us-central1") -> None:
        self.changes: list[dict[str, Any]] = []
        self.config_resources: list[dict[str, Any]] = []
        expressions = {"region": {"constant_value": region}, "project": {"constant_value": "acme-prod"}} \
            if region else {}
        self.provider_config = {"google": {"name": "google", "full_name": GOOGLE, "expressions": expressions}}

    def add(self, address: str, after: dict[str, Any] | None, *, before: dict[str, Any] | None = None,
            unknown: dict[str, Any] | None = None, references: dict[str, list[str]] | None = None) -> GooglePlan:
        type_, name = address.split(".")[-2:]
        actions = ["create"] if before is None else ["update"] if after is not None else ["delete"]
        self.changes.append({
            "address": address, "mode": "managed", "type": type_, "name": name, "provider_name": GOOGLE,
            "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {}},
        })
        expressions: dict[str, Any] = {}
        for path, refs in (references or {}).items():
            node = expressions
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = {"references": refs}
        self.config_resources.append({"address": address, "mode": "managed", "type": type_, "name": name,
                                      "provider_config_key": "google", "expressions": expressions})
        return self

    def build(self) -> dict[str, Any]:
        return {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
                "resource_changes": self.changes,
                "configuration": {"provider_config": self.provider_config,
                                  "root_module": {"resources": self.config_resources}}}


def _costs(catalog: Catalog, plan: GooglePlan, usage: dict[str, dict[str, Any]] | None = None) \
        -> dict[str, ResourceCost]:
    usage_file = UsageFile(resource_usage=usage or {})
    project = plan_to_project(plan.build())
    validate_usage(usage_file, [(r.address, r.type) for r in project.resources], usage_keys_for)
    return {r.address: r for r in estimate(project, catalog, usage=usage_file).resources}


def _cost(catalog: Catalog, address: str, after: dict[str, Any], *, region: str | None = "us-central1",
          usage: dict[str, Any] | None = None, unknown: dict[str, Any] | None = None) -> ResourceCost:
    plan = GooglePlan(region).add(address, after, unknown=unknown)
    return _costs(catalog, plan, {address: usage} if usage else None)[address]


def _by_name(cost: ResourceCost) -> dict[str, Decimal | None]:
    return {c.name: c.monthly_cost for c in cost.components}


def _status(cost: ResourceCost) -> dict[str, ComponentStatus]:
    return {c.name: c.status for c in cost.components}


# -- google_compute_instance ----------------------------------------------------------------------
def test_instance_flat_f1_micro_boot_disk_and_local_ssd(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_instance.web", {
        "machine_type": "f1-micro", "zone": "us-central1-a",
        "boot_disk": [{"initialize_params": [{"image": "debian-cloud/debian-12", "size": 20, "type": "pd-ssd"}]}],
        "scratch_disk": [{"interface": "NVME"}],
        "scheduling": [{"preemptible": False, "provisioning_model": "STANDARD"}]})
    assert _by_name(cost) == {
        "Instance usage (f1-micro)": D("5.548"),  # 730 x 0.0076
        "Boot disk (pd-ssd)": D("3.40"),  # 20 x 0.17
        "Local SSD (1 x 375 GB)": D("30.00"),  # 375 x 0.08
    }
    assert cost.status is ResourceStatus.PRICED and cost.region == "us-central1"
    assert cost.monthly_cost == D("38.948")


def test_instance_custom_n1_vcpu_and_memory(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_instance.app", {
        "machine_type": "custom-6-20480", "zone": "us-central1-b",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}]})
    assert _by_name(cost) == {
        "Instance vCPUs (custom-6-20480, 6 vCPU)": D("145.38096"),  # 6 x 730 x 0.033192
        "Instance memory (custom-6-20480, 20 GB)": D("64.9116"),  # 20 x 730 x 0.004446
        "Boot disk (pd-standard)": D("0.40"),  # 10 x 0.04
    }
    assert cost.monthly_cost == D("210.69256")


def test_instance_custom_extended_memory(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_instance.ext", {
        "machine_type": "custom-2-15360-ext", "zone": "us-central1-a",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-balanced"}]}]})
    assert _by_name(cost) == {
        "Instance vCPUs (custom-2-15360-ext, 2 vCPU)": D("48.46032"),  # 2 x 730 x 0.033192
        "Instance memory (custom-2-15360-ext, 13 GB)": D("42.19254"),  # 6.5 GB/vCPU max: 13 x 730 x 0.004446
        "Instance extended memory (custom-2-15360-ext, 2 GB)": D("13.943"),  # (15 - 13) x 730 x 0.00955
        "Boot disk (pd-balanced)": D("1.00"),  # 10 x 0.10
    }


def test_instance_predefined_types_are_priced_per_core_and_ram_of_their_region(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_instance.e2", {
        "machine_type": "e2-standard-4", "zone": "us-central1-a",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}]})
    assert _by_name(cost) == {
        "Instance vCPUs (e2-standard-4, 4 vCPU)": D("63.6898428"),  # 4 x 730 x 0.02181159
        "Instance memory (e2-standard-4, 16 GB)": D("34.1468304"),  # 16 x 730 x 0.00292353
        "Boot disk (pd-standard)": D("0.40"),
    }
    # the two lines add up to the machine type's list price: 730 x 0.13402284
    assert cost.status is ResourceStatus.PRICED and cost.monthly_cost == D("97.8366732") + D("0.40")
    vcpu = next(c for c in cost.components if c.name.startswith("Instance vCPUs"))
    assert "descriptionStem=E2 Instance Core" in (vcpu.price_query or "")


def test_instance_other_families_are_priced_per_machine_type(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_instance.c3", {
        "machine_type": "c3-standard-4", "zone": "europe-west1-b",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-balanced"}]}]}, region="europe-west1")
    usage = cost.components[0]
    assert usage.name == "Instance usage (c3-standard-4)" and usage.monthly_cost == D("162.0531088")  # 730 x h
    assert "machineType=c3-standard-4" in (usage.price_query or "") and cost.status is ResourceStatus.PRICED


def test_instance_prices_are_never_borrowed_from_another_region(catalog: Catalog) -> None:
    # N1 has no on-demand price in northamerica-south1 (the feed lists only Spot there)
    cost = _cost(catalog, "google_compute_instance.mx", {
        "machine_type": "n1-standard-1", "zone": "northamerica-south1-a",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}]}, region="northamerica-south1")
    assert cost.region == "northamerica-south1" and cost.status is ResourceStatus.INCOMPLETE
    assert _status(cost) == {"Instance vCPUs (n1-standard-1, 1 vCPU)": ComponentStatus.MISSING_PRICE,
                             "Instance memory (n1-standard-1, 3.75 GB)": ComponentStatus.MISSING_PRICE,
                             "Boot disk (pd-standard)": ComponentStatus.PRICED}
    assert all("no price in the catalog for northamerica-south1" in r for r in cost.reasons)


def test_instance_preemptible_spot_and_unknowns_are_reported(catalog: Catalog) -> None:
    spot = _cost(catalog, "google_compute_instance.spot", {
        "machine_type": "f1-micro", "zone": "us-central1-a",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}],
        "scheduling": [{"preemptible": False, "provisioning_model": "SPOT"}]})
    assert "preemptible and Spot prices are not priced" in spot.reasons[0]
    assert spot.monthly_cost == D("0.40") and not spot.complete
    unknown = _cost(catalog, "google_compute_instance.x", {"zone": "us-central1-a", "boot_disk": [{}]},
                    unknown={"machine_type": True, "boot_disk": [{"initialize_params": True}]})
    reasons = " ".join(unknown.reasons)
    assert "machine type known only after apply" in reasons
    assert "boot disk size comes from the image" in reasons
    assert unknown.monthly_cost is None


# -- google_compute_disk --------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "expected"), [
    ({"type": "pd-ssd", "size": 200}, {"Storage (pd-ssd)": D("34.00")}),  # 200 x 0.17
    ({"type": "pd-balanced"}, {"Storage (pd-balanced)": D("10.00")}),  # API default 100 GB x 0.10
    ({"size": 20}, {"Storage (pd-standard)": D("0.80")}),  # pd-standard is the default type: 20 x 0.04
    ({}, {"Storage (pd-standard)": D("20.00")}),  # blank disk: 500 GB x 0.04
])
def test_disk_types_and_default_sizes(catalog: Catalog, values: dict, expected: dict) -> None:
    cost = _cost(catalog, "google_compute_disk.d", {"zone": "us-central1-c", **values})
    assert _by_name(cost) == expected and cost.status is ResourceStatus.PRICED


def test_disk_from_image_and_unmapped_types(catalog: Catalog) -> None:
    image = _cost(catalog, "google_compute_disk.boot", {"zone": "us-central1-a", "type": "pd-ssd",
                                                        "image": "debian-cloud/debian-12"})
    assert "size comes from its image or snapshot" in image.reasons[0]
    hyper = _cost(catalog, "google_compute_disk.h", {"zone": "us-central1-a", "type": "hyperdisk-extreme",
                                                     "size": 64})
    assert "hyperdisk-extreme is not mapped" in hyper.reasons[0]
    extreme = _cost(catalog, "google_compute_disk.e", {"zone": "us-central1-a", "type": "pd-extreme",
                                                       "size": 500, "provisioned_iops": 10000})
    assert {c.name: c.status for c in extreme.components} == {
        "Storage (pd-extreme)": ComponentStatus.PRICED, "Provisioned IOPS": ComponentStatus.MISSING_PRICE}
    assert _by_name(extreme)["Storage (pd-extreme)"] == D("62.500")  # 500 x 0.125


# -- google_container_cluster / google_container_node_pool ----------------------------------------
def test_cluster_fee_and_default_pool(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_container_cluster.zonal", {
        "location": "us-central1-a", "initial_node_count": 2,
        "node_config": [{"machine_type": "custom-2-4096", "disk_size_gb": 50, "disk_type": "pd-standard"}]})
    group = "default_pool (2 nodes: 2 per zone (initial_node_count) x zonal cluster)"
    assert _by_name(cost) == {
        "Cluster management fee (zonal)": D("73.0"),  # 730 x 0.10, global SKU
        f"{group} > Instance vCPUs (custom-2-4096, 2 vCPU)": D("96.92064"),  # 2 nodes x 2 x 730 x 0.033192
        f"{group} > Instance memory (custom-2-4096, 4 GB)": D("25.96464"),  # 2 x 4 GB x 730 x 0.004446
        f"{group} > Boot disk (pd-standard)": D("4.00"),  # 2 x 50 GB x 0.04
    }
    assert cost.monthly_cost == D("199.88528")
    fee = cost.components[0]
    assert fee.price_query.startswith("Kubernetes Engine global")


def test_cluster_without_default_pool_pays_only_the_fee(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_container_cluster.regional", {
        "location": "us-central1", "remove_default_node_pool": True, "initial_node_count": 1})
    assert _by_name(cost) == {"Cluster management fee (regional)": D("73.0")}


def test_cluster_inline_pools_replace_the_default_pool(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_container_cluster.pools", {
        "location": "us-central1", "node_locations": ["us-central1-a", "us-central1-b"],
        "node_pool": [{"node_count": 1, "node_config": [{"machine_type": "f1-micro", "disk_size_gb": 10,
                                                          "disk_type": "pd-standard"}]}]})
    group = "node_pool[0] (2 nodes: 1 per zone (node_count) x 2 node locations)"
    assert _by_name(cost) == {
        "Cluster management fee (regional)": D("73.0"),
        f"{group} > Instance usage (f1-micro)": D("11.096"),  # 2 x 730 x 0.0076
        f"{group} > Boot disk (pd-standard)": D("0.80"),  # 2 x 10 GB x 0.04
    }


def test_autopilot_cluster_is_reported_not_priced(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_container_cluster.auto", {"location": "us-central1", "enable_autopilot": True})
    assert cost.status is ResourceStatus.INCOMPLETE
    assert any("Autopilot bills the vCPU, memory and storage pods request" in r for r in cost.reasons)


def test_node_pool_counts_nodes_per_zone(catalog: Catalog) -> None:
    plan = GooglePlan().add("google_container_cluster.main", {
        "location": "us-central1", "node_locations": ["us-central1-a", "us-central1-b"],
        "remove_default_node_pool": True, "initial_node_count": 1,
    }).add("google_container_node_pool.workers", {
        "location": "us-central1", "node_count": 1,
        "node_config": [{"machine_type": "custom-4-8192", "preemptible": False, "spot": False}],
    }, references={"cluster": ["google_container_cluster.main.id", "google_container_cluster.main"]})
    cost = _costs(catalog, plan)["google_container_node_pool.workers"]
    group = "2 nodes: 1 per zone (node_count) x 2 node locations"
    assert _by_name(cost) == {
        f"{group} > Instance vCPUs (custom-4-8192, 4 vCPU)": D("193.84128"),  # 2 x 4 x 730 x 0.033192
        f"{group} > Instance memory (custom-4-8192, 8 GB)": D("51.92928"),  # 2 x 8 x 730 x 0.004446
        f"{group} > Boot disk (pd-balanced)": D("20.00"),  # GKE default 100 GB pd-balanced x 2 x 0.10
    }
    assert cost.monthly_cost == D("265.77056")


def test_node_pool_autoscaling_minimum_and_usage_override(catalog: Catalog) -> None:
    after = {"location": "us-central1-a", "autoscaling": [{"min_node_count": 1, "max_node_count": 5}],
             "node_config": [{"machine_type": "f1-micro", "disk_size_gb": 10, "disk_type": "pd-standard"}]}
    cost = _cost(catalog, "google_container_node_pool.batch", after)
    names = _by_name(cost)
    assert names["1 nodes: 1 per zone (autoscaling minimum) x zonal cluster > Instance usage (f1-micro)"] == \
        D("5.548")  # 730 x 0.0076
    used = _cost(catalog, "google_container_node_pool.batch", after, usage={"nodes": 4})
    assert _by_name(used)["4 nodes from the usage file > Instance usage (f1-micro)"] == D("22.192")  # 4 x 5.548


def test_node_pool_spot_nodes_are_reported(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_container_node_pool.spot", {
        "location": "us-central1-a", "node_count": 2,
        "node_config": [{"machine_type": "f1-micro", "spot": True, "disk_size_gb": 10, "disk_type": "pd-standard"}]})
    assert any("preemptible and Spot prices are not priced" in r for r in cost.reasons)
    assert cost.monthly_cost == D("0.80")  # the boot disks still cost: 2 x 10 x 0.04


# -- google_sql_database_instance -----------------------------------------------------------------
def test_sql_custom_tier_regional_ha_and_backups(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_sql_database_instance.db", {
        "database_version": "POSTGRES_15", "region": "us-central1",
        "settings": [{"tier": "db-custom-2-7680", "availability_type": "REGIONAL", "disk_size": 50,
                      "disk_type": "PD_SSD", "edition": "ENTERPRISE"}]}, usage={"backup_storage_gb": 100})
    assert _by_name(cost) == {
        "vCPUs (2, regional)": D("120.596"),  # 2 x 730 x 0.0826 (regional = 2 x zonal 0.0413)
        "Memory (7.5 GB, regional)": D("76.650"),  # 7680 MB = 7.5 GB x 730 x 0.014
        "Storage (SSD, regional)": D("17.00"),  # 50 x 0.34
        "Backups": D("8.00"),  # 100 x 0.08
    }
    assert cost.monthly_cost == D("222.246")


def test_sql_n1_tier_zonal_default_disk(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_sql_database_instance.pg", {
        "database_version": "POSTGRES_14", "region": "us-central1", "settings": [{"tier": "db-n1-standard-2"}]})
    assert _by_name(cost) == {
        "vCPUs (2, zonal)": D("60.298"),  # 2 x 730 x 0.0413
        "Memory (7.5 GB, zonal)": D("38.325"),  # 3.75 GB per vCPU: 7.5 x 730 x 0.007
        "Storage (SSD, zonal)": D("1.70"),  # default 10 GB x 0.17
        "Backups": None,  # usage-based
    }
    backups = cost.components[-1]
    assert backups.status is ComponentStatus.USAGE_BASED and backups.unit_price == D("0.08")


@pytest.mark.parametrize(("version", "tier", "reason"), [
    ("MYSQL_8_0", "db-n1-standard-2", "legacy MySQL tier db-n1-standard-2 is billed under a per-instance SKU"),
    ("POSTGRES_15", "db-f1-micro", "shared-core tier db-f1-micro"),
    ("SQLSERVER_2019_STANDARD", "db-custom-2-7680", "SQL Server licences are billed under separate SKUs"),
])
def test_sql_tiers_that_are_not_priced_say_why(catalog: Catalog, version: str, tier: str, reason: str) -> None:
    cost = _cost(catalog, "google_sql_database_instance.x", {
        "database_version": version, "region": "us-central1", "settings": [{"tier": tier}]})
    assert cost.status is ResourceStatus.INCOMPLETE and any(reason in r for r in cost.reasons)
    assert _by_name(cost)["Storage (SSD, zonal)"] == D("1.70")


# -- google_storage_bucket ------------------------------------------------------------------------
def test_bucket_multi_region_storage_priced_in_its_location(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_storage_bucket.assets", {"location": "EU", "storage_class": "STANDARD"},
                 usage={"storage_gb": 150, "monthly_class_a_operations": 40000,
                        "monthly_class_b_operations": 20000})
    storage = cost.components[0]
    assert storage.name == "Storage (standard, europe)" and storage.monthly_cost == D("3.900")  # 150 x 0.026
    assert storage.price_query.startswith("Cloud Storage europe")
    # multi-region Standard operations have their own global SKUs, which the snapshot lacks
    assert _status(cost)["Class A operations"] is ComponentStatus.MISSING_PRICE
    assert "Class A operations: no price in the catalog for global" in cost.reasons


def test_bucket_regional_operations(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_storage_bucket.logs", {"location": "US-CENTRAL1"},
                 usage={"monthly_class_a_operations": 40000, "monthly_class_b_operations": 20000})
    assert _by_name(cost)["Class A operations"] == D("0.200000")  # 40,000 x 0.000005
    assert _by_name(cost)["Class B operations"] == D("0.0080000")  # 20,000 x 0.0000004
    # regional Standard storage is priced in the bucket's own region (0.02/GB in us-central1, not europe's 0.026)
    storage = next(c for c in cost.components if c.name == "Storage (standard, us-central1)")
    assert storage.status is ComponentStatus.USAGE_BASED and storage.unit_price == D("0.02")
    dual = _cost(catalog, "google_storage_bucket.dual", {"location": "NAM4"})
    assert "dual-region" in dual.reasons[0]


# -- google_compute_address -----------------------------------------------------------------------
def test_address_unused_in_use_and_internal(catalog: Catalog) -> None:
    plan = GooglePlan().add("google_compute_address.idle", {"address_type": "EXTERNAL", "region": "us-central1"}) \
        .add("google_compute_address.warsaw", {"address_type": "EXTERNAL", "region": "europe-central2"}) \
        .add("google_compute_address.vm_ip", {"address_type": "EXTERNAL", "region": "us-central1"}) \
        .add("google_compute_address.spot_ip", {"address_type": "EXTERNAL", "region": "us-central1"}) \
        .add("google_compute_address.private", {"address_type": "INTERNAL", "region": "us-central1"}) \
        .add("google_compute_instance.vm", {
            "machine_type": "f1-micro", "zone": "us-central1-a",
            "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}],
            "network_interface": [{"access_config": [{}]}]},
            references={"network_interface.0.access_config.0.nat_ip": ["google_compute_address.vm_ip.address",
                                                                       "google_compute_address.vm_ip"]}) \
        .add("google_compute_instance.spot", {
            "machine_type": "f1-micro", "zone": "us-central1-a", "scheduling": [{"preemptible": True}],
            "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}],
            "network_interface": [{"access_config": [{}]}]},
            references={"network_interface.0.access_config.0.nat_ip": ["google_compute_address.spot_ip.address"]})
    costs = _costs(catalog, plan)
    assert _by_name(costs["google_compute_address.idle"]) == {"IP address (unused)": D("7.30")}  # 730 x 0.01
    assert _by_name(costs["google_compute_address.warsaw"]) == {"IP address (unused)": D("8.760")}  # 730 x 0.012
    assert _by_name(costs["google_compute_address.vm_ip"]) == {
        "IP address (in use by a standard VM)": D("3.650")}  # 730 x 0.005, global SKU
    assert _by_name(costs["google_compute_address.spot_ip"]) == {
        "IP address (in use by a preemptible VM)": D("1.8250")}  # 730 x 0.0025
    private = costs["google_compute_address.private"]
    assert private.status is ResourceStatus.FREE and private.reasons == ["internal IP addresses are free"]


def test_address_usage_override(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_address.ip", {"region": "us-central1"}, usage={"used_by": "standard_vm"})
    assert cost.monthly_cost == D("3.650")


# -- google_compute_router_nat --------------------------------------------------------------------
def test_router_nat_vms_capped_at_32_and_data(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_router_nat.nat", {"region": "us-central1", "router": "r"},
                 usage={"assigned_vms": 4, "monthly_data_processed_gb": 1000})
    assert _by_name(cost) == {
        "Gateway uptime (per assigned VM, up to 32)": D("4.0880"),  # 4 x 730 x 0.0014
        "Data processed": D("45.000"),  # 1000 x 0.045
    }
    big = _cost(catalog, "google_compute_router_nat.big", {"region": "us-central1", "router": "r"},
                usage={"assigned_vms": 40})
    # 40 VMs bill as 32: 32 x 730 x 0.0014
    assert _by_name(big)["Gateway uptime (per assigned VM, up to 32, 32 of 40 billed)"] == D("32.7040")
    bare = _cost(catalog, "google_compute_router_nat.bare", {"region": "us-central1", "router": "r"})
    assert bare.status is ResourceStatus.PRICED and bare.monthly_cost == 0
    assert {c.status for c in bare.components} == {ComponentStatus.USAGE_BASED}


# -- google_redis_instance ------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "name", "monthly"), [
    # 5 x 730 x 0.054
    ({"tier": "STANDARD_HA", "memory_size_gb": 5}, "Redis capacity (standard, M2, 5 GB)", D("197.100")),
    # BASIC is the default: 1 x 730 x 0.049
    ({"memory_size_gb": 1}, "Redis capacity (basic, M1, 1 GB)", D("35.770")),
    # 105 x 730 x 0.016
    ({"tier": "BASIC", "memory_size_gb": 105}, "Redis capacity (basic, M5, 105 GB)", D("1226.400")),
])
def test_redis_capacity_tiers(catalog: Catalog, values: dict, name: str, monthly: Decimal) -> None:
    cost = _cost(catalog, "google_redis_instance.cache", {"region": "us-central1", **values})
    assert _by_name(cost) == {name: monthly}


def test_redis_in_a_region_without_rows_is_missing(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_redis_instance.eu", {"region": "europe-west1", "memory_size_gb": 5})
    assert cost.monthly_cost is None and "no price in the catalog for europe-west1" in cost.reasons[0]


# -- google_cloudfunctions_function ---------------------------------------------------------------
def test_cloud_function_compute_time_by_memory_tier(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_cloudfunctions_function.fn", {
        "region": "us-central1", "runtime": "python311", "available_memory_mb": 256},
        usage={"monthly_function_invocations": 10_000_000, "request_duration_ms": 240})
    # 240 ms is billed as 300 ms: 10M x 0.3 s = 3,000,000 s
    assert _by_name(cost) == {
        "Invocations": D("4.0000000"),  # 10M x 0.0000004 (global SKU)
        "CPU time (0.4 GHz)": D("12.00000"),  # 3M s x 0.4 GHz = 1.2M GHz-s x 0.00001
        "Memory time (256 MB)": D("1.8750000"),  # 3M s x 0.25 GB = 750,000 GB-s x 0.0000025
    }
    bare = _cost(catalog, "google_cloudfunctions_function.bare", {"region": "us-central1", "runtime": "go122"})
    assert {c.status for c in bare.components} == {ComponentStatus.USAGE_BASED}
    tier2 = _cost(catalog, "google_cloudfunctions_function.sa", {"region": "southamerica-east1", "runtime": "go122"})
    cpu = next(c for c in tier2.components if c.name.startswith("CPU time"))
    assert "CPU Tier 2" in (cpu.price_query or "") and cpu.status is ComponentStatus.MISSING_PRICE


# -- google_compute_forwarding_rule ---------------------------------------------------------------
def test_forwarding_rule_hours_and_data(catalog: Catalog) -> None:
    cost = _cost(catalog, "google_compute_forwarding_rule.lb", {"region": "us-central1",
                                                                "load_balancing_scheme": "EXTERNAL"},
                 usage={"monthly_ingress_data_gb": 100})
    assert _by_name(cost) == {"Forwarding rule": D("7.30"), "Data processed": D("0.800")}  # 730 x 0.01; 100 x 0.008


# -- free types, registry, usage keys -------------------------------------------------------------
def test_free_google_types_and_unknown_usage_keys(catalog: Catalog) -> None:
    costs = _costs(catalog, GooglePlan().add("google_compute_network.vpc", {"name": "vpc"})
                   .add("google_compute_firewall.https", {"name": "https"})
                   .add("google_project_iam_member.viewer", {"role": "roles/viewer"})
                   .add("google_pubsub_topic.events", {"name": "events"}))
    assert {a: c.status for a, c in costs.items()} == {
        "google_compute_network.vpc": ResourceStatus.FREE, "google_compute_firewall.https": ResourceStatus.FREE,
        "google_project_iam_member.viewer": ResourceStatus.FREE,
        "google_pubsub_topic.events": ResourceStatus.UNSUPPORTED}
    assert not set(registry.supported_types()) & registry.free_types()
    assert set(usage_keys_for("google_storage_bucket")) == {
        "storage_gb", "monthly_class_a_operations", "monthly_class_b_operations"}
    with pytest.raises(InputError, match="unknown usage key 'monthly_hours'"):
        _cost(catalog, "google_redis_instance.r", {"memory_size_gb": 1}, usage={"monthly_hours": 1})


# -- cross-check against Infracost's Google goldens -----------------------------------------------
# (golden test, resource, golden component, golden monthly cost, our component, how configuration maps)
CROSS_CHECKS = [
    ("compute_disk_test", "google_compute_disk.standard_default", "Standard provisioned storage (pd-standard)",
     "20.00", ("google_compute_disk.standard_default", {"type": "pd-standard"}), "Storage (pd-standard)"),
    ("compute_disk_test", "google_compute_disk.ssd_default", "SSD provisioned storage (pd-ssd)", "17.00",
     ("google_compute_disk.ssd_default", {"type": "pd-ssd"}), "Storage (pd-ssd)"),
    ("compute_disk_test", "google_compute_disk.size", "Standard provisioned storage (pd-standard)", "0.80",
     ("google_compute_disk.size", {"type": "pd-standard", "size": 20}), "Storage (pd-standard)"),
    ("compute_address_test", "google_compute_address.static", "IP address (unused)", "7.30",
     ("google_compute_address.static", {"purpose": "GCE_ENDPOINT"}), "IP address (unused)"),
    ("compute_address_test", "google_compute_address.default_diff_region", "IP address (unused)", "8.76",
     ("google_compute_address.default_diff_region", {"region": "europe-central2"}), "IP address (unused)"),
    ("redis_instance_test", "google_redis_instance.basic_m1", "Redis instance (basic, M1)", "35.77",
     ("google_redis_instance.basic_m1", {"memory_size_gb": 1}), "Redis capacity (basic, M1, 1 GB)"),
    ("redis_instance_test", "google_redis_instance.basic_m4", "Redis instance (basic, M4)", "624.15",
     ("google_redis_instance.basic_m4", {"memory_size_gb": 45}), "Redis capacity (basic, M4, 45 GB)"),
    ("redis_instance_test", "google_redis_instance.standard_m3", "Redis instance (standard, M3)", "839.50",
     ("google_redis_instance.standard_m3", {"memory_size_gb": 25, "tier": "STANDARD_HA"}),
     "Redis capacity (standard, M3, 25 GB)"),
    ("redis_instance_test", "google_redis_instance.standard_m5", "Redis instance (standard, M5)", "2299.50",
     ("google_redis_instance.standard_m5", {"memory_size_gb": 105, "tier": "STANDARD_HA"}),
     "Redis capacity (standard, M5, 105 GB)"),
    ("sql_database_instance_test", 'google_sql_database_instance.db_instance["db-custom-4-15360.POSTGRES_15.ZONAL"]',
     "vCPUs (4, zonal)", "120.60",
     ("google_sql_database_instance.db_instance", {"database_version": "POSTGRES_15",
                                                   "settings": [{"tier": "db-custom-4-15360",
                                                                 "availability_type": "ZONAL"}]}),
     "vCPUs (4, zonal)"),
    ("sql_database_instance_test", 'google_sql_database_instance.db_instance["db-custom-4-15360.POSTGRES_15.ZONAL"]',
     "Memory (15 GB, zonal)", "76.65",
     ("google_sql_database_instance.db_instance", {"database_version": "POSTGRES_15",
                                                   "settings": [{"tier": "db-custom-4-15360",
                                                                 "availability_type": "ZONAL"}]}),
     "Memory (15 GB, zonal)"),
    ("sql_database_instance_test",
     'google_sql_database_instance.db_instance["db-n1-standard-8.SQLSERVER_2019_WEB.REGIONAL"]',
     "Storage (SSD, regional)", "3.40",
     ("google_sql_database_instance.db_instance", {"database_version": "SQLSERVER_2019_WEB",
                                                   "settings": [{"tier": "db-n1-standard-8",
                                                                 "availability_type": "REGIONAL"}]}),
     "Storage (SSD, regional)"),
    ("sql_database_instance_test",
     'google_sql_database_instance.db_instance["db-n1-standard-8.POSTGRES_15.REGIONAL"]',
     "vCPUs (8, regional)", "482.38",
     ("google_sql_database_instance.db_instance", {"database_version": "POSTGRES_15",
                                                   "settings": [{"tier": "db-n1-standard-8",
                                                                 "availability_type": "REGIONAL"}]}),
     "vCPUs (8, regional)"),
    ("container_cluster_test", "google_container_cluster.zonal", "Cluster management fee", "73.00",
     ("google_container_cluster.zonal", {"location": "us-central1-a", "remove_default_node_pool": True}),
     "Cluster management fee (zonal)"),
    ("compute_forwarding_rule_test", "google_compute_forwarding_rule.default", "Forwarding rules", "7.30",
     ("google_compute_forwarding_rule.default", {}), "Forwarding rule"),
    ("compute_instance_test", "google_compute_instance.ssd", "SSD provisioned storage (pd-ssd)", "6.80",
     ("google_compute_instance.ssd", {"machine_type": "f1-micro", "zone": "us-central1-a",
                                      "boot_disk": [{"initialize_params": [{"size": 40, "type": "pd-ssd"}]}]}),
     "Boot disk (pd-ssd)"),
    ("compute_instance_test", "google_compute_instance.local_ssd", "Local SSD provisioned storage", "60.00",
     ("google_compute_instance.local_ssd", {"machine_type": "f1-micro", "zone": "us-central1-a",
                                            "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}],
                                            "scratch_disk": [{"interface": "SCSI"}, {"interface": "SCSI"}]}),
     "Local SSD (2 x 375 GB)"),
]
USAGE_CROSS_CHECKS = [
    ("compute_router_nat_test", "google_compute_router_nat.nat", "Assigned VMs (first 32)", "4.09",
     {"assigned_vms": 4, "monthly_data_processed_gb": 1000}, "Gateway uptime (per assigned VM, up to 32)"),
    ("compute_router_nat_test", "google_compute_router_nat.over_32_vms", "Assigned VMs (first 32)", "32.70",
     {"assigned_vms": 32}, "Gateway uptime (per assigned VM, up to 32)"),
    ("compute_router_nat_test", "google_compute_router_nat.nat", "Data processed", "45.00",
     {"assigned_vms": 4, "monthly_data_processed_gb": 1000}, "Data processed"),
    ("compute_forwarding_rule_test", "google_compute_forwarding_rule.default", "Ingress data", "0.80",
     {"monthly_ingress_data_gb": 100}, "Data processed"),
    ("cloudfunctions_function_test", "google_cloudfunctions_function.my_function", "CPU", "12.00",
     {"request_duration_ms": 240, "monthly_function_invocations": 10000000}, "CPU time (0.4 GHz)"),
    ("cloudfunctions_function_test", "google_cloudfunctions_function.my_function", "Memory", "1.88",
     {"request_duration_ms": 240, "monthly_function_invocations": 10000000}, "Memory time (256 MB)"),
    ("cloudfunctions_function_test", "google_cloudfunctions_function.my_function", "Invocations", "4.00",
     {"request_duration_ms": 240, "monthly_function_invocations": 10000000}, "Invocations"),
    ("storage_bucket_test", "google_storage_bucket.EuMulti", "Storage (standard)", "3.90",
     {"storage_gb": 150}, "Storage (standard, europe)"),
]
USAGE_RESOURCES = {
    "google_compute_router_nat": {"region": "us-central1", "router": "example-router"},
    "google_compute_forwarding_rule": {},
    "google_cloudfunctions_function": {"runtime": "nodejs10", "available_memory_mb": 256},
    "google_storage_bucket": {"location": "EU"},
}


def _golden_cost(test: str, resource: str, component: str) -> Decimal:
    lines = parse_golden((GOLDENS / test / f"{test}.golden").read_text(), test)
    found = {line.cost for line in lines if line.resource == resource and line.name == component}
    assert len(found) == 1, f"{test} {resource} {component}: {found}"
    return found.pop()


def _cents(value: Decimal | None) -> Decimal:
    assert value is not None
    return value.quantize(D("0.01"), rounding="ROUND_HALF_UP")


@pytest.mark.parametrize(("test", "resource", "component", "golden", "ours", "our_component"), CROSS_CHECKS,
                         ids=[f"{c[0]}:{c[1]}:{c[2]}" for c in CROSS_CHECKS])
def test_reproduces_infracost_golden_figures(catalog: Catalog, test: str, resource: str, component: str,
                                             golden: str, ours: tuple[str, dict], our_component: str) -> None:
    address, values = ours
    cost = _cost(catalog, address, values)
    assert _cents(_by_name(cost)[our_component]) == D(golden)
    if GOLDENS.is_dir():
        assert _golden_cost(test, resource, component) == D(golden)


@pytest.mark.parametrize(("test", "resource", "component", "golden", "usage", "our_component"), USAGE_CROSS_CHECKS,
                         ids=[f"{c[0]}:{c[1]}:{c[2]}" for c in USAGE_CROSS_CHECKS])
def test_reproduces_infracost_golden_usage_figures(catalog: Catalog, test: str, resource: str, component: str,
                                                   golden: str, usage: dict, our_component: str) -> None:
    cost = _cost(catalog, resource, USAGE_RESOURCES[resource.split(".")[0]], usage=usage)
    assert _cents(_by_name(cost)[our_component]) == D(golden)
    if GOLDENS.is_dir():
        assert _golden_cost(test, resource, component) == D(golden)


def test_sustained_use_discount_explains_infracost_custom_figures(catalog: Catalog) -> None:
    """Infracost discounts a full month of N1 custom by 30%; finguard prices the list price."""
    cost = _cost(catalog, "google_container_node_pool.with_custom_instance", {
        "location": "us-central1", "node_count": 1,
        "node_config": [{"machine_type": "custom-6-20480", "disk_size_gb": 100, "disk_type": "pd-standard"}]})
    names = {c.name.split(" > ", 1)[1]: c.monthly_cost for c in cost.components}
    # 3 nodes (regional cluster, 3 zones): golden 305.30 and 136.31 are these list prices x 0.7
    assert _cents(names["Instance vCPUs (custom-6-20480, 6 vCPU)"] * D("0.7")) == D("305.30")
    assert _cents(names["Instance memory (custom-6-20480, 20 GB)"] * D("0.7")) == D("136.31")
    assert names["Boot disk (pd-standard)"] == D("12.00")  # golden: 300 GB $12.00


@needs_shared
def test_cross_checks_name_real_golden_lines() -> None:
    for test, resource, component, golden, *_ in CROSS_CHECKS + USAGE_CROSS_CHECKS:
        assert _golden_cost(test, resource, component) == D(golden)


# -- the gcp-app example, end to end -------------------------------------------------------------
def test_gcp_app_example_end_to_end(catalog: Catalog) -> None:
    """6.348 + 3.65 + 7.30 + 34.00 + 73.00 + 265.77056 + 214.246 + 197.10 + 7.30 = 808.71456; the bucket's
    storage and the NAT, function and backup components are usage-based."""
    project = load_plan(GCP_APP)
    assert project.format_version == "1.2" and project.terraform_version and not project.warnings
    cost = estimate(project, catalog)
    by_address = {r.address: r for r in cost.resources}
    expected = {
        "google_compute_instance.bastion": D("6.348"),  # f1-micro 5.548 + 20 GB pd-standard 0.80
        "google_compute_address.bastion": D("3.650"),  # in use by the bastion: 730 x 0.005
        "google_compute_address.reserved": D("7.30"),  # unused: 730 x 0.01
        "google_compute_disk.data": D("34.00"),  # 200 GB pd-ssd
        "google_container_cluster.main": D("73.0"),  # regional fee; default pool removed
        "google_container_node_pool.workers": D("265.77056"),  # 2 x custom-4-8192 + 2 x 100 GB pd-balanced
        "google_sql_database_instance.db": D("214.246"),  # 120.596 + 76.65 + 17.00; backups usage-based
        "google_redis_instance.cache": D("197.100"),  # STANDARD_HA 5 GB: M2
        "google_compute_forwarding_rule.web": D("7.30"),
        "google_compute_router_nat.nat": D(0),  # usage-based only
        "google_cloudfunctions_function.thumbnailer": D(0),  # usage-based only
    }
    assert {a: by_address[a].monthly_cost for a in expected} == expected
    assert all(by_address[a].complete for a in expected)
    bucket = by_address["google_storage_bucket.assets"]
    # EU multi-region operation SKUs are not in the snapshot: without usage those lines add nothing to the
    # total, so the bucket is priced (at $0 until usage is given) and its lines say their price is missing
    assert bucket.status is ResourceStatus.PRICED and bucket.monthly_cost == 0
    assert {c.status for c in bucket.components if c.usage_based} >= {ComponentStatus.MISSING_PRICE}
    free = {a for a, r in by_address.items() if r.status is ResourceStatus.FREE}
    assert free == {"google_compute_network.main", "google_compute_subnetwork.app", "google_compute_firewall.https",
                    "google_compute_router.main", "google_service_account.app", "google_project_iam_member.app_sql"}
    assert cost.monthly_cost == sum(expected.values()) == D("808.71456")
    # every figure the total needs is priced; the bucket's missing usage prices are still counted
    assert cost.complete and cost.counts.unsupported == 0 and cost.counts.missing_price_components >= 1
    # the public feed prices machines, disks and IPs; golden-derived figures only what it lacks (GKE, SQL ...)
    sources = set(cost.catalog.sources)
    assert "gcp-cyclenerd" in sources
    assert all(s == "gcp-cyclenerd" or s.startswith("infracost-golden-google-") for s in sources)


def test_gcp_app_example_is_consistent_with_its_terraform() -> None:
    plan = json.loads(GCP_APP.read_text())
    main_tf = (EXAMPLES / "gcp-app" / "main.tf").read_text()
    for change in plan["resource_changes"]:
        assert f'resource "{change["type"]}" "{change["name"]}"' in main_tf, change["address"]
    assert main_tf.count('\nresource "') == len(plan["resource_changes"])
