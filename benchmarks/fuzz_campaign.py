"""A mutation fuzz campaign over the six input kinds, through the real CLI (issue 17's measurement, repeatable).

Each case takes a real sample (plans from examples/ and ../shared/plans, the examples' .tf code, a finguard.yml,
a usage file, rows of the public FOCUS sample, the built-in Rego policies), applies one seeded mutation (hostile
values at a random JSON path or YAML key, invalid UTF-8, lone surrogates, NaN/Infinity/1e400, deep nesting,
alias bombs, truncation, duplicated keys or header columns, FIFOs, recursive or runaway Rego ...), and runs the
command a user would run, in a forked child of a warm parent, under a wall-clock limit. Every outcome is
classified:

  ok          exit 0/1 with well-formed output (no NaN/Infinity, no negative money)
  rejected    exit 2 with one `finguard: error:` line naming the mutated file
  unclear     exit 2 whose message does not name the file
  crash       exit 3, a signal, or a Python traceback on stderr
  hang        still running at --timeout (killed)
  bad-output  exit 0/1 with invalid JSON, NaN/Infinity or negative money
  store-changed  a failed billing ingest that changed the store (sha256 of the file before and after)

Cases whose mutation planted a value that is invalid where it was planted and still exited 0 without a word
about it are listed as "accepted-suspicious" for review (the README says which are accepted on purpose).

Run: python benchmarks/fuzz_campaign.py [--cases 2000] [--seed 17] [--timeout 60] [--jobs 2] [--json OUT]
Exit status 1 when any case crashed, hung, wrote bad output or changed the store.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KINDS = ("plan", "hcl", "config", "usage", "billing", "rego")
BAD_CATEGORIES = ("crash", "hang", "bad-output", "store-changed")

# values that are wrong where a number, a string or a date is meant
HOSTILE_VALUES: list[object] = [-5, -1, 0, 1e308, 10**30, 2.5, "abc", "", None, True, [], {}, "NaN", "-Infinity",
                                "\u202e\u0000", "9" * 400, "2027-02-30", "99999-01-01", {"a": [1, {"b": None}]}]
HOSTILE_LITERALS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 500, "\"\\ud800\"", "0x10", "1_000"]
YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
REGO_SNIPPETS = [
    'f(x) := f(x)\n\ndeny contains "x" if { f(1) }',
    'deny contains m if { some a in numbers.range(1, 100000); some b in numbers.range(1, 100000); a == b + 1e9; '
    'm := "x" }',
    'deny contains "x" if { http.send({"method": "get", "url": "http://127.0.0.1:9"}) }',
    'deny contains "x" if { concat(",") }',
    'deny := "nope"',
    'xs := [[x, y] | some x in numbers.range(1, 100000); some y in numbers.range(1, 1000)]\n\n'
    'deny contains "x" if count(xs) < 0',
    'deny contains msg if { msg := sprintf("%v", [input.resources[_].attributes]) }',
    'deny contains 1 if true',
    "package other.pkg",
    'metadata := {"id": "FG-CST-001", "title": "dup", "severity": "high"}',
]


@dataclass
class Case:
    kind: str
    number: int
    mutation: str
    argv: list[str]
    target: Path  # the mutated file (what an error must name)
    workdir: Path  # the case's own directory (outputs, store), removed afterwards
    planted_invalid: bool = False  # the mutation planted a value invalid where it was planted
    store: Path | None = None
    json_output: bool = True


@dataclass
class Outcome:
    kind: str
    number: int
    mutation: str
    category: str
    exit: int | None
    seconds: float
    detail: str = ""
    suspicious: bool = False


@dataclass
class Campaign:
    cases: int
    seed: int
    timeout: float
    outcomes: list[Outcome] = field(default_factory=list)


# -- mutations -------------------------------------------------------------------------------------------------
def _json_paths(value: object, path: tuple = ()) -> list[tuple]:
    paths = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            paths.extend(_json_paths(child, (*path, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value[:50]):
            paths.extend(_json_paths(child, (*path, i)))
    return paths


def _set(doc: object, path: tuple, value: object) -> object:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    parent[path[-1]] = value  # type: ignore[index]
    return doc


def mutate_json(rng: random.Random, text: str) -> tuple[str, str, bool]:
    doc = json.loads(text)
    choice = rng.randrange(9)
    if choice <= 3:  # a hostile value at a random leaf (favouring quantities and tags)
        leaves = [p for p in _json_paths(doc) if p and not isinstance(_get(doc, p), dict | list)]
        preferred = [p for p in leaves if any(str(k) in ("volume_size", "allocated_storage", "iops", "desired_capacity",
                                                         "min_size", "max_size", "throughput", "storage_size",
                                                         "instance_type", "tags", "count") for k in p)]
        path = rng.choice(preferred or leaves) if (preferred or leaves) else ()
        value = rng.choice(HOSTILE_VALUES)
        doc = _set(doc, path, value)
        out = json.dumps(doc, ensure_ascii=False)
        return out, f"value {value!r:.40} at {'/'.join(map(str, path))[:80]}", isinstance(value, int | float) and (
            not isinstance(value, bool) and (value < 0 or value > 1e15))
    if choice == 4:  # a non-JSON number literal in place of one number
        numbers = list(re.finditer(r"(?<=[:\[,] )-?\d+(\.\d+)?(?=[,\]}])|(?<=[:\[,])-?\d+(\.\d+)?(?=[,\]}])", text))
        if numbers:
            m = rng.choice(numbers)
            literal = rng.choice(HOSTILE_LITERALS)
            return text[:m.start()] + literal + text[m.end():], f"literal {literal[:20]} at offset {m.start()}", True
    if choice == 5:  # nest a value deeply
        depth = rng.choice([100, 600, 5000, 20000])
        path = rng.choice(_json_paths(doc)[:200])
        doc = _set(doc, path, json.loads("[" * depth + "1" + "]" * depth))
        return json.dumps(doc), f"nesting {depth} deep at {'/'.join(map(str, path))[:60]}", depth > 512
    return mutate_text(rng, text)


def _get(doc: object, path: tuple) -> object:
    for part in path:
        doc = doc[part]  # type: ignore[index]
    return doc


def mutate_text(rng: random.Random, text: str) -> tuple[str, str, bool]:
    """Byte- and character-level damage that any reader must survive."""
    n = len(text)
    i, j = sorted(rng.randrange(n + 1) for _ in range(2))
    choice = rng.randrange(8)
    if choice == 0:
        return text[:i] + text[j:], f"deleted {j - i} chars at {i}", False
    if choice == 1:
        return text[:j] + text[i:j] * rng.choice([2, 50]) + text[j:], f"repeated {j - i} chars at {i}", False
    if choice == 2:
        return text[:i], f"truncated at {i}", False
    if choice == 3:
        junk = rng.choice(["\x00", "\ufeff", "\udcff", "\ud800", "\u202e", "\r", "\t", "\\", '"', "'", "{", "}",
                           "]]]]", "${", "%{", "<<EOT\n", "\x1b[31m"])
        return text[:i] + junk + text[i:], f"inserted {junk!r} at {i}", junk in ("\udcff", "\ud800", "\x00")
    if choice == 4:
        return text[:i] + "\udcff\udcfe" + text[i:], f"invalid UTF-8 at {i}", True  # written via surrogateescape
    if choice == 5:
        words = list(re.finditer(r"\b\d+(\.\d+)?\b", text))
        if words:
            m = rng.choice(words)
            literal = rng.choice(["-5", "1e308", "NaN", "1e400", "-0", "99999999999999999999", "abc", "true"])
            return text[:m.start()] + literal + text[m.end():], f"number -> {literal} at {m.start()}", False
    if choice == 6:
        return text * rng.choice([2, 3]), "whole text repeated", False
    return text[:i] + "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 40))) + text[i:], \
        f"random chars at {i}", False


def mutate_yaml(rng: random.Random, text: str) -> tuple[str, str, bool]:
    lines = text.splitlines(keepends=True)
    keyed = [k for k, line in enumerate(lines) if re.match(r"^\s*[\w.*-]+:\s*\S", line) and not line.strip()
             .startswith("#")]
    choice = rng.randrange(7)
    if choice <= 2 and keyed:
        k = rng.choice(keyed)
        key = lines[k].split(":", 1)[0]
        value = rng.choice([".nan", ".inf", "-.inf", "1.0e+400", "-5", "true", "null", "[]", "{}", "'x' * 3",
                            "!!python/object:os.system ''", "*missing", "2027-02-30", "~", "0o17", "1e308",
                            "&a [*a]", "|\n  multi"])
        lines[k] = f"{key}: {value}\n"
        return "".join(lines), f"{key.strip()} -> {value}", value in (".nan", ".inf", "-.inf", "1.0e+400", "-5")
    if choice == 3 and keyed:
        k = rng.choice(keyed)
        lines.insert(k + 1, lines[k])
        return "".join(lines), f"duplicated key line {k + 1}", True
    if choice == 4:
        return YAML_BOMB + text, "alias expansion bomb", True
    if choice == 5:
        depth = rng.choice([50, 200, 2000])
        return text + "deep: " + "[" * depth + "1" + "]" * depth + "\n", f"nesting {depth} deep", depth > 100
    return mutate_text(rng, text)


def mutate_csv(rng: random.Random, text: str) -> tuple[str, str, bool]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    choice = rng.randrange(7)
    if choice <= 2:
        column = rng.choice([c for c in ("BilledCost", "EffectiveCost", "ListCost", "ChargePeriodStart",
                                         "BillingPeriodStart", "ConsumedQuantity", "Tags", "BillingCurrency",
                                         "ChargeCategory") if c in header] or header)
        value = rng.choice(["NaN", "Infinity", "-1e400", "1e400", "abc", "", "99999-09-01", "2024-02-30",
                            "0001-01-01", '{"a":', "\x00", "1,5", " 12 ", "-0", "1e308"])
        row = rng.randrange(len(body))
        body[row][header.index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *body])
        return out.getvalue(), f"{column} row {row + 2} -> {value!r}", value in ("NaN", "Infinity", "-1e400", "1e400",
                                                                                 "99999-09-01", "2024-02-30")
    if choice == 3:
        k = rng.randrange(len(header))
        header = [*header, header[k]]
        body = [[*r, r[k] if k < len(r) else ""] for r in body]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *body])
        return out.getvalue(), f"duplicated header column {header[k]}", True
    if choice == 4:
        lines = text.splitlines(keepends=True)
        k = rng.randrange(1, len(lines))
        lines[k] = lines[k].rstrip("\n") + ",extra,cells\n"
        return "".join(lines), f"ragged line {k + 1}", False
    return mutate_text(rng, text)


def mutate_rego(rng: random.Random, text: str) -> tuple[str, str, bool]:
    if rng.random() < 0.5:
        snippet = rng.choice(REGO_SNIPPETS)
        return text + "\n" + snippet + "\n", f"added: {snippet.splitlines()[0][:50]}", True
    return mutate_text(rng, text)


# -- samples and cases --------------------------------------------------------------------------------------------
def _plans() -> list[Path]:
    plans = sorted(ROOT.glob("examples/terraform/*/plan.json"))
    if SHARED.is_dir():
        plans += sorted((SHARED / "plans").rglob("*.json"))[:60]
    return plans


USAGE_SAMPLE = """version: 1
resource_type_default_usage:
  aws_nat_gateway:
    monthly_data_processed_gb: 250
