"""python-hcl2's grammar, parsed in one pass: the document python-hcl2 would return, without its trees.

Why: `hcl2.api.parses()` builds a lark tree with positions on every node, turns it into python-hcl2's rule
objects, and `api.serialize()` walks those again; on a fresh clone (a pre-commit hook, a CI runner) that
was most of an HCL-mode run. Here the LALR tables lark computes from python-hcl2's own grammar file
(`hcl2/hcl2.lark`) drive a small LALR loop whose reductions build the serialized value directly: no tree,
no positions, no lark Token objects. Lexing is lark's contextual lexer, replayed from the same compiled
terminal patterns (per parser state, with lark's keyword handling and its fall-back for error messages),
and python-hcl2's post-lexer rule (a newline before a binary operator or `?` continues the expression).

The output is exactly what `api.serialize(api.parses(text), SerializationOptions(strip_string_quotes=True,
explicit_blocks=True, with_comments=False))` returns, python-hcl2's quirks included (expressions as "${...}"
text, `(x)` keeping its parentheses, `-1` folded into a number); tests/test_hcl_parser.py holds the two side
by side. Each expression carries two renderings: its value where it stands alone (`v`: an attribute's value,
a list element) and its text inside an enclosing expression (`t`: python-hcl2's `inside_dollar_string`).

Hostile input: neither the loop nor the reductions recurse, and every reduction knows its depth, so
`((((...))))`, `1+1+...` and `a.b.c...` stop at MAX_NESTING levels with a line number (and before strings
could grow quadratically) instead of ending in a RecursionError.

Tables: computing them takes lark several seconds, so they are stored (plain data, read without importing
lark) in finguard's cache directory, keyed by the grammar text and the lark and Python versions.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from finguard.cache_files import read_entry, write_entry

MAX_NESTING = 64  # expression (and block) nesting levels; finguard's hcl_expr re-parses expressions recursively
MAX_CHAIN_TEXT = 16_384  # characters of one operator chain (`a + b + ...`): the reductions copy it per operand
_SCHEMA = "6"  # bump when the stored tables' layout changes
# Parser stack entries that only nesting deeper than MAX_NESTING can pile up (a level holds a few dozen at most:
# an open bracket, a pending operator per precedence level, a for expression's parts)
_MAX_STACK = 64 * MAX_NESTING

# python-hcl2's PostLexer.OPERATOR_TYPES: a newline right before one of these continues the expression
_OPERATOR_TYPES = frozenset({"DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT",
                             "DOUBLE_AMP", "DOUBLE_PIPE", "PLUS", "QMARK"})

# Kinds of expression: an object key written as one of IDENT..LIT is a plain key in python-hcl2's output
K_OTHER, K_IDENT, K_STRING, K_INT, K_FLOAT, K_LIT = range(6)
_LAZY = object()  # the `v` of an expression that is "${" + t + "}" (python-hcl2's to_dollar_string(t))
_LITERALS = {"true": True, "false": False, "null": None}

# String parts: (tag, text, depth)
P_CHARS, P_ESCAPED, P_INTERP, P_IF, P_ELSE, P_ENDIF, P_FOR, P_ENDFOR = range(8)

E = tuple[Any, Any, int, int]  # an expression: (t, v, depth, kind)


class HclSyntaxError(Exception):
    """Where the parse stopped, shaped like lark's errors (`line`, `column`, and `token` or `char`)."""

    def __init__(self, message: str, line: int, column: int, token: str | None = None,
                 char: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        if token is not None:
            self.token = token
        if char is not None:
            self.char = char


class HclStructureError(Exception):
    """A problem found while building the document (nesting, a block named like an attribute, an unclosed
    template directive); `line` is 0 when there is none to give."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


class HclNestingError(HclStructureError):
    """Expressions or blocks nested deeper than MAX_NESTING."""


class _TooLong(Exception):
    """A construct whose text, not its nesting, is past a limit."""


class _TooDeep(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class UnsupportedGrammar(Exception):
    """lark (or python-hcl2's grammar) changed shape: use python-hcl2 itself."""


def _dollar(value: Any) -> str:
    """python-hcl2's to_dollar_string."""
    if type(value) is str and value.startswith("${") and value.endswith("}"):
        return value
    return f"${{{value}}}"


def _value(e: E) -> Any:
    v = e[1]
    return _dollar(e[0]) if v is _LAZY else v


def _parens(value: Any) -> str:
    """python-hcl2's wrap_into_parentheses."""
    if type(value) is str and value.startswith("${") and value.endswith("}"):
        return f"${{({value[2:-1]})}}"
    return f"({value})"


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape(value: str) -> str:
    """python-hcl2's process_escape_sequences: HCL escapes resolved in one pass; unknown ones kept."""
    if "\\" not in value:
        return value
    parts: list[str] = []
    index, length = 0, len(value)
    while index < length:
        char = value[index]
        if char != "\\" or index + 1 >= length:
            parts.append(char)
            index += 1
            continue
        marker = value[index + 1]
        if marker in _SIMPLE_ESCAPES:
            parts.append(_SIMPLE_ESCAPES[marker])
            index += 2
            continue
        if marker in ("u", "U"):
            width = 4 if marker == "u" else 8
            digits = value[index + 2:index + 2 + width]
            if len(digits) == width and all(c in _HEX for c in digits):
                code = int(digits, 16)
                if code <= 0x10FFFF and not 0xD800 <= code < 0xE000:
                    parts.append(chr(code))
                    index += 2 + width
                    continue
        parts.append(char)
        parts.append(marker)
        index += 2
    return "".join(parts)


def _deeper(depth: int) -> int:
    if depth > MAX_NESTING:
        raise _TooDeep("expressions")
    return depth


# -- reductions ---------------------------------------------------------------------------------------
# One function per grammar rule (or alias), called with the rule's children: tokens are their text (str),
# expressions E tuples, identifiers E tuples of kind K_IDENT, attributes (name, value) pairs, blocks
# [name, body, depth] lists, object elements [key text, key value, E] lists, bodies (dict, depth) pairs,
# newlines and comments None. python-hcl2's reporting of a block named like an attribute and of an
# unclosed directive happens after its parse; they are collected in `problems` and raised at the end.
class _Reductions:
    def __init__(self) -> None:
        self.problems: list[str] = []

    # structure
    def start(self, c: list[Any]) -> dict[str, Any]:
        return c[0][0]  # type: ignore[no-any-return]

    def body(self, c: list[Any]) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        attributes: set[str] = set()
        depth = 0
        for item in c:
            if item is None:
                continue
            if type(item) is tuple:  # attribute
                attributes.add(item[0])
                result[item[0]] = item[1]
                continue
            name = item[0]
            if name in attributes:
                self.problems.append(f"Attribute {name} is already defined.")
                continue
            blocks = result.get(name)
            if blocks is None:
                result[name] = [item[1]]
            else:
                blocks.append(item[1])
            if item[2] > depth:
                depth = item[2]
        return result, depth

    def attribute(self, c: list[Any]) -> tuple[str, Any]:
        e = c[2]
        v = e[1]
        return c[0][0], (_dollar(e[0]) if v is _LAZY else v)

    def block(self, c: list[Any]) -> list[Any]:
        labels: list[Any] = []
        for item in c:
            if type(item) is tuple:
                if len(item) == 2:  # the body
                    result, depth = item
                    break
                labels.append(item[1] if item[3] == K_STRING else item[0])
        if depth >= MAX_NESTING:
            raise _TooDeep("blocks")
        result["__is_block__"] = True
        for label in reversed(labels[1:]):
            result = {label: result}
        return [labels[0], result, depth + 1]

    def new_line_or_comment(self, c: list[Any]) -> None:
        return None

    # literals
    def identifier(self, c: list[Any]) -> E:
        return c[0], c[0], 1, K_IDENT

    keyword = identifier

    def literal_value(self, c: list[Any]) -> E:
        return c[0], _LITERALS[c[0]], 1, K_LIT

    def int_lit(self, c: list[Any]) -> E:
        number = int(c[0])
        return number, number, 1, K_INT

    def float_lit(self, c: list[Any]) -> E:
        text = c[0]
        if "e" in text.lower():  # scientific notation stays text (python-hcl2's preserve_scientific_notation)
            return text, _dollar(text), 1, K_FLOAT
        number = float(text)
        return number, number, 1, K_FLOAT

    # strings
    def string_chars(self, c: list[Any]) -> tuple[int, str, int]:
        return P_CHARS, c[0], 0

    def string_escaped(self, c: list[Any]) -> tuple[int, str, int]:
        return P_ESCAPED, c[0], 0

    def string_part(self, c: list[Any]) -> tuple[int, str, int]:
        return c[0]  # type: ignore[no-any-return]

    def interpolation(self, c: list[Any]) -> tuple[int, str, int]:
        e = c[1]
        return P_INTERP, _dollar(e[0]), e[2]

    def string(self, c: list[Any]) -> E:
        parts = c[1:-1]
        if not parts:
            return '""', "", 1, K_STRING
        if len(parts) == 1:
            tag, text, depth = parts[0]
            if tag == P_CHARS:
                return f'"{text}"', (_unescape(text) if "\\" in text else text), 1, K_STRING
            if tag < P_IF:
                return f'"{text}"', text, _deeper(depth + 1), K_STRING
        depth = _deeper(max(p[2] for p in parts) + 1)
        t = '"' + "".join(p[1] for p in parts) + '"'
        if any(p[0] >= P_IF for p in parts):
            inside = self._directives(parts)
            v = "".join(_unescape(p[1]) if p[0] == P_CHARS and not inside[i] else p[1]
                        for i, p in enumerate(parts))
        else:
            v = "".join(_unescape(p[1]) if p[0] == P_CHARS else p[1] for p in parts)
        return t, v, depth, K_STRING

    def _directives(self, parts: list[tuple[int, str, int]]) -> list[bool]:
        """Which parts python-hcl2 assembles into a %{if}/%{for} directive (their text keeps its escapes),
        and its error for a directive left open: RuleTransformer._assemble_directives, without recursion."""
        inside = [False] * len(parts)
        i = 0
        while i < len(parts):
            if parts[i][0] in (P_IF, P_FOR):
                end = self._directive_end(parts, i)
                for j in range(i, end):
                    inside[j] = True
                i = end
            else:
                i += 1
        return inside

    def _directive_end(self, parts: list[tuple[int, str, int]], start: int) -> int:
        # an if-body runs to else/endif, an else-body to endif, a for-body to endfor; openers nest
        def awaited(tag: int) -> tuple[int, ...]:
            return (P_ELSE, P_ENDIF) if tag == P_IF else (P_ENDFOR,)

        stack = [(parts[start][0], awaited(parts[start][0]))]
        for i in range(start + 1, len(parts)):
            tag = parts[i][0]
            opener, ends = stack[-1]
            if tag in ends:
                if tag == P_ELSE:
                    stack[-1] = (opener, (P_ENDIF,))
                else:
                    stack.pop()
                    if not stack:
                        return i + 1
            elif tag in (P_IF, P_FOR):
                if len(stack) >= MAX_NESTING:
                    raise _TooDeep("template directives")
                stack.append((tag, awaited(tag)))
        self.problems.append(f"Unterminated template {'if' if stack[-1][0] == P_IF else 'for'} directive")
        return len(parts)

    @staticmethod
    def _strips(c: list[Any]) -> tuple[str, str]:
        return ("~ " if c[1] == "~" else " "), (" ~" if c[-2] == "~" else " ")

    def template_if_start(self, c: list[Any]) -> tuple[int, str, int]:
        prefix, suffix = self._strips(c)
        e = next(x for x in c if type(x) is tuple)
        return P_IF, f"%{{{prefix}if {e[0]}{suffix}}}", e[2]

    def template_else(self, c: list[Any]) -> tuple[int, str, int]:
        prefix, suffix = self._strips(c)
        return P_ELSE, f"%{{{prefix}else{suffix}}}", 0

    def template_endif(self, c: list[Any]) -> tuple[int, str, int]:
        prefix, suffix = self._strips(c)
        return P_ENDIF, f"%{{{prefix}endif{suffix}}}", 0

    def template_for_start(self, c: list[Any]) -> tuple[int, str, int]:
        prefix, suffix = self._strips(c)
        split = c.index("in")
        names = [x[0] for x in c[:split] if type(x) is tuple]
        e = next(x for x in c[split:] if type(x) is tuple)
        return P_FOR, f"%{{{prefix}for {', '.join(names)} in {e[0]}{suffix}}}", e[2]

    def template_endfor(self, c: list[Any]) -> tuple[int, str, int]:
        prefix, suffix = self._strips(c)
        return P_ENDFOR, f"%{{{prefix}endfor{suffix}}}", 0

    def heredoc_template(self, c: list[Any]) -> E:
        text = c[0].rstrip("\r\n\t ")
        return text, text, 1, K_OTHER

    def heredoc_template_trim(self, c: list[Any]) -> E:
        # python-hcl2 (preserve_heredocs) measures indentation over the whole token, the `<<-EOF` line
        # included, so nothing is dedented; the closing marker line's indentation and newline go
        text = re.sub(r"\r?\n\Z", "", re.sub(r"[ \t]*\Z", "", c[0]))
        lines = text.split("\n")
        widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
        cut = min(widths) if widths else 0
        text = "\n".join(line[cut:] for line in lines)
        return text, text, 1, K_OTHER

    def template_string(self, c: list[Any]) -> E:
        raw = c[0]
        inner = raw[2:-2] if raw.startswith('\\"') and raw.endswith('\\"') else raw
        return inner, inner, 1, K_OTHER

    # expressions
    def expr_term(self, c: list[Any]) -> E:
        if len(c) == 1:
            return c[0]  # type: ignore[no-any-return]
        e = c[1] if c[1] is not None else c[2]
        return _parens(e[0]), _dollar(_parens(_value(e))), _deeper(e[2] + 1), K_OTHER

    def conditional(self, c: list[Any]) -> E:
        a, b, d = (x for x in c if type(x) is tuple)
        return f"{a[0]} ? {b[0]} : {d[0]}", _LAZY, _deeper(max(a[2], b[2], d[2]) + 1), K_OTHER

    def binary_operator(self, c: list[Any]) -> str:
        return c[0].strip()  # type: ignore[no-any-return]

    def binary_term(self, c: list[Any]) -> list[Any]:
        return [c[0], c[-1]]

    def binary_op(self, c: list[Any]) -> E:
        a = c[0]
        op, b = c[1]
        # `a + b + c ...` leans left: the chain is not nesting (its left operand adds no level), but each step
        # copies the text so far, so the chain's text is bounded instead (against quadratic growth)
        depth = a[2] if a[2] > b[2] else b[2] + 1
        if depth > MAX_NESTING:
            raise _TooDeep("expressions")
        if type(a[0]) is str and len(a[0]) > MAX_CHAIN_TEXT:
            raise _TooLong(f"an operator chain longer than {MAX_CHAIN_TEXT:,} characters (finguard's limit)")
        return f"{a[0]} {op} {b[0]}", _LAZY, depth, K_OTHER

    def unary_op(self, c: list[Any]) -> E:
        op = c[0].rstrip()
        e = c[1]
        depth = _deeper(e[2] + 1)
        operand = e[0]
        if op == "-" and type(operand) in (int, float):  # python-hcl2 folds a negated literal into a number
            return f"{op}{operand}", -operand, depth, K_OTHER
        return f"{op}{operand}", _LAZY, depth, K_OTHER

    def tuple(self, c: list[Any]) -> E:
        items = [x for x in c if type(x) is tuple]
        depth = _deeper(max((x[2] for x in items), default=0) + 1)
        return "[" + ", ".join(str(x[0]) for x in items) + "]", [_value(x) for x in items], depth, K_OTHER

    def object(self, c: list[Any]) -> E:
        elements = [x for x in c if type(x) is list]
        value: dict[str, Any] = {}
        depth = 0
        for _, key_value, e in elements:
            v = e[1]
            value[key_value] = _dollar(e[0]) if v is _LAZY else v
            if e[2] > depth:
                depth = e[2]
        text = "{" + ", ".join(f"{k} = {e[0]}" for k, _, e in elements) + "}"
        return text, value, _deeper(depth + 1), K_OTHER

    def object_elem(self, c: list[Any]) -> list[Any]:
        key_text, key_value = c[0]
        return [key_text, key_value, c[2]]

    def object_elem_key(self, c: list[Any]) -> tuple[Any, Any]:
        e = c[0]
        kind = e[3]
        if kind in (K_IDENT, K_LIT):
            return e[0], e[0]
        if kind == K_STRING:
            return e[0], e[1]
        if kind == K_INT:
            return str(e[0]), str(e[0])
        if kind == K_FLOAT:
            return str(e[0]), str(_value(e))
        text = str(e[0])
        return text, _dollar(text)

    def function_call(self, c: list[Any]) -> E:
        names = [x[0] for x in c if type(x) is tuple]
        arguments = next((x for x in c if type(x) is list), None)
        if arguments is None:
            return "::".join(names) + "()", _LAZY, 1, K_OTHER
        return "::".join(names) + "(" + arguments[0] + ")", _LAZY, _deeper(arguments[1] + 1), K_OTHER

    def arguments(self, c: list[Any]) -> list[Any]:
        items = [x for x in c if type(x) is tuple]
        text = ", ".join(str(x[0]) for x in items)
        if "..." in c[-2:]:
            text += " ..."
        return [text, max(x[2] for x in items)]

    # traversals: (text, depth) pairs, joined onto the expression they follow
    def get_attr(self, c: list[Any]) -> tuple[str, int]:
        return "." + c[1][0], 0

    def short_index(self, c: list[Any]) -> tuple[str, int]:
        return f".{int(c[1])}", 0

    def braces_index(self, c: list[Any]) -> tuple[str, int]:
        e = c[1] if c[1] is not None else c[2]
        return f"[{e[0]}]", e[2]

    def attr_splat(self, c: list[Any]) -> tuple[str, int]:
        return ".*" + "".join(x[0] for x in c[1:]), max((x[1] for x in c[1:]), default=0)

    def full_splat(self, c: list[Any]) -> tuple[str, int]:
        return "[*]" + "".join(x[0] for x in c[1:]), max((x[1] for x in c[1:]), default=0)

    def traversal(self, c: list[Any]) -> E:
        e, (text, inner) = c
        depth = (e[2] if e[2] > inner else inner) + 1
        if depth > MAX_NESTING:
            raise _TooDeep("expressions")
        return f"{e[0]}{text}", _LAZY, depth, K_OTHER

    # for expressions
    def for_intro(self, c: list[Any]) -> list[Any]:
        split = c.index("in")
        names = [x[0] for x in c[:split] if type(x) is tuple]
        e = next(x for x in c[split:] if type(x) is tuple)
        return ["for " + ", ".join(names) + f" in {e[0]} : ", e[2]]

    def for_cond(self, c: list[Any]) -> list[Any]:
        e = next(x for x in c if type(x) is tuple)
        return [f"if {e[0]}", e[2]]

    def for_tuple_expr(self, c: list[Any]) -> E:
        intro, cond = self._for_parts(c)
        (e,) = (x for x in c if type(x) is tuple)
        depth = _deeper(max(intro[1], e[2], cond[1] if cond else 0) + 1)
        return "[" + intro[0] + str(e[0]) + (f" {cond[0]}" if cond else "") + "]", _LAZY, depth, K_OTHER

    def for_object_expr(self, c: list[Any]) -> E:
        intro, cond = self._for_parts(c)
        key, value = (x for x in c if type(x) is tuple)
        group = "..." if "..." in c else ""
        depth = _deeper(max(intro[1], key[2], value[2], cond[1] if cond else 0) + 1)
        text = "{" + intro[0] + f"{key[0]} => {value[0]}" + group + (f" {cond[0]}" if cond else "") + "}"
        return text, _LAZY, depth, K_OTHER

    @staticmethod
    def _for_parts(c: list[Any]) -> tuple[list[Any], list[Any] | None]:
        lists = [x for x in c if type(x) is list]
        return lists[0], (lists[1] if len(lists) > 1 else None)


_INLINE, _EXPAND1, _CONST = 1, 2, 4  # rule flags in the tables
_IDENTITY = {"expr_term", "string_part"}  # reductions that return their single child as it is
_ALIASES = {"index_expr_term": "traversal", "get_attr_expr_term": "traversal", "attr_splat_expr_term": "traversal",
            "full_splat_expr_term": "traversal"}


# -- tables -------------------------------------------------------------------------------------------
def grammar_path() -> Path:
    """python-hcl2's grammar file, found without importing hcl2 (importing its package costs ~0.3 s)."""
    spec = find_spec("hcl2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("python-hcl2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "hcl2.lark"


def hcl2_version() -> str:
    """The installed python-hcl2's version, from its version file (no package import)."""
    try:
        text = (grammar_path().parent / "version.py").read_text(encoding="utf-8")
    except (OSError, ImportError):
        return "unknown"
    match = re.search(r"""^(?:__version__|version)\s*(?::\s*str\s*)?=\s*(?:version\s*=\s*)?['"]([^'"]+)['"]""",
                      text, re.M)
    return match.group(1) if match else "unknown"


def _build_tables(grammar: str) -> dict[str, Any]:
    """Compute python-hcl2's LALR tables with lark and keep what the loop below needs, as plain data."""
    from lark import Lark
    from lark.lexer import PatternStr, UnlessCallback
    from lark.parsers.lalr_analysis import Shift

    class _Stub:  # lark wants a post-lexer object to shape its tables the way python-hcl2's does
        always_accept: tuple[str, ...] = ()

        def process(self, stream: Any) -> Any:
            return stream

    lk = Lark(grammar, parser="lalr", lexer="contextual", postlex=_Stub(), propagate_positions=False,
              maybe_placeholders=False)
    try:
        table = lk.parser.parser.parser.parse_table
        contextual = lk.parser.lexer
        contextual = getattr(contextual, "lexer", contextual)  # PostLexConnector -> ContextualLexer
        state_lexers, root = contextual.lexers, contextual.root_lexer
    except AttributeError as exc:
        raise UnsupportedGrammar(f"lark's parser layout changed: {exc}") from None

    terminals: dict[str, list[Any]] = {}  # name -> [regexp, first characters (ASCII) or None for any]
    lexers: list[Any] = []
    lexer_index: dict[int, int] = {}
    if contextual.root_lexer.g_regex_flags:
        raise UnsupportedGrammar("global regex flags")

    def lexer_of(basic: Any) -> int:
        if id(basic) not in lexer_index:
            scanner = basic.scanner  # builds basic.callback too
            unless: dict[str, dict[str, str]] = {}
            for type_, callback in basic.callback.items():
                if not isinstance(callback, UnlessCallback):
                    raise UnsupportedGrammar(f"lexer callback {callback!r}")
                mapping: dict[str, str] = {}
                for terminal in callback.scanner.terminals:
                    if not isinstance(terminal.pattern, PatternStr) or terminal.pattern.flags:
                        raise UnsupportedGrammar(f"keyword terminal {terminal.name}")
                    mapping.setdefault(terminal.pattern.value, terminal.name)
                unless[type_] = mapping
            names = []
            for terminal in scanner.terminals:  # lark's order: its alternation tries them in turn
                regexp = terminal.pattern.to_regexp()
                if terminals.setdefault(terminal.name, [regexp, _first_chars(regexp)])[0] != regexp:
                    raise UnsupportedGrammar(f"terminal {terminal.name} has two patterns")
                names.append(terminal.name)
            lexer_index[id(basic)] = len(lexers)
            lexers.append([names, unless, sorted(basic.ignore_types)])
        return lexer_index[id(basic)]

    rules: list[Any] = []
    rule_index: dict[int, int] = {}
    rows: dict[int, dict[str, int]] = {}
    for state, actions in table.states.items():
        row: dict[str, int] = {}
        for symbol, (action, arg) in actions.items():
            if action is Shift:
                row[str(symbol)] = int(arg)
                continue
            if id(arg) not in rule_index:
                rule_index[id(arg)] = len(rules)
                rules.append(arg)
            row[str(symbol)] = ~rule_index[id(arg)]
        rows[int(state)] = row
    size = max(rows) + 1

    # newline_or_comment builds nothing, and neither does the "(NL_OR_COMMENT)+" rule lark makes inside it
    users: dict[str, set[str]] = {}
    for rule in rules:
        for sym in rule.expansion:
            users.setdefault(str(sym.name), set()).add(str(rule.origin.name))
    const = {"new_line_or_comment"}
    for rule in rules:
        origin = str(rule.origin.name)
        if origin.startswith("_") and users.get(origin, set()) <= const | {origin}:
            const.add(origin)
    specs = []
    for rule in rules:
        origin = str(rule.origin.name)
        name = str(rule.alias or rule.options.template_source or origin)
        keep = rule.options.keep_all_tokens
        include = [[i, (not sym.is_term) and sym.name.startswith("_")] for i, sym in enumerate(rule.expansion)
                   if keep or not (sym.is_term and sym.filter_out)]
        plain = len(include) == len(rule.expansion) and not any(expand for _, expand in include)
        if name == "string_part" and rule.expansion[0].is_term:
            name = "string_chars" if rule.expansion[0].name == "STRING_CHARS" else "string_escaped"
        flags = (_INLINE if origin.startswith("_") else 0) | (_CONST if origin in const else 0) \
            | (_EXPAND1 if rule.options.expand1 and not rule.alias else 0)
        specs.append([origin, len(rule.expansion), name, flags, None if plain else include])

    # Default reductions (as yacc does): the reduction most lookaheads of a state share is taken for any
    # lookahead the state does not list, which leaves a fifth of the table. An unexpected token is still
    # refused before it is shifted, at the same token, so errors read the same.
    symbols = sorted({symbol for row in rows.values() for symbol in row})
    number = {symbol: i for i, symbol in enumerate(symbols)}
    states: list[list[int]] = []
    defaults: list[int | None] = []
    for i in range(size):
        row = rows.get(i, {})
        reductions = [act for act in row.values() if act < 0]
        best = max(sorted(set(reductions)), key=reductions.count) if reductions else None
        states.append([x for symbol, act in sorted(row.items()) if act != best for x in (number[symbol], act)])
        defaults.append(best)
    return {"key": _tables_key(grammar), "symbols": symbols, "states": states, "defaults": defaults,
            "state_lexers": [lexer_of(state_lexers[i]) if i in state_lexers else -1 for i in range(size)],
            "root_lexer": lexer_of(root), "terminals": terminals, "lexers": lexers, "rules": specs,
            "start": int(table.start_states["start"]), "end": int(table.end_states["start"])}


def _tables_key(grammar: str) -> str:
    return hashlib.sha256(f"{_SCHEMA}\0{grammar}".encode()).hexdigest()


_BUNDLED = Path(__file__).with_name("hcl2_tables.json.gz")  # for the python-hcl2 finguard is tested with


def load_tables(cache_dir: Path | None) -> dict[str, Any]:
    """The tables for the installed python-hcl2 grammar: the ones shipped with finguard when the grammar is
    the same, else from finguard's cache directory, else computed with lark (seconds) and cached."""
    grammar = grammar_path().read_text(encoding="utf-8")
    key = _tables_key(grammar)
    candidates = [_BUNDLED] + ([cache_dir / f"hcl2-tables-{key[:24]}.json.gz"] if cache_dir is not None else [])
    for path in candidates:
        data = read_entry(path)  # a regular file only: a FIFO in the cache directory would block the read
        if data is None:
            continue
        try:
            tables = json.loads(gzip.decompress(data))
        except (OSError, ValueError, EOFError):
            continue
        if isinstance(tables, dict) and tables.get("key") == key:
            return tables
    tables = _build_tables(grammar)
    if cache_dir is not None:
        write_tables(tables, candidates[-1])
    return tables


def write_tables(tables: dict[str, Any], path: Path) -> None:
    """Written under a private name, then renamed: parallel first runs never read half a file (cache_files)."""
    write_entry(path, gzip.compress(json.dumps(tables, separators=(",", ":")).encode(), 9, mtime=0))


class _Lexer:
    """One of lark's per-state scanners: its terminals in lark's order (lark's alternation regex takes the
    first that matches), its keyword table (lark's UnlessCallback: NAME "for" becomes FOR where FOR is
    expected), and the ignored terminals. The alternation is cut down to the terminals that can begin with
    the character at hand (their first characters are worked out from the patterns when the tables are made):
    the same first match, without trying forty alternatives that cannot match."""

    __slots__ = ("_terminals", "by_char", "ignore", "unless")

    def __init__(self, spec: Any, terminals: dict[str, Any]) -> None:
        names, self.unless, ignore = spec
        self._terminals = [(name, terminals[name][0], terminals[name][1]) for name in names]
        self.ignore = frozenset(ignore)
        self.by_char: dict[str, Any] = {}  # character -> compiled alternation, or False: nothing can match

    def match(self, text: str, pos: int) -> Any:
        regex = self.by_char.get(text[pos])
        if regex is None:
            regex = self.regex_for(text[pos])
        return regex.match(text, pos) if regex else None

    def regex_for(self, char: str) -> Any:
        code = ord(char)
        chosen = tuple((name, regexp) for name, regexp, first in self._terminals
                       if code >= 128 or first is None or char in first)
        regex: Any = False
        if chosen:
            regex = _REGEXES.get(chosen)
            if regex is None:  # shared by every scanner with the same candidates
                regex = _REGEXES[chosen] = re.compile("|".join(f"(?P<{name}>{regexp})" for name, regexp in chosen))
        self.by_char[char] = regex
        return regex


_REGEXES: dict[tuple[tuple[str, str], ...], Any] = {}


def _first_chars(regexp: str) -> str | None:
    """The ASCII characters a match of `regexp` can begin with (more is harmless, fewer would be wrong);
    None when that cannot be worked out (every character is then a candidate)."""
    from re import _constants as sre
    from re import _parser as sre_parse

    everything = frozenset(range(128))

    def charset(items: Any) -> set[int]:
        chars: set[int] = set()
        negate = False
        for op, av in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL:
                chars.add(av)
            elif op is sre.RANGE:
                chars.update(range(av[0], min(av[1], 127) + 1))
            elif op is sre.CATEGORY:
                escape = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
                          sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w",
                          sre.CATEGORY_NOT_WORD: r"\W"}.get(av)
                if escape is None:
                    return set(everything)
                chars.update(c for c in everything if re.match(escape, chr(c)))
            else:
                return set(everything)
        return set(everything - chars) if negate else chars

    def sequence(items: Any) -> tuple[set[int], bool]:  # (first characters, can match nothing)
        out: set[int] = set()
        for op, av in items:
            first, empty = item(op, av)
            out |= first
            if not empty:
                return out, False
        return out, True

    def item(op: Any, av: Any) -> tuple[set[int], bool]:
        if op is sre.LITERAL:
            return {av} if av < 128 else set(), False
        if op in (sre.NOT_LITERAL, sre.ANY):
            return set(everything), False
        if op is sre.IN:
            return charset(av), False
        if op is sre.SUBPATTERN:
            if av[1] or av[2]:  # inline flags ((?i) ...): give up
                return set(everything), True
            return sequence(av[3])
        if op is sre.BRANCH:
            out: set[int] = set()
            empty = False
            for branch in av[1]:
                first, maybe = sequence(branch)
                out |= first
                empty = empty or maybe
            return out, empty
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            first, empty = sequence(av[2])
            return first, empty or av[0] == 0
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):  # zero width: says nothing about the first character
            return set(), True
        return set(everything), True  # back references, anything else

    try:
        parsed = sre_parse.parse(regexp)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return None
        first, empty = sequence(list(parsed))
    except Exception:  # a private module: any surprise means "every character"
        return None
    if empty or len(first) == 128:
        return None
    return "".join(sorted(chr(c) for c in first))


def _filter(children: list[Any], include: list[tuple[int, bool]]) -> list[Any]:
    """lark's child filter: drop filtered tokens, splice _rules' children in (reusing the first spliced
    list, as lark does, so a long left-recursive body is not copied again at every item)."""
    out: list[Any] | None = None
    for i, expand in include:
        if expand:
            if out is None:
                out = children[i]
            else:
                out += children[i]
        elif out is None:
            out = [children[i]]
        else:
            out.append(children[i])
    return out if out is not None else []


def _line_column(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


class HclParser:
    """python-hcl2's grammar as LALR tables, an LALR loop, and the reductions above. One per process."""

    def __init__(self, cache_dir: Path | None = None, tables: dict[str, Any] | None = None) -> None:
        tables = tables if tables is not None else load_tables(cache_dir)
        self.reductions = _Reductions()
        lexers = [_Lexer(spec, tables["terminals"]) for spec in tables["lexers"]]
        self._root = lexers[tables["root_lexer"]]
        self._state_lexers = [lexers[i] if i >= 0 else None for i in tables["state_lexers"]]
        symbols = [sys.intern(symbol) for symbol in tables["symbols"]]
        self._states = [dict(zip([symbols[i] for i in row[0::2]], row[1::2], strict=True))
                        for row in tables["states"]]
        self._defaults: list[int | None] = tables["defaults"]
        self._start, self._end = tables["start"], tables["end"]
        # per rule: (mode, size, origin, reduction, children filter). Modes: 0, a unit reduction that keeps
        # its child (a ?rule's single child, expr_term around a literal, ...), done in place, and whole chains
        # of them memoized; 1, call; 2, pass a single child, else call; 3, a _rule, whose children are spliced
        # into its parent's; 4, newlines and comments (None, nothing built)
        self._rules: list[tuple[int, int, str, Callable[[list[Any]], Any] | None, Any]] = []
        for origin, size, name, flags, include in tables["rules"]:
            name = _ALIASES.get(name, name)
            fn = getattr(self.reductions, name, None)
            if flags & _CONST:
                mode = 4
            elif size == 1 and include is None and (flags & _EXPAND1 or name in _IDENTITY):
                mode = 0
            elif flags & _INLINE:
                mode = 3
            else:
                mode = 2 if flags & _EXPAND1 else 1
                if fn is None:
                    raise UnsupportedGrammar(f"no reduction for grammar rule {name!r}")
            self._rules.append((mode, size, sys.intern(origin), fn, include))
        self._units: dict[tuple[int, int, str], int] = {}

    def _unit_chain(self, below: int, top: int, type_: str) -> int:
        """The state after every unit reduction that `type_` triggers from `top` (over `below`)."""
        states, rules = self._states, self._rules
        while True:
            act = states[top].get(type_, self._defaults[top])
            if act is None or act >= 0 or rules[~act][0] != 0:
                return top
            top = states[below][rules[~act][2]]

    def parse(self, text: str) -> dict[str, Any]:
        """The document; HclSyntaxError (lark's line, column and token) or HclStructureError otherwise."""
        text += "\n"  # as python-hcl2 does: its grammar needs a newline at the end
        self.reductions.problems = []
        states_tbl = self._states
        state_lexers = self._state_lexers
        rules = self._rules
        operators = _OPERATOR_TYPES
        end_state = self._end
        units = self._units
        defaults = self._defaults
        stack = [self._start]
        values: list[Any] = []
        pos, end = 0, len(text)
        pending: tuple[str, str, int] | None = None  # a newline held back: does an operator follow?
        tok_pos = 0
        result: Any = None
        try:
            while True:
                if pos < end:
                    lexer = state_lexers[stack[-1]]
                    regex = lexer.by_char.get(text[pos]) if lexer is not None else False
                    if regex is None:
                        regex = lexer.regex_for(text[pos])
                    m = regex.match(text, pos) if regex else None
                    if m is None:
                        raise self._lex_error(text, pos)
                    type_ = m.lastgroup
                    new = m.end()
                    if type_ in lexer.ignore:
                        pos = new
                        continue
                    value = m.group()
                    if type_ in lexer.unless:
                        type_ = lexer.unless[type_].get(value, type_)
                    token = (type_, value, pos)
                    pos = new
                    if type_ == "NL_OR_COMMENT":
                        if pending is None:
                            pending = token
                            continue
                        batch: tuple[tuple[str, str, int], ...] = (pending,)
                        pending = token
                    elif pending is not None:
                        batch = (token,) if type_ in operators else (pending, token)
                        pending = None
                    else:
                        batch = (token,)
                else:
                    last = pending or (None, None, tok_pos)
                    batch = ((pending,) if pending is not None else ()) + (("$END", "", last[2]),)
                    pending = None
                for type_, value, tok_pos in batch:
                    while True:
                        act = states_tbl[stack[-1]].get(type_)
                        if act is None:
                            act = defaults[stack[-1]]
                        if act is None:
                            line, column = _line_column(text, tok_pos)
                            shown = value.strip().splitlines()[0] if value.strip() else "end of line"
                            raise HclSyntaxError(f"unexpected {shown[:40]!r}", line, column, token=value)
                        if act >= 0:
                            stack.append(act)
                            values.append(value)
                            if len(stack) > _MAX_STACK:  # stops `((((...` at its start, not at its end
                                raise _TooDeep("blocks or expressions")
                            break
                        mode, size, origin, fn, include = rules[~act]
                        if mode == 0:  # unit reductions: the value stays, the state moves
                            key = (stack[-2], stack[-1], type_)
                            top = units.get(key)
                            if top is None:
                                top = units[key] = self._unit_chain(stack[-2], stack[-1], type_)
                            stack[-1] = top
                            if top == end_state and type_ == "$END":
                                result = values[-1]
                                break
                            continue
                        if size:
                            children = values[-size:]
                            del values[-size:]
                            del stack[-size:]
                        else:
                            children = []
                        if mode == 4:
                            stack.append(states_tbl[stack[-1]][origin])
                            values.append(None)
                            continue
                        if include is not None:
                            children = _filter(children, include)
                        if mode == 1:
                            reduced = fn(children)  # type: ignore[misc]
                        elif mode == 3:
                            reduced = children
                        else:
                            reduced = children[0] if len(children) == 1 else fn(children)  # type: ignore[misc]
                        stack.append(states_tbl[stack[-1]][origin])
                        values.append(reduced)
                        if stack[-1] == end_state and type_ == "$END":
                            result = values[-1]
                            break
                if result is not None:
                    break
        except _TooDeep as exc:
            line, _ = _line_column(text, tok_pos)
            raise HclNestingError(f"{exc.what} nest deeper than {MAX_NESTING} levels (finguard's limit)",
                                    line) from None
        except _TooLong as exc:
            line, _ = _line_column(text, tok_pos)
            raise HclNestingError(str(exc), line) from None
        if self.reductions.problems:
            raise HclStructureError(self.reductions.problems[0])
        return result  # type: ignore[no-any-return]

    def _lex_error(self, text: str, pos: int) -> HclSyntaxError:
        """lark's contextual lexer: the text is read again with every terminal, for a clearer message."""
        line, column = _line_column(text, pos)
        char = text[pos]
        scan = pos
        while scan < len(text):
            m = self._root.match(text, scan)
            if m is None:
                break
            type_ = m.lastgroup
            if type_ in self._root.ignore:
                scan = m.end()
                continue
            line, column = _line_column(text, scan)
            value = m.group()
            shown = value.strip().splitlines()[0] if value.strip() else "end of line"
            return HclSyntaxError(f"unexpected {shown[:40]!r}", line, column, token=value)
        return HclSyntaxError(f"unexpected character {char!r}", line, column, char=char)


if __name__ == "__main__":  # python -m finguard.terraform.hcl_parser: refresh the shipped tables
    write_tables(_build_tables(grammar_path().read_text(encoding="utf-8")), _BUNDLED)
    print(f"wrote {_BUNDLED} for python-hcl2 {hcl2_version()}")
