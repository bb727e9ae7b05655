"""`raw._source_status`: one row per dataset saying whether its rows are current, stale or missing, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

import duckdb

from safetext import safe_line

STATUSES = ("ok", "stale", "missing")
DDL = """CREATE TABLE IF NOT EXISTS raw._source_status (
    dataset VARCHAR NOT NULL PRIMARY KEY, status VARCHAR NOT NULL, retrieved_at TIMESTAMPTZ,
    data_through DATE, last_success_at TIMESTAMPTZ, last_error VARCHAR)"""
COMMENT = ("One row per dataset, rewritten each run: ok (rows from this run's snapshot), stale (the fetch or "
           "layout check failed; the rows of the last good snapshot are kept) or missing (never loaded).")


@dataclass(frozen=True)
class SourceStatus:
    """The state of one dataset's rows in the warehouse."""

    dataset: str
    status: str  # one of STATUSES
    retrieved_at: datetime | None  # when the snapshot behind the rows was downloaded (or its file written)
    data_through: date | None  # latest event/publication date in those rows
    last_success_at: datetime | None  # when the source last fetched and passed its layout check
    last_error: str | None  # why it is stale or missing (one line)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(DDL)
    con.execute("COMMENT ON TABLE raw._source_status IS '" + COMMENT.replace("'", "''") + "'")


def record(con: duckdb.DuckDBPyConnection, statuses: list[SourceStatus]) -> None:
    """Replace the rows of these datasets (other datasets keep theirs)."""
    ensure_table(con)
    for status in statuses:
        row = asdict(status)
        row["last_error"] = safe_line(row["last_error"]) if row["last_error"] else row["last_error"]
        con.execute("DELETE FROM raw._source_status WHERE dataset = ?", [status.dataset])
        con.execute("INSERT INTO raw._source_status VALUES ($dataset, $status, $retrieved_at, $data_through, "
                    "$last_success_at, $last_error)", row)


def forget(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> None:
    """Drop the rows of datasets this home no longer loads (the report then does not list them)."""
    ensure_table(con)
    for dataset in datasets:
        con.execute("DELETE FROM raw._source_status WHERE dataset = ?", [dataset])


def read(con: duckdb.DuckDBPyConnection) -> dict[str, SourceStatus]:
    """Every dataset's row, by dataset id (empty when the table does not exist yet), with the data-through date
    staging found in the rows of its latest load."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                         "AND table_name = '_source_status'").fetchone()[0]
    if not exists:
        return {}
    staged = staged_data_through(con)
    rows = con.execute("SELECT dataset, status, retrieved_at, data_through, last_success_at, last_error "
                       "FROM raw._source_status ORDER BY dataset").fetchall()
    return {row[0]: replace(SourceStatus(*row), data_through=staged.get(row[0]) or row[3]) for row in rows}


def staged_data_through(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """Dataset -> the latest event/publication date of the rows staging accepted from its latest load
    (staging.load_outcomes; for a load an older staging completed, raw._loads.data_through)."""
    has_outcomes = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging' "
                               "AND table_name = 'load_outcomes'").fetchone()[0]
    outcomes = ("staging.load_outcomes" if has_outcomes else
                "(SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS snapshot_sha256, NULL::DATE AS data_through)")
    return dict(con.execute(
        "SELECT l.source, coalesce(o.data_through, l.data_through) FROM raw._loads AS l "
        f"LEFT JOIN {outcomes} AS o ON o.source = l.source AND o.snapshot_sha256 = l.sha256 "
        "QUALIFY row_number() OVER (PARTITION BY l.source ORDER BY l.loaded_at DESC) = 1").fetchall())


def refresh_data_through(con: duckdb.DuckDBPyConnection) -> None:
    """Before publishing: each row's data_through becomes what staging found in the rows of its latest load, so
    the published raw._source_status says it too (not only `read()` and the report)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                       "AND table_name = '_source_status'").fetchone()[0]:
        return
    for dataset, through in staged_data_through(con).items():
        if through is not None:
            con.execute("UPDATE raw._source_status SET data_through = ? WHERE dataset = ?", [through, dataset])
