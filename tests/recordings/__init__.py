"""Recordings tests."""
