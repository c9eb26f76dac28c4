"""RDS storage, provisioned IOPS and Aurora standard storage / I/O (databaseEngine "Any") from
aws-price-watcher's `processed/rds-storage.json`, the storage feed of the RDS pricing pages.

RDS storage rows carry what aws_db_instance._storage asks: productFamily "Database Storage", volumeType
(gp2 "General Purpose", gp3 "General Purpose-GP3", io1 "Provisioned IOPS", io2 "Provisioned IOPS-IO2",
"Magnetic") and deploymentOption; IOPS rows productFamily "Provisioned IOPS", deploymentOption and the
usage type (RDS:PIOPS, RDS:Multi-AZ-PIOPS, RDS:GP3-PIOPS, RDS:Multi-AZ-GP3-PIOPS). The Aurora MySQL
standard storage and I/O products (databaseEngine "Any", what aws_rds_cluster asks for Aurora MySQL)
are priced only in this file. The feed also spells Aurora standard storage "Multi AZ" in six regions
(GovCloud US-East only so); both spellings are the one Aurora:StorageUsage product and agree where both
exist. Readable-standby and SQL Server Mirror deployments, throughput, backups and exports are not modelled.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonRDS"
FILE = "rds-storage.json"
# the feed's deployment words -> deploymentOption
DEPLOYMENTS = {"Single AZ": "Single-AZ", "Multi AZ": "Multi-AZ"}
VOLUME_TYPES = ("General Purpose", "General Purpose-GP3", "Provisioned IOPS", "Provisioned IOPS-IO2", "Magnetic")
# the feed's IOPS key -> usage type (Multi-AZ inserts "Multi-AZ-" after "RDS:")
IOPS_KEYS = {"Provisioned IOPS": "PIOPS", "Provisioned GP3 IOPS": "GP3-PIOPS"}


def _storage_table() -> dict[str, Target]:
    table: dict[str, Target] = {}
    for words, deployment in DEPLOYMENTS.items():
        for volume in VOLUME_TYPES:
            table[f"Database Storage {words} {volume}"] = target(
                SERVICE, "GB-Mo", productFamily="Database Storage", volumeType=volume, deploymentOption=deployment)
        multi = "Multi-AZ-" if deployment == "Multi-AZ" else ""
        for key, usage in IOPS_KEYS.items():
            table[f"{key} {words}"] = target(SERVICE, "IOPS-Mo", productFamily="Provisioned IOPS",
                                             deploymentOption=deployment, usagetype=f"RDS:{multi}{usage}")
        table[f"Database Storage {words} General Purpose-Aurora"] = target(
            SERVICE, "GB-Mo", productFamily="Database Storage", databaseEngine="Any", usagetype="Aurora:StorageUsage")
    table["System Operation"] = target(SERVICE, "IOs", productFamily="System Operation", databaseEngine="Any",
                                       usagetype="Aurora:StorageIOUsage")
    return table


TABLE = _storage_table()
REASONS = Reasons(
    (r"readable standbys", "not modelled: Multi-AZ readable standbys (aws_db_instance asks Single-AZ or Multi-AZ)"),
    (r"SQL Server Mirror", "not modelled: SQL Server Mirror deployment (aws_db_instance asks Multi-AZ)"),
    (r"Aurora", "Aurora product: taken from rds-aurora-storage.json (aws-price-watcher-aurora) or not modelled"),
    (r"^Provisioned Throughput", "not modelled: gp3 storage throughput"),
    (r"^Storage Snapshot", "not modelled: RDS backup storage"),
    (r"^System Operation Magnetic", "not modelled: magnetic storage I/O requests"),
    (r"^RDS Snapshot Export", "not modelled: snapshot export"),
)


class AwsPriceWatcherRdsStorage(PriceWatcherAdapter):
    id = "aws-price-watcher-rds-storage"
    files = (FILE,)
    description = ("RDS storage per volume type and Single-/Multi-AZ, provisioned IOPS (io1, gp3), Aurora "
                   "standard storage and I/O for databaseEngine Any (aws-price-watcher, RDS storage feed)")
    targets = TABLE
    reasons = REASONS
