"""Sub-commands that live in their own modules (kept import-light: heavy imports go inside the command)."""
