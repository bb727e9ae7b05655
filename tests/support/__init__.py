"""Test helpers shared by several test modules (scripted local HTTP server)."""
