"""Every Azure cost model against figures computed by hand from the bundled rows (pricing_data/azure).

Rows used (eastus unless stated; USD per unitOfMeasure):
VMs per hour: Standard_F2 Linux 0.099 / Windows 0.192 (westeurope Linux 0.114), Standard_B1s Linux 0.0104,
Standard_A2_v2 Linux 0.0903 / Windows 0.136, Standard_DS2_v2 Linux 0.146, Standard_D2_v3 Linux 0.096,
Basic_A2 Windows 0.133. Disks per month: P4 LRS 5.27 (FOCUS), P10 LRS 19.71, E4 LRS 2.4, E30 LRS 76.8,
S10 LRS 5.89; operations per 10K: E4 LRS 0.002, S4 LRS 0.0005. AKS uptime SLA 0.10/h. Public IP Standard
0.005/h, Global tier 0.01/h, westus Basic static 0.0036/h. Load Balancer: rules above five 0.01/h (Global),
data processed 0.005/GB. NAT Gateway (Global): 0.045/h, 0.045/GB. PostgreSQL flexible (westus): 4 vCore Dsv3
0.39/h, B1ms 0.022/h, storage 0.138/GB, backup 0.095/GB; eastus B1ms 0.017/h. SQL Database: S12 145.17/day,
BC Gen5 8 vCore 2.43548/h, BC licence 0.375/vCore-h (Global), BC storage 0.25/GB, Standard extra storage
0.17/GB, LTR RA-GRS 0.05/GB, PITR RA-GRS 0.20/GB. Blob Storage Hot LRS (westus): capacity 0.0208 / 0.019968 /
0.019136 per GB in tiers 0-50 TB / 50-500 TB / 500 TB+, write 0.055, list 0.055, read 0.0044, other 0.0044 per
10K. App Service: Linux B1 0.017, Linux B2 0.034, Linux P1 v3 0.155, Windows B1 0.075, Windows S1 0.10 per hour.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from finguard.model import ComponentStatus, CostComponent, ResourceCost, ResourceStatus
from finguard.pricing import registry
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.pricing.usage import UsageFile
from finguard.terraform.plan import load_plan, plan_to_project

from .conftest import EXAMPLES, SHARED, needs_shared
from .golden_support import parse_golden

D = Decimal
AZURERM = "registry.terraform.io/hashicorp/azurerm"
GOLDENS = SHARED / "reference" / "infracost-goldens" / "azure" / "testdata"
COMPLIANCE = SHARED / "plans" / "terraform-compliance"
AZURE_APP = EXAMPLES / "azure-app" / "plan.json"


class AzurePlan:
    """A plan document in Terraform's JSON layout with azurerm resources (location on each resource)."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.config: list[dict[str, Any]] = []

    def add(self, address: str, after: dict[str, Any], *, unknown: dict[str, Any] | None = None,
            references: dict[str, list[str]] | None = None) -> AzurePlan:
        base_address, _, key = address.partition("[")
        type_, name = base_address.split(".")
        index: str | None = key.rstrip("]").strip('"') if key else None
        self.changes.append({
            "address": address, "mode": "managed", "type": type_, "name": name, "index": index,
            "provider_name": AZURERM,
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown or {}},
        })
        expressions = {path: {"references": refs} for path, refs in (references or {}).items()}
        base = f"{type_}.{name}"
        if not any(r["address"] == base for r in self.config):
            self.config.append({"address": base, "mode": "managed", "type": type_, "name": name,
                                "provider_config_key": "azurerm", "expressions": expressions})
        return self

    def build(self) -> dict[str, Any]:
        return {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
                "resource_changes": self.changes,
                "configuration": {"provider_config": {"azurerm": {"name": "azurerm", "full_name": AZURERM,
                                                                   "expressions": {}}},
                                  "root_module": {"resources": self.config}}}


def _costs(catalog: Catalog, plan: AzurePlan, usage: dict[str, dict[str, Any]] | None = None) \
        -> dict[str, ResourceCost]:
    usage_file = UsageFile(resource_usage=usage or {})
    result = estimate(plan_to_project(plan.build()), catalog, usage=usage_file)
    return {r.address: r for r in result.resources}


def _cost(catalog: Catalog, address: str, after: dict[str, Any], usage: dict[str, Any] | None = None,
          **kwargs: Any) -> ResourceCost:
    plan = AzurePlan().add(address, after, **kwargs)
    return _costs(catalog, plan, {address: usage} if usage else None)[address]


def _by_name(cost: ResourceCost) -> dict[str, Decimal | None]:
    return {c.name: c.monthly_cost for c in cost.components}


def _component(cost: ResourceCost, name: str) -> CostComponent:
    return next(c for c in cost.components if c.name == name)


