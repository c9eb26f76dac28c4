"""Azure Retail Prices meters the Azure cost models price, named once for models and snapshot builder.

Every function returns the catalog filter of one meter: attributes as the Retail Prices API names
them (productName, skuName, meterName, armSkuName, unitOfMeasure, type) plus `operatingSystem`,
which `finguard.pricing.sources.azure_retail.catalog_attributes` derives for Virtual Machines.
The snapshot's adapters (`finguard/pricing/build/adapters/`) write rows with these attributes, so the
bundled snapshot and a synced catalog answer the same look-ups.

Filters use only the attributes that identify a meter with certainty. Where the exact spelling of
a name in the price list could not be confirmed from public evidence, the filter leaves it out
and identifies the meter by the others (see UNCONFIRMED_NAMES); a wrong guess would make a synced
catalog report the price as missing, never match another meter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONSUMPTION = "Consumption"
GLOBAL = "Global"

HOUR = "1 Hour"
DAY = "1/Day"
MONTH = "1/Month"
GB = "1 GB"
GB_MONTH = "1 GB/Month"
TEN_K = "10K"

Filters = dict[str, str]

UNCONFIRMED_NAMES: dict[str, str] = {
    "App Service meterName": "not filtered on: productName + skuName + unit identify the plan's hourly meter",
    "PostgreSQL flexible compute meterName": "not filtered on (\"vCore\" or the size, depending on series)",
    "SQL Database meterName": "not filtered on: productName + skuName + unit identify compute, storage, backups",
    "Load Balancer / NAT Gateway region": "priced under region Global, as Azure publishes these meters",
}
"""Names whose exact price-list spelling is not relied on (documentation for reviewers)."""


def _filters(**attrs: str) -> Filters:
    return {**attrs, "type": CONSUMPTION}


def normalize_location(location: str) -> str:
    """ "East US" / "eastus" -> "eastus" (the armRegionName)."""
    return location.replace(" ", "").lower()


# -- virtual machines -----------------------------------------------------------------------------
VM_SERVICE = "Virtual Machines"

VM_PRODUCTS: dict[str, tuple[str, str, str]] = {
    # armSkuName -> (productName of the Linux meter, skuName, meterName). Windows: productName + " Windows".
    "Standard_A2_v2": ("Virtual Machines Av2 Series", "A2 v2", "A2 v2"),
    "Standard_B1s": ("Virtual Machines BS Series", "B1s", "B1s"),
    "Standard_B2s": ("Virtual Machines BS Series", "B2s", "B2s"),
    "Standard_D2_v3": ("Virtual Machines Dv3 Series", "D2 v3", "D2 v3"),
    "Standard_D2s_v3": ("Virtual Machines DSv3 Series", "D2s v3", "D2s v3"),
    "Standard_D4s_v3": ("Virtual Machines DSv3 Series", "D4s v3", "D4s v3"),
    "Standard_D8s_v3": ("Virtual Machines DSv3 Series", "D8s v3", "D8s v3"),
    "Standard_D2_v4": ("Virtual Machines Dv4 Series", "D2 v4", "D2 v4"),
    "Standard_F2": ("Virtual Machines F Series", "F2", "F2"),
}
"""Product names recorded in snapshot rows for the sizes finguard's examples use (informational:
filters identify a VM meter by armSkuName, operatingSystem and unit, which the API states exactly)."""

_SIZE = re.compile(r"(?i)^(standard|basic)_([a-z]+)(.*)$")


def canonical_vm_size(size: str) -> str:
    """Azure accepts sizes in any case ("standard_b1s"); the price list spells them "Standard_B1s"."""
    m = _SIZE.match(size)
    if m is None or size.startswith(("Standard_", "Basic_")):
        return size
    prefix, family, rest = m.groups()
    return f"{prefix.capitalize()}_{family.upper()}{rest}"


def vm_filters(size: str, os_name: str) -> Filters:
    """Pay-as-you-go hours of one VM size; os_name "Linux" or "Windows"."""
    return _filters(armSkuName=canonical_vm_size(size), operatingSystem=os_name, unitOfMeasure=HOUR)


def vm_row_names(size: str, os_name: str) -> dict[str, str]:
    """Names a snapshot row records besides the filter (known ones only)."""
    known = VM_PRODUCTS.get(canonical_vm_size(size))
    if known is None:
        return {}
    product, sku, meter = known
    return {"productName": product + (" Windows" if os_name == "Windows" else ""), "skuName": sku,
            "meterName": meter}


def supports_premium_storage(size: str) -> bool:
    """Sizes with premium storage have an "s" capability letter (D2s_v3, B1ms, E16-8as_v4) or a DS/GS family."""
    name = canonical_vm_size(size)
    body = name.split("_", 1)[1] if "_" in name else name
    m = re.match(r"^([A-Z]+)(\d+)(?:-\d+)?([a-z]*)", body)
    if m is None:
        return False
    family, _, letters = m.groups()
    return (len(family) > 1 and family.endswith("S")) or "s" in letters


# -- managed disks --------------------------------------------------------------------------------
DISK_SERVICE = "Storage"
DISK_PRODUCTS = {"P": "Premium SSD Managed Disks", "E": "Standard SSD Managed Disks", "S": "Standard HDD Managed Disks"}
DISK_PREFIX = {"premium": "P", "standardssd": "E", "standard": "S"}
_SIZES = (4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)
_NUMBERS = (1, 2, 3, 4, 6, 10, 15, 20, 30, 40, 50, 60, 70, 80)
DISK_TIERS: dict[str, tuple[tuple[str, int], ...]] = {
    letter: tuple((f"{letter}{n}", size) for n, size in zip(_NUMBERS, _SIZES, strict=True)
                  if not (letter == "S" and n < 4))
    for letter in ("P", "E", "S")
}
"""Billing tiers per disk class: the smallest tier at least as large as the disk is billed
(Standard HDD starts at S4, 32 GiB)."""


@dataclass(frozen=True)
class DiskTier:
    letter: str  # P, E, S
    name: str  # P10
    redundancy: str  # LRS, ZRS

    @property
    def label(self) -> str:
        return f"{self.name}, {self.redundancy}"


def disk_tier(storage_account_type: str, size_gb: int | float) -> DiskTier | None:
    """"Premium_LRS", 100 -> P10 LRS; None for types billed per GiB (UltraSSD, PremiumV2) or too large."""
    kind, _, redundancy = storage_account_type.partition("_")
    letter = DISK_PREFIX.get(kind.lower())
    if letter is None or redundancy.upper() not in ("LRS", "ZRS"):
        return None
    for name, capacity in DISK_TIERS[letter]:
        if size_gb <= capacity:
            return DiskTier(letter, name, redundancy.upper())
    return None


def disk_filters(tier: DiskTier) -> Filters:
    sku = f"{tier.name} {tier.redundancy}"
    return _filters(productName=DISK_PRODUCTS[tier.letter], skuName=sku, meterName=f"{sku} Disk", unitOfMeasure=MONTH)


def operations_meter_tier(tier: DiskTier) -> DiskTier:
    """Operations on every Standard HDD / Standard SSD disk bill under the S4 / E4 meter of its
    redundancy, whatever the disk's own tier (Microsoft's disk billing examples: an S20 disk shows
    "S4 LRS Disk Operations", an E30 disk "E4 LRS Disk Operations")."""
    return DiskTier(tier.letter, f"{tier.letter}4", tier.redundancy)


def disk_operations_filters(tier: DiskTier) -> Filters:
    sku = f"{tier.name} {tier.redundancy}"
    return _filters(productName=DISK_PRODUCTS[tier.letter], skuName=sku, meterName=f"{sku} Disk Operations",
                    unitOfMeasure=TEN_K)


# -- AKS ------------------------------------------------------------------------------------------
AKS_SERVICE = "Azure Kubernetes Service"


def aks_uptime_sla_filters() -> Filters:
    return _filters(productName="Azure Kubernetes Service", skuName="Standard", meterName="Standard Uptime SLA",
                    unitOfMeasure=HOUR)


def aks_long_term_support_filters() -> Filters:
    return _filters(productName="Azure Kubernetes Service", skuName="Standard",
                    meterName="Standard Long Term Support", unitOfMeasure=HOUR)


# -- public IP ------------------------------------------------------------------------------------
VNET_SERVICE = "Virtual Network"


def public_ip_filters(sku: str, allocation: str, tier: str = "Regional") -> Filters:
    """Basic static/dynamic, Standard (always static), Global tier IPv4 addresses, per hour."""
    if tier.lower() == "global":
        return _filters(productName="IP Addresses", skuName="Global", meterName="Global IPv4 Static Public IP",
                        unitOfMeasure=HOUR)
    if sku.lower() == "basic":
        kind = "Dynamic" if allocation.lower() == "dynamic" else "Static"
        return _filters(productName="IP Addresses", skuName="Basic", meterName=f"Basic IPv4 {kind} Public IP",
                        unitOfMeasure=HOUR)
    return _filters(productName="IP Addresses", skuName="Standard", meterName="Standard IPv4 Static Public IP",
                    unitOfMeasure=HOUR)


# -- load balancer and NAT gateway ----------------------------------------------------------------
LB_SERVICE = "Load Balancer"
NAT_SERVICE = "NAT Gateway"


def lb_rules_included_filters() -> Filters:
    """The hourly charge that covers a Standard load balancer's first five rules."""
    return _filters(productName="Load Balancer", skuName="Standard",
                    meterName="Standard Included LB Rules and Outbound Rules", unitOfMeasure=HOUR)


