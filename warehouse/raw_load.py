"""Idempotent load of parsed snapshots into the DuckDB `raw` schema, with rejects and a load log."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol, Sequence

import duckdb

PROVENANCE = (("_source", "VARCHAR"), ("_snapshot_sha256", "VARCHAR"), ("_line_number", "BIGINT"))

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
    "COMMENT ON TABLE raw._loads IS 'One row per snapshot loaded into raw (append-only); a reload of the same sha256 writes nothing.'",
    "COMMENT ON TABLE raw._rejects IS 'Every source row that could not be parsed: where it was, its raw text and why. Replaced per source with its rows.'",
)


class ColumnLike(Protocol):
    name: str
    type: str


class TableLike(Protocol):
    """Duck type of `ingestion.core.Table`: the loader needs only these attributes."""

    name: str
    columns: Sequence[ColumnLike]
    rows: Sequence[tuple[Any, ...]]
    line_numbers: Sequence[int]


class RejectLike(Protocol):
    line_number: int
    raw_text: str
    reason: str


class LoadError(Exception):
    """A parsed snapshot could not be loaded (one-line message); the transaction was rolled back."""


@dataclass(frozen=True)
class LoadResult:
    """Outcome of one `load_parsed` call."""

    source: str
    sha256: str
    status: str  # "loaded" | "unchanged"
    rows: int
    rejects: int
    input_rows: int


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in BOOKKEEPING_DDL:
        con.execute(ddl)


def latest_load(con: duckdb.DuckDBPyConnection, source: str) -> tuple[str, int, int, str | None] | None:
    """(sha256, rows, rejects, parser_version) of the source's most recent load, or None."""
    ensure_bookkeeping(con)
    return con.execute(
        "SELECT sha256, rows, rejects, parser_version FROM raw._loads WHERE source = ? "
        "ORDER BY loaded_at DESC LIMIT 1",
        [source],
    ).fetchone()


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, declared: Mapping[str, Sequence[ColumnLike]]) -> None:
    """Create every declared raw table (empty) that does not exist yet, so a source that never loaded
    still has its tables and everything downstream builds."""
    ensure_bookkeeping(con)
    for name, columns in declared.items():
        _ensure_columns(con, name, columns)


def _ensure_table(con: duckdb.DuckDBPyConnection, table: TableLike) -> None:
    _ensure_columns(con, table.name, table.columns)


def _ensure_columns(con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[ColumnLike]) -> None:
    cols = [(c.name, c.type) for c in columns] + list(PROVENANCE)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{name} ("
        + ", ".join(f'"{n}" {t}' for n, t in cols)
        + ")"
    )
    existing = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema='raw' AND table_name=?",
            [name],
        ).fetchall()
    }
    for column, type_ in cols:  # a newer parser added a column: add it, older rows keep NULL
        if column not in existing:
            con.execute(f'ALTER TABLE raw.{name} ADD COLUMN "{column}" {type_}')


def _raw_tables_with_source(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema='raw' AND column_name='_source' ORDER BY table_name"
        ).fetchall()
    ]


CHUNK_ROWS = 100_000  # rows converted to a DataFrame at a time: bounds the loader's extra memory


def _insert_rows(con: duckdb.DuckDBPyConnection, table: TableLike, source: str, sha256: str) -> None:
    import pandas as pd  # local: keep module import light for the SQL CLI

    names = [c.name for c in table.columns]
    select = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
    for start in range(0, len(table.rows), CHUNK_ROWS):
        rows = table.rows[start:start + CHUNK_ROWS]
        frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False).astype(object)
        frame = frame.where(frame.notna(), None)
        frame["_source"] = source
        frame["_snapshot_sha256"] = sha256
        frame["_line_number"] = table.line_numbers[start:start + CHUNK_ROWS]
        con.register("_incoming", frame)
        try:
            con.execute(
                f"INSERT INTO raw.{table.name} BY NAME SELECT {select}, _source, _snapshot_sha256, "
                "CAST(_line_number AS BIGINT) AS _line_number FROM _incoming"
            )
        finally:
            with contextlib.suppress(duckdb.Error):  # in an aborted transaction: keep the real error
                con.unregister("_incoming")


def load_parsed(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    sha256: str,
    tables: Mapping[str, TableLike],
    rejects: Iterable[RejectLike],
    input_rows: int,
    snapshot_path: str | None = None,
    parser_version: str | None = None,
    run_id: str | None = None,
    data_through=None,
) -> LoadResult:
    """Replace `source`'s rows and rejects with this snapshot's, in one transaction.

    Loading the sha256 that is already the source's latest load, by the same parser version,
    writes nothing (idempotent); another parser version loads the same bytes again.
    """
    rejects = list(rejects)
    rows = sum(len(t.rows) for t in tables.values())
    previous = latest_load(con, source)
    if previous is not None and previous[0] == sha256 and previous[3] == parser_version:
        return LoadResult(source, sha256, "unchanged", previous[1], previous[2], input_rows)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in tables.values():
            _ensure_table(con, table)
        for name in _raw_tables_with_source(con):
            con.execute(f"DELETE FROM raw.{name} WHERE _source = ?", [source])
        for table in tables.values():
            _insert_rows(con, table, source, sha256)
        con.execute("DELETE FROM raw._rejects WHERE source = ?", [source])
        if rejects:
            con.executemany(
                "INSERT INTO raw._rejects VALUES (?, ?, ?, ?, ?)",
                [(source, sha256, r.line_number, r.raw_text, r.reason) for r in rejects],
            )
        con.execute(
            "INSERT INTO raw._loads BY NAME SELECT ? AS source, ? AS sha256, ? AS snapshot_path, ? AS input_rows, "
            "? AS rows, ? AS rejects, now() AS loaded_at, ? AS parser_version, ? AS run_id, ? AS data_through",
            [source, sha256, snapshot_path, input_rows, rows, len(rejects), parser_version, run_id, data_through],
        )
        con.execute("COMMIT")
    except Exception as exc:
        with contextlib.suppress(duckdb.Error):  # a failed rollback must not hide why the load failed
            con.execute("ROLLBACK")
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"loading {source} ({sha256[:12]}) failed and was rolled back: {message}") from exc
    return LoadResult(source, sha256, "loaded", rows, len(rejects), input_rows)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table in schema raw (for metadata and tests)."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name='raw' ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f"SELECT count(*) FROM raw.{n}").fetchone()[0] for n in names}

