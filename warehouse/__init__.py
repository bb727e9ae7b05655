"""Warehouse: raw load into DuckDB, rejects, write-audit-publish and the read-only SQL CLI."""
