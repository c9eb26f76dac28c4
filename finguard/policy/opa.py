"""Rego evaluation on an OPA server through opa-python-client: upload, query each package, clean up.

Why a session: policies are uploaded under run-unique ids (`finguard-<uuid8>-<package path>`), so
concurrent CI runs against one shared OPA never replace each other's modules, and `__exit__` removes
every module it uploaded, even when evaluation failed half-way.

opa-python-client calls used: `OpaClient(host, port, ssl, token, timeout, retries)`,
`check_health()` (GET /health), `check_connection()` (GET /v1/policies/, only to say *why* a health
check failed), `update_policy_from_string(text, id, rego_compat=False)` (PUT /v1/policies/<id>),
`query_rule(input, package)` (POST /v1/data/<package path> with {"input": ...}: the client's raw
data-document query), `delete_policy(id)` (DELETE /v1/policies/<id>) and `close_connection()`.

A bearer token is read from FINGUARD_OPA_TOKEN and handed to the client, which sends it as
`Authorization: Bearer ...`; it is never part of a message, a log line or `repr`.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from opa_client import OpaClient
from opa_client.errors import ConnectionsError, DeletePolicyError, RegoParseError, TypeException

from finguard.errors import InputError
from finguard.policy.rego import PackageResult, RegoModule, clean_error, fill_result

TOKEN_ENV = "FINGUARD_OPA_TOKEN"

_log = logging.getLogger(__name__)


class OpaSession:
    """One evaluation run on an OPA server: `with OpaSession(url) as s: s.evaluate(modules, input)`."""

    def __init__(self, url: str, *, timeout: float = 30.0, token: str | None = None, retries: int = 1) -> None:
        self.host, self.port, self.ssl, self.url = _parse_url(url)
        self.timeout = timeout
        # Retries only cover connection hiccups (and idempotent PUT/DELETE on 5xx); one is enough
        # and keeps "connection refused" instant.
        self.retries = retries
        self._token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
        self.prefix = f"finguard-{uuid.uuid4().hex[:8]}"
        self.uploaded: list[str] = []  # ids that may exist on the server and must be deleted
        self.cleanup_errors: list[str] = []
        self._client: OpaClient | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"OpaSession(url={self.url!r}, prefix={self.prefix!r})"

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> OpaSession:
        client = OpaClient(host=self.host, port=self.port, ssl=self.ssl, token=self._token,
                           timeout=self.timeout, retries=self.retries)
        if not client.check_health():
            reason = self._why_unhealthy(client)
            client.close_connection()
            raise InputError(f"no usable OPA server at {self.url}: {reason}")
        self._client = client
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            self._delete_uploaded(client)
        finally:
            client.close_connection()
        if self.cleanup_errors:
            # A warning, not an error: the verdicts are sound; only the server was left untidy.
            _log.warning("could not remove finguard's policies from the OPA server at %s: %s",
                         self.url, "; ".join(self.cleanup_errors))

    def _delete_uploaded(self, client: OpaClient) -> None:
        pending = list(self.uploaded)
        while pending:
            policy_id = pending.pop(0)
            try:
                client.delete_policy(policy_id)
            except DeletePolicyError as exc:
                if exc.expression != "resource_not_found":  # already gone is what we wanted
                    self.cleanup_errors.append(f"{policy_id}: {exc.expression}: {exc.message}")
            except requests.RequestException as exc:
                # The server stopped answering: every further DELETE would wait for the same timeout.
                self.cleanup_errors.append(f"{policy_id} and {len(pending)} more: {self._describe(exc)}")
                return
            self.uploaded.remove(policy_id)

    def _why_unhealthy(self, client: OpaClient) -> str:
        """check_health() only says False; check_connection() keeps the transport error as __cause__."""
        try:
            client.check_connection()
        except ConnectionsError as exc:
            cause = exc.__cause__
            if isinstance(cause, requests.RequestException):
                return self._describe(cause)
            return "no answer"
        return "GET /health did not answer 200 (the server is up but not healthy)"

    def _require_client(self) -> OpaClient:
        if self._client is None:
            raise RuntimeError("OpaSession.evaluate() called outside `with OpaSession(...)`")
        return self._client

    # -- evaluation --------------------------------------------------------------------------------
    def evaluate(self, modules: list[RegoModule], input_json: str) -> list[PackageResult]:
        """Same contract as EmbeddedEvaluator: one PackageResult per module, errors per module."""
        client = self._require_client()
        try:
            input_data = json.loads(input_json)
        except ValueError as exc:
            raise InputError(f"the Rego input is not valid JSON: {exc}") from None
        results = [PackageResult(module) for module in modules]
        ids = self._policy_ids(modules)
        loaded = [(i, r) for i, r in zip(ids, results, strict=True) if self._upload(client, i, r)]
        files = {policy_id: str(result.module.path) for policy_id, result in loaded}
        documents: dict[str, Any] = {}
        for _, result in loaded:
            package = result.module.package
            if package not in documents:  # one query per package; modules sharing it share its document
                documents[package] = self._query(client, package, input_data, files)
            answer = documents[package]
            if isinstance(answer, _QueryError):
                result.error = answer.message
            else:
                fill_result(result, answer)
        return results

    def _policy_ids(self, modules: list[RegoModule]) -> list[str]:
        ids: list[str] = []
        taken: set[str] = set()
        for module in modules:
            base = f"{self.prefix}-{module.package.replace('.', '/')}"
            policy_id, n = base, 1
            while policy_id in taken:  # two files may declare the same package
                n += 1
                policy_id = f"{base}-{n}"
            taken.add(policy_id)
            ids.append(policy_id)
        return ids

    def _upload(self, client: OpaClient, policy_id: str, result: PackageResult) -> bool:
        """PUT the module; a compile error is that module's error, anything else stops the run."""
        self.uploaded.append(policy_id)  # a PUT that timed out may still have landed: delete it anyway
        try:
            # rego_compat=False: never let the client rewrite v0 syntax, or OPA would accept what the
            # embedded evaluator rejects.
            client.update_policy_from_string(result.module.text, policy_id, rego_compat=False)
        except RegoParseError as exc:
            self.uploaded.remove(policy_id)
            if exc.errors or exc.expression == "invalid_parameter":
                error = {"code": exc.expression, "message": exc.message, "errors": exc.errors}
                result.error = _opa_message(error, {policy_id: str(result.module.path)})
                return False
            raise InputError(f"the OPA server at {self.url} refused the policy upload: "
                             f"{clean_error(f'{exc.expression}: {exc.message}')}") from None
        except TypeException:
            self.uploaded.remove(policy_id)
            result.error = "empty policy module"
            return False
        except requests.RequestException as exc:
            raise InputError(f"uploading a policy to the OPA server at {self.url} failed: "
                             f"{self._describe(exc)}") from None
        return True

    def _query(self, client: OpaClient, package: str, input_data: Any, files: dict[str, str]) -> Any:
        """The package's document (None when undefined), or a _QueryError for evaluation errors."""
        try:
            body = client.query_rule(input_data, package)
        except requests.HTTPError as exc:
            response = exc.response
            error = _json_body(response)
            # OPA answers 400 (query compile/type error) or 500 (eval error, e.g. a conflict) with its
            # error document: that is this package's failure. Other statuses are the server's.
            if response is not None and response.status_code in (400, 500) and error is not None:
                return _QueryError(_opa_message(error, files))
            raise InputError(f"querying data.{package} on the OPA server at {self.url} failed: "
                             f"{self._describe(exc)}") from None
        except requests.RequestException as exc:
            raise InputError(f"querying data.{package} on the OPA server at {self.url} failed: "
                             f"{self._describe(exc)}") from None
        return body.get("result") if isinstance(body, dict) else None

    def _describe(self, exc: requests.RequestException) -> str:
        """A short reason with no headers, no body dump and so no token."""
        if isinstance(exc, requests.Timeout):
            return f"timed out after {self.timeout:g}s"
        if isinstance(exc, requests.exceptions.SSLError):
            return "TLS handshake failed"
        if isinstance(exc, requests.ConnectionError):
            return "connection refused or host unreachable"
        if isinstance(exc, requests.exceptions.InvalidJSONError):
            return "the answer is not JSON (is this an OPA server?)"
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            status = exc.response.status_code
            error = _json_body(exc.response)
            if status == 401:
                hint = f"set {TOKEN_ENV}" if not self._token else f"the token in {TOKEN_ENV} was rejected"
                return f"HTTP 401 unauthorized ({hint})"
            detail = f": {_opa_message(error, {})}" if error is not None else ""
            return f"HTTP {status}{detail}"
        return type(exc).__name__


