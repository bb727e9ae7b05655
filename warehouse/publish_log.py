"""The publish log inside the warehouse: which run and which code version produced the published file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import duckdb

DDL = """CREATE TABLE IF NOT EXISTS raw._publish_log (
    run_id VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, code_fingerprint VARCHAR NOT NULL,
    snapshots JSON)"""


def record_publish(con: duckdb.DuckDBPyConnection, run_id: str, fingerprint: str,
                   snapshots: Mapping[str, str]) -> None:
    """Append the run about to be published (call on the staging copy right before publishing)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(DDL)
    con.execute("COMMENT ON TABLE raw._publish_log IS 'One row per published pipeline run: code fingerprint and snapshot sha256 per dataset.'")
    con.execute("INSERT INTO raw._publish_log VALUES (?, now(), ?, ?)",
                [run_id, fingerprint, json.dumps(dict(snapshots), sort_keys=True)])


def published_run_ids(published: Path) -> set[str]:
    """Run ids recorded in the published warehouse file (empty when there is none yet)."""
    if not published.exists():
        return set()
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return set()  # unreadable: the run refuses it with a clear line before it gets here
    try:
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                             "AND table_name = '_publish_log'").fetchone()[0]
        return {r[0] for r in con.execute("SELECT run_id FROM raw._publish_log").fetchall()} if exists else set()
    finally:
        con.close()


def published_runs_in_order(published: Path) -> list[str]:
    """Run ids recorded in the published warehouse file, oldest first (empty when there is none or it is unreadable)."""
    if not published.exists():
        return []
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return []
    try:
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                             "AND table_name = '_publish_log'").fetchone()[0]
        return [r[0] for r in con.execute("SELECT run_id FROM raw._publish_log ORDER BY published_at, rowid")
                .fetchall()] if exists else []
    except duckdb.Error:
        return []
    finally:
        con.close()
