"""The GitHub side of the cost approval gate, through PyGithub: the pull request's head commit, its reviews and
requested reviewers, team membership of reviewers, and the commit status. Every call goes through
`PullRequestComments._call`: one clear line on failure (exit 2), rate limits retried once, the token redacted.
"""

from __future__ import annotations

from typing import Any

from github.GithubException import GithubException

from finguard.approvals.gate import Review
from finguard.github.client import GitHubError, PullRequestComments


class PullRequestGate(PullRequestComments):
    """Comments (the sticky comment holds the gate's section), plus what the gate needs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._repo: Any = None
        self._pull: Any = None
        self._teams: dict[tuple[str, str], Any] = {}
        self._members: dict[tuple[str, str, str], bool] = {}

    def repo(self) -> Any:
        if self._repo is None:
            self._repo = self._call(f"fetching repository {self.target.repo}",
                                    lambda: self._gh.get_repo(self.target.repo))
        return self._repo

    def pull(self) -> Any:
        if self._pull is None:
            repo = self.repo()
            self._pull = self._call(f"fetching pull request {self.target.name}",
                                    lambda: repo.get_pull(self.target.number))
        return self._pull

    def head_sha(self) -> str:
        return str(self.pull().head.sha)

    def author(self) -> str:
        return str(self.pull().user.login)

    def reviews(self) -> list[Review]:
        """Every review, oldest first (PyGithub follows the pages)."""
        pull = self.pull()

        def fetch() -> list[Review]:
            return [Review(login=r.user.login if r.user else "", state=str(r.state or ""), commit_id=r.commit_id,
                           submitted_at=r.submitted_at.isoformat() if r.submitted_at else None)
                    for r in pull.get_reviews()]

        return self._call(f"listing reviews of {self.target.name}", fetch)

    def requested(self) -> tuple[set[str], set[str]]:
        """(users, team slugs) already asked to review."""
        pull = self.pull()

        def fetch() -> tuple[set[str], set[str]]:
            users, teams = pull.get_review_requests()
            return {u.login.casefold() for u in users}, {t.slug.casefold() for t in teams}

        return self._call(f"listing requested reviewers of {self.target.name}", fetch)

    def request_reviews(self, users: list[str], teams: list[str]) -> None:
        pull = self.pull()
        who = ", ".join([*(f"@{u}" for u in users), *(f"team {t}" for t in teams)])
        self._call(f"requesting reviews from {who} on {self.target.name}",
                   lambda: pull.create_review_request(reviewers=users, team_reviewers=teams))

    def set_status(self, sha: str, state: str, description: str, context: str, target_url: str | None) -> None:
        repo = self.repo()
        extra = {"target_url": target_url} if target_url else {}
        self._call(f"setting the commit status {context} on {sha[:7]}",
                   lambda: repo.get_commit(sha).create_status(state=state, description=description, context=context,
                                                              **extra))

    def is_team_member(self, org: str, team: str, login: str) -> bool:
        """Whether `login` is an active member of org/team. A team that cannot be read is an error (the token
        needs the organisation's members: read permission), a non-member is not."""
        key = (org.casefold(), team.casefold())
        if key not in self._teams:
            def fetch() -> Any:
                try:
                    found = self._gh.get_organization(org).get_team_by_slug(team)
                    found.id  # noqa: B018 - a lazy object completes here: one GET of the team
                except GithubException as exc:
                    if exc.status == 404:
                        return None
                    raise
                return found

            self._teams[key] = self._call(f"reading team {org}/{team}", fetch)
            if self._teams[key] is None:
                raise GitHubError(f"GitHub: team {org}/{team} not found, or the token cannot read it (team approvers "
                                  "need a token with the organisation's members: read permission)")
        member = (*key, login.casefold())
        if member not in self._members:
            self._members[member] = self._membership(self._teams[key], org, team, login)
        return self._members[member]

    def _membership(self, team: Any, org: str, name: str, login: str) -> bool:
        def fetch() -> bool:
            try:
                membership = team.get_team_membership(login)
            except GithubException as exc:
                if exc.status == 404:
                    return False
                raise
            return str(getattr(membership, "state", "")) == "active"

        return self._call(f"checking whether @{login} is in team {org}/{name}", fetch)


__all__ = ["GitHubError", "PullRequestGate"]
