"""CSV: one row per (grouping, group), every figure of the report's groupings, for spreadsheets and BI tools."""

from __future__ import annotations

import csv
import io

from finguard.k8s.report import GroupRow, K8sReport

NAME = "csv"
EXTENSION = "csv"
COLUMNS = ("cluster", "start", "end", "currency", "dimension", *GroupRow.model_fields)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"
    return value


def render(report: K8sReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for grouping in report.groupings:
        for row in grouping.rows:
            values = row.model_dump()
            # a value starting with = + - @ would be a formula to a spreadsheet: quote it as text
            name = values["name"]
            if name[:1] in ("=", "+", "-", "@"):
                values["name"] = "'" + name
            writer.writerow([report.cluster, report.start.isoformat(), report.end.isoformat(), report.currency,
                             grouping.by, *(_cell(values[k]) for k in GroupRow.model_fields)])
    return buffer.getvalue()
