"""A small OPA-compatible REST server for tests, answering from regorus.

Why: no `opa` binary can be installed here (Debian has no package, the npm packages are SDKs, and
opa-golib-python-bindings needs Python 3.14), yet finguard's OPA evaluator must be tested over real
HTTP through opa-python-client. This server speaks the subset of OPA's REST API the client uses,
with OPA's response shapes (server/types in OPA's source), and records every request so tests can
assert exactly what was sent:

    GET /health                      200 {}
    GET /v1/policies                 200 {"result": [{"id", "raw", "ast"}]}
    GET|PUT|DELETE /v1/policies/<id> PUT compiles all modules; 400 {code, message, errors[]} on error
    GET|POST /v1/data/<path>         200 {"result": doc}, no "result" key when undefined
    PUT /v1/data/<path>              204

With `token` set it behaves like `opa run --authentication=token --authorization=basic` with an
administrative policy that accepts only that token: 401 {"code": "unauthorized", ...} otherwise.

Run it by hand with `python tests/opa_server.py [--port 8181]`.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import regorus

_LOCATION = re.compile(r"-->\s*(?P<file>.*?):(?P<row>\d+):(?P<col>\d+)")
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)


@dataclass(slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class OpaState:
    """Everything the server holds, behind one lock: policies by id, the data tree, the request log."""

    token: str | None = None
    policies: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self, policies: dict[str, str] | None = None) -> regorus.Engine:
        """A fresh engine per request: regorus engines are not shared across threads here."""
        engine = regorus.Engine()
        for policy_id, raw in (self.policies if policies is None else policies).items():
            engine.add_policy(policy_id, raw)
        if self.data:
            engine.add_data_json(json.dumps(self.data))
        return engine


def _regorus_error(policy_id: str, exc: Exception, code: str) -> dict[str, Any]:
    """regorus' "--> file:row:col ... error: msg" as one OPA AST error."""
    text = str(exc).split("Stack backtrace:", 1)[0]
    match = _LOCATION.search(text)
    message = text.split("error:", 1)[1] if "error:" in text else text
    error: dict[str, Any] = {"code": code, "message": " ".join(message.split())}
    if match:
        error["location"] = {"file": policy_id or match["file"], "row": int(match["row"]), "col": int(match["col"])}
    return error


def _error(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _ast(raw: str) -> dict[str, Any]:
    """Enough of OPA's AST for the client's get_policies_info(): the package path."""
    match = _PACKAGE.search(raw)
    segments = match.group(1).split(".") if match else []
    path = [{"type": "var", "value": "data"}] + [{"type": "string", "value": s} for s in segments]
    return {"package": {"path": path}, "rules": []}


def _data_query(segments: list[str]) -> str:
    return "data" + "".join(f"[{json.dumps(s)}]" for s in segments)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' session expects
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms delayed-ACK stall
    server: _Server
    timeout = 5  # an idle keep-alive connection must not pin a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
        pass

    # -- plumbing ----------------------------------------------------------------------------------
    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        state = self.server.state
        with state.lock:
            state.requests.append(Request(self.command, path, dict(self.headers.items()), body))
        if state.token is not None and self.headers.get("Authorization") != f"Bearer {state.token}":
            self._send(401, _error("unauthorized", "request rejected by administrative policy"))
            return
        try:
            status, payload = self._route(self.command, path, body)
        except Exception as exc:  # the server must answer, as OPA would, rather than drop the socket
            status, payload = 500, _error("internal_error", str(exc))
        self._send(status, payload)

    def _send(self, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload, indent=2).encode() + b"\n"
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _handle

    # -- the API -----------------------------------------------------------------------------------
    def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if path == "/health" and method == "GET":
            return 200, {}
        if path.rstrip("/") == "/v1/policies" and method == "GET":
            with self.server.state.lock:
                items = list(self.server.state.policies.items())
            return 200, {"result": [{"id": i, "raw": raw, "ast": _ast(raw)} for i, raw in items]}
        if path.startswith("/v1/policies/"):
            return self._policy(method, unquote(path[len("/v1/policies/"):]), body)
        if path == "/v1/data" or path.startswith("/v1/data/"):
            segments = [unquote(s) for s in path[len("/v1/data"):].split("/") if s]
            return self._data(method, segments, body)
        return 404, _error("resource_not_found", f"no handler for {method} {path}")

    def _policy(self, method: str, policy_id: str, body: bytes) -> tuple[int, Any]:
        state = self.server.state
        with state.lock:
            if method == "PUT":
                raw = body.decode("utf-8")
                candidate = dict(state.policies) | {policy_id: raw}
                try:  # OPA compiles the whole module set on every PUT
                    state.engine(candidate)
                except Exception as exc:
                    error = _regorus_error(policy_id, exc, "rego_parse_error")
                    return 400, _error("invalid_parameter", "error(s) occurred while compiling module(s)", [error])
                state.policies = candidate
                return 200, {}
            if policy_id not in state.policies:
                return 404, _error("resource_not_found", f'storage_not_found_error: policy id "{policy_id}"')
            if method == "GET":
                raw = state.policies[policy_id]
                return 200, {"result": {"id": policy_id, "raw": raw, "ast": _ast(raw)}}
            if method == "DELETE":
                del state.policies[policy_id]
                return 200, {}
        return 405, _error("invalid_operation", f"method {method} not allowed")

    def _data(self, method: str, segments: list[str], body: bytes) -> tuple[int, Any]:
        state = self.server.state
        with state.lock:
            if method == "PUT":
                value = json.loads(body or b"null")
                if not segments:
                    state.data = value
                else:
                    node = state.data
                    for segment in segments[:-1]:
                        node = node.setdefault(segment, {})
                    node[segments[-1]] = value
                return 204, None
            if method not in ("GET", "POST"):
                return 405, _error("invalid_operation", f"method {method} not allowed")
            engine = state.engine()
        request = json.loads(body) if body else {}
        if "input" in request:
            engine.set_input_json(json.dumps(request["input"]))
        try:
            answer = json.loads(engine.eval_query_as_json(_data_query(segments)))
        except Exception as exc:
            error = _regorus_error("", exc, "eval_error")
            return 500, _error("internal_error", "error(s) occurred while evaluating query", [error])
        rows = answer.get("result") or []
        if not rows:
            return 200, {}  # undefined: OPA omits "result"
        return 200, {"result": rows[0]["expressions"][0]["value"]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # shutdown must not wait for idle keep-alive connections
    state: OpaState


@dataclass
class OpaServer:
    """A running server: its URL, its state and the requests it received."""

    url: str
    state: OpaState

    @property
    def requests(self) -> list[Request]:
        with self.state.lock:
            return list(self.state.requests)

    def clear(self) -> None:
        with self.state.lock:
            self.state.requests.clear()


@contextmanager
def running_opa_server(token: str | None = None, port: int = 0) -> Iterator[OpaServer]:
    """Serve on 127.0.0.1 (any free port by default) for the duration of the `with` block."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.state = OpaState(token=token)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield OpaServer(f"http://127.0.0.1:{server.server_address[1]}", server.state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    with running_opa_server(args.token, args.port) as server:
        print(f"OPA-compatible test server on {server.url} (Ctrl-C to stop)")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
