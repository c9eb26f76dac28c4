"""The `pricing:` section of finguard.yml: which rates estimates use, and where the rate overlay lives.

Kept apart from `finguard.pricing.rates` so reading the config imports nothing but pydantic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

RatesMode = Literal["list", "effective"]
RATES_MODES: tuple[str, ...] = ("list", "effective")


class PricingConfig(BaseModel):
    """`pricing.rates: effective` prices estimates at the organisation's own effective rates (from
    `finguard pricing rates --from-billing DB`), with list prices beside them; `list` (the default) uses the
    public list prices only."""

    model_config = ConfigDict(extra="forbid")

    rates: RatesMode = "list"
    # the overlay written by `finguard pricing rates`; relative to finguard.yml. Default: rates.json beside the
    # price catalog ($FINGUARD_HOME, ~/.cache/finguard), or FINGUARD_RATES_FILE
    rates_file: Path | None = None


def chosen_rates(mode: str | None, config: PricingConfig | None) -> str:
    """The rates a run prices at: --rates first, then `pricing.rates` in finguard.yml, else list. Here, beside the
    config, so deciding on list prices does not import the overlay machinery (`finguard.pricing.rates`)."""
    return mode or (config.rates if config is not None else "list")
