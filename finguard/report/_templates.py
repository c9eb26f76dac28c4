"""Jinja2 environment for the Markdown and HTML formats (loaded only when those formats are used)."""

from __future__ import annotations

from functools import cache

import jinja2

from finguard.report import _format
from finguard.report._rates import basis_label, rates_lines
from finguard.report._summary import coverage_lines


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("finguard.report", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["money"] = _format.money
    env.filters["qty"] = _format.quantity
    env.filters["unit_price"] = _format.unit_price
    env.filters["percent"] = _format.percent
    env.globals["coverage_lines"] = coverage_lines
    env.globals["rates_lines"] = rates_lines
    env.filters["basis"] = basis_label
    return env


def render(template: str, *, autoescape: bool, **context: object) -> str:
    return environment(autoescape).get_template(template).render(**context)