def lb_rules_overage_filters() -> Filters:
    """Each load-balancing or outbound rule beyond the first five, per hour."""
    return _filters(productName="Load Balancer", skuName="Standard",
                    meterName="Standard Overage LB Rules and Outbound Rules", unitOfMeasure=HOUR)


def lb_data_processed_filters() -> Filters:
    return _filters(productName="Load Balancer", skuName="Standard", meterName="Standard Data Processed",
                    unitOfMeasure=GB)


def nat_gateway_hours_filters() -> Filters:
    return _filters(productName="NAT Gateway", skuName="Standard", meterName="Standard Gateway", unitOfMeasure=HOUR)


def nat_data_processed_filters() -> Filters:
    return _filters(productName="NAT Gateway", skuName="Standard", meterName="Standard Data Processed",
                    unitOfMeasure=GB)


def global_meter_region(resource_region: str | None) -> str | None:
    """Where a meter Azure publishes for all regions is priced: "Global", except in sovereign clouds
    (US Government, China), which have meters of their own (looked up in the resource's region)."""
    if resource_region and resource_region.lower().startswith(("usgov", "usdod", "china")):
        return resource_region
    return GLOBAL


# -- PostgreSQL flexible server --------------------------------------------------------------------
POSTGRES_SERVICE = "Azure Database for PostgreSQL"
PG_TIERS = {"B": "Burstable", "GP": "General Purpose", "MO": "Memory Optimized"}
_PG_SKU = re.compile(r"^(?P<tier>B|GP|MO)_Standard_(?P<size>(?P<family>[A-Z]+)(?P<cores>\d+)(?P<letters>[a-z]*)"
                     r"(?:_(?P<version>v\d+))?)$")


