"""Reading the small JSON documents users hand finguard (kubectl snapshots, API pages, Prometheus results,
baselines); plans have their own reader (terraform/plan.py), tuned for size.

Strict the way the plan reader is: NaN/Infinity and overflowing numbers are not JSON, nesting is bounded by the
decoder's recursion guard (these documents nest a few dozen levels; nothing here recurses over them afterwards:
the models read known fields, the surrogate check walks with a stack), and a lone UTF-16 surrogate escape, which
could not be written back out as UTF-8, is refused. Every problem is one InputError naming the file and the JSON
path.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from finguard import strict_json
from finguard.errors import InputError, read_text


def json_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """`$.items[3].metadata.labels["node.kubernetes.io/instance-type"]`: a key that is not a plain name is
    quoted, so the path can be pasted into jq."""
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False)[:120] + "]"
    return out


def load_json(path: Path, what: str) -> Any:
    """A JSON file through the bounded reader (regular files only, size-limited, UTF-8)."""
    return parse_json(read_text(path), str(path), what)


def parse_json(text: str, source: str, what: str) -> Any:
    try:
        raw = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", where=source) \
            from None
    except strict_json.NotAJsonNumber as exc:
        raise InputError(f"not valid JSON: {exc}", where=source) from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise InputError(f"not valid JSON: a number has more than {sys.get_int_max_str_digits()} digits",
                         where=source) from None
    except RecursionError:  # the decoder's own guard: nothing downstream recurses over the document
        raise InputError(f"not {what}: nested too deeply", where=source) from None
    found = strict_json.lone_surrogate(text, raw)
    if found is not None:
        kind, parts = found
        path = json_path(parts[:-1] if kind == "key" else parts).encode("utf-8", "backslashreplace").decode("utf-8")
        raise InputError(f"invalid {what} at {path}: {kind} is not valid Unicode text (a lone UTF-16 surrogate "
                         "escape such as \\ud800)", where=source)
    return raw
