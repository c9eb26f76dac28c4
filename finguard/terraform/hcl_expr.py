"""HCL expressions: a small parser and evaluator for the expression text python-hcl2 hands back.

python-hcl2 parses the file structure and returns every non-literal value as expression text
("${merge(local.tags, {a = 1})}"); this module turns that text into values. Anything that cannot be
known without a plan (resource attributes the code does not set, data sources, remote modules)
evaluates to UNKNOWN, which propagates: it is reported and counted, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from finguard.pricing.resources.base import UNKNOWN, is_unknown


class ExprError(ValueError):
    """An expression finguard cannot parse or evaluate (the message says which and why)."""


# -- limits (documented in hcl.py's docstring): hostile code gets an error, never a hang or a crash ---------
MAX_STRING = 1_048_576  # characters in one string value (templates, format(), join(), ...)
MAX_COLLECTION = 100_000  # elements in one list or map built by an expression or a function
MAX_ITERATIONS = 1_000_000  # for-expression iterations in one run
MAX_NUMBER = 1e308  # larger numbers (and NaN / infinity) are refused
_budget = [0]


def reset_budget() -> None:
    """Start a run's iteration budget."""
    _budget[0] = 0


def bounded(value: Any) -> Any:
    """`value`, or an ExprError if it breaks one of the limits above."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ExprError(f"a string of {len(value):,} characters exceeds finguard's limit of {MAX_STRING:,}")
    elif isinstance(value, list | dict):
        if len(value) > MAX_COLLECTION:
            raise ExprError(f"a collection of {len(value):,} elements exceeds finguard's limit of {MAX_COLLECTION:,}")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise ExprError(f"the number {value} is out of range (finguard's limit is ±{MAX_NUMBER:g})")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise ExprError(f"a number is out of range (finguard's limit is ±{MAX_NUMBER:g})")
    return value


def _spend(n: int = 1) -> None:
    _budget[0] += n
    if _budget[0] > MAX_ITERATIONS:
        raise ExprError(f"for expressions exceed finguard's limit of {MAX_ITERATIONS:,} iterations per run")


# -- tokens -----------------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>")
  | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\[\*\]|\.\*|[-+*/%<>!?:.,()\[\]{}=])
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
""", re.X)


@dataclass(slots=True)
class Tok:
    kind: str  # number, string, op, name, eof
    value: Any
    pos: int


_PLAIN = re.compile(r'[^"\\$]+')


def _read_string(text: str, start: int) -> tuple[list[Any], int]:
    """A quoted template starting after the opening quote: parts (str or expression text) and end."""
    parts: list[Any] = []
    buf: list[str] = []
    i = start
    n = len(text)
    while i < n:
        plain = _PLAIN.match(text, i)
        if plain:  # copy runs of ordinary characters at once
            buf.append(plain.group())
            i = plain.end()
            continue
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            buf.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        elif text.startswith("$${", i):
            buf.append("${")
            i += 3
        elif text.startswith("${", i):
            end = _matching_brace(text, i + 2)
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(("expr", text[i + 2:end]))
            i = end + 1
        elif ch == '"':
            if buf or not parts:
                parts.append("".join(buf))
            return parts, i + 1
        else:
            buf.append(ch)
            i += 1
    raise ExprError("unterminated string")


def _matching_brace(text: str, start: int) -> int:
    """Index of the `}` closing an interpolation that starts at `start`, skipping nested strings."""
    depth = 1
    i = start
    while i < len(text):
        ch = text[i]
        if ch == '"':
            _, i = _read_string(text, i + 1)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ExprError("unterminated ${ interpolation")


def tokenize(text: str) -> list[Tok]:
    tokens: list[Tok] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise ExprError(f"unexpected character {text[i]!r} at {i + 1}")
        kind = m.lastgroup or ""
        if kind == "ws":
            i = m.end()
            continue
        if kind == "string":
            parts, end = _read_string(text, m.end())
            tokens.append(Tok("string", parts, i))
            i = end
            continue
        value: Any = m.group()
        if kind == "number":
            try:
                value = bounded(float(value) if any(c in value for c in ".eE") else int(value))
            except ValueError as exc:
                raise ExprError(str(exc) if isinstance(exc, ExprError) else "number literal too long") from None
        tokens.append(Tok(kind, value, i))
        i = m.end()
    tokens.append(Tok("eof", None, len(text)))
    return tokens


# -- AST ----------------------------------------------------------------------------------------------
Node = tuple[Any, ...]  # ("lit", v) ("tmpl", parts) ("var", name) ("attr", obj, name) ("index", obj, key)
#                          ("splat", obj, [ops]) ("call", name, args, expand) ("unop", op, x)
#                          ("binop", op, a, b) ("cond", c, a, b) ("tuple", items) ("object", pairs)
#                          ("for_list", k, v, coll, expr, cond) ("for_map", k, v, coll, kexpr, vexpr, cond, group)