# -- virtual machines -----------------------------------------------------------------------------
def test_linux_virtual_machine_hours_and_os_disk_tier(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_linux_virtual_machine.app", {
        "location": "East US", "size": "Standard_F2", "priority": "Regular",
        "os_disk": [{"storage_account_type": "Premium_LRS", "disk_size_gb": 30, "caching": "ReadWrite"}]})
    assert cost.region == "eastus"
    assert _by_name(cost) == {
        "Instance usage (Linux, pay as you go, Standard_F2)": D("72.27"),  # 730 x 0.099
        "os_disk > Storage (P4, LRS)": D("5.27"),  # 30 GB -> P4 (32 GB), 1 month x 5.27
    }
    assert cost.status is ResourceStatus.PRICED and cost.monthly_cost == D("77.54")
    # the size is matched however it is cased; monthly_hrs replaces the 730 hours
    part_time = _cost(catalog, "azurerm_linux_virtual_machine.batch", {
        "location": "eastus", "size": "standard_b1s",
        "os_disk": [{"storage_account_type": "StandardSSD_LRS", "disk_size_gb": 30}]}, usage={"monthly_hrs": 100})
    assert _by_name(part_time) == {
        "Instance usage (Linux, pay as you go, standard_b1s)": D("1.04"),  # 100 x 0.0104
        "os_disk > Storage (E4, LRS)": D("2.4"), "os_disk > Disk operations": None}
    assert _component(part_time, "os_disk > Disk operations").unit_price == D("0.002")  # E4 LRS, per 10K


def test_linux_virtual_machine_unknowns_and_missing_prices(catalog: Catalog) -> None:
    from_image = _cost(catalog, "azurerm_linux_virtual_machine.a", {
        "location": "eastus", "size": "Standard_F2", "os_disk": [{"storage_account_type": "Premium_LRS"}]})
    assert from_image.status is ResourceStatus.INCOMPLETE and from_image.monthly_cost == D("72.27")
    assert "OS disk size comes from the image" in from_image.reasons[0]
    spot = _cost(catalog, "azurerm_linux_virtual_machine.s", {
        "location": "eastus", "size": "Standard_F2", "priority": "Spot",
        "os_disk": [{"storage_account_type": "Premium_LRS", "disk_size_gb": 30}]})
    assert "Spot VMs are billed at the current spot price" in spot.reasons[0]
    # a price seen only in eastus (Standard_NC6, retired: no feed lists it) is not borrowed for another region
    west = _cost(catalog, "azurerm_linux_virtual_machine.w", {
        "location": "westus2", "size": "Standard_NC6", "os_disk": [{"storage_account_type": "Premium_LRS",
                                                                    "disk_size_gb": 30}]})
    statuses = {c.status for c in west.components}
    assert statuses == {ComponentStatus.MISSING_PRICE} and west.monthly_cost is None
    europe = _cost(catalog, "azurerm_linux_virtual_machine.e", {
        "location": "West Europe", "size": "Standard_F2", "os_disk": [{"storage_account_type": "StandardSSD_LRS",
                                                                        "disk_size_gb": 30}]})
    assert europe.monthly_cost == D("83.22") + D("2.4")  # 730 x 0.114 + E4 2.40 (westeurope's own rows)


def test_windows_virtual_machine_rate_hybrid_benefit_and_disk_operations(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_windows_virtual_machine.app", {
        "location": "eastus", "size": "Standard_A2_v2",
        "os_disk": [{"storage_account_type": "StandardSSD_LRS", "disk_size_gb": 1000}]},
        usage={"monthly_disk_operations": 20000})
    assert _by_name(cost) == {
        "Instance usage (Windows, pay as you go, Standard_A2_v2)": D("99.28"),  # 730 x 0.136
        "os_disk > Storage (E30, LRS)": D("76.8"),  # 1000 GB -> E30 (1 TiB)
        "os_disk > Disk operations": D("0.004"),  # 20,000 ops = 2 x 10K x 0.002 (E4 LRS meter)
    }
    hybrid = _cost(catalog, "azurerm_windows_virtual_machine.ahb", {
        "location": "eastus", "size": "Standard_A2_v2", "license_type": "Windows_Server",
        "os_disk": [{"storage_account_type": "Premium_LRS", "disk_size_gb": 128}]})
    assert _by_name(hybrid) == {
        "Instance usage (Windows, hybrid benefit, Standard_A2_v2)": D("65.919"),  # Linux rate: 730 x 0.0903
        "os_disk > Storage (P10, LRS)": D("19.71")}


def test_linux_scale_set_instances(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_linux_virtual_machine_scale_set.web", {
        "location": "eastus", "sku": "Standard_F2", "instances": 3,
        "os_disk": [{"storage_account_type": "StandardSSD_LRS", "disk_size_gb": 30}]})
    assert _by_name(cost) == {
        "Instance usage (Linux, pay as you go, Standard_F2)": D("216.81"),  # 3 x 730 x 0.099
        "os_disk > Storage (E4, LRS)": D("7.2"),  # 3 x 2.40
        "os_disk > Disk operations": None,
    }
    autoscaled = _cost(catalog, "azurerm_linux_virtual_machine_scale_set.web", {
        "location": "eastus", "sku": "Standard_F2", "instances": 3,
        "os_disk": [{"storage_account_type": "StandardSSD_LRS", "disk_size_gb": 30}]}, usage={"instances": 5})
    assert autoscaled.components[0].monthly_cost == D("361.35")  # 5 x 730 x 0.099


