"""`finguard k8s ...`: Kubernetes cost allocation (allocate), and saving its inputs (snapshot, usage).

Every heavy module (Ibis, DuckDB, PySpark, the Kubernetes client, the catalog) is imported inside the command
that needs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.param_types import FiniteFloatRange
from finguard.errors import UsageError

if TYPE_CHECKING:
    from finguard.k8s.config import K8sConfig
    from finguard.k8s.live import Connection


class IsoTime(click.ParamType):
    """An ISO 8601 date or date-time (UTC when it names no zone)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time (e.g. 2024-09-01 or 2024-09-01T10:00:00Z)",
                      param, ctx)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        if not 2000 <= parsed.year < 2100:
            self.fail(f"{value!r} is outside the years 2000-2099", param, ctx)
        return parsed.astimezone(UTC)


TIME = IsoTime()


def _config(config_path: Path | None) -> K8sConfig:
    from finguard.config import find_config, load_config

    return load_config(config_path or find_config(Path.cwd())).k8s


def connection_options(func: Any) -> Any:
    """How to reach a live cluster (the official client's standard ways)."""
    for option in reversed([
        click.option("--kubeconfig", type=click.Path(dir_okay=False, path_type=Path),
                     help="kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)."),
        click.option("--context", help="kubeconfig context (default: the current one)."),
        click.option("--in-cluster", is_flag=True, help="Use the pod's service account (running inside the cluster)."),
        click.option("--api-server", metavar="URL", help="API server address, overriding the kubeconfig's (e.g. "
                                                         "kubectl proxy's http://127.0.0.1:8001)."),
        click.option("--page-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
                     help="Objects per list request (the API's limit/continue paging)."),
    ]):
        func = option(func)
    return func


def _connection(kubeconfig: Path | None, context: str | None, in_cluster: bool, api_server: str | None,
                page_size: int) -> Connection:
    from finguard.k8s.live import Connection

    return Connection(kubeconfig=kubeconfig, context=context, in_cluster=in_cluster, api_server=api_server,
                      page_size=page_size)


@click.group()
def k8s() -> None:
    """Kubernetes cost allocation: node cost to namespaces, teams, controllers and node pools, with idle and
    efficiency (OpenCost's model), from the API or saved kubectl snapshots."""


@k8s.command()
@click.argument("snapshots", nargs=-1, type=click.Path(path_type=Path))
@click.option("--live", is_flag=True, help="Read the cluster now through the Kubernetes API (read-only).")
@connection_options
@click.option("--prometheus", "prometheus_url", metavar="URL",
              help="Prometheus HTTP API for usage (default: k8s.prometheus.url). Token: FINGUARD_PROMETHEUS_TOKEN.")
@click.option("--usage", "usage_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of saved Prometheus results (cpu*.json, memory*.json) instead of a live Prometheus.")
@click.option("--start", type=TIME, help="Allocate from this time (default: the first snapshot less its look-back).")
@click.option("--end", type=TIME, help="Allocate up to this time (default: the last snapshot).")
@click.option("--lookback", "lookback_hours", type=FiniteFloatRange(min=0.01, max=24 * 366),
              help="Hours the first (or only) snapshot stands for (default: k8s.lookback_hours, else the usual gap "
                   "between snapshots, else 1).")
@click.option("--by", "dimensions", multiple=True, metavar="DIM",
              help="Group by namespace, team, controller, node-pool, node, capacity-type or label:KEY (repeatable; "
                   "default: namespace, team, controller, node-pool).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["table", "json", "csv", "markdown", "html"]),
              help="Output format (repeatable with --out; default: table, or every format with --out).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write k8s-allocation.<ext> for each format into this directory.")
@click.option("--db", "billing_db", type=click.Path(dir_okay=False, path_type=Path),
              help="Billing store whose actual cost of each node's instance id prices that node.")
@click.option("--to-billing", "to_billing", type=click.Path(dir_okay=False, path_type=Path), metavar="DB",
              help="Also write the allocation into this billing store as FOCUS rows (tags: namespace, team, labels).")
@click.option("--engine", "engine_name", type=click.Choice(["duckdb", "spark"]),
              help="Compute engine: duckdb (embedded, default) or spark (as the billing jobs).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml (default: found in the current directory or a parent).")
