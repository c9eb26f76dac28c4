"""A small GitHub-compatible REST (and GraphQL) server for tests of `finguard comment`.

Why: the comment command talks to GitHub through PyGithub, and its behaviours (sticky update, delete, hide)
are sequences of requests that must be asserted exactly, offline. This server speaks the part of GitHub's API
finguard uses, with GitHub's response shapes, status codes, headers and pagination:

    GET    /repos/{owner}/{repo}                                  the repository
    GET    /repos/{owner}/{repo}/issues/{n}                       an issue or pull request (as an issue)
    GET    /repos/{owner}/{repo}/pulls/{n}                        a pull request
    GET    /repos/{owner}/{repo}/issues/{n}/comments              comments, `per_page` (default 30, max 100)
    GET    /repositories/{id}/issues/{n}/comments                   and `page`, with GitHub's `Link` header
    POST   /repos/{owner}/{repo}/issues/{n}/comments              create: 201
    PATCH  /repos/{owner}/{repo}/issues/comments/{id}             edit: 200
    DELETE /repos/{owner}/{repo}/issues/comments/{id}             delete: 204
    POST   /graphql                                               `minimizeComment` mutations and
                                                                  `nodes(ids:)` queries of IssueComment state
    GET    /repos/{owner}/{repo}/pulls/{n}/reviews                reviews, paginated as comments
    GET    /repos/{owner}/{repo}/pulls/{n}/requested_reviewers    `{"users": [...], "teams": [...]}`
    POST   /repos/{owner}/{repo}/pulls/{n}/requested_reviewers    request reviews: 201, or 422 for the author, a
                                                                  non-collaborator or a team of another organisation
    POST   /repos/{owner}/{repo}/statuses/{sha}                   create a commit status: 201 (422: unknown commit,
                                                                  bad state, description over 140 characters)
    GET    /repos/{owner}/{repo}/commits/{sha}                    a commit (422 when the repository has none such)
    GET    /repos/{owner}/{repo}/commits/{sha}/statuses           statuses of a commit, newest first
    GET    /repos/{owner}/{repo}/commits/{sha}/status             the combined status (latest per context)
    GET    /orgs/{org}                                            the organisation owning the repository
    GET    /orgs/{org}/teams/{slug}                               a team (404 unknown)
    GET    /orgs/{org}/teams/{slug}/memberships/{user}            `{"state": "active"}`, 404 for a non-member
    GET    /organizations/{id}/team/{id}/memberships/{user}         the same by the team's own `url`

Every request needs `Authorization: token <token>` (or `Bearer <token>`): 401 with GitHub's body otherwise.
Failures can be injected per request (`state.fail(...)`), e.g. a 403, a 422 with `errors`, or a rate-limited
403 with `retry-after`. Every request is recorded (method, path, query, body, headers) so tests can assert the
exact sequence a behaviour sends.

Run it by hand with `python tests/github_server.py [--port 8765] [--token T]`.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000
MAX_BODY = 65536


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # decoded JSON, or None

    @property
    def line(self) -> str:
        """`METHOD /path?query` (parameters sorted), for asserting a request sequence at a glance."""
        return f"{self.method} {self.path}" + (f"?{urlencode(sorted(self.query.items()))}" if self.query else "")


@dataclass(slots=True)
class Failure:
    """Answer the next `times` requests matching `method` and the `path` regex with this error."""

    method: str
    path: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int = 1


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    login: str
    created_at: str
    updated_at: str
    minimized: str | None = None  # the reason, lowercase, as GraphQL's `minimizedReason`

    @property
    def node_id(self) -> str:
        return f"IC_kwDO{self.id:08d}"


@dataclass
class ReviewItem:
    id: int
    pull: int
    login: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
    commit_id: str
    body: str
    submitted_at: str


@dataclass
class StatusItem:
    id: int
    sha: str
    state: str
    description: str | None
    target_url: str | None
    context: str
    creator: str
    created_at: str


@dataclass
class GitHubState:
    """Everything the server holds, behind one lock."""

    token: str = "ghs_test_token"
    owner: str = "octo-org"
    repo: str = "infra"
    repo_id: int = 4242
    login: str = "github-actions[bot]"  # who the token belongs to: the author of comments it creates
    pulls: set[int] = field(default_factory=lambda: {12})
    issues: set[int] = field(default_factory=set)  # plain issues (not pull requests)
    comments: list[Comment] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    next_id: int = 1000
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    # pull requests: the head commit (push() moves it), the author, reviews and requested reviewers
    head_sha: str = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    commits: set[str] = field(default_factory=lambda: {"6dcb09b5b57875f334f61aebed695e2e4193db5e"})
    pr_author: str = "dev"
    reviews: list[ReviewItem] = field(default_factory=list)
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    collaborators: set[str] = field(default_factory=lambda: {"dev", "alice", "bob", "carol", "mallory"})
    statuses: list[StatusItem] = field(default_factory=list)
    # organisation teams: (org, slug) -> members; a team's id is its position + 100
    teams: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    # -- set-up helpers for tests ------------------------------------------------------------------
    def add_comment(self, body: str, *, issue: int = 12, login: str = "someone") -> Comment:
        with self.lock:
            return self._new_comment(issue, body, login)

    def _new_comment(self, issue: int, body: str, login: str) -> Comment:
        self.next_id += 1
        now = _now()
        comment = Comment(self.next_id, issue, body, login, now, now)
        self.comments.append(comment)
        return comment

    def push(self, sha: str) -> None:
        """A new commit on the pull request's branch."""
        with self.lock:
            self.head_sha = sha
            self.commits.add(sha)

    def add_review(self, login: str, state: str = "APPROVED", *, commit_id: str | None = None, pull: int = 12,
                   body: str = "") -> ReviewItem:
        """A submitted review (on the current head unless `commit_id`); GitHub then drops the reviewer from the
        requested reviewers."""
        with self.lock:
            self.next_id += 1
            review = ReviewItem(self.next_id, pull, login, state, commit_id or self.head_sha, body, _now())
            self.reviews.append(review)
            self.requested_users = [u for u in self.requested_users if u.casefold() != login.casefold()]
            return review

    def add_team(self, org: str, slug: str, members: set[str]) -> None:
        with self.lock:
            self.teams[(org.casefold(), slug.casefold())] = {m.casefold() for m in members}

    def latest_status(self, sha: str, context: str = "finguard/cost-approval") -> StatusItem | None:
        with self.lock:
            found = [s for s in self.statuses if s.sha == sha and s.context == context]
        return found[-1] if found else None

    def fail(self, method: str, path: str, status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors is not None:
            body["errors"] = errors
        with self.lock:
            self.failures.append(Failure(method, path, status, body, headers or {}, times))

    def rate_limit(self, method: str, path: str, *, retry_after: int | None = 1, reset_in: int = 1,
                   times: int = 1) -> None:
        """A primary rate limit as GitHub answers it: 403, remaining 0, the reset time, and `retry-after`."""
        headers = {"x-ratelimit-limit": str(RATE_LIMIT), "x-ratelimit-remaining": "0", "x-ratelimit-used":
                   str(RATE_LIMIT), "x-ratelimit-reset": str(int(time.time()) + reset_in),
                   "x-ratelimit-resource": "core"}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        self.fail(method, path, 403, "API rate limit exceeded for installation ID 31415926. If you reach out to "
                  "GitHub Support for help, please include the request ID 0F2C:1B7E:9A4D2:A1B3C:6650F00D.",
                  headers=headers, times=times)

    def _take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and re.fullmatch(failure.path, path):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    # -- JSON shapes -------------------------------------------------------------------------------
    def user(self, login: str) -> dict[str, Any]:
        bot = login.endswith("[bot]")
        return {"login": login, "id": 41898282 if bot else 583231, "node_id": "MDM6Qm90NDE4OTgyODI=",
                "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
                "url": f"{self.base_url}/users/{login}", "html_url": f"https://github.com/{login}",
                "type": "Bot" if bot else "User", "site_admin": False}

    def repo_json(self) -> dict[str, Any]:
        return {"id": self.repo_id, "node_id": "R_kgDOJ1xyzA", "name": self.repo, "full_name": self.full_name,
                "private": True, "owner": self.user(self.owner) | {"type": "Organization"},
                "html_url": f"https://github.com/{self.full_name}", "description": "Infrastructure",
                "fork": False, "url": f"{self.base_url}/repos/{self.full_name}", "default_branch": "main",
                "created_at": "2023-05-01T09:00:00Z", "updated_at": _now(), "pushed_at": _now(),
                "visibility": "private", "permissions": {"admin": False, "push": True, "pull": True}}

    def issue_json(self, number: int) -> dict[str, Any]:
        url = f"{self.base_url}/repos/{self.full_name}/issues/{number}"
        data: dict[str, Any] = {
            "url": url, "repository_url": f"{self.base_url}/repos/{self.full_name}",
            "comments_url": f"{url}/comments", "html_url": f"https://github.com/{self.full_name}/pull/{number}",
            "id": 2000000 + number, "node_id": f"PR_kwDO{number:08d}", "number": number,
            "title": "Resize the app tier", "user": self.user(self.pr_author), "state": "open", "locked": False,
            "comments": sum(c.issue == number for c in self.comments), "created_at": "2024-10-01T08:00:00Z",
            "updated_at": _now(), "body": "Bigger instances for the launch.",
        }
        if number in self.pulls:
            data["pull_request"] = {"url": f"{self.base_url}/repos/{self.full_name}/pulls/{number}",
                                    "html_url": f"https://github.com/{self.full_name}/pull/{number}"}
        else:
            data["html_url"] = f"https://github.com/{self.full_name}/issues/{number}"
        return data

    def pull_json(self, number: int) -> dict[str, Any]:
        issue = self.issue_json(number)
        return {"url": f"{self.base_url}/repos/{self.full_name}/pulls/{number}", "id": 3000000 + number,
                "node_id": issue["node_id"], "html_url": issue["html_url"], "issue_url": issue["url"],
                "number": number, "state": "open", "title": issue["title"], "user": issue["user"],
                "body": issue["body"], "created_at": issue["created_at"], "updated_at": issue["updated_at"],
                "head": {"ref": "resize", "sha": self.head_sha},
                "base": {"ref": "main", "sha": "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840"}}

    def review_json(self, r: ReviewItem) -> dict[str, Any]:
        return {"id": r.id, "node_id": f"PRR_kwDO{r.id:08d}", "user": self.user(r.login), "body": r.body,
                "state": r.state, "html_url": f"https://github.com/{self.full_name}/pull/{r.pull}#pullrequestreview-"
                f"{r.id}", "pull_request_url": f"{self.base_url}/repos/{self.full_name}/pulls/{r.pull}",
                "author_association": "MEMBER", "submitted_at": r.submitted_at, "commit_id": r.commit_id,
                "_links": {"html": {"href": ""}, "pull_request": {"href": ""}}}

    def team_json(self, org: str, slug: str) -> dict[str, Any]:
        team_id = 100 + list(self.teams).index((org.casefold(), slug.casefold()))
        return {"id": team_id, "node_id": f"T_kwDO{team_id:08d}", "name": slug, "slug": slug,
                "url": f"{self.base_url}/organizations/{ORG_ID}/team/{team_id}",
                "html_url": f"https://github.com/orgs/{org}/teams/{slug}", "privacy": "closed",
                "permission": "pull", "members_url": "", "repositories_url": "", "description": None}

    def commit_json(self, sha: str) -> dict[str, Any]:
        url = f"{self.base_url}/repos/{self.full_name}/commits/{sha}"
        return {"sha": sha, "node_id": f"C_kwDO{sha[:12]}", "url": url,
                "html_url": f"https://github.com/{self.full_name}/commit/{sha}",
                "commit": {"message": "Resize the app tier", "tree": {"sha": sha, "url": url}},
                "author": self.user(self.pr_author), "committer": self.user(self.pr_author), "parents": [],
                "files": [], "stats": {"additions": 0, "deletions": 0, "total": 0}}

    def status_json(self, st: StatusItem) -> dict[str, Any]:
        return {"url": f"{self.base_url}/repos/{self.full_name}/statuses/{st.sha}", "id": st.id,
                "node_id": f"SC_kwDO{st.id:08d}", "state": st.state, "description": st.description,
                "target_url": st.target_url, "context": st.context, "created_at": st.created_at,
                "updated_at": st.created_at, "creator": self.user(st.creator), "avatar_url": None}

    def comment_json(self, c: Comment) -> dict[str, Any]:
        return {"url": f"{self.base_url}/repos/{self.full_name}/issues/comments/{c.id}",
                "html_url": f"https://github.com/{self.full_name}/pull/{c.issue}#issuecomment-{c.id}",
                "issue_url": f"{self.base_url}/repos/{self.full_name}/issues/{c.issue}",
                "id": c.id, "node_id": c.node_id, "user": self.user(c.login), "created_at": c.created_at,
                "updated_at": c.updated_at, "author_association": "NONE" if c.login.endswith("[bot]") else "MEMBER",
                "body": c.body, "reactions": {"url": "", "total_count": 0}, "performed_via_github_app": None}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, message: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}