def test_windows_scale_set(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_windows_virtual_machine_scale_set.w", {
        "location": "eastus", "sku": "Basic_A2", "instances": 2,
        "os_disk": [{"storage_account_type": "Premium_LRS", "disk_size_gb": 100}]})
    assert _by_name(cost) == {"Instance usage (Windows, pay as you go, Basic_A2)": D("194.18"),  # 2 x 730 x 0.133
                              "os_disk > Storage (P10, LRS)": D("39.42")}  # 2 x 19.71


def test_legacy_virtual_machine_os_and_disks(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_virtual_machine.legacy", {
        "location": "eastus", "vm_size": "Standard_DS2_v2", "os_profile_linux_config": [{}],
        "storage_os_disk": [{"managed_disk_type": "Premium_LRS", "disk_size_gb": 128, "create_option": "FromImage"}],
        "storage_data_disk": [{"managed_disk_type": "Standard_LRS", "disk_size_gb": 100, "lun": 0}]})
    assert _by_name(cost) == {
        "Instance usage (Linux, pay as you go, Standard_DS2_v2)": D("106.58"),  # 730 x 0.146
        "storage_os_disk > Storage (P10, LRS)": D("19.71"),
        "storage_data_disk[0] > Storage (S10, LRS)": D("5.89"),
        "storage_data_disk[0] > Disk operations": None,  # S4 LRS meter, 0.0005 per 10K
    }
    unknown_os = _cost(catalog, "azurerm_virtual_machine.x", {
        "location": "eastus", "vm_size": "Standard_DS2_v2",
        "storage_os_disk": [{"managed_disk_type": "Premium_LRS", "disk_size_gb": 30}]})
    assert "operating system not stated" in unknown_os.reasons[0]


def test_managed_disk_tiers(catalog: Catalog) -> None:
    def disk(kind: str, size: int, **usage: int) -> ResourceCost:
        return _cost(catalog, "azurerm_managed_disk.d", {"location": "eastus", "storage_account_type": kind,
                                                           "disk_size_gb": size, "create_option": "Empty"},
                     usage=usage or None)

    assert _by_name(disk("Premium_LRS", 100)) == {"Storage (P10, LRS)": D("19.71")}  # 100 GB -> P10 (128 GB)
    assert _by_name(disk("Premium_LRS", 32)) == {"Storage (P4, LRS)": D("5.27")}
    assert _by_name(disk("StandardSSD_LRS", 1024, monthly_disk_operations=1_000_000)) == {
        "Storage (E30, LRS)": D("76.8"), "Disk operations": D("0.2")}  # 100 x 10K x 0.002
    hdd = disk("Standard_LRS", 100)
    assert _by_name(hdd) == {"Storage (S10, LRS)": D("5.89"), "Disk operations": None}
    assert _component(hdd, "Disk operations").unit_price == D("0.0005")  # S4 LRS meter for every Standard HDD
    ultra = disk("UltraSSD_LRS", 1024)
    assert "billed per provisioned GiB" in ultra.reasons[0]
    too_big = disk("Premium_LRS", 40000)
    assert "no managed disk tier" in too_big.reasons[0]


# -- AKS ------------------------------------------------------------------------------------------
def test_kubernetes_cluster_sla_nodes_and_os_disks(catalog: Catalog) -> None:
    cluster = {"location": "eastus", "sku_tier": "Standard",
               "default_node_pool": [{"name": "system", "vm_size": "Standard_DS2_v2", "node_count": 3,
                                      "os_disk_size_gb": 128, "os_disk_type": "Managed"}]}
    cost = _cost(catalog, "azurerm_kubernetes_cluster.main", cluster)
    assert _by_name(cost) == {
        "Uptime SLA": D("73.0"),  # 730 x 0.10
        "default_node_pool > Instance usage (Linux, pay as you go, Standard_DS2_v2)": D("319.74"),  # 3 x 730 x 0.146
        "default_node_pool > os_disk > Storage (P10, LRS)": D("59.13"),  # premium-capable size: 3 x P10 19.71
    }
    free = _cost(catalog, "azurerm_kubernetes_cluster.free", {
        **cluster, "sku_tier": "Free",
        "default_node_pool": [{"vm_size": "Standard_DS2_v2", "node_count": 1, "os_disk_type": "Ephemeral"}]})
    assert _by_name(free) == {"default_node_pool > Instance usage (Linux, pay as you go, Standard_DS2_v2)": D("106.58")}
    autoscaled = _cost(catalog, "azurerm_kubernetes_cluster.auto", {
        **cluster, "default_node_pool": [{"vm_size": "Standard_DS2_v2", "auto_scaling_enabled": True, "min_count": 2,
                                          "max_count": 5, "os_disk_type": "Ephemeral"}]},
        unknown={"default_node_pool": [{"node_count": True}]})
    assert "autoscaled between min_count 2 and max_count 5" in " ".join(autoscaled.reasons)
    with_usage = _cost(catalog, "azurerm_kubernetes_cluster.auto", {
        **cluster, "default_node_pool": [{"vm_size": "Standard_DS2_v2", "auto_scaling_enabled": True, "min_count": 2,
                                          "max_count": 5, "os_disk_type": "Ephemeral"}]},
        usage={"default_node_pool_nodes": 4})
    assert with_usage.monthly_cost == D("73.0") + D("426.32")  # SLA + 4 x 730 x 0.146


