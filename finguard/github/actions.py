"""GitHub Actions glue: which pull request a run is about, the token, the step summary, and annotations.

Everything is read from an environment mapping passed in (the process environment in the CLI), so tests
can describe a run without touching `os.environ`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from finguard.commands.param_types import MAX_PULL_NUMBER
from finguard.errors import InputError, UsageError
from finguard.policy.model import CheckResult, Finding, FindingKind
from finguard.report.table import SEVERITIES_DESC

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("FINGUARD_GITHUB_TOKEN", "GITHUB_TOKEN")  # the first one set wins
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Target:
    """Where the comment goes. The token is kept out of repr() so it cannot end up in a log by accident."""

    api_url: str
    repo: str
    number: int
    token: str

    def __repr__(self) -> str:
        return f"Target(api_url={self.api_url!r}, repo={self.repo!r}, number={self.number})"

    @property
    def name(self) -> str:
        return f"{self.repo}#{self.number}"


def in_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def resolve_target(env: Mapping[str, str], *, repo: str | None, number: int | None, api_url: str | None) -> Target:
    """Flags first, then the Actions environment; a clear usage error for whatever is missing."""
    return Target(api_url=resolve_api_url(env, api_url), repo=resolve_repo(env, repo),
                  number=resolve_number(env, number), token=read_token(env))


def resolve_api_url(env: Mapping[str, str], flag: str | None) -> str:
    url = (flag or env.get("GITHUB_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
    parts = urlsplit(url)
    origin = "--github-api-url" if flag else "GITHUB_API_URL"
    if parts.username or parts.password:  # not echoed: it holds a secret
        raise UsageError(f"{origin} must not contain credentials: the token comes from GITHUB_TOKEN")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{origin} {url!r}: expected an http(s) URL such as {DEFAULT_API_URL}")
    return url


def resolve_repo(env: Mapping[str, str], flag: str | None) -> str:
    repo = flag or env.get("GITHUB_REPOSITORY")
    if not repo:
        raise UsageError("no repository: pass --repo OWNER/NAME, or run in GitHub Actions (GITHUB_REPOSITORY)")
    if not _REPO.fullmatch(repo):
        origin = "--repo" if flag else "GITHUB_REPOSITORY"
        raise UsageError(f"{origin} {repo!r}: expected OWNER/NAME")
    return repo


def pull_number(value: Any) -> int | None:
    """`value` when it can be a pull request number (a whole number 1..MAX_PULL_NUMBER; JSON `true` is not one,
    though Python counts it as 1), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PULL_NUMBER:
        return value
    return None


def resolve_number(env: Mapping[str, str], flag: int | None) -> int:
    """--pr, else the event payload: `pull_request.number` (pull_request events) or `issue.number`
    (issue_comment events); else a `refs/pull/N/merge` GITHUB_REF."""
    if flag is not None:
        return flag
    event_path = env.get("GITHUB_EVENT_PATH")
    event_name = env.get("GITHUB_EVENT_NAME")
    if event_path:
        number = _number_from_event(Path(event_path))
        if number is not None:
            return number
    if (m := re.fullmatch(r"refs/pull/(\d{1,10})/(?:merge|head)", env.get("GITHUB_REF", ""))) \
            and (number := pull_number(int(m[1]))) is not None:
        return number
    if event_path:
        event = f"the {event_name} event" if event_name else "the event"
        raise UsageError(f"{event} (GITHUB_EVENT_PATH) is not about a pull request: pass --pr N, "
                         "or run on pull_request or issue_comment events")
    raise UsageError("no pull request: pass --pr N, or run in GitHub Actions on a pull_request event "
                     "(GITHUB_EVENT_PATH)")


def load_event(path: str | Path) -> Any:
    """The event payload at GITHUB_EVENT_PATH, through the bounded strict reader: a FIFO or /dev/zero there hung
    the commands that read it. Every problem is one InputError naming the file."""
    from finguard.json_input import load_json

    try:
        return load_json(Path(path), "a GitHub event payload")
    except InputError as exc:
        raise InputError(f"cannot read the event payload: {exc.message}", where=exc.where) from None


def event_or_none(path: str | None) -> Any:
    """The event payload, or None where there is none or it cannot be read (callers that can ask the API)."""
    if not path:
        return None
    try:
        return load_event(path)
    except InputError:
        return None


def _number_from_event(path: Path) -> int | None:
    payload = load_event(path)
    if not isinstance(payload, dict):
        return None
    for key in ("pull_request", "issue"):
        item = payload.get(key)
        if isinstance(item, dict) and (number := pull_number(item.get("number"))) is not None:
            return number
    return None


def read_token(env: Mapping[str, str]) -> str:
    for name in TOKEN_VARIABLES:
        token = (env.get(name) or "").strip()
        if token:
            return token
    raise UsageError("no GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: "
                     "${{ secrets.GITHUB_TOKEN }}`) or FINGUARD_GITHUB_TOKEN")


# -- step summary ----------------------------------------------------------------------------------
def append_step_summary(env: Mapping[str, str], markdown: str) -> Path | None:
    """Append to $GITHUB_STEP_SUMMARY (the job summary page); None when not set."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        raise InputError(f"cannot write the step summary: {exc.strerror}", where=str(path)) from None
    return path


# -- annotations -----------------------------------------------------------------------------------
def escape_data(text: str) -> str:
    """A workflow command's message, as @actions/core escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title, ...): also `:` and `,`, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, file: str, line: int | None, title: str) -> str:
    props = [f"file={escape_property(file)}"]
    if line:
        props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def annotations(results: list[CheckResult]) -> list[str]:
    """`::error` for findings that fail the run, `::warning` for the others; only findings traced to a file,
    highest severity first. Suppressed findings are not annotated."""
    lines = []
    for result in results:
        failing = {id(f) for f in result.failing}
        findings: list[Finding] = [f for f in result.active if f.file]
        findings.sort(key=lambda f: (SEVERITIES_DESC.index(f.severity), id(f) not in failing))
        for f in findings:
            message = f.message
            if f.kind is FindingKind.ERROR:
                message = f"policy error: {message}"
            if f.remediation:
                message += f"\n\nFix: {f.remediation}"
            assert f.file is not None
            lines.append(annotation("error" if id(f) in failing else "warning", message, file=f.file,
                                    line=f.line, title=f.policy_id))
    return lines
