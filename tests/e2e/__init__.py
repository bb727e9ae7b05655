"""End-to-end tests: dagster dev + headless Chromium (marked `e2e`)."""
