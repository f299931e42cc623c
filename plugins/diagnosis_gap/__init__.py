"""Built-in audit module diagnosis_gap (being written)."""
