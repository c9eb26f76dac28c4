"""finguard: cost and policy guardrails for infrastructure CI."""

__version__ = "0.1.0"
