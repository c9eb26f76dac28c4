"""finguard's one-pass parser of python-hcl2's grammar (finguard/terraform/hcl_parser.py) against python-hcl2.

The parser must return exactly what `api.serialize(api.parses(text), SerializationOptions(strip_string_quotes=True,
explicit_blocks=True, with_comments=False))` returns -- on every example, on public Terraform code, and on
generated HCL (operators, conditionals, for expressions, splats, templates and directives, heredocs, nested
blocks, comments, unicode) -- and refuse what python-hcl2 refuses, at the same line and column. Hostile input
(deep nesting, long operator chains, 1 MiB files) ends in one clear error or a bounded parse, never a
RecursionError.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.errors import InputError
from finguard.terraform import hcl_parser
from finguard.terraform.hcl_files import parse_text as _parse_text
from finguard.terraform.hcl_parser import (
    MAX_CHAIN_TEXT,
    MAX_NESTING,
    HclNestingError,
    HclParser,
    HclStructureError,
    HclSyntaxError,
)

from .conftest import REPO, SHARED
from .test_cli import run

FUZZ_EXAMPLES = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "60"))
GOLDENS = SHARED / "reference" / "infracost-goldens"

pytestmark = pytest.mark.skipif(
    not hcl_parser.hcl2_version().startswith("8."),
    reason=f"finguard's parser reproduces python-hcl2 8.x; python-hcl2 {hcl_parser.hcl2_version()} is installed "
           "(HCL mode then uses python-hcl2's own route)")


@pytest.fixture(scope="module")
def parser() -> HclParser:
    return HclParser(None)  # the tables shipped with finguard (or computed, for another grammar)


def _hcl2(text: str) -> Any:
    from hcl2 import SerializationOptions, api

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=True, with_comments=False)
    return api.serialize(api.parses(text, discard_comments=True), serialization_options=options)


def _same(parser: HclParser, text: str) -> None:
    """Equal documents (compared as JSON: 1 is not 1.0, true is not 1, key order counts), or both refuse the
    text -- a syntax error at the same line and column."""
    from lark.exceptions import UnexpectedInput

    try:
        expected: Any = _hcl2(text)
        refused: Exception | None = None
    except Exception as exc:
        expected, refused = None, exc
    try:
        got: Any = parser.parse(text)
        error: Exception | None = None
    except (HclSyntaxError, HclStructureError) as exc:
        got, error = None, exc
    if isinstance(refused, TypeError) and "can only concatenate str" in str(refused):
        # python-hcl2 crashes on a for expression whose value is a number (`[for s in xs : 1]`, valid
        # Terraform); finguard renders it as text instead (test_for_expression_with_a_number_value), and may
        # then find what python-hcl2 never reached (a block named like an attribute)
        assert isinstance(got, dict) or isinstance(error, HclStructureError), (error, text)
        return
    if refused is None:
        assert error is None, f"python-hcl2 reads it, finguard refuses it ({error}):\n{text}"
        assert json.dumps(got) == json.dumps(expected), f"different documents for:\n{text}"
        return
    assert error is not None, f"python-hcl2 refuses it ({refused}), finguard reads it:\n{text}"
    if isinstance(refused, UnexpectedInput):
        assert isinstance(error, HclSyntaxError), (error, refused)
        assert (error.line, error.column) == (refused.line, refused.column), (str(error), str(refused), text)


def test_every_example_reads_the_same(parser: HclParser) -> None:
    files = sorted(p for p in (REPO / "examples").rglob("*.tf"))
    assert len(files) > 20
    for path in files:
        _same(parser, path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not GOLDENS.is_dir(), reason=f"public Terraform code {GOLDENS} is absent")
def test_public_terraform_code_reads_the_same(parser: HclParser) -> None:
    """Infracost's golden test projects (hundreds of real-world .tf files); every 4th file, for time."""
    files = sorted(GOLDENS.rglob("*.tf"))[::4]
    assert len(files) > 50
    for path in files:
        _same(parser, path.read_text(encoding="utf-8"))


