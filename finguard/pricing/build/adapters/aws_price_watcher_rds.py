"""RDS instance hours (MySQL, PostgreSQL, MariaDB, SQL Server, Oracle) from aws-price-watcher's
`processed/rds-<engine>-ondemand.json`, the feeds behind the RDS pricing pages.

Rows carry exactly the attributes aws_db_instance filters on: productFamily, instanceType, databaseEngine,
deploymentOption, and for SQL Server / Oracle databaseEdition and licenseModel. The key names the engine,
edition, licence, class (`db t3.large`), deployment and generation; the location's " (Instance Type: ...)"
suffix names the class again and must agree. Storage, IOPS and backup keys repeat in every engine file:
the catalog takes them once, from rds-storage.json (its own adapter). "Multi-AZ readable standbys" is
not something the model asks for, and the opaque set keys say nothing: both are counted, not kept.
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
ENGINE_FILES = {
    "rds-mysql-ondemand.json": "MySQL",
    "rds-postgresql-ondemand.json": "PostgreSQL",
    "rds-mariadb-ondemand.json": "MariaDB",
    "rds-sqlserver-ondemand.json": "SQL Server",
    "rds-oracle-ondemand.json": "Oracle",
}
# engine -> editions the key may name (none for the open-source engines)
EDITIONS = {"SQL Server": ("Express", "Web", "Standard", "Enterprise"),
            "Oracle": ("Standard Two", "Standard One", "Standard", "Enterprise")}
OPEN_LICENCE = "No license required"
EDITION_LICENCES = ("License included", "Bring your own license")
DEPLOYMENTS = ("Single-AZ", "Multi-AZ")  # what aws_db_instance asks; the feed also has readable standbys

_INSTANCE_KEY = re.compile(
    r"Database Instance (?P<engine>MySQL|PostgreSQL|MariaDB|SQL Server|Oracle)"
    r"(?: (?P<edition>Express|Web|Standard Two|Standard One|Standard|Enterprise))?"
    r" (?P<licence>No license required|License included|Bring your own license)"
    r" db (?P<type>\S+) .+? (?P<deployment>Single-AZ|Multi-AZ readable standbys|Multi-AZ)"
    r" (?:Current|Previous) Generation")
_OTHER_KEYS = Reasons(
    (r"^(Database Storage|Provisioned (GP3 |IO2 )?IOPS|Provisioned Throughput|System Operation|Storage Snapshot)",
     "storage / IOPS / backup key: taken once from rds-storage.json (aws-price-watcher-rds-storage)"),
    (r"\bYear \d", "not modelled: RDS Extended Support"),
    (r"^Performance Insights", "not modelled: Performance Insights"),
    (r"^RDS (Snapshot Export|CDC)", "not modelled: snapshot export / CDC data transfer"),
)


def instance_slot(engine: str, edition: str | None, licence: str | None, deployment: str, instance_type: str
                  ) -> Target:
    """The slot aws_db_instance._instance queries for this engine, edition, licence and deployment."""
    extra = {} if edition is None else {"databaseEdition": edition, "licenseModel": str(licence)}
    return target(SERVICE, "Hrs", productFamily="Database Instance", instanceType=instance_type,
                  databaseEngine=engine, deploymentOption=deployment, **extra)


def classify(key: str, file_engine: str) -> KeyRule:
    """How an engine file's instance key is placed, or why a key is not kept."""
    match = _INSTANCE_KEY.fullmatch(key)
    if match is None:
        if key.startswith("Database Instance"):
            return Skip("instance key in an unrecognised format", reject=True)
        return _OTHER_KEYS.why(key)
    engine, edition, licence, deployment = match["engine"], match["edition"], match["licence"], match["deployment"]
    if engine != file_engine:
        return Skip("engine in the key is not the file's engine", reject=True)
    if engine in EDITIONS:
        if edition not in EDITIONS[engine] or licence not in EDITION_LICENCES:
            return Skip("edition or licence missing for an editioned engine", reject=True)
    elif edition is not None or licence != OPEN_LICENCE:
        return Skip("edition or licence on an engine that has none", reject=True)
    if deployment not in DEPLOYMENTS:
        return Skip(f"not modelled: {deployment} (aws_db_instance asks Single-AZ or Multi-AZ)")
    return InstanceKey.of(f"db.{match['type']}",
                          lambda instance_type: instance_slot(engine, edition, licence, deployment, instance_type))


class AwsPriceWatcherRds(PriceWatcherAdapter):
    id = "aws-price-watcher-rds"
    files = tuple(ENGINE_FILES)
    description = ("RDS on-demand instance hours per engine, edition, licence, class and Single-/Multi-AZ "
                   "(aws-price-watcher, RDS pricing-page feeds)")

    def rule(self, key: str, file: str) -> KeyRule:
        return classify(key, ENGINE_FILES[file])