def test_kubernetes_node_pool_is_priced_in_its_clusters_region(catalog: Catalog) -> None:
    plan = AzurePlan()
    plan.add("azurerm_kubernetes_cluster.main", {
        "location": "eastus", "sku_tier": "Free",
        "default_node_pool": [{"vm_size": "Standard_DS2_v2", "node_count": 1, "os_disk_type": "Ephemeral"}]})
    plan.add("azurerm_kubernetes_cluster_node_pool.batch", {
        "vm_size": "Standard_D2_v3", "node_count": 2, "os_disk_size_gb": 100, "os_type": "Linux"},
        references={"kubernetes_cluster_id": ["azurerm_kubernetes_cluster.main.id", "azurerm_kubernetes_cluster.main"]})
    plan.add("azurerm_kubernetes_cluster_node_pool.win", {
        "vm_size": "Basic_A2", "node_count": 1, "os_sku": "Windows2022", "os_disk_type": "Ephemeral"},
        references={"kubernetes_cluster_id": ["azurerm_kubernetes_cluster.main.id", "azurerm_kubernetes_cluster.main"]})
    costs = _costs(catalog, plan)
    assert _by_name(costs["azurerm_kubernetes_cluster_node_pool.batch"]) == {
        "Instance usage (Linux, pay as you go, Standard_D2_v3)": D("140.16"),  # 2 x 730 x 0.096
        "os_disk > Storage (S10, LRS)": D("11.78"),  # not premium-capable: Standard HDD, 2 x 5.89
        "os_disk > Disk operations": None,
    }
    assert _by_name(costs["azurerm_kubernetes_cluster_node_pool.win"]) == {
        "Instance usage (Windows, pay as you go, Basic_A2)": D("97.09")}  # 730 x 0.133
    # without the cluster in the plan, the pool's region is unknown: nothing is guessed
    orphan = _cost(catalog, "azurerm_kubernetes_cluster_node_pool.x",
                   {"vm_size": "Standard_D2_v3", "node_count": 1, "os_disk_type": "Ephemeral"})
    assert "region unknown" in orphan.reasons[0]


# -- databases ------------------------------------------------------------------------------------
def test_postgresql_flexible_server(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_postgresql_flexible_server.db", {
        "location": "westus", "sku_name": "GP_Standard_D4s_v3", "storage_mb": 32768, "high_availability": []},
        usage={"additional_backup_storage_gb": 5000})
    assert _by_name(cost) == {
        "Compute (GP_Standard_D4s_v3)": D("284.7"),  # 730 x 0.39
        "Storage": D("4.416"),  # 32768 MB = 32 GB x 0.138
        "Additional backup storage": D("475.0"),  # 5000 x 0.095
    }
    ha = _cost(catalog, "azurerm_postgresql_flexible_server.ha", {
        "location": "westus", "sku_name": "GP_Standard_D4s_v3", "storage_mb": 32768,
        "high_availability": [{"mode": "ZoneRedundant"}]})
    assert ha.monthly_cost == D("569.4") + D("8.832")  # primary + standby: 2 x 284.70, 2 x 4.416
    east = _cost(catalog, "azurerm_postgresql_flexible_server.east", {
        "location": "eastus", "sku_name": "B_Standard_B1ms", "storage_mb": 32768})
    assert _component(east, "Compute (B_Standard_B1ms)").monthly_cost == D("12.41")  # 730 x 0.017
    assert _component(east, "Storage").status is ComponentStatus.MISSING_PRICE  # storage seen in westus only
    odd = _cost(catalog, "azurerm_postgresql_flexible_server.o", {"location": "westus", "sku_name": "Standard_D4s_v3"})
    assert "not of the form" in odd.reasons[0]


def test_mssql_database_dtu_and_vcore(catalog: Catalog) -> None:
    plan = AzurePlan()
    plan.add("azurerm_mssql_server.sql", {"location": "eastus", "version": "12.0"})
    server = {"server_id": ["azurerm_mssql_server.sql.id", "azurerm_mssql_server.sql"]}
    plan.add("azurerm_mssql_database.dtu", {"sku_name": "S12", "max_size_gb": 500}, references=server)
    plan.add("azurerm_mssql_database.bc", {"sku_name": "BC_Gen5_8", "max_size_gb": 10,
                                           "license_type": "LicenseIncluded"}, references=server)
    plan.add("azurerm_mssql_database.pool", {"sku_name": "ElasticPool"}, references=server)
    costs = _costs(catalog, plan, {"azurerm_mssql_database.bc": {"long_term_retention_storage_gb": 1000}})
    assert costs["azurerm_mssql_server.sql"].status is ResourceStatus.FREE
    dtu = _by_name(costs["azurerm_mssql_database.dtu"])
    assert dtu["Compute (S12)"].quantize(D("0.0001")) == D("4415.5875")  # 145.17/day x 730/24 days
    assert dtu["Extra data storage"] == D("42.5")  # (500 - 250 included) GB x 0.17
    assert dtu["Long-term retention (RA-GRS)"] is None and dtu["PITR backup storage (RA-GRS)"] is None
    assert _by_name(costs["azurerm_mssql_database.bc"]) == {
        "Compute (provisioned, BC_Gen5_8)": D("1777.9004"),  # 730 x 2.43548
        "SQL license": D("2190.0"),  # 8 vCores x 730 x 0.375 (one price for all regions)
        "Storage": D("2.5"),  # 10 GB x 0.25
        "Long-term retention (RA-GRS)": D("50.0"),  # 1000 GB x 0.05
        "PITR backup storage (RA-GRS)": None,
    }
    assert costs["azurerm_mssql_database.pool"].status is ResourceStatus.FREE


