"""Pod usage per hour from Prometheus: CPU cores and memory working set, live or from saved query results.

Two range queries over the HTTP API (`/api/v1/query_range`, one point per hour): the CPU rate of
`container_cpu_usage_seconds_total` and the average `container_memory_working_set_bytes` over each hour, summed
per (namespace, pod) over the pod's containers (cAdvisor's pause container and cgroup totals left out). The
value at time T describes the hour before T, so it is the usage of the window ending at T.

Offline, a directory of saved responses (the API's JSON as returned: `finguard k8s usage --out DIR` writes
them) stands in for the server: files named `cpu*.json` and `memory*.json`. A bearer token for a protected
Prometheus comes from `FINGUARD_PROMETHEUS_TOKEN` and is never printed.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, ValidationError

from finguard.errors import InputError
from finguard.json_input import json_path, load_json, parse_json

CPU_QUERY = ('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="", container!="POD"}'
             '[1h]))')
MEMORY_QUERY = ('sum by (namespace, pod) (avg_over_time(container_memory_working_set_bytes{container!="", '
                'container!="POD"}[1h]))')
TOKEN_ENV = "FINGUARD_PROMETHEUS_TOKEN"
STEP = 3600
MAX_POINTS = 10_000  # Prometheus refuses more than 11,000 points per series in one query_range
Metric = Literal["cpu", "memory"]
MAX_USAGE = 1e18  # cores or bytes: anything larger is a broken exporter, not a pod


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Series(_Strict):
    metric: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    values: list[tuple[StrictInt | StrictFloat, StrictStr | StrictInt | StrictFloat]] = Field(default_factory=list)


class MatrixData(_Strict):
    resultType: Literal["matrix"]
    result: list[Series]


class QueryResponse(_Strict):
    """The Prometheus HTTP API's answer to a range query."""

    status: Literal["success"]
    data: MatrixData


@dataclass(slots=True)
class Usage:
    """Average usage per (namespace, pod, hour window): cores and bytes (None where the metric had no value)."""

    by_pod_hour: dict[tuple[str, str, int], list[float | None]] = field(default_factory=dict)
    skipped: int = 0  # NaN, infinite or negative samples (counter resets, broken exporters): left out
    sources: list[str] = field(default_factory=list)

    def add(self, metric: Metric, namespace: str, pod: str, hour: int, value: float) -> None:
        slot = self.by_pod_hour.setdefault((namespace, pod, hour), [None, None])
        index = 0 if metric == "cpu" else 1
        slot[index] = (slot[index] or 0.0) + value

    def __len__(self) -> int:
        return len(self.by_pod_hour)


def parse_response(raw: Any, source: str, metric: Metric, usage: Usage) -> None:
    """Add one saved or fetched query_range response to `usage`; a malformed one is an error naming where."""
    if isinstance(raw, dict) and raw.get("status") == "error":
        detail = str(raw.get("error") or raw.get("errorType") or "unknown error")[:300]
        raise InputError(f"Prometheus answered with an error: {detail}", where=source)
    try:
        response = QueryResponse.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = "required field missing" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        raise InputError(f"not a Prometheus range-query result at {json_path(err['loc'])}: {message}",
                         where=source) from None
    for i, series in enumerate(response.data.result):
        namespace = series.metric.get("namespace")
        pod = series.metric.get("pod") or series.metric.get("pod_name")
        if not namespace or not pod:
            raise InputError(f"not a usage series at $.data.result[{i}].metric: needs `namespace` and `pod` labels "
                             "(sum by (namespace, pod) in the query)", where=source)
        for j, (stamp, value) in enumerate(series.values):
            number = _number(value, source, i, j)
            if not math.isfinite(stamp) or not 946684800 <= stamp < 4133980800:  # years 2000-2100
                raise InputError(f"not a Prometheus range-query result at $.data.result[{i}].values[{j}][0]: "
                                 f"timestamp {stamp!r} is not a time in the years 2000-2100", where=source)
            if number is None:
                usage.skipped += 1
                continue
            usage.add(metric, namespace, pod, int((stamp - 1) // STEP), number)


def _number(value: str | int | float, source: str, i: int, j: int) -> float | None:
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"not a Prometheus range-query result at $.data.result[{i}].values[{j}][1]: "
                         f"{str(value)[:40]!r} is not a number", where=source) from None
    if not math.isfinite(number) or number < 0 or number > MAX_USAGE:
        return None
    return number


def read_saved(directory: Path) -> Usage:
    """Saved responses: `cpu*.json` and `memory*.json` files in `directory` (other JSON files are an error, so a
    misnamed file is not silently ignored)."""
    if not directory.is_dir():
        raise InputError("not a directory of saved Prometheus results (cpu*.json, memory*.json)",
                         where=str(directory))
    usage = Usage()
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".json" and not p.name.startswith("."))
    for path in files:
        metric: Metric | None = "cpu" if path.name.startswith("cpu") else \
            "memory" if path.name.startswith("memory") else None
        if metric is None:
            raise InputError("a saved Prometheus result must be named cpu*.json or memory*.json (which metric is "
                             "it?)", where=str(path))
        parse_response(load_json(path, "a Prometheus result"), str(path), metric, usage)
        usage.sources.append(str(path))
    if not files:
        raise InputError("no saved Prometheus results (cpu*.json, memory*.json) here", where=str(directory))
    return usage


