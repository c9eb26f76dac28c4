"""Reading .tf files into python-hcl2's document shape: parsing (finguard's one-pass parser, or python-hcl2's own),
the content-addressed parse cache, parallel parsing, and parsing ahead (`prefetch`).

Kept apart from the evaluator (hcl.py) and light to import (no pydantic, no models): `prefetch` forks its
workers from the CLI before the heavy imports, and they need only this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from finguard.errors import InputError

_PARALLEL_FROM = 48  # files to parse before a process pool pays for itself (a file takes ~2 ms, a worker ~30)
MAX_FILE_BYTES = 1_048_576  # one .tf or .tfvars file


_PARSER: list[Any] = []  # [HclParser], or [None] where python-hcl2's own route is used (see _fast_parser)


def _fast_parser() -> Any:
    """finguard's one-pass parser of python-hcl2's grammar (hcl_parser.py), built once per process; None
    when the installed python-hcl2 is not the 8.x series whose output it reproduces."""
    if not _PARSER:
        from finguard.terraform import hcl_parser

        parser = None
        chosen = os.environ.get("FINGUARD_HCL_PARSER", "")
        if chosen not in ("", "hcl2"):
            sys.stderr.write(f"warning: FINGUARD_HCL_PARSER={chosen!r} is not `hcl2` (python-hcl2's own parser): "
                             "ignored\n")
        if hcl_parser.hcl2_version().startswith("8.") and chosen != "hcl2":
            from finguard.cache_files import cache_dir

            try:
                parser = hcl_parser.HclParser(cache_dir() / "hcl-parser")
            except (hcl_parser.UnsupportedGrammar, ImportError):
                parser = None
        _PARSER.append(parser)
    return _PARSER[0]


def parse_text(text: str, where: str) -> dict[str, Any]:
    parser = _fast_parser()
    if parser is None:
        return _parse_text_hcl2(text, where)
    from finguard.terraform.hcl_parser import HclNestingError, HclStructureError, HclSyntaxError

    try:
        return parser.parse(text)  # type: ignore[no-any-return]
    except HclSyntaxError as exc:
        raise InputError(f"HCL syntax error: {_syntax_detail(exc)}", where=f"{where}:{exc.line}:{exc.column}") from None
    except HclStructureError as exc:
        location = f"{where}:{exc.line}" if exc.line else where
        message = str(exc) if isinstance(exc, HclNestingError) else f"HCL syntax error: {exc}"
        raise InputError(message, where=location) from None


def _parse_text_hcl2(text: str, where: str) -> dict[str, Any]:
    """python-hcl2's own route (any python-hcl2 version; FINGUARD_HCL_PARSER=hcl2 forces it)."""
    from hcl2 import SerializationOptions, api

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=True, with_comments=False)
    try:  # hcl2.loads() without keeping comments we never read (~6% faster per file)
        return api.serialize(api.parses(text, discard_comments=True), serialization_options=options)
    except Exception as exc:
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        location = f"{where}:{line}:{column}" if line and line > 0 else where
        raise InputError(f"HCL syntax error: {_syntax_detail(exc)}", where=location) from None


def _syntax_detail(exc: Exception) -> str:
    """Lark's message, without token internals and the repeated position."""
    token = getattr(exc, "token", None)
    if token is not None:
        text = str(token).strip().splitlines()[0] if str(token).strip() else "end of line"
        return f"unexpected {text[:40]!r}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"unexpected character {char!r}"
    detail = " ".join(str(exc).split())
    return re.sub(r" at line \d+,? col(umn)? \d+\.?", "", detail.split(" Expected")[0])[:200]


