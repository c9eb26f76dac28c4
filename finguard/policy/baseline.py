"""The baseline: findings a team accepted on purpose (`check --write-baseline`), so that only new ones fail.

A JSON file, {"schema": "finguard/baseline", "version": 1, "findings": [{"policy", "address", "message"}]}.
Read through the strict JSON reader and validated whole: an entry with a missing, misspelt or non-text field
would otherwise match nothing and fail the build for findings the team believes are accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finguard.errors import InputError
from finguard.json_input import json_path, load_json
from finguard.output_file import write_output
from finguard.policy.model import CheckResult, FindingKind

BASELINE_SCHEMA = "finguard/baseline"


class BaselineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    policy: str = Field(min_length=1)
    address: str = Field(min_length=1)  # "<project>" for project-wide findings
    message: str

    @property
    def fingerprint(self) -> str:
        """The same key as Finding.fingerprint."""
        return f"{self.policy}|{self.address}|{self.message}"


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
    schema_id: Literal["finguard/baseline"] = Field(alias="schema")
    version: Literal[1]
    findings: list[BaselineEntry] = Field(default_factory=list)


def write_baseline(result: CheckResult, path: Path) -> int:
    entries = sorted({(f.policy_id, f.address or "<project>", f.message) for f in result.findings
                      if f.suppressed is None and f.kind in (FindingKind.VIOLATION, FindingKind.WARNING)})
    doc = BaselineFile(schema_id=BASELINE_SCHEMA, version=1,
                       findings=[BaselineEntry(policy=p, address=a, message=m) for p, a, m in entries])
    write_output(json.dumps(doc.model_dump(by_alias=True), indent=2) + "\n", path, "baseline")
    return len(entries)


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints of the accepted findings; every problem is one InputError naming the file and where."""
    if not path.exists():
        raise InputError("baseline file not found (create it with --write-baseline)", where=str(path))
    raw = load_json(path, "a finguard baseline")
    if not isinstance(raw, dict) or raw.get("schema") != BASELINE_SCHEMA:
        raise InputError(f'not a finguard baseline (expected "schema": "{BASELINE_SCHEMA}")', where=str(path))
    if raw.get("version") != 1 or isinstance(raw.get("version"), bool):
        raise InputError(f"unsupported baseline version {raw.get('version')!r} (this finguard reads version 1)",
                         where=str(path))
    try:
        doc = BaselineFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"invalid baseline at {json_path(err['loc'])}: {err['msg']}", where=str(path)) from None
    return frozenset(entry.fingerprint for entry in doc.findings)
