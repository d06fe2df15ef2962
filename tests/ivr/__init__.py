"""IVR tests."""
