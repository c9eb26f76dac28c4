"""The waste section of `finguard billing report`: the findings the store keeps (`finguard waste --db`), open and
resolved, with projected and realised savings. It renders with the `finguard waste` formats' own code, so the
scheduled report and the standalone one show the same table."""

from __future__ import annotations

import csv
from pathlib import Path

from finguard.waste.formats import csv_format
from finguard.waste.formats import html as waste_html
from finguard.waste.formats import markdown as waste_markdown
from finguard.waste.formats._common import headline, realised_line
from finguard.waste.model import WasteReport

NAME = "waste"
TITLE = "Waste and rightsizing"
RESOLVED_COLUMNS = ("resolved_on", "kind", "resource_id", "region", "account_id", "owner", "resolution", "first_seen",
                    "last_seen", "projected_monthly_savings", "realised_monthly_savings", "realised_basis", "detail")


def text(result: WasteReport, currency: str) -> str:
    lines = [f"waste: {headline(result)}"]
    realised = realised_line(result)
    if realised:
        lines.append(realised)
    return "\n".join(lines)


def markdown(result: WasteReport, currency: str) -> str:
    return waste_markdown.section(result)


def html(result: WasteReport, currency: str) -> str:
    return waste_html.section(result)


def write_csv(result: WasteReport, directory: Path) -> list[Path]:
    """waste.csv (the open findings, as `finguard waste --format csv`) and waste_resolved.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    findings = directory / "waste.csv"
    findings.write_text(csv_format.render(result), encoding="utf-8")
    resolved = directory / "waste_resolved.csv"
    with resolved.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle, lineterminator="\n")
        w.writerow(RESOLVED_COLUMNS)
        for r in result.resolved:
            w.writerow(["" if (v := getattr(r, c)) is None else (f"{v:.2f}" if isinstance(v, float) else v)
                        for c in RESOLVED_COLUMNS])
    return [findings, resolved]
