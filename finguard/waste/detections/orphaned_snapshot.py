"""EBS snapshots whose volume is gone and that no AMI uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, days_ago, monthly
from finguard.waste.detections._common import Days, cli, name_of, rounded
from finguard.waste.savings import Priced

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory

# tags AWS puts on snapshots a retention policy owns: they expire by themselves
MANAGED_TAGS = ("aws:dlm:lifecycle-policy-id", "aws:backup:source-resource")
NO_VOLUME = "vol-ffffffff"  # CopySnapshot and CreateImage from some sources leave this placeholder


class Settings(DetectionSettings):
    min_age_days: Days = 30
    skip_managed: bool = Field(default=True, strict=True)  # leave snapshots of DLM / AWS Backup policies alone


def _snapshot(snapshot_id: str, volume_id: str, age: float, tags: list[dict[str, str]] | None = None) -> dict:
    return {"SnapshotId": snapshot_id, "VolumeId": volume_id, "VolumeSize": 200, "StartTime": days_ago(age),
            "State": "completed", "OwnerId": "111122223333", "Tags": tags or []}


class OrphanedSnapshot(Detection):
    """A completed snapshot owned by the account, started at least `min_age_days` ago, whose source volume no
    longer exists (or was never recorded) and that no AMI of the account references; snapshots a Data
    Lifecycle Manager or AWS Backup policy owns are left to their retention (`skip_managed`). Fix: delete it.
    Saves its storage: priced at the source volume's full size, the most an incremental snapshot can hold, so
    the confidence is medium unless the billing store gives its actual cost."""

    kind = "orphaned-snapshot"
    rank = 20
    title = "Orphaned EBS snapshot"
    resource_type = "ebs-snapshot"
    needs = ("snapshots", "images", "volumes")
    Settings = Settings
    examples = (
        Example("a 200 GiB snapshot of a deleted volume, 120 days old, used by no AMI", {
            "ec2-describe-snapshots": {"Snapshots": [_snapshot("snap-0aaa", "vol-0gone", 120)]},
            "ec2-describe-images": {"Images": []}, "ec2-describe-volumes": {"Volumes": []}}, flags=("snap-0aaa",)),
        Example("its volume still exists; an AMI uses one; one is a week old; one belongs to a backup plan", {
            "ec2-describe-snapshots": {"Snapshots": [
                _snapshot("snap-0bbb", "vol-0live", 120), _snapshot("snap-0ccc", "vol-0gone", 120),
                _snapshot("snap-0ddd", "vol-0gone", 7),
                _snapshot("snap-0eee", "vol-0gone", 120, [{"Key": "aws:backup:source-resource", "Value": "x"}])]},
            "ec2-describe-images": {"Images": [{"ImageId": "ami-0abc", "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-0ccc"}}]}]},
            "ec2-describe-volumes": {"Volumes": [{"VolumeId": "vol-0live", "Size": 200, "VolumeType": "gp3",
                                                  "State": "in-use"}]}}, flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        volumes = {v.id for v in region.volumes}
        used = {snap for image in region.images for snap in image.snapshot_ids}
        for snap in region.snapshots:
            if snap.state != "completed" or snap.id in used:
                continue
            if ctx.account_id and snap.owner_id and snap.owner_id != ctx.account_id:
                continue  # public or shared snapshots listed with the account's own
            if snap.volume_id and snap.volume_id != NO_VOLUME and snap.volume_id in volumes:
                continue
            if s.skip_managed and any(k in snap.tags for k in MANAGED_TAGS):
                continue
            age = ctx.age_days(snap.started)
            if age is None or age < s.min_age_days:
                continue
            if snap.storage_tier == "archive":
                cost = Priced(None, "archive-tier snapshot storage is not in the catalog")
            else:
                cost = ctx.pricer.snapshot(snap.region, snap.size_gb)
            source = f"source volume {snap.volume_id} no longer exists" if snap.volume_id and \
                snap.volume_id != NO_VOLUME else "no source volume recorded"
            yield Candidate(
                kind=self.kind, resource_id=snap.id, region=snap.region, resource_type=self.resource_type,
                evidence=[f"{source}; no AMI of the account uses it; started {age:.0f} days ago",
                          f"{snap.size_gb:,} GiB source volume: at most {monthly(cost.monthly)} "
                          "(snapshots are incremental: the full size is an upper bound)"],
                confidence="medium", savings=cost, monthly_cost=cost, action="delete",
                command=cli("aws", "ec2", "delete-snapshot", "--region", snap.region, "--snapshot-id", snap.id),
                terraform_types=("aws_ebs_snapshot", "aws_ebs_snapshot_copy"), name=name_of(snap.tags),
                tags=snap.tags, billing_ids=[snap.id],
                facts={"volume_id": snap.volume_id, "size_gb": snap.size_gb, "age_days": rounded(age),
                       "description": snap.description})
