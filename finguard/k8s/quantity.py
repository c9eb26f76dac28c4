"""Kubernetes resource quantities (`100m`, `1.5`, `512Mi`, `2Gi`, `1e3`, `129M`) as plain floats.

The grammar is Kubernetes' own (k8s.io/apimachinery resource.Quantity): a decimal number, then either a binary
suffix (Ki..Ei), a decimal suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-2). Negative,
non-finite and absurdly large values are refused: a quantity here is a capacity or a request, never a debt.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

MAX_QUANTITY = 1e18  # above any real node (an exabyte of memory, 10^18 cores): keeps every sum finite

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(10**3),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15),
            "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^(?P<number>\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
                       r"(?:(?P<exponent>[eE][+-]?[0-9]{1,4})|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$")


class QuantityError(ValueError):
    """A value that is not a Kubernetes quantity (the message says why, without the JSON path)."""


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> float:
    """A quantity's value in base units (cores, bytes, GPUs)."""
    shown = text if len(text) <= 40 else text[:40] + "..."
    match = _QUANTITY.match(text.strip()) if len(text) <= 100 else None
    if match is None:
        raise QuantityError(f"not a Kubernetes quantity (e.g. 500m, 2, 512Mi, 1Gi): {shown!r}")
    try:
        number = Decimal(match["number"])
        if match["exponent"]:
            value = number * Decimal(10) ** int(match["exponent"][1:])
        elif match["suffix"] in _BINARY:
            value = number * _BINARY[match["suffix"]]
        else:
            value = number * _DECIMAL[match["suffix"] or ""]
    except (InvalidOperation, OverflowError):
        raise QuantityError(f"not a finite quantity: {shown!r}") from None
    if not value.is_finite() or value > Decimal(MAX_QUANTITY):
        raise QuantityError(f"quantity larger than {MAX_QUANTITY:.0e}: {shown!r}")
    return float(value)


def quantity(value: object) -> float:
    """A quantity as the API writes it: a string, or (in hand-written files) a number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError(f"a quantity must be a string such as '500m' or '1Gi', got {type(value).__name__}")
    if isinstance(value, str):
        return parse_quantity(value)
    if not (0 <= value <= MAX_QUANTITY):  # also false for NaN
        raise QuantityError(f"quantity must be a finite number from 0 to {MAX_QUANTITY:.0e}, got {value!r}")
    return float(value)