# -- storage --------------------------------------------------------------------------------------
def test_storage_account_capacity_tiers_and_operations(catalog: Catalog) -> None:
    account = {"location": "westus", "account_kind": "StorageV2", "account_tier": "Standard",
               "account_replication_type": "LRS", "access_tier": "Hot"}
    cost = _cost(catalog, "azurerm_storage_account.data", account, usage={
        "storage_gb": 100_000, "monthly_write_operations": 1_000_000, "monthly_read_operations": 100_000,
        "monthly_list_and_create_container_operations": 1_000_000, "monthly_other_operations": 1_000_000})
    assert _by_name(cost) == {
        "Capacity": D("2039.3984"),  # 51,200 x 0.0208 + 48,800 x 0.019968
        "Write operations": D("5.5"),  # 100 x 10K x 0.055
        "List and create container operations": D("5.5"),
        "Read operations": D("0.044"),  # 10 x 10K x 0.0044
        "All other operations": D("0.44"),
    }
    no_usage = _cost(catalog, "azurerm_storage_account.data", account)
    assert no_usage.status is ResourceStatus.PRICED and no_usage.monthly_cost == 0
    assert {c.status for c in no_usage.components} == {ComponentStatus.USAGE_BASED}
    files = _cost(catalog, "azurerm_storage_account.f", {**account, "account_kind": "FileStorage"})
    assert "not modelled" in files.reasons[0]


# -- networking -----------------------------------------------------------------------------------
def test_public_ip_sku_allocation_and_tier(catalog: Catalog) -> None:
    def ip(location: str, **values: str) -> ResourceCost:
        return _cost(catalog, "azurerm_public_ip.ip", {"location": location, "ip_version": "IPv4", **values})

    assert _by_name(ip("eastus", sku="Standard", allocation_method="Static", sku_tier="Regional")) == {
        "IP address (static, regional)": D("3.65")}  # 730 x 0.005
    assert _by_name(ip("eastus", sku="Standard", allocation_method="Static", sku_tier="Global")) == {
        "IP address (static, global)": D("7.3")}  # 730 x 0.01
    assert _by_name(ip("westus", sku="Basic", allocation_method="Static", sku_tier="Regional")) == {
        "IP address (static, regional)": D("2.628")}  # 730 x 0.0036
    assert "provider default depends" in ip("eastus", allocation_method="Static").reasons[0]


def test_load_balancer_basic_free_standard_rules_and_data(catalog: Catalog) -> None:
    assert _cost(catalog, "azurerm_lb.basic", {"location": "eastus", "sku": "Basic"}).status is ResourceStatus.FREE
    plan = AzurePlan().add("azurerm_lb.web", {"location": "eastus", "sku": "Standard"})
    for i in range(7):
        plan.add(f"azurerm_lb_rule.r{i}", {"name": f"r{i}", "protocol": "Tcp"},
                 references={"loadbalancer_id": ["azurerm_lb.web.id", "azurerm_lb.web"]})
    costs = _costs(catalog, plan, {"azurerm_lb.web": {"monthly_data_processed_gb": 100}})
    lb = costs["azurerm_lb.web"]
    assert _by_name(lb) == {
        "Rules (first 5)": None,  # no public figure for the included-rules meter
        "Rules (above 5)": D("14.6"),  # 2 rules x 730 x 0.01
        "Data processed": D("0.5"),  # 100 GB x 0.005
    }
    assert _component(lb, "Rules (first 5)").status is ComponentStatus.MISSING_PRICE
    assert costs["azurerm_lb_rule.r0"].status is ResourceStatus.FREE
    no_rules = _cost(catalog, "azurerm_lb.internal", {"location": "eastus", "sku": "Standard"})
    assert _by_name(no_rules) == {"Data processed": None} and no_rules.status is ResourceStatus.PRICED


def test_nat_gateway_is_priced_on_the_global_meters(catalog: Catalog) -> None:
    cost = _cost(catalog, "azurerm_nat_gateway.egress", {"location": "westeurope", "sku_name": "Standard"},
                 usage={"monthly_data_processed_gb": 10})
    assert _by_name(cost) == {"NAT gateway": D("32.85"), "Data processed": D("0.45")}  # 730 x 0.045, 10 x 0.045
    assert all("NAT Gateway Global" in (c.price_query or "") for c in cost.components)


