"""Option types the standard click ones leave open."""

from __future__ import annotations

import math
from typing import Any

import click

MAX_PULL_NUMBER = 2**31 - 1  # GitHub's issue and pull request numbers are 32-bit
PULL_NUMBER = click.IntRange(min=1, max=MAX_PULL_NUMBER)  # --pr


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange, without NaN and Infinity: NaN compares false with both bounds, so FloatRange lets it
    through (a `--min-savings nan` that silently filters nothing, a `--lookback nan` that fails deep inside)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number
