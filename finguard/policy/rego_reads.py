"""Which Rego packages never read a cost: those can be evaluated while the plan is still being priced.

A static analysis of regorus' syntax tree, sound and deliberately narrow. Values are tracked by what they may hold:
`input`, `input.resources`, one resource, `input.project`, or clean (anything else: the config, attributes, tags,
literals). A package is cost-free when every use of a non-clean value is one of:
- a field with a constant name that holds no cost: `r.address`, `r["tags"]`, `object.get(r, "attributes", {})`,
  `input.project.name`, `input.config...`;
- iterating the resource list (`some i, r in input.resources`, `every r in input.resources`, `input.resources[i]`);
- naming it (`r := input.resources[i]`) or passing it to one of the package's own functions, which are analysed
  the same way with that argument.
Anything else (comparing a whole resource, `r[k]` with a variable key, `walk`, `json.marshal`, `object.keys`,
`with`, `data.` references, imports other than rego.v1/future.keywords, a construct this analysis does not know)
makes the package cost-dependent, and it is evaluated as before, once every cost is known. So the answer can be
"reads costs" for a package that does not, never the reverse.

It parses with regorus in the calling process, without the evaluator worker's time and memory limits, so it is
for trusted modules only (the built-in packs): regorus' parser takes minutes on some hostile modules.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from finguard.policy.rego import RegoModule

# What a value may hold. CLEAN holds no cost; the others lead to costs through some field.
CLEAN, INPUT, RESOURCES, RESOURCE, PROJECT = "clean", "input", "resources", "resource", "project"

# The fields of a Rego input resource that are known before pricing (engine._rego_fields) and of the project doc.
COST_FREE_RESOURCE_FIELDS = frozenset({"address", "type", "name", "provider", "region", "module", "action", "tags",
                                       "taggable", "attributes", "unknown"})
COST_FREE_PROJECT_FIELDS = frozenset({"name", "resource_count"})
_ALLOWED_IMPORTS = ("rego.v1", "future.keywords")


class _ReadsCosts(Exception):
    """Raised where the analysis cannot show that no cost is read."""


def cost_free_remembered(modules: list[RegoModule]) -> bool:
    """cost_free, remembered across runs by content (module paths and texts, this analysis' source, regorus'
    version): the parse and the analysis are a few percent of a `check` that uses them, on the same built-in
    packs every time. The cache is an optimisation only: a file that cannot be read or written is ignored."""
    from finguard.cache_files import cache_dir, read_entry, write_entry

    key = _memo_key(modules)
    memo = cache_dir() / "rego-reads" / key if key is not None else None
    if memo is not None:
        verdict = read_entry(memo)
        if verdict in _VERDICTS:
            return _VERDICTS[verdict]
    found = cost_free(modules)
    if memo is not None:
        write_entry(memo, b"cost-free" if found else b"reads-costs")
    return found


_VERDICTS = {b"cost-free": True, b"reads-costs": False}
_REGORUS_DISTRIBUTIONS = ("celine-regorus", "regorus")  # the wheel pyproject names, or Microsoft's own


def _memo_key(modules: list[RegoModule]) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for distribution in _REGORUS_DISTRIBUTIONS:
        try:
            engine_version = f"{distribution} {version(distribution)}"
            break
        except PackageNotFoundError:
            continue
    else:
        return None
    try:
        digest = hashlib.sha256(Path(__file__).read_bytes())
    except OSError:  # not installed as files (a zip): no memo
        return None
    digest.update(engine_version.encode())
    for module in modules:
        for part in (str(module.path), module.text):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def cost_free(modules: list[RegoModule]) -> bool:
    """True when no module of any package can read a cost (see the module docstring); False on any doubt,
    including a module that does not parse (the normal evaluation reports that)."""
    try:
        import regorus
    except ImportError:
        return False
    trees: list[tuple[dict[str, Any], bytes]] = []
    for module in modules:
        engine = regorus.Engine()
        try:
            engine.add_policy(str(module.path), module.text)
            parsed = json.loads(engine.get_ast_as_json())
        except BaseException:  # a parse error (RuntimeError) or a Rust panic: not for this analysis to report
            return False
        trees.extend((p.get("ast") or {}, module.text.encode("utf-8")) for p in parsed)
    try:
        for package in _packages(trees).values():
            _Package(package).check()
    except (_ReadsCosts, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return False
    return True


def _packages(trees: list[tuple[dict[str, Any], bytes]]) -> dict[str, list[tuple[dict[str, Any], bytes]]]:
    packages: dict[str, list[tuple[dict[str, Any], bytes]]] = {}
    for ast, source in trees:
        for imported in ast.get("imports") or []:
            if _dotted(imported["refr"]) not in _ALLOWED_IMPORTS and not _dotted(imported["refr"]).startswith(
                    "future.keywords."):
                raise _ReadsCosts("import")
        packages.setdefault(_dotted(ast["package"]["refr"]), []).append((ast, source))
    return packages


def _dotted(node: dict[str, Any]) -> str:
    kind, body = _only(node)
    if kind == "Var":
        return str(body["value"])
    if kind == "RefDot":
        return f"{_dotted(body['refr'])}.{body['field'][1]}"
    raise _ReadsCosts(f"name {kind}")


def _only(node: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(node, dict) or len(node) != 1:
        raise _ReadsCosts("node")
    kind, body = next(iter(node.items()))
    return kind, body


class _Package:
    def __init__(self, modules: list[tuple[dict[str, Any], bytes]]) -> None:
        self.rules: list[tuple[dict[str, Any], bytes]] = [(rule, source) for ast, source in modules
                                                          for rule in ast.get("rules") or []]
        self.functions: dict[str, list[tuple[dict[str, Any], bytes]]] = {}
        for rule, source in self.rules:
            kind, body = _only(rule)
            if kind == "Spec" and _only(body["head"])[0] == "Func":
                name = _dotted(_only(body["head"])[1]["refr"])
                self.functions.setdefault(name, []).append((body, source))
        self.analysed: set[tuple[str, tuple[str, ...]]] = set()
        self.source = b""

    def check(self) -> None:
        for rule, source in self.rules:
            self.source = source
            kind, body = _only(rule)
            if kind == "Default":
                self.require_clean(body["value"], {})
            elif kind == "Spec":
                head_kind, head = _only(body["head"])
                if head_kind == "Func":  # with clean arguments; calls with others are analysed where they are made
                    self.function(_dotted(head["refr"]), tuple(CLEAN for _ in head["args"]))
                else:
                    self.rule(head_kind, head, body["bodies"], {})
            else:
                raise _ReadsCosts(f"rule {kind}")

    def rule(self, head_kind: str, head: dict[str, Any], bodies: list[dict[str, Any]], env: dict[str, str]) -> None:
        if not bodies:
            bodies = [{"assign": None, "query": {"stmts": []}}]
        for body in bodies:
            scope = self.query(body["query"], dict(env))
            if head_kind == "Set":
                self.require_clean(head["key"], scope)
            elif head_kind in ("Compr", "Func"):
                if head.get("assign") is not None:
                    self.require_clean(head["assign"]["value"], scope)
            else:
                raise _ReadsCosts(f"head {head_kind}")
            if body.get("assign") is not None:
                self.require_clean(body["assign"]["value"], scope)
            ref_kind, ref = _only(head["refr"])
            while ref_kind in ("RefBrack", "RefDot"):  # a[x] := ..., a.b.c contains ...
                if ref_kind == "RefBrack":
                    self.require_clean(ref["index"], scope)
                ref_kind, ref = _only(ref["refr"])

    def function(self, name: str, kinds: tuple[str, ...]) -> None:
        if (name, kinds) in self.analysed:
            return
        self.analysed.add((name, kinds))
        saved = self.source
        for body, source in self.functions[name]:
            self.source = source
            head = _only(body["head"])[1]
            if len(head["args"]) != len(kinds):
                continue  # regorus reports the arity
            env: dict[str, str] = {}
            for arg, kind in zip(head["args"], kinds, strict=True):
                arg_kind, arg_body = _only(arg)
                if arg_kind == "Var":
                    env[arg_body["value"]] = kind
                elif kind != CLEAN:
                    raise _ReadsCosts("pattern argument")
                else:
                    self.require_clean(arg, env)
            self.rule("Func", head, body["bodies"], env)
        self.source = saved

    # -- queries: statements bind variables; repeated until no variable changes what it may hold -----------------
    def query(self, query: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
        statements = query.get("stmts") or []
        for _ in range(len(statements) + 1):
            before = dict(env)
            for statement in statements:
                if statement.get("with_mods"):
                    raise _ReadsCosts("with")
                self.literal(statement["literal"], env)
            if env == before:
                return env
        raise _ReadsCosts("no fixpoint")

    def literal(self, literal: dict[str, Any], env: dict[str, str]) -> None:
        kind, body = _only(literal)
        if kind == "SomeVars":
            return
        if kind in ("Expr", "NotExpr"):
            self.require_clean(body["expr"], env)
        elif kind == "SomeIn":
            self.bind_members(body["key"], body["value"], self.kind(body["collection"], env), env)
        elif kind == "Every":
            domain = self.kind(body["domain"], env)
            scope = dict(env)
            if body.get("key") is not None:
                scope[self.span_text(body["key"])] = CLEAN
            scope[self.span_text(body["value"])] = RESOURCE if domain == RESOURCES else self.clean(domain)
            self.query(body["query"], scope)
        else:
            raise _ReadsCosts(f"literal {kind}")

    def bind_members(self, key: Any, value: Any, collection: str, env: dict[str, str]) -> None:
        """`some key, value in collection`: the list of resources gives resources; a clean one clean values."""
        if collection == RESOURCES:
            member = RESOURCE
        elif collection == CLEAN:
            member = CLEAN
        else:
            raise _ReadsCosts("iterating an object that holds costs")
        for node, kind in ((key, CLEAN), (value, member)):
            if node is None:
                continue
            node_kind, body = _only(node)
            if node_kind == "Var":
                self.assign(body["value"], kind, env)
            elif kind != CLEAN:
                raise _ReadsCosts("pattern over resources")
            else:
                self.require_clean(node, env)

    def assign(self, name: str, kind: str, env: dict[str, str]) -> None:
        if name == "_":
            return
        known = env.get(name, CLEAN)
        if known != kind and CLEAN not in (known, kind):
            raise _ReadsCosts(f"{name} holds two kinds of value")
        env[name] = kind if known == CLEAN else known

    def span_text(self, span: dict[str, Any]) -> str:
        return self.source[span["start"]:span["end"]].decode("utf-8")

    # -- expressions ----------------------------------------------------------------------------------------------
    def require_clean(self, node: Any, env: dict[str, str]) -> None:
        self.clean(self.kind(node, env))

    @staticmethod
    def clean(kind: str) -> str:
        if kind != CLEAN:
            raise _ReadsCosts(f"a whole {kind} used as a value")
        return CLEAN

    def kind(self, node: Any, env: dict[str, str]) -> str:
        kind, body = _only(node)
        if kind in ("String", "RawString", "Number", "Bool", "Null"):
            return CLEAN
        if kind == "Var":
            name = body["value"]
            if name == "input":
                return INPUT
            if name == "data":
                raise _ReadsCosts("data reference")
            return env.get(name, CLEAN)
        if kind == "RefDot":
            return self.field(self.kind(body["refr"], env), body["field"][1])
        if kind == "RefBrack":
            return self.index(body, env)
        if kind == "Call":
            return self.call(body, env)
        if kind == "AssignExpr":
            return self.assign_expr(body, env)
        if kind in ("BoolExpr", "ArithExpr", "BinExpr"):
            self.require_clean(body["lhs"], env)
            self.require_clean(body["rhs"], env)
            return CLEAN
        if kind == "UnaryExpr":
            self.require_clean(body["expr"], env)
            return CLEAN
        if kind in ("Array", "Set"):
            for item in body["items"]:
                self.require_clean(item, env)
            return CLEAN
        if kind == "Object":
            for _span, key, value in body["fields"]:
                self.require_clean(key, env)
                self.require_clean(value, env)
            return CLEAN
        if kind == "Membership":
            for part in ("key", "value", "collection"):
                if body.get(part) is not None:
                    self.require_clean(body[part], env)
            return CLEAN
        if kind in ("ArrayCompr", "SetCompr", "ObjectCompr"):
            scope = self.query(body["query"], dict(env))
            for part in ("term", "key", "value"):
                if body.get(part) is not None:
                    self.require_clean(body[part], scope)
            return CLEAN
        raise _ReadsCosts(f"expression {kind}")

    @staticmethod
    def field(kind: str, name: Any) -> str:
        if kind == CLEAN:
            return CLEAN
        if not isinstance(name, str):
            raise _ReadsCosts("field")
        if kind == INPUT:
            return {"resources": RESOURCES, "project": PROJECT}.get(name, CLEAN)  # config, and nothing else is there
        if kind == RESOURCE and name in COST_FREE_RESOURCE_FIELDS:
            return CLEAN
        if kind == PROJECT and name in COST_FREE_PROJECT_FIELDS:
            return CLEAN
        raise _ReadsCosts(f"{kind}.{name}")

    def index(self, body: dict[str, Any], env: dict[str, str]) -> str:
        collection = self.kind(body["refr"], env)
        index_kind, index = _only(body["index"])
        if index_kind == "String":
            return self.field(collection, index["value"])
        self.require_clean(body["index"], env)
        if collection == RESOURCES:
            return RESOURCE
        if collection == CLEAN:
            return CLEAN
        raise _ReadsCosts(f"{collection}[variable]")

    def call(self, body: dict[str, Any], env: dict[str, str]) -> str:
        name = _dotted(body["fcn"])
        params = body["params"]
        if name == "object.get" and len(params) == 3:
            target = self.kind(params[0], env)
            self.require_clean(params[2], env)
            if target == CLEAN:
                self.require_clean(params[1], env)
                return CLEAN
            return self.field(target, self.constant_key(params[1]))
        kinds = tuple(self.kind(p, env) for p in params)
        if name in self.functions:
            self.function(name, kinds)
            return CLEAN  # its results were required clean
        for kind in kinds:
            self.clean(kind)
        return CLEAN

    @staticmethod
    def constant_key(node: Any) -> str:
        kind, body = _only(node)
        if kind != "String":
            raise _ReadsCosts("object.get with a key that is not a constant")
        return str(body["value"])

    def assign_expr(self, body: dict[str, Any], env: dict[str, str]) -> str:
        value = self.kind(body["rhs"], env)
        target_kind, target = _only(body["lhs"])
        if body["op"] == "ColEq" and target_kind == "Var":
            self.assign(target["value"], value, env)
            return CLEAN
        self.clean(value)  # `=` unifies (compares) both sides; destructuring takes clean values only
        self.require_clean(body["lhs"], env)
        return CLEAN