# -- App Service ----------------------------------------------------------------------------------
def test_service_plan_sku_os_and_workers(catalog: Catalog) -> None:
    def plan(sku: str, os_type: str, workers: int = 1) -> ResourceCost:
        return _cost(catalog, "azurerm_service_plan.p", {"location": "eastus", "sku_name": sku, "os_type": os_type,
                                                          "worker_count": workers})

    assert _by_name(plan("P1v3", "Linux", 2)) == {"Instance usage (P1v3)": D("226.3")}  # 2 x 730 x 0.155
    assert _by_name(plan("B1", "Windows")) == {"Instance usage (B1)": D("54.75")}  # 730 x 0.075
    assert _by_name(plan("B1", "WindowsContainer")) == {"Instance usage (B1)": D("54.75")}
    assert plan("F1", "Linux").status is ResourceStatus.FREE
    assert plan("Y1", "Linux").status is ResourceStatus.FREE
    assert "not modelled" in plan("EP1", "Linux").reasons[0]


def test_app_service_plan_kind_and_capacity(catalog: Catalog) -> None:
    linux = _cost(catalog, "azurerm_app_service_plan.b", {
        "location": "eastus", "kind": "Linux", "reserved": True,
        "sku": [{"tier": "Basic", "size": "B2", "capacity": 1}]})
    assert _by_name(linux) == {"Instance usage (B2)": D("24.82")}  # 730 x 0.034
    windows = _cost(catalog, "azurerm_app_service_plan.s", {
        "location": "eastus", "kind": "Windows", "reserved": False,
        "sku": [{"tier": "Standard", "size": "S1", "capacity": 5}]})
    assert _by_name(windows) == {"Instance usage (S1)": D("365.0")}  # 5 x 730 x 0.10


# -- registry -------------------------------------------------------------------------------------
def test_models_declare_usage_keys_and_free_types_are_listed() -> None:
    priced = {t for t in registry.supported_types() if t.startswith("azurerm_")}
    assert priced >= {
        "azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_managed_disk",
        "azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool", "azurerm_postgresql_flexible_server",
        "azurerm_mssql_database", "azurerm_storage_account", "azurerm_public_ip", "azurerm_lb", "azurerm_nat_gateway",
        "azurerm_service_plan", "azurerm_app_service_plan"}
    assert "storage_gb" in registry.model_for("azurerm_storage_account").usage_keys
    assert "monthly_data_processed_gb" in registry.model_for("azurerm_nat_gateway").usage_keys
    free = registry.free_types()
    assert {"azurerm_resource_group", "azurerm_virtual_network", "azurerm_subnet", "azurerm_network_security_group",
            "azurerm_lb_rule"} <= free
    assert not priced & free


# -- Infracost goldens ----------------------------------------------------------------------------
def _golden_lines(test: str) -> list[Any]:
    return parse_golden((GOLDENS / test / f"{test}.golden").read_text(), test)


SERVER = {"server_id": ["azurerm_mssql_server.example.id", "azurerm_mssql_server.example"]}
STORAGE_USAGE = {"storage_gb": 4000000, "monthly_write_operations": 4000000,
                 "monthly_list_and_create_container_operations": 4000000, "monthly_read_operations": 400000,
                 "monthly_other_operations": 4000000}
