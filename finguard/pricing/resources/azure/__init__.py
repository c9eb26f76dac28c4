"""Azure (azurerm) resource cost models, priced from Azure Retail Prices API rows.

One module per resource type; modules starting with _ are helpers (`_meters` names every meter,
`_common` builds the components several types share, `_free` lists types that cost nothing).
"""
