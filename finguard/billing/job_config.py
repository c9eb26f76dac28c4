"""Configuration of the scheduled billing jobs (budgets, anomalies, forecast, estimate matching).

Pydantic only, so `finguard.yml` validates every job's settings at load without importing pandas or numpy;
the job modules import their models from here.
"""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator


def _bool_for_number(value: Any, annotation: Any) -> bool:
    """True when YAML's `true`/`false` would land in a number (pydantic reads it as 1 or 0 in lax mode)."""
    if annotation in (int, float):
        return isinstance(value, bool)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return bool not in args and any(_bool_for_number(value, arg) for arg in args if arg is not type(None))
    if origin in (list, tuple, set, frozenset) and isinstance(value, list | tuple):
        item = args[0] if args else Any
        return any(_bool_for_number(v, item) for v in value)
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return any(_bool_for_number(v, args[1]) for v in value.values())
    return False


class ConfigModel(BaseModel):
    """A section of finguard.yml, as strict as the rest of it: unknown keys, `true` where a number is meant
    and NaN/Infinity are errors, not silently 1, 0 or a threshold nothing can reach."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _bool_for_number(value, field.annotation):
            if isinstance(value, bool):
                raise ValueError(f"must be a number, got {str(value).lower()}")
            raise ValueError("must hold numbers only, got true or false in it")
        return value


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class RunRate(ConfigModel):
    """How the rest of the period is projected."""

    model_config = ConfigDict(extra="forbid")

    lookback_days: int = Field(7, ge=1, le=90)
    weekday_aware: bool = True


class Budget(ConfigModel):
    """One budget: which rows, how much, per month or quarter, and its thresholds (% of the amount)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    amount: float = Field(gt=0)
    period: Literal["monthly", "quarterly"] = "monthly"
    owner: list[str] | None = None
    account: list[str] | None = Field(None, description="SubAccountId")
    billing_account: list[str] | None = Field(None, description="BillingAccountId")
    service: list[str] | None = Field(None, description="ServiceName")
    provider: list[str] | None = Field(None, description="ProviderName")
    kind: list[Literal["direct", "shared"]] | None = None
    tag: dict[str, list[str]] | None = Field(None, description="tag key -> values; reads column tag_<key>")
    at_risk_pct: float | None = Field(None, gt=0)
    over_pct: float | None = Field(None, gt=0)

    @field_validator("owner", "account", "billing_account", "service", "provider", "kind", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _listify(value)

    @field_validator("tag", mode="before")
    @classmethod
    def _tag_values(cls, value: Any) -> Any:
        return {k: _listify(v) for k, v in value.items()} if isinstance(value, dict) else value


class BudgetsConfig(ConfigModel):
    """The budgets file (YAML or JSON)."""

    model_config = ConfigDict(extra="forbid")

    currency: str | None = None
    at_risk_pct: float = Field(90.0, gt=0)
    over_pct: float = Field(100.0, gt=0)
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    run_rate: RunRate = Field(default_factory=RunRate)
    budgets: list[Budget] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> BudgetsConfig:
        names = [b.name for b in self.budgets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"budget names must be unique: {', '.join(dupes)}")
        for b in self.budgets:
            at_risk, over = self.thresholds(b)
            if at_risk > over:
                raise ValueError(f"budget {b.name!r}: at_risk_pct {at_risk} is above over_pct {over}")
        return self

    def thresholds(self, budget: Budget) -> tuple[float, float]:
        return (budget.at_risk_pct if budget.at_risk_pct is not None else self.at_risk_pct,
                budget.over_pct if budget.over_pct is not None else self.over_pct)


class AnomalyKind(StrEnum):
    """What shape of change an anomaly is."""

    SPIKE = "spike"
    LEVEL_SHIFT = "level_shift"
    DRIFT = "drift"


class AnomalyConfig(ConfigModel):
    """Thresholds and windows; defaults suit daily allocated cost in dollars."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sensitivity: float = Field(3.0, gt=0, description="score threshold, in robust sigmas")
    min_impact: float = Field(50.0, ge=0, description="minimum excess over expected, $/day")
    min_history: int = Field(28, ge=21, description="days of a series before its first scored day")
    lookback_weeks: int = Field(8, ge=2, description="same-weekday history for the weekly index")
    level_window: int = Field(7, ge=3, description="days in the recent-level median")
    scale_window: int = Field(28, ge=7, description="days of residuals in the robust scale")
    min_scale: float = Field(0.02, gt=0, description="floor of the scale, as a fraction of expected")
    shift_confirm_days: int = Field(3, ge=2, description="days a step must persist to be a level shift")
    drift_window: int = Field(28, ge=14, description="days in the drift reference level")
    drift_min_rel: float = Field(0.15, gt=0, description="minimum drift size, as a fraction of the reference")
    drift_k: float = Field(0.5, ge=0, description="CUSUM allowance, sigmas per day")
    drift_h: float = Field(8.0, gt=0, description="CUSUM alarm threshold, sigmas")
    direction: Literal["up", "both"] = "up"
    detectors: frozenset[AnomalyKind] = frozenset(AnomalyKind)
    root_cause_top: int = Field(3, ge=1)


class ForecastConfig(ConfigModel):
    """Interval levels, model choices and history thresholds, and which series are worth a model of their own.

    A model fit costs ~10-40 ms and a simulated path set per series; a bill keyed by owner x service x account has
    thousands of series, most of them cents a day or a few days old. So: a series whose cost over the last
    `size_window_days` is under `min_share` of all series' (or under `min_daily_cost` a day) is *small*, one with
    fewer than `min_history_days` days since its first non-zero day is *short*; `small_series` / `short_series`
    say what happens to them: "other" rolls them into an "(other)" series per key level, "naive" forecasts each
    on its own without a model (each weekday at its recent mean, no interval). Of the rest, the `max_models`
    largest (the total first) are fitted per forecast date (the back-test's months are forecast dates too); any
    beyond are naive. Every forecast says which it got (`method`, `naive`, `rollup` in the JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[float, ...] = (0.8, 0.95)
    damped_trend: bool = True
    simulations: int = Field(1000, ge=100, le=100_000, description="simulated paths behind every interval")
    seed: int = 0
    fit_days: int = Field(365, ge=35, description="most recent days of history the model is fitted on")
    min_days_trend: int = Field(35, ge=21)
    min_days_seasonal: int = Field(14, ge=14)
    min_days_level: int = Field(5, ge=3)
    include_total: bool = True
    min_history_days: int = Field(14, ge=1, description="fewer days since a series' first non-zero day: short")
    min_share: float = Field(0.002, ge=0, lt=1, description="below this share of the cost of the last "
                             "size_window_days (all series): small; 0 turns it off")
    min_daily_cost: float = Field(0.0, ge=0, description="below this mean cost a day over size_window_days "
                                  "(billing currency): small; 0 turns it off")
    size_window_days: int = Field(28, ge=7, le=366, description="recent days a series' size is judged on")
    small_series: Literal["other", "naive"] = "other"
    short_series: Literal["other", "naive"] = "naive"
    max_models: int = Field(100, ge=1, le=100_000, description="series fitted per forecast date, the total "
                            "included; the rest are forecast naively")
    daily: Literal["total", "all"] = Field("total", description="series whose daily forecast the JSON carries")

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(not 0 < v < 1 for v in value) or len(set(value)) != len(value):
            raise ValueError("give one or more distinct interval levels between 0 and 1, e.g. [0.8, 0.95]")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ForecastConfig:
        steps = [("min_days_level", self.min_days_level), ("min_days_seasonal", self.min_days_seasonal),
                 ("min_days_trend", self.min_days_trend), ("fit_days", self.fit_days)]
        for (low, a), (high, b) in pairwise(steps):
            if a > b:
                raise ValueError(f"{low} ({a}) must not exceed {high} ({b})")
        if self.min_history_days < self.min_days_level:
            raise ValueError(f"min_history_days ({self.min_history_days}) must be at least min_days_level "
                             f"({self.min_days_level}): a shorter series gets no model anyway")
        return self


class MatchConfig(ConfigModel):
    """How estimates find their billed rows (see the module docstring for the order)."""

    model_config = ConfigDict(extra="forbid")

    address_tag: str | None = "terraform_address"
    resource_ids: dict[str, list[str]] = Field(default_factory=dict, description="address -> ResourceIds/globs")
    use_state_ids: bool = True
    tag_keys: list[str] = Field(default_factory=lambda: ["Name"])
    cost: Literal["ListCost", "EffectiveCost", "BilledCost"] = "ListCost"
    top_unmatched: int = Field(10, ge=0)




# -- what each `finguard billing <job>` reads from finguard.yml -------------------------------------------
SERIES_KEYS = ("ServiceName", "SubAccountId", "owner")  # columns of allocated_daily a series may be keyed by


class AnomalyJob(AnomalyConfig):
    """`billing anomalies`: the detector's settings, which series it scores, and which days it reports."""

    by: list[Literal["ServiceName", "SubAccountId", "owner", "BillingAccountId", "ProviderName"]] = Field(
        default_factory=lambda: list(SERIES_KEYS), min_length=1)
    report_days: int = Field(14, ge=1, description="report anomalies of the last N days of data")


class ForecastJob(ForecastConfig):
    """`billing forecast`: per owner (and total) by default; months ahead and months held out to back-test."""

    by: list[Literal["owner", "ServiceName", "SubAccountId"]] = Field(default_factory=lambda: ["owner"])
    horizon_months: int = Field(3, ge=1, le=24)
    backtest_months: int = Field(3, ge=0, le=12, description="0 skips the back-test")


class CommitmentsJob(ConfigModel):
    """`billing commitments`: the what-if windows and coverage target of the purchase recommendation."""

    model_config = ConfigDict(extra="forbid")

    lookback_days: list[int] = Field(default_factory=lambda: [30, 60, 90], min_length=1)
    target_coverage: float = Field(0.8, gt=0, le=1)
    commitment_type: str = "Savings Plan"


class UnitCostsJob(ConfigModel):
    """`billing unit-costs`: the business metrics CSV (day, owner, metric, value) and the bucket size."""

    model_config = ConfigDict(extra="forbid")

    metrics: str | None = Field(None, description="CSV path, relative to finguard.yml")
    grain: Literal["day", "week", "month"] = "month"
    gauges: list[str] = Field(default_factory=list, description="metrics averaged, not summed (e.g. customers)")
