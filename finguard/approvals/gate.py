"""The cost approval gate's logic, without any API call: which rules a pull request triggers, what each approval
covers, and the state to report.

An approval is tied to the cost it was given for. Every run records, for the head commit it evaluated, the figures
of each triggered rule (the monthly delta, each expensive resource's cost, the findings) in a hidden marker of the
sticky comment. A review approves a commit (`commit_id`); the figures recorded for that commit are what the
approver saw. The rule is satisfied while the current figures stay within them: a later push that raises the
delta (or adds an expensive resource, or a new finding) beyond what was approved makes the gate pending again; a
push that lowers the cost keeps the approval.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from finguard.approvals.config import ApprovalRule, ApprovalsConfig
from finguard.model import Action

if TYPE_CHECKING:
    from finguard.diff import ProjectDiff
    from finguard.model import ProjectCost
    from finguard.policy.model import CheckResult

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MAX_RECORDS = 20
MAX_SECTION_BYTES = 16 * 1024  # the comment keeps this much room for the gate's section
DESCRIPTION_LIMIT = 140  # GitHub's limit for a commit status description
SECTION_START = "<!-- finguard:approval -->"
SECTION_END = "<!-- /finguard:approval -->"
_RECORD = re.compile(r"<!-- finguard:approval-record ([A-Za-z0-9_=-]*) -->")
_SECTION = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END), re.DOTALL)
CHANGING = (Action.CREATE, Action.UPDATE, Action.REPLACE)


@dataclass
class GateProject:
    """One PLAN_OR_DIR argument: where it is, its cost diff, its costs after the change, its policy check."""

    path: str
    diff: ProjectDiff
    after: ProjectCost
    check: CheckResult


class RuleFigures(BaseModel):
    """What a triggered rule saw: an approval covers figures up to these."""

    delta: Decimal | None = None  # USD/month at the run's rates
    percent: Decimal | None = None
    resources: dict[str, Decimal] = Field(default_factory=dict)  # hash of the address -> monthly cost
    findings: list[str] = Field(default_factory=list)  # hashes of the finding fingerprints


class Record(BaseModel):
    sha: str = Field(pattern=r"^[0-9a-f]{7,64}$")
    rates: Literal["list", "effective"] = "list"
    rules: dict[str, RuleFigures] = Field(default_factory=dict)


@dataclass
class Triggered:
    rule: ApprovalRule
    reasons: list[str]
    figures: RuleFigures
    approvers: list[str]


@dataclass(frozen=True)
class Review:
    login: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str | None
    submitted_at: str | None = None


class RuleState(BaseModel):
    id: str
    reasons: list[str]
    approvers: list[str]
    approved_by: str | None = None
    approved_at: str | None = None  # the commit the approving review was given on
    notes: list[str] = Field(default_factory=list)


class GateResult(BaseModel):
    """The gate's verdict for one head commit (also `finguard approvals --format json`)."""

    state: Literal["success", "pending"]
    description: str
    context: str
    sha: str | None = None
    rates: Literal["list", "effective"] = "list"
    monthly_cost_delta: Decimal = Decimal(0)
    rules: list[RuleState] = Field(default_factory=list)
    waiting_for: list[str] = Field(default_factory=list)  # approvers of the rules still pending
    target_url: str | None = None


# -- which rules trigger -----------------------------------------------------------------------------------------
def money(value: Decimal) -> str:
    from finguard.report._format import money as fmt

    return fmt(value)


def signed(value: Decimal) -> str:
    from finguard.report._format import money as fmt

    return fmt(value, signed=True)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def in_scope(rule: ApprovalRule, path: str) -> bool:
    """A rule without `paths` covers every project; else the PLAN_OR_DIR must match one glob (`*` spans `/`)."""
    if not rule.paths:
        return True
    clean = path.replace("\\", "/").removeprefix("./").rstrip("/")
    return any(fnmatch.fnmatchcase(clean, p.removeprefix("./").rstrip("/")) for p in rule.paths)


