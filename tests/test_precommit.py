"""The pre-commit hooks (.pre-commit-hooks.yaml) and their entry point, finguard/commands/precommit.py.

The end-to-end test runs the hooks with pre-commit itself, which builds its own virtualenv and pip-installs
finguard from a git repository (that needs the package index). It uses a snapshot of this work tree
(committed or not) as that repository, with a deterministic commit, and keeps pre-commit's store in a cache
directory outside the repository: the environment is built once per version of the code and reused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from finguard.commands import precommit
from tests.conftest import EXAMPLES, REPO

EKS = EXAMPLES / "eks-platform"
CLEAN_TF = """\
provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "app" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t4g.micro"
  root_block_device {
    encrypted = true
  }
  tags = {
    env         = "dev"
    team        = "payments"
    cost-center = "CC-1234"
  }
}
"""


def _copy_eks(dest: Path) -> Path:
    """examples/terraform/eks-platform's .tf files and its module directory (no plan, no README)."""
    target = dest / "infra" / "eks-platform"
    shutil.copytree(EKS, target, ignore=lambda _dir, names: [n for n in names if n.endswith(".json")])
    return target


# -- the manifest ---------------------------------------------------------------------------------------
def test_manifest_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"finguard-check", "finguard-breakdown"}
    for hook_id, hook in hooks.items():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is True
        assert hook["require_serial"] is True  # one run sees every changed file: roots are deduplicated
        assert re.search(hook["files"], "infra/main.tf") and re.search(hook["files"], "prod.tfvars")
        assert not re.search(hook["files"], "plan.json") and not re.search(hook["files"], "main.tf.bak")
        assert hook["entry"] == f"finguard-precommit {hook_id.removeprefix('finguard-')}"
    scripts = (REPO / "pyproject.toml").read_text()
    assert 'finguard-precommit = "finguard.commands.precommit:console_main"' in scripts


# -- files to root modules -------------------------------------------------------------------------------
def test_changed_files_map_to_unique_root_directories(tmp_path: Path) -> None:
    eks = _copy_eks(tmp_path)
    (tmp_path / "infra" / "web").mkdir()
    (tmp_path / "infra" / "web" / "main.tf").write_text('module "net" {\n  source = "../shared/net"\n}\n')
    (tmp_path / "infra" / "shared" / "net").mkdir(parents=True)
    (tmp_path / "infra" / "shared" / "net" / "main.tf").write_text('resource "aws_vpc" "v" {}\n')
    (tmp_path / "infra" / "web" / "prod.tfvars").write_text('env = "prod"\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text("not terraform\n")
    (tmp_path / "vars-only").mkdir()
    (tmp_path / "vars-only" / "x.tfvars").write_text("a = 1\n")
    files = [str(p.relative_to(tmp_path)) for p in sorted(eks.rglob("*.tf"))]
    files += ["infra/shared/net/main.tf", "infra/web/prod.tfvars", "docs/notes.md", "vars-only/x.tfvars"]
    roots = precommit.terraform_roots(files, top=tmp_path)
    # the eks module (modules/vpc) and the shared module map to their callers; no directory twice
    assert roots == [Path("infra/eks-platform"), Path("infra/web")]


def test_a_module_called_from_two_roots_checks_both(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "main.tf").write_text('module "app" {\n  source = "../modules/app"\n}\n')
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "app" / "main.tf").write_text(
        'resource "aws_s3_object" "o" {\n  source = "./files/x.zip"\n}\n')
    assert precommit.terraform_roots(["modules/app/main.tf"], top=tmp_path) == [Path("dev"), Path("prod")]
    (tmp_path / "stray").mkdir()  # a FIFO and a link to a device named .tf elsewhere in the repository: not read
    os.mkfifo(tmp_path / "stray" / "pipe.tf")
    (tmp_path / "stray" / "zero.tf").symlink_to("/dev/zero")
    found: list[list[Path]] = []
    worker = threading.Thread(target=lambda: found.append(
        precommit.terraform_roots(["modules/app/main.tf"], top=tmp_path)), daemon=True)
    worker.start()
    worker.join(timeout=60)  # a regression fails here instead of hanging the suite
    assert found == [[Path("dev"), Path("prod")]]


def test_no_terraform_files_means_nothing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert precommit.main(["check", "README.md"]) == 0
    assert capsys.readouterr().out == ""


# -- the entry point, in process ---------------------------------------------------------------------------
def test_check_fails_on_the_example_findings_in_under_two_seconds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    eks = _copy_eks(tmp_path)
    monkeypatch.chdir(tmp_path)
    files = [str(p.relative_to(tmp_path)) for p in eks.rglob("*.tf")]
    start = time.perf_counter()
    code = precommit.main(["check", "--fail-on", "medium", *files])
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("$ finguard check") == 1, "one run for the root, none for its module"
    assert re.search(r"FG-TAG-002\s+aws_eks_node_group\.arm\s+\(infra/eks-platform/eks\.tf:\d+\)\s+\[fails\]", out)
    assert elapsed < 2.0, f"took {elapsed:.2f}s"


def test_breakdown_prints_the_cost_and_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _copy_eks(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["breakdown", "infra/eks-platform/eks.tf"]) == 0
    assert "OVERALL TOTAL" in capsys.readouterr().out


