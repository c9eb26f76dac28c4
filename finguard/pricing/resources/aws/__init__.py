"""AWS resource cost models (one module per resource type; modules starting with _ are helpers)."""