def evaluate_rules(config: ApprovalsConfig, projects: Sequence[GateProject]) -> list[Triggered]:
    """The rules this change triggers, each with its reasons, figures and approvers."""
    out = []
    for rule in config.rules:
        scope = [p for p in projects if in_scope(rule, p.path)]
        if scope:
            triggered = _evaluate(rule, scope, config)
            if triggered is not None:
                out.append(triggered)
    return out


def _evaluate(rule: ApprovalRule, scope: Sequence[GateProject], config: ApprovalsConfig) -> Triggered | None:
    reasons: list[str] = []
    hits: dict[str, bool] = {}
    figures = RuleFigures()
    owners_of: list[dict[str, str]] = []  # tags of what triggered the rule
    before = sum((p.diff.before_at_rates for p in scope), Decimal(0))
    delta = _cents(sum((p.diff.delta_at_rates for p in scope), Decimal(0)))
    percent = (delta / before * 100).quantize(TENTH, rounding=ROUND_HALF_UP) if before > 0 else None
    tags = {r.address: r.tags for p in scope for r in p.after.resources}
    increased = [r.address for p in scope for r in p.diff.resources if (r.delta_at_rates or 0) > 0]
    if rule.monthly_delta_over is not None:
        limit = Decimal(str(rule.monthly_delta_over))
        hits["monthly_delta_over"] = delta > limit
        if hits["monthly_delta_over"]:
            reasons.append(f"monthly cost {signed(delta)} (over {money(limit)})")
            figures.delta = delta
            owners_of += [tags.get(a, {}) for a in increased]
    if rule.monthly_delta_percent_over is not None:
        limit = Decimal(str(rule.monthly_delta_percent_over))
        hits["monthly_delta_percent_over"] = percent is not None and percent > limit
        if hits["monthly_delta_percent_over"]:
            reasons.append(f"monthly cost {percent:+}% (over {limit:g}%)")
            figures.percent = percent
            figures.delta = delta
            owners_of += [tags.get(a, {}) for a in increased]
    if rule.resource_monthly_over is not None:
        limit = Decimal(str(rule.resource_monthly_over))
        expensive = [(r.address, _cents(r.cost_at_rates or Decimal(0))) for p in scope for r in p.after.resources
                     if r.action in CHANGING and r.cost_at_rates is not None and r.cost_at_rates > limit]
        hits["resource_monthly_over"] = bool(expensive)
        if expensive:
            expensive.sort(key=lambda item: (-item[1], item[0]))
            shown = ", ".join(f"`{a}` {money(c)}" for a, c in expensive[:3])
            more = f" and {len(expensive) - 3} more" if len(expensive) > 3 else ""
            reasons.append(f"{shown}{more} per month (over {money(limit)})")
            figures.resources = {_hash(a): c for a, c in expensive}
            owners_of += [tags.get(a, {}) for a, _ in expensive]
    if rule.findings:
        found = [f for p in scope for f in p.check.active
                 if any(fnmatch.fnmatchcase(f.policy_id, pattern) for pattern in rule.findings)]
        hits["findings"] = bool(found)
        if found:
            ids = sorted({f.policy_id for f in found})
            reasons.append(f"{len(found)} finding{'s' if len(found) != 1 else ''} of {', '.join(ids)}")
            figures.findings = sorted({_hash(f.fingerprint) for f in found})
            owners_of += [tags.get(f.address or "", {}) for f in found]
    fired = all(hits.values()) if rule.match == "all" else any(hits.values())
    if not fired:
        return None
    approvers = list(rule.approvers)
    if rule.owner_approvers:
        for resource_tags in owners_of:
            owner = resource_tags.get(config.owner_tag)
            for approver in config.owners.get(owner or "", []):
                if approver not in approvers:
                    approvers.append(approver)
    return Triggered(rule, reasons, figures, approvers)