def test_options_are_passed_on(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(CLEAN_TF.replace('"t4g.micro"', "var.size") +
                                      'variable "size" {\n  type = string\n}\n')
    (tmp_path / "big.tfvars").write_text('size = "m5.24xlarge"\n')
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["check", "--fail-on", "medium", "main.tf"]) == 0
    out = capsys.readouterr().out
    assert precommit.main(["check", "--var-file", "big.tfvars", "--fail-on", "low", "main.tf"]) == 1
    out = capsys.readouterr().out
    assert "$ finguard --var-file big.tfvars check . --format table --fail-on low" in out
    assert "m5.24xlarge" in out


def test_a_syntax_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_instance" "x" {\n  ami = \n')
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["breakdown", "main.tf"]) == 2
    assert "main.tf" in capsys.readouterr().err


# -- pre-commit itself ---------------------------------------------------------------------------------
NETWORK_TROUBLE = re.compile(
    r"No matching distribution|Could not find a version|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Name or service not known|Network is unreachable|"
    r"Connection refused|Read timed out|ProxyError|SSLError", re.IGNORECASE)


def _cache_dir() -> Path:
    base = os.environ.get("FINGUARD_TEST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "finguard-tests")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _git(*args: str, cwd: Path, **env: str) -> str:
    result = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                            cwd=cwd, capture_output=True, text=True, check=True, env={**os.environ, **env})
    return result.stdout


def _snapshot_of_this_work_tree(cache: Path) -> tuple[Path, str]:
    """A git repository holding this work tree as it is (tracked and untracked files, .gitignore applied),
    committed with fixed names and dates: the same files give the same commit, so pre-commit's cached
    environment for that commit is reused."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git work tree to build the repository pre-commit installs from")
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    snapshot = cache / "pre-commit-snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    snapshot.mkdir(parents=True)
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    fixed = {"GIT_AUTHOR_NAME": "finguard tests", "GIT_AUTHOR_EMAIL": "tests@invalid",
             "GIT_COMMITTER_NAME": "finguard tests", "GIT_COMMITTER_EMAIL": "tests@invalid",
             "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000"}
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=snapshot, **fixed)
    return snapshot, _git("rev-parse", "HEAD", cwd=snapshot).strip()


def _pre_commit(*args: str, cwd: Path, home: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "SKIP": ""}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _work_repo(path: Path, files: dict[str, str] | None = None) -> Path:
    path.mkdir()
    _git("init", "-q", cwd=path)
    if files is None:
        _copy_eks(path)
    else:
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
    _git("add", "-A", cwd=path)
    return path


def test_pre_commit_runs_the_hooks(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[dev]')")
    cache = _cache_dir()
    snapshot, rev = _snapshot_of_this_work_tree(cache)
    home = cache / "pre-commit-home"
    # one config file at a stable path: `pre-commit gc` then drops the environments of older snapshots
    config = cache / "pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": str(snapshot), "rev": rev, "hooks": [
        {"id": "finguard-check", "args": ["--fail-on", "medium"]},
        {"id": "finguard-breakdown"}]}]}))
    dirty = _work_repo(tmp_path / "dirty")

    start = time.perf_counter()
    installed = _pre_commit("install-hooks", "-c", str(config), cwd=dirty, home=home)
    install_seconds = time.perf_counter() - start
    if installed.returncode != 0:
        log = home / "pre-commit.log"
        text = installed.stdout + installed.stderr + (log.read_text(errors="replace") if log.is_file() else "")
        if NETWORK_TROUBLE.search(text):
            pytest.skip("pre-commit could not install finguard into its environment (no access to the package "
                        f"index?): {NETWORK_TROUBLE.search(text).group(0)}")
        pytest.fail(f"pre-commit install-hooks failed:\n{text[-4000:]}")
    print(f"pre-commit install-hooks: {install_seconds:.1f}s")

    failing = _pre_commit("run", "-c", str(config), "finguard-check", "--all-files", cwd=dirty, home=home)
    out = failing.stdout + failing.stderr
    assert failing.returncode == 1, out
    assert "finguard policy check" in out and "Failed" in out
    assert re.search(r"FG-TAG-002\s+aws_eks_node_group\.arm", out), out
    assert out.count("$ finguard") == 1, "the module's files map to the root: one run"

    breakdown = _pre_commit("run", "-c", str(config), "finguard-breakdown", "--all-files", cwd=dirty, home=home)
    assert breakdown.returncode == 0, breakdown.stdout + breakdown.stderr
    assert "OVERALL TOTAL" in breakdown.stdout  # verbose: the cost shows although the hook passes

    clean = _work_repo(tmp_path / "clean", {"infra/main.tf": CLEAN_TF, "README.md": "clean\n"})
    passing = _pre_commit("run", "-c", str(config), "--all-files", cwd=clean, home=home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert re.search(r"finguard policy check\.+Passed", passing.stdout), passing.stdout
    assert re.search(r"finguard cost breakdown\.+Passed", passing.stdout), passing.stdout

    nothing = _work_repo(tmp_path / "nothing", {"README.md": "no terraform\n"})
    skipped = _pre_commit("run", "-c", str(config), "--all-files", cwd=nothing, home=home)
    assert skipped.returncode == 0 and "no files to check" in skipped.stdout, skipped.stdout

    _pre_commit("gc", cwd=dirty, home=home)
