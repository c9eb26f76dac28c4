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

The same walk records what the packages read of each resource entry: its fields, and of `attributes` the keys
(named by a constant, or by a variable that can only hold some constants: `some block in ["a", "b"]`), or every key
once `attributes` is used any other way (iterated, counted, compared, passed to a builtin). The speculative
evaluation then gets an input with just those: at 10,000 resources the whole input was 20 MB that the evaluator
parsed and the packages walked, for five attribute keys two packages look at (`InputReads`).

It parses with regorus in the calling process, without the evaluator worker's time and memory limits, so it is
for trusted modules only (the built-in packs): regorus' parser takes minutes on some hostile modules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finguard.policy.rego import RegoModule

# What a value may hold. CLEAN holds no cost; the others lead to costs through some field. ATTRIBUTES is a resource's
# `attributes` (no cost, but which keys are read is recorded); `_Strings` and `_StringList` are clean values known to
# be one of some strings, or a collection of only such strings.
CLEAN, INPUT, RESOURCES, RESOURCE, PROJECT = "clean", "input", "resources", "resource", "project"
ATTRIBUTES = "attributes"
# Builtins whose answer for an object does not depend on which keys it has: they do not read the keys.
_TYPE_TESTS = frozenset({"is_object", "is_array", "is_set", "is_string", "is_number", "is_boolean", "is_null",
                         "type_name"})


