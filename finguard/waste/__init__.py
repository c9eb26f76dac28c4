"""`finguard waste`: idle and oversized AWS resources, the monthly savings of fixing them, and what was realised.

The flow is one way, through typed models:

    live AWS (boto3, read-only)  ─┐
    saved AWS CLI JSON (--inventory DIR) ─┴─> inventory.Inventory ──> detections/* ──> engine.WasteReport
                                                                        (one file      (ranked findings with
    price catalog, billing store, Terraform state ────────────────────>  per kind)      savings, owner, remediation)

Live and saved inventories are the same documents (the `describe-*` outputs as the AWS CLI writes them), read by
one parser (`inventory.parse_region`), so a saved inventory gives the findings a live scan would have.
"""