def _parse_file(path: str) -> tuple[str, dict[str, Any] | None, str | None]:
    """(path, document, error) — top level so a process pool can run it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return path, None, f"{path}: cannot read: {exc}"
    from finguard.cache_files import read_entry, write_entry

    cache = _cache_path(text)
    cached = read_entry(cache) if cache is not None else None
    if cached is not None:
        try:
            return path, json.loads(cached), None
        except ValueError:
            pass
    try:
        doc = parse_text(text, path)
    except InputError as exc:
        return path, None, str(exc)
    if cache is not None:
        write_entry(cache, json.dumps(doc).encode())
    return path, doc, None


def _cache_path(text: str) -> Path | None:
    """Parsed documents are cached by content hash, so unchanged files (most files, in a pre-commit run)
    are not parsed again."""
    if os.environ.get("FINGUARD_NO_HCL_CACHE") == "1":
        return None
    from finguard.cache_files import cache_dir
    from finguard.terraform.hcl_parser import hcl2_version

    digest = hashlib.sha256(text.encode()).hexdigest()
    version = hcl2_version()
    return cache_dir() / "hcl-cache" / version / digest[:2] / f"{digest}.json"


_PREFETCH_MAX_BYTES = 64 * 1_048_576  # parsed ahead at most: a hostile tree costs no more than this before limits


class _Prefetch:
    """Parses started before the CLI has loaded its config (`prefetch`), by file name, for `parse_files`."""

    def __init__(self) -> None:
        self.pool: Any = None
        self.chunks: dict[str, tuple[Any, int]] = {}  # file name -> (future of its chunk's answers, index in it)

    def start(self, names: list[str]) -> None:
        _fast_parser()  # built here once, so the forked workers start with it (each building its own cost more)
        self.pool = _parse_pool()
        for at in range(0, len(names), 8):
            chunk = names[at:at + 8]
            future = self.pool.submit(_parse_chunk, chunk)
            self.chunks.update((name, (future, i)) for i, name in enumerate(chunk))

    def take(self, names: list[str]) -> dict[str, tuple[str, dict[str, Any] | None, str | None]]:
        """The answers for those of `names` parsed ahead (waiting for them); the rest are not in it."""
        found = {name: self.chunks.pop(name) for name in names if name in self.chunks}
        answers = {name: future.result()[i] for name, (future, i) in found.items()}
        if not self.chunks:
            self.close()
        return answers

    def close(self) -> None:
        """Stop the workers (parses not started are dropped): also on an early exit, so an error in the config
        does not wait for a tree's parse."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.chunks.clear()


_PREFETCHED = _Prefetch()


def prefetch(directory: Path) -> None:
    """Start parsing a root module's .tf files on worker processes now, so the parse overlaps the CLI's imports and
    config loading (a third of a cold pre-commit run); `parse_files` takes the answers. Only where a process pool
    pays (many files), and only regular files within the per-file limit, up to `_PREFETCH_MAX_BYTES` in all: the
    reader still checks every file and its limits itself, and parses what was not parsed ahead."""
    from finguard.policy.source_map import tf_files

    if (os.cpu_count() or 1) < 2 or _PREFETCHED.pool is not None or not directory.is_dir():
        return
    names, total = [], 0
    for path, _ in tf_files(directory):
        try:
            info = os.stat(path)
        except OSError:
            continue
        total += info.st_size
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES or total > _PREFETCH_MAX_BYTES:
            continue
        names.append(str(path))
    if len(names) >= _PARALLEL_FROM:
        _PREFETCHED.start(names)


def close_prefetch() -> None:
    _PREFETCHED.close()


def _parse_pool() -> Any:
    """Worker processes for parsing, forked where fork is the safe, usual way (Linux), so they start with the parser
    this process built; Python 3.14 would otherwise start them from a fresh interpreter (forkserver)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # ~0.1 s of imports, only when it pays

    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    return ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1), mp_context=context)


def _parse_chunk(names: list[str]) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    return [_parse_file(name) for name in names]


def parse_files(paths: list[Path], keep_going: bool) -> tuple[dict[Path, dict[str, Any]], list[str]]:
    """Parse .tf files (in parallel when there are many; taking those `prefetch` parsed); errors stop the run
    unless keep_going."""
    names = [str(p) for p in paths]
    ahead = _PREFETCHED.take(names)
    rest = [name for name in names if name not in ahead]
    parsed: dict[str, tuple[str, dict[str, Any] | None, str | None]] = {}
    if len(rest) >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        # the first file here, so the forked workers start with the parser's lexers compiled
        parsed[rest[0]] = _parse_file(rest[0])
        with _parse_pool() as pool:
            parsed.update((answer[0], answer) for answer in pool.map(_parse_file, rest[1:], chunksize=8))
    else:
        parsed.update((name, _parse_file(name)) for name in rest)
    results = [ahead.get(name) or parsed[name] for name in names]
    docs: dict[Path, dict[str, Any]] = {}
    errors: list[str] = []
    for name, doc, error in results:
        if error is not None:
            if not keep_going:
                raise InputError(error.split(": ", 1)[1] if ": " in error else error,
                                 where=error.split(": ", 1)[0])
            errors.append(error)
        elif doc is not None:
            docs[Path(name)] = doc
    return docs, errors
