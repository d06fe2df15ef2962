"""Voice webhook tests."""
