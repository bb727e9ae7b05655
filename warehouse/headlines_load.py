"""raw.article_headlines: the fetched article titles (opt-in), replaced as a whole from the cached snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

TABLE = "raw.article_headlines"
COLUMNS = (("url", "VARCHAR"), ("status", "VARCHAR"), ("title", "VARCHAR"), ("fetched_at", "TIMESTAMPTZ"),
           ("http_status", "INTEGER"), ("final_url", "VARCHAR"), ("error", "VARCHAR"),
           ("_source", "VARCHAR"), ("_snapshot_sha256", "VARCHAR"), ("_line_number", "BIGINT"))
DDL = (
    "CREATE SCHEMA IF NOT EXISTS raw",
    f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})",
    f"COMMENT ON TABLE {TABLE} IS 'The <title> of source article URLs, fetched once each when "
    "LAYOFFS_AI_FETCH_HEADLINES=1 (docs/ai_attribution.md); empty when the feature was never on. One row per URL: "
    "its latest attempt.'",
)


class HeadlineLoadError(Exception):
    """The headline rows could not be loaded (one-line message); the transaction was rolled back."""


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create raw.article_headlines, empty, when it does not exist (dbt reads it even when the feature is off)."""
    for ddl in DDL:
        con.execute(ddl)


def replace_rows(con: duckdb.DuckDBPyConnection, rows: Iterable[Sequence[Any]]) -> int:
    """Replace the table's rows with `rows` (tuples in COLUMNS order); the last row of a URL wins.
    Returns the number of rows the table then holds."""
    latest: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        if len(row) != len(COLUMNS):
            raise HeadlineLoadError(f"{TABLE}: a row has {len(row)} values for {len(COLUMNS)} columns")
        latest[str(row[0])] = tuple(row)
    ensure_table(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {TABLE}")
        if latest:
            marks = ", ".join("?" for _ in COLUMNS)
            con.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", list(latest.values()))
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise HeadlineLoadError(f"cannot load {TABLE}: {' '.join(str(exc).split())}") from exc
    return len(latest)


def candidate_urls(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Source URLs the last build could not read a headline from (attribution 'unknown' with an http(s) URL),
    from `intermediate.int_layoffs__ai_attribution`; [] before the first build."""
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'intermediate' "
                        "AND table_name = 'int_layoffs__ai_attribution'").fetchone()[0]
    if not found:
        return []
    return [r[0] for r in con.execute(
        "SELECT DISTINCT source_url FROM intermediate.int_layoffs__ai_attribution "
        "WHERE ai_attribution = 'unknown' AND source_url IS NOT NULL ORDER BY source_url").fetchall()]
