"""The warehouse's catalog: its tables and views, their columns, counts and first rows (SQL CLI and asset metadata)."""

from __future__ import annotations

import difflib

import duckdb


class UnknownTable(Exception):
    """`describe` was given a name that matches no table or view (or more than one)."""


def _qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int | None, str | None]]:
    """(schema, name, kind 'table'|'view', row count or None if it cannot be counted, comment)."""
    objects = con.execute(
        """
        SELECT schema_name, table_name, 'table', comment FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary
        UNION ALL
        SELECT schema_name, view_name, 'view', comment FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary
        ORDER BY 1, 2
        """
    ).fetchall()
    out = []
    for schema, name, kind, comment in objects:
        try:
            count = con.execute(f"SELECT count(*) FROM {_qident(schema)}.{_qident(name)}").fetchone()[0]
        except duckdb.Error:
            count = None
        out.append((schema, name, kind, count, comment or None))
    return out


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str, str | None]]:
    """(column, type, comment) of one table or view, in order."""
    return [(name, kind, comment or None) for name, kind, comment in con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema, table]).fetchall()]


def row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {_qident(schema)}.{_qident(table)}").fetchone()[0]


def preview_markdown(con: duckdb.DuckDBPyConnection, schema: str, table: str, rows: int) -> str | None:
    """The first `rows` rows as a markdown table (JSON columns left out); None when nothing can be shown."""
    shown = ", ".join(_qident(name) for name, kind, _ in table_columns(con, schema, table) if kind != "JSON")
    if not rows or not shown:
        return None
    frame = con.execute(f"SELECT {shown} FROM {_qident(schema)}.{_qident(table)} LIMIT {int(rows)}").df()
    return frame.to_markdown(index=False) if len(frame) else "(empty)"


def _resolve(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str, str, str | None]:
    known = con.execute(
        """
        SELECT schema_name, table_name, 'table', comment FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal
        UNION ALL
        SELECT schema_name, view_name, 'view', comment FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal
        """
    ).fetchall()
    wanted = name.strip()
    if "." in wanted:
        schema, _, table = (part.strip().strip('"').lower() for part in wanted.partition("."))
        hits = [k for k in known if k[0].lower() == schema and k[1].lower() == table]
    else:
        hits = [k for k in known if k[1].lower() == wanted.strip('"').lower()]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = ", ".join(sorted(f"{k[0]}.{k[1]}" for k in hits))
        raise UnknownTable(f"table name {name!r} is ambiguous: {names} — give schema.table")
    candidates = {f"{k[0]}.{k[1]}".lower(): f"{k[0]}.{k[1]}" for k in known}
    candidates |= {k[1].lower(): f"{k[0]}.{k[1]}" for k in known}
    close = difflib.get_close_matches(wanted.lower(), list(candidates), n=5, cutoff=0.5)
    suggest = sorted({candidates[c] for c in close})
    hint = f"; did you mean {', '.join(suggest)}?" if suggest else "; run `layoffs-ai tables` to list them"
    raise UnknownTable(f"no table or view named {name!r} in the warehouse{hint}")


def describe_table(
    con: duckdb.DuckDBPyConnection, name: str
) -> tuple[str, str, str | None, list[tuple[str, str, bool, str | None]]]:
    """Return ('schema.table', kind, table comment, [(column, type, nullable, comment), ...])."""
    schema, table, kind, comment = _resolve(con, name)
    cols = con.execute(
        """
        SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = ? AND table_name = ?
        ORDER BY column_index
        """,
        [schema, table],
    ).fetchall()
    return f"{schema}.{table}", kind, comment or None, [(c, t, bool(n), cm or None) for c, t, n, cm in cols]
