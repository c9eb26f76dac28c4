"""The embedded Rego evaluator's child process: regorus behind a pipe, under a memory limit.

Run by path (`python rego_worker.py MEMORY_MB`), it imports nothing from finguard, so it starts in
a few tens of milliseconds. A policy that recurses forever (stack overflow, SIGSEGV), allocates
without bound (abort under RLIMIT_AS) or loops (the parent's wall-clock timeout) kills only this
process; the parent turns that into an error finding for the policy and starts a fresh child.

Protocol: each message is two 4-byte big-endian lengths, a JSON header and a raw UTF-8 payload
(the Rego text, the input document, the query result: never wrapped in a second JSON string).
  {"op": "add", "name": path} + rego text   -> {"ok": true} | {"error": msg}
  {"op": "input"} + input JSON              -> {"ok": true} | {"error": msg}
  {"op": "check"}                           -> {"ok": true, "problems": {path: msg}}
  {"op": "eval", "package": "a.b"}          -> {"ok": true} + result JSON | {"error": msg}
  {"op": "reset"}                           -> {"ok": true}
"""

from __future__ import annotations

import json
import re
import struct
import sys
from typing import Any

# Builtins that reach outside the process. The embedded evaluator must never touch the network;
# regorus leaves http.send undefined, which would silently make a rule false (fail open).
FORBIDDEN_BUILTINS = {
    "http.send": "network access is not allowed in policies",
    "net.lookup_ip_addr": "network access is not allowed in policies",
    "opa.runtime": "not available in the embedded evaluator",
    "rego.parse_module": "not available in the embedded evaluator",
}

_EXPECTS = re.compile(r"`([\w.]+)` expects (\d+) arguments?")


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: the timeout still applies
        pass


def _read(stream: Any) -> tuple[dict[str, Any], str] | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    size, payload = struct.unpack(">II", head)
    return json.loads(stream.read(size)), stream.read(payload).decode("utf-8")


def _write(stream: Any, message: dict[str, Any], payload: str = "") -> None:
    data, body = json.dumps(message).encode(), payload.encode("utf-8")
    stream.write(struct.pack(">II", len(data), len(body)) + data + body)
    stream.flush()


def _name(node: Any) -> str | None:
    """`a.b.c` from a Var / RefDot chain, None for anything else."""
    if not isinstance(node, dict):
        return None
    if "Var" in node:
        return str(node["Var"].get("value"))
    if "RefDot" in node:
        inner = node["RefDot"]
        base = _name(inner.get("refr"))
        field = inner.get("field")
        if base is None or not isinstance(field, list) or len(field) < 2:
            return None
        return f"{base}.{field[1]}"
    return None


def _walk(node: Any, calls: list[tuple[str, int, int]], functions: set[str]) -> None:
    if isinstance(node, dict):
        call = node.get("Call")
        if isinstance(call, dict):
            name = _name(call.get("fcn"))
            span = call.get("span") or {}
            if name is not None:
                calls.append((name, len(call.get("params") or []), int(span.get("line") or 0)))
        head = node.get("Func")
        if isinstance(head, dict):
            name = _name(head.get("refr"))
            if name is not None:
                functions.add(name)
        for value in node.values():
            _walk(value, calls, functions)
    elif isinstance(node, list):
        for value in node:
            _walk(value, calls, functions)


class Worker:
    def __init__(self) -> None:
        import regorus

        self.regorus = regorus
        self.engine = regorus.Engine()
        self.arity: dict[str, int | None] = {}

    def builtin_arity(self, name: str) -> int | None:
        """A builtin's argument count, learnt from regorus itself (None: not a regorus builtin)."""
        if name not in self.arity:
            probe = self.regorus.Engine()
            arity = None
            try:
                probe.add_policy("probe.rego", f"package probe\nx := {name}()\n")
                probe.eval_query_as_json("data.probe.x")
            except BaseException as exc:  # RuntimeError, or a Rust panic
                match = _EXPECTS.search(str(exc))
                if match and match.group(1) == name:
                    arity = int(match.group(2))
            self.arity[name] = arity
        return self.arity[name]

    def check(self) -> dict[str, str]:
        """Problems regorus only finds when a rule is reached: forbidden builtins, wrong arity."""
        problems: dict[str, str] = {}
        policies = json.loads(self.engine.get_ast_as_json())
        functions: set[str] = set()
        per_file: list[tuple[str, str, list[tuple[str, int, int]]]] = []
        for policy in policies:
            source = policy.get("source") or {}
            ast = policy.get("ast") or {}
            package = _name((ast.get("package") or {}).get("refr")) or ""
            calls: list[tuple[str, int, int]] = []
            local: set[str] = set()
            _walk(ast.get("rules"), calls, local)
            functions.update(local)
            functions.update(f"data.{package}.{f}" for f in local)
            per_file.append((str(source.get("file")), package, calls))
        for file, _package, calls in per_file:
            for name, count, line in calls:
                if name in functions:
                    continue
                if name in FORBIDDEN_BUILTINS:
                    problems.setdefault(file, f"{file}:{line}: `{name}` is refused: {FORBIDDEN_BUILTINS[name]}")
                    continue
                arity = self.builtin_arity(name)
                if arity is not None and count != arity:
                    plural = "" if arity == 1 else "s"
                    problems.setdefault(file, f"{file}:{line}: `{name}` expects {arity} argument{plural}, "
                                              f"given {count}")
        return problems

    def handle(self, message: dict[str, Any], payload: str) -> tuple[dict[str, Any], str]:
        op = message.get("op")
        if op == "add":
            self.engine.add_policy(message["name"], payload)
            return {"ok": True}, ""
        if op == "input":
            self.engine.set_input_json(payload)
            return {"ok": True}, ""
        if op == "check":
            return {"ok": True, "problems": self.check()}, ""
        if op == "eval":
            return {"ok": True}, self.engine.eval_query_as_json(f"data.{message['package']}")
        if op == "reset":
            self.engine = self.regorus.Engine()
            return {"ok": True}, ""
        return {"error": f"unknown operation {op!r}"}, ""


def main() -> None:
    _limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.setrecursionlimit(10_000)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    worker = Worker()
    while True:
        request = _read(stdin)
        if request is None:
            return
        payload = ""
        try:
            reply, payload = worker.handle(*request)
        except MemoryError:
            reply = {"error": "out of memory", "oom": True}
        except BaseException as exc:  # a Rust panic is a BaseException
            reply = {"error": str(exc) or type(exc).__name__}
        _write(stdout, reply, payload)


if __name__ == "__main__":
    main()
