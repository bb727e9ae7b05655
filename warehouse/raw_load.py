"""Idempotent load of a snapshot's records into the DuckDB `raw` schema as text, with framing rejects and a load log."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Protocol, Sequence

import duckdb

from warehouse import raw_csv_fast

PROVENANCE = (("_source", "VARCHAR"), ("_snapshot_sha256", "VARCHAR"), ("_snapshot_date", "DATE"),
              ("_snapshot_format", "VARCHAR"), ("_line_number", "BIGINT"), ("_raw_text", "VARCHAR"))
PROVENANCE_MEANING = {
    "_source": "dataset id the row was loaded for (raw._loads.source)",
    "_snapshot_sha256": "sha256 of the snapshot file the row came from",
    "_snapshot_date": "date of that snapshot",
    "_snapshot_format": "the snapshot's format (csv, json, html)",
    "_line_number": "1-based physical line in the snapshot where the record starts",
    "_raw_text": "the record as found in the file",
}

BOOKKEEPING_DDL = (
    "CREATE SCHEMA IF NOT EXISTS raw",
    """CREATE TABLE IF NOT EXISTS raw._loads (
        source VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, snapshot_path VARCHAR,
        input_rows BIGINT NOT NULL, rows BIGINT NOT NULL, rejects BIGINT NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS raw._rejects (
        source VARCHAR NOT NULL, snapshot_sha256 VARCHAR NOT NULL, line_number BIGINT,
        raw_text VARCHAR, reason VARCHAR NOT NULL)""",
    "ALTER TABLE raw._loads ADD COLUMN IF NOT EXISTS parser_version VARCHAR",
    "ALTER TABLE raw._loads ADD COLUMN IF NOT EXISTS run_id VARCHAR",
    "ALTER TABLE raw._loads ADD COLUMN IF NOT EXISTS data_through DATE",
    "ALTER TABLE raw._rejects ADD COLUMN IF NOT EXISTS kind VARCHAR",
    # typing rejects are staging's own models now (staging.rejects has both kinds): drop those an older
    # staging wrote here, so raw._rejects holds the loader's framing rejects only
    "DELETE FROM raw._rejects WHERE kind = 'typing'",
    "COMMENT ON TABLE raw._loads IS 'One row per snapshot loaded into raw (a reload of the same sha256 writes "
    "nothing): input data lines, raw rows and framing rejects; staging.load_outcomes has what staging accepted.'",
    "COMMENT ON TABLE raw._rejects IS 'The loader''s framing rejects: lines that are not a record, where they were, "
    "their raw text and why. Replaced per source with its rows; staging.rejects adds the typing rejects.'",
)


class ColumnLike(Protocol):
    name: str
    type: str


class RecordLike(Protocol):
    line_number: int
    raw_text: str
    fields: Sequence[str | None] | None
    problem: str | None


class TextTableLike(Protocol):
    name: str
    columns: Sequence[str]
    rows: Sequence[tuple[int, str, tuple[str | None, ...]]]


class RowsLike(Protocol):
    """Duck type of `ingestion.core.SnapshotRows`: where a snapshot's records are and how they map onto raw."""

    table: str
    format: str
    columns: Mapping[str, int | None]
    extra: Mapping[str, int]
    width: int
    path: Path | None
    header_line: int
    records: Sequence[RecordLike] | None
    side_tables: Sequence[TextTableLike]


class LoadError(Exception):
    """A snapshot could not be loaded (one-line message); the transaction was rolled back."""


@dataclass(frozen=True)
class LoadResult:
    """Outcome of one `load_rows` call: raw rows and framing rejects (staging adds its typing rejects later)."""

    source: str
    sha256: str
    status: str  # "loaded" | "unchanged"
    rows: int
    rejects: int
    input_rows: int


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in BOOKKEEPING_DDL:
        con.execute(ddl)


def latest_load(con: duckdb.DuckDBPyConnection, source: str) -> tuple[str, int, int, str | None, int] | None:
    """(sha256, rows, rejects, parser_version, input_rows) of the source's most recent load, or None."""
    ensure_bookkeeping(con)
    return con.execute(
        "SELECT sha256, rows, rejects, parser_version, input_rows FROM raw._loads WHERE source = ? "
        "ORDER BY loaded_at DESC LIMIT 1",
        [source],
    ).fetchone()


def raw_columns(columns: Sequence[ColumnLike]) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a raw table: its declared columns (text as found), then the provenance columns."""
    return [(c.name, c.type) for c in columns] + list(PROVENANCE)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, declared: Mapping[str, Sequence[ColumnLike]]) -> None:
    """Create every declared raw table (empty) that does not exist yet, so a source that never loaded
    still has its tables and everything downstream builds. A table of another layout (an older loader's
    typed columns) is recreated: the changed loader reloads every source anyway."""
    ensure_bookkeeping(con)
    for name, columns in declared.items():
        wanted = raw_columns(columns)
        found = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                            [name]).fetchall()
        if found and [(n, t.upper()) for n, t in found] != wanted:
            con.execute(f"DROP TABLE raw.{name}")
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} (" + ", ".join(f'"{n}" {t}' for n, t in wanted) + ")")


def _raw_tables_with_source(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema='raw' AND column_name='_source' "
        "ORDER BY table_name").fetchall()]


def stage(con: duckdb.DuckDBPyConnection, rows: RowsLike) -> None:
    """Temp table `_incoming(line_number, raw_text, fields, problem)`: a CSV read by DuckDB's `read_csv` (its
    physical lines framed in SQL from the first reject on), or the records an extractor read."""
    if rows.path is not None:
        raw_csv_fast.stage(con, Path(rows.path), rows.header_line, rows.width)
        return
    import pandas as pd  # local: keep module import light for the SQL CLI

    records = list(rows.records or [])
    frame = pd.DataFrame({"line_number": [r.line_number for r in records],
                          "raw_text": [r.raw_text for r in records],
                          "fields": [list(r.fields) if r.fields is not None else None for r in records],
                          "problem": [r.problem for r in records]}, dtype=object)
    con.execute("CREATE OR REPLACE TEMP TABLE _incoming "
                "(line_number BIGINT, raw_text VARCHAR, fields VARCHAR[], problem VARCHAR)")
    con.register("_records", frame)
    try:
        con.execute("INSERT INTO _incoming SELECT * FROM _records")
    finally:
        con.unregister("_records")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _accepted_sql(rows: RowsLike) -> str:
    """SELECT of the raw table's columns from `_framed` (declared columns by position, undeclared as `_extra`)."""
    columns = [f'fields[{at + 1}] AS "{name}"' if at is not None else f'NULL::VARCHAR AS "{name}"'
               for name, at in rows.columns.items()]
    extra = (f"json_object({', '.join(f'{_quote(name)}, fields[{at + 1}]' for name, at in rows.extra.items())})"
             if rows.extra else "NULL")
    return f"SELECT {', '.join(columns)}, {extra}::JSON AS _extra, line_number AS _line_number, raw_text AS _raw_text"


