"""The embedded (regorus) and OPA-server evaluators must give the same verdicts for every Rego policy.

The OPA side runs over real HTTP through opa-python-client against tests/opa_server.py (an
OPA-compatible server answering from regorus, since no `opa` binary can be installed here), so these
tests pin down the REST plumbing: what is uploaded, queried and deleted, how errors come back, and
that a bearer token is sent but never shown.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from finguard.config import FinguardConfig
from finguard.errors import InputError
from finguard.policy.opa import TOKEN_ENV, OpaSession
from finguard.policy.rego import (
    EmbeddedEvaluator,
    OpaServerEvaluator,
    PackageResult,
    RegoModule,
    load_rego_modules,
    rego_files,
)
from tests.opa_server import OpaServer, running_opa_server

REPO = Path(__file__).resolve().parent.parent
FIXTURE_REGO = Path(__file__).resolve().parent / "fixtures" / "rego"
POLICIES = REPO / "policies"


def _policy_dirs() -> list[Path]:
    return [d for d in (FIXTURE_REGO, POLICIES) if d.is_dir()]


def _all_modules() -> list[RegoModule]:
    modules, errors = load_rego_modules([(d, "") for d in _policy_dirs()])
    assert errors == []
    return modules


def _policy_files() -> list[Path]:
    return [p for d in _policy_dirs() for p in rego_files(d)]


_CONFIG = FinguardConfig(regions={"allowed": ["eu-west-1", "us-east-1"], "denied": ["ap-southeast-1"]})

# One input that trips deny and warn rules of the fixture policies (and, likely, the built-in ones).
INPUT: dict[str, Any] = {
    "resources": [
        {
            "address": "aws_instance.web", "type": "aws_instance", "name": "web", "provider": "aws",
            "region": "us-east-1", "module": None, "action": "create", "tags": {"env": "prod"}, "taggable": True,
            "attributes": {"instance_type": "m5.4xlarge", "ami": "ami-123"}, "unknown": [],
            "monthly_cost": 560.64, "monthly_cost_before": None, "monthly_cost_delta": 560.64,
        },
        {
            "address": "aws_db_instance.main", "type": "aws_db_instance", "name": "main", "provider": "aws",
            "region": "eu-west-1", "module": "module.db", "action": "update",
            "tags": {"env": "prod", "owner": "data", "team": "data", "cost-center": "CC-0042"}, "taggable": True,
            "attributes": {"instance_class": "db.r5.4xlarge", "allocated_storage": 500}, "unknown": [],
            "monthly_cost": 1402.5, "monthly_cost_before": 701.25, "monthly_cost_delta": 701.25,
        },
        {
            "address": "aws_s3_bucket.logs", "type": "aws_s3_bucket", "name": "logs", "provider": "aws",
            "region": "ap-southeast-1", "module": None, "action": "create", "tags": {}, "taggable": True,
            "attributes": {"bucket": "logs"}, "unknown": ["arn"],
            "monthly_cost": 0.0, "monthly_cost_before": None, "monthly_cost_delta": 0.0,
        },
        {
            "address": "aws_eip.old", "type": "aws_eip", "name": "old", "provider": "aws",
            "region": "eu-west-1", "module": None, "action": "delete", "tags": {}, "taggable": False,
            "attributes": {}, "unknown": [],
            "monthly_cost": None, "monthly_cost_before": 3.6, "monthly_cost_delta": -3.6,
        },
    ],
    "project": {
        "name": "shop", "resource_count": 4, "complete": True, "monthly_cost_before": 704.85,
        "monthly_cost_after": 1963.14, "monthly_cost_delta": 1258.29, "monthly_cost_delta_percent": 178.5,
    },
    "config": _CONFIG.model_dump(mode="json", include={"taxonomy", "regions", "compute", "cost"})
    | {"settings": _CONFIG.policies.settings},
}
INPUT_JSON = json.dumps(INPUT)

BROKEN = "package fixtures.broken\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \n}\n"
V0_SYNTAX = 'package fixtures.old_syntax\n\ndeny[msg] {\n\tmsg := "v0 rule"\n}\n'
CONFLICT = "package fixtures.conflict\n\nimport rego.v1\n\nlimit := 1\n\nlimit := 2 if true\n\ndeny contains limit\n"


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray token, and no proxy between the client and 127.0.0.1."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def _server() -> Iterator[OpaServer]:
    with running_opa_server() as server:
        yield server


@pytest.fixture
def opa(_server: OpaServer) -> Iterator[OpaServer]:
    """The shared server with an empty request log; every test must leave no policy behind."""
    _server.clear()
    yield _server
    assert _server.state.policies == {}, "policies left on the server"


def _module(tmp_path: Path, name: str, text: str) -> RegoModule:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    modules, errors = load_rego_modules([(tmp_path, "")])
    assert errors == []
    return next(m for m in modules if m.path == path)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _verdicts(results: list[PackageResult]) -> list[tuple[Any, ...]]:
    return [
        (str(r.module.path), r.module.package, _key(r.metadata), sorted(map(_key, r.deny)),
         sorted(map(_key, r.warn)), r.error is not None)
        for r in results
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- parity -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_each_policy_same_verdicts_embedded_and_opa(path: Path, opa: OpaServer) -> None:
    module = next(m for m in _all_modules() if m.path == path)
    embedded = EmbeddedEvaluator().evaluate([module], INPUT_JSON)
    served = OpaServerEvaluator(opa.url, timeout=5).evaluate([module], INPUT_JSON)
    assert _verdicts(served) == _verdicts(embedded)
    assert embedded[0].error is None, embedded[0].error
    if path.parent == FIXTURE_REGO:  # the fixtures are written so that the input trips every rule kind
        assert embedded[0].deny and embedded[0].warn and embedded[0].metadata


def test_all_policies_together_same_verdicts(opa: OpaServer) -> None:
    modules = _all_modules()
    embedded = EmbeddedEvaluator().evaluate(modules, INPUT_JSON)
    served = OpaServerEvaluator(opa.url, timeout=5).evaluate(modules, INPUT_JSON)
    assert _verdicts(served) == _verdicts(embedded)
    assert [r.error for r in served] == [None] * len(modules)


# -- the exact requests -----------------------------------------------------------------------------
def test_requests_put_each_policy_post_each_package_delete_each_policy(opa: OpaServer) -> None:
    modules = _all_modules()
    with OpaSession(opa.url, timeout=5) as session:
        session.evaluate(modules, INPUT_JSON)
        prefix = session.prefix
    assert prefix.startswith("finguard-") and len(prefix) == len("finguard-") + 8

    ids: list[str] = []
    for m in modules:  # a second module of one package gets a -2 suffix
        base = f"{prefix}-{m.package.replace('.', '/')}"
        ids.append(base if base not in ids else f"{base}-{sum(i.startswith(base) for i in ids) + 1}")
    packages = list(dict.fromkeys(m.package for m in modules))
    expected = (
        [("GET", "/health")]
        + [("PUT", f"/v1/policies/{i}") for i in ids]
        + [("POST", f"/v1/data/{p.replace('.', '/')}") for p in packages]
        + [("DELETE", f"/v1/policies/{i}") for i in ids]
    )
    sent = opa.requests
    assert [(r.method, r.path) for r in sent] == expected

    puts = [r for r in sent if r.method == "PUT"]
    assert [r.body.decode() for r in puts] == [m.text for m in modules]
    assert all(r.headers["Content-Type"] == "text/plain" for r in puts)
    assert all(r.json() == {"input": INPUT} for r in sent if r.method == "POST")
    assert all("Authorization" not in r.headers for r in sent)


def test_modules_sharing_a_package_get_distinct_ids_and_one_query(tmp_path: Path, opa: OpaServer) -> None:
    a = _module(tmp_path, "a.rego", 'package fixtures.shared\n\nimport rego.v1\n\ndeny contains "a"\n')
    b = _module(tmp_path, "b.rego", 'package fixtures.shared\n\nimport rego.v1\n\nwarn contains "b"\n')
    with OpaSession(opa.url, timeout=5) as session:
        results = session.evaluate([a, b], "{}")
        prefix = session.prefix
    assert [(r.deny, r.warn, r.error) for r in results] == [(["a"], ["b"], None)] * 2
    assert _verdicts(results) == _verdicts(EmbeddedEvaluator().evaluate([a, b], "{}"))
    base = f"/v1/policies/{prefix}-fixtures/shared"
    assert [(r.method, r.path) for r in opa.requests] == [
        ("GET", "/health"), ("PUT", base), ("PUT", f"{base}-2"), ("POST", "/v1/data/fixtures/shared"),
        ("DELETE", base), ("DELETE", f"{base}-2"),
    ]


# -- errors in one module ---------------------------------------------------------------------------
def test_compile_error_is_that_modules_error_in_both_evaluators(tmp_path: Path, opa: OpaServer) -> None:
    good = _all_modules()
    broken = _module(tmp_path, "broken.rego", BROKEN)
    old = _module(tmp_path, "old_syntax.rego", V0_SYNTAX)
    modules = [*good[:1], broken, *good[1:], old]

    embedded = EmbeddedEvaluator().evaluate(modules, INPUT_JSON)
    served = OpaServerEvaluator(opa.url, timeout=5).evaluate(modules, INPUT_JSON)
    assert _verdicts(served) == _verdicts(embedded)
    by_path = {r.module.path: r for r in served}
    assert by_path[broken.path].error is not None
    assert by_path[broken.path].error.startswith(f"{broken.path}:6:")  # OPA's location, mapped back to the file
    assert "\n" not in by_path[broken.path].error
    assert "`if` keyword is required" in (by_path[old.path].error or "")
    assert [by_path[m.path].error for m in good] == [None] * len(good)
    assert _verdicts([by_path[m.path] for m in good]) == _verdicts(EmbeddedEvaluator().evaluate(good, INPUT_JSON))

    sent = [(r.method, r.path) for r in opa.requests]
    # rego_compat=False: the v0 module is uploaded once, never rewritten and retried by the client
    assert sum(1 for m, _ in sent if m == "PUT") == len(modules)
    assert not any("broken" in p or "old_syntax" in p for m, p in sent if m in ("POST", "DELETE"))
    assert sum(1 for m, _ in sent if m == "DELETE") == len(good)


def test_evaluation_error_is_that_modules_error_in_both_evaluators(tmp_path: Path, opa: OpaServer) -> None:
    conflict = _module(tmp_path, "conflict.rego", CONFLICT)
    good = _all_modules()[:1]
    embedded = EmbeddedEvaluator().evaluate([conflict, *good], INPUT_JSON)
    served = OpaServerEvaluator(opa.url, timeout=5).evaluate([conflict, *good], INPUT_JSON)
    assert _verdicts(served) == _verdicts(embedded)
    assert served[0].error and "conflict" in served[0].error
    assert served[0].error.startswith(f"{conflict.path}:7:")  # the policy id mapped back to the file
    assert served[1].error is None


# -- the server and the token -----------------------------------------------------------------------
def test_server_down_is_an_input_error_naming_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "tok-never-shown-123")
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(InputError) as caught:
        OpaServerEvaluator(url, timeout=2).evaluate(_all_modules(), INPUT_JSON)
    message = str(caught.value)
    assert url in message and "connection refused" in message
    assert "tok-never-shown-123" not in message
    assert caught.value.__cause__ is None


def test_token_is_sent_as_bearer_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "s3cret-opa-token-42"
    modules = _all_modules()
    with running_opa_server(token=token) as server:
        monkeypatch.setenv(TOKEN_ENV, token)
        results = OpaServerEvaluator(server.url, timeout=5).evaluate(modules, INPUT_JSON)
        assert [r.error for r in results] == [None] * len(modules)
        assert server.requests and all(r.headers.get("Authorization") == f"Bearer {token}" for r in server.requests)
        assert server.state.policies == {}
        assert token not in repr(OpaSession(server.url))

        for wrong in ("not-the-token", None):
            if wrong is None:
                monkeypatch.delenv(TOKEN_ENV)
            else:
                monkeypatch.setenv(TOKEN_ENV, wrong)
            with pytest.raises(InputError) as caught:
                OpaServerEvaluator(server.url, timeout=5).evaluate(modules, INPUT_JSON)
            message = str(caught.value)
            assert server.url in message and "401" in message and TOKEN_ENV in message
            assert token not in message and "not-the-token" not in message


def test_policies_are_deleted_when_evaluation_fails(monkeypatch: pytest.MonkeyPatch, opa: OpaServer) -> None:
    from opa_client import OpaClient

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError("connection reset")

    monkeypatch.setattr(OpaClient, "query_rule", refuse)
    modules = _all_modules()
    with pytest.raises(InputError, match=r"querying data\..* failed: connection refused or host unreachable"):
        OpaServerEvaluator(opa.url, timeout=5).evaluate(modules, INPUT_JSON)
    assert sum(1 for r in opa.requests if r.method == "DELETE") == len(modules)
    # the `opa` fixture asserts that nothing was left on the server


def test_unhealthy_server_is_an_input_error(opa: OpaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from opa_client import OpaClient

    monkeypatch.setattr(OpaClient, "check_health", lambda self, *a, **k: False)
    with pytest.raises(InputError, match="not healthy"):
        OpaServerEvaluator(opa.url, timeout=5).evaluate([], "{}")


@pytest.mark.parametrize(
    ("url", "host", "port", "ssl"),
    [
        ("http://127.0.0.1:8181", "127.0.0.1", 8181, False),
        ("127.0.0.1:8181", "127.0.0.1", 8181, False),
        ("https://opa.example.com/", "opa.example.com", 443, True),
        ("http://[::1]:8181", "[::1]", 8181, False),
    ],
)
def test_url_parsing(url: str, host: str, port: int, ssl: bool) -> None:
    session = OpaSession(url)
    assert (session.host, session.port, session.ssl) == (host, port, ssl)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://opa:8181", "http:// or https://"),
        ("http://user:hunter2@opa:8181", TOKEN_ENV),
        ("http://opa:8181/v1", "has a path"),
        ("http://opa:99999", "invalid port"),
    ],
)
def test_bad_urls_are_input_errors_without_credentials(url: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        OpaSession(url)
    assert "hunter2" not in str(caught.value)


def test_an_unwritable_number_is_explained() -> None:
    """regorus cannot write every number back out (-1.8e308 from a plan): the package's error says what that means
    instead of regorus' bare phrase."""
    from finguard.policy.rego import EmbeddedEvaluator, RegoModule

    module = RegoModule(Path("huge.rego"), "huge", "package huge\n\nimport rego.v1\n\n"
                        "seen contains v if { some r in input.resources; v := r.attributes.size }\n"
                        'deny contains "x" if { count(seen) > 0 }\n')
    text = '{"resources": [{"attributes": {"size": -1.7976931348623157e308}}]}'
    (result,) = EmbeddedEvaluator().evaluate([module], text)
    assert result.error is not None and result.error.startswith("could not serialize number (a rule's value holds")
