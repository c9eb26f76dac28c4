"""Scheduled FinOps jobs over billing exports: ingest (FOCUS and mappings onto it), allocation, reports.

Every job is written once as Ibis expressions and runs on DuckDB (embedded, the default) or PySpark; the
few things Ibis cannot say portably live in `finguard.billing.engine` (reading files, parsing tag JSON).
"""
