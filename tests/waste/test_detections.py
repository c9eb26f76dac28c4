"""Every detection against its own examples (the generic test of the registry), and the registry itself."""

from __future__ import annotations

import pytest

from finguard.config import FinguardConfig, section_model
from finguard.waste.detections import detections
from finguard.waste.detections._examples import inventory
from finguard.waste.engine import Selection, scan
from finguard.waste.formats import FORMAT_NAMES, formats
from tests.waste.moto_account import KINDS

CASES = [(kind, i) for kind, d in detections().items() for i in range(len(d.examples))]


@pytest.fixture(scope="module")
def pricer(catalog):
    from finguard.waste.savings import Pricer

    return Pricer(catalog)


def test_registry_has_the_ten_kinds_each_documented() -> None:
    assert set(detections()) == set(KINDS)
    for kind, d in detections().items():
        assert d.rule() and len(d.rule()) > 80, kind
        assert any(e.flags for e in d.examples) and any(not e.flags for e in d.examples), kind
        assert d.field_name() in section_model("waste").model_fields, kind
    assert set(formats()) == set(FORMAT_NAMES)


@pytest.mark.parametrize(("kind", "index"), CASES, ids=[f"{k}-{i}" for k, i in CASES])
def test_detection_examples(kind: str, index: int, pricer) -> None:
    detection = detections()[kind]
    example = detection.examples[index]
    config = FinguardConfig.model_validate({"waste": {detection.field_name(): example.settings}})
    report = scan(inventory(example), config, pricer, Selection([detection], {}))
    assert sorted(f.resource_id for f in report.findings) == sorted(example.flags), example.note
    for f in report.findings:
        assert f.kind == kind and f.evidence and f.remediation.command.startswith("aws ")
        assert f.monthly_savings is None or f.monthly_savings > 0


def test_thresholds_from_config_change_the_outcome(pricer) -> None:
    d = detections()["unattached-volume"]
    firing = d.examples[0]  # detached 40 days ago
    stricter = FinguardConfig.model_validate({"waste": {"unattached_volume": {"min_age_days": 60}}})
    assert not scan(inventory(firing), stricter, pricer, Selection([d], {})).findings
    off = FinguardConfig.model_validate({"waste": {"unattached_volume": {"enabled": False}}})
    from finguard.waste.engine import select

    chosen = select(off, None)
    assert "unattached-volume" in chosen.skipped and d not in chosen.run


def test_overlapping_findings_count_once(pricer) -> None:
    """A stopped instance keeps paying for its gp2 volume: both are findings, the total counts the larger."""
    from finguard.waste.detections import Example, days_ago

    instance = {"InstanceId": "i-0stop", "InstanceType": "m5.large", "State": {"Code": 80, "Name": "stopped"},
                "StateTransitionReason": f"User initiated ({days_ago(90)[:19].replace('T', ' ')} GMT)",
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-0gp2"}}]}
    volume = {"VolumeId": "vol-0gp2", "Size": 500, "VolumeType": "gp2", "State": "in-use",
              "Attachments": [{"InstanceId": "i-0stop", "State": "attached"}]}
    example = Example("", {"ec2-describe-instances": {"Reservations": [{"Instances": [instance]}]},
                           "ec2-describe-volumes": {"Volumes": [volume]},
                           "ec2-describe-addresses": {"Addresses": []}}, flags=())
    chosen = [detections()["stopped-instance"], detections()["gp2-volume"]]
    report = scan(inventory(example), FinguardConfig(), pricer, Selection(chosen, {}))
    assert [(f.kind, f.monthly_savings, f.counted) for f in report.findings] == [
        ("stopped-instance", 50.0, True), ("gp2-volume", 5.0, False)]
    assert report.summary.monthly_savings == 50.0 and report.summary.resources == 2
