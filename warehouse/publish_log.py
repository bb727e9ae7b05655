"""The publish log inside the warehouse: which run and which code version produced the published file."""

from __future__ import annotations

import json
from typing import Mapping

import duckdb

DDL = """CREATE TABLE IF NOT EXISTS raw._publish_log (
    run_id VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, code_fingerprint VARCHAR NOT NULL,
    snapshots JSON)"""


def record_publish(con: duckdb.DuckDBPyConnection, run_id: str, fingerprint: str,
                   snapshots: Mapping[str, str]) -> None:
    """Append the run about to be published (call on the working copy right before publishing)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(DDL)
    con.execute("COMMENT ON TABLE raw._publish_log IS 'One row per published pipeline run: code fingerprint and snapshot sha256 per dataset.'")
    con.execute("INSERT INTO raw._publish_log VALUES (?, now(), ?, ?)",
                [run_id, fingerprint, json.dumps(dict(snapshots), sort_keys=True)])