@dataclass(frozen=True)
class PostgresSku:
    tier: str  # Burstable, General Purpose, Memory Optimized
    size: str  # D4s_v3
    vcores: int
    series: str  # Dsv3, BS

    @property
    def burstable(self) -> bool:
        return self.tier == "Burstable"


def postgres_sku(sku_name: str) -> PostgresSku | None:
    """"GP_Standard_D4s_v3" -> General Purpose, 4 vCores, series Dsv3; None when not of that form."""
    m = _PG_SKU.match(sku_name)
    if m is None:
        return None
    tier = PG_TIERS[m["tier"]]
    series = "BS" if m["tier"] == "B" else f"{m['family']}{m['letters']}{m['version'] or ''}"
    return PostgresSku(tier, m["size"], int(m["cores"]), series)


def postgres_compute_filters(sku: PostgresSku) -> Filters:
    product = f"Azure Database for PostgreSQL Flexible Server {sku.tier} {sku.series} Series Compute"
    sku_name = sku.size if sku.burstable else f"{sku.vcores} vCore"
    return _filters(productName=product, skuName=sku_name, unitOfMeasure=HOUR)


def postgres_storage_filters() -> Filters:
    return _filters(productName="Az DB for PostgreSQL Flexible Server Storage", meterName="Storage Data Stored",
                    unitOfMeasure=GB_MONTH)


