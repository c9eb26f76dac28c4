"""Option types the standard click ones leave open."""

from __future__ import annotations

import math
from typing import Any

import click


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange, without NaN and Infinity: NaN compares false with both bounds, so FloatRange lets it
    through (a `--min-savings nan` that silently filters nothing, a `--lookback nan` that fails deep inside)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number
