"""An organisation's repositories for `finguard audit`, fetched through the GitHub REST API (PyGithub).

Lists the organisation's repositories (paginated), then, one repository at a time, reads its default branch's
tree (git trees API, recursively; level by level when GitHub truncates a large tree) and fetches the blobs an
audit reads — .tf files, the tfvars Terraform loads itself, plan JSON files — into a temporary checkout that is
deleted once the repository has been audited. Nothing else is fetched: a repository's finguard.yml, and so
any Python policy it names, never runs. The token is sent as a header only, and removed from every message.
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finguard.audit import RepoInput, is_terraform_file
from finguard.errors import InputError

if TYPE_CHECKING:
    from github.Repository import Repository

DEFAULT_API_URL = "https://api.github.com"
FETCH_SKIP_DIRS = {".terraform", "node_modules"}  # and hidden directories; modules/ is kept: roots use it
REGULAR_FILE_MODES = {"100644", "100755"}  # not symlinks (120000) nor submodules
TIMEOUT_SECONDS = 30


def client(api_url: str, token: str | None) -> Any:
    from github import Auth, Github

    auth = Auth.Token(token) if token else None
    # Reads only, one at a time: PyGithub's pause between requests (meant for bursts of writes) is not needed;
    # its retry (with backoff on rate limits and server errors) is kept.
    return Github(base_url=api_url.rstrip("/"), auth=auth, per_page=100, timeout=TIMEOUT_SECONDS,
                  seconds_between_requests=None)


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def describe(exc: Exception, token: str | None) -> str:
    """One line for an API or network failure; never the token."""
    from github import GithubException

    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = data.get("message") or (str(exc.data) if exc.data else "") or type(exc).__name__
        text = f"GitHub API error {exc.status}: {message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split())[:300], token)


def _api_errors() -> tuple[type[Exception], ...]:
    import requests
    from github import GithubException

    return GithubException, requests.RequestException


def org_inputs(org: str, api_url: str, token: str | None) -> list[RepoInput]:
    """Every repository of `org`, in the order GitHub lists them; each fetched only when it is audited."""
    gh = client(api_url, token)
    try:
        repos = list(gh.get_organization(org).get_repos())
    except _api_errors() as exc:
        raise InputError(f"cannot list the repositories of organisation {org!r} at {api_url}: "
                         f"{describe(exc, token)}") from None
    inputs = []
    for repo in repos:
        name = repo.full_name
        source = (repo.raw_data or {}).get("html_url") or f"{api_url.rstrip('/')}/repos/{name}"
        inputs.append(RepoInput(name, source, _opener(repo, token)))
    return inputs


def _opener(repo: Repository, token: str | None) -> Any:
    return lambda: checkout(repo, token)


@contextlib.contextmanager
def checkout(repo: Repository, token: str | None) -> Iterator[Path]:
    """A temporary directory holding the repository's Terraform files, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="finguard-audit-") as tmp:
        root = Path(tmp) / "repo"
        # marks the top of a checkout, so no finguard.yml is searched for above it
        (root / ".git").mkdir(parents=True)
        try:
            fetch_terraform(repo, root)
        except _api_errors() as exc:
            raise InputError(describe(exc, token)) from None
        yield root


def _entries(repo: Repository, ref: str) -> Iterator[tuple[str, str, str, str]]:
    """(path, type, mode, sha) of every entry on `ref`: one recursive call, or one call per directory when
    GitHub truncates the recursive listing of a large repository."""
    tree = repo.get_git_tree(ref, recursive=True)
    if not (tree.raw_data or {}).get("truncated"):
        for e in tree.tree:
            yield e.path, e.type, e.mode, e.sha
        return
    pending: list[tuple[str, str]] = [("", ref)]
    while pending:
        prefix, sha = pending.pop()
        for e in repo.get_git_tree(sha).tree:
            path = f"{prefix}{e.path}"
            if e.type == "tree":
                if not _skipped(path):
                    pending.append((f"{path}/", e.sha))
            else:
                yield path, e.type, e.mode, e.sha


def _skipped(path: str) -> bool:
    return any(part in FETCH_SKIP_DIRS or part.startswith(".") for part in path.split("/"))


def fetch_terraform(repo: Repository, dest: Path) -> int:
    """Write the repository's Terraform files under `dest`; returns how many. An empty repository has none."""
    from github import GithubException

    try:
        entries = list(_entries(repo, repo.default_branch))
    except GithubException as exc:
        if exc.status == 409:  # "Git Repository is empty"
            return 0
        raise
    base = dest.resolve()
    count = 0
    for path, kind, mode, sha in entries:
        if kind != "blob" or mode not in REGULAR_FILE_MODES or not is_terraform_file(path):
            continue
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        if _skipped(parent) or ".." in path.split("/") or path.startswith("/"):
            continue
        target = (base / path).resolve()
        if not target.is_relative_to(base):
            continue
        blob = repo.get_git_blob(sha)
        content = blob.content or ""
        data = base64.b64decode(content) if blob.encoding == "base64" else content.encode("utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count
