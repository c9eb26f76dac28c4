"""JSON as the standard defines it, for every reader of user files (plans, snapshots, inventories, overlays).

Python's json module accepts NaN, Infinity and -Infinity, and turns 1e400 into inf: none of them is JSON, and
any of them would travel on as a non-finite money amount or quantity. Here each is a ValueError (NotAJsonNumber)
that the caller reports with its file name.
"""

from __future__ import annotations

import json
import math
import re
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


_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str, document: Any) -> tuple[str, tuple[int | str, ...]] | None:
    """Where `document` (decoded from `text`) holds a lone UTF-16 surrogate escape such as \\ud800, which is not
    Unicode text and could not be written out as UTF-8: ("key" or "string", the path to it, the key included);
    None when there is none. Only walks the document when the text has such an escape."""
    if not _MAYBE_SURROGATE.search(text):
        return None
    stack: list[tuple[Any, Any]] = [(document, ())]  # trails as (parent trail, part) pairs: no copies per node
    while stack:
        value, trail = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return "key", _unwind((trail, key))
                stack.append((item, (trail, key)))
        elif isinstance(value, list):
            stack.extend((item, (trail, i)) for i, item in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            return "string", _unwind(trail)
    return None


def _unwind(trail: Any) -> tuple[int | str, ...]:
    parts: list[int | str] = []
    while trail:
        trail, part = trail
        parts.append(part)
    return tuple(reversed(parts))
