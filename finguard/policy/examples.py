"""Every policy's own examples: a snippet it must flag and one it must accept.

One generic test runs them all, and `finguard policies docs` renders the policy reference from the
same examples, so the documentation cannot drift from what the policies do. Python policies declare
`examples=[Example(...)]`; Rego policies write them in comments:

    # example: fails
    #   resource "aws_instance" "web" { ... }
    # config: {"regions": {"allowed": ["us-east-1"]}}
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass

from finguard.policy.api import Example
from finguard.policy.engine import builtin_packs, builtin_policies_dir
from finguard.policy.model import PolicyMeta
from finguard.policy.python import load_python_policies
from finguard.policy.rego import EmbeddedEvaluator, load_rego_modules

_EXAMPLE = re.compile(r"^#\s*example:\s*(fails|passes)\s*$")
_CONFIG = re.compile(r"^#\s*config:\s*(\{.*\})\s*$")


@dataclass(slots=True)
class PolicyExamples:
    meta: PolicyMeta
    examples: list[Example]
    doc: str


def rego_examples(text: str) -> tuple[list[Example], str]:
    """Examples and the leading description from a Rego file's comments."""
    examples: list[Example] = []
    doc_lines: list[str] = []
    current: Example | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.startswith("#"):
            if line.startswith("package"):
                break
            current = None
            continue
        if m := _EXAMPLE.match(line):
            current = Example(hcl="", fails=m.group(1) == "fails")
            examples.append(current)
        elif (m := _CONFIG.match(line)) and current is not None:
            current.config = json.loads(m.group(1))
        elif current is not None and line.startswith("#  "):
            current.hcl += line[1:] + "\n"
        elif current is None and not examples:
            doc_lines.append(line.lstrip("#").strip())
    for example in examples:
        example.hcl = textwrap.dedent(example.hcl)
    return examples, "\n".join(doc_lines).strip()


def builtin_examples() -> list[PolicyExamples]:
    root = builtin_policies_dir()
    dirs = [(root / pack, pack) for pack in builtin_packs()]
    found = [PolicyExamples(p.meta, p.examples, p.meta.description) for p in load_python_policies(dirs).policies]
    modules, _ = load_rego_modules(dirs)
    empty_input = json.dumps({"resources": [], "project": {}, "config": {}})
    for module, result in zip(modules, EmbeddedEvaluator().evaluate(modules, empty_input), strict=True):
        examples, doc = rego_examples(module.text)
        meta = PolicyMeta.model_validate({**result.metadata, "language": "rego", "pack": module.pack,
                                          "source": str(module.path)})
        found.append(PolicyExamples(meta, examples, doc))
    return sorted(found, key=lambda p: p.meta.id)


def example_findings(meta: PolicyMeta, example: Example) -> list[str]:
    """Messages the policy reports on its example (errors raise: an example must run cleanly)."""
    from finguard.policy.testing import snippet_findings

    return [f.message for f in snippet_findings(meta.id, example.hcl, example.config)]
