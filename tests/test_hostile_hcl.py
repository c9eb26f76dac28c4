"""Hostile .tf / .tfvars input in HCL mode (issue 17): no crash, no hang, no silent acceptance, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzing import fuzz, fuzz_settings
from .test_cli import run

PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'


def _dir(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def _fails(capsys: pytest.CaptureFixture[str], root: Path, *needles: str, command: str = "breakdown") -> str:
    started = time.monotonic()
    code, _, err = run(capsys, command, str(root))
    assert time.monotonic() - started < 30
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("finguard: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _eip(extra: str) -> str:
    return PROVIDER + f'resource "aws_eip" "x" {{\n  domain = "vpc"\n{extra}\n}}\n'


def test_module_calling_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dir(tmp_path, {"main.tf": PROVIDER + 'module "loop" {\n  source = "./"\n}\n'})
    _fails(capsys, root, 'module "loop"', "recursion", "main.tf:4")
    deep = _dir(tmp_path / "deep", {"main.tf": PROVIDER + 'module "m" {\n  source = "./m"\n}\n',
                                    **{"/".join(["m"] * i) + "/main.tf": 'module "m" {\n  source = "./m"\n}\n'
                                       for i in range(1, 20)}})
    _fails(capsys, deep, 'module "m"', "16 deep", "main.tf:1")


@pytest.mark.parametrize("value, detail", [
    ('"abc"', "number required"), ("null", "is null"), ("[]", "number required"),
    ("1e308", "must be a whole number, greater than or equal to zero"),
    ("-1", "must be a whole number, greater than or equal to zero"),
    ("2.5", "must be a whole number, greater than or equal to zero"), ("true", "number required")])
def test_bad_count(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, detail: str) -> None:
    root = _dir(tmp_path, {"main.tf": _eip(f"  count = {value}")})
    _fails(capsys, root, "Invalid count argument", detail, "main.tf:6", "aws_eip.x")


def test_bad_for_each_and_count_with_for_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dir(tmp_path, {"main.tf": _eip("  for_each = [1, 2]")})
    _fails(capsys, root, 'Invalid for_each argument: The given "for_each" argument value is unsuitable: the '
           '"for_each" argument must be a map, or set of strings, and you have provided a value of type tuple.',
           "main.tf:6", "aws_eip.x")
    both = _dir(tmp_path / "both", {"main.tf": _eip('  count = 1\n  for_each = toset(["a"])')})
    _fails(capsys, both, 'Invalid combination of "count" and "for_each"', "main.tf:7", "aws_eip.x",
           command="check")


def test_for_each_takes_a_set_of_strings_not_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Terraform refuses a list of strings (`for_each = ["a"]`, `keys(...)`): toset() or a set-typed variable."""
    for expr in ('["a", "b"]', 'keys({a = 1})', 'distinct(["a"])'):
        root = _dir(tmp_path / str(abs(hash(expr))), {"main.tf": _eip(f"  for_each = {expr}")})
        _fails(capsys, root, 'provided a value of type tuple.', "main.tf:6", "aws_eip.x")
    numbers = _dir(tmp_path / "numbers", {"main.tf": _eip("  for_each = toset([1, 2])")})
    _fails(capsys, numbers, "provided a value of type set of number.", "main.tf:6")
    typed = PROVIDER + ('variable "names" {\n  type    = set(string)\n  default = ["a", "b", "a"]\n}\n'
                        'resource "aws_eip" "x" {\n  domain   = "vpc"\n  for_each = var.names\n}\n'
                        'resource "aws_eip" "y" {\n  domain   = "vpc"\n'
                        '  for_each = setunion(["c"], keys({d = 1}))\n}\n')
    code, out, err = run(capsys, "breakdown", str(_dir(tmp_path / "typed", {"main.tf": typed})), "--format", "json")
    assert code == 0, err
    addresses = sorted(r["address"] for r in __import__("json").loads(out)["resources"])
    assert addresses == ['aws_eip.x["a"]', 'aws_eip.x["b"]', 'aws_eip.y["c"]', 'aws_eip.y["d"]']


@pytest.mark.parametrize("expr, detail", [
    ('format("%999999999s", "a")', "string limit"), ("range(1e9)", "more than 1024 values"),
    ("1/0", "can't divide by zero")])
def test_expensive_or_failing_functions(tmp_path: Path, capsys: pytest.CaptureFixture[str], expr: str,
                                        detail: str) -> None:
    root = _dir(tmp_path, {"main.tf": PROVIDER + f'locals {{\n  v = {expr}\n}}\n'
                                                 'resource "aws_eip" "x" {\n  domain = local.v\n}\n'})
    _fails(capsys, root, detail, "local.v", "main.tf:5")


