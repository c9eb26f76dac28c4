"""The cost approval gate: rules in finguard.yml (`approvals:`), evaluated on a pull request's cost change and
findings, tied to GitHub reviews, reported as the commit status `finguard/cost-approval`."""
