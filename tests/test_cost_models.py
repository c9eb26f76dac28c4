"""Every AWS cost model against figures computed by hand from the bundled price-list rows.

Rows used (pricing_data/aws/*.tsv, us-east-1 unless stated): m5.large 0.096/h, m6i.xlarge 0.192/h,
t3.medium dedicated 0.0441/h; CloudWatch metric 0.30; EBS gp2 0.10, gp3 0.08, io1/io2 0.125 GB-Mo,
st1 0.045 (ap-south-1 0.051), sc1 0.015, standard 0.05; gp3 IOPS 0.005, io1/io2 IOPS 0.065 (io2 32,001-64,000
0.0455), gp3 throughput 40.96/GiBps-mo;
eu-central-1 gp3 0.0952, IOPS 0.006, throughput 48.7424; NAT 0.045/h (ap-northeast-1 0.062);
ALB and NLB 0.0225/h; public IPv4 0.005/h; EKS 0.10/h; RDS MySQL db.t3.large Multi-AZ 0.272/h,
PostgreSQL db.t3.large Single-AZ 0.145/h, gp2 storage 0.115 (Multi-AZ 0.23), io1 storage 0.125,
PIOPS 0.10, gp3 IOPS 0.02; ElastiCache Redis cache.m4.large 0.156/h.
EBS rows come from ec2-shop's ebs.json (the pricing-page feed, 2024-07-18); it has no location
"Asia Pacific (Malaysia)" (ap-southeast-5), where EC2 instances are priced but no EBS volume is.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.model import ComponentStatus, ResourceCost, ResourceStatus
from finguard.pricing.catalog import Catalog, CatalogWriter, open_for_write
from finguard.pricing.estimate import estimate
from finguard.pricing.snapshot import PriceRecord, SourceRecord
from finguard.terraform.plan import plan_to_project

from .plan_builder import PlanBuilder

D = Decimal


def _cost(catalog: Catalog, builder: PlanBuilder, address: str | None = None) -> ResourceCost:
    project = plan_to_project(builder.build())
    result = estimate(project, catalog)
    if address is None:
        return result.resources[0]
    return next(r for r in result.resources if r.address == address)


def _by_name(cost: ResourceCost) -> dict[str, Decimal | None]:
    return {c.name: c.monthly_cost for c in cost.components}


def test_instance_hours_monitoring_and_block_devices(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_instance.web", {
        "instance_type": "m5.large", "monitoring": True, "tenancy": "default",
        "root_block_device": [{"volume_type": "gp3", "volume_size": 30, "iops": 3000, "throughput": 125}],
        "ebs_block_device": [{"volume_type": "io1", "volume_size": 100, "iops": 1000}],
    }))
    assert _by_name(cost) == {
        "Instance usage (Linux/UNIX, on-demand, m5.large)": D("70.08"),  # 730 x 0.096
        "EC2 detailed monitoring": D("2.10"),  # 7 metrics x 0.30
        "root_block_device > Storage (general purpose SSD, gp3)": D("2.40"),  # 30 x 0.08
        "ebs_block_device[0] > Storage (provisioned IOPS SSD, io1)": D("12.50"),  # 100 x 0.125
        "ebs_block_device[0] > Provisioned IOPS": D("65.00"),  # 1000 x 0.065
    }
    assert cost.status is ResourceStatus.PRICED and cost.monthly_cost == D("152.08")


def test_instance_dedicated_tenancy_and_burstable_credits(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_instance.t", {
        "instance_type": "t3.medium", "tenancy": "dedicated",
        "root_block_device": [{"volume_type": "gp2", "volume_size": 8}]}))
    names = _by_name(cost)
    assert names["Instance usage (Linux/UNIX, on-demand, t3.medium)"] == D("32.193")  # 730 x 0.0441
    credits = next(c for c in cost.components if c.name == "CPU credits")
    assert credits.status is ComponentStatus.USAGE_BASED and credits.unit_price == D("0.05")
    assert cost.monthly_cost == D("32.993")  # + 8 GB gp2 x 0.10


def test_instance_unknowns_are_reported_not_priced(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_instance.x", {"tenancy": "default"},
                                            unknown={"instance_type": True, "root_block_device": True}))
    assert cost.status is ResourceStatus.INCOMPLETE and not cost.complete
    assert cost.monthly_cost is None
    reasons = " ".join(cost.reasons)
    assert "instance type known only after apply" in reasons
    assert "root volume size and type come from the AMI" in reasons


def test_spot_and_host_tenancy(catalog: Catalog) -> None:
    spot = _cost(catalog, PlanBuilder().add("aws_instance.s", {
        "instance_type": "m5.large", "instance_market_options": [{"market_type": "spot"}],
        "root_block_device": [{"volume_type": "gp3", "volume_size": 10}]}))
    assert "spot prices" in spot.reasons[0] and spot.monthly_cost == D("0.80")
    host = _cost(catalog, PlanBuilder().add("aws_instance.h", {
        "instance_type": "m5.large", "tenancy": "host",
        "root_block_device": [{"volume_type": "gp3", "volume_size": 10}]}))
    assert [c.name for c in host.components] == ["root_block_device > Storage (general purpose SSD, gp3)"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"type": "gp3", "size": 200, "iops": 4000, "throughput": 250},
         {"Storage (general purpose SSD, gp3)": D("16.00"), "Provisioned IOPS (above 3,000)": D("5.000"),
          "Provisioned throughput (above 125 MiB/s)": D("5.00")}),  # 125 MiBps x 40.96/1024
        ({"type": "gp3", "size": 10}, {"Storage (general purpose SSD, gp3)": D("0.80")}),
        ({"size": 10}, {"Storage (general purpose SSD, gp2)": D("1.00")}),  # gp2 is CreateVolume's default
        ({"type": "io1", "size": 30, "iops": 300},
         {"Storage (provisioned IOPS SSD, io1)": D("3.75"), "Provisioned IOPS": D("19.500")}),
        ({"type": "io2", "size": 30, "iops": 300},
         {"Storage (provisioned IOPS SSD, io2)": D("3.75"), "Provisioned IOPS (first 32,000)": D("19.500")}),
        ({"type": "st1", "size": 40}, {"Storage (throughput optimized HDD, st1)": D("1.800")}),
        ({"type": "sc1", "size": 50}, {"Storage (cold HDD, sc1)": D("0.750")}),
        ({"type": "standard", "size": 20}, {"Storage (magnetic)": D("1.00"), "I/O requests": None}),
    ],
)
def test_ebs_volume_types(catalog: Catalog, values: dict, expected: dict) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_ebs_volume.v", values))
    assert _by_name(cost) == expected
    if values.get("type") == "standard":
        io = cost.components[1]
        assert io.status is ComponentStatus.USAGE_BASED and io.unit_price == D("0.05")  # per 1M requests


def test_ebs_gp3_in_eu_central_1_uses_that_regions_prices(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder(region="eu-central-1").add(
        "aws_ebs_volume.v", {"type": "gp3", "size": 100, "iops": 5000, "throughput": 225}))
    # 100 x 0.0952 + 2000 x 0.006 + 100 MiBps x 48.7424/1024
    assert cost.monthly_cost == D("9.52") + D("12.000") + D("4.76")


def _io2_first_tier_only_catalog(tmp_path: Path) -> Catalog:
    """us-east-1 io2 storage and first-tier IOPS, without the 32,001-64,000 tier (written by hand)."""
    path = tmp_path / "io2.sqlite"
    db = open_for_write(path)
    writer = CatalogWriter(db)
    writer.add_source(SourceRecord(id="hand", kind="snapshot", description="written by hand for tests"))
    writer.add([
        PriceRecord(service="AmazonEC2", region="us-east-1", attributes=attributes, unit=unit, usd=D(usd),
                    source="hand")
        for attributes, unit, usd in [
            ({"productFamily": "Storage", "volumeApiName": "io2"}, "GB-Mo", "0.125"),
            ({"productFamily": "System Operation", "usagetype": "EBS:VolumeP-IOPS.io2", "volumeApiName": "io2"},
             "IOPS-Mo", "0.065"),
        ]])
    db.commit()
    db.close()
    return Catalog(path)


def test_io2_above_32000_iops_needs_the_second_tier_price(catalog: Catalog, tmp_path: Path) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_ebs_volume.v", {"type": "io2", "size": 100, "iops": 40000}))
    # ebs.json "US East (N. Virginia)": "Storage Provisioned IOPS io2 GB month" 0.125, "Provisioned EBS IOPS io2
    # Volumes per IOPS Mo" 0.065, "Provisioned EBS IOPS Tier 2 io2 Volumes per IOPS Mo" 0.0455
    assert _by_name(cost) == {
        "Storage (provisioned IOPS SSD, io2)": D("12.500"),  # 100 x 0.125
        "Provisioned IOPS (first 32,000)": D("2080.000"),  # 32,000 x 0.065
        "Provisioned IOPS (32,001-64,000)": D("364.0000"),  # 8,000 x 0.0455: the second tier's rate, not 0.065
    }
    assert cost.monthly_cost == D("2456.500") and cost.complete
    # ebs.json lists the io2 tiers together in every location, so a region with the first tier and not the
    # second exists only in a catalog written by hand: there the second tier is missing, not priced at 0.065.
    partial = _cost(_io2_first_tier_only_catalog(tmp_path),
                    PlanBuilder().add("aws_ebs_volume.v", {"type": "io2", "size": 100, "iops": 40000}))
    assert _by_name(partial)["Provisioned IOPS (first 32,000)"] == D("2080.000")
    tier2 = next(c for c in partial.components if c.name.startswith("Provisioned IOPS (32,001"))
    assert tier2.status is ComponentStatus.MISSING_PRICE and tier2.monthly_quantity is None
    assert partial.monthly_cost == D("2092.500") and not partial.complete


def test_a_price_missing_in_the_region_is_not_borrowed(catalog: Catalog) -> None:
    # ebs.json has no "Asia Pacific (Malaysia)" location: st1 there is missing, never us-east-1's 0.045
    cost = _cost(catalog, PlanBuilder(region="ap-southeast-5").add("aws_ebs_volume.v", {"type": "st1", "size": 40}))
    comp = cost.components[0]
    assert comp.status is ComponentStatus.MISSING_PRICE and "ap-southeast-5" in (comp.reason or "")
    assert cost.monthly_cost is None
    # where the feed has the region, its own rate: ebs.json "Storage Throughput Optimized HDD st1 GB Mo"
    # Asia Pacific (Mumbai) 0.051 x 40
    mumbai = _cost(catalog, PlanBuilder(region="ap-south-1").add("aws_ebs_volume.v", {"type": "st1", "size": 40}))
    assert mumbai.monthly_cost == D("2.040")


def test_nat_gateway(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_nat_gateway.a", {"connectivity_type": "public"}))
    assert _by_name(cost) == {"NAT gateway": D("32.850"), "Data processed": None}
    assert cost.components[1].unit_price == D("0.045")
    tokyo = _cost(catalog, PlanBuilder(region="ap-northeast-1").add("aws_nat_gateway.a", {}))
    assert tokyo.monthly_cost == D("45.260")


@pytest.mark.parametrize("type_", ["aws_lb", "aws_alb"])
def test_load_balancers(catalog: Catalog, type_: str) -> None:
    alb = _cost(catalog, PlanBuilder().add(f"{type_}.a", {"load_balancer_type": "application"}))
    assert _by_name(alb) == {"Application load balancer": D("16.4250"), "Capacity units (LCU)": None}
    nlb = _cost(catalog, PlanBuilder().add(f"{type_}.n", {"load_balancer_type": "network"}))
    assert nlb.monthly_cost == D("16.4250") and nlb.components[1].unit_price == D("0.006")
    unknown = _cost(catalog, PlanBuilder().add(f"{type_}.u", {}, unknown={"load_balancer_type": True},
                                               references={"load_balancer_type": ["var.lb_type"]}))
    assert "load_balancer_type known only after apply" in unknown.reasons[0]
    # not in the configuration at all: the provider's default (application) applies
    default = _cost(catalog, PlanBuilder().add(f"{type_}.d", {}, unknown={"load_balancer_type": True}))
    assert default.components[0].name == "Application load balancer"


def test_eip_in_use_and_idle(catalog: Catalog) -> None:
    builder = PlanBuilder()
    builder.add("aws_eip.nat", {"domain": "vpc"})
    builder.add("aws_eip.spare", {"domain": "vpc"})
    builder.add("aws_nat_gateway.a", {}, references={"allocation_id": ["aws_eip.nat.id", "aws_eip.nat"]})
    nat_ip = _cost(catalog, builder, "aws_eip.nat")
    spare = _cost(catalog, builder, "aws_eip.spare")
    assert _by_name(nat_ip) == {"Public IPv4 address (in use)": D("3.650")}
    assert _by_name(spare) == {"Public IPv4 address (idle)": D("3.650")}


def test_eks_cluster_and_node_group(catalog: Catalog) -> None:
    builder = PlanBuilder()
    builder.add("aws_eks_cluster.main", {"name": "main", "version": "1.30"})
    builder.add("aws_eks_node_group.general", {"instance_types": ["m6i.xlarge"], "disk_size": None,
                                               "scaling_config": [{"desired_size": 3, "min_size": 1, "max_size": 5}],
                                               "capacity_type": "ON_DEMAND", "ami_type": "AL2_x86_64"})
    assert _cost(catalog, builder, "aws_eks_cluster.main").monthly_cost == D("73.00")
    group = _cost(catalog, builder, "aws_eks_node_group.general")
    assert _by_name(group) == {
        "Instance usage (Linux/UNIX, on-demand, m6i.xlarge)": D("420.480"),  # 3 x 730 x 0.192
        "disk > Storage (general purpose SSD, gp2)": D("6.00"),  # 3 x 20 GB default x 0.10
    }


def test_autoscaling_group_from_launch_template(catalog: Catalog) -> None:
    builder = PlanBuilder()
    builder.add("aws_launch_template.web", {
        "instance_type": "m5.large", "monitoring": [{"enabled": True}],
        "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"volume_type": "gp3", "volume_size": 30}]}]},
        unknown={"id": True})
    builder.add("aws_autoscaling_group.web", {"desired_capacity": 3, "min_size": 2, "max_size": 6,
                                              "launch_template": [{"version": "$Latest"}]},
                unknown={"launch_template": [{"id": True}]},
                references={"launch_template.0.id": ["aws_launch_template.web.id", "aws_launch_template.web"]})
    cost = _cost(catalog, builder, "aws_autoscaling_group.web")
    assert _by_name(cost) == {
        "Instance usage (Linux/UNIX, on-demand, m5.large)": D("210.240"),  # 3 x 730 x 0.096
        "EC2 detailed monitoring": D("6.30"),  # 3 x 7 x 0.30
        "block_device_mappings[0] (/dev/xvda) > Storage (general purpose SSD, gp3)": D("7.20"),  # 90 GB x 0.08
    }


def test_autoscaling_group_from_launch_configuration_and_min_size(catalog: Catalog) -> None:
    builder = PlanBuilder()
    builder.add("aws_launch_configuration.lc", {"instance_type": "m5.large", "enable_monitoring": False,
                                                "root_block_device": [{"volume_type": "gp2", "volume_size": 10}],
                                                "ebs_block_device": []})
    builder.add("aws_autoscaling_group.lc", {"min_size": 2, "max_size": 4},
                references={"launch_configuration": ["aws_launch_configuration.lc.name",
                                                     "aws_launch_configuration.lc"]})
    cost = _cost(catalog, builder, "aws_autoscaling_group.lc")
    assert cost.monthly_cost == D("140.16") + D("2.00")  # 2 x 730 x 0.096 + 2 x 10 GB x 0.10


def test_autoscaling_group_without_a_known_template_is_incomplete(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_autoscaling_group.x", {"desired_capacity": 2}))
    assert cost.status is ResourceStatus.INCOMPLETE and "instance type known only after apply" in cost.reasons[0]


def test_db_instance_multi_az_and_provisioned_iops(catalog: Catalog) -> None:
    mysql = _cost(catalog, PlanBuilder().add("aws_db_instance.a", {
        "engine": "mysql", "instance_class": "db.t3.large", "multi_az": True, "allocated_storage": 100,
        "storage_type": "gp2"}))
    assert _by_name(mysql) == {"Database instance (on-demand, Multi-AZ, db.t3.large)": D("198.560"),
                               "Storage (general purpose SSD, gp2)": D("23.00")}
    pg = _cost(catalog, PlanBuilder().add("aws_db_instance.b", {
        "engine": "postgres", "instance_class": "db.t3.large", "multi_az": False, "allocated_storage": 100,
        "iops": 1000}))  # no storage_type with iops: io1
    assert _by_name(pg) == {"Database instance (on-demand, Single-AZ, db.t3.large)": D("105.850"),
                            "Storage (provisioned IOPS SSD, io1)": D("12.500"), "Provisioned IOPS": D("100.0")}
    gp3 = _cost(catalog, PlanBuilder().add("aws_db_instance.c", {
        "engine": "mysql", "instance_class": "db.t3.large", "allocated_storage": 400, "storage_type": "gp3",
        "iops": 14000}))
    assert _by_name(gp3)["Provisioned GP3 IOPS (above 12,000)"] == D("40.00")  # 2000 x 0.02


def test_db_instance_engine_without_a_price_is_missing(catalog: Catalog) -> None:
    # rds-mysql-ondemand.json and rds-postgresql-ondemand.json price db.m1.small Multi-AZ in US East
    # (N. Virginia) (0.11 and 0.12/h); rds-mariadb-ondemand.json has no db.m1.small key: MariaDB's is missing
    cost = _cost(catalog, PlanBuilder().add("aws_db_instance.m", {
        "engine": "mariadb", "instance_class": "db.m1.small", "multi_az": True, "allocated_storage": 20}))
    assert cost.components[0].status is ComponentStatus.MISSING_PRICE
    assert "us-east-1" in (cost.components[0].reason or "") and not cost.complete
    # rds-storage.json "Database Storage Multi AZ General Purpose" US East (N. Virginia) 0.23 x 20
    assert cost.components[1].monthly_cost == D("4.60")


def test_elasticache_cluster(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_elasticache_cluster.c", {
        "engine": "redis", "node_type": "cache.m4.large", "num_cache_nodes": 2}))
    assert cost.monthly_cost == D("227.760")  # 2 x 730 x 0.156
    member = _cost(catalog, PlanBuilder().add("aws_elasticache_cluster.m", {
        "engine": "redis", "node_type": "cache.m4.large", "replication_group_id": "rg-1"}))
    assert member.status is ResourceStatus.FREE and "replication group" in member.reasons[0]


def test_free_unsupported_and_data_resources(catalog: Catalog) -> None:
    builder = PlanBuilder()
    builder.add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"})
    builder.add("aws_sagemaker_endpoint.x", {})
    project = plan_to_project(builder.build())
    result = estimate(project, catalog)
    vpc, unknown = result.resources
    assert vpc.status is ResourceStatus.FREE and vpc.monthly_cost == 0
    assert unknown.status is ResourceStatus.UNSUPPORTED and unknown.monthly_cost is None
    assert result.counts.free == 1 and result.counts.unsupported == 1 and not result.complete


def test_bad_attribute_values_are_reported_not_raised(catalog: Catalog) -> None:
    cost = _cost(catalog, PlanBuilder().add("aws_ebs_volume.v", {"type": "gp9", "size": 10}))
    assert cost.status is ResourceStatus.INCOMPLETE and "unknown EBS volume type 'gp9'" in cost.reasons[0]


def test_the_source_index_of_models_matches_importing_them_all() -> None:
    """model_for imports one module per type, found from the models' `resource_types` lines; that index must
    say what importing every module says, or a type would silently go unpriced."""
    from finguard.pricing import registry

    everything = registry.models()
    index = registry.type_index()
    assert index is not None
    assert index == {t: type(m).__module__ for t, m in everything.items()}
    assert all(registry.model_for(t) is m for t, m in everything.items())
    assert registry.model_for("aws_no_such_thing") is None
