"""Small bills written by hand for tests that compare two ways of computing the same thing."""

from __future__ import annotations

from pathlib import Path

HEADER = ("BilledCost,EffectiveCost,ListCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
          "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,SubAccountId,ServiceName,ResourceId,Tags\n")
ROWS = [
    ("60.5", "111", "EC2", "i-1", '{"team": "web", "env": "Prod"}'),
    ("30.25", "111", "EC2", "i-2", '{"Team": "Data", "environment": "prd"}'),
    ("10", "222", "S3", "b-1", ""),
    ("5", "333", "S3", "b-2", ""),
    ("20", "111", "AWS Support (Business)", "", ""),
    ("-3", "111", "EC2", "i-1", '{"team": "web"}'),  # a credit
    ("abc", "111", "EC2", "i-3", ""),  # rejected: not a number
    ("7", "111", "EC2", "i-4", '{"team": '),  # rejected: malformed tags
]


def hand_written(path: Path) -> Path:
    """A FOCUS CSV whose tags come in every spelling (case, aliases, values), with a credit and two bad rows."""
    body = "".join(f'{c},{c},{c},USD,2024-09-01,2024-10-01,2024-09-03,2024-09-04,Usage,AWS,900,{a},{s},{r},"'
                   + t.replace('"', '""') + '"\n' for c, a, s, r, t in ROWS)
    path.write_text(HEADER + body, encoding="utf-8")
    return path
