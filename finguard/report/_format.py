"""Number formatting shared by the human-readable formats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def money(value: Decimal | None, *, complete: bool = True, signed: bool = False) -> str:
    if value is None:
        return "-"
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = ""
    if signed and cents > 0:
        sign = "+"
    elif cents < 0:
        sign = "-"
    text = f"{sign}${abs(cents):,.2f}"
    return text if complete else f">= {text}"


def quantity(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.normalize():,f}" if abs(value) >= 1 else f"{value.normalize():f}"


def unit_price(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return f"${text}"


def percent(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):+}%"
