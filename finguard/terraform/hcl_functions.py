"""Terraform's built-in functions that infrastructure code uses to compute names, tags, counts and sizes.

Arguments that are UNKNOWN make the result UNKNOWN, except where Terraform itself decides without
them (`try` and `coalesce` pick the first usable value). A function finguard does not implement is
an error naming it, never a silent guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from finguard.pricing.resources.base import UNKNOWN, is_unknown
from finguard.terraform.hcl_expr import (
    MAX_STRING,
    ExprError,
    Node,
    Scope,
    _number,
    bounded,
    contains_unknown,
    evaluate,
    to_string,
)

MAX_RANGE = 1024  # Terraform's own limit on range()


def _strict(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Value functions (format, join, upper, ...): any unknown inside an argument makes the result unknown."""
    def wrapper(*args: Any) -> Any:
        if any(contains_unknown(a) for a in args):
            return UNKNOWN
        return fn(*args)
    return wrapper


def _shallow(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Structural functions (merge, concat, length, ...): only an unknown argument itself hides the result;
    unknown values inside known maps and lists are carried through (a tag whose value comes from a data
    source leaves the other tags known)."""
    def wrapper(*args: Any) -> Any:
        if any(is_unknown(a) for a in args):
            return UNKNOWN
        return fn(*args)
    return wrapper


_STRUCTURAL = {"merge", "concat", "length", "lookup", "tomap", "tolist", "keys", "element", "zipmap", "flatten",
               "slice", "one", "coalescelist", "reverse", "values"}


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise ExprError(f"merge() takes maps, got {type(m).__name__}")
        out.update(m)
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if not isinstance(m, dict):
        raise ExprError("lookup() takes a map")
    k = to_string(key)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise ExprError(f"lookup(): no key {k!r} and no default")


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for lst in lists:
        if not isinstance(lst, list):
            raise ExprError("concat() takes lists")
        out.extend(lst)
    return out


def _format(fmt: Any, *args: Any) -> str:
    result, i, n = [], 0, 0
    text = str(fmt)
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 1 < len(text):
            spec_end = i + 1
            while spec_end < len(text) and text[spec_end] in "0123456789.-+# ":
                spec_end += 1
            verb = text[spec_end] if spec_end < len(text) else ""
            if verb == "%":
                result.append("%")
            else:
                if n >= len(args):
                    raise ExprError("format(): not enough arguments")
                arg = args[n]
                n += 1
                flags = text[i + 1:spec_end]
                widths = [int(w) for w in re.findall(r"\d+", flags)]
                if widths and max(widths) > MAX_STRING:
                    raise ExprError(f"format(): width {max(widths):,} exceeds finguard's string limit of "
                                    f"{MAX_STRING:,} characters")
                if verb == "d":
                    result.append(("%" + flags + "d") % int(_number(arg)))
                elif verb in "fFeEgG":
                    result.append(("%" + flags + verb) % float(_number(arg)))
                elif verb in "sv":
                    result.append(("%" + flags + "s") % to_string(arg))
                elif verb == "q":
                    result.append('"' + to_string(arg) + '"')
                else:
                    raise ExprError(f"format(): unsupported verb %{verb}")
            i = spec_end + 1
        else:
            result.append(ch)
            i += 1
    return "".join(result)


def _text_size(value: Any, limit: int = MAX_STRING) -> int:
    """Characters `value` spells as text (stops counting past `limit`): checked before building big strings."""
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        total = 0
        for item in value:
            total += _text_size(item, limit) + 1
            if total > limit:
                break
        return total
    return len(value) if isinstance(value, str) else 8


def _check_size(name: str, size: int) -> None:
    if size > MAX_STRING:
        raise ExprError(f"{name}(): the result would exceed finguard's string limit of {MAX_STRING:,} characters")


def _join(sep: Any, *lists: Any) -> str:
    items = [x for lst in lists for x in lst]
    _check_size("join", _text_size(items) + len(str(sep)) * len(items))
    return str(sep).join(to_string(x) for x in items)


def _replace(s: Any, a: Any, b: Any) -> str:
    s, a, b = str(s), str(a), str(b)
    if a and len(b) > len(a):
        _check_size("replace", len(s) + s.count(a) * (len(b) - len(a)))
    elif not a:
        _check_size("replace", len(s) + (len(s) + 1) * len(b))
    return s.replace(a, b)


def _jsonencode(value: Any) -> str:
    _check_size("jsonencode", _text_size(value))
    import json

    return json.dumps(value, separators=(",", ":"))


def _length(value: Any) -> int:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise ExprError(f"length() of {type(value).__name__}")


class TfSet(list):  # type: ignore[type-arg]
    """A Terraform set. Values are lists here, but for_each takes a set of strings and refuses a list or tuple,
    as Terraform does: toset(), setunion() and variables typed set(...) make one."""


def toset(value: Any) -> TfSet:
    if not isinstance(value, list):
        raise ExprError("toset() takes a list")
    import json

    seen = list({json.dumps(item, sort_keys=True, default=str): item for item in value}.values())  # linear, not n²
    return TfSet(sorted(seen, key=lambda x: (not isinstance(x, str), to_string(x))))


def _tomap(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExprError("tomap() takes an object")
    return dict(value)


def _element(lst: Any, index: Any) -> Any:
    if not isinstance(lst, list) or not lst:
        raise ExprError("element() takes a non-empty list")
    return lst[int(_number(index)) % len(lst)]


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    return {to_string(k): v for k, v in zip(keys, values, strict=True)}


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _range(*args: Any) -> list[Any]:
    nums = [_number(a) for a in args]
    if not 1 <= len(nums) <= 3:
        raise ExprError("range(): takes one to three numbers")
    start, end, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if len(nums) == 3 else 1)
    if step == 0:
        raise ExprError("range(): step must not be zero")
    if (end - start) / step > MAX_RANGE:
        raise ExprError(f"range(): more than {MAX_RANGE} values were generated; either decrease the difference "
                        "between start and end or use a smaller step")
    out, value = [], start
    while (value < end) if step > 0 else (value > end):
        out.append(value)
        value += step
    return out


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: (_shallow if name in _STRUCTURAL else _strict)(fn) for name, fn in {
        "merge": _merge, "lookup": _lookup, "concat": _concat, "format": _format, "join": _join,
        "length": _length, "tomap": _tomap, "toset": toset, "tolist": lambda v: list(v),
        "tostring": to_string, "tonumber": _number, "tobool": lambda v: v if isinstance(v, bool) else v == "true",
        "upper": lambda s: str(s).upper(), "lower": lambda s: str(s).lower(), "title": lambda s: str(s).title(),
        "trimspace": lambda s: str(s).strip(), "replace": _replace,
        "split": lambda sep, s: str(s).split(str(sep)), "substr": lambda s, o, n: str(s)[int(o):int(o) + int(n)]
        if int(n) >= 0 else str(s)[int(o):],
        "keys": lambda m: sorted(m), "values": lambda m: [m[k] for k in sorted(m)], "element": _element,
        "contains": lambda lst, v: v in lst, "distinct": lambda lst: list(dict.fromkeys(lst)),
        "flatten": _flatten, "zipmap": _zipmap, "range": _range, "reverse": lambda lst: list(reversed(lst)),
        "sort": lambda lst: sorted(lst, key=to_string), "compact": lambda lst: [x for x in lst if x not in ("", None)],
        "min": lambda *a: min(_number(x) for x in a), "max": lambda *a: max(_number(x) for x in a),
        "abs": lambda x: abs(_number(x)), "ceil": lambda x: math.ceil(_number(x)),
        "floor": lambda x: math.floor(_number(x)), "startswith": lambda s, p: str(s).startswith(str(p)),
        "endswith": lambda s, p: str(s).endswith(str(p)), "index": lambda lst, v: lst.index(v),
        "formatlist": lambda fmt, *lists: [_format(fmt, *items) for items in zip(*lists, strict=True)],
        "jsonencode": _jsonencode,
        "slice": lambda lst, a, b: lst[int(a):int(b)], "one": lambda lst: lst[0] if lst else None,
        "coalescelist": lambda *lists: next((lst for lst in lists if lst), []),
        "setunion": lambda *sets: toset([x for s in sets for x in s]),
    }.items()
}
# Functions whose result depends on the machine, the clock or files: unknown to a static reader.
_UNKNOWABLE = {"timestamp", "uuid", "file", "filebase64", "templatefile", "fileexists", "bcrypt", "filemd5",
               "filesha256", "base64sha256", "sha256", "md5", "cidrsubnet", "cidrhost", "uuidv5", "plantimestamp",
               "base64encode", "base64decode", "yamlencode", "yamldecode", "jsondecode", "regex", "regexall",
               "can", "cidrsubnets", "trimprefix", "trimsuffix", "chunklist", "setproduct", "transpose"}


def call(name: str, arg_nodes: list[Node], expand: bool, scope: Scope) -> Any:
    if name == "try":
        for node in arg_nodes:
            try:
                value = evaluate(node, scope)
            except ExprError:
                continue
            return value
        raise ExprError("try(): no argument could be evaluated")
    args = [evaluate(a, scope) for a in arg_nodes]
    if expand and args:
        last = args.pop()
        if is_unknown(last):
            return UNKNOWN
        args.extend(last)
    if name == "coalesce":
        for value in args:
            if is_unknown(value):
                return UNKNOWN  # it might be the first non-null value: we cannot say which wins
            if value not in (None, ""):
                return value
        raise ExprError("coalesce(): no non-null argument")
    fn = _FUNCTIONS.get(name)
    if fn is not None:
        try:
            return bounded(fn(*args))
        except (TypeError, KeyError, IndexError, ValueError, AttributeError, OverflowError) as exc:
            if isinstance(exc, ExprError):
                raise
            raise ExprError(f"{name}(): {exc}") from None
    if name in _UNKNOWABLE:
        return UNKNOWN
    raise ExprError(f"function {name}() is not supported by finguard's HCL reader")