# (golden test, address, type, values from its .tf, usage from its .usage.yml, golden lines finguard does not
# reproduce and why)
GOLDEN_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, str]]] = [
    ("linux_virtual_machine_test", "azurerm_linux_virtual_machine.standard_f2_premium_disk",
     {"location": "eastus", "size": "Standard_F2", "os_disk": [{"storage_account_type": "Premium_LRS"}]}, {},
     {"os_disk > Storage (P4, LRS)": "Infracost assumes a 30 GB OS disk; finguard leaves the image's size unknown"}),
    ("windows_virtual_machine_test", "azurerm_windows_virtual_machine.standard_a2_v2_custom_disk",
     {"location": "eastus", "size": "Standard_A2_v2",
      "os_disk": [{"storage_account_type": "StandardSSD_LRS", "disk_size_gb": 1000}]},
     {"monthly_disk_operations": 20000}, {}),
    ("kubernetes_cluster_test", "azurerm_kubernetes_cluster.paid_D2SV2_3nc_128gb",
     {"location": "eastus", "sku_tier": "Standard",
      "default_node_pool": [{"vm_size": "Standard_DS2_v2", "node_count": 3, "os_disk_size_gb": 128}]}, {}, {}),
    ("kubernetes_cluster_node_pool_test", "azurerm_kubernetes_cluster_node_pool.Standard_DS2_v2",
     {"location": "eastus", "vm_size": "Standard_DS2_v2", "node_count": 2, "os_disk_type": "Ephemeral"}, {}, {}),
    ("nat_gateway_test", "azurerm_nat_gateway.my_gateway",
     {"location": "westeurope", "sku_name": "Standard"}, {"monthly_data_processed_gb": 10}, {}),
    ("public_ip_test", "azurerm_public_ip.global",
     {"location": "eastus", "allocation_method": "Static", "sku": "Standard", "sku_tier": "Global"}, {}, {}),
    ("public_ip_test", "azurerm_public_ip.example",
     {"location": "eastus", "allocation_method": "Static", "sku": "Standard", "sku_tier": "Regional"}, {}, {}),
    ("lb_test", "azurerm_lb.standard", {"location": "eastus", "sku": "Standard"},
     {"monthly_data_processed_gb": 100}, {}),
    ("lb_test", "azurerm_lb.withoutUsage", {"location": "eastus", "sku": "Standard"}, {}, {}),
    ("postgresql_flexible_server_test", "azurerm_postgresql_flexible_server.gp",
     {"location": "westus", "sku_name": "GP_Standard_D4s_v3", "storage_mb": 32768},
     {"additional_backup_storage_gb": 5000}, {}),
    ("postgresql_flexible_server_test", "azurerm_postgresql_flexible_server.mo",
     {"location": "westus", "sku_name": "MO_Standard_E4s_v3", "storage_mb": 65536},
     {"additional_backup_storage_gb": 5000}, {}),
    ("postgresql_flexible_server_test", "azurerm_postgresql_flexible_server.burstable",
     {"location": "westus", "sku_name": "B_Standard_B1ms", "storage_mb": 131072},
     {"additional_backup_storage_gb": 5000}, {}),
    ("mssql_database_test", "azurerm_mssql_database.business_critical_gen",
     {"sku_name": "BC_Gen5_8", "max_size_gb": 10}, {}, {}),
    ("mssql_database_test", "azurerm_mssql_database.standard12", {"sku_name": "S12", "max_size_gb": 500}, {}, {}),
    ("mssql_database_test", "azurerm_mssql_database.premium6", {"sku_name": "P6"},
     {"long_term_retention_storage_gb": 1000, "extra_data_storage_gb": 500}, {}),
    ("storage_account_test", 'azurerm_storage_account.storagev2["StorageV2.Standard.LRS.Hot"]',
     {"location": "westus", "account_kind": "StorageV2", "account_tier": "Standard", "account_replication_type": "LRS",
      "access_tier": "Hot"}, STORAGE_USAGE, {"Blob index": "blob index tags are not modelled"}),
    ("service_plan_test", 'azurerm_service_plan.example["Linux.B1.1"]',
     {"location": "eastus", "sku_name": "B1", "os_type": "Linux", "worker_count": 1}, {}, {}),
    ("service_plan_test", 'azurerm_service_plan.example["Windows.P1v3.2"]',
     {"location": "eastus", "sku_name": "P1v3", "os_type": "Windows", "worker_count": 2}, {}, {}),
    ("app_service_plan_test", "azurerm_app_service_plan.basic",
     {"location": "eastus", "kind": "Linux", "reserved": False,
      "sku": [{"tier": "Basic", "size": "B2", "capacity": 1}]}, {}, {}),
    ("app_service_plan_test", "azurerm_app_service_plan.standard_s2",
     {"location": "eastus", "kind": "Windows", "reserved": False,
      "sku": [{"tier": "Standard", "size": "S1", "capacity": 5}]}, {}, {}),
]


@needs_shared
@pytest.mark.parametrize(("test", "address", "values", "usage", "exceptions"), GOLDEN_CASES,
                         ids=[case[1] for case in GOLDEN_CASES])
def test_reproduces_infracost_golden_figures(catalog: Catalog, test: str, address: str, values: dict[str, Any],
                                              usage: dict[str, Any], exceptions: dict[str, str]) -> None:
    plan = AzurePlan()
    references = None
    if address.startswith("azurerm_mssql_database."):
        plan.add("azurerm_mssql_server.example", {"location": "eastus"})
        references = SERVER
    plan.add(address, values, references=references)
    cost = _costs(catalog, plan, {address: usage} if usage else None)[address]
    ours = {c.name: c for c in cost.components}
    lines = [line for line in _golden_lines(test) if line.resource == address]
    assert lines, f"{address} not in {test}.golden"
    tier_prices: list[Decimal] = []
    for line in lines:
        name = " > ".join((*line.path, line.name))
        if name in exceptions or line.name in exceptions:
            continue
        if line.name.startswith("Capacity ("):  # Infracost prints one line per tier; finguard one tiered component
            tier_prices.append(line.cost / line.qty)
            continue
        assert name in ours, f"{name} missing from {sorted(ours)}"
        component = ours[name]
        if line.cost is not None:
            assert component.monthly_cost is not None, (name, component.reason)
            assert component.monthly_cost.quantize(D("0.01"), rounding="ROUND_HALF_UP") == line.cost, name
        else:
            assert component.status is ComponentStatus.USAGE_BASED and component.unit_price is not None
            exact = line.unit_price < D("0.1")  # Infracost prints larger unit prices rounded to cents
            assert (component.unit_price if exact else component.unit_price.quantize(D("0.01"))) == line.unit_price
    if tier_prices:
        # Hot capacity tiers are 0-51,200 GB, 51,200-512,000 GB and above (the API's tierMinimumUnits). Infracost
        # fills its "next 450TB" line with 512,000 GB (the boundary, not the 460,800 GB width), so only the
        # per-GB prices of its lines are compared, applied to the real tier widths.
        first, second, third = tier_prices
        stored = D(usage["storage_gb"])
        expected = 51200 * first + 460800 * second + (stored - 512000) * third
        assert ours["Capacity"].monthly_cost.quantize(D("0.01")) == expected.quantize(D("0.01"))


