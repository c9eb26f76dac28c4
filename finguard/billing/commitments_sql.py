"""`CommitmentQueries` in plain DuckDB SQL on the billing store: the commitments job without Ibis or pandas.

Ibis compiling the report's aggregation (nine filtered sums per commitment, seven per type, eligibility made of
OR-ed value combinations) took longer than DuckDB running it, and importing Ibis and pandas longer still. Each
query here renders the Ibis one in `finguard.billing.commitments` (same predicates, same three-valued logic,
same exact DECIMAL(38, 12) casts), and tests/billing/test_commitments_sql.py holds the two to identical results.
"""

from __future__ import annotations

from copy import copy
from datetime import datetime
from typing import Any

from finguard.billing.commitment_model import (
    Commitment,
    CubeRow,
    Eligibility,
    EligibilityRule,
    Held,
    UsedValues,
    commitment_of,
    cube_row,
    held_of,
    used_by_commitment,
)
from finguard.billing.config import UNALLOCATED
from finguard.billing.schema import X_PERIOD
from finguard.billing.store import literal, quoted

USAGE = "(\"ChargeCategory\" = 'Usage') AND (_status <> 'Unused')"  # `_usage`


def exact_cost_sql(column: str) -> str:
    """`exact_cost`: a float64 cost as DECIMAL(38, 12) via its shortest decimal text."""
    return f"CAST(CAST({quoted(column)} AS VARCHAR) AS DECIMAL(38, 12))"


def prepared_sql(source: str, owner: str | None) -> str:
    """`_prepared`: `source`'s rows (a SELECT of the store's charges) with the columns every query reads; `owner`
    names the owner column (None: SubAccountId)."""
    owner_value = quoted(owner or "SubAccountId")
    return (f"SELECT *, COALESCE(CAST({owner_value} AS VARCHAR), {literal(UNALLOCATED)}) AS _owner, "
            "COALESCE(\"CommitmentDiscountId\", '') AS _cid, COALESCE(\"CommitmentDiscountStatus\", '') AS _status, "
            f"{exact_cost_sql('ListCost')} AS _list, {exact_cost_sql('EffectiveCost')} AS _eff, "
            f"{exact_cost_sql('BilledCost')} AS _billed FROM ({source}) AS s")


def _rule_sql(rule: EligibilityRule, eligibility: Eligibility) -> str:
    """`_rule_predicate`."""
    parts = [f"{quoted(col)} IN ({', '.join(map(literal, values))})" if values else "FALSE"
             for col, values in sorted(rule.match.items())]
    if rule.same_as_used:
        combos = eligibility.options(rule)
        if not combos:
            return "FALSE"
        options = [" AND ".join(f"{quoted(col)} IS NULL" if value is None else f"{quoted(col)} = {literal(value)}"
                                for col, value in zip(rule.same_as_used, combo, strict=True))
                   for combo in combos]
        parts.append("(" + " OR ".join(f"({o})" for o in options) + ")")
    return "(" + " AND ".join(parts) + ")" if parts else "TRUE"


def _eligible_sql(eligibility: Eligibility, covered: str) -> str:
    """Usage, and covered or matching one of the rules (null as false)."""
    alternatives = [f"({covered})", *(_rule_sql(r, eligibility) for r in eligibility.rules)]
    return f"({USAGE}) AND COALESCE({' OR '.join(alternatives)}, FALSE)"


def _covered_sql(mine: str) -> str:
    """Usage that the commitments `mine` selects covered."""
    return f"({mine}) AND _status = 'Used' AND \"ChargeCategory\" = 'Usage'"


def _sums_sql(mine: str, eligible: str, *, with_span: bool) -> list[str]:
    """`IbisQueries._sums`: a commitment's (or type's) aggregates in `Sums` order, then its span."""
    covered = _covered_sql(mine)
    unused = f"({mine}) AND _status = 'Unused'"
    sums = [f"sum(_billed) FILTER (WHERE ({mine}) AND \"ChargeCategory\" = 'Purchase')",
            f"sum(_eff) FILTER (WHERE {covered})", f"sum(_eff) FILTER (WHERE {unused})",
            f"sum(_list) FILTER (WHERE {covered})", f"sum(_list) FILTER (WHERE {eligible})",
            f"sum(_eff) FILTER (WHERE {eligible})", f"sum(_billed) FILTER (WHERE ({eligible}) AND NOT ({covered}))"]
    if with_span:
        sums += [f"min(\"ChargePeriodStart\") FILTER (WHERE ({covered}) OR ({unused}))",
                 f"max(\"ChargePeriodEnd\") FILTER (WHERE ({covered}) OR ({unused}))"]
    return sums


