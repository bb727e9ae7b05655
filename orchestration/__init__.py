"""Orchestration: the only Dagster code (assets, checks, resources, schedule) and the layoffs-ai CLI."""