class _Strings(frozenset):  # type: ignore[type-arg]
    """A clean value that is one of these strings. Equal only to the same kind of value with the same strings (a
    plain frozenset would equal a _StringList of the same members)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and frozenset.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, frozenset(self)))


class _StringList(_Strings):
    """A clean collection whose members are all among these strings."""


def _is_clean(kind: Any) -> bool:
    return kind == CLEAN or isinstance(kind, _Strings)


@dataclass(frozen=True, slots=True)
class InputReads:
    """What cost-free packages read of each resource entry: its `fields`, and of its `attributes` these keys (None:
    all of them). An input holding only these gives every such package the same answers."""

    fields: frozenset[str]
    attribute_keys: frozenset[str] | None

    def to_json(self) -> bytes:
        keys = None if self.attribute_keys is None else sorted(self.attribute_keys)
        return json.dumps({"fields": sorted(self.fields), "attribute_keys": keys}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> InputReads | None:
        """The memo's form back, or None when it is not that (a damaged or foreign file)."""
        try:
            raw = json.loads(data)
            fields, keys = raw["fields"], raw["attribute_keys"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(fields, list) or not all(isinstance(f, str) and f in COST_FREE_RESOURCE_FIELDS
                                                   for f in fields) or not (
                keys is None or (isinstance(keys, list) and all(isinstance(k, str) for k in keys))):
            return None  # not what this analysis writes: a damaged file, analysed again
        return cls(frozenset(fields), None if keys is None else frozenset(keys))

# The fields of a Rego input resource that are known before pricing (engine._rego_fields) and of the project doc.
COST_FREE_RESOURCE_FIELDS = frozenset({"address", "type", "name", "provider", "region", "module", "action", "tags",
                                       "taggable", "attributes", "unknown"})
COST_FREE_PROJECT_FIELDS = frozenset({"name", "resource_count"})
_ALLOWED_IMPORTS = ("rego.v1", "future.keywords")


class _ReadsCosts(Exception):
    """Raised where the analysis cannot show that no cost is read."""


def cost_free_remembered(modules: list[RegoModule]) -> bool:
    return input_reads_remembered(modules) is not None


def input_reads_remembered(modules: list[RegoModule]) -> InputReads | None:
    """input_reads, remembered across runs by content (module paths and texts, this analysis' source, regorus'
    version): the parse and the analysis are a few percent of a `check` that uses them, on the same built-in
    packs every time. The cache is an optimisation only: a file that cannot be read or written is ignored."""
    from finguard.cache_files import cache_dir, read_entry, write_entry

    key = _memo_key(modules)
    memo = cache_dir() / "rego-reads" / key if key is not None else None
    if memo is not None:
        kept = read_entry(memo)
        if kept == _READS_COSTS:
            return None
        if kept is not None and (remembered := InputReads.from_json(kept)) is not None:
            return remembered
    found = input_reads(modules)
    if memo is not None:
        write_entry(memo, _READS_COSTS if found is None else found.to_json())
    return found


_READS_COSTS = b"reads-costs"
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
    return input_reads(modules) is not None


def input_reads(modules: list[RegoModule]) -> InputReads | None:
    """What the packages read of each resource when none of them can read a cost; None when one may (or on any
    doubt, including a module that does not parse: the normal evaluation reports that)."""
    try:
        import regorus
    except ImportError:
        return None
    trees: list[tuple[dict[str, Any], bytes]] = []
    for module in modules:
        engine = regorus.Engine()
        try:
            engine.add_policy(str(module.path), module.text)
            parsed = json.loads(engine.get_ast_as_json())
        except BaseException:  # a parse error (RuntimeError) or a Rust panic: not for this analysis to report
            return None
        trees.extend((p.get("ast") or {}, module.text.encode("utf-8")) for p in parsed)
    fields: set[str] = set()
    keys: set[str] | None = set()
    try:
        for package in _packages(trees).values():
            analysed = _Package(package)
            analysed.check()
            fields |= analysed.fields
            keys = None if keys is None or analysed.attribute_keys is None else keys | analysed.attribute_keys
    except (_ReadsCosts, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return None
    return InputReads(frozenset(fields), None if keys is None else frozenset(keys))


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
        self.analysed: set[tuple[str, tuple[Any, ...]]] = set()
        self.source = b""
        self.fields: set[str] = set()  # resource entry fields read
        self.attribute_keys: set[str] | None = set()  # keys of `attributes` read; None: all of them

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

    def rule(self, head_kind: str, head: dict[str, Any], bodies: list[dict[str, Any]], env: dict[str, Any]) -> None:
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

    def function(self, name: str, kinds: tuple[Any, ...]) -> None:
        if (name, kinds) in self.analysed:
            return
        self.analysed.add((name, kinds))
        saved = self.source
        for body, source in self.functions[name]:
            self.source = source
            head = _only(body["head"])[1]
            if len(head["args"]) != len(kinds):
                continue  # regorus reports the arity
            env: dict[str, Any] = {}
            for arg, kind in zip(head["args"], kinds, strict=True):
                arg_kind, arg_body = _only(arg)
                if arg_kind == "Var":
                    env[arg_body["value"]] = kind
                elif not _is_clean(kind):
                    raise _ReadsCosts("pattern argument")
                else:
                    self.require_clean(arg, env)
            self.rule("Func", head, body["bodies"], env)
        self.source = saved

    # -- queries: statements bind variables; repeated until no variable changes what it may hold -----------------
    def query(self, query: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
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

    def literal(self, literal: dict[str, Any], env: dict[str, Any]) -> None:
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
            scope[self.span_text(body["value"])] = self.member(domain)
            self.query(body["query"], scope)
        else:
            raise _ReadsCosts(f"literal {kind}")

    def member(self, collection: Any) -> Any:
        """What iterating `collection` gives: resources from their list, strings from a list of them, clean values
        from anything else clean (iterating `attributes` reads all of it)."""
        if collection == RESOURCES:
            return RESOURCE
        if isinstance(collection, _StringList):
            return _Strings(collection)
        return self.clean(collection)

    def bind_members(self, key: Any, value: Any, collection: Any, env: dict[str, Any]) -> None:
        """`some key, value in collection`: the list of resources gives resources; a clean one clean values."""
        if collection not in (RESOURCES, ATTRIBUTES) and not _is_clean(collection):
            raise _ReadsCosts("iterating an object that holds costs")
        member = self.member(collection)
        for node, kind in ((key, CLEAN), (value, member)):
            if node is None:
                continue
            node_kind, body = _only(node)
            if node_kind == "Var":
                self.assign(body["value"], kind, env)
            elif not _is_clean(kind):
                raise _ReadsCosts("pattern over resources")
            else:
                self.require_clean(node, env)

    def assign(self, name: str, kind: Any, env: dict[str, Any]) -> None:
        if name == "_":
            return
        known = env.get(name)
        if known is None or known == kind:
            env[name] = kind
        elif _is_clean(known) and _is_clean(kind):
            same_shape = type(known) is type(kind) and isinstance(kind, _Strings)
            env[name] = type(kind)(known | kind) if same_shape else CLEAN  # one of either, or any clean value
        elif CLEAN in (known, kind) and ATTRIBUTES in (known, kind):
            self.attribute_keys = None  # `attributes` or some other value: whatever reads it may read any key
            env[name] = CLEAN
        else:
            raise _ReadsCosts(f"{name} holds two kinds of value")

    def span_text(self, span: dict[str, Any]) -> str:
        return self.source[span["start"]:span["end"]].decode("utf-8")

    # -- expressions ----------------------------------------------------------------------------------------------
    def require_clean(self, node: Any, env: dict[str, Any]) -> None:
        self.clean(self.kind(node, env))

    def clean(self, kind: Any) -> str:
        """A value used whole: fine when it holds no cost; `attributes` used so may be read at any key."""
        if kind == ATTRIBUTES:
            self.attribute_keys = None
            return CLEAN
        if not _is_clean(kind):
            raise _ReadsCosts(f"a whole {kind} used as a value")
        return CLEAN

    def kind(self, node: Any, env: dict[str, Any]) -> Any:
        kind, body = _only(node)
        if kind in ("String", "RawString"):
            return _Strings({str(body["value"])}) if isinstance(body.get("value"), str) else CLEAN
        if kind in ("Number", "Bool", "Null"):
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
            items = [self.kind(item, env) for item in body["items"]]
            for item in items:
                self.clean(item)
            if items and all(type(item) is _Strings for item in items):
                return _StringList(frozenset().union(*items))
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

    def field(self, kind: Any, name: Any) -> Any:
        if _is_clean(kind):
            return CLEAN
        if not isinstance(name, str):
            raise _ReadsCosts("field")
        if kind == INPUT:
            return {"resources": RESOURCES, "project": PROJECT}.get(name, CLEAN)  # config, and nothing else is there
        if kind == ATTRIBUTES:
            if self.attribute_keys is not None:
                self.attribute_keys.add(name)
            return CLEAN
        if kind == RESOURCE and name in COST_FREE_RESOURCE_FIELDS:
            self.fields.add(name)
            return ATTRIBUTES if name == "attributes" else CLEAN
        if kind == PROJECT and name in COST_FREE_PROJECT_FIELDS:
            return CLEAN
        raise _ReadsCosts(f"{kind}.{name}")

    def index(self, body: dict[str, Any], env: dict[str, Any]) -> Any:
        collection = self.kind(body["refr"], env)
        index_kind, index = _only(body["index"])
        if index_kind == "String":
            return self.field(collection, index["value"])
        key = self.kind(body["index"], env)
        self.clean(key)
        if collection == RESOURCES:
            return RESOURCE
        if collection == ATTRIBUTES:
            return self.attribute(key)
        if _is_clean(collection):
            return CLEAN
        raise _ReadsCosts(f"{collection}[variable]")

    def attribute(self, key: Any) -> str:
        """`attributes[key]`: the keys `key` may be, or every key when it may be any string."""
        if type(key) is _Strings:
            for name in key:
                self.field(ATTRIBUTES, name)
        else:
            self.attribute_keys = None
        return CLEAN

    def call(self, body: dict[str, Any], env: dict[str, Any]) -> str:
        name = _dotted(body["fcn"])
        params = body["params"]
        if name == "object.get" and len(params) == 3:
            target = self.kind(params[0], env)
            self.require_clean(params[2], env)
            if _is_clean(target):
                self.require_clean(params[1], env)
                return CLEAN
            if target == ATTRIBUTES:
                key = self.kind(params[1], env)
                self.clean(key)
                return self.attribute(key)
            return self.field(target, self.constant_key(params[1]))
        kinds = tuple(self.kind(p, env) for p in params)
        if name in self.functions:
            self.function(name, kinds)
            return CLEAN  # its results were required clean
        if name in _TYPE_TESTS and kinds == (ATTRIBUTES,):
            return CLEAN  # the entry keeps `attributes` an object: the test's answer stands
        for kind in kinds:
            self.clean(kind)
        return CLEAN

    @staticmethod
    def constant_key(node: Any) -> str:
        kind, body = _only(node)
        if kind != "String":
            raise _ReadsCosts("object.get with a key that is not a constant")
        return str(body["value"])

    def assign_expr(self, body: dict[str, Any], env: dict[str, Any]) -> str:
        value = self.kind(body["rhs"], env)
        target_kind, target = _only(body["lhs"])
        if body["op"] == "ColEq" and target_kind == "Var":
            self.assign(target["value"], value, env)
            return CLEAN
        self.clean(value)  # `=` unifies (compares) both sides; destructuring takes clean values only
        self.require_clean(body["lhs"], env)
        return CLEAN
