"""Local stand-ins for the Kubernetes API and the Prometheus HTTP API, on 127.0.0.1, for the k8s tests.

Kubernetes: `GET /api/v1/nodes` and `GET /api/v1/pods` answer with recorded list responses (NodeList, PodList, as
the API server writes them), paged the API's way: `limit` objects per page and an opaque `continue` token in
`metadata.continue` until the last page. Every request needs `Authorization: Bearer <token>` (401 with a
Kubernetes Status body otherwise); any other method or path is a 405/404 Status. Failures can be injected for the
next request.

Prometheus: `GET /api/v1/query_range` answers from series registered per metric (the query names
`container_cpu_usage_seconds_total` or `container_memory_working_set_bytes`), keeping the points from `start` to
`end`, with Prometheus's `{"status": "success", "data": {"resultType": "matrix", ...}}` envelope; a query it does
not know is a 400 `bad_data` error, as Prometheus answers a bad query.

Every request is recorded (method, path, query, headers) so tests can assert what the client sent.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased


@dataclass
class State:
    token: str = "test-token"
    nodes: list[dict[str, Any]] = field(default_factory=list)
    pods: list[dict[str, Any]] = field(default_factory=list)
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "cpu"/"memory" -> matrix result
    requests: list[Request] = field(default_factory=list)
    fail: tuple[int, dict[str, Any]] | None = None  # (status, body) for the next request
    resource_version: str = "912345"


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


class _Handler(BaseHTTPRequestHandler):
    server_version = "stand-in/1"
    state: State

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.state.requests.append(Request(self.command, parts.path, query,
                                           {k.lower(): v for k, v in self.headers.items()}))
        return parts.path, query

    def do_GET(self) -> None:
        path, query = self._record()
        if self.state.fail is not None:
            status, body = self.state.fail
            self.state.fail = None
            self._send(status, body)
            return
        if path == "/api/v1/query_range":
            self._prometheus(query)
            return
        if self.headers.get("Authorization") != f"Bearer {self.state.token}":
            self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        if path == "/api/v1/nodes":
            self._list("NodeList", self.state.nodes, query)
        elif path == "/api/v1/pods":
            self._list("PodList", self.state.pods, query)
        else:
            self._send(404, _status(404, "NotFound", f"the server could not find the requested resource ({path})"))

    def do_POST(self) -> None:
        self._record()
        self._send(405, _status(405, "MethodNotAllowed", "read-only stand-in"))

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _list(self, kind: str, items: list[dict[str, Any]], query: dict[str, str]) -> None:
        limit = int(query.get("limit", "0") or 0) or len(items) or 1
        offset = int(base64.b64decode(query["continue"]).decode()) if query.get("continue") else 0
        page = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
                for item in items[offset:offset + limit]]
        meta: dict[str, Any] = {"resourceVersion": self.state.resource_version}
        if offset + limit < len(items):
            meta["continue"] = base64.b64encode(str(offset + limit).encode()).decode()
            meta["remainingItemCount"] = len(items) - offset - limit
        self._send(200, {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": page})

    def _prometheus(self, query: dict[str, str]) -> None:
        text = query.get("query", "")
        metric = "cpu" if "container_cpu_usage_seconds_total" in text else \
            "memory" if "container_memory_working_set_bytes" in text else None
        if metric is None or "step" not in query:
            self._send(400, {"status": "error", "errorType": "bad_data",
                             "error": f"1:1: parse error: unknown query {text[:40]!r}"})
            return
        start, end = float(query["start"]), float(query["end"])
        result = []
        for series in self.state.series.get(metric, []):
            values = [v for v in series["values"] if start <= float(v[0]) <= end]
            if values:
                result.append({"metric": series["metric"], "values": values})
        self._send(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})


@contextmanager
def serve(state: State) -> Iterator[str]:
    """Run the stand-in on a free port of 127.0.0.1; yields its base URL."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def kubeconfig(url: str, token: str, context: str = "stand-in") -> str:
    """A kubeconfig with one cluster, one token user and one context: what `kubectl config view` writes."""
    return f"""apiVersion: v1
kind: Config
clusters:
- name: {context}
  cluster:
    server: {url}
users:
- name: {context}-user
  user:
    token: {token}
contexts:
- name: {context}
  context:
    cluster: {context}
    user: {context}-user
current-context: {context}
"""
