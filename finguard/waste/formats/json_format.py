"""`--format json`: the report model itself (schema finguard/waste, version 1)."""

from __future__ import annotations

from finguard.waste.model import WasteReport

FORMAT = "json"


def render(report: WasteReport) -> str:
    return report.dump_json()
