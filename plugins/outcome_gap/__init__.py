"""Built-in audit module outcome_gap (being written)."""
