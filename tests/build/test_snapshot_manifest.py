"""The bundled snapshot is what the pipeline builds: manifest hashes match, every table parses, and
rebuilding from ../shared gives the same bytes (so nobody edits a table by hand)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from finguard.pricing.build.pipeline import MANIFEST, REPORT, build
from finguard.pricing.build.registry import discover
from finguard.pricing.snapshot import load_snapshot, pricing_data_dir
from finguard.pricing.table import read_table

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def test_manifest_hashes_match_the_tables_and_list_every_table() -> None:
    root = pricing_data_dir()
    manifest = json.loads((root / MANIFEST).read_text())
    listed = {t["path"] for t in manifest["tables"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.glob("*/*.tsv")}
    assert listed == on_disk
    for table in manifest["tables"]:
        assert hashlib.sha256((root / table["path"]).read_bytes()).hexdigest() == table["sha256"], table["path"]


def test_every_price_names_a_source_the_manifest_describes() -> None:
    snapshot = load_snapshot()
    known = {s.id for s in snapshot.sources}
    used = set()
    count = 0
    for path in snapshot.tables:
        _, _, cells = read_table(path)
        for cell in cells:
            used.add(cell.source)
            count += 1
    assert used <= known
    assert count > 50_000
    for source in snapshot.sources:
        assert source.published or source.id.startswith(("infracost-golden", "data-app-infracost-golden")), source.id


@pytest.mark.skipif(not (SHARED / "pricing").is_dir(), reason="../shared/pricing (the public price feeds) is absent")
def test_rebuilding_from_the_feeds_reproduces_the_snapshot(tmp_path: Path) -> None:
    root = pricing_data_dir()
    retrieved = max(s.retrieved or "" for s in load_snapshot().sources)  # the build date (seed rows keep theirs)
    out = tmp_path / "pricing_data"
    result = build(discover(), SHARED, out, retrieved)
    assert not result.missing_adapters
    for table in json.loads((root / MANIFEST).read_text())["tables"]:
        assert (out / table["path"]).read_bytes() == (root / table["path"]).read_bytes(), table["path"]
    assert (out / MANIFEST).read_text() == (root / MANIFEST).read_text()
    assert (out / REPORT).exists()


def test_snapshot_directory_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "pd"
    shutil.copytree(pricing_data_dir(), copy, ignore=shutil.ignore_patterns("seed", "*.py", "*.jsonl"))
    monkeypatch.setenv("FINGUARD_PRICING_DATA", str(copy))
    assert pricing_data_dir() == copy
    monkeypatch.setenv("FINGUARD_PRICING_DATA", str(tmp_path / "nowhere"))
    from finguard.errors import InputError

    with pytest.raises(InputError, match=r"no manifest\.json"):
        pricing_data_dir()


def test_a_corrupt_snapshot_is_an_input_error_naming_file_and_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from finguard.cli import main

    copy = tmp_path / "pd"
    shutil.copytree(pricing_data_dir(), copy, ignore=shutil.ignore_patterns("seed", "*.py", "*.jsonl"))
    table = copy / "aws" / "AWSELB.tsv"
    lines = table.read_text().splitlines()
    lines[6] = lines[6].replace("\t0.", "\tNaN0.", 1)
    table.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("FINGUARD_PRICING_DATA", str(copy))
    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FINGUARD_CATALOG", raising=False)
    from finguard.pricing.snapshot import snapshot_digest

    snapshot_digest.cache_clear()
    with pytest.raises(SystemExit) as exit_info:
        main(["pricing", "lookup", "--service", "AWSELB", "--region", "eu-west-1"])
    snapshot_digest.cache_clear()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert f"{table}:7" in err and "not a non-negative finite number" in err
    assert "Traceback" not in err