def load_rows(con: duckdb.DuckDBPyConnection, rows: RowsLike, *, source: str, sha256: str, snapshot_date: date,
              snapshot_path: str | None = None, parser_version: str | None = None,
              run_id: str | None = None) -> LoadResult:
    """Replace `source`'s rows and rejects with this snapshot's, in one transaction (records as text; an exact
    duplicate of an earlier record is a reject `duplicate of line N`).

    Loading the sha256 that is already the source's latest load, by the same parser version, writes
    nothing (idempotent); another parser version loads the same bytes again.
    """
    previous = latest_load(con, source)
    if previous is not None and previous[0] == sha256 and previous[3] == parser_version:
        return LoadResult(source, sha256, "unchanged", previous[1], previous[2], previous[4])
    stage(con, rows)
    con.execute("""CREATE OR REPLACE TEMP TABLE _framed AS
        SELECT *, CASE WHEN problem IS NOT NULL THEN problem
                       WHEN first_line < line_number THEN 'duplicate of line ' || first_line END AS reason
        FROM (SELECT *, min(line_number) FILTER (WHERE problem IS NULL) OVER (PARTITION BY fields) AS first_line
              FROM _incoming)""")
    provenance = [source, sha256, snapshot_date, rows.format]
    con.execute("BEGIN TRANSACTION")
    try:
        for name in _raw_tables_with_source(con):
            con.execute(f"DELETE FROM raw.{name} WHERE _source = ?", [source])
        con.execute(f"INSERT INTO raw.{rows.table} BY NAME {_accepted_sql(rows)}, ? AS _source, "
                    "? AS _snapshot_sha256, ? AS _snapshot_date, ? AS _snapshot_format FROM _framed "
                    "WHERE reason IS NULL", provenance)
        for side in rows.side_tables:
            _insert_text_rows(con, side, provenance)
        con.execute("DELETE FROM raw._rejects WHERE source = ?", [source])
        con.execute("INSERT INTO raw._rejects BY NAME SELECT ? AS source, ? AS snapshot_sha256, line_number, "
                    "raw_text, reason, 'framing' AS kind FROM _framed WHERE reason IS NOT NULL", [source, sha256])
        loaded, rejected, inputs = con.execute(
            "SELECT count(*) FILTER (WHERE reason IS NULL), count(reason), count(*) FROM _framed").fetchone()
        con.execute(
            "INSERT INTO raw._loads BY NAME SELECT ? AS source, ? AS sha256, ? AS snapshot_path, ? AS input_rows, "
            "? AS rows, ? AS rejects, now() AS loaded_at, ? AS parser_version, ? AS run_id, NULL AS data_through",
            [source, sha256, snapshot_path, inputs, loaded, rejected, parser_version, run_id])
        con.execute("COMMIT")
    except Exception as exc:
        with contextlib.suppress(duckdb.Error):  # a failed rollback must not hide why the load failed
            con.execute("ROLLBACK")
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"loading {source} ({sha256[:12]}) failed and was rolled back: {message}") from exc
    finally:
        for temp in ("_lines", "_physical", "_spans", "_incoming", "_framed", *raw_csv_fast.TEMP_TABLES):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {temp}")
    return LoadResult(source, sha256, "loaded", loaded, rejected, inputs)