class SqlQueries:
    """`CommitmentQueries` over the store's connection. `charges`: a SELECT of the charges to report on;
    `labelled`: the same rows with the owner column `owner` (`allocate.labelled_sql`), read only by the report's
    aggregation, so the other queries skip the tag join."""

    def __init__(self, con: Any, charges: str, labelled: str | None = None, owner: str | None = None) -> None:
        self.con = con
        self.charges = prepared_sql(charges, None)
        self.labelled = prepared_sql(labelled, owner) if labelled is not None else self.charges
        self.columns = [d[0] for d in con.execute(f"SELECT * FROM ({self.charges}) AS t LIMIT 0").description]
        self._catalogue: tuple[list[Commitment], list[str]] | None = None

    def owned_by(self, labelled: str, owner: str) -> SqlQueries:
        """These queries with the report's aggregation reading `labelled` (the same rows, owner column `owner`)."""
        owned = copy(self)
        owned.labelled = prepared_sql(labelled, owner)
        return owned

    def _rows(self, select: str, where: str, params: list[Any] | None = None,
              rest: str = "") -> list[tuple[Any, ...]]:
        """`SELECT select FROM the charges WHERE where rest` (no str.format: literals may hold braces)."""
        return self.con.execute(f"SELECT {select} FROM ({self.charges}) AS t WHERE {where} {rest}",
                                params or []).fetchall()

    def catalogue(self) -> tuple[list[Commitment], list[str]]:
        """Kept once read: the command asks first whether there are commitments at all."""
        if self._catalogue is None:
            rows = self._rows("_cid, max(\"CommitmentDiscountName\"), max(\"CommitmentDiscountType\"), "
                              "max(\"CommitmentDiscountCategory\")", "_cid <> ''", rest="GROUP BY _cid ORDER BY _cid")
            currencies = [c for (c,) in self._rows("DISTINCT \"BillingCurrency\"", "TRUE") if c is not None]
            self._catalogue = [commitment_of(r) for r in rows], currencies
        return self._catalogue

    def used_values(self, columns: list[str], commitment_type: str | None) -> dict[str, UsedValues]:
        of_type = "" if commitment_type is None else f" AND \"CommitmentDiscountType\" = {literal(commitment_type)}"
        rows = self._rows(f"DISTINCT _cid, {', '.join(map(quoted, columns))}",
                          f"_status = 'Used' AND _cid <> ''{of_type}")
        return used_by_commitment(rows, columns)

    def cube(self, commitments: list[Commitment], eligibility: dict[str, Eligibility],
             types: list[str]) -> list[CubeRow]:
        flags = [f"{_eligible_sql(eligibility[c.id], _covered_sql(f'_cid = {literal(c.id)}'))} AS _el_{i}"
                 for i, c in enumerate(commitments)]
        index = {c.id: i for i, c in enumerate(commitments)}
        aggs = [a for i, c in enumerate(commitments)
                for a in _sums_sql(f"_cid = {literal(c.id)}", f"_el_{i}", with_span=True)]
        for ctype in types:
            ids = [c.id for c in commitments if c.type == ctype]
            aggs += _sums_sql(f"_cid IN ({', '.join(map(literal, ids))})",
                              "(" + " OR ".join(f"_el_{index[c]}" for c in ids) + ")", with_span=False)
        relevant = " OR ".join(["_cid <> ''", *(f"_el_{i}" for i in range(len(commitments)))])
        period = quoted(X_PERIOD)
        sql = (f"SELECT {period}, _owner, {', '.join(aggs)} FROM (SELECT *, {', '.join(flags)} "
               f"FROM ({self.labelled}) AS t) AS e WHERE {relevant} GROUP BY {period}, _owner")
        return [cube_row(r, len(commitments), len(types)) for r in self.con.execute(sql).fetchall()]

    @staticmethod
    def _type_eligible(commitment_type: str, eligibility: Eligibility) -> str:
        return _eligible_sql(eligibility, f"\"CommitmentDiscountType\" = {literal(commitment_type)} "
                                          "AND _status = 'Used'")

    def bounds(self, commitment_type: str, eligibility: Eligibility) -> tuple[datetime | None, datetime | None]:
        ((first, last),) = self._rows("min(\"ChargePeriodStart\"), max(\"ChargePeriodEnd\")",
                                      self._type_eligible(commitment_type, eligibility))
        return first, last

    def hourly(self, commitment_type: str, eligibility: Eligibility, start: datetime,
               end: datetime) -> list[tuple[datetime, datetime, Any]]:
        rows = self._rows(f"\"ChargePeriodStart\", \"ChargePeriodEnd\", sum({exact_cost_sql('ListCost')})",
                          f"({self._type_eligible(commitment_type, eligibility)}) "
                          "AND \"ChargePeriodEnd\" > ? AND \"ChargePeriodStart\" < ?", [start, end],
                          rest="GROUP BY 1, 2 ORDER BY 1, 2")
        return [(s, e, c) for s, e, c in rows]

    def held(self, commitment_type: str, windows: list[tuple[datetime, datetime]]) -> list[Held]:
        aggs, params = [], []
        for start, end in windows:
            inside = "\"ChargePeriodStart\" >= ? AND \"ChargePeriodStart\" < ?"
            aggs += [f"sum(_list) FILTER (WHERE {inside} AND _status = 'Used')",
                     f"sum(_eff) FILTER (WHERE {inside} AND _status = 'Used')", f"sum(_eff) FILTER (WHERE {inside})"]
            params += [start, end] * 3
        (values,) = self._rows(", ".join(aggs), f"\"CommitmentDiscountType\" = {literal(commitment_type)} "
                               "AND _status IN ('Used', 'Unused')", params)
        return [held_of(values[3 * k:3 * k + 3]) for k in range(len(windows))]