# -- what an approval covers -------------------------------------------------------------------------------------
def covers(approved: RuleFigures, current: RuleFigures) -> bool:
    """True when the current figures stay within those approved (a cent of rounding allowed)."""
    if current.delta is not None and (approved.delta is None or current.delta > approved.delta + CENT / 2):
        return False
    if current.percent is not None and (approved.percent is None or current.percent > approved.percent + TENTH / 2):
        return False
    for key, cost in current.resources.items():
        seen = approved.resources.get(key)
        if seen is None or cost > seen + CENT / 2:
            return False
    return set(current.findings) <= set(approved.findings)


def standing_approvals(reviews: Sequence[Review]) -> dict[str, list[Review]]:
    """Approving reviews still in force, per reviewer, latest first: a later "changes requested" or a dismissal
    withdraws the reviewer's earlier approvals; a comment does not."""
    standing: dict[str, list[Review]] = {}
    for review in reviews:  # oldest first, as GitHub lists them
        key = review.login.casefold()
        if review.state == "APPROVED" and review.commit_id:
            standing.setdefault(key, []).insert(0, review)
        elif review.state in ("CHANGES_REQUESTED", "DISMISSED"):
            standing.pop(key, None)
    return standing


def decide(triggered: Sequence[Triggered], records: Sequence[Record], reviews: Sequence[Review],
           is_approver: Callable[[str, list[str]], bool], *, rates: str, sha: str | None, context: str,
           delta: Decimal) -> GateResult:
    """The verdict: success when no rule triggers or every triggered rule has an approval covering today's
    figures, pending otherwise (naming the reasons and the approvers it waits for)."""
    by_sha = {r.sha: r for r in records}
    standing = standing_approvals(reviews)
    states: list[RuleState] = []
    waiting: list[str] = []
    for t in triggered:
        state = RuleState(id=t.rule.id, reasons=t.reasons, approvers=t.approvers)
        for approvals in standing.values():
            login = approvals[0].login
            if not is_approver(login, t.approvers):
                if not any(n.startswith(f"@{login} ") for n in state.notes):
                    state.notes.append(f"@{login} approved but is not an approver of this rule")
                continue
            for review in approvals:
                record = by_sha.get(review.commit_id or "")
                figures = record.rules.get(t.rule.id) if record is not None and record.rates == rates else None
                if figures is not None and covers(figures, t.figures):
                    state.approved_by, state.approved_at = login, review.commit_id
                    break
                short = (review.commit_id or "?")[:7]
                if record is None or record.rates != rates:
                    state.notes.append(f"@{login}'s approval on {short} has no recorded cost to compare with")
                elif figures is None:
                    state.notes.append(f"@{login} approved {short}, when this rule did not apply")
                else:
                    was = f" for {signed(figures.delta)}/month" if figures.delta is not None else ""
                    state.notes.append(f"@{login} approved {short}{was}: the cost has risen since, so it "
                                       "needs approval again")
            if state.approved_by:
                state.notes = [n for n in state.notes if not n.startswith(f"@{login}")]
                break
        if state.approved_by is None:
            waiting += [a for a in t.approvers if a not in waiting]
        states.append(state)
    pending = [s for s in states if s.approved_by is None]
    result = GateResult(state="pending" if pending else "success", description="", context=context, sha=sha,
                        rates=rates, monthly_cost_delta=delta, rules=states, waiting_for=waiting)  # type: ignore[arg-type]
    result.description = describe(result)
    return result


def describe(result: GateResult) -> str:
    """The commit status description (GitHub keeps 140 characters): the verdict with its figures."""
    at = " (effective rates)" if result.rates == "effective" else ""
    if not result.rules:
        text = f"No approval needed: {signed(result.monthly_cost_delta)}/month{at}"
    elif result.state == "success":
        by = ", ".join(sorted({f"@{s.approved_by}" for s in result.rules if s.approved_by}))
        text = f"Approved by {by} for {signed(result.monthly_cost_delta)}/month{at}"
    else:
        first = next(s for s in result.rules if s.approved_by is None)
        who = ", ".join(f"@{a}" for a in result.waiting_for)
        text = f"Needs approval ({first.id}: {first.reasons[0]}) from {who}"
        text = text.replace("`", "")
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1].rstrip() + "…"


