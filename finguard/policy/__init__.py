"""Guardrails: Python and Rego policies over the typed model, with suppressions and a baseline."""
