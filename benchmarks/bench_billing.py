"""Benchmark the scheduled billing jobs (`finguard billing ...`) at 10 million FOCUS rows, against plain pandas.

Targets (issue): ingest + allocate + showback (`report` without the job sections) <= 30 s and <= 4 GB peak RSS;
each job <= 30 s; finguard's allocation >= 5x faster than a straightforward pandas implementation of it.

Every step runs as its own `python -m finguard billing ...` process, timed (wall) and measured (peak RSS of that
process, from wait4) on its own, in the order a scheduled run uses: ingest into a fresh store, allocate, report,
then budgets, anomalies, forecast, commitments and unit-costs. The pandas allocation runs in a process of its own
too, and its per-(period, owner) totals are checked against finguard's `allocated_daily`. Last, for information,
a 1M-row CSV export with 500 bad rows is ingested into a store of its own (CSV is the slow path: text only).

Run:      python benchmarks/bench_billing.py                       # 10M rows, data cached under /tmp/bench-billing
Quick:    python benchmarks/bench_billing.py --rows 1000000 --json /tmp/bench-billing/1m.json
Scaling:  python benchmarks/bench_billing.py --scaling [--scaling-rows 1000000,10000000]   # linear or not, per step
          (or --scaling --scaling-from 1m.json 10m.json: the table from two earlier --json runs)
Start-up: python benchmarks/bench_billing.py --startup [--compare-tree DIR]   # every job on the FOCUS sample
Env:      FINGUARD_DUCKDB_MEMORY (store memory limit, default 2GB) is passed through to every finguard step.
Exit:     0 every target met, 1 a target missed, 2 a finguard step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADLINE_S, HEADLINE_MB, JOB_S, PANDAS_RATIO = 30.0, 4096.0, 30.0, 5.0
UNALLOCATED = "(unallocated)"  # finguard.billing.config.UNALLOCATED
SUPPORT_SERVICE = "AWS Support (Business)"  # finguard.billing.generate.SUPPORT_SERVICE
# allocated_daily's grouping keys with this config (finguard.billing.allocate.DAILY_KEYS + tag_environment)
DAILY_KEYS = ["day", "billing_period", "owner", "ProviderName", "BillingAccountId", "SubAccountId", "ServiceName",
              "ChargeFrequency", "tag_environment"]
PANDAS_COLUMNS = ["ChargePeriodStart", "BillingPeriodStart", "BilledCost", "BillingCurrency", "ProviderName",
                  "BillingAccountId", "SubAccountId", "ServiceName", "ChargeFrequency", "Tags"]


# -- measuring ------------------------------------------------------------------------------------------------
@dataclass
class Step:
    name: str
    args: list[str]
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    exit_code: int | None = None
    error: str = ""
    target_s: float | None = None
    killed: str = ""  # why the watchdog stopped it, if it did
    cpu_s: float = 0.0  # user + system CPU seconds of the process
    others_pct: float = 0.0  # CPU the rest of the machine used meanwhile, % of all cores (contention)
    idle_wait_s: float = 0.0  # waited this long for the machine to quieten before starting

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.killed


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores, from /proc/stat."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(v) - v[3] - v[4]) / tick, sum(v) / tick


def wait_for_quiet(max_wait: float, busy_below: float = 0.2) -> tuple[float, float]:
    """Wait (up to max_wait s) until other processes use < busy_below of the machine over one second.

    Other sessions may run test suites on this small box; returns (seconds waited, last busy fraction)."""
    start = time.perf_counter()
    while True:
        b0, t0 = _cpu_seconds()
        time.sleep(1.0)
        b1, t1 = _cpu_seconds()
        busy = (b1 - b0) / max(t1 - t0, 1e-9)
        waited = time.perf_counter() - start
        if busy < busy_below or waited >= max_wait:
            return waited, busy


def run_process(step: Step, argv: list[str], cwd: Path, log_dir: Path, *, max_mb: float | None = None,
                max_s: float | None = None, ok_codes: tuple[int, ...] = (0,), quiet_wait: float = 0.0,
                env: dict[str, str] | None = None) -> Step:
    """Run one process; wall seconds and peak RSS (MB) measured on the child itself, as bench_breakdown does.

    With max_mb / max_s a watchdog polls the child's RSS and kills it past either limit (the pandas baseline).
    The CPU the rest of the machine used meanwhile is recorded (others_pct), since it inflates wall time."""
    log_dir.mkdir(parents=True, exist_ok=True)
    if quiet_wait > 0:
        step.idle_wait_s = wait_for_quiet(quiet_wait)[0]
    busy0, total0 = _cpu_seconds()
    slug = step.name.replace(" ", "_").replace("/", "_")
    out_path, err_path = log_dir / f"{slug}.out", log_dir / f"{slug}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env)
        if max_mb is None and max_s is None:
            _, status, usage = os.wait4(proc.pid, 0)
        else:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                elapsed, rss = time.perf_counter() - start, _rss_mb(proc.pid)
                if not step.killed and max_mb is not None and rss > max_mb:
                    step.killed = f"RSS {rss:,.0f} MB > {max_mb:,.0f} MB after {elapsed:.0f} s"
                elif not step.killed and max_s is not None and elapsed > max_s:
                    step.killed = f"still running after {max_s:.0f} s"
                if step.killed:
                    os.kill(proc.pid, signal.SIGKILL)
                    _, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.1)
        step.wall_s = time.perf_counter() - start
    busy1, total1 = _cpu_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    step.exit_code = proc.returncode
    step.peak_rss_mb = usage.ru_maxrss / 1024
    step.cpu_s = usage.ru_utime + usage.ru_stime
    step.others_pct = 100 * max(0.0, busy1 - busy0 - step.cpu_s) / max(total1 - total0, 1e-9)
    if step.exit_code not in ok_codes or step.killed:
        text = err_path.read_text(errors="replace").strip() or out_path.read_text(errors="replace").strip()
        step.error = step.killed or "\n".join(text.splitlines()[-15:]) or f"exit code {step.exit_code}"
    return step


def precompile() -> None:
    """Write bytecode first, as `pip install` does for a wheel (this machine sets PYTHONDONTWRITEBYTECODE)."""
    import compileall

    compileall.compile_dir(ROOT / "finguard", quiet=1)


# -- inputs: data, finguard.yml, metrics ----------------------------------------------------------------------
def ensure_data(work: Path, rows: int, days: int, seed: int, *, fmt: str = "parquet",
                bad_rows: int = 0) -> tuple[Path, float | None]:
    """The seeded FOCUS file for (rows, days, seed, bad rows), generated once and reused; (path, seconds if
    generated). Bad rows only exist in CSV (the generator writes them as unparseable text)."""
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    stem = f"r{rows}-d{days}-s{seed}" + (f"-b{bad_rows}" if bad_rows else "")
    path = data / f"focus-{stem}.{fmt}"
    truth = path.with_name(path.name + ".truth.json")
    if path.exists() and truth.exists():
        return path, None
    partial = data / f"partial-{stem}.{fmt}"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "finguard", "billing", "generate", str(partial), "--rows", str(rows),
                    "--days", str(days), "--seed", str(seed), "--format", fmt, "--bad-rows", str(bad_rows)],
                   check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    partial.with_name(partial.name + ".truth.json").replace(truth)
    partial.replace(path)
    return path, elapsed


def csv_ingest(args: argparse.Namespace, run: Path, notes: list[str]) -> Step | None:
    """Ingest of a CSV export with bad rows (info): CSV has no statistics and every value is parsed from text,
    so it is the slow path, and the one most exports take. Checks that every bad row was rejected."""
    import duckdb

    if not args.csv_rows:
        return None
    path, _ = ensure_data(args.work, args.csv_rows, args.days, args.seed, fmt="csv", bad_rows=args.csv_bad_rows)
    store = run / "csv-store.duckdb"
    fresh_store(store)
    step = Step(f"ingest CSV ({args.csv_rows:,} + {args.csv_bad_rows} bad rows)",
                ["billing", "ingest", str(path), "--db", str(store)])
    run_step(step, run, args.quiet_wait)
    if step.ok:
        con = duckdb.connect(str(store), read_only=True)
        try:
            accepted = con.execute("SELECT count(*) FROM charges").fetchone()[0]
            rejected = con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0]
        finally:
            con.close()
        right = accepted == args.csv_rows and rejected == args.csv_bad_rows
        notes.append(f"CSV ingest: {accepted:,} accepted, {rejected:,} rejected "
                     f"({'as generated' if right else 'NOT as generated'}); {path.stat().st_size / 1e9:.2f} GB, "
                     f"{args.csv_rows / step.wall_s / 1e3:,.0f}k rows/s")
        if not right:
            step.exit_code, step.error = 1, f"expected {args.csv_rows} accepted and {args.csv_bad_rows} rejected"
    return step


def allocation_config(truth: dict[str, Any]) -> dict[str, Any]:
    """The allocation block of finguard.yml, built from the generator's accounts.

    Rules-first: the shared-network account belongs to a platform team and the dev accounts to their owners
    (whatever the resources' tags say); everything else is owned by its team tag (team/owner, any case,
    lower-cased). Support is split proportionally to direct cost, untagged cost evenly."""
    rules: list[dict[str, Any]] = []
    for acc in truth["accounts"]:
        if acc["role"] == "network":
            rules.append({"name": "shared networking is the platform team's", "match": {"account": acc["id"]},
                          "set": {"team": "platform", "environment": "production"}})
        elif acc["role"] == "workload" and acc["env"] == "dev":
            rules.append({"name": f"dev account {acc['name']}", "match": {"account": acc["id"]},
                          "set": {"team": acc["owner"], "environment": "development"}})
    return {
        "owner": "team",
        "cost": "BilledCost",
        "precedence": "rules-first",
        "dimensions": {
            "team": {"tags": ["team", "owner"], "lowercase": True},
            "environment": {"tags": ["environment", "env", "stage"],
                            "values": {"production": ["prod", "prd", "live"], "development": ["dev", "develop"],
                                       "staging": ["stage", "stg"]}},
        },
        "rules": rules,
        "shared": [
            {"name": "support", "match": {"service": SUPPORT_SERVICE}, "method": "proportional"},
            {"name": "untagged", "match": {"unallocated": True}, "method": "even"},
        ],
    }


def budgets_config(truth: dict[str, Any]) -> dict[str, Any]:
    """A few budgets sized from the data's monthly spend, so some are ok, some at risk and some over."""
    periods = truth["periods"]
    months = max(1, len(periods))
    total = sum(p["totals"]["billed_cost"] for p in periods) / months
    team_avg: dict[str, float] = {}
    for p in periods:
        for team, costs in p["by_team"].items():
            team_avg[team] = team_avg.get(team, 0.0) + costs["billed_cost"] / months
    teams = sorted(team_avg, key=lambda t: -team_avg[t])
    budgets: list[dict[str, Any]] = [{"name": "all AWS", "provider": "AWS", "amount": round(total * 1.05, 2)},
                                     {"name": "production", "tag": {"environment": ["production"]},
                                      "amount": round(total * 0.6, 2)}]
    for team, factor in zip(teams[:4], (0.9, 1.15, 1.35, 1.7), strict=False):
        budgets.append({"name": f"team {team}", "owner": team, "amount": round(team_avg[team] * factor, 2)})
    if teams:
        budgets.append({"name": f"team {teams[-1]} quarterly", "owner": teams[-1], "period": "quarterly",
                        "amount": round(team_avg[teams[-1]] * 3.3, 2)})
    return {"at_risk_pct": 90, "budgets": budgets}


