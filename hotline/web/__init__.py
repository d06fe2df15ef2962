"""Web side."""
