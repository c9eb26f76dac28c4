"""Nodes and pods from a running cluster through the official `kubernetes` client, read-only.

Credentials come the standard ways: a kubeconfig (`--kubeconfig`, else `$KUBECONFIG`, else ~/.kube/config, with
`--context`) or the pod's service account (`--in-cluster`). `--api-server URL` points the client at another
address (an API proxy, `kubectl proxy`, or the test suite's local stand-in) with the same credentials.

Only two calls are made, both list calls: `GET /api/v1/nodes` and `GET /api/v1/pods`, in pages of `--page-size`
objects followed by the server's `continue` token, as kubectl does. The raw JSON pages are kept (the client's
`_preload_content=False`), so a live read becomes exactly the document `kubectl get nodes,pods -A -o json`
writes: one parser for both, and `finguard k8s snapshot` can save it for later runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from finguard.errors import InputError
from finguard.json_input import parse_json

PAGE_SIZE = 500
MAX_PAGES = 10_000


@dataclass(slots=True)
class Connection:
    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool = False
    api_server: str | None = None
    page_size: int = PAGE_SIZE
    timeout: float = 60.0


def _client(conn: Connection) -> Any:
    """A CoreV1Api configured from the kubeconfig or the service account, without touching global state."""
    try:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException
    except ImportError:
        raise InputError("reading a live cluster needs the official Kubernetes client: pip install "
                         "'finguard[k8s]'") from None
    configuration = client.Configuration()
    try:
        if conn.in_cluster:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(config_file=str(conn.kubeconfig) if conn.kubeconfig else None,
                                    context=conn.context, client_configuration=configuration,
                                    persist_config=False)
    except ConfigException as exc:
        where = "in-cluster service account" if conn.in_cluster else str(conn.kubeconfig or "kubeconfig")
        raise InputError(f"cannot load Kubernetes credentials: {str(exc).splitlines()[0][:300]}", where=where) \
            from None
    except (OSError, ValueError, TypeError) as exc:  # unreadable file, YAML that is not a kubeconfig
        raise InputError(f"cannot load Kubernetes credentials: {type(exc).__name__}: {str(exc)[:200]}",
                         where=str(conn.kubeconfig or "kubeconfig")) from None
    if conn.api_server:
        if not conn.api_server.startswith(("http://", "https://")):
            raise InputError(f"--api-server must be an http(s) URL, got {conn.api_server[:80]!r}")
        override = conn.api_server.rstrip("/")
        configuration.host = override
        refresh = getattr(configuration, "refresh_api_key_hook", None)
        if refresh is not None:  # the kubeconfig loader reloads the file (and its server) before each request
            def reload_keeping_host(cfg: Any) -> None:
                refresh(cfg)  # which sets its own hook again: put this one back
                cfg.host = override
                cfg.refresh_api_key_hook = reload_keeping_host

            configuration.refresh_api_key_hook = reload_keeping_host
    configuration.retries = 1
    return client.CoreV1Api(client.ApiClient(configuration)), configuration.host


def _pages(call: Any, what: str, host: str, conn: Connection) -> list[dict[str, Any]]:
    """Every item of a list call, following `continue` tokens."""
    from kubernetes.client.exceptions import ApiException

    items: list[dict[str, Any]] = []
    token: str | None = None
    source = f"{host}/api/v1/{what}"
    for _ in range(MAX_PAGES):
        kwargs: dict[str, Any] = {"limit": conn.page_size, "_preload_content": False,
                                  "_request_timeout": conn.timeout}
        if token:
            kwargs["_continue"] = token
        try:
            response = call(**kwargs)
            body = response.data
        except ApiException as exc:
            raise InputError(f"the Kubernetes API answered HTTP {exc.status} {exc.reason or ''}".rstrip()
                             + _status_message(exc.body), where=source) from None
        except Exception as exc:  # urllib3 connection errors, timeouts, TLS failures
            raise InputError(f"cannot reach the Kubernetes API: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:200] if str(exc) else ''}", where=source) from None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the Kubernetes API answered with something that is not UTF-8 JSON", where=source) \
                from None
        page = parse_json(text, source, f"a {what} list")
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise InputError(f"not a {what} list: no `items`", where=source)
        kind = "Node" if what == "nodes" else "Pod"
        items.extend({"kind": kind, "apiVersion": "v1", **item} if isinstance(item, dict) else item
                     for item in page["items"])
        token = (page.get("metadata") or {}).get("continue") if isinstance(page.get("metadata"), dict) else None
        if not token:
            return items
    raise InputError(f"more than {MAX_PAGES:,} pages of {what}: stopped", where=source)


def _status_message(body: Any) -> str:
    """The `message` of a Kubernetes Status body (never headers, which may echo credentials)."""
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return f": {str(message)[:300]}" if message else ""


def read_cluster(conn: Connection) -> tuple[dict[str, Any], datetime, str]:
    """(a kubectl-style List document of every node and pod, the moment it was read, the API host)."""
    api, host = _client(conn)
    moment = datetime.now(UTC).replace(microsecond=0)
    nodes = _pages(api.list_node, "nodes", host, conn)
    pods = _pages(api.list_pod_for_all_namespaces, "pods", host, conn)
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [*nodes, *pods]}, \
        moment, host


def snapshot_name(moment: datetime) -> str:
    """`2024-09-01T10-00-00Z.json`: the time in the name (kubectl's output has none), no colons (Windows)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ") + ".json"
