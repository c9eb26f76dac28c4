"""Aurora instance hours, Serverless v1/v2 capacity, I/O-Optimized storage, Aurora PostgreSQL standard
storage and I/O, and backup storage from aws-price-watcher's `processed/rds-aurora-ondemand.json` and
`processed/rds-aurora-storage.json` (the Aurora pricing page's feeds); `rds-proxy.json` is read and counted
only, as no cost model prices RDS Proxy.

Rows carry what aws_rds_cluster_instance and aws_rds_cluster ask: instances by productFamily, instanceType,
databaseEngine ("Aurora MySQL" / "Aurora PostgreSQL") and usagetype "InstanceUsage:<class>" (Aurora
Standard) or "InstanceUsageIOOptimized:<class>" (the key's "Aurora IO Optimization Mode"). Some instance
keys are a bare "[group]" whose locations alone name the class in their " (Instance Type: ...)" suffix;
a few join two spellings with ";". The Aurora MySQL standard storage and I/O products (databaseEngine
"Any") are in rds-storage.json and come from that file's adapter.

The page feed has one unlabelled Aurora I/O key ("System Operation Aurora I O Operation") beside the
PostgreSQL storage key; it is taken as the Aurora PostgreSQL I/O rate (the page's PostgreSQL tab), and
equals the "Any" I/O rate of rds-storage.json in every region of this snapshot.
"""

from __future__ import annotations

import re

from finguard.pricing.build.adapters._price_watcher import (
    InstanceKey,
    KeyRule,
    PriceWatcherAdapter,
    Reasons,
    Skip,
    Target,
    target,
)

SERVICE = "AmazonRDS"
INSTANCES = "rds-aurora-ondemand.json"
STORAGE = "rds-aurora-storage.json"
PROXY = "rds-proxy.json"
ENGINES = ("Aurora MySQL", "Aurora PostgreSQL")

_GROUP = re.compile(
    r"\[Database Instance (?P<engine>Aurora MySQL|Aurora PostgreSQL) No license required"
    r"(?P<io_optimized> Aurora IO Optimization Mode)? .+? (?P<deployment>Single-AZ|Multi-AZ\S*)"
    r" (?:Current|Previous) Generation\](?P<spellings>.*)")
_SPELLED_TYPE = re.compile(r" db (\S+) ")


def instance_slot(engine: str, io_optimized: bool, instance_type: str) -> Target:
    usage = "InstanceUsageIOOptimized" if io_optimized else "InstanceUsage"
    return target(SERVICE, "Hrs", productFamily="Database Instance", instanceType=instance_type,
                  databaseEngine=engine, usagetype=f"{usage}:{instance_type}")


def classify_instance(key: str) -> KeyRule:
    match = _GROUP.fullmatch(key)
    if match is None:
        return Skip("Aurora instance key in an unrecognised format", reject=True)
    if match["deployment"] != "Single-AZ":
        return Skip(f"not modelled: Aurora {match['deployment']} instance")
    spellings = [s for s in match["spellings"].strip().split(";") if s]
    types = set()
    for spelling in spellings:
        spelled = _SPELLED_TYPE.search(spelling)
        if spelled is None or match["engine"] not in spelling:
            return Skip("Aurora instance key in an unrecognised format", reject=True)
        types.add(f"db.{spelled.group(1)}")
    engine, io_optimized = match["engine"], bool(match["io_optimized"])
    return InstanceKey(frozenset(types), lambda instance_type: instance_slot(engine, io_optimized, instance_type)).at


def _storage_table() -> dict[str, Target]:
    table: dict[str, Target] = {}
    for engine in ENGINES:
        table[f"{engine} Serverless"] = target(SERVICE, "ACU-Hr", productFamily="Serverless", databaseEngine=engine,
                                               usagetype="Aurora:ServerlessUsage")
        table[f"{engine} ServerlessV2"] = target(SERVICE, "ACU-Hr", productFamily="ServerlessV2",
                                                 databaseEngine=engine, usagetype="Aurora:ServerlessV2Usage")
        table[f"{engine} ServerlessV2 Aurora IO Optimization Mode"] = target(
            SERVICE, "ACU-Hr", productFamily="ServerlessV2", databaseEngine=engine,
            usagetype="Aurora:ServerlessV2IOOptimizedUsage")
        table[f"{engine} IO Optimized Aurora"] = target(SERVICE, "GB-Mo", productFamily="Database Storage",
                                                        databaseEngine=engine,
                                                        usagetype="Aurora:IO-OptimizedStorageUsage")
        table[f"Storage Snapshot {engine}"] = target(SERVICE, "GB-Mo", productFamily="Storage Snapshot",
                                                     databaseEngine=engine, usagetype="Aurora:BackupUsage")
    table["Database Storage DB Engine Aurora PostgreSQL General Purpose Aurora"] = target(
        SERVICE, "GB-Mo", productFamily="Database Storage", databaseEngine="Aurora PostgreSQL",
        usagetype="Aurora:StorageUsage")
    table["System Operation Aurora I O Operation"] = target(
        SERVICE, "IOs", productFamily="System Operation", databaseEngine="Aurora PostgreSQL",
        usagetype="Aurora:StorageIOUsage")
    return table


STORAGE_TABLE = _storage_table()
STORAGE_REASONS = Reasons(
    (r"^Any IO Optimized", "not modelled: I/O-Optimized storage for databaseEngine Any (the model asks per engine)"),
    (r"^Performance Insights", "not modelled: Performance Insights"),
    (r"\bYear \d", "not modelled: Extended Support"),
    (r"Data API", "not modelled: Data API requests"),
    (r"Global Database", "not modelled: Global Database replicated writes"),
    (r"Backtrack", "not modelled: Backtrack change records"),
    (r"^RDS Snapshot Export", "not modelled: snapshot export"),
)
PROXY_REASONS = Reasons((r"^RDSProxy", "not modelled: RDS Proxy (no cost model)"))


class AwsPriceWatcherAurora(PriceWatcherAdapter):
    id = "aws-price-watcher-aurora"
    files = (INSTANCES, STORAGE, PROXY)
    description = ("Aurora MySQL/PostgreSQL instance hours (Standard and I/O-Optimized), Serverless v1/v2 ACU, "
                   "I/O-Optimized and PostgreSQL storage, PostgreSQL I/O, backup (aws-price-watcher, Aurora feeds)")
    targets = STORAGE_TABLE
    reasons = STORAGE_REASONS

    def rule(self, key: str, file: str) -> KeyRule:
        if file == INSTANCES:
            return classify_instance(key)
        return PROXY_REASONS.why(key) if file == PROXY else super().rule(key, file)