# -- the sticky comment's section and its records ------------------------------------------------------------------
def encode_records(records: Sequence[Record]) -> str:
    data = [r.model_dump(mode="json", exclude_defaults=True) | {"sha": r.sha} for r in records]
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_records(text: str) -> list[Record]:
    """Records from a marker; anything unreadable (an edited or truncated comment) counts as no record."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
        if not isinstance(data, list):
            return []
        return [Record.model_validate(item) for item in data[-MAX_RECORDS:]]
    except (ValueError, binascii.Error, ValidationError, RecursionError):
        return []


def records_in(body: str | None) -> list[Record]:
    match = _RECORD.search(extract_section(body))
    return decode_records(match.group(1)) if match else []


def extract_section(body: str | None) -> str:
    match = _SECTION.search(body or "")
    return match.group(0) if match else ""


def with_section(body: str, section: str) -> str:
    """`body` with its gate section replaced (or added before the footer, else at the end)."""
    if _SECTION.search(body):
        return _SECTION.sub(lambda _: section, body, count=1)
    footer = body.rfind("\n---\n<sub>")
    if footer >= 0:
        return f"{body[:footer].rstrip()}\n\n{section}\n{body[footer:]}"
    return f"{body.rstrip()}\n\n{section}\n"


def update_records(records: Sequence[Record], record: Record) -> list[Record]:
    """The history with this commit's record replacing any earlier one for the same commit; the latest kept."""
    kept = [r for r in records if r.sha != record.sha]
    return [*kept, record][-MAX_RECORDS:]


def render_section(result: GateResult, records: Sequence[Record]) -> str:
    """The gate's part of the sticky comment: the verdict, a row per triggered rule, and the hidden records."""
    from finguard.report.markdown import cell

    sha = f" on `{result.sha[:7]}`" if result.sha else ""
    at = " at effective rates" if result.rates == "effective" else ""
    lines = [SECTION_START, ""]
    if not result.rules:
        lines.append(f"### Cost approval: :white_check_mark: not needed\n\n`{result.context}` is **success**{sha}: "
                     f"no approval rule applies to this change ({signed(result.monthly_cost_delta)}/month{at}).")
    else:
        if result.state == "success":
            lines.append(f"### Cost approval: :white_check_mark: approved\n\n`{result.context}` is **success**{sha}.")
        else:
            # names in code spans: the review requests notify the approvers; a comment edit must not ping them again
            who = ", ".join(f"`@{a}`" for a in result.waiting_for)
            lines.append(f"### Cost approval: :hourglass_flowing_sand: waiting for {who}\n\n"
                         f"`{result.context}` is **pending**{sha}: this change needs an approving review from an "
                         "approver of each rule below.")
        lines += ["", "| Rule | Why | Approvers | Approved |", "|---|---|---|---|"]
        for s in result.rules:
            approved = f"`@{s.approved_by}` on `{(s.approved_at or '')[:7]}`" if s.approved_by else "waiting"
            notes = "".join(f"<br>_{cell(n.replace('@', ''))}_" for n in s.notes[:3])
            lines.append(f"| `{s.id}` | {cell('; '.join(s.reasons))} | "
                         f"{', '.join(f'`@{a}`' for a in s.approvers)} | {approved}{notes} |")
        lines += ["", f"_An approval covers the cost it was given for (monthly delta{at}, expensive resources, "
                      "findings): a later push that raises it asks again._"]
    kept = list(records)
    while True:
        text = "\n".join([*lines, f"<!-- finguard:approval-record {encode_records(kept)} -->", SECTION_END])
        if len(text.encode("utf-8")) <= MAX_SECTION_BYTES or len(kept) <= 1:
            return text
        kept = kept[1:]