# -- generated HCL --------------------------------------------------------------------------------------
_NAMES = st.sampled_from(["a", "b_2", "foo-bar", "x", "var", "local", "each", "count", "self", "Ünïcode"[:1] + "x",
                          "in", "for", "if", "true", "null", "endif", "for_each"])
_PLAIN = st.sampled_from(["a", "b_2", "foo-bar", "x", "name", "tags", "id"])
_TEXT = st.lists(st.sampled_from(["abc", " ", "é", "日本", "\\n", "\\\"", "\\\\", "\\u00e9", "\\U0001F600", "\\q",
                                  "$", "%", "$${x}", "%%{y}", "{", "}", "'", "#", "//", "\\t", "-"]),
                 max_size=5).map("".join)
_OPERATORS = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"])
_LEAVES = st.one_of(
    st.integers(-10**6, 10**20).map(str), st.sampled_from(["007", "1.5", "-2.25", "1e5", "1.2E-3", "0.0", "3.0"]),
    st.sampled_from(["true", "false", "null"]), _PLAIN,
    _TEXT.map(lambda s: f'"{s}"'),
    st.sampled_from(["<<EOF\nline one\n  ${a} two\nEOF\n", "<<-EOT\n    indented\n  less\n  EOT\n",
                     "<<E\n\nE\n"]),
)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    key = st.one_of(_PLAIN, _TEXT.map(lambda s: f'"{s}"'), st.sampled_from(["in", "for", "true", "1", "2.5", "1e3"]),
                    inner.map(lambda e: f"({e})"), st.tuples(_PLAIN, _PLAIN).map(lambda t: f"{t[0]}.{t[1]}"))
    sep = st.sampled_from([", ", ",\n  ", "\n  ", " ,"])
    return st.one_of(
        st.tuples(inner, _OPERATORS, inner, st.booleans()).map(
            lambda t: f"{t[0]}\n  {t[1]} {t[2]}" if t[3] else f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["-", "!"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(inner, inner, inner, st.booleans()).map(
            lambda t: f"{t[0]}\n  ? {t[1]}\n  : {t[2]}" if t[3] else f"{t[0]} ? {t[1]} : {t[2]}"),
        inner.map(lambda e: f"({e})"),
        st.tuples(st.lists(inner, max_size=4), sep, st.booleans()).map(
            lambda t: "[" + t[1].join(t[0]) + ("," if t[2] and t[0] else "") + "]"),
        st.tuples(st.lists(st.tuples(key, st.sampled_from([" = ", ": ", "="]), inner), max_size=4), sep).map(
            lambda t: "{" + t[1].join(k + s + v for k, s, v in t[0]) + "}"),
        st.tuples(st.sampled_from(["lookup", "merge", "provider::aws::arn_parse", "f"]), st.lists(inner, max_size=3),
                  st.booleans()).map(lambda t: f"{t[0]}({', '.join(t[1])}{' ...' if t[2] and t[1] else ''})"),
        st.tuples(inner.map(lambda e: f"({e})") | _PLAIN,
                  st.lists(st.one_of(_NAMES.map(lambda n: f".{n}"), inner.map(lambda e: f"[{e}]"),
                                     st.sampled_from([".0", ".12", ".*.id", "[*].name", ".*", "[*]", "[*][0]"])),
                           min_size=1, max_size=3)).map(lambda t: t[0] + "".join(t[1])),
        st.tuples(_PLAIN, _PLAIN, inner, inner, st.booleans()).map(
            lambda t: f"[for {t[0]}, {t[1]} in {t[2]} : {t[3]}{' if ' + t[2] if t[4] else ''}]"),
        st.tuples(_PLAIN, inner, inner, inner, st.booleans()).map(
            lambda t: f"{{for {t[0]} in {t[1]} : {t[2]} => {t[3]}{'...' if t[4] else ''}}}"),
        st.tuples(_TEXT, inner, _TEXT).map(lambda t: f'"{t[0]}${{{t[1]}}}{t[2]}"'),
        st.tuples(inner, _TEXT, _TEXT, st.booleans()).map(
            lambda t: f'"%{{{"~" if t[3] else ""} if {t[0]} }}{t[1]}%{{ else ~}}{t[2]}%{{ endif }}"'),
        st.tuples(_PLAIN, inner, _TEXT).map(lambda t: f'"%{{ for {t[0]} in {t[1]} }}{t[2]}%{{ endfor }}"'),
    )


_EXPRESSIONS = st.recursive(_LEAVES, _compound, max_leaves=12)
_COMMENT = st.sampled_from(["", " # note", " // note", " /* note */"])


def _body(depth: int) -> st.SearchStrategy[str]:
    attribute = st.tuples(_NAMES, _EXPRESSIONS, _COMMENT).map(lambda t: f"{t[0]} = {t[1]}{t[2]}\n")
    lines = [attribute, st.sampled_from(["\n", "# comment\n", "// comment\n", "/* multi\n line */\n"])]
    if depth > 0:
        label = st.one_of(_PLAIN, _TEXT.map(lambda s: f'"{s}"'))
        lines.append(st.tuples(_NAMES, st.lists(label, max_size=2), _body(depth - 1)).map(
            lambda t: f"{t[0]} {' '.join(t[1])} {{\n{t[2]}}}\n"))
    return st.lists(st.one_of(*lines), max_size=5).map("".join)


_SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(text=_body(2))
def test_generated_hcl_reads_the_same(parser: HclParser, text: str) -> None:
    _same(parser, text)


@_SETTINGS
@given(text=_body(1), where=st.integers(0, 10**6), char=st.sampled_from([*'{}[]()"=,\n$%~.:?<#*/\\', "", "é"]))
def test_broken_hcl_is_refused_at_the_same_place(parser: HclParser, text: str, where: int, char: str) -> None:
    """One character dropped or put in: the same document, or the same refusal at the same line and column."""
    if text:
        at = where % len(text)
        text = text[:at] + char + text[at + (1 if where % 2 else 0):]
    _same(parser, text)


@_SETTINGS
@given(parts=st.lists(st.sampled_from(["a", "\\n", "%{ if x }", "%{ else }", "%{ endif }", "%{~ for v in xs ~}",
                                       "%{ endfor }", "${v}"]), max_size=8))
def test_template_directives_nest_like_python_hcl2(parser: HclParser, parts: list[str]) -> None:
    """Unbalanced, nested and stray %{if}/%{else}/%{for} parts: python-hcl2 assembles them after parsing."""
    _same(parser, 'v = "' + "".join(parts) + '"\n')


def test_python_hcl2_quirks_are_kept(parser: HclParser) -> None:
    """What python-hcl2 hands back is what finguard's evaluator expects, odd corners included."""
    text = ('a = -3\nb = (1)\nc = ("s")\nd = 1e5\ne = -1.5\nf = "\\u00e9\\q"\ng = x\n'
            'h = {(k) = 1, "q" = 2, 3 = 4}\ni = [for k, v in m : v if k]\nj = {for k in m : k => {a = 1}...}\n'
            'k = a.*.b[0]\nl = "%{ if x }\\n%{ endif }"\n')
    doc = parser.parse(text)
    assert doc == {"a": -3, "b": "${(1)}", "c": "${(s)}", "d": "${1e5}", "e": -1.5, "f": "é\\q", "g": "x",
                   "h": {"${(k)}": 1, "q": 2, "3": 4}, "i": "${[for k, v in m : v if k]}",
                   "j": "${{for k in m : k => {a = 1}...}}", "k": "${a.*.b[0]}", "l": "%{ if x }\\n%{ endif }"}
    assert json.dumps(doc) == json.dumps(_hcl2(text))


def test_for_expression_with_a_number_value(parser: HclParser) -> None:
    """python-hcl2 8.1 raises TypeError here (it appends the number to the expression text); finguard reads it."""
    doc = parser.parse("a = [for s in xs : 1]\nb = {for s in xs : s => 2.5}\nc = [for s in xs : -1]\n")
    assert doc == {"a": "${[for s in xs : 1]}", "b": "${{for s in xs : s => 2.5}}", "c": "${[for s in xs : -1]}"}
    with pytest.raises(TypeError):
        _hcl2("a = [for s in xs : 1]\n")


# -- errors ---------------------------------------------------------------------------------------------
def test_syntax_errors_name_line_and_column() -> None:
    with pytest.raises(InputError) as err:
        _parse_text('resource "aws_eip" "x" {\n  domain = \n}\n', "b.tf")
    assert str(err.value) == "b.tf:2:12: HCL syntax error: unexpected '}'"
    with pytest.raises(InputError) as err:
        _parse_text('a = 1\nb = "x" + \u0001\n', "c.tf")
    assert str(err.value).startswith("c.tf:2:") and "HCL syntax error" in str(err.value)


def test_block_named_like_an_attribute_and_open_directive() -> None:
    with pytest.raises(InputError, match=r"^d\.tf: HCL syntax error: Attribute tags is already defined\.$"):
        _parse_text('tags = 1\ntags {\n}\n', "d.tf")
    with pytest.raises(InputError, match=r"^e\.tf: HCL syntax error: Unterminated template if directive$"):
        _parse_text('a = "%{ if x }yes"\n', "e.tf")


# -- hostile input --------------------------------------------------------------------------------------
MIB = 1_048_576


_TOO_DEEP = f"nest deeper than {MAX_NESTING} levels (finguard's limit)"
# an operator chain leans left and is not nesting: its text is bounded instead (each reduction copies it)
_TOO_LONG = f"an operator chain longer than {MAX_CHAIN_TEXT:,} characters (finguard's limit)"
_HOSTILE = [
    ("parentheses", "a = 1\nx = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n", 2, _TOO_DEEP),
    ("brackets", "x = " + "[" * 100_000 + "]" * 100_000 + "\n", 1, _TOO_DEEP),
    ("objects", "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n", 1, _TOO_DEEP),
    ("attribute chain", "x = a" + ".b" * 400_000 + "\n", 1, _TOO_DEEP),
    ("calls", "x = " + "f(" * 30_000 + ")" * 30_000 + "\n", 1, _TOO_DEEP),
    ("interpolations", 'x = "' + "${\"" * 20_000 + "\"}" * 20_000 + '"\n', 1, _TOO_DEEP),
    ("conditionals", "x = " + "a ? b : " * 20_000 + "c\n", 1, _TOO_DEEP),
    ("directives", 'x = "' + "%{ if a }" * 1000 + "%{ endif }" * 1000 + '"\n', 1, _TOO_DEEP),
    ("operator chain", "\n\nx = 1" + "+1" * 400_000 + "\n", 3, _TOO_LONG),
    ("and chain", "x = a" + " && a" * 100_000 + "\n", 1, _TOO_LONG),
]


@pytest.mark.parametrize("shape, text, line, message", _HOSTILE, ids=[case[0] for case in _HOSTILE])
def test_deep_or_long_expressions_are_one_clear_error(shape: str, text: str, line: int, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        _parse_text(text, "deep.tf")
    assert time.monotonic() - started < 20, shape
    assert str(err.value).startswith(f"deep.tf:{line}: "), str(err.value)
    assert message in str(err.value)


def test_operator_chains_longer_than_the_nesting_limit_read_as_python_hcl2_does(parser: HclParser) -> None:
    """Terraform takes `a + b + ...` of any length: 200 operands are no deeper than two."""
    _same(parser, "x = " + " + ".join(["1"] * 200) + "\ny = " + " || ".join(f"var.v{i}" for i in range(200)) + "\n")


def test_nested_blocks_stop_at_the_limit() -> None:
    deep = "".join(f"b{i} {{\n" for i in range(MAX_NESTING + 1)) + "}\n" * (MAX_NESTING + 1)
    last = 2 * (MAX_NESTING + 1)  # found where the outermost block closes
    with pytest.raises(InputError, match=rf"^blocks\.tf:{last}: blocks nest deeper than {MAX_NESTING}"):
        _parse_text(deep, "blocks.tf")
    fine = "".join(f"b{i} {{\n" for i in range(MAX_NESTING)) + "}\n" * MAX_NESTING
    assert _parse_text(fine, "blocks.tf")


def test_nesting_within_the_limit_reads(parser: HclParser) -> None:
    text = "x = " + "(" * (MAX_NESTING - 2) + "1" + ")" * (MAX_NESTING - 2) + "\ny = " + " + ".join(["1"] * 40) + "\n"
    _same(parser, text)
    with pytest.raises(HclNestingError):
        parser.parse("x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + "\n")


@pytest.mark.parametrize("unit", ["a{i} = {i}\n", 'k{i} = "${{v}}"\n', '"{i}",'],
                         ids=["attributes", "templates", "items"])
def test_a_large_file_parses_in_bounded_time(parser: HclParser, unit: str) -> None:
    """256 KiB of attributes, interpolations or list items (a .tf file may hold 1 MiB; the benchmark times
    those): linear, no quadratic string or list building."""
    body = "".join(unit.format(i=i) for i in range(60_000))[: MIB // 4]
    text = ("x = [" + body.rsplit(",", 1)[0] + "]\n") if unit.endswith(",") else body.rsplit("\n", 1)[0] + "\n"
    started = time.monotonic()
    doc = parser.parse(text)
    assert time.monotonic() - started < 20
    assert len(doc) > 1 or len(doc["x"]) > 10_000


def test_cli_exit_2_for_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\nlocals {\n  x = '
                                      + "[" * 5000 + "]" * 5000 + "\n}\n")
    code, _, err = run(capsys, "breakdown", str(tmp_path))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "main.tf:5: " in lines[0] and "nest deeper than 64 levels" in lines[0] and "Traceback" not in err


# -- tables ---------------------------------------------------------------------------------------------
def test_shipped_tables_match_the_installed_grammar() -> None:
    """The tables shipped in the wheel are python-hcl2's grammar's: else every cold run computes them (seconds).
    After upgrading python-hcl2: `python -m finguard.terraform.hcl_parser` writes them again."""
    import gzip

    shipped = json.loads(gzip.decompress(hcl_parser._BUNDLED.read_bytes()))
    grammar = hcl_parser.grammar_path().read_text(encoding="utf-8")
    assert shipped["key"] == hcl_parser._tables_key(grammar)


def test_tables_for_another_grammar_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A python-hcl2 whose grammar finguard does not ship tables for: computed once, then read from the cache
    directory (here the shipped tables stand in for the computed ones)."""
    import gzip

    shipped = json.loads(gzip.decompress(hcl_parser._BUNDLED.read_bytes()))
    monkeypatch.setattr(hcl_parser, "_BUNDLED", tmp_path / "absent.json.gz")
    built: list[str] = []
    monkeypatch.setattr(hcl_parser, "_build_tables", lambda grammar: built.append(grammar) or shipped)
    first = hcl_parser.load_tables(tmp_path / "cache")
    again = hcl_parser.load_tables(tmp_path / "cache")
    assert len(built) == 1 and first == again == shipped
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"hcl2-tables-{shipped['key'][:24]}.json.gz"]
    assert HclParser(tables=again).parse("a = 1\n") == {"a": 1}


def test_python_hcl2_route_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """FINGUARD_HCL_PARSER=hcl2 (or a python-hcl2 other than 8.x) parses with python-hcl2 itself."""
    from finguard.terraform import hcl_files

    monkeypatch.setattr(hcl_files, "_PARSER", [])
    monkeypatch.setenv("FINGUARD_HCL_PARSER", "hcl2")
    assert hcl_files._fast_parser() is None
    assert hcl_files.parse_text('a = "x"\nb = [1, 2]\n', "m.tf") == {"a": "x", "b": [1, 2]}
    with pytest.raises(InputError, match=r"^m\.tf:2:12: HCL syntax error: unexpected '}'"):
        hcl_files.parse_text('resource "aws_eip" "x" {\n  domain = \n}\n', "m.tf")
