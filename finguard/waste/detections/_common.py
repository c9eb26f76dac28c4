"""Helpers the detections share (not a detection: modules starting with "_" are never registered)."""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from pydantic import Field

# Thresholds in finguard.yml: real numbers (not `true`), finite, in range; whole days.
Days = Annotated[int, Field(strict=True, ge=0, le=3650)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
Amount = Annotated[float, Field(strict=True, ge=0, le=1e15, allow_inf_nan=False)]


def cli(*parts: str) -> str:
    """An AWS CLI command line, each argument quoted for a POSIX shell."""
    return " ".join(shlex.quote(p) for p in parts)


def name_of(tags: dict[str, str]) -> str | None:
    return tags.get("Name") or tags.get("name") or None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (CloudWatch's definition for pNN over data points); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def volume_spec(volume_type: str, size_gb: int, iops: int | None, throughput: int | None) -> str:
    """"gp2, 500 GiB" / "io1, 100 GiB, 5,000 IOPS"."""
    parts = [volume_type, f"{size_gb:,} GiB"]
    if iops and volume_type in ("io1", "io2", "gp3"):
        parts.append(f"{iops:,} IOPS")
    if throughput and volume_type == "gp3":
        parts.append(f"{throughput:,} MiB/s")
    return ", ".join(parts)


def share(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return float(part / whole)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
