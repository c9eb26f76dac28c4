from finguard.cli import entry

entry()