def postgres_backup_filters() -> Filters:
    return _filters(productName="Azure Database for PostgreSQL Flexible Server Backup Storage",
                    meterName="Backup Storage LRS Data Stored", unitOfMeasure=GB_MONTH)


# -- SQL Database ---------------------------------------------------------------------------------
SQL_SERVICE = "SQL Database"
SQL_DTU_TIERS = {"S": "Standard", "P": "Premium"}
SQL_VCORE_TIERS = {"GP": "General Purpose", "BC": "Business Critical", "HS": "Hyperscale"}
SQL_BACKUP_REDUNDANCY = {"geo": "RA-GRS", "local": "LRS", "zone": "ZRS", "geozone": "RA-GZRS"}
SQL_INCLUDED_STORAGE_GB = {"S": 250, "P1": 500, "P2": 500, "P4": 500, "P6": 500, "P11": 4096, "P15": 4096}
_SQL_DTU = re.compile(r"^(?P<tier>[SP])(?P<n>\d+)$")
_SQL_VCORE = re.compile(r"^(?P<tier>GP|BC|HS)_(?P<serverless>S_)?(?P<family>Gen5|Gen4|M|DC|Fsv2|8IM|8IH)"
                        r"_(?P<cores>\d+)$")


@dataclass(frozen=True)
class SqlSku:
    kind: str  # "dtu" or "vcore"
    name: str  # S12, GP_Gen5_4
    tier: str  # Standard, Premium, General Purpose, Business Critical, Hyperscale
    family: str | None = None  # Gen5
    vcores: int | None = None
    serverless: bool = False


def sql_sku(sku_name: str) -> SqlSku | None:
    if m := _SQL_DTU.match(sku_name):
        return SqlSku("dtu", sku_name, SQL_DTU_TIERS[m["tier"]])
    if m := _SQL_VCORE.match(sku_name):
        return SqlSku("vcore", sku_name, SQL_VCORE_TIERS[m["tier"]], m["family"], int(m["cores"]),
                      bool(m["serverless"]))
    return None


def sql_dtu_filters(sku: SqlSku) -> Filters:
    """A DTU database is priced per day."""
    return _filters(productName=f"SQL Database Single {sku.tier}", skuName=sku.name, unitOfMeasure=DAY)


def sql_extra_storage_filters(tier: str) -> Filters:
    return _filters(productName=f"SQL Database {tier} - Storage", skuName=tier, meterName="Data Stored",
                    unitOfMeasure=GB_MONTH)


def sql_vcore_filters(sku: SqlSku, zone_redundancy: bool = False) -> Filters:
    sku_name = f"{sku.vcores} vCore" + (" Zone Redundancy" if zone_redundancy else "")
    return _filters(productName=f"SQL Database Single/Elastic Pool {sku.tier} - Compute {sku.family}",
                    skuName=sku_name, unitOfMeasure=HOUR)


def sql_license_filters(tier: str) -> Filters:
    """SQL Server licence per vCore-hour (a meter Azure publishes for all regions)."""
    return _filters(productName=f"SQL Database Single/Elastic Pool {tier} - SQL License", unitOfMeasure=HOUR)


def sql_storage_filters(tier: str, zone_redundant: bool = False) -> Filters:
    sku = tier + (" Zone Redundancy" if zone_redundant else "")
    return _filters(productName=f"SQL Database Single/Elastic Pool {tier} - Storage", skuName=sku,
                    unitOfMeasure=GB_MONTH)


def sql_ltr_filters(redundancy: str) -> Filters:
    return _filters(productName="SQL Database - LTR Backup Storage", skuName=f"Backup {redundancy}",
                    unitOfMeasure=GB_MONTH)


def sql_pitr_filters(redundancy: str) -> Filters:
    return _filters(productName="SQL Database Single/Elastic Pool PITR Backup Storage",
                    skuName=f"Backup {redundancy}", unitOfMeasure=GB_MONTH)


# -- storage accounts -----------------------------------------------------------------------------
STORAGE_SERVICE = "Storage"
STORAGE_REDUNDANCY = {"LRS": "LRS", "ZRS": "ZRS", "GRS": "GRS", "RAGRS": "RA-GRS", "GZRS": "GZRS",
                      "RAGZRS": "RA-GZRS"}
HOT_TIERS = ((0, 51200), (51200, 512000), (512000, None))
"""Hot blob capacity tiers in GB: first 50 TB, next 450 TB, over 500 TB."""