def write_metrics(parquet: Path, truth: dict[str, Any], out: Path, seed: int) -> None:
    """Business metrics per day x team (requests summed, customers a gauge), derived from the day's cost."""
    import duckdb
    import numpy as np

    owner_of = {a["id"]: a["owner"] for a in truth["accounts"] if a["owner"]}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    src = str(parquet).replace("'", "''")
    rows = con.execute(
        "SELECT CAST(ChargePeriodStart AS DATE) AS d, SubAccountId, "
        "lower(coalesce(json_extract_string(Tags, '$.team'), json_extract_string(Tags, '$.Team'), "
        "json_extract_string(Tags, '$.owner'))) AS team, sum(BilledCost) "
        f"FROM read_parquet('{src}') GROUP BY ALL").fetchall()
    cost: dict[tuple[Any, str], float] = {}
    for day, account, team, amount in rows:
        owner = team or owner_of.get(account)
        if owner:
            cost[(day, owner)] = cost.get((day, owner), 0.0) + float(amount or 0.0)
    rng = np.random.default_rng(seed)
    teams = sorted({t for _, t in cost})
    base = {t: 500 + 300 * i for i, t in enumerate(teams)}
    first = min(d for d, _ in cost)
    lines = ["date,owner,metric,value"]
    for (day, team), amount in sorted(cost.items()):
        if amount <= 0:
            continue
        requests = round(max(amount, 1.0) * 2000 * float(rng.uniform(0.9, 1.1)))
        customers = round(base[team] * (1 + 0.003 * (day - first).days))
        lines += [f"{day},{team},requests,{requests}", f"{day},{team},customers,{customers}"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(run: Path, parquet: Path, seed: int) -> tuple[Path, Path]:
    """finguard.yml (and metrics.csv) for the run directory; returns (config, store path)."""
    import yaml

    truth = json.loads(parquet.with_name(parquet.name + ".truth.json").read_text())
    metrics = parquet.with_name(parquet.stem + ".metrics.csv")
    if not metrics.exists():
        write_metrics(parquet, truth, metrics, seed)
    store = run / "store.duckdb"
    config = {"billing": {"db": str(store), "engine": "duckdb", "allocation": allocation_config(truth),
                          "budgets": budgets_config(truth), "unit_costs": {"metrics": str(metrics), "grain": "month",
                                                                           "gauges": ["customers"]}}}
    class Dumper(yaml.SafeDumper):
        """Quotes account ids: YAML would read 012345678901 as a number, or leave a reader wondering."""

    def quoted(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "'" if value.isdigit() else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, quoted)
    path = run / "finguard.yml"
    path.write_text(yaml.dump(config, Dumper=Dumper, sort_keys=False), encoding="utf-8")
    return path, store


def fresh_store(store: Path) -> None:
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(store.with_name(store.name + ".tmp"), ignore_errors=True)


# -- finguard steps -------------------------------------------------------------------------------------------
def finguard_steps(parquet: Path, run: Path, config: Path, store: Path, *, full: bool) -> list[Step]:
    """The scheduled run, step by step (full=False: ingest and allocate only, for the pandas comparison)."""
    common = ["--config", str(config), "--db", str(store)]
    steps = [Step("ingest", ["billing", "ingest", str(parquet), *common], target_s=JOB_S),
             Step("allocate", ["billing", "allocate", *common], target_s=JOB_S)]
    if full:
        skip = [a for job in ("budgets", "anomalies", "forecast", "commitments", "unit_costs", "estimates")
                for a in ("--skip", job)]
        steps += [Step("report", ["billing", "report", *common, "--out", str(run / "report")], target_s=JOB_S),
                  Step("report (showback only)", ["billing", "report", *common, "--out", str(run / "showback"),
                                                  *skip]),
                  *(Step(job, ["billing", job, *common, "--out", str(run / job)], target_s=JOB_S)
                    for job in ("budgets", "anomalies", "forecast", "commitments", "unit-costs"))]
    return steps


def run_step(step: Step, run: Path, quiet_wait: float, tree: Path | None = None) -> None:
    """One `python -m finguard` step, measured, with its one-line summary printed (`tree`: run that checkout of
    finguard instead of this one, e.g. the code before a change, for a before/after in the same run)."""
    env = {**os.environ, "PYTHONPATH": str(tree or ROOT)}
    run_process(step, [sys.executable, "-m", "finguard", *step.args], run, run / "logs", quiet_wait=quiet_wait,
                env=env)
    print(f"  {step.name:<24} {step.wall_s:7.2f} s  {step.cpu_s:7.2f} s CPU  {step.peak_rss_mb:7.0f} MB  "
          f"others {step.others_pct:3.0f}%"
          + ("" if step.ok else f"  FAILED (exit {step.exit_code}): {step.error.splitlines()[-1]}"), flush=True)


def run_finguard(steps: list[Step], run: Path, store: Path, quiet_wait: float) -> bool:
    """Run the steps in order, each a fresh process; stop after a failed ingest or allocate (nothing to build on)."""
    fresh_store(store)
    ok = True
    for step in steps:
        run_step(step, run, quiet_wait)
        ok &= step.ok
        if not step.ok and step.name in ("ingest", "allocate"):
            break
    return ok


def finguard_totals(store: Path) -> dict[str, float]:
    """Per (period, owner) totals of the stored allocated_daily."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute("SELECT CAST(billing_period AS VARCHAR), owner, sum(cost) FROM allocated_daily "
                           "GROUP BY ALL").fetchall()
        count = con.execute("SELECT count(*) FROM allocated_daily").fetchone()
    finally:
        con.close()
    totals = {f"{p[:10]}|{o}": float(c) for p, o, c in rows}
    totals["__rows__"] = float(count[0] if count else 0)
    return totals


# -- the pandas baseline --------------------------------------------------------------------------------------
def _pick(tags: Any, aliases: list[str]) -> str | None:
    """First non-blank value of the first alias present (keys matched case-insensitively), as finguard reads it."""
    if not isinstance(tags, dict):
        return None
    for alias in aliases:
        for key, value in tags.items():
            if key.lower() == alias and isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _tag_dims(text: Any, team_keys: list[str], env_keys: list[str]) -> tuple[str | None, str | None]:
    if not isinstance(text, str) or not text:
        return None, None
    try:
        tags = json.loads(text)
    except ValueError:
        return None, None
    return _pick(tags, team_keys), _pick(tags, env_keys)


def pandas_allocate(parquet: Path, alloc: dict[str, Any], json_mode: str) -> tuple[Any, dict[str, float]]:
    """The same allocation as `finguard billing allocate` with this config, the way an analyst writes it in pandas.

    json_mode "row": json.loads on every row's Tags; "distinct": parse each distinct Tags text once
    (pd.factorize) and take the results back by code. Returns (allocated daily frame, seconds per phase)."""
    import numpy as np
    import pandas as pd

    phases: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        phases[name] = now - t
        t = now

    df = pd.read_parquet(parquet, columns=PANDAS_COLUMNS)
    if df["BillingCurrency"].nunique() > 1:
        raise SystemExit("several currencies: the baseline handles one")
    lap("read")

    dims = alloc["dimensions"]
    team_keys = [k.lower() for k in dims["team"]["tags"]]
    env_keys = [k.lower() for k in dims["environment"]["tags"]]
    team_raw: Any
    env_raw: Any
    if json_mode == "row":  # a million rows at a time: the whole column as Python strings would not fit in 6 GB
        team_raw, env_raw = [], []
        for start in range(0, len(df), 1_000_000):
            for text in df["Tags"].iloc[start:start + 1_000_000].to_numpy(dtype=object):
                team, env = _tag_dims(text, team_keys, env_keys)
                team_raw.append(team)
                env_raw.append(env)
    else:
        codes, uniques = pd.factorize(df["Tags"])
        found = [_tag_dims(text, team_keys, env_keys) for text in uniques]
        team_u = np.array([f[0] for f in found] + [None], dtype=object)  # code -1 (null Tags) -> the last entry
        env_u = np.array([f[1] for f in found] + [None], dtype=object)
        team_raw, env_raw = team_u[codes], env_u[codes]
    team_tag = pd.Series(team_raw, index=df.index, dtype="str").str.lower()
    env_text = pd.Series(env_raw, index=df.index, dtype="str")
    canonical = {s.lower(): c for c, spellings in dims["environment"]["values"].items() for s in [*spellings, c]}
    env_tag = env_text.str.lower().map(canonical).fillna(env_text)
    del team_raw, env_raw
    lap("tags")

    team_rule: dict[str, str] = {}
    env_rule: dict[str, str] = {}
    for rule in alloc["rules"]:  # account rules only; the first rule setting a dimension wins
        for account in [rule["match"]["account"]]:
            if "team" in rule["set"]:
                team_rule.setdefault(account, rule["set"]["team"])
            if "environment" in rule["set"]:
                env_rule.setdefault(account, rule["set"]["environment"])
    owner = df["SubAccountId"].map(team_rule).fillna(team_tag)  # rules first, then tags
    environment = df["SubAccountId"].map(env_rule).fillna(env_tag)
    support = df["ServiceName"] == SUPPORT_SERVICE
    pool = pd.Series(np.where(support, "support", np.where(owner.isna(), "untagged", None)), index=df.index)
    frame = pd.DataFrame({
        "day": df["ChargePeriodStart"].dt.floor("D"),
        "billing_period": df["BillingPeriodStart"].dt.floor("D"),
        "owner": owner,
        "ProviderName": df["ProviderName"],
        "BillingAccountId": df["BillingAccountId"],
        "SubAccountId": df["SubAccountId"],
        "ServiceName": df["ServiceName"],
        "ChargeFrequency": df["ChargeFrequency"],
        "tag_environment": environment,
        "cost": df["BilledCost"].fillna(0.0),
        "pool": pool,
    })
    del df, owner, environment, pool, team_tag, env_tag
    lap("label")

    direct_rows = frame[frame["pool"].isna()]
    direct = direct_rows.groupby(DAILY_KEYS, dropna=False, sort=False)["cost"].sum().reset_index()
    direct["owner"] = direct["owner"].fillna(UNALLOCATED)
    direct["kind"], direct["pool"] = "direct", None
    per_owner = direct_rows[direct_rows["owner"].notna()].groupby(["billing_period", "owner"])["cost"].sum()
    per_owner = per_owner[per_owner > 0]
    by_period = per_owner.groupby(level="billing_period")
    shares = {"proportional": (per_owner / by_period.transform("sum")).rename("share").reset_index(),
              "even": (1.0 / by_period.transform("count")).rename("share").reset_index()}
    lap("direct")

    parts = [direct]
    pool_keys = [k for k in DAILY_KEYS if k != "owner"]
    for spec in alloc["shared"]:
        rows = frame[frame["pool"] == spec["name"]]
        daily = rows.groupby(pool_keys, dropna=False, sort=False)["cost"].sum().reset_index()
        split = daily.merge(shares[spec["method"]], on="billing_period", how="left")
        split["owner"] = split["owner"].fillna(UNALLOCATED)
        split["cost"] = split["cost"] * split["share"].fillna(1.0)
        split["kind"], split["pool"] = "shared", spec["name"]
        parts.append(split.drop(columns="share"))
    allocated = pd.concat(parts, ignore_index=True)[[*DAILY_KEYS, "kind", "pool", "cost"]]
    lap("shared")
    return allocated, phases


def pandas_worker(parquet: Path, config: Path, out: Path, json_mode: str) -> None:
    """Child process: run the pandas allocation, write timings and per-(period, owner) totals as JSON."""
    import pandas as pd  # imported before the clock starts, as a notebook would have it
    import yaml

    alloc = yaml.safe_load(config.read_text())["billing"]["allocation"]
    start = time.perf_counter()
    allocated, phases = pandas_allocate(parquet, alloc, json_mode)
    elapsed = time.perf_counter() - start
    totals = allocated.groupby(["billing_period", "owner"])["cost"].sum()
    result = {"seconds": elapsed, "phases": phases, "rows": len(allocated),
              "totals": {f"{pd.Timestamp(p).date()}|{o}": float(c) for (p, o), c in totals.items()}}
    out.write_text(json.dumps(result), encoding="utf-8")


def compare(finguard: dict[str, float], pandas: dict[str, float], rel: float = 1e-6) -> tuple[bool, str]:
    """Same (period, owner) keys and totals within `rel` relative difference."""
    a = {k: v for k, v in finguard.items() if k != "__rows__"}
    if set(a) != set(pandas):
        return False, (f"different (period, owner) keys: only finguard {sorted(set(a) - set(pandas))[:5]}, "
                       f"only pandas {sorted(set(pandas) - set(a))[:5]}")
    worst_key, worst = "", 0.0
    for k, v in a.items():
        diff = abs(v - pandas[k]) / max(abs(v), abs(pandas[k]), 1e-9)
        if diff > worst:
            worst_key, worst = k, diff
    detail = f"{len(a)} (period, owner) totals, max relative difference {worst:.1e}"
    if worst > rel:
        detail += f" at {worst_key}: finguard {a[worst_key]:.6f}, pandas {pandas[worst_key]:.6f}"
    return worst <= rel, detail


@dataclass
class PandasRun:
    json_mode: str
    rows: int
    step: Step
    seconds: float | None = None  # from reading the file to the allocated daily table, inside the process
    phases: dict[str, float] = field(default_factory=dict)
    daily_rows: int | None = None
    match: bool | None = None
    match_detail: str = ""
    ratio_allocate: float | None = None
    ratio_ingest_allocate: float | None = None


def run_pandas(parquet: Path, config: Path, run: Path, json_mode: str, rows: int, max_mb: float,
               max_s: float, quiet_wait: float) -> tuple[PandasRun, dict[str, float]]:
    out = run / f"pandas-{json_mode}.json"
    out.unlink(missing_ok=True)
    step = Step(f"pandas allocation ({json_mode})", [])
    argv = [sys.executable, str(Path(__file__).resolve()), "--pandas-worker", str(parquet), "--config",
            str(config), "--worker-out", str(out), "--pandas-json", json_mode]
    run_process(step, argv, run, run / "logs", max_mb=max_mb, max_s=max_s, quiet_wait=quiet_wait)
    result = PandasRun(json_mode, rows, step)
    totals: dict[str, float] = {}
    if step.ok and out.exists():
        data = json.loads(out.read_text())
        result.seconds, result.phases, result.daily_rows = data["seconds"], data["phases"], data["rows"]
        totals = data["totals"]
    status = (f"{result.seconds:.2f} s in-process ({step.wall_s:.2f} s wall), {step.peak_rss_mb:,.0f} MB, "
              f"others {step.others_pct:.0f}%"
              if result.seconds is not None else f"FAILED: {step.error.splitlines()[-1] if step.error else '?'}")
    print(f"  pandas ({json_mode}, {rows:,} rows): {status}", flush=True)
    return result, totals


# -- output ---------------------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def markdown(report: dict[str, Any]) -> str:
    lines = [f"### finguard billing jobs, {report['rows']:,} FOCUS rows ({report['days']} days, seed "
             f"{report['seed']}); {report['cpus']} CPUs, FINGUARD_DUCKDB_MEMORY={report['duckdb_memory']}", "",
             "| step | wall (s) | CPU (s) | peak RSS (MB) | others' CPU | target | result |",
             "|---|---:|---:|---:|---:|---|---|"]
    for s in report["steps"]:
        target = f"<= {s['target_s']:.0f} s" if s["target_s"] else "(info)"
        if s["exit_code"] != 0:
            result = f"FAILED (exit {s['exit_code']})"
        else:
            result = verdict(s["wall_s"] <= s["target_s"]) if s["target_s"] else ""
        lines.append(f"| {s['name']} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} | {s['peak_rss_mb']:,.0f} | "
                     f"{s['others_pct']:.0f}% | {target} | {result} |")
    h = report["headline"]
    if h:
        lines.append(f"| **ingest + allocate + showback** | **{h['wall_s']:.2f}** | {h['cpu_s']:.2f} | "
                     f"**{h['peak_rss_mb']:,.0f}** | | <= {HEADLINE_S:.0f} s, <= {HEADLINE_MB:,.0f} MB | "
                     f"**{h['verdict']}** "
                     f"(time {verdict(h['time_ok'])}, memory {verdict(h['memory_ok'])}) |")
        if h.get("full_report_wall_s") is not None:
            lines.append(f"| ingest + allocate + full report | {h['full_report_wall_s']:.2f} | | "
                         f"{h['full_report_peak_rss_mb']:,.0f} | | (info) | |")
    for p in report["pandas"]:
        lines += ["", f"#### pandas allocation ({p['json_mode']} JSON parsing), {p['rows']:,} rows"
                  + (" (SUBSET: see note)" if p["rows"] != report["rows"] else ""), ""]
        if p["seconds"] is None:
            lines.append(f"- did not finish: {p['step']['error'] or p['step']['killed']} "
                         f"(peak RSS {p['step']['peak_rss_mb']:,.0f} MB, {p['step']['wall_s']:.0f} s)")
            continue
        phases = ", ".join(f"{k} {v:.1f}" for k, v in p["phases"].items())
        lines += [f"- read file -> allocated daily table: **{p['seconds']:.2f} s** ({phases}); process wall "
                  f"{p['step']['wall_s']:.2f} s, CPU {p['step']['cpu_s']:.2f} s, peak RSS "
                  f"{p['step']['peak_rss_mb']:,.0f} MB, others' CPU {p['step']['others_pct']:.0f}%; "
                  f"{p['daily_rows']:,} daily rows",
                  f"- same per-(period, owner) totals as finguard's allocated_daily (1e-6 relative): "
                  f"**{'yes' if p['match'] else 'NO'}** ({p['match_detail']})"]
        if p["ratio_allocate"] is not None:
            lines.append(f"- pandas / finguard `allocate`: **{p['ratio_allocate']:.1f}x** "
                         f"[target >= {PANDAS_RATIO:.0f}x] {verdict(p['ratio_allocate'] >= PANDAS_RATIO)}")
        if p["ratio_ingest_allocate"] is not None:
            lines.append(f"- pandas / finguard `ingest` + `allocate`: {p['ratio_ingest_allocate']:.1f}x (info: "
                         "ingest validates, reconciles and stores every row, which the pandas baseline does not)")
    lines += ["", *(f"- {n}" for n in report["notes"])]
    return "\n".join(lines)


# -- start-up: every job on the public FOCUS sample (issue 18) ----------------------------------------------------
SAMPLE = ROOT.parent / "shared" / "billing" / "focus-1.0" / "focus_sample.csv"
STARTUP_S, FORECAST_S, REPORT_S = 1.5, 4.0, 8.0  # any job; the forecast; the full report (issue 18)
SAMPLE_JOBS = ("budgets", "anomalies", "forecast", "commitments", "unit-costs", "report")


def sample_target(job: str) -> float:
    return {"forecast": FORECAST_S, "report": REPORT_S}.get(job, STARTUP_S)


def sample_metrics(store: Path, out: Path) -> None:
    """Business metrics for `unit-costs` on the sample: requests per owner and day, from the allocated cost."""
    import csv

    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute("SELECT day, owner, sum(cost) FROM allocated_daily WHERE owner IS NOT NULL "
                           "GROUP BY ALL HAVING sum(cost) > 0 ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "owner", "metric", "value"])
        for day, owner, cost in rows:
            w.writerow([day, owner, "requests", max(1, round(float(cost) * 100_000))])


def sample_run(tree: Path, run: Path, sample: Path, repeat: int, quiet_wait: float) -> list[Step]:
    """Ingest the sample once with `tree`'s finguard, allocate, then time every job `repeat` times, each a fresh
    process as a scheduled run starts it (the example finguard.yml, plus a metrics file for unit costs)."""
    import yaml

    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    store = run / "store.duckdb"
    base = yaml.safe_load((tree / "examples" / "billing" / "finguard.yml").read_text(encoding="utf-8"))
    config = run / "finguard.yml"
    config.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    common = ["--config", str(config), "--db", str(store)]
    steps = [Step("ingest", ["billing", "ingest", str(sample), *common]),
             Step("allocate", ["billing", "allocate", *common])]
    for step in steps:
        run_step(step, run, quiet_wait, tree)
        if not step.ok:
            return steps
    metrics = run / "metrics.csv"
    sample_metrics(store, metrics)
    base["billing"]["unit_costs"] = {"metrics": str(metrics)}  # the report's unit-costs section too
    config.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    for i in range(repeat):
        for job in SAMPLE_JOBS:
            extra = ["--out", str(run / "report")] if job == "report" else []
            step = Step(f"{job} #{i + 1}", ["billing", job, *common, *extra], target_s=sample_target(job))
            run_step(step, run, quiet_wait, tree)
            steps.append(step)
    return steps


def summarise_sample(steps: list[Step]) -> dict[str, dict[str, float]]:
    """Per job: the median and best wall time, median CPU, peak RSS and median contention of its runs."""
    import statistics

    out: dict[str, dict[str, float]] = {}
    for job in SAMPLE_JOBS:
        runs = [s for s in steps if s.name.split(" #")[0] == job and s.ok]
        if runs:
            out[job] = {"median_s": statistics.median(s.wall_s for s in runs), "best_s": min(s.wall_s for s in runs),
                        "cpu_s": statistics.median(s.cpu_s for s in runs),
                        "peak_rss_mb": max(s.peak_rss_mb for s in runs),
                        "others_pct": statistics.median(s.others_pct for s in runs), "runs": len(runs)}
    return out


def startup_main(args: argparse.Namespace) -> int:
    """Every billing job on the FOCUS sample, this tree and (with --compare-tree) another, runs interleaved."""
    if not args.sample.exists():
        print(f"the FOCUS sample is not at {args.sample} (../shared is absent): nothing to time")
        return 2
    precompile()
    trees = {"this tree": ROOT}
    if args.compare_tree:
        trees = {"before": args.compare_tree.resolve(), "after": ROOT}
        import compileall

        compileall.compile_dir(args.compare_tree / "finguard", quiet=1)
    results: dict[str, Any] = {}
    for name, tree in trees.items():
        print(f"{name} ({tree}):", flush=True)
        steps = sample_run(tree, args.work / "sample" / name.replace(" ", "-"), args.sample, args.repeat,
                           args.quiet_wait)
        results[name] = {"tree": str(tree), "steps": [asdict(s) for s in steps], "jobs": summarise_sample(steps)}
    lines = [f"### every billing job on the FOCUS sample ({args.sample.name}, 1,000 rows), {os.cpu_count()} CPUs, "
             f"median of {args.repeat} runs (wall s; CPU s in brackets)", "",
             "| job | " + " | ".join(trees) + " | target | result |", "|---|" + "---:|" * len(trees) + "---|---|"]
    ok = True
    last = list(trees)[-1]
    for job in SAMPLE_JOBS:
        cells = []
        for name in trees:
            j = results[name]["jobs"].get(job)
            cells.append(f"{j['median_s']:.2f} ({j['cpu_s']:.2f})" if j else "failed")
        j = results[last]["jobs"].get(job)
        met = j is not None and j["median_s"] <= sample_target(job)
        ok &= met
        lines.append(f"| {job} | " + " | ".join(cells) + f" | <= {sample_target(job):g} s | {verdict(met)} |")
    contention = [s["others_pct"] for r in results.values() for s in r["steps"]]
    lines += ["", f"- others' CPU during the runs (median): {sorted(contention)[len(contention) // 2]:.0f}% of the "
              "machine: other sessions' work inflates wall time; CPU seconds are the process's own"]
    text = "\n".join(lines)
    print("\n" + text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0 if ok else 1


# -- scaling: the same steps at several sizes (issue 18) ------------------------------------------------------
LINEAR = (0.85, 1.15)  # growth exponents read as linear: time ~ rows^k


def growth(a: float, b: float, rows_a: int, rows_b: int) -> tuple[float | None, str]:
    """The exponent k of time ~ rows^k between two sizes, and what it means."""
    import math

    if a <= 0 or b <= 0 or rows_a == rows_b:
        return None, "n/a"
    k = math.log(b / a) / math.log(rows_b / rows_a)
    return k, "linear" if LINEAR[0] <= k <= LINEAR[1] else "sub-linear" if k < LINEAR[0] else "super-linear"


def scaling_table(reports: list[dict[str, Any]]) -> str:
    """Step by step: wall time and peak RSS at each size, and whether time grows linearly with the rows."""
    reports = sorted(reports, key=lambda r: r["rows"])
    small, big = reports[0], reports[-1]
    names = [s["name"] for s in big["steps"] if s["exit_code"] == 0 and not s["name"].startswith("ingest CSV")]
    head = " | ".join(f"{r['rows'] / 1e6:g}M wall (s) | {r['rows'] / 1e6:g}M peak RSS (MB)" for r in reports)
    sizes = ", ".join(f"{r['rows']:,}" for r in reports)
    lines = [f"### billing scaling, {sizes} FOCUS rows ({big['days']} days, "
             f"seed {big['seed']}); {big['cpus']} CPUs", "",
             f"| step | {head} | growth k (time ~ rows^k) | |", "|---|" + "---:|---:|" * len(reports) + "---:|---|"]
    for name in names:
        by = [{s["name"]: s for s in r["steps"]}.get(name) for r in reports]
        cells = " | ".join(f"{s['wall_s']:.2f} | {s['peak_rss_mb']:,.0f}" if s else "- | -" for s in by)
        a, b = by[0], by[-1]
        k, word = growth(a["wall_s"], b["wall_s"], small["rows"], big["rows"]) if a and b else (None, "n/a")
        lines.append(f"| {name} | {cells} | {'' if k is None else f'{k:.2f}'} | {word} |")
    lines += ["", f"- linear: k in [{LINEAR[0]}, {LINEAR[1]}]; sub-linear: the fixed cost (interpreter, imports, "
              "models per series, not per row) still weighs at the smaller size; each step one fresh process, "
              "once per size, on a shared machine (see each run's others' CPU)"]
    return "\n".join(lines)


def scaling_main(args: argparse.Namespace) -> int:
    """Run the scheduled steps at each --scaling-rows size (or read saved --json reports) and print the table."""
    reports: list[dict[str, Any]] = []
    if args.scaling_from:
        reports = [json.loads(p.read_text()) for p in args.scaling_from]
    else:
        precompile()
        for rows in args.scaling_rows:
            parquet, generated = ensure_data(args.work, rows, args.days, args.seed)
            if generated:
                print(f"generated {parquet} in {generated:.1f} s", flush=True)
            run = args.work / f"run-r{rows}"
            run.mkdir(parents=True, exist_ok=True)
            config, store = write_config(run, parquet, args.seed)
            print(f"{rows:,} rows:", flush=True)
            steps = finguard_steps(parquet, run, config, store, full=True)
            run_finguard(steps, run, store, args.quiet_wait)
            reports.append({"rows": rows, "days": args.days, "seed": args.seed, "cpus": os.cpu_count(),
                            "steps": [asdict(s) for s in steps if s.exit_code is not None]})
    text = scaling_table(reports)
    print("\n" + text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"scaling": reports}, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


# -- main -----------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, default=10_000_000, help="FOCUS rows (default 10,000,000)")
    ap.add_argument("--days", type=int, default=120, help="days of usage (default 120)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-billing"), help="data, stores, logs, reports")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--pandas-rows", type=int, help="rows for the pandas baseline (default: --rows); a smaller "
                    "value generates that many rows and runs finguard ingest + allocate on them too, to compare")
    ap.add_argument("--pandas-json", choices=["row", "distinct", "both"], default="both",
                    help="Tags parsing of the baseline: json.loads per row, per distinct text, or both (default)")
    ap.add_argument("--pandas-max-mb", type=float, default=6144.0, help="kill the baseline past this RSS")
    ap.add_argument("--pandas-max-s", type=float, default=600.0, help="kill the baseline after this long")
    ap.add_argument("--pandas-fallback-rows", type=int, default=1_000_000,
                    help="rows to retry the baseline at when it is killed at full size")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    ap.add_argument("--csv-rows", type=int, default=1_000_000, help="rows of the CSV ingest step (info; 0: skip)")
    ap.add_argument("--csv-bad-rows", type=int, default=500, help="bad rows injected into that CSV")
    ap.add_argument("--quiet-wait", type=float, default=30.0, help="before each step, wait up to this many seconds "
                    "for other processes to use < 20%% of the CPUs (0: do not wait; contention is recorded anyway)")
    ap.add_argument("--startup", action="store_true", help="time every job on the public FOCUS sample instead "
                    "(issue 18: each <= 1.5 s, forecast <= 4 s, report <= 8 s)")
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="the FOCUS sample CSV (default ../shared/...)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each job in --startup (median reported)")
    ap.add_argument("--compare-tree", type=Path, help="with --startup: also run this finguard checkout (e.g. the "
                    "code before a change, `git archive REV | tar -x -C DIR`), interleaved, for a before/after")
    ap.add_argument("--scaling", action="store_true", help="run the scheduled steps at each --scaling-rows size and "
                    "print time and peak RSS per step with its growth exponent (linear or not)")
    ap.add_argument("--scaling-rows", type=lambda v: [int(x) for x in v.split(",")],
                    default=[1_000_000, 10_000_000], help="sizes for --scaling (default 1000000,10000000)")
    ap.add_argument("--scaling-from", type=Path, nargs="+", help="with --scaling: build the table from saved "
                    "--json reports of earlier runs at different --rows instead of running")
    ap.add_argument("--pandas-worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def compare_at(rows: int, args: argparse.Namespace, modes: list[str], notes: list[str],
               full: dict[str, Any]) -> list[PandasRun]:
    """The pandas baseline at `rows`; finguard's ingest and allocate at the same size are the comparison."""
    if rows == args.rows:
        run, parquet, config, store = full["run"], full["parquet"], full["config"], full["store"]
        ingest, allocate = full["ingest"], full["allocate"]
    else:
        parquet, generated = ensure_data(args.work, rows, args.days, args.seed)
        if generated:
            print(f"generated {parquet} in {generated:.1f} s", flush=True)
        run = args.work / f"run-r{rows}"
        run.mkdir(parents=True, exist_ok=True)
        config, store = write_config(run, parquet, args.seed)
        print(f"finguard ingest + allocate at {rows:,} rows (the pandas comparison):", flush=True)
        ingest, allocate = finguard_steps(parquet, run, config, store, full=False)
        run_finguard([ingest, allocate], run, store, args.quiet_wait)
        notes.append(f"pandas ran on {rows:,} rows (a generated file with the same days and seed), compared with "
                     f"finguard ingest {ingest.wall_s:.2f} s + allocate {allocate.wall_s:.2f} s on the same file")
    fg_totals = finguard_totals(store) if allocate.ok else {}
    results = []
    for mode in modes:
        result, totals = run_pandas(parquet, config, run, mode, rows, args.pandas_max_mb, args.pandas_max_s,
                                    args.quiet_wait)
        if result.seconds is not None and fg_totals:
            result.match, result.match_detail = compare(fg_totals, totals)
            result.match_detail += f"; finguard {int(fg_totals['__rows__']):,} daily rows"
            result.ratio_allocate = result.seconds / allocate.wall_s
            result.ratio_ingest_allocate = result.seconds / (ingest.wall_s + allocate.wall_s)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.pandas_worker:
        pandas_worker(args.pandas_worker, args.config, args.worker_out, args.pandas_json)
        return 0
    if args.startup:
        return startup_main(args)
    if args.scaling:
        return scaling_main(args)
    precompile()
    args.work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    parquet, generated = ensure_data(args.work, args.rows, args.days, args.seed)
    print(f"data: {parquet} ({parquet.stat().st_size / 1e9:.2f} GB"
          + (f", generated in {generated:.1f} s)" if generated else ", reused)"), flush=True)
    run = args.work / f"run-r{args.rows}"
    run.mkdir(parents=True, exist_ok=True)
    config, store = write_config(run, parquet, args.seed)
    memory = os.environ.get("FINGUARD_DUCKDB_MEMORY", "2GB (default)")
    print(f"finguard steps ({os.cpu_count()} CPUs, FINGUARD_DUCKDB_MEMORY={memory}, config {config}):", flush=True)
    steps = finguard_steps(parquet, run, config, store, full=True)
    finguard_ok = run_finguard(steps, run, store, args.quiet_wait)
    by_name = {s.name: s for s in steps}
    csv_step = csv_ingest(args, run, notes)
    if csv_step is not None:
        steps.append(csv_step)
        finguard_ok &= csv_step.ok

    headline: dict[str, Any] = {}
    core = [by_name[n] for n in ("ingest", "allocate", "report (showback only)")]
    if all(s.exit_code is not None for s in core):
        wall, rss = sum(s.wall_s for s in core), max(s.peak_rss_mb for s in core)
        time_ok, memory_ok = wall <= HEADLINE_S and all(s.ok for s in core), rss <= HEADLINE_MB
        headline = {"wall_s": wall, "cpu_s": sum(s.cpu_s for s in core), "peak_rss_mb": rss, "time_ok": time_ok,
                    "memory_ok": memory_ok, "verdict": verdict(time_ok and memory_ok)}
        full_report = by_name["report"]
        if full_report.ok:
            headline["full_report_wall_s"] = wall - core[2].wall_s + full_report.wall_s
            headline["full_report_peak_rss_mb"] = max(core[0].peak_rss_mb, core[1].peak_rss_mb,
                                                      full_report.peak_rss_mb)
    notes.append("the headline is the issue's target: ingest + allocate + `report (showback only)` (showback, "
                 "chargeback and tag coverage); `report` also writes every enabled job section (budgets, "
                 "anomalies, forecast, commitments, unit costs) and each of those jobs is also timed on its own")
    notes.append("each step is one fresh `python -m finguard` process, run once; wall includes interpreter start "
                 "and imports; CPU and peak RSS are the process's own (wait4 rusage); \"others' CPU\" is what "
                 "the rest of the machine used during the step, in % of all cores (other sessions' test runs "
                 "inflate wall time)")
    notes.append("`reconcile-estimates` is not run: it needs a saved `finguard breakdown` estimate")
    notes.append(f"threads: DuckDB's default (one per core, {os.cpu_count()} here); the pandas baseline is "
                 "single-threaded apart from pyarrow's Parquet read")

    pandas_runs: list[PandasRun] = []
    if not args.no_pandas and by_name["allocate"].ok:
        modes = ["row", "distinct"] if args.pandas_json == "both" else [args.pandas_json]
        rows = args.pandas_rows or args.rows
        print(f"pandas baseline at {rows:,} rows:", flush=True)
        full = {"run": run, "parquet": parquet, "config": config, "store": store, "ingest": by_name["ingest"],
                "allocate": by_name["allocate"]}
        pandas_runs = compare_at(rows, args, modes, notes, full)
        killed = [p.json_mode for p in pandas_runs if p.step.killed]
        if killed and rows > args.pandas_fallback_rows:
            for p in pandas_runs:
                if p.step.killed:
                    notes.append(f"pandas ({p.json_mode}) at {rows:,} rows was stopped: {p.step.killed}; "
                                 f"retried at {args.pandas_fallback_rows:,} rows")
            pandas_runs += compare_at(args.pandas_fallback_rows, args, killed, notes, full)
        notes.append("pandas time is measured inside its process from reading the Parquet to the allocated daily "
                     "table (imports excluded); finguard times are whole-process wall (imports included): the "
                     "ratio favours pandas")

    report = {
        "rows": args.rows, "days": args.days, "seed": args.seed, "cpus": os.cpu_count(), "duckdb_memory": memory,
        "data": str(parquet), "config": str(config),
        "steps": [asdict(s) for s in steps if s.exit_code is not None],
        "headline": headline, "pandas": [asdict(p) for p in pandas_runs], "notes": notes,
    }
    text = markdown(report)
    print("\n" + text)
    for s in steps:
        if s.exit_code not in (None, 0):
            print(f"\nfinguard {s.name} failed (exit {s.exit_code}):\n{s.error}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if not finguard_ok:
        return 2
    targets = [headline.get("verdict") == "PASS",
               *(s.wall_s <= s.target_s for s in steps if s.target_s and s.exit_code is not None),
               *(p.ratio_allocate is not None and p.ratio_allocate >= PANDAS_RATIO for p in pandas_runs
                 if p.json_mode == "row" and p.rows == args.rows)]
    return 0 if all(targets) else 1


if __name__ == "__main__":
    sys.exit(main())
