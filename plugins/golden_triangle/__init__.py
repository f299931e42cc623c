"""Built-in audit module golden_triangle (being written)."""
