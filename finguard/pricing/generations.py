"""Which current-generation families replace a previous-generation one: one table for the compute policy pack
(`policies/compute/previous_generation.py`, judging plans) and for `finguard waste` (judging what runs)."""

from __future__ import annotations

# previous-generation family (with its db./cache. prefix) -> current-generation families of the same service,
# preferred first, named without the prefix (the policy pack's shape; `qualified_successors` adds it back)
SUCCESSORS: dict[str, tuple[str, ...]] = {
    "t1": ("t3",), "t2": ("t3",),
    "m1": ("m6i", "m5"), "m3": ("m6i", "m5"), "m4": ("m6i", "m5"), "m2": ("r6i", "r5"),
    "c1": ("c6i", "c5"), "c3": ("c6i", "c5"), "c4": ("c6i", "c5"), "cc2": ("c6i", "c5"),
    "r3": ("r6i", "r5"), "r4": ("r6i", "r5"), "cr1": ("r6i", "r5"),
    "i2": ("i3",), "d2": ("d3",), "g2": ("g4dn",), "g3": ("g4dn",), "g3s": ("g4dn",), "p2": ("p3",),
    "x1": ("x2idn",), "x1e": ("x2iedn",),
    "db.t1": ("t3",), "db.t2": ("t3",), "db.m1": ("m6i", "m5"), "db.m2": ("r6i", "r5"),
    "db.m3": ("m6i", "m5"), "db.m4": ("m6i", "m5"), "db.r3": ("r6i", "r5"), "db.r4": ("r6i", "r5"),
    "cache.t1": ("t3",), "cache.t2": ("t3",), "cache.m1": ("m6g", "m5"), "cache.m2": ("r6g", "r5"),
    "cache.m3": ("m6g", "m5"), "cache.m4": ("m6g", "m5"), "cache.r3": ("r6g", "r5"), "cache.r4": ("r6g", "r5"),
    "cache.c1": ("m6g", "m5"),
}


def qualified_successors(services: tuple[str, ...] = ("", "db.", "cache.")) -> dict[str, tuple[str, ...]]:
    """The table with each successor carrying its family's prefix ("db.t2" -> "db.t3"), for the given prefixes
    ("" is EC2)."""
    out: dict[str, tuple[str, ...]] = {}
    for family, successors in SUCCESSORS.items():
        prefix = family.split(".", 1)[0] + "." if "." in family else ""
        if prefix in services:
            out[family] = tuple(prefix + s for s in successors)
    return out
