"""The pull-request comment API, through PyGithub, with every failure turned into one clear line.

Each API call goes through `_call`, which
- retries once after a rate limit when GitHub asks for a short wait (`retry-after`, or `x-ratelimit-reset`
  when `x-ratelimit-remaining` is 0), up to `max_wait` seconds (env FINGUARD_GITHUB_MAX_RETRY_WAIT, default 60);
- turns HTTP and network errors into a `GitHubError` naming the status, what was being done and GitHub's own
  message: never a traceback, and never the token (it is redacted from anything that came back from the server).

PyGithub's own retries and its (production-minded) pauses between requests are configured here, not left to
its defaults: `retry=None` so a rate limit reaches `_call` instead of sleeping for up to an hour inside it.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypeVar

import github
import requests
from github.GithubException import GithubException
from github.IssueComment import IssueComment

from finguard import __version__
from finguard.errors import InputError
from finguard.github.actions import Target

T = TypeVar("T")

DEFAULT_MAX_WAIT = 60.0
MAX_WAIT_VARIABLE = "FINGUARD_GITHUB_MAX_RETRY_WAIT"
TIMEOUT = 30
PER_PAGE = 100
# PyGithub pauses between requests (0.25 s) and between writes (1 s) by default, as GitHub advises to avoid
# secondary rate limits; kept for writes, shortened for reads (a run makes a handful of requests).
SECONDS_BETWEEN_REQUESTS: float | None = 0.1
SECONDS_BETWEEN_WRITES: float | None = 1.0
NODES_PER_QUERY = 100

_MINIMIZED_QUERY = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on IssueComment { id isMinimized } } }"


class GitHubError(InputError):
    """A GitHub API call failed: exit 2 with one line."""


def max_wait_from_env() -> float:
    raw = os.environ.get(MAX_WAIT_VARIABLE)
    if not raw:
        return DEFAULT_MAX_WAIT
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{MAX_WAIT_VARIABLE}={raw!r}: expected a number of seconds") from None
    return max(value, 0.0)


class PullRequestComments:
    """Comments of one pull request (issue comments, the conversation tab)."""

    def __init__(self, target: Target, *, max_wait: float = DEFAULT_MAX_WAIT,
                 sleep: Callable[[float], None] = time.sleep, debug: bool = False) -> None:
        self.target = target
        self.max_wait = max_wait
        self._sleep = sleep
        self._debug = debug
        self._secret = target.token
        self._gh = github.Github(
            base_url=target.api_url, auth=github.Auth.Token(target.token), per_page=PER_PAGE, retry=None,
            timeout=TIMEOUT, user_agent=f"finguard/{__version__}",
            seconds_between_requests=SECONDS_BETWEEN_REQUESTS, seconds_between_writes=SECONDS_BETWEEN_WRITES,
        )
        self._issue: Any = None

    # -- the operations ----------------------------------------------------------------------------
    def _get_issue(self) -> Any:
        if self._issue is None:
            repo = self._call(f"fetching repository {self.target.repo}", lambda: self._gh.get_repo(self.target.repo))
            self._issue = self._call(f"fetching pull request {self.target.name}",
                                     lambda: repo.get_issue(self.target.number))
        return self._issue

    def comments(self) -> list[IssueComment]:
        """Every comment, all pages (PyGithub follows the `Link` headers), oldest first."""
        issue = self._get_issue()
        return self._call(f"listing comments on {self.target.name}", lambda: list(issue.get_comments()))

    def create(self, body: str) -> IssueComment:
        issue = self._get_issue()
        return self._call(f"creating a comment on {self.target.name}", lambda: issue.create_comment(body))

    def edit(self, comment: IssueComment, body: str) -> None:
        self._call(f"editing comment {comment.id} on {self.target.name}", lambda: comment.edit(body))

    def delete(self, comment: IssueComment) -> None:
        self._call(f"deleting comment {comment.id} on {self.target.name}", comment.delete)

    def minimize(self, comment: IssueComment) -> None:
        """Hide as outdated: the GraphQL `minimizeComment` mutation on the comment's node_id
        (PyGithub's `IssueComment.minimize`)."""
        self._call(f"hiding comment {comment.id} on {self.target.name}", lambda: comment.minimize("OUTDATED"))

    def minimized(self, comments: list[IssueComment]) -> set[str]:
        """node_ids of the comments already hidden (REST does not say; one GraphQL query per 100 comments),
        so earlier hidden comments are not hidden again on every run."""
        hidden: set[str] = set()
        for start in range(0, len(comments), NODES_PER_QUERY):
            ids = [c.node_id for c in comments[start:start + NODES_PER_QUERY]]
            _, data = self._call(f"reading the state of comments on {self.target.name}",
                                 lambda ids=ids: self._gh.requester.graphql_query(_MINIMIZED_QUERY, {"ids": ids}))
            for node in (data.get("data") or {}).get("nodes") or []:
                if isinstance(node, dict) and node.get("isMinimized"):
                    hidden.add(str(node.get("id")))
        return hidden

    # -- error handling ----------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        message = ""
        for attempt in (1, 2):
            self._note(what)
            try:
                return fn()
            except GithubException as exc:
                delay = rate_limit_delay(exc.status, exc.headers or {})
                if delay is not None and attempt == 1 and delay <= self.max_wait:
                    self._note(f"rate limited when {what}; retrying in {_seconds(delay)}", always=True)
                    self._sleep(delay)
                    continue
                message = describe_error(exc.status, exc.data, what) if delay is None else \
                    self._rate_limit_message(exc, what, delay, attempt)
            except requests.RequestException as exc:
                message = f"GitHub: cannot reach {self.target.api_url} when {what}: {_network_reason(exc)}"
            except Exception as exc:  # an unexpected answer (not JSON, missing fields): still one line
                message = f"GitHub: unexpected response when {what}: {type(exc).__name__}: {exc}"
            break
        # Raised outside the `except` blocks so the error carries no __context__: PyGithub's exception holds the
        # response, which could echo the token back.
        raise GitHubError(self._redact(message))

    def _rate_limit_message(self, exc: GithubException, what: str, delay: float, attempt: int) -> str:
        head = f"GitHub: rate limit exceeded ({_status(exc.status)}) when {what}"
        if attempt > 1:
            return f"{head}, again after waiting once; try again later"
        return (f"{head}: GitHub asks to wait {_seconds(delay)}, longer than {_seconds(self.max_wait)} "
                f"({MAX_WAIT_VARIABLE}); try again later")

    def _redact(self, text: str) -> str:
        return redact(text, self._secret)

    def _note(self, text: str, *, always: bool = False) -> None:
        if self._debug or always:
            print(f"finguard: {'' if always else 'debug: '}GitHub: {self._redact(text)}", file=sys.stderr)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def rate_limit_delay(status: int, headers: dict[str, Any]) -> float | None:
    """Seconds GitHub asks to wait, when this answer is a rate limit (403/429 with `retry-after`, or with
    `x-ratelimit-remaining: 0`); None for any other error."""
    if status not in (403, 429):
        return None
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    retry_after = lower.get("retry-after")
    if retry_after:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            try:
                return max(parsedate_to_datetime(retry_after).timestamp() - time.time(), 0.0)
            except (TypeError, ValueError):
                return DEFAULT_MAX_WAIT
    if lower.get("x-ratelimit-remaining") == "0":
        try:
            return max(float(lower.get("x-ratelimit-reset", "")) - time.time(), 0.0) + 1
        except ValueError:
            return DEFAULT_MAX_WAIT
    return None


def describe_error(status: int, data: Any, what: str) -> str:
    """`GitHub: 403 Forbidden when listing comments on o/r#12: Resource not accessible by integration`."""
    message = _message(data)
    if status == 401:
        detail = "the token is invalid or expired (GITHUB_TOKEN / FINGUARD_GITHUB_TOKEN)"
        if message and message.lower() not in ("bad credentials", "requires authentication"):
            detail += f": {message}"
    elif status == 404 and isinstance(data, dict) and data.get("errors"):  # GraphQL NOT_FOUND
        detail = _validation(data)
    elif status == 404:
        detail = "repository or pull request not found, or the token has no access to it"
    elif status == 422 or status == 400:
        detail = _validation(data) or message or "the request was rejected"
    else:
        detail = message or "no message"
        if status == 403 and "not accessible by integration" in detail.lower():
            detail += " (the workflow needs `permissions: pull-requests: write`)"
    graphql = status == 400 and isinstance(data, dict) and data.get("errors") and not data.get("message")
    return f"GitHub: {'GraphQL error' if graphql else _status(status)} when {what}: {detail}"


def _message(data: Any) -> str:
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, str):
            return " ".join(message.split())
        return ""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return " ".join(str(data).split())[:200] if data else ""


def _validation(data: Any) -> str:
    """GitHub's `errors` (REST 422 entries, or GraphQL errors) after its message."""
    if not isinstance(data, dict):
        return ""
    details = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            if error.get("message"):
                details.append(" ".join(str(error["message"]).split()))
            elif error.get("field") or error.get("code"):
                details.append(f"{error.get('field', '?')} {error.get('code', 'invalid')}")
        elif isinstance(error, str):
            details.append(error)
    message = _message(data)
    if not details:
        return message
    return f"{message}: {'; '.join(details)}" if message else "; ".join(details)


def _status(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _seconds(value: float) -> str:
    if value >= 120:
        return f"{math.ceil(value / 60)} min"
    return f"{math.ceil(value)} s"


def _network_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT} s"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed (check --github-api-url / GITHUB_API_URL and the network)"
    return type(exc).__name__
