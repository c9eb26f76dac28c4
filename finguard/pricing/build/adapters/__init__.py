"""One module per price source; `finguard.pricing.build.registry` discovers them (adding a source =
adding a file here)."""
