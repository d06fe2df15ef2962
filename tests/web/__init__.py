"""Tests of the web pages (dashboard)."""