class PrometheusClient:
    """Range queries against a Prometheus (or Thanos, Mimir, VictoriaMetrics) HTTP API, read-only."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--prometheus must be an http(s) URL, got {url[:80]!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query_range(self, query: str, start: int, end: int) -> list[dict[str, Any]]:
        """Raw responses, one per chunk of at most MAX_POINTS points (epoch seconds, step one hour)."""
        import urllib.error
        import urllib.parse
        import urllib.request

        pages = []
        for chunk_start in range(start, end + 1, STEP * MAX_POINTS):
            chunk_end = min(end, chunk_start + STEP * (MAX_POINTS - 1))
            params = urllib.parse.urlencode({"query": query, "start": chunk_start, "end": chunk_end, "step": STEP})
            request = urllib.request.Request(f"{self.url}/api/v1/query_range?{params}",
                                             headers={"Accept": "application/json"})
            token = os.environ.get(TOKEN_ENV)
            if token:
                request.add_header("Authorization", f"Bearer {token}")
            source = f"{self.url}/api/v1/query_range"
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read(1 << 30)
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc.read(65536))
                raise InputError(f"Prometheus answered HTTP {exc.code}{': ' + detail if detail else ''}",
                                 where=source) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise InputError(f"cannot reach Prometheus: {reason}", where=source) from None
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("Prometheus answered with something that is not UTF-8 JSON", where=source) from None
            pages.append(parse_json(text, source, "a Prometheus result"))
        return pages

    def usage(self, start: datetime, end: datetime, cpu_query: str | None = None,
              memory_query: str | None = None) -> tuple[Usage, dict[Metric, list[dict[str, Any]]]]:
        """Usage for every hour window from `start` to `end` (and the raw pages, to save them)."""
        first = (int(start.timestamp()) // STEP + 1) * STEP  # the end of the first window
        last = -(-int(end.timestamp()) // STEP) * STEP  # the end of the last window
        usage = Usage()
        raw: dict[Metric, list[dict[str, Any]]] = {}
        for metric, query in (("cpu", cpu_query or CPU_QUERY), ("memory", memory_query or MEMORY_QUERY)):
            pages = self.query_range(query, first, last)
            raw[metric] = pages  # type: ignore[index]
            for page in pages:
                parse_response(page, f"{self.url} ({metric} query)", metric, usage)  # type: ignore[arg-type]
        usage.sources.append(self.url)
        return usage, raw


def _error_detail(body: bytes) -> str:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
        return str(data.get("error", ""))[:300] if isinstance(data, dict) else ""
    except ValueError:
        return ""


def save(raw: dict[Metric, list[dict[str, Any]]], directory: Path) -> list[Path]:
    """Write fetched pages as `cpu.json`/`memory.json` (`cpu-2.json`... for more chunks), readable by read_saved."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for metric, pages in raw.items():
        for i, page in enumerate(pages):
            path = directory / (f"{metric}.json" if i == 0 else f"{metric}-{i + 1}.json")
            path.write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
            written.append(path)
    return written
