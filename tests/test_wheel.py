"""A wheel built from the repository carries the price snapshot and prices without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAX_WHEEL_MB = 15.0


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling (a dev dependency) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(REPO)], check=True, capture_output=True, timeout=300)
    (path,) = out.glob("finguard-*.whl")
    return path


def test_wheel_is_small_and_ships_only_the_runtime_snapshot(wheel: Path) -> None:
    assert wheel.stat().st_size / 1e6 <= MAX_WHEEL_MB
    names = zipfile.ZipFile(wheel).namelist()
    assert "finguard/_pricing_data/manifest.json" in names
    assert any(n.startswith("finguard/_pricing_data/aws/") and n.endswith(".tsv") for n in names)
    assert not [n for n in names if "_pricing_data/seed" in n or n.endswith(".jsonl")]


def test_installed_wheel_prices_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "FINGUARD_HOME": str(tmp_path / "home")}
    env.pop("FINGUARD_PRICING_DATA", None)
    env.pop("FINGUARD_CATALOG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "finguard", "pricing", "lookup", "--service", "AmazonEC2", "--region", "eu-west-1",
         "--filter", "instanceType=m5.large", "--filter", "operatingSystem=Linux", "--filter", "tenancy=Shared",
         "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"usd": "0.107"' in proc.stdout
    where = subprocess.run([sys.executable, "-c", "import finguard; print(finguard.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site))