def test_instance_limits_checked_before_expanding(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    keys = ",".join(f"k{i}" for i in range(20_000))
    root = _dir(tmp_path, {"main.tf": PROVIDER + f'locals {{\n  keys = toset(split(",", "{keys}"))\n}}\n'
                                                 + _eip("  for_each = local.keys").replace(PROVIDER, "")})
    _fails(capsys, root, "20,000 instances exceed", "10,000", "aws_eip.x")
    many = _dir(tmp_path / "many", {"main.tf": PROVIDER + "".join(
        f'resource "aws_eip" "r{i}" {{}}\n' for i in range(100_000))})
    _fails(capsys, many, "main.tf")  # 100,000 blocks: refused before parsing (file size / block limits)
    monkeypatch.setattr("finguard.terraform.hcl.MAX_INSTANCES", 100)  # the run-wide cap, scaled down
    run_cap = _dir(tmp_path / "run", {"main.tf": PROVIDER + "".join(
        f'resource "aws_eip" "r{i}" {{\n  count = 90\n}}\n' for i in range(2))})
    _fails(capsys, run_cap, "more than 100 instances in this run")


def test_tfvars(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tf = PROVIDER + 'variable "name" {\n  type = string\n}\nresource "aws_eip" "x" {\n  domain = var.name\n}\n'
    root = _dir(tmp_path / "a", {"main.tf": tf, "terraform.tfvars": b'name = "\xff\xfe"\n'})
    _fails(capsys, root, "terraform.tfvars", "UTF-8")
    root = _dir(tmp_path / "b", {"main.tf": tf, "terraform.tfvars": 'name = "a"\nname = "b"\n'})
    _fails(capsys, root, "terraform.tfvars:2", 'Attribute redefined: The argument "name" was already set at '
           "terraform.tfvars:1")
    root = _dir(tmp_path / "c", {"main.tf": tf, "terraform.tfvars": 'name = ["a"]\n'})
    _fails(capsys, root, "Invalid value for input variable", "var.name", "main.tf:4", "string required")


def test_nested_tfvars_values_are_not_redefinitions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tf = PROVIDER + 'variable "tags" {}\nresource "aws_eip" "x" {\n  domain = "vpc"\n  tags = var.tags\n}\n'
    root = _dir(tmp_path, {"main.tf": tf, "terraform.tfvars": 'tags = {\n  a = "1"\n  b = "{"\n}\n'})
    code, _, err = run(capsys, "breakdown", str(root))
    assert code == 0, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_tf_is_refused(tmp_path: Path) -> None:
    root = _dir(tmp_path, {"main.tf": _eip("")})
    os.mkfifo(root / "pipe.tf")
    result = subprocess.run([sys.executable, "-m", "finguard", "breakdown", str(root)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "FINGUARD_NO_HCL_CACHE": "1"})
    assert result.returncode == 2 and "pipe.tf" in result.stderr and "not a regular file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_evaluation_errors_name_variable_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dir(tmp_path, {"main.tf": PROVIDER + 'variable "size" {\n  default = 1 + "x"\n}\n'
                                                 'resource "aws_eip" "x" {\n  domain = var.size\n}\n'})
    _fails(capsys, root, "var.size", "main.tf:4")


