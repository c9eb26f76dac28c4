"""Where a resource is declared in .tf code, and the inline suppressions written at it.

A plan carries no file/line, but its configuration names each module's `source`; finguard scans the
root directory and local module directories for `resource "TYPE" "NAME" {` blocks. Inline
suppressions are comments right above the block or inside it:

    # finguard:ignore FG-TAG-001 reason="legacy stack, migrating" until=2027-03-31
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from finguard.errors import InputError
from finguard.terraform.addresses import config_address
from finguard.terraform.hcl_files import MAX_FILE_BYTES

_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{')
_IGNORE = re.compile(r"(?:#|//)\s*finguard:ignore\s+(?P<ids>[\w.,*-]+)(?P<rest>.*)$")
_KV = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))')


@dataclass(slots=True)
class InlineSuppression:
    policy_ids: list[str]
    reason: str
    until: date | None
    file: str
    line: int

    def covers(self, policy_id: str) -> bool:
        return any(pid == "*" or pid == policy_id for pid in self.policy_ids)


@dataclass(slots=True)
class Declaration:
    file: str
    line: int
    suppressions: list[InlineSuppression] = field(default_factory=list)


class SourceMap:
    """Configuration address ("module.net.aws_nat_gateway.this") -> Declaration."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.declarations: dict[str, Declaration] = {}
        self.problems: list[str] = []  # malformed suppression comments: reported, never ignored
        self._texts: Mapping[Path, str] = {}

    @classmethod
    def scan(cls, root: Path, module_sources: dict[str, str], relative_to: Path | None = None,
             texts: Mapping[Path, str] | None = None) -> SourceMap:
        """`texts`: the files' contents where the caller has read them already (HCL mode), keyed by resolved path."""
        smap = cls()
        smap.root = root.resolve()
        base = relative_to or root
        smap._texts = texts or {}
        smap._scan_dir(root, "", base)
        for module_path, source in sorted(module_sources.items()):
            if not source.startswith(("./", "../")):
                continue  # registry and git modules have no local code to point at
            parent = _module_dir(root, module_sources, module_path.rsplit(".module.", 1)[0]
                                 if ".module." in module_path else "")
            if parent is None:
                continue
            directory = (parent / source).resolve()
            if directory.is_dir():
                smap._scan_dir(directory, module_path + ".", base)
        return smap

    def _scan_dir(self, directory: Path, prefix: str, base: Path) -> None:
        real_base = base.resolve()
        for path, real in tf_files(directory):
            content = self._texts.get(real)
            if content is None:
                content = read_tf_text(path)
                if content is None:
                    continue
            lines = content.splitlines()
            shown = _relative(real, real_base, path)
            commented = "finguard:ignore" in content  # no suppression comment in the file: skip looking for one
            for i, text in enumerate(lines):
                match = _RESOURCE.match(text) if "resource" in text else None  # `in` first: 5x faster per line
                if not match:
                    continue
                decl = Declaration(shown, i + 1)
                if commented:
                    decl.suppressions = self._suppressions(lines, i, shown)
                self.declarations.setdefault(f"{prefix}{match.group(1)}.{match.group(2)}", decl)

    def _suppressions(self, lines: list[str], start: int, shown: str) -> list[InlineSuppression]:
        found: list[InlineSuppression] = []
        j = start - 1  # comments directly above the block
        while j >= 0 and lines[j].strip().startswith(("#", "//")):
            j -= 1
        candidates = list(range(j + 1, start))
        depth = 0
        for k in range(start, len(lines)):  # and comments inside it
            candidates.append(k)
            depth += lines[k].count("{") - lines[k].count("}")
            if depth <= 0:
                break
        for k in candidates:
            match = _IGNORE.search(lines[k])
            if not match:
                continue
            try:
                found.append(parse_suppression(match.group("ids"), match.group("rest"), shown, k + 1))
            except InputError as exc:
                self.problems.append(str(exc))
        return found

    def locate(self, address: str) -> Declaration | None:
        return self.declarations.get(config_address(address))


def parse_suppression(ids: str, rest: str, file: str, line: int) -> InlineSuppression:
    values = {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _KV.finditer(rest)}
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise InputError('finguard:ignore needs reason="..."', where=f"{file}:{line}")
    until = None
    if "until" in values:
        try:
            until = date.fromisoformat(values["until"])
        except ValueError:
            raise InputError(f"finguard:ignore until={values['until']!r} is not a date (YYYY-MM-DD)",
                             where=f"{file}:{line}") from None
    return InlineSuppression([i for i in ids.split(",") if i], reason, until, file, line)


def _module_dir(root: Path, sources: dict[str, str], module_path: str) -> Path | None:
    """The directory of a (nested) local module, following each level's source."""
    if not module_path:
        return root
    parts = module_path.split(".")
    directory = root
    for i in range(2, len(parts) + 1, 2):
        source = sources.get(".".join(parts[:i]))
        if source is None or not source.startswith(("./", "../")):
            return None
        directory = (directory / source).resolve()
    return directory


def read_tf_text(path: Path) -> str | None:
    """A .tf file's text for locations, or None to skip it: only regular files within HCL mode's size limit (a FIFO
    named main.tf beside a plan blocked `check` forever, a link to /dev/zero never ended), and UTF-8."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def tf_files(directory: Path) -> list[tuple[Path, Path]]:
    """The directory's .tf files, sorted, each with its resolved path (the directory is resolved once: resolving
    every file was most of a scan)."""
    real_dir = directory.resolve()
    return [(path, path.resolve() if path.is_symlink() else real_dir / path.name)
            for path in sorted(directory.glob("*.tf"))]


def _relative(real: Path, real_base: Path, path: Path) -> str:
    """`real` (resolved) relative to `real_base` (resolved); `path` as given when it lies outside."""
    try:
        return real.relative_to(real_base).as_posix()
    except ValueError:
        return path.as_posix()
