"""Where finguard meets GitHub: the sticky pull-request comment, Actions glue, organisation audits."""