def forget_source(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """Remove a dataset this home no longer loads (e.g. a WARN state left out of LAYOFFS_AI_WARN_STATES): its raw
    rows, framing rejects and load log rows (in the run's staging copy, published only when the run succeeds).
    True when it held any."""
    tables = _raw_tables_with_source(con)
    held = sum(con.execute(f"SELECT count(*) FROM raw.{name} WHERE _source = ?", [source]).fetchone()[0]
               for name in tables) + con.execute("SELECT count(*) FROM raw._loads WHERE source = ?", [source]).fetchone()[0]
    for name in tables if held else ():
        con.execute(f"DELETE FROM raw.{name} WHERE _source = ?", [source])
    if held:
        con.execute("DELETE FROM raw._rejects WHERE source = ?", [source])
        con.execute("DELETE FROM raw._loads WHERE source = ?", [source])
    return bool(held)


def _insert_text_rows(con: duckdb.DuckDBPyConnection, table: TextTableLike, provenance: list) -> None:
    import pandas as pd

    if not table.rows:
        return
    values = {name: [row[2][i] for row in table.rows] for i, name in enumerate(table.columns)}
    frame = pd.DataFrame({**values, "_line_number": [row[0] for row in table.rows],
                          "_raw_text": [row[1] for row in table.rows]}, dtype=object)
    con.register("_text_rows", frame)
    try:
        con.execute(f"INSERT INTO raw.{table.name} BY NAME SELECT * REPLACE (CAST(_line_number AS BIGINT) AS "
                    "_line_number), ? AS _source, ? AS _snapshot_sha256, ? AS _snapshot_date, ? AS _snapshot_format "
                    "FROM _text_rows", provenance)
    finally:
        con.unregister("_text_rows")


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table in schema raw (for metadata and tests)."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name='raw' ORDER BY table_name").fetchall()]
    return {n: con.execute(f"SELECT count(*) FROM raw.{n}").fetchone()[0] for n in names}
