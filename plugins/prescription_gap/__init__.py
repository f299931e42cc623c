"""Built-in audit module prescription_gap (being written)."""
