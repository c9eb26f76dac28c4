"""Options and environment settings: float options refuse NaN and Infinity with click's one-line usage error
(exit 2) before any work starts; an environment setting with an unknown value is reported, not ignored."""

from __future__ import annotations

import pytest

from .conftest import REPO
from .test_cli import run

WASTE = ["waste", "--inventory", str(REPO / "examples" / "waste" / "inventory")]
K8S = ["k8s", "allocate", str(REPO / "examples" / "k8s" / "snapshots")]


@pytest.mark.parametrize("command, option", [(WASTE, "--min-savings"), (WASTE, "--fail-on-savings"),
                                             (K8S, "--lookback")], ids=["min-savings", "fail-on-savings", "lookback"])
@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf"])
def test_non_finite_floats_are_refused(capsys: pytest.CaptureFixture[str], command: list[str], option: str,
                                       value: str) -> None:
    code, out, err = run(capsys, *command, option, value)
    assert code == 2 and out == ""
    assert f"Invalid value for '{option}'" in err and "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("variable, value, command", [
    ("FINGUARD_PROGRESS", "yes", ["audit", str(REPO / "examples" / "terraform" / "web-app")]),
    ("FINGUARD_HCL_PARSER", "lark", ["breakdown", str(REPO / "examples" / "terraform" / "web-app")]),
])
def test_unknown_environment_settings_are_reported_not_silently_ignored(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
        command: list[str]) -> None:
    import finguard.progress
    import finguard.terraform.hcl_files

    monkeypatch.setattr(finguard.progress, "_WARNED", [])
    monkeypatch.setattr(finguard.terraform.hcl_files, "_PARSER", [])  # the parser choice is made once per process
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("FINGUARD_NO_HCL_CACHE", "1")
    code, _, err = run(capsys, *command)
    assert code == 0
    assert f"warning: {variable}={value!r}" in err and "ignored" in err