@dataclass(frozen=True)
class BlobMeters:
    product: str
    sku: str  # "Hot LRS"
    access_tier: str  # Hot, Cool, Standard (StorageV1), Premium

    def capacity(self) -> Filters:
        return _filters(productName=self.product, skuName=self.sku, meterName=f"{self.sku} Data Stored",
                        unitOfMeasure=GB_MONTH)

    def write_operations(self) -> Filters:
        return _filters(productName=self.product, skuName=self.sku, meterName=f"{self.sku} Write Operations",
                        unitOfMeasure=TEN_K)

    def read_operations(self) -> Filters:
        return _filters(productName=self.product, skuName=self.sku, meterName=f"{self.access_tier} Read Operations",
                        unitOfMeasure=TEN_K)

    def list_operations(self) -> Filters:
        return _filters(productName=self.product, skuName=self.sku,
                        meterName=f"{self.sku} List and Create Container Operations", unitOfMeasure=TEN_K)

    def other_operations(self) -> Filters:
        return _filters(productName=self.product, skuName=self.sku, meterName="All Other Operations",
                        unitOfMeasure=TEN_K)


def blob_meters(account_kind: str, account_tier: str, replication: str, access_tier: str) -> BlobMeters | None:
    """The blob product an account bills under (mirrors how Infracost resolves it); None if not modelled."""
    redundancy = STORAGE_REDUNDANCY.get(replication.upper())
    if redundancy is None:
        return None
    if account_tier == "Premium":
        if account_kind not in ("BlockBlobStorage", "StorageV2", "BlobStorage") or redundancy not in ("LRS", "ZRS"):
            return None
        return BlobMeters("Premium Block Blob", f"Premium {redundancy}", "Premium")
    if account_tier != "Standard":
        return None
    if account_kind == "Storage":
        return BlobMeters("General Block Blob", f"Standard {redundancy}", "Standard")
    access = access_tier.capitalize()
    if access not in ("Hot", "Cool"):
        return None
    if account_kind == "StorageV2" and not (redundancy == "LRS" and access == "Hot"):
        return BlobMeters("General Block Blob v2", f"{access} {redundancy}", access)
    if account_kind in ("StorageV2", "BlobStorage", "BlockBlobStorage"):
        return BlobMeters("Blob Storage", f"{access} {redundancy}", access)
    return None


# -- App Service plans ----------------------------------------------------------------------------
APP_SERVICE = "Azure App Service"
_APP_SKU = re.compile(r"^(?P<family>B|S|P|I|PC)(?P<n>\d+)(?P<version>v\d|mv3)?$")


def app_service_filters(sku_name: str, os_type: str) -> Filters | None:
    """Hourly meter of one plan instance; None for SKUs billed otherwise (Free, Consumption, Elastic Premium).

    os_type: "Linux", "Windows" or "WindowsContainer" (billed as Windows).
    """
    sku = sku_name.strip()
    linux = os_type.lower() == "linux"
    suffix = " - Linux" if linux else ""
    if sku.upper() in ("D1", "SHARED"):
        return _filters(productName="Azure App Service Shared Plan", skuName="Shared", unitOfMeasure=HOUR)
    m = _APP_SKU.match(sku)
    if m is None:
        return None
    family, n, version = m["family"], m["n"], (m["version"] or "")
    if family == "B" and not version:
        product, meter_sku = "Basic Plan" + suffix, f"B{n}"
    elif family == "S" and not version:
        product, meter_sku = "Standard Plan" + suffix, f"S{n}"
    elif family == "P" and version in ("", "v1"):
        product, meter_sku = "Premium Plan", f"P{n}"
    elif family == "P" and version in ("v2", "v3"):
        product, meter_sku = f"Premium {version} Plan" + suffix, f"P{n} {version}"
    elif family == "I" and not version:
        product, meter_sku = "Isolated Plan", f"I{n}"
    elif family == "I" and version == "v2":
        product, meter_sku = "Isolated v2 Plan" + suffix, f"I{n} v2"
    elif family == "PC" and not version:
        product, meter_sku = "Premium Windows Container Plan", f"PC{n}"
    else:
        return None
    return _filters(productName=f"Azure App Service {product}", skuName=meter_sku, unitOfMeasure=HOUR)
