"""JSON as the standard defines it, for every reader of user files (plans, snapshots, inventories, overlays).

Python's json module accepts NaN, Infinity and -Infinity, and turns 1e400 into inf: none of them is JSON, and
any of them would travel on as a non-finite money amount or quantity. Here each is a ValueError (NotAJsonNumber)
that the caller reports with its file name.
"""

from __future__ import annotations

import json
import math
from typing import Any


class NotAJsonNumber(ValueError):
    pass


def reject_constant(name: str) -> Any:
    raise NotAJsonNumber(f"{name} is not a JSON number")


def finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise NotAJsonNumber(f"number {literal[:40]} is out of range")
    return value


def loads(text: str) -> Any:
    """json.loads without NaN/Infinity and without numbers that overflow a float."""
    return json.loads(text, parse_constant=reject_constant, parse_float=finite_float)
