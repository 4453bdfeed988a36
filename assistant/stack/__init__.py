"""What the operator's repo runs: the role catalog, the discovered inventory, and the operator's overrides."""
