"""Terraform resource addresses: module prefixes and instance keys (`module.a["x"].aws_instance.web[0]`)."""

from __future__ import annotations

import re
from functools import lru_cache

# An instance key: [0] or ["key with ] or . inside"]
_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
_MODULE_PREFIX = re.compile(r'^((?:module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\])?\.)+)')


@lru_cache(maxsize=65536)
def config_address(address: str) -> str:
    """`module.a["x"].aws_instance.web[0]` -> `module.a.aws_instance.web` (the configuration's address)."""
    return _INDEX.sub("", address.split(" (deposed", 1)[0])


def module_of(address: str) -> str | None:
    """`module.a.module.b["x"].aws_instance.web[0]` -> `module.a.module.b["x"]`; None at the root."""
    match = _MODULE_PREFIX.match(address)
    return match.group(1)[:-1] if match else None