@click.option("--cluster", help="Cluster name in reports and billing rows (default: k8s.cluster).")
@click.pass_obj
def allocate(settings: Any, snapshots: tuple[Path, ...], live: bool, kubeconfig: Path | None, context: str | None,
             in_cluster: bool, api_server: str | None, page_size: int, prometheus_url: str | None,
             usage_dir: Path | None, start: datetime | None, end: datetime | None, lookback_hours: float | None,
             dimensions: tuple[str, ...], formats: tuple[str, ...], out: Path | None, billing_db: Path | None,
             to_billing: Path | None, engine_name: str | None, config_path: Path | None, cluster: str | None) -> None:
    """Allocate node cost to pods per hour: max(request, usage) x rate x running time, idle as __idle__.

    SNAPSHOTS are saved `kubectl get nodes,pods -A -o json` files, or directories of them, named by the UTC
    time they were taken (2024-09-01T10-00-00Z.json); or --live reads the cluster now. The reconciliation
    line shows node cost = allocated + idle, to the cent, in every hour window.
    """
    from finguard.k8s import job

    config = _config(config_path)
    updates: dict[str, Any] = {}
    if cluster:
        updates["cluster"] = cluster
    if lookback_hours:
        updates["lookback_hours"] = lookback_hours
    if updates:
        config = config.model_copy(update=updates)
    if bool(snapshots) == live:
        raise UsageError("give snapshot files or directories, or --live (one of the two)")
    if prometheus_url and usage_dir:
        raise UsageError("--prometheus and --usage both give usage: choose one")
    if len(formats) > 1 and out is None:
        raise UsageError("several --format need --out DIR (one file per format)")
    dims = list(dict.fromkeys(dimensions)) or list(job.DEFAULT_DIMENSIONS)
    job.check_dimensions(dims)
    cluster_state = _read_cluster(snapshots, live, _connection(kubeconfig, context, in_cluster, api_server, page_size),
                                  config, start, end)
    usage, usage_source = _usage(prometheus_url or config.prometheus.url, usage_dir, cluster_state, config)

    from finguard.k8s.prices import price_nodes

    prices = price_nodes(cluster_state.nodes, config, settings.catalog, billing_db=billing_db,
                         start=cluster_state.start, end=cluster_state.end)
    from finguard.progress import step_lines

    with job.open_engine(engine_name or "duckdb") as engine:  # type: ignore[arg-type]
        with step_lines("k8s allocate") as say:
            allocated = job.run(engine, cluster_state, prices, usage, config, dims, usage_source=usage_source,
                                progress=say)
        report = allocated.report
        _emit(report, formats, out)
        exported = None
        if to_billing is not None:
            from finguard.commands.billing import describe_ingest
            from finguard.k8s.to_billing import export

            result, cost = export(engine, allocated, to_billing, config.cluster)
            exported = (result, cost)
            click.echo(describe_ingest(result), err=True)
    if not report.reconciliation.balanced:  # a bug, never bad input: say so loudly
        raise click.ClickException("reconciliation failed: node cost != allocated + idle")
    if exported is not None and abs(exported[1] - report.reconciliation.node_cost) >= 0.005:
        raise click.ClickException(f"the billing rows hold {exported[1]:,.2f}, not the node cost "
                                   f"{report.reconciliation.node_cost:,.2f}")


def _read_cluster(snapshots: tuple[Path, ...], live: bool, conn: Connection, config: K8sConfig,
                  start: datetime | None, end: datetime | None) -> Any:
    from finguard.k8s.snapshot import build_cluster, parse_document, read_snapshots

    if live:
        from finguard.k8s.live import read_cluster

        document, moment, host = read_cluster(conn)
        snaps = [parse_document(document, host, moment)]
    else:
        snaps = read_snapshots(snapshots)
    return build_cluster(snaps, config, start=start, end=end)


def _usage(url: str | None, usage_dir: Path | None, cluster: Any, config: K8sConfig) -> tuple[Any, str | None]:
    from finguard.k8s import prometheus

    if usage_dir is not None:
        return prometheus.read_saved(usage_dir), str(usage_dir)
    if url:
        client = prometheus.PrometheusClient(url)
        usage, _ = client.usage(cluster.start, cluster.end, config.prometheus.cpu_query,
                                config.prometheus.memory_query)
        return usage, url
    return None, None


def _emit(report: Any, formats: tuple[str, ...], out: Path | None) -> None:
    from finguard.k8s.formats import formats as registry
    from finguard.k8s.job import describe_reconciliation

    if out is None:
        click.echo(registry()[formats[0] if formats else "table"].render(report), nl=False)
        return
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats or tuple(registry()):
        fmt = registry()[name]
        path = out / f"k8s-allocation.{fmt.EXTENSION}"
        path.write_text(fmt.render(report), encoding="utf-8")
        written.append(path.name)
    click.echo(describe_reconciliation(report))
    click.echo(f"wrote {', '.join(written)} to {out}")


@k8s.command()
@connection_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to add the snapshot to (created if missing).")
def snapshot(kubeconfig: Path | None, context: str | None, in_cluster: bool, api_server: str | None, page_size: int,
             out: Path) -> None:
    """Save the cluster's nodes and pods now, as `kubectl get nodes,pods -A -o json` would, named by the time.

    Run it on a schedule (hourly) and `finguard k8s allocate DIR` allocates the whole period.
    """
    import json

    from finguard.k8s.live import read_cluster, snapshot_name
    from finguard.k8s.snapshot import parse_document

    document, moment, host = read_cluster(_connection(kubeconfig, context, in_cluster, api_server, page_size))
    snap = parse_document(document, host, moment)  # refuse to save what allocate could not read
    out.mkdir(parents=True, exist_ok=True)
    path = out / snapshot_name(moment)
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    click.echo(f"wrote {path}: {len(snap.nodes)} nodes, {len(snap.pods)} pods")


@k8s.command()
@click.option("--prometheus", "prometheus_url", metavar="URL", help="Prometheus HTTP API (default: "
                                                                     "k8s.prometheus.url).")
@click.option("--start", type=TIME, required=True, help="First hour to fetch.")
@click.option("--end", type=TIME, required=True, help="Last hour to fetch (exclusive).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for cpu.json and memory.json (what --usage reads).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="finguard.yml.")
def usage(prometheus_url: str | None, start: datetime, end: datetime, out: Path, config_path: Path | None) -> None:
    """Save pods' hourly CPU and memory usage from Prometheus, for offline allocation (--usage DIR)."""
    from finguard.k8s import prometheus

    config = _config(config_path)
    url = prometheus_url or config.prometheus.url
    if not url:
        raise UsageError("--prometheus URL (or k8s.prometheus.url in finguard.yml) is required")
    if end <= start:
        raise UsageError("--end must be after --start")
    result, raw = prometheus.PrometheusClient(url).usage(start, end, config.prometheus.cpu_query,
                                                         config.prometheus.memory_query)
    written = prometheus.save(raw, out)
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out}: {len(result):,} pod-hours"
               + (f", {result.skipped:,} NaN/negative samples left out" if result.skipped else ""))