# -- real plans -----------------------------------------------------------------------------------
@needs_shared
@pytest.mark.parametrize("name", ["test_issue-294.json", "test_issue-394.json"])
def test_terraform_compliance_azurerm_plans_price_without_errors(catalog: Catalog, name: str) -> None:
    project = load_plan(COMPLIANCE / name)
    cost = estimate(project, catalog)
    azurerm = [r for r in cost.resources if r.type.startswith("azurerm_")]
    assert azurerm
    for resource in azurerm:
        assert resource.status is not ResourceStatus.UNSUPPORTED, resource.address
        assert not any(reason.startswith("cannot read attributes") for reason in resource.reasons), resource.reasons
    if name == "test_issue-294.json":
        vms = {r.address: r for r in azurerm if r.type == "azurerm_virtual_machine"}
        names = {c.name for vm in vms.values() for c in vm.components}
        assert {"Instance usage (Linux, pay as you go, Standard_D2s_v3)",
                "Instance usage (Windows, pay as you go, Standard_D2s_v3)"} <= names
        # location comes from a resource group created in the same plan: unknown, so nothing is priced
        assert all("region unknown" in " ".join(vm.reasons) for vm in vms.values())
    else:
        accounts = [r for r in azurerm if r.type == "azurerm_storage_account"]
        # StorageV2 Standard LRS, access tier not configured (Hot): usage-based blob meters, not in eastus
        assert {c.name for c in accounts[0].components} >= {"Capacity", "Write operations"}
        assert all(c.status is ComponentStatus.MISSING_PRICE for a in accounts for c in a.components)


# -- example project ------------------------------------------------------------------------------
def test_azure_app_example_end_to_end(catalog: Catalog) -> None:
    plan = json.loads(AZURE_APP.read_text())
    usage = UsageFile(resource_usage={
        "azurerm_nat_gateway.egress": {"monthly_data_processed_gb": 500},
        "azurerm_lb.web": {"monthly_data_processed_gb": 2000},
        "azurerm_storage_account.backups": {"storage_gb": 2048, "monthly_write_operations": 200_000,
                                            "monthly_read_operations": 50_000,
                                            "monthly_list_and_create_container_operations": 10_000,
                                            "monthly_other_operations": 10_000},
    })
    cost = estimate(plan_to_project(plan), catalog, usage=usage)
    by_address = {r.address: r for r in cost.resources}
    expected = {
        "azurerm_public_ip.nat": D("3.65"),  # 730 x 0.005
        "azurerm_public_ip.web": D("3.65"),
        "azurerm_nat_gateway.egress": D("55.35"),  # 730 x 0.045 + 500 GB x 0.045
        "azurerm_linux_virtual_machine_scale_set.web": D("224.01"),  # 3 x 730 x 0.099 + 3 x E4 2.40
        "azurerm_linux_virtual_machine.bastion": D("12.862"),  # 730 x 0.0104 + P4 5.27
        "azurerm_managed_disk.reports": D("19.71"),  # 100 GB -> P10
        "azurerm_kubernetes_cluster.main": D("451.87"),  # 73.00 SLA + 3 x 730 x 0.146 + 3 x P10 19.71
        "azurerm_service_plan.api": D("226.3"),  # 2 x 730 x 0.155 (Linux P1 v3)
        # 2048 GB x 0.0208 + 20 x 10K writes x 0.055 + 1 x 0.055 list + 5 x 0.0044 read + 1 x 0.0044 other
        "azurerm_storage_account.backups": D("42.5984") + D("1.1") + D("0.055") + D("0.022") + D("0.0044"),
    }
    for address, amount in expected.items():
        assert by_address[address].status is ResourceStatus.PRICED, (address, by_address[address].reasons)
        assert by_address[address].monthly_cost == amount, address
    # What the public data cannot price is reported, never priced at 0:
    lb = by_address["azurerm_lb.web"]  # 1 rule: the included-rules hourly meter has no public figure
    assert lb.status is ResourceStatus.INCOMPLETE and lb.monthly_cost == D("10.0")  # 2000 GB x 0.005
    assert lb.reasons == ["Rules (first 5): no price in the catalog for Global"]
    db = by_address["azurerm_postgresql_flexible_server.db"]  # storage prices were observed in westus only
    assert db.status is ResourceStatus.INCOMPLETE and db.monthly_cost == D("12.41")  # 730 x 0.017
    assert db.reasons == ["Storage: no price in the catalog for eastus"]
    assert cost.counts.free == 10 and cost.counts.unsupported == 0 and cost.counts.incomplete == 2
    assert cost.monthly_cost == sum(expected.values()) + D("10.0") + D("12.41")
    assert not cost.complete