class _QueryError:
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _json_body(response: requests.Response | None) -> dict[str, Any] | None:
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _opa_message(error: dict[str, Any], files: dict[str, str]) -> str:
    """OPA's error document as one line: each detailed error with its file:row:col, else code: message.

    OPA names a module by its policy id in `location.file`; `files` maps those ids back to paths.
    """
    parts: list[str] = []
    for item in error.get("errors") or []:
        if not isinstance(item, dict):
            continue
        location = item.get("location") if isinstance(item.get("location"), dict) else {}
        file = str(location.get("file") or "")
        where = files.get(file, file)
        if where and location.get("row"):
            where = f"{where}:{location['row']}:{location.get('col', 0)}"
        text = f"{item.get('code', 'error')}: {item.get('message', '')}"
        # A message may cite other modules (a conflicting rule): longest ids first, as ids nest.
        for policy_id, path in sorted(files.items(), key=lambda item: -len(item[0])):
            text = text.replace(policy_id, path)
        parts.append(f"{where}: {text}" if where else text)
    if not parts:
        parts.append(f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}")
    return clean_error("; ".join(parts))


def _parse_url(url: str) -> tuple[str, int, bool, str]:
    """(host, port, https?, display URL). The client takes host/port/ssl, so the URL may have no path."""
    raw = url.strip()
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # never echo credentials
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"the OPA URL must be http:// or https://, not {shown!r}")
    if parts.username or parts.password:
        raise InputError(f"the OPA URL {shown!r} carries credentials: put a bearer token in {TOKEN_ENV} instead")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError(f"the OPA URL {shown!r} has a path: give the server root (e.g. http://127.0.0.1:8181)")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"the OPA URL {shown!r} has an invalid port") from None
    host = parts.hostname
    if not host:
        raise InputError(f"the OPA URL {shown!r} has no host")
    if port is None:
        port = 443 if scheme == "https" else 80
    if ":" in host:  # IPv6 literal: the client pastes host and port together
        host = f"[{host}]"
    return host, port, scheme == "https", f"{scheme}://{host}:{port}"
