"""Compare report models across code paths whose float sums may run in a different order."""

from __future__ import annotations

from typing import Any


def rounded(value: Any, places: int = 6) -> Any:
    """`value` with every float rounded: two engines summing the same doubles differ in the last bits."""
    if isinstance(value, float):
        return round(value, places) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {k: rounded(v, places) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, places) for v in value]
    return value