NOT_FOUND = _error(404, "Not Found")
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ORG_ID = 9919
STATUS_STATES = ("error", "failure", "pending", "success")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    timeout = 5

    def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
        pass

    def _handle(self) -> None:
        self._link: str | None = None  # one handler serves every request of a keep-alive connection
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        state = self.server.state
        with state.lock:
            state.requests.append(Request(self.command, parts.path, query, dict(self.headers.items()), body))
            failure = state._take_failure(self.command, parts.path)
        extra_headers: dict[str, str] = {}
        if not self._authorised():
            given = self.headers.get("Authorization")
            status, payload = _error(401, "Requires authentication" if not given else "Bad credentials")
        elif failure is not None:
            status, payload, extra_headers = failure.status, failure.body, failure.headers
        else:
            try:
                status, payload = self._route(self.command, parts.path, query, body)
            except Exception as exc:  # answer, as GitHub would, rather than drop the socket
                status, payload = _error(500, f"Server Error: {exc}")
        self._send(status, payload, extra_headers, link=self._link)

    def _authorised(self) -> bool:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() in ("token", "bearer") and value == self.server.state.token

    def _send(self, status: int, payload: Any, extra: dict[str, str], link: str | None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Server", "github.com")
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        self.send_header("X-GitHub-Request-Id", "0F2C:1B7E:9A4D2:A1B3C:6650F00D")
        used = len(self.server.state.requests)
        headers = {"x-ratelimit-limit": str(RATE_LIMIT), "x-ratelimit-remaining": str(max(RATE_LIMIT - used, 0)),
                   "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-used": str(used),
                   "x-ratelimit-resource": "core"} | extra
        for name, value in headers.items():
            self.send_header(name, value)
        if link:
            self.send_header("Link", link)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

    # -- routes ------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        state = self.server.state
        if path == "/graphql" and method == "POST":
            return self._graphql(body)
        if method == "GET" and (m := re.fullmatch(r"/orgs/([^/]+)", path)):
            if m[1].casefold() != state.owner.casefold():
                return NOT_FOUND
            return 200, {"login": state.owner, "id": ORG_ID, "node_id": "O_kgDOAAAmrw",
                         "url": f"{state.base_url}/orgs/{state.owner}", "description": None, "type": "Organization",
                         "html_url": f"https://github.com/{state.owner}"}
        if method == "GET" and (m := re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)(/memberships/([^/]+))?", path)):
            return self._team(m[1], m[2], m[4])
        if method == "GET" and (m := re.fullmatch(rf"/organizations/{ORG_ID}/team/(\d+)(/memberships/([^/]+))?",
                                                   path)):
            with state.lock:
                keys = list(state.teams)
            index = int(m[1]) - 100
            return self._team(*keys[index], m[3]) if 0 <= index < len(keys) else NOT_FOUND
        if m := re.fullmatch(r"/repositories/(?P<id>\d+)(?P<rest>/.*)", path):
            if int(m["id"]) != state.repo_id:
                return NOT_FOUND
            rest = m["rest"]
        elif m := re.fullmatch(_REPO + r"(?P<rest>/.*)?", path):
            if f"{m['owner']}/{m['repo']}".lower() != state.full_name.lower():
                return NOT_FOUND
            rest = m["rest"] or ""
        else:
            return NOT_FOUND
        with state.lock:
            if rest == "" and method == "GET":
                return 200, state.repo_json()
            if (m := re.fullmatch(r"/issues/(\d+)", rest)) and method == "GET":
                number = int(m[1])
                return (200, state.issue_json(number)) if number in state.pulls | state.issues else NOT_FOUND
            if (m := re.fullmatch(r"/pulls/(\d+)", rest)) and method == "GET":
                number = int(m[1])
                return (200, state.pull_json(number)) if number in state.pulls else NOT_FOUND
            if (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)) and method == "GET":
                number = int(m[1])
                if number not in state.pulls:
                    return NOT_FOUND
                return self._paginate([state.review_json(r) for r in state.reviews if r.pull == number],
                                      f"{state.base_url}/repos/{state.full_name}/pulls/{number}/reviews", query)
            if m := re.fullmatch(r"/pulls/(\d+)/requested_reviewers", rest):
                number = int(m[1])
                if number not in state.pulls:
                    return NOT_FOUND
                if method == "GET":
                    return 200, self._requested()
                if method == "POST":
                    return self._request_reviews(number, body)
            if (m := re.fullmatch(r"/statuses/([0-9a-fA-F]+)", rest)) and method == "POST":
                return self._create_status(m[1].lower(), body)
            if (m := re.fullmatch(r"/commits/([0-9a-fA-F]+)", rest)) and method == "GET":
                sha = m[1].lower()
                known = next((c for c in state.commits if c.startswith(sha)), None) if len(sha) >= 7 else None
                return (200, state.commit_json(known)) if known else \
                    _error(422, f"No commit found for SHA: {sha}")
            if (m := re.fullmatch(r"/commits/([0-9a-fA-F]+)/statuses", rest)) and method == "GET":
                items = [state.status_json(st) for st in reversed(state.statuses) if st.sha == m[1].lower()]
                return 200, items
            if (m := re.fullmatch(r"/commits/([0-9a-fA-F]+)/status", rest)) and method == "GET":
                return 200, self._combined(m[1].lower())
            if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
                number = int(m[1])
                if number not in state.pulls | state.issues:
                    return NOT_FOUND
                if method == "GET":
                    return self._list_comments(number, query)
                if method == "POST":
                    return self._create_comment(number, body)
            if m := re.fullmatch(r"/issues/comments/(\d+)", rest):
                comment = next((c for c in state.comments if c.id == int(m[1])), None)
                if comment is None:
                    return NOT_FOUND
                if method == "GET":
                    return 200, state.comment_json(comment)
                if method == "PATCH":
                    problem = self._body_problem(body)
                    if problem:
                        return problem
                    comment.body = body["body"]
                    comment.updated_at = _now()
                    return 200, state.comment_json(comment)
                if method == "DELETE":
                    state.comments.remove(comment)
                    return 204, None
        return NOT_FOUND

    # -- pull request reviews, statuses, teams ------------------------------------------------------------------
    def _paginate(self, items: list[Any], base: str, query: dict[str, str]) -> tuple[int, Any]:
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            return _error(422, "Invalid request.\n\nper_page and page must be integers.")
        last = max((len(items) + per_page - 1) // per_page, 1)
        self._link = _link_header(base, query, page, last)
        return 200, items[(page - 1) * per_page:page * per_page]

    def _requested(self) -> dict[str, Any]:
        state = self.server.state
        teams = [state.team_json(*key) for key in state.teams if key[1] in state.requested_teams]
        return {"users": [state.user(u) for u in state.requested_users], "teams": teams}

    def _request_reviews(self, number: int, body: Any) -> tuple[int, Any]:
        state = self.server.state
        if not isinstance(body, dict):
            return _error(422, "Invalid request.")
        users = body.get("reviewers") or []
        teams = body.get("team_reviewers") or []
        for user in users:
            if user.casefold() == state.pr_author.casefold():
                return _error(422, "Review cannot be requested from pull request author.")
            if user.casefold() not in {c.casefold() for c in state.collaborators}:
                return _error(422, "Reviews may only be requested from collaborators. One or more of the users or "
                              "teams you specified is not a collaborator of the octo-org/infra repository.")
        for team in teams:
            if (state.owner.casefold(), team.casefold()) not in state.teams:
                return _error(422, "Reviews may only be requested from collaborators. One or more of the teams you "
                              "specified is not a collaborator of the octo-org/infra repository.")
        for user in users:
            if user not in state.requested_users:
                state.requested_users.append(user)
        for team in teams:
            if team.casefold() not in state.requested_teams:
                state.requested_teams.append(team.casefold())
        return 201, state.pull_json(number)

    def _create_status(self, sha: str, body: Any) -> tuple[int, Any]:
        state = self.server.state
        if sha not in state.commits:
            return _error(422, f"No commit found for SHA: {sha}")
        if not isinstance(body, dict) or body.get("state") not in STATUS_STATES:
            return _error(422, "Validation Failed", errors=[{"resource": "Status", "code": "custom",
                                                             "field": "state", "message": "state is not included "
                                                             "in the list"}])
        description = body.get("description")
        if description is not None and len(description) > 140:
            return _error(422, "Validation Failed", errors=[{"resource": "Status", "code": "custom",
                                                             "field": "description",
                                                             "message": "description is too long (maximum is 140 "
                                                                        "characters)"}])
        state.next_id += 1
        item = StatusItem(state.next_id, sha, body["state"], description, body.get("target_url"),
                          body.get("context") or "default", state.login, _now())
        state.statuses.append(item)
        return 201, state.status_json(item)

    def _combined(self, sha: str) -> dict[str, Any]:
        state = self.server.state
        latest: dict[str, StatusItem] = {}
        for st in state.statuses:
            if st.sha == sha:
                latest[st.context] = st
        states = [st.state for st in latest.values()]
        overall = "failure" if {"failure", "error"} & set(states) else "pending" \
            if "pending" in states or not states else "success"
        return {"state": overall, "sha": sha, "total_count": len(latest),
                "statuses": [state.status_json(st) for st in latest.values()]}

    def _team(self, org: str, slug: str, member: str | None) -> tuple[int, Any]:
        state = self.server.state
        with state.lock:
            members = state.teams.get((org.casefold(), slug.casefold()))
            if members is None:
                return NOT_FOUND
            if member is None:
                return 200, state.team_json(org, slug)
            if member.casefold() not in members:
                return NOT_FOUND
            return 200, {"url": f"{state.base_url}/orgs/{org}/teams/{slug}/memberships/{member}", "role": "member",
                         "state": "active"}

    def _list_comments(self, number: int, query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            return _error(422, "Invalid request.\n\nper_page and page must be integers.")
        items = [c for c in state.comments if c.issue == number]
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page:page * per_page]
        self._link = _link_header(f"{state.base_url}/repositories/{state.repo_id}/issues/{number}/comments",
                                  query, page, last)
        return 200, [state.comment_json(c) for c in chunk]

    def _body_problem(self, body: Any) -> tuple[int, Any] | None:
        if not isinstance(body, dict) or "body" not in body:
            return _error(422, "Invalid request.\n\n\"body\" wasn't supplied.")
        if not isinstance(body["body"], str):
            return _error(422, "Invalid request.\n\nFor 'properties/body', nil is not a string.")
        if len(body["body"]) > MAX_BODY:
            return _error(422, "Validation Failed", errors=[{
                "resource": "IssueComment", "code": "unprocessable", "field": "data",
                "message": f"Body is too long (maximum is {MAX_BODY} characters)"}])
        return None

    def _create_comment(self, number: int, body: Any) -> tuple[int, Any]:
        state = self.server.state
        problem = self._body_problem(body)
        if problem:
            return problem
        comment = state._new_comment(number, body["body"], state.login)
        return 201, state.comment_json(comment)

    def _graphql(self, body: Any) -> tuple[int, Any]:
        state = self.server.state
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 200, {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
        query, variables = body["query"], body.get("variables") or {}
        with state.lock:
            by_node = {c.node_id: c for c in state.comments}
            if "minimizeComment" in query:
                data = variables.get("input") or {}
                comment = by_node.get(data.get("subjectId"))
                if comment is None:
                    return 200, _graphql_not_found("minimizeComment", data.get("subjectId"))
                classifier = data.get("classifier")
                if classifier not in ("SPAM", "ABUSE", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED"):
                    return 200, {"errors": [{
                        "path": ["minimizeComment"], "extensions": {"code": "argumentLiteralsIncompatible"},
                        "message": f"Argument 'classifier' has an invalid value ({classifier})."}]}
                comment.minimized = classifier.lower().replace("_", "-")
                return 200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}}
            if re.search(r"\bnodes\s*\(", query):
                nodes = []
                for node_id in variables.get("ids") or []:
                    c = by_node.get(node_id)
                    nodes.append(None if c is None else {"id": c.node_id, "isMinimized": c.minimized is not None,
                                                         "minimizedReason": c.minimized})
                return 200, {"data": {"nodes": nodes}}
        return 200, {"errors": [{"message": "this test server answers only minimizeComment and nodes(ids:)"}]}


def _graphql_not_found(field_name: str, node_id: Any) -> dict[str, Any]:
    return {"data": {field_name: None}, "errors": [{
        "type": "NOT_FOUND", "path": [field_name], "locations": [{"line": 1, "column": 48}],
        "message": f"Could not resolve to a node with the global id of '{node_id}'"}]}


def _link_header(base: str, query: dict[str, str], page: int, last: int) -> str | None:
    """GitHub's `Link`: prev, next, last, first as they apply, each keeping the request's other parameters."""
    def url(n: int) -> str:
        params = {k: v for k, v in query.items() if k != "page"} | {"page": str(n)}
        return f"<{base}?{urlencode(params)}>"

    links = []
    if page > 1:
        links.append(f'{url(page - 1)}; rel="prev"')
    if page < last:
        links += [f'{url(page + 1)}; rel="next"', f'{url(last)}; rel="last"']
    if page > 1:
        links.append(f'{url(1)}; rel="first"')
    return ", ".join(links) or None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    state: GitHubState


@dataclass
class GitHubServer:
    """A running server: its URL (the API base URL), its state and the requests it received."""

    url: str
    state: GitHubState

    @property
    def requests(self) -> list[Request]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def lines(self) -> list[str]:
        return [r.line for r in self.requests]

    def clear(self) -> None:
        with self.state.lock:
            self.state.requests.clear()


@contextmanager
def running_github_server(token: str = "ghs_test_token", port: int = 0) -> Iterator[GitHubServer]:
    """Serve on 127.0.0.1 (any free port by default) for the duration of the `with` block."""
    server = _Server(("127.0.0.1", port), _Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.state = GitHubState(token=token, base_url=url)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield GitHubServer(url, server.state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="ghs_test_token")
    args = parser.parse_args()
    with running_github_server(args.token, args.port) as server:
        print(f"GitHub-compatible test server on {server.url}, token {args.token!r} (Ctrl-C to stop)")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
