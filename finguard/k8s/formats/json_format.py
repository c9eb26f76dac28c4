"""JSON (schema `finguard/k8s-allocation`, version 1): the report model as it is."""

from __future__ import annotations

from finguard.k8s.report import K8sReport

NAME = "json"
EXTENSION = "json"


def render(report: K8sReport) -> str:
    return report.json_text()
