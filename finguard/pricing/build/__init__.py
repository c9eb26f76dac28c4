"""Build the bundled price snapshot from public price feeds: adapters -> merge -> tables + manifest + report."""