resource_usage:
  aws_s3_bucket.logs:
    storage_gb: 500
  module.app.aws_lb.*:
    new_connections: 10
"""

REGO_INPUT_PLAN = ROOT / "examples/terraform/web-app/plan.json"


class Builder:
    """Makes case N of a kind in its own directory, deterministic from (seed, kind, N)."""

    def __init__(self, work: Path, seed: int, store_seed: Path | None) -> None:
        self.work, self.seed, self.store_seed = work, seed, store_seed
        self.plans = _plans()
        self.hcl_dirs = [d for d in sorted(ROOT.glob("examples/terraform/*")) if list(d.glob("*.tf"))]
        self.configs = [ROOT / "examples/billing/finguard.yml"]
        self.regos = sorted(p for p in (ROOT / "policies").rglob("*.rego") if not p.name.endswith("_test.rego"))
        self.focus = SHARED / "billing/focus-1.0/focus_sample.csv"

    def case(self, kind: str, number: int) -> Case:
        rng = random.Random(f"{self.seed}/{kind}/{number}")
        d = self.work / kind / str(number)
        d.mkdir(parents=True)
        return getattr(self, f"_{kind}")(rng, d, number)

    @staticmethod
    def _write(path: Path, text: str) -> None:
        path.write_bytes(text.encode("utf-8", "surrogateescape" if "\udcff" in text else "surrogatepass"))

    def _maybe_special(self, rng: random.Random, path: Path) -> str | None:
        if rng.random() < 0.01:
            os.mkfifo(path)
            return "a FIFO"
        return None

    def _plan(self, rng: random.Random, d: Path, n: int) -> Case:
        source = rng.choice(self.plans)
        target = d / "plan.json"
        mutation = self._maybe_special(rng, target)
        invalid = mutation is not None
        if mutation is None:
            text, mutation, invalid = mutate_json(rng, source.read_text())
            self._write(target, text)
        command = rng.choice(["breakdown", "diff", "check"])
        return Case("plan", n, f"{source.name}: {mutation}", [command, str(target), "--format", "json"], target, d,
                    invalid)

    def _hcl(self, rng: random.Random, d: Path, n: int) -> Case:
        source = rng.choice(self.hcl_dirs)
        shutil.copytree(source, d / "code", ignore=shutil.ignore_patterns("plan.json"))
        files = sorted((d / "code").rglob("*.tf"))
        target = rng.choice(files)
        mutation = None
        if rng.random() < 0.01:
            target.unlink()
            os.mkfifo(target)
            mutation = "a FIFO"
        if mutation is None:
            text, mutation, _ = mutate_text(rng, target.read_text()) if rng.random() < 0.6 else \
                _hcl_values(rng, target.read_text())
            self._write(target, text)
        command = rng.choice(["breakdown", "check"])
        return Case("hcl", n, f"{source.name}/{target.relative_to(d / 'code')}: {mutation}",
                    [command, str(d / "code"), "--format", "json"], target, d)

    def _config(self, rng: random.Random, d: Path, n: int) -> Case:
        source = rng.choice([*self.configs, ROOT / "finguard" / "config.py"])
        base = _starter_config() if source.suffix == ".py" else source.read_text()
        target = d / "finguard.yml"
        mutation = self._maybe_special(rng, target)
        invalid = mutation is not None
        if mutation is None:
            text, mutation, invalid = mutate_yaml(rng, base)
            self._write(target, text)
        return Case("config", n, f"{'starter' if source.suffix == '.py' else source.name}: {mutation}",
                    ["check", str(REGO_INPUT_PLAN), "--config", str(target), "--format", "json"], target, d, invalid)

    def _usage(self, rng: random.Random, d: Path, n: int) -> Case:
        target = d / "finguard-usage.yml"
        mutation = self._maybe_special(rng, target)
        invalid = mutation is not None
        if mutation is None:
            text, mutation, invalid = mutate_yaml(rng, USAGE_SAMPLE)
            self._write(target, text)
        return Case("usage", n, mutation, ["--usage-file", str(target), "breakdown", str(REGO_INPUT_PLAN),
                                           "--format", "json"], target, d, invalid)

    def _billing(self, rng: random.Random, d: Path, n: int) -> Case:
        target = d / "focus.csv"
        store = d / "store.duckdb"
        if self.store_seed is not None:
            shutil.copyfile(self.store_seed, store)
        lines = self.focus.read_text(encoding="utf-8").splitlines(keepends=True)
        start = rng.randrange(1, max(2, len(lines) - 40))
        text = lines[0] + "".join(lines[start:start + 40])
        mutation = self._maybe_special(rng, target)
        invalid = mutation is not None
        if mutation is None:
            text, mutation, invalid = mutate_csv(rng, text)
            self._write(target, text)
        return Case("billing", n, mutation, ["billing", "ingest", str(target), "--db", str(store), "--json"],
                    target, d, invalid, store=store)

    def _rego(self, rng: random.Random, d: Path, n: int) -> Case:
        source = rng.choice(self.regos)
        (d / "rego").mkdir()
        target = d / "rego" / source.name
        mutation = self._maybe_special(rng, target)
        if mutation is None:
            text, mutation, _ = mutate_rego(rng, source.read_text())
            self._write(target, text)
        return Case("rego", n, f"{source.name}: {mutation}",
                    ["check", str(REGO_INPUT_PLAN), "--no-builtin", "--rego-dir", str(d / "rego"), "--format",
                     "json"], target, d)


def _hcl_values(rng: random.Random, text: str) -> tuple[str, str, bool]:
    """Hostile right-hand sides for attributes and meta-arguments (the shapes Terraform refuses)."""
    assigns = list(re.finditer(r"(?m)^(\s*)(\w+)(\s*=\s*)(.+)$", text))
    if not assigns:
        return mutate_text(rng, text)
    m = rng.choice(assigns)
    value = rng.choice(["-5", "1e308", '"abc"', "null", "[]", "{}", "-1", "2.5", "true", 'range(1e9)',
                        'format("%999999999s", "a")', "1/0", 'toset([1, 2])', '["a", "b"]', "var.nope",
                        'merge({}, "x")', "local.loop", "${", '"${1}' * 5000 + '"', "(" * 300 + "1" + ")" * 300])
    extra = "\nlocals {\n  loop = local.loop\n}\n" if value == "local.loop" else ""
    name = rng.choice([m.group(2), "count", "for_each", m.group(2)])
    out = text[:m.start()] + f"{m.group(1)}{name}{m.group(3)}{value}" + text[m.end():] + extra
    return out, f"{name} = {value[:40]}", False


def _starter_config() -> str:
    from finguard.config import STARTER_CONFIG

    return STARTER_CONFIG


# -- running ------------------------------------------------------------------------------------------------------
def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _child(case: Case, out: Path, err: Path) -> None:
    """In the forked child: run the CLI with stdout/stderr to files; never returns."""
    try:
        os.setsid()
        fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd_out, 1)
        os.dup2(fd_err, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        from finguard.cli import main

        main(case.argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    except BaseException:
        import traceback

        traceback.print_exc()
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(3)
    os._exit(0)


def classify(case: Case, code: int | None, signalled: int | None, hung: bool, out: str, err: str,
             store_changed: bool) -> tuple[str, str]:
    if hung:
        return "hang", "still running at the limit"
    if signalled is not None:
        return "crash", f"signal {signalled}"
    if code == 3 or "Traceback (most recent call last)" in err or "internal error" in err:
        return "crash", err.strip().splitlines()[-1][:200] if err.strip() else f"exit {code}"
    if code not in (0, 1, 2):
        return "crash", f"exit {code}"
    if code == 2:
        if store_changed:
            return "store-changed", "a failed ingest changed the store"
        lines = [line for line in err.strip().splitlines() if line.startswith("finguard: error:")]
        names = {str(case.target), case.target.name}
        if len(lines) == 1 and any(n in lines[0] for n in names):
            return "rejected", lines[0][:200]
        return "unclear", (lines[-1] if lines else err.strip()[-200:])[:200]
    if case.json_output and out.strip():
        try:
            data = json.loads(out, parse_constant=_refuse_constant)
        except ValueError as exc:
            return "bad-output", f"invalid JSON: {exc}"[:200]
        bad = _negative_money(data) if case.kind != "billing" else None  # a bill's sums may be negative (credits)
        if bad:
            return "bad-output", f"negative money at {bad}"
    return "ok", ""


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (a non-finite number was written)")


MONEY_KEYS = {"monthly_cost", "hourly_cost", "total_monthly_cost", "cost_read", "cost_accepted", "unit_price",
              "price", "monthly_cost_before", "monthly_cost_after"}


def _negative_money(data: object, path: str = "") -> str | None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in MONEY_KEYS and isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                return f"{path}/{key}"
            found = _negative_money(value, f"{path}/{key}")
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = _negative_money(value, f"{path}/{i}")
            if found:
                return found
    return None


def run_case(case: Case, timeout: float) -> Outcome:
    out_file, err_file = case.workdir / ".stdout", case.workdir / ".stderr"
    before = _sha(case.store) if case.store else None
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(case, out_file, err_file)
    hung, status = False, 0
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            hung = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    seconds = time.monotonic() - started
    code = os.WEXITSTATUS(status) if not hung and os.WIFEXITED(status) else None
    signalled = os.WTERMSIG(status) if not hung and os.WIFSIGNALED(status) else None
    out = out_file.read_text(errors="replace") if out_file.exists() else ""
    err = err_file.read_text(errors="replace") if err_file.exists() else ""
    changed = case.store is not None and code != 0 and _sha(case.store) != before
    category, detail = classify(case, code, signalled, hung, out, err, changed)
    suspicious = category == "ok" and code == 0 and case.planted_invalid and not _mentions_warning(out, err)
    return Outcome(case.kind, case.number, case.mutation, category, code, round(seconds, 3), detail, suspicious)


def _mentions_warning(out: str, err: str) -> bool:
    return bool(err.strip()) or '"incomplete"' in out or '"warnings": [{' in out or ('"rows_rejected": 0' not in out \
        and '"rows_rejected"' in out)


def _seed_store(work: Path) -> Path | None:
    """A store holding one ingested file, so failed ingests have something to lose."""
    focus = SHARED / "billing/focus-1.0/focus_sample.csv"
    if not focus.exists():
        return None
    store = work / "seed.duckdb"
    sample = work / "seed.csv"
    lines = focus.read_text(encoding="utf-8").splitlines(keepends=True)
    sample.write_text("".join(lines[:200]))
    pid = os.fork()
    if pid == 0:
        _child(Case("billing", -1, "seed", ["billing", "ingest", str(sample), "--db", str(store)], sample, work),
               work / "seed.out", work / "seed.err")
    _, status = os.waitpid(pid, 0)
    if os.WEXITSTATUS(status) != 0:
        raise SystemExit(f"could not seed the billing store: {(work / 'seed.err').read_text()}")
    return store


def campaign(cases: int, seed: int, timeout: float, jobs: int, kinds: tuple[str, ...],
             progress: Callable[[int, int], None]) -> Campaign:
    work = Path(tempfile.mkdtemp(prefix="finguard-fuzz-"))
    os.environ["FINGUARD_HOME"] = str(work / "home")
    os.environ["FINGUARD_NO_HCL_CACHE"] = "1"
    os.environ["FINGUARD_PROGRESS"] = "0"  # stderr holds only what a case says (progress is not an error line)
    os.environ.setdefault("FINGUARD_REGO_TIMEOUT", "5")
    os.environ.setdefault("FINGUARD_REGO_MEMORY_MB", "512")
    # warm the parent once: every forked child starts with finguard, the catalog and the billing stack loaded
    from finguard.cli import main  # noqa: F401
    from finguard.pricing.catalog import Catalog

    Catalog.open_default(None)
    with contextlib.suppress(ImportError):
        import duckdb  # noqa: F401
        import ibis  # noqa: F401
    store_seed = _seed_store(work) if "billing" in kinds else None
    builder = Builder(work, seed, store_seed)
    result = Campaign(cases, seed, timeout)
    plan = [(kinds[i % len(kinds)], i // len(kinds)) for i in range(cases)]
    try:
        result.outcomes = _run_all(builder, plan, timeout, jobs, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _run_all(builder: Builder, plan: list[tuple[str, int]], timeout: float, jobs: int,
             progress: Callable[[int, int], None]) -> list[Outcome]:
    """`jobs` cases at a time: each in its own forked runner process that forks the case itself."""
    import concurrent.futures as cf
    import multiprocessing as mp

    outcomes: list[Outcome] = []
    context = mp.get_context("fork")
    global _BUILDER, _TIMEOUT
    _BUILDER, _TIMEOUT = builder, timeout
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for done, outcome in enumerate(pool.map(_run_one, plan, chunksize=1), start=1):
            outcomes.append(outcome)
            progress(done, len(plan))
    return outcomes


_BUILDER: Builder | None = None
_TIMEOUT = 60.0


def _run_one(item: tuple[str, int]) -> Outcome:
    kind, number = item
    assert _BUILDER is not None
    try:
        case = _BUILDER.case(kind, number)
    except Exception as exc:
        return Outcome(kind, number, f"could not build: {exc}", "skipped", None, 0.0)
    outcome = run_case(case, _TIMEOUT)
    shutil.rmtree(case.workdir, ignore_errors=True)
    return outcome


def summary(result: Campaign) -> str:
    table = collections.Counter((o.kind, o.category) for o in result.outcomes)
    categories = ["ok", "rejected", "unclear", *BAD_CATEGORIES]
    lines = [f"{len(result.outcomes)} cases, seed {result.seed}, limit {result.timeout:g} s per case",
             f"{'kind':<8}" + "".join(f"{c:>14}" for c in categories) + f"{'suspicious':>12}{'max s':>8}"]
    for kind in KINDS:
        mine = [o for o in result.outcomes if o.kind == kind]
        if not mine:
            continue
        lines.append(f"{kind:<8}" + "".join(f"{table[(kind, c)]:>14}" for c in categories)
                     + f"{sum(o.suspicious for o in mine):>12}{max(o.seconds for o in mine):>8.1f}")
    bad = [o for o in result.outcomes if o.category in BAD_CATEGORIES]
    for o in bad[:40]:
        lines.append(f"  {o.category}: {o.kind} #{o.number}: {o.mutation[:90]} -> {o.detail[:160]}")
    unclear = [o for o in result.outcomes if o.category == "unclear"]
    for o in unclear[:20]:
        lines.append(f"  unclear: {o.kind} #{o.number}: {o.mutation[:90]} -> {o.detail[:160]}")
    for o in [o for o in result.outcomes if o.suspicious][:30]:
        lines.append(f"  accepted-suspicious: {o.kind} #{o.number}: {o.mutation[:120]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case before it counts as a hang")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS))
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and (done % 20 == 0 or done == total):
            print(f"\r{done}/{total} cases, {time.monotonic() - started:.0f} s", end="", file=sys.stderr, flush=True)

    result = campaign(args.cases, args.seed, args.timeout, args.jobs, kinds, progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(summary(result))
    print(f"wall time {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in result.outcomes], indent=1))
    return 1 if any(o.category in BAD_CATEGORIES for o in result.outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