MAX_CHAIN = 256  # operands in one chain of binary operators (`a + b + ...`): real code stays far below

_BINARY = [("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, offset: int = 0) -> Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def next(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        tok = self.peek()
        if tok.kind in ("op", "name") and tok.value == value:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            tok = self.peek()
            raise ExprError(f"expected {value!r} at {tok.pos + 1} in {self.text!r}")

    def parse(self) -> Node:
        node = self.expression()
        if self.peek().kind != "eof":
            raise ExprError(f"unexpected {self.peek().value!r} at {self.peek().pos + 1} in {self.text!r}")
        return node

    def expression(self) -> Node:
        cond = self.binary(0)
        if self.accept("?"):
            a = self.expression()
            self.expect(":")
            b = self.expression()
            return ("cond", cond, a, b)
        return cond

    def binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        operands = 1
        while self.peek().kind == "op" and self.peek().value in _BINARY[level]:
            op = self.next().value
            operands += 1
            if operands > MAX_CHAIN:
                raise ExprError(f"an operator chain of more than {MAX_CHAIN} operands (finguard's limit)")
            left = ("binop", op, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().value in ("!", "-"):
            op = self.next().value
            return ("unop", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.value == ".":
                self.next()
                name = self.next()
                if name.kind == "number":
                    node = ("index", node, ("lit", name.value))
                elif name.kind == "name":
                    node = ("attr", node, name.value)
                else:
                    raise ExprError(f"expected an attribute name at {name.pos + 1}")
            elif tok.kind == "op" and tok.value == "[":
                self.next()
                key = self.expression()
                self.expect("]")
                node = ("index", node, key)
            elif tok.kind == "op" and tok.value in ("[*]", ".*"):
                self.next()
                ops: list[tuple[str, Any]] = []
                while self.peek().kind == "op" and self.peek().value in (".", "["):
                    if self.accept("."):
                        ops.append(("attr", self.next().value))
                    else:
                        self.next()
                        key = self.expression()
                        self.expect("]")
                        ops.append(("index", key))
                node = ("splat", node, ops)
            else:
                return node

    def primary(self) -> Node:
        tok = self.next()
        if tok.kind == "number":
            return ("lit", tok.value)
        if tok.kind == "string":
            return ("tmpl", [p if isinstance(p, str) else parse(p[1]) for p in tok.value])
        if tok.kind == "name":
            if tok.value in ("true", "false"):
                return ("lit", tok.value == "true")
            if tok.value == "null":
                return ("lit", None)
            if self.peek().kind == "op" and self.peek().value == "(":
                self.next()
                args: list[Node] = []
                expand = False
                while not self.accept(")"):
                    args.append(self.expression())
                    if self.accept("..."):
                        expand = True
                    if not self.accept(","):
                        self.expect(")")
                        break
                return ("call", tok.value, args, expand)
            return ("var", tok.value)
        if tok.kind == "op" and tok.value == "(":
            node = self.expression()
            self.expect(")")
            return node
        if tok.kind == "op" and tok.value == "[":
            if self.peek().kind == "name" and self.peek().value == "for":
                return self.for_expr("]")
            items: list[Node] = []
            while not self.accept("]"):
                items.append(self.expression())
                if not self.accept(","):
                    self.expect("]")
                    break
            return ("tuple", items)
        if tok.kind == "op" and tok.value == "{":
            if self.peek().kind == "name" and self.peek().value == "for":
                return self.for_expr("}")
            pairs: list[tuple[Node, Node]] = []
            while not self.accept("}"):
                key_tok = self.peek()
                if key_tok.kind == "name" and self.peek(1).kind == "op" and self.peek(1).value in ("=", ":"):
                    self.next()
                    key: Node = ("lit", key_tok.value)
                else:
                    key = self.expression()
                if not (self.accept("=") or self.accept(":")):
                    raise ExprError(f"expected = in object at {self.peek().pos + 1}")
                pairs.append((key, self.expression()))
                self.accept(",")
            return ("object", pairs)
        raise ExprError(f"unexpected {tok.value!r} at {tok.pos + 1} in {self.text!r}")

    def for_expr(self, close: str) -> Node:
        self.expect("for")
        first = self.next().value
        second = None
        if self.accept(","):
            second = self.next().value
        self.expect("in")
        coll = self.expression()
        self.expect(":")
        key_var, value_var = (first, second) if second else (None, first)
        if close == "]":
            expr = self.expression()
            cond = self.expression() if self.accept("if") else None
            self.expect("]")
            return ("for_list", key_var, value_var, coll, expr, cond)
        kexpr = self.expression()
        self.expect("=>")
        vexpr = self.expression()
        group = self.accept("...")
        cond = self.expression() if self.accept("if") else None
        self.expect("}")
        return ("for_map", key_var, value_var, coll, kexpr, vexpr, cond, group)


_CACHE: dict[str, Node] = {}


def parse(text: str) -> Node:
    node = _CACHE.get(text)
    if node is None:
        node = _CACHE[text] = _Parser(text).parse()
    return node


@lru_cache(maxsize=65536)
def parse_template(text: str) -> Node:
    """A string value from python-hcl2: literal text with ${...} interpolations, as a template node."""
    if "${" not in text and "%{" not in text:
        return ("lit", text.replace("$${", "${"))
    parts, _ = _read_string(text + '"', 0)
    nodes = [p if isinstance(p, str) else parse(p[1]) for p in parts]
    return ("tmpl", nodes)


# -- evaluation ---------------------------------------------------------------------------------------
class Scope:
    """Names an expression can see: var, local, each, count, path, module, resources, data."""

    def __init__(self, lookup: Callable[[str], Any], bindings: dict[str, Any] | None = None) -> None:
        self.lookup = lookup  # top-level name -> value ("var", "local", "aws_instance", ...)
        self.bindings = bindings or {}

    def child(self, **bindings: Any) -> Scope:
        return Scope(self.lookup, {**self.bindings, **bindings})

    def get(self, name: str) -> Any:
        if name in self.bindings:
            return self.bindings[name]
        return self.lookup(name)


def _truthy(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise ExprError(f"a condition must be a bool, got {value!r}")
    return value


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ExprError(f"cannot use a {type(value).__name__} in a string template")
    return str(value)


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ExprError(f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
        except ValueError:
            raise ExprError(f"expected a number, got {value!r}") from None
    raise ExprError(f"expected a number, got {value!r}")


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def evaluate(node: Node, scope: Scope) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "tmpl":
        parts = node[1]
        if len(parts) == 1 and not isinstance(parts[0], str):
            return evaluate(parts[0], scope)  # "${x}" is x itself, not its string form
        out = []
        for part in parts:
            value = part if isinstance(part, str) else evaluate(part, scope)
            if is_unknown(value):
                return UNKNOWN
            out.append(value if isinstance(part, str) else to_string(value))
        return bounded("".join(out))
    if kind == "var":
        return scope.get(node[1])
    if kind == "attr":
        obj = evaluate(node[1], scope)
        root = node[1]
        if root[0] == "var" and root[1] in _UNDECLARED and root[1] not in scope.bindings and isinstance(obj, dict) \
                and node[2] not in obj:
            raise ExprError(_UNDECLARED[root[1]].format(name=node[2]))
        return get_attr(obj, node[2])
    if kind == "index":
        return get_index(evaluate(node[1], scope), evaluate(node[2], scope))
    if kind == "splat":
        base = evaluate(node[1], scope)
        if is_unknown(base):
            return UNKNOWN
        items = base if isinstance(base, list) else list(base.values()) if isinstance(base, dict) \
            else [] if base is None else [base]
        out = []
        for item in items:
            for op, arg in node[2]:
                item = get_attr(item, arg) if op == "attr" else get_index(item, evaluate(arg, scope))
            out.append(item)
        return out
    if kind == "call":
        from finguard.terraform.hcl_functions import call

        return call(node[1], node[2], node[3], scope)
    if kind == "unop":
        value = evaluate(node[2], scope)
        if is_unknown(value):
            return UNKNOWN
        return (not _truthy(value)) if node[1] == "!" else -_number(value)
    if kind == "binop":
        return _binop_chain(node, scope)
    if kind == "cond":
        cond = _truthy(evaluate(node[1], scope))
        if is_unknown(cond):
            return UNKNOWN
        return evaluate(node[2] if cond else node[3], scope)
    if kind == "tuple":
        return bounded([evaluate(item, scope) for item in node[1]])
    if kind == "object":
        out_obj: dict[str, Any] = {}
        for key_node, value_node in node[1]:
            key = key_node[1] if key_node[0] == "lit" else evaluate(key_node, scope)
            if is_unknown(key):
                return UNKNOWN
            out_obj[to_string(key)] = evaluate(value_node, scope)
        return bounded(out_obj)
    if kind == "for_list":
        _, key_var, value_var, coll_node, expr, cond = node
        result = []
        for key, value in _iterate(evaluate(coll_node, scope)):
            _spend()
            inner = scope.child(**{value_var: value, **({key_var: key} if key_var else {})})
            if cond is not None:
                keep = _truthy(evaluate(cond, inner))
                if is_unknown(keep):
                    return UNKNOWN
                if not keep:
                    continue
            result.append(evaluate(expr, inner))
        return bounded(result)
    if kind == "for_map":
        _, key_var, value_var, coll_node, kexpr, vexpr, cond, group = node
        result_map: dict[str, Any] = {}
        for key, value in _iterate(evaluate(coll_node, scope)):
            _spend()
            inner = scope.child(**{value_var: value, **({key_var: key} if key_var else {})})
            if cond is not None:
                keep = _truthy(evaluate(cond, inner))
                if is_unknown(keep):
                    return UNKNOWN
                if not keep:
                    continue
            k = evaluate(kexpr, inner)
            if is_unknown(k):
                return UNKNOWN
            v = evaluate(vexpr, inner)
            if group:
                result_map.setdefault(to_string(k), []).append(v)
            else:
                result_map[to_string(k)] = v
        return bounded(result_map)
    raise ExprError(f"unknown expression node {kind}")


def _iterate(coll: Any) -> list[tuple[Any, Any]]:
    if is_unknown(coll):
        raise _UnknownCollection
    if isinstance(coll, dict):
        return sorted(coll.items())
    if isinstance(coll, list):
        return list(enumerate(coll))
    if coll is None:
        return []
    raise ExprError(f"cannot iterate over {coll!r}")


class _UnknownCollection(Exception):
    pass


# A missing name under these is a declaration the code lacks (or a typo), not a missing attribute of some value:
# said the way Terraform says it.
_UNDECLARED = {
    "var": 'reference to undeclared input variable var.{name} (no variable "{name}" block declares it)',
    "local": "reference to undeclared local value local.{name} (no locals block sets it)",
}


def get_attr(obj: Any, name: str) -> Any:
    if is_unknown(obj):
        return UNKNOWN
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise ExprError(f"no attribute {name!r}")
    if obj is None:
        raise ExprError(f"cannot read {name!r} of null")
    raise ExprError(f"cannot read attribute {name!r} of a {_terraform_type(obj)} value")


def _terraform_type(value: Any) -> str:
    """Terraform's name for a value's type, as its own messages use."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def get_index(obj: Any, key: Any) -> Any:
    if is_unknown(obj) or is_unknown(key):
        return UNKNOWN
    if isinstance(obj, list):
        try:
            return obj[int(_number(key))]
        except IndexError:
            raise ExprError(f"index {key} out of range (length {len(obj)})") from None
    if isinstance(obj, dict):
        k = to_string(key)
        if k in obj:
            return obj[k]
        raise ExprError(f"no key {k!r}")
    if obj is None:
        raise ExprError("cannot index a null value")
    raise ExprError(f"cannot index a {_terraform_type(obj)} value")


def _binop_chain(node: Node, scope: Scope) -> Any:
    """`a + b + c ...` is a left-leaning tree: its left spine is walked in a loop, not one recursion per operand."""
    rights: list[tuple[str, Node]] = []
    while node[0] == "binop":
        rights.append((node[1], node[3]))
        node = node[2]
    value = evaluate(node, scope)
    for op, b_node in reversed(rights):
        value = bounded(_binop(op, value, b_node, scope))
    return value


def _binop(op: str, a: Any, b_node: Node, scope: Scope) -> Any:
    """`a op b` where `a` is already evaluated (so && and || can skip `b`)."""
    if op in ("&&", "||"):
        av = _truthy(a)
        if av is False and op == "&&":
            return False
        if av is True and op == "||":
            return True
        bv = _truthy(evaluate(b_node, scope))
        return UNKNOWN if is_unknown(av) or is_unknown(bv) else bv
    b = evaluate(b_node, scope)
    if is_unknown(a) or is_unknown(b):
        return UNKNOWN
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    x, y = _number(a), _number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op in ("/", "%") and y == 0:
        raise ExprError("Operation failed: Error during operation: can't divide by zero.")
    if op == "/":
        return x / y
    if op == "%":
        return x % y
    return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def evaluate_value(value: Any, scope: Scope) -> Any:
    """A value as python-hcl2 returns it (strings are templates), evaluated; UNKNOWN where unknowable."""
    try:
        if isinstance(value, str):
            if value.startswith("<<"):
                value = _heredoc(value)
            return evaluate(parse_template(value), scope)
        if isinstance(value, list):
            return [evaluate_value(v, scope) for v in value]
        if isinstance(value, dict):
            return {_key(k): evaluate_value(v, scope) for k, v in value.items() if k != "__is_block__"}
    except _UnknownCollection:
        return UNKNOWN
    except RecursionError:
        raise ExprError("expression nested too deeply") from None
    return bounded(value) if isinstance(value, int | float) else value


def _key(key: str) -> str:
    return key[1:-1] if len(key) > 1 and key[0] == key[-1] == '"' else key


def _heredoc(text: str) -> str:
    lines = text.split("\n")
    body = lines[1:-1]
    if lines[0].startswith("<<-"):
        import textwrap

        return textwrap.dedent("\n".join(body)) + "\n"
    return "\n".join(body) + "\n"
