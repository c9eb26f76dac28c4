"""Kubernetes cost allocation (`finguard k8s`): node cost to namespaces, teams, controllers and node pools.

The pipeline, one way through typed models:

    snapshots (kubectl JSON) / live API ─┐
                                         ├─> snapshot.Cluster (node and pod running intervals)
    Prometheus (live or saved) ──────────┘        │
                                                  ├─> prices (catalog, billing store, config) ─> allocate (Ibis:
                                                  │   DuckDB or Spark, per hour window) ─> report ─> formats / billing

Nothing here imports Ibis, the Kubernetes client or the catalog at module level: `finguard --help` stays fast.
"""
