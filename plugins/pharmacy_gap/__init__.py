"""Built-in audit module pharmacy_gap (being written)."""
