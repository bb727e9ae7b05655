"""Ingestion: one module per source (fetch = I/O, parse = pure), the HTTP client and the snapshot store."""
