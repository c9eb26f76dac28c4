"""`--rates list|effective` and `--rates-file`, shared by breakdown, diff, check, comment and approvals.

The choice is made once per run: the flag, else `pricing.rates` in finguard.yml (found next to the plan or code, or
`--config`), else list prices. With effective rates the overlay must exist: a missing or broken overlay is exit 2,
never a silent fall-back to list prices.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from finguard.config import FinguardConfig
    from finguard.pricing.rates import RateIndex


def rates_options(func: Any) -> Any:
    func = click.option("--rates-file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Rate overlay to use with --rates effective (default: pricing.rates_file, "
                             "FINGUARD_RATES_FILE, else rates.json beside the price catalog).")(func)
    func = click.option("--rates", "rates_mode", type=click.Choice(["list", "effective"]),
                        help="list: public list prices; effective: the organisation's own rates from "
                             "`finguard pricing rates --from-billing DB`, with list beside them "
                             "(default: pricing.rates in finguard.yml, else list).")(func)
    return func


def resolve_rates(settings: Any, plan: Path, mode: str | None, rates_file: Path | None,
                  config: FinguardConfig | None = None, config_path: Path | None = None) -> RateIndex | None:
    """The rate index for this run, or None for list prices. `config` when the caller has read it already."""
    if mode == "list":
        return None
    if config is None:
        from finguard.config import find_config, load_config

        config_path = config_path or find_config(plan if plan.is_dir() else plan.parent)
        if mode is None and config_path is None:
            return None
        config = load_config(config_path)
    from finguard.pricing.rates_config import chosen_rates

    if chosen_rates(mode, config.pricing) == "list":
        return None  # list prices: the rates module (~30 ms to import) is not needed
    from finguard.pricing.rates import select_rates

    return select_rates(mode, rates_file, config.pricing, config.path or config_path, settings.catalog_path)