def test_long_operator_chains_evaluate_and_the_longest_are_refused(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`a + b + ...` is evaluated in a loop: 200 operands price (no recursion per operand); past 256 operands
    it is one clear error naming the resource, file and line."""
    volume = 'resource "aws_ebs_volume" "v" {{\n  availability_zone = "us-east-1a"\n  size = {size}\n}}\n'
    root = _dir(tmp_path / "fine", {"main.tf": PROVIDER + volume.format(size=" + ".join(["1"] * 200))})
    code, out, err = run(capsys, "breakdown", str(root), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    resources = doc["projects"][0]["resources"] if "projects" in doc else doc["resources"]
    assert [float(c["monthly_quantity"]) for c in resources[0]["components"]] == [200.0]
    root = _dir(tmp_path / "long", {"main.tf": PROVIDER + volume.format(size=" + ".join(["1"] * 300))})
    _fails(capsys, root, "an operator chain of more than 256 operands", "main.tf:", "aws_ebs_volume.v")


@pytest.mark.parametrize(("block", "message"), [
    ('resource "aws_eip" {\n  domain = "vpc"\n}\n', "Missing name for resource: all resource blocks must have 2"),
    ('resource {\n  domain = "vpc"\n}\n', "Missing name for resource"),
    ('resource "aws_eip" "x" "y" {\n  domain = "vpc"\n}\n', "Extraneous label for resource"),
    ('variable {\n  default = 1\n}\n', "Missing name for variable: all variable blocks must have 1"),
    ('locals "x" {\n  a = 1\n}\n', "Extraneous label for locals"),
    ('module "m" "n" {\n  source = "./m"\n}\n', "Extraneous label for module"),
], ids=["resource-one-label", "resource-no-label", "resource-three-labels", "variable", "locals", "module"])
def test_blocks_with_the_wrong_labels_are_refused_as_terraform_refuses_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], block: str, message: str) -> None:
    """Found by the fuzz campaign: `resource "aws_eip" {` read its attributes as if they were resources."""
    root = _dir(tmp_path, {"main.tf": PROVIDER + "\n" + block})
    _fails(capsys, root, message, "main.tf:5")
    _fails(capsys, root, message, "main.tf:5", command="check")


@pytest.mark.parametrize(("top", "message", "line"), [
    ('outpu "x" {\n  value = 1\n}\n',
     'Unsupported block type: Blocks of type "outpu" are not expected here. Did you mean "output"?', "main.tf:5"),
    ('widget {\n  a = 1\n}\n', 'Unsupported block type: Blocks of type "widget" are not expected here.', "main.tf:5"),
    ('region = "us-east-1"\n', 'Unsupported argument: An argument named "region" is not expected here.', "main.tf:5"),
    ('resources = [{ a = 1 }]\n', 'An argument named "resources" is not expected here. Did you mean "resource"?',
     "main.tf:5"),
], ids=["misspelt-output", "unknown-block", "argument", "argument-list-of-objects"])
def test_what_terraform_does_not_take_at_the_top_of_a_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, message: str, line: str) -> None:
    """Found by the fuzz campaign: a misspelt `output` block was ignored, and the error named another file that
    used the output it no longer had."""
    root = _dir(tmp_path, {"main.tf": PROVIDER + "\n" + top + 'resource "aws_eip" "x" {\n  domain = "vpc"\n}\n'})
    _fails(capsys, root, message, line)
    code, _, err = run(capsys, "--keep-going", "breakdown", str(root), "--format", "json")
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(("block", "message", "line"), [
    ('variable "size" {\n  defualt = 10\n}\n',
     'Unsupported argument: An argument named "defualt" is not expected here. Did you mean "default"?', "main.tf:6"),
    ('variable "size" {\n  default = 10\n  check {\n    x = 1\n  }\n}\n',
     'Unsupported block type: Blocks of type "check" are not expected here.', "main.tf:7"),
    ('output "o" {\n  description = "d"\n  valeu = 1\n}\n',
     'An argument named "valeu" is not expected here. Did you mean "value"?', "main.tf:7"),
    ('output "o" {\n  description = "d"\n}\n',
     'Missing required argument: The argument "value" is required, but no definition was found (in output "o").',
     "main.tf:5"),
    ('module "m" {\n  count = 1\n}\n',
     'Missing required argument: The argument "source" is required, but no definition was found (in module "m").',
     "main.tf:5"),
], ids=["variable-typo", "variable-block", "output-typo", "output-without-value", "module-without-source"])
def test_variable_and_output_take_only_their_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      block: str, message: str, line: str) -> None:
    """`defualt = 10` was ignored, and the variable then had no value: Terraform stops at the line."""
    root = _dir(tmp_path, {"main.tf": PROVIDER + "\n" + block + 'resource "aws_eip" "x" {\n  domain = "vpc"\n}\n'})
    _fails(capsys, root, message, line)


def test_values_for_undeclared_variables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A typo on the command line (`--var sise=20`) is Terraform's error; in a variables file, its warning."""
    root = _dir(tmp_path, {
        "main.tf": PROVIDER + 'variable "size" {\n  default = 10\n}\n' 'resource "aws_ebs_volume" "v" {\n'
                              '  availability_zone = "us-east-1a"\n  size = var.size\n}\n',
        "typo.tfvars": 'sise = 20\nsize = 30\n', "nan.tfvars.json": '{"size": NaN}'})
    code, out, err = run(capsys, "--var", "sise=20", "breakdown", str(root))
    assert code == 2 and out == "" and err.strip() == (
        'finguard: error: --var sise: Value for undeclared variable: A variable named "sise" was assigned on the '
        "command line, but the root module does not declare a variable of that name. To use this value, add a "
        '"variable" block to the configuration. Did you mean "size"?')
    code, out, err = run(capsys, "--var-file", str(root / "typo.tfvars"), "breakdown", str(root), "--format", "json")
    assert code == 0, err
    assert 'value for undeclared variable "sise" ignored: the root module declares no variable of that name. ' \
           'Did you mean "size"?' in err
    resources = json.loads(out)["resources"]
    assert [float(c["monthly_quantity"]) for c in resources[0]["components"]] == [30.0]  # the declared one applies
    code, _, err = run(capsys, "--var-file", str(root / "nan.tfvars.json"), "breakdown", str(root))
    assert code == 2 and "nan.tfvars.json: not valid JSON: NaN is not a JSON number" in err
    (root / "deep.tfvars.json").write_text('{"size": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (root / "long.tfvars.json").write_text('{"size": ' + "9" * 5000 + "}")
    for name, message in (("deep", "not a variables file: nested too deeply"),
                          ("long", "not valid JSON: a number has more than 4300 digits")):
        code, _, err = run(capsys, "--var-file", str(root / f"{name}.tfvars.json"), "breakdown", str(root))
        assert code == 2 and err.strip() == f"finguard: error: {root / name}.tfvars.json: {message}"


def test_every_top_level_block_terraform_takes_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dir(tmp_path, {"main.tf": PROVIDER + (
        'terraform {\n  required_version = ">= 1.5"\n}\n'
        'moved {\n  from = aws_eip.old\n  to   = aws_eip.x\n}\n'
        'import {\n  to = aws_eip.x\n  id = "eipalloc-1"\n}\n'
        'removed {\n  from = aws_eip.gone\n  lifecycle {\n    destroy = false\n  }\n}\n'
        'check "health" {\n  assert {\n    condition     = true\n    error_message = "x"\n  }\n}\n'
        'variable "n" {\n  type = number\n  default = 1\n  description = "d"\n  sensitive = false\n'
        '  nullable = false\n  validation {\n    condition     = var.n > 0\n    error_message = "positive"\n  }\n}\n'
        'output "o" {\n  value = var.n\n  description = "d"\n  sensitive = false\n  depends_on = [aws_eip.x]\n'
        '  precondition {\n    condition     = true\n    error_message = "x"\n  }\n}\n'
        'resource "aws_eip" "x" {\n  domain = "vpc"\n}\n')})
    code, out, err = run(capsys, "breakdown", str(root), "--format", "json")
    assert code == 0, err
    assert "aws_eip.x" in out


def test_a_module_input_of_the_wrong_type_names_the_call(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The value is wrong where the module is called, not where the variable is declared: both are named."""
    root = _dir(tmp_path, {
        "main.tf": PROVIDER + 'module "net" {\n  source = "./net"\n  cidrs  = "abc"\n}\n',
        "net/main.tf": 'variable "cidrs" {\n  type = list(string)\n}\n'
                       'resource "aws_eip" "x" {\n  count  = length(var.cidrs)\n  domain = "vpc"\n}\n'})
    line = _fails(capsys, root, "Invalid value for input variable", "var.cidrs", "list required")
    assert "net/main.tf:1" in line and "given by the module call at" in line and "main.tf:4" in line, line


def test_indexing_null_or_a_scalar_says_so_in_terraform_words(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = _dir(tmp_path / "null", {"main.tf": PROVIDER + 'locals {\n  nothing = null\n}\n'
                                                         + _eip('  tags = { a = local.nothing["k"] }')})
    _fails(capsys, root, "cannot index a null value", "main.tf:")
    root = _dir(tmp_path / "text", {"main.tf": PROVIDER + _eip('  tags = { a = "text"[0] }')})
    _fails(capsys, root, "cannot index a string value", "main.tf:")


# -- fuzz -------------------------------------------------------------------------------------------------
_values = st.one_of(
    st.integers(-3, 5).map(str), st.sampled_from(["null", "true", "[]", "{}", "1e308", "2.5", '"abc"', '"2"',
                                                  "1/0", "range(3)", 'toset(["a", "b"])', '{a = 1}', "[1, 2]",
                                                  'format("%5s", "x")', "var.nope", "local.nope"]),
    st.text(alphabet='ab\\"$%{}n\n\t', max_size=12).map(lambda s: '"' + s + '"'))


@fuzz
@fuzz_settings(25)
@given(st.lists(st.tuples(st.sampled_from(["count", "for_each", "domain", "tags"]), _values), max_size=3))
def test_fuzz_resource_blocks(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
                              body: list[tuple[str, str]]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    attrs = "\n".join(f"  {k} = {v}" for k, v in dict(body).items())
    (root / "main.tf").write_text(PROVIDER + f'resource "aws_eip" "x" {{\n{attrs}\n}}\n')
    started = time.monotonic()
    code, out, err = run(capsys, "breakdown", str(root), "--format", "json")
    assert time.monotonic() - started < 30  # a bound that catches hangs, with room for a loaded CI machine
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("finguard: error: "), err
    else:
        assert "-" not in out.split('"monthly_cost"')[-1][:5]


def _many_files(root: Path, count: int = 60) -> Path:
    """Enough files for the reader to parse them on a process pool (and for `check`/`breakdown` to parse ahead)."""
    files = {"main.tf": PROVIDER}
    files |= {f"v{i:03}.tf": f'resource "aws_ebs_volume" "v{i}" {{\n  availability_zone = "us-east-1a"\n'
                             f'  size = {i + 1}\n}}\n' for i in range(count)}
    return _dir(root, files)


def test_parsing_ahead_gives_the_same_project(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`breakdown DIR` starts parsing before it loads its models; the answers are the reader's own."""
    from finguard.terraform import hcl_files

    monkeypatch.setenv("FINGUARD_NO_HCL_CACHE", "1")
    root = _many_files(tmp_path)
    started: list[int] = []
    taken: list[int] = []
    start, take = hcl_files._Prefetch.start, hcl_files._Prefetch.take
    monkeypatch.setattr(hcl_files._Prefetch, "start", lambda self, names: (started.append(len(names)),
                                                                           start(self, names))[1])
    monkeypatch.setattr(hcl_files._Prefetch, "take", lambda self, names: (answers := take(self, names),
                                                                          taken.append(len(answers)))[0])
    outputs = []
    for ahead in (True, False):
        if not ahead:
            monkeypatch.setattr(hcl_files, "prefetch", lambda directory: None)
        out = tmp_path / f"out-{ahead}.json"
        code, _, err = run(capsys, "breakdown", str(root), "--format", "json", "--out", str(out))
        assert code == 0, err
        body = json.loads(out.read_text())
        body.pop("generated_at")
        outputs.append(body)
        assert hcl_files._PREFETCHED.pool is None and not hcl_files._PREFETCHED.chunks  # taken and closed
    assert outputs[0] == outputs[1] and len(outputs[0]["resources"]) == 60
    assert started == [61] and taken == [61, 0]  # the first run parsed every file ahead and used it; the second none


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_parsing_ahead_never_opens_a_fifo_and_ends_cleanly_on_an_early_error(tmp_path: Path) -> None:
    """A FIFO among many .tf files is left to the reader (one clear error, no hang); a run that fails before it
    reads the code (a bad config) stops the workers and says only what is wrong."""
    root = _many_files(tmp_path / "fifo")
    os.mkfifo(root / "pipe.tf")
    env = {**os.environ, "FINGUARD_NO_HCL_CACHE": "1"}
    result = subprocess.run([sys.executable, "-m", "finguard", "breakdown", str(root)], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 2 and "pipe.tf" in result.stderr and "not a regular file" in result.stderr
    code = _many_files(tmp_path / "config", count=400)
    (code / "finguard.yml").write_text("fail_on: [\n")
    result = subprocess.run([sys.executable, "-m", "finguard", "check", str(code)], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 2 and "finguard.yml" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_reference_to_an_undeclared_variable_or_local_says_so(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A variable block lost to a broken edit (the fuzz campaign's unterminated heredoc) or a typo in `var.`/`local.`
    is named as the missing declaration, the way Terraform names it, not as a missing attribute."""
    for ref, needle in (("var.size_typo", 'reference to undeclared input variable var.size_typo (no variable '
                                          '"size_typo" block declares it)'),
                        ("local.size_typo", "reference to undeclared local value local.size_typo (no locals block "
                                            "sets it)")):
        root = _dir(tmp_path / ref, {"main.tf": PROVIDER + 'variable "size" {\n  default = 10\n}\n'
                                     'locals {\n  size = 20\n}\nresource "aws_ebs_volume" "v" {\n'
                                     f'  availability_zone = "us-east-1a"\n  size = {ref}\n}}\n'})
        _fails(capsys, root, "main.tf:", "aws_ebs_volume.v", needle)
    root = _dir(tmp_path / "object", {"main.tf": PROVIDER + 'variable "o" {\n  default = { a = 1 }\n}\n'
                                      'resource "aws_ebs_volume" "v" {\n  availability_zone = "us-east-1a"\n'
                                      '  size = var.o.b\n}\n'})
    _fails(capsys, root, "no attribute 'b'")  # a key missing from a declared value is still that
