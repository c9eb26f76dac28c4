"""`finguard audit`: many repositories at once (local checkouts, or a GitHub organisation through a fake REST
server written here), aggregates checked against sums done by hand, and the HTML page in a real headless browser.

Prices from the bundled snapshot (us-east-1): m5.large $0.096/h -> 730 h = $70.08; t3.micro $0.0104/h -> $7.592;
gp3 $0.08/GB-month -> 100 GB = $8.00; m5.xlarge $0.192/h -> $140.16; NAT gateway $0.045/h -> $32.85.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from finguard.audit import find_roots

from .plan_builder import PlanBuilder
from .test_cli import run

GOOD_TF = """\
provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../modules/vpc"
}

resource "aws_instance" "web" {
  instance_type = "m5.large"
  tags = { team = "web", env = "prod", cost-center = "CC-1234" }
}

resource "aws_instance" "untagged" {
  instance_type = "t3.micro"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  type              = "gp3"
  size              = 100
  encrypted         = true
  tags              = { team = "web" }
}
"""
MODULE_TF = 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n'
BROKEN_TF = 'resource "aws_instance" "x" {\n  instance_type = \n'
TOKEN = "ghp_fakeTOKEN_do_not_print_0123456789"


def plan_document() -> dict[str, Any]:
    """A fully tagged m5.xlarge with a 50 GB gp3 root volume ($144.16), a NAT gateway missing cost-center
    ($32.85), and a deleted instance (not counted)."""
    builder = PlanBuilder(default_tags={"team": "data", "env": "prod"})
    builder.add("aws_instance.api", {
        "instance_type": "m5.xlarge",
        "root_block_device": [{"volume_type": "gp3", "volume_size": 50, "encrypted": True}],
        "tags": {"cost-center": "CC-0042"}, "tags_all": {"team": "data", "env": "prod", "cost-center": "CC-0042"}})
    builder.add("aws_nat_gateway.egress", {"connectivity_type": "public", "tags": None,
                                           "tags_all": {"team": "data", "env": "prod"}})
    builder.add("aws_instance.old", None, before={"instance_type": "c5.large"})
    return builder.build()


def write_repo(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True)  # a checkout: no finguard.yml is searched for above it
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


GOOD_FILES = {"envs/prod/main.tf": GOOD_TF, "modules/vpc/main.tf": MODULE_TF, "README.md": "# infra\n"}
PLAN_FILES = {"stack/plan.json": json.dumps(plan_document())}


@pytest.fixture()
def repos(tmp_path: Path) -> dict[str, Path]:
    return {
        "good": write_repo(tmp_path / "good", GOOD_FILES),
        "broken": write_repo(tmp_path / "broken", {"main.tf": BROKEN_TF}),
        "plans": write_repo(tmp_path / "plans", PLAN_FILES),
    }


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "audit", *args, "--format", "json")
    return code, json.loads(out), err


def by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in doc["repos"]}


# -- roots -------------------------------------------------------------------------------------------------
def test_roots_skip_modules_and_hidden_directories_and_prefer_plans(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {
        "main.tf": "", "envs/dev/main.tf": "", "modules/db/main.tf": "", "envs/dev/modules/x/main.tf": "",
        ".terraform/modules/m/main.tf": "", ".github/x.tf": "", "stack/main.tf": "", "stack/plan.json": "{}",
        "stack/prod.plan.json": "{}", "other/tfplan.json": "{}", "docs/notes.json": "{}"})
    roots = [(p.relative_to(repo).as_posix(), kind) for p, kind in find_roots(repo)]
    assert roots == [(".", "hcl"), ("envs/dev", "hcl"), ("other/tfplan.json", "plan"),
                     ("stack/plan.json", "plan"), ("stack/prod.plan.json", "plan")]


# -- local checkouts ---------------------------------------------------------------------------------------
def test_local_audit_aggregates_by_hand(capsys: pytest.CaptureFixture[str], repos: dict[str, Path]) -> None:
    code, doc, err = audit_json(capsys, str(repos["good"]), str(repos["broken"]), str(repos["plans"]))
    assert code == 0  # without --fail-on an audit reports, it does not gate
    assert doc["schema"] == "finguard/audit" and doc["version"] == 1 and doc["source"] == {"kind": "local"}
    repo = by_name(doc)
    assert list(repo) == ["good", "broken", "plans"]

    good = repo["good"]
    # 70.08 (m5.large) + 7.592 (t3.micro) + 8.00 (100 GB gp3); the VPC in modules/ is free and read through
    # the module call, not as a root of its own
    assert good["ok"] and good["monthly_cost"] == 85.67 and good["resources"] == 4 and not good["complete"]
    assert [r["path"] for r in good["roots"]] == ["envs/prod"] and good["roots"][0]["kind"] == "hcl"
    # 3 taggable resources (the VPC, both instances, the volume: 4) and only aws_instance.web carries all tags
    assert good["tag_coverage"] == {"taggable": 4, "fully_tagged": 1, "resource_percent": 25,
                                    "taggable_monthly_cost": 85.67, "tagged_monthly_cost": 70.08,
                                    "cost_percent": 81.8}  # 70.08 / 85.672
    tag_findings = [f for f in good["finding_list"] if f["policy_id"] == "FG-TAG-001"]
    assert sorted(f["address"] for f in tag_findings) == ["aws_ebs_volume.data", "aws_instance.untagged",
                                                         "module.network.aws_vpc.this"]
    assert all(f["failing"] for f in tag_findings)
    assert {f["file"] for f in tag_findings} == {"envs/prod/main.tf", "modules/vpc/main.tf"}

    broken = repo["broken"]
    assert not broken["ok"] and broken["resources"] == 0 and broken["monthly_cost"] == 0
    assert len(broken["errors"]) == 1
    assert broken["errors"][0].startswith("main.tf:2") and "HCL syntax error" in broken["errors"][0]
    assert broken["roots"][0]["error"]

    plans = repo["plans"]
    # 140.16 + 4.00 (50 GB gp3 root volume) + 32.85; the deleted instance is not counted
    assert plans["ok"] and plans["monthly_cost"] == 177.01 and plans["resources"] == 2 and plans["complete"]
    assert plans["roots"] == [{"path": "stack/plan.json", "kind": "plan", "resources": 2, "monthly_cost": 177.01,
                               "complete": True, "warnings": 0, "error": None}]
    assert plans["tag_coverage"]["resource_percent"] == 50 and plans["tag_coverage"]["cost_percent"] == 81.4

    summary = doc["summary"]
    assert summary["repos"] == 3 and summary["repos_with_errors"] == 1 and summary["roots"] == 3
    assert summary["resources"] == 6 and summary["monthly_cost"] == 262.68  # 85.672 + 177.01
    assert summary["findings"] == good["findings"] + plans["findings"]
    assert summary["by_severity"] == {s: good["by_severity"][s] + plans["by_severity"][s]
                                      for s in ("critical", "high", "medium", "low", "info")}
    assert summary["failing"] == good["failing"] + plans["failing"] > 0
    tags = doc["tag_coverage"]
    assert tags["required_tags"] == ["team", "env", "cost-center"]
    assert (tags["taggable"], tags["fully_tagged"], tags["resource_percent"]) == (6, 2, 33.3)
    assert tags["tagged_monthly_cost"] == 214.24 and tags["cost_percent"] == 81.6  # 214.24 / 262.682

    tag_row = next(p for p in doc["by_policy"] if p["policy_id"] == "FG-TAG-001")
    assert tag_row["findings"] == 4 and tag_row["repos"] == 2 and tag_row["severity"] == "high"
    assert sum(p["findings"] for p in doc["by_policy"]) == summary["findings"]

    top = [(t["repo"], t["address"], t["monthly_cost"]) for t in doc["top_resources"]]
    assert top == [("plans", "aws_instance.api", 144.16), ("good", "aws_instance.web", 70.08),
                   ("plans", "aws_nat_gateway.egress", 32.85), ("good", "aws_ebs_volume.data", 8),
                   ("good", "aws_instance.untagged", 7.59)]

    # good: FG-TAG-001 x3, FG-CMP-004 (Graviton) x2; plans: FG-TAG-001 (NAT gateway), FG-CMP-004, and FG-COST-002
    # (the plan adds $114.96/month over the deleted c5.large, above the 25% limit)
    assert (good["by_severity"]["high"], good["by_severity"]["low"], good["findings"]) == (3, 2, 5)
    assert sorted(f["policy_id"] for f in plans["finding_list"]) == ["FG-CMP-004", "FG-COST-002", "FG-TAG-001"]
    assert summary["by_severity"] == {"critical": 0, "high": 5, "medium": 0, "low": 3, "info": 0}

    assert err.splitlines()[:3] == [
        "[1/3] good: 4 resources, >= $85.67/month, 5 findings",
        f"[2/3] broken: error: {broken['errors'][0]}",
        "[3/3] plans: 2 resources, $177.01/month, 3 findings"]


def test_top_n_and_quiet(capsys: pytest.CaptureFixture[str], repos: dict[str, Path]) -> None:
    code, doc, err = audit_json(capsys, str(repos["good"]), str(repos["plans"]), "--top", "2", "--quiet")
    assert code == 0 and "[1/2]" not in err
    assert [t["address"] for t in doc["top_resources"]] == ["aws_instance.api", "aws_instance.web"]


def test_fail_on(capsys: pytest.CaptureFixture[str], repos: dict[str, Path]) -> None:
    code, doc, _ = audit_json(capsys, str(repos["good"]), str(repos["plans"]), "--fail-on", "high")
    assert code == 1 and doc["failed"] and doc["fail_on"] == "high"
    code, doc, _ = audit_json(capsys, str(repos["good"]), str(repos["plans"]), "--fail-on", "critical")
    assert code == 0 and not doc["failed"] and doc["summary"]["failing"] == 0
    # a repository that cannot be read fails closed, like a policy error
    code, doc, _ = audit_json(capsys, str(repos["good"]), str(repos["broken"]), "--fail-on", "critical")
    assert code == 1 and doc["failed"] and doc["summary"]["failing"] == 0


def test_config_applies_to_every_repository(capsys: pytest.CaptureFixture[str], repos: dict[str, Path],
                                            tmp_path: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\ntaxonomy:\n  required_tags: [team]\npolicies:\n  disable: [FG-CMP-004]\n")
    code, doc, _ = audit_json(capsys, str(repos["good"]), str(repos["plans"]), "--config", str(config))
    assert code == 0 and doc["tag_coverage"]["required_tags"] == ["team"]
    # team is on aws_instance.web, the volume, and both plan resources (default_tags)
    assert (doc["tag_coverage"]["taggable"], doc["tag_coverage"]["fully_tagged"]) == (6, 4)
    assert not any(p["policy_id"] == "FG-CMP-004" for p in doc["by_policy"])


def test_markdown_report(capsys: pytest.CaptureFixture[str], repos: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "audit", str(repos["good"]), str(repos["broken"]), str(repos["plans"]), "-q")
    assert code == 0 and out.startswith("### finguard audit: 3 repositories")
    assert "**3 repositories** (1 with errors), **6 resources**, **>= $262.68/month**" in out
    assert "| `good` | 1 | 4 | >= $85.67 |" in out and "| `plans` | 1 | 2 | $177.01 |" in out
    assert "| `broken` | 1 | 0 |" in out and ":x: 1 error |" in out
    assert "**33.3%** of taggable resources (2 of 6), **81.6%** of their monthly cost ($214.24 of $262.68)" in out
    assert "| 1 | `plans` | `stack/plan.json` | `aws_instance.api` | `aws_instance` | $144.16 |" in out
    assert "#### Errors" in out and "- `broken`: main.tf:2" in out


def test_writes_out_file(capsys: pytest.CaptureFixture[str], repos: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "reports" / "audit.json"
    code, out, err = run(capsys, "audit", str(repos["plans"]), "--format", "json", "--out", str(target), "-q")
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert json.loads(target.read_text())["summary"]["monthly_cost"] == 177.01


def test_usage_and_input_errors(capsys: pytest.CaptureFixture[str], repos: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(capsys, "audit")
    assert code == 2 and "nothing to audit" in err
    code, _, err = run(capsys, "audit", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in err
    bad = tmp_path / "bad.yml"
    bad.write_text("taxonomy:\n  required_tag: [team]\n")
    code, out, err = run(capsys, "audit", str(repos["good"]), "--config", str(bad))
    assert code == 2 and out == "" and "unknown key 'taxonomy.required_tag'" in err
    code, _, _ = run(capsys, "audit", str(repos["good"]), "--format", "sarif")
    assert code == 2


AUDIT_SCHEMA = {
    "type": "object",
    "required": ["schema", "version", "generated_at", "source", "fail_on", "failed", "summary", "tag_coverage",
                 "by_policy", "top_resources", "repos"],
    "properties": {
        "schema": {"const": "finguard/audit"}, "version": {"const": 1},
        "summary": {"type": "object", "required": ["repos", "repos_with_errors", "roots", "resources",
                                                   "monthly_cost", "complete", "findings", "by_severity", "failing"]},
        "tag_coverage": {"type": "object", "required": ["required_tags", "taggable", "fully_tagged",
                                                        "resource_percent", "cost_percent"]},
        "by_policy": {"type": "array", "items": {"type": "object", "required": [
            "policy_id", "title", "severity", "findings", "failing", "repos", "by_severity"]}},
        "top_resources": {"type": "array", "items": {"type": "object", "required": [
            "repo", "root", "address", "type", "monthly_cost", "complete"],
            "properties": {"monthly_cost": {"type": "number"}}}},
        "repos": {"type": "array", "items": {"type": "object", "required": [
            "name", "source", "ok", "errors", "resources", "monthly_cost", "complete", "findings", "by_severity",
            "failing", "tag_coverage", "roots", "finding_list"],
            "properties": {
                "errors": {"type": "array", "items": {"type": "string"}},
                "roots": {"type": "array", "items": {"type": "object", "required": [
                    "path", "kind", "resources", "monthly_cost", "complete", "error"],
                    "properties": {"kind": {"enum": ["hcl", "plan"]}}}},
                "finding_list": {"type": "array", "items": {"type": "object", "required": [
                    "root", "policy_id", "severity", "address", "message", "file", "line", "failing"]}}}}},
    },
}


def test_json_matches_its_schema(capsys: pytest.CaptureFixture[str], repos: dict[str, Path]) -> None:
    import jsonschema

    _, doc, _ = audit_json(capsys, *(str(p) for p in repos.values()), "-q")
    jsonschema.validate(doc, AUDIT_SCHEMA)


# -- a GitHub organisation, through a fake REST API -----------------------------------------------------------
class FakeGitHub:
    """Just enough of the GitHub REST API for PyGithub: an organisation, its repositories (2 per page, with a
    Link header), git trees (recursive, or one level) and blobs. Every request needs the token."""

    PAGE = 2

    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[str, dict[str, Any]] = {}  # name -> {"files": {...}, "status": int|None, "truncated"}
        self.requests: list[str] = []
        self.unauthorised = 0
        self.base = ""

    def add(self, name: str, files: dict[str, str], *, status: int | None = None, truncated: bool = False) -> None:
        self.repos[name] = {"files": files, "status": status, "truncated": truncated}

    # git objects, by content hash
    def _blobs(self, name: str) -> dict[str, bytes]:
        return {hashlib.sha1(t.encode()).hexdigest(): t.encode() for t in self.repos[name]["files"].values()}

    def _tree(self, name: str, prefix: str, recursive: bool) -> list[dict[str, Any]]:
        files = self.repos[name]["files"]
        entries: dict[str, dict[str, Any]] = {}
        for path, text in sorted(files.items()):
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            parts = rel.split("/")
            for depth in range(1, len(parts)):
                if recursive or depth == 1:
                    sub = "/".join(parts[:depth])
                    entries.setdefault(sub, {"path": sub, "mode": "040000", "type": "tree",
                                             "sha": self._tree_sha(prefix + sub)})
            if recursive or len(parts) == 1:
                entries[rel] = {"path": rel, "mode": "100644", "type": "blob", "size": len(text),
                                "sha": hashlib.sha1(text.encode()).hexdigest()}
        return list(entries.values())

    @staticmethod
    def _tree_sha(path: str) -> str:
        return hashlib.sha1(f"tree:{path}".encode()).hexdigest()

    def _repo_json(self, name: str) -> dict[str, Any]:
        return {"id": abs(hash(name)) % 10**6, "name": name.split("/")[1], "full_name": name,
                "owner": {"login": name.split("/")[0]}, "private": False, "default_branch": "main",
                "url": f"{self.base}/repos/{name}", "html_url": f"https://github.example/{name}"}

    def handle(self, method: str, raw_path: str, headers: Any) -> tuple[int, dict[str, str], Any]:
        self.requests.append(raw_path)
        if headers.get("Authorization") != f"token {self.token}":
            self.unauthorised += 1
            return 401, {}, {"message": "Bad credentials"}
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if method != "GET":
            return 405, {}, {"message": "read only"}
        if parts[:1] == ["orgs"] and len(parts) == 2:
            return 200, {}, {"login": parts[1], "id": 1, "url": f"{self.base}/orgs/{parts[1]}"}
        if parts[:1] == ["orgs"] and parts[2:] == ["repos"]:
            names = sorted(n for n in self.repos if n.startswith(f"{parts[1]}/"))
            page = int(query.get("page", ["1"])[0])
            chunk = names[(page - 1) * self.PAGE: page * self.PAGE]
            extra = {}
            if page * self.PAGE < len(names):
                extra["Link"] = f'<{self.base}/orgs/{parts[1]}/repos?page={page + 1}>; rel="next"'
            return 200, extra, [self._repo_json(n) for n in chunk]
        if parts[:1] == ["repos"] and len(parts) >= 3:
            name = f"{parts[1]}/{parts[2]}"
            if name not in self.repos:
                return 404, {}, {"message": "Not Found"}
            if len(parts) == 3:
                return 200, {}, self._repo_json(name)
            repo = self.repos[name]
            if repo["status"] is not None:
                return repo["status"], {}, {"message": "Not Found" if repo["status"] == 404 else
                                            "Git Repository is empty."}
            if parts[3:5] == ["git", "trees"]:
                sha = parts[5]
                if sha == "main":
                    recursive = query.get("recursive") == ["1"]
                    tree = self._tree(name, "", recursive)
                    return 200, {}, {"sha": self._tree_sha(""), "tree": tree,
                                     "truncated": recursive and repo["truncated"]}
                dirs = {self._tree_sha(d): d for p in repo["files"] for d in _parents(p)}
                if sha in dirs:
                    return 200, {}, {"sha": sha, "tree": self._tree(name, dirs[sha] + "/", False),
                                     "truncated": False}
            if parts[3:5] == ["git", "blobs"] and parts[5] in self._blobs(name):
                data = self._blobs(name)[parts[5]]
                return 200, {}, {"sha": parts[5], "size": len(data), "encoding": "base64",
                                 "content": base64.encodebytes(data).decode()}
        return 404, {}, {"message": "Not Found"}


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


@contextmanager
def fake_github(api: FakeGitHub) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = api.handle("GET", self.path, self.headers)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api.base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_org_audit_through_the_github_api(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    api = FakeGitHub(TOKEN)
    api.add("acme/infra", {**GOOD_FILES, ".github/workflows/ci.tf": BROKEN_TF}, truncated=True)
    api.add("acme/plans", PLAN_FILES)
    api.add("acme/gone", {"main.tf": MODULE_TF}, status=404)
    api.add("acme/empty", {}, status=409)
    api.add("acme/docs", {"README.md": "# docs\n"})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_github(api) as base:
        code, out, err = run(capsys, "audit", "--org", "acme", "--github-api-url", base, "--format", "json")
    assert TOKEN not in out and TOKEN not in err and api.unauthorised == 0
    assert code == 0
    doc = json.loads(out)
    assert doc["source"] == {"kind": "github", "org": "acme", "api_url": base}
    repo = by_name(doc)
    assert sorted(repo) == ["acme/docs", "acme/empty", "acme/gone", "acme/infra", "acme/plans"]
    # pages of 2: the Link header was followed to page 3
    assert any("/orgs/acme/repos?page=3" in r for r in api.requests)

    infra = repo["acme/infra"]
    assert infra["ok"] and infra["monthly_cost"] == 85.67 and infra["resources"] == 4
    assert infra["source"] == "https://github.example/acme/infra"
    assert [r["path"] for r in infra["roots"]] == ["envs/prod"]  # .github/ is not fetched, modules/ is no root
    assert {f["file"] for f in infra["finding_list"] if f["file"]} <= {"envs/prod/main.tf", "modules/vpc/main.tf"}
    assert repo["acme/plans"]["monthly_cost"] == 177.01 and repo["acme/plans"]["roots"][0]["path"] == "stack/plan.json"
    gone = repo["acme/gone"]
    assert not gone["ok"] and "404" in gone["errors"][0] and gone["roots"] == []
    assert repo["acme/empty"]["ok"] and repo["acme/empty"]["roots"] == []
    assert repo["acme/docs"]["ok"] and repo["acme/docs"]["roots"] == []
    assert doc["summary"]["monthly_cost"] == 262.68 and doc["summary"]["repos_with_errors"] == 1

    # only Terraform was fetched: the README's blob never was, and the truncated tree was walked level by level
    readme = hashlib.sha1(b"# infra\n").hexdigest()
    assert not any(readme in r for r in api.requests)
    assert any("/repos/acme/infra/git/trees/" in r and "recursive" not in r for r in api.requests)
    assert "[4/5] acme/infra: 4 resources, >= $85.67/month" in err
    assert "acme/gone: error: GitHub API error 404" in err


def test_org_errors_exit_2_without_the_token(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    api = FakeGitHub("another-token")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_github(api) as base:
        code, out, err = run(capsys, "audit", "--org", "acme", "--github-api-url", base)
    assert code == 2 and out == "" and "cannot list the repositories of organisation 'acme'" in err
    assert "401" in err and TOKEN not in err


# -- the HTML page in a real browser ------------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_html_report_in_headless_chromium(capsys: pytest.CaptureFixture[str], repos: dict[str, Path],
                                          tmp_path: Path) -> None:
    from .browser import Browser, chromium_path

    if chromium_path() is None:
        pytest.skip("chromium is not installed: .ci/run installs Debian's (apt-get install chromium); "
                    "the HTML report could not be checked in a browser")
    page = tmp_path / "audit.html"
    code, _, _ = run(capsys, "audit", *(str(p) for p in repos.values()), "--format", "html", "--out", str(page),
                     "-q")
    assert code == 0
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")

    bad = tmp_path / "bad.html"  # proves the capture sees what it must: a console error, an exception, a 404
    bad.write_text('<!doctype html><title>bad</title><img src="missing.png" alt="">'
                   '<script>console.error("boom"); throw new Error("kaput")</script>')
    with Browser() as browser:
        shot = browser.load(page)
        counts = {s: browser.evaluate(f"document.querySelectorAll({json.dumps(s)}).length") for s in (
            "tr.repo", "svg.chart[role=img]", "#chart-cost rect.bar", "#chart-severity path.donut-segment",
            "#chart-tags rect.bar", "svg.chart > title", "svg.chart > desc", "#errors li", "#top-resources tbody tr")}
        widest = browser.evaluate("document.querySelector('#chart-cost g[data-label=\"plans\"] rect.bar')"
                                  ".getAttribute('width')")
        control = browser.load(bad)

    assert shot.title == "finguard audit: 3 repositories"
    assert shot.errors == [], shot.messages
    assert [m for m in shot.messages if m.level == "warning"] == []
    assert shot.requests == [shot.url]  # self-contained: nothing but the page itself is loaded
    for name in ("good", "broken", "plans"):
        assert f'data-repo="{name}"' in shot.dom
    # bars: cost for the 3 repositories with Terraform, coverage for the 2 with taggable resources; the donut has a
    # segment for each severity found (high, low)
    assert counts == {"tr.repo": 3, "svg.chart[role=img]": 3, "#chart-cost rect.bar": 3,
                      "#chart-severity path.donut-segment": 2, "#chart-tags rect.bar": 2, "svg.chart > title": 3,
                      "svg.chart > desc": 3, "#errors li": 1, "#top-resources tbody tr": 5}
    assert Decimal(widest) == 320  # the costliest repository spans the whole bar area
    assert len(shot.screenshot) > 10_000 and png_size(shot.screenshot) == (1280, 1600)

    texts = [m.text for m in control.errors]
    assert "boom" in texts and any("kaput" in t for t in texts) and any("missing.png" in t for t in texts)
