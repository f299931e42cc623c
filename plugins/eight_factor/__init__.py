"""Built-in audit module eight_factor (being written)."""
