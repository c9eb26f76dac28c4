"""Cloud providers of Kubernetes nodes: one module each, discovered here.

A provider module knows its own spellings and nothing else: how its nodes say what they are (the providerID
scheme and the labels EKS, Karpenter, GKE or AKS set for capacity type and node pool), the instance id the
bill names, and how the price catalog prices its instance types (through the same cost-model helpers as
`finguard breakdown`). Each module defines:

* ``NAME``: ``aws``, ``gcp``, ``azure`` (the key of `k8s.spot_discount`);
* ``PROVIDER_ID_SCHEME``: the providerID prefix of its nodes (``aws://``);
* ``LABEL_PREFIXES``: label prefixes only its nodes carry (used when a node has no providerID);
* ``capacity_type(labels) -> str | None``: ``spot``, ``preemptible``, ``on-demand`` or ``reserved``;
* ``node_pool(labels) -> str | None``;
* ``instance_id(provider_id) -> str | None``: what the billing export calls this machine;
* ``price_components(instance_type, os, labels, gpus) -> list[Component]``: the on-demand hourly components.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Protocol, cast

from finguard.plugins import modules_by


class Provider(Protocol):
    NAME: str
    PROVIDER_ID_SCHEME: str
    LABEL_PREFIXES: tuple[str, ...]

    def capacity_type(self, labels: Mapping[str, str]) -> str | None: ...
    def node_pool(self, labels: Mapping[str, str]) -> str | None: ...
    def instance_id(self, provider_id: str) -> str | None: ...
    def price_components(self, instance_type: str, os: str, labels: Mapping[str, str], gpus: Decimal) -> list[Any]: ...


@cache
def providers() -> dict[str, Provider]:
    """Every provider module of this package, by NAME."""
    return {name: cast(Provider, module) for name, module in modules_by("NAME", __name__, __path__).items()}


def detect(provider_id: str | None, labels: Mapping[str, str]) -> Provider | None:
    """The provider of a node: by its providerID scheme, else by labels only that provider sets."""
    every = providers().values()
    if provider_id:
        for p in every:
            if provider_id.startswith(p.PROVIDER_ID_SCHEME):
                return p
    for p in every:
        if any(key.startswith(p.LABEL_PREFIXES) for key in labels):
            return p
    return None


def first_label(labels: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    """The value of the first of `keys` a node carries (non-empty)."""
    for key in keys:
        value = labels.get(key)
        if value:
            return value
    return None
