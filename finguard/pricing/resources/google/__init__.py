"""Google Cloud cost models, one file per Terraform resource type, priced from Cloud Billing Catalog SKUs.

Every model filters on `descriptionStem` (the SKU description without its location phrase) and
`usageType=OnDemand`, plus `resourceGroup` where the description itself names a location; see
pricing_data/gcp/README.md for the filter of each component and the rows the snapshot holds.
"""
