"""EC2 and RDS instance types as rightsizing sees them: family, size, relative capacity, the sizes below,
the current generation of an old family and the Graviton (arm64) twin of an x86 one.

The previous-generation table is the compute policy pack's (`finguard/pricing/generations.py`); the Graviton
map follows `policies/compute/graviton.py` (policy files load by path and cannot be imported from the
package). Whether a size really exists in a region is never assumed from a table: a suggestion is made only
when the catalog prices it there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from finguard.pricing.generations import qualified_successors

# Relative capacity (vCPUs of the standard families; memory scales with it within a family) of each size.
# Burstable families (t2, t3, t3a, t4g) do not follow it (every size up to large has 2 vCPUs) and are
# left to their CPU credits: rightsizing skips them unless configured otherwise.
_NAMED = {"nano": 0.125, "micro": 0.25, "small": 0.5, "medium": 1.0, "large": 2.0, "xlarge": 4.0}
_MULTIPLE = re.compile(r"^(\d{1,2})xlarge$")
LADDER = ("medium", "large", "xlarge", "2xlarge", "3xlarge", "4xlarge", "6xlarge", "8xlarge", "9xlarge",
          "10xlarge", "12xlarge", "16xlarge", "18xlarge", "24xlarge", "32xlarge", "48xlarge")
BURSTABLE = ("t1", "t2", "t3", "t3a", "t4g")

# previous-generation EC2 and RDS family -> current families, preferred first (the compute policy pack's table)
CURRENT = qualified_successors(("", "db."))
# x86 family -> Graviton families, preferred first (as policies/compute/graviton.py, plus RDS classes)
GRAVITON: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("m5", "m5a", "m6i", "m6a", "m7i", "m7i-flex", "m7a"), ("m7g", "m6g")),
    **dict.fromkeys(("m5d", "m5ad", "m6id"), ("m7gd", "m6gd")),
    **dict.fromkeys(("c5", "c5a", "c6i", "c6a", "c7i", "c7i-flex", "c7a"), ("c7g", "c6g")),
    **dict.fromkeys(("c5d", "c5ad", "c6id"), ("c7gd", "c6gd")),
    **dict.fromkeys(("c5n", "c6in"), ("c7gn", "c6gn")),
    **dict.fromkeys(("r5", "r5a", "r6i", "r6a", "r7i", "r7a"), ("r7g", "r6g")),
    **dict.fromkeys(("r5d", "r5ad", "r6id"), ("r7gd", "r6gd")),
    **dict.fromkeys(("t3", "t3a"), ("t4g",)),
    **dict.fromkeys(("db.m5", "db.m6i", "db.m7i"), ("db.m7g", "db.m6g")),
    **dict.fromkeys(("db.r5", "db.r6i", "db.r7i"), ("db.r7g", "db.r6g")),
    "db.t3": ("db.t4g",),
}


@dataclass(frozen=True, slots=True)
class InstanceType:
    """"db.m5.xlarge" -> prefix "db", family "m5", size "xlarge"."""

    name: str
    prefix: str  # "" (EC2) or "db" (RDS)
    family: str
    size: str

    @property
    def qualified_family(self) -> str:
        return f"{self.prefix}.{self.family}" if self.prefix else self.family

    @property
    def capacity(self) -> float | None:
        return capacity(self.size)

    @property
    def burstable(self) -> bool:
        return self.family in BURSTABLE

    def with_family(self, qualified_family: str) -> str:
        return f"{qualified_family}.{self.size}"

    def with_size(self, size: str) -> str:
        return f"{self.qualified_family}.{size}"


def parse(name: str) -> InstanceType | None:
    """None for names without a family and size (db.serverless, metal types are kept, typos are not)."""
    parts = name.strip().split(".")
    prefix = ""
    if parts and parts[0] == "db":
        prefix, parts = "db", parts[1:]
    if len(parts) != 2 or not all(parts):
        return None
    return InstanceType(name, prefix, parts[0], parts[1])


def capacity(size: str) -> float | None:
    """Relative capacity of a size (large = 2, xlarge = 4, 8xlarge = 32); None for metal and unknown sizes."""
    if size in _NAMED:
        return _NAMED[size]
    match = _MULTIPLE.match(size)
    return 4.0 * int(match.group(1)) if match else None


def smaller_sizes(itype: InstanceType) -> list[str]:
    """The ladder's sizes below `itype`'s, largest first (which of them exist is the catalog's to say)."""
    own = itype.capacity
    if own is None:
        return []
    below = [s for s in LADDER if (c := capacity(s)) is not None and c < own]
    return sorted(below, key=lambda s: -(capacity(s) or 0))
