"""The `waste:` section of finguard.yml: scan-wide settings and one block of thresholds per detection.

The per-kind blocks come from the detections themselves (`waste.<kind_with_underscores>`: each module's
`Settings`), so a new detection brings its thresholds with it. Everything is strict like the rest of the file:
an unknown key is an error naming the key it probably meant, numbers must be finite and in range.

    waste:
      regions: [us-east-1, eu-west-1]     # live scans without --region
      lookback_days: 14                   # CloudWatch window for utilisation and idleness
      min_monthly_savings: 5              # hide findings that save less (USD per month)
      owner_tags: [team, owner]           # default: the tag aliases of billing.allocation's owner dimension
      metrics: {api: get-metric-data}     # or get-metric-statistics (one call per series)
      orphaned_snapshot: {min_age_days: 90}
      oversized_instance: {max_cpu_p95: 30, prefer_graviton: true}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model, field_validator

from finguard.waste.detections import DetectionSettings, detections
from finguard.waste.layout import REGION_PATTERN


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricsSettings(_Strict):
    """How a live scan reads CloudWatch."""

    enabled: StrictBool = True  # false: no CloudWatch calls (metric-based kinds are then not judged)
    # get-metric-data: up to 500 series per call (fewest calls, the default); get-metric-statistics: one call per
    # series (for endpoints whose GetMetricData is slow or partial, e.g. local emulators)
    api: Literal["get-metric-data", "get-metric-statistics"] = "get-metric-data"


class _WasteBase(_Strict):
    regions: list[str] = Field(default_factory=list)
    lookback_days: int = Field(default=14, strict=True, ge=1, le=455)  # CloudWatch keeps hourly data 455 days
    min_monthly_savings: Annotated[float, Field(strict=True, ge=0, le=1e12, allow_inf_nan=False)] = 0.0
    owner_tags: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(default_factory=list)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        for region in value:
            if not REGION_PATTERN.match(region):
                raise ValueError(f"{region!r} is not an AWS region code (e.g. us-east-1)")
        return value

    def settings_for(self, kind: str) -> DetectionSettings:
        settings: DetectionSettings = getattr(self, kind.replace("-", "_"))
        return settings


def _build() -> type[_WasteBase]:
    fields: dict[str, Any] = {}
    for detection in detections().values():
        fields[detection.field_name()] = (detection.Settings, Field(default_factory=detection.Settings))
    return create_model("WasteConfig", __base__=_WasteBase, __doc__="finguard.yml `waste:`", **fields)


WasteConfig = _build()
