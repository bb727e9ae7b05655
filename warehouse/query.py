"""Read-only access to the published warehouse: open, guard a query, run it, list and describe tables."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import duckdb

# Settings fixed at open time. Disabling external access blocks file/network reads, COPY, ATTACH of
# files, INSTALL/LOAD and Python replacement scans; locking the configuration blocks SET/PRAGMA x=y.
READONLY_CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}

# Table functions an analyst may use: generators, JSON helpers and catalog/metadata views.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree",
        "pg_timezone_names", "icu_calendar_names", "histogram", "histogram_values",
        "pragma_table_info", "pragma_show", "pragma_database_size", "pragma_storage_info",
        "pragma_version", "pragma_platform", "pragma_metadata_info", "pragma_collations",
        "pragma_user_agent",
    }
)
ALLOWED_TABLE_FUNCTION_PREFIXES = ("duckdb_",)
DENIED_METADATA_FUNCTIONS = frozenset({"duckdb_secrets", "duckdb_logs", "duckdb_logs_parsed"})
# Scalar functions that execute SQL given as data (which would bypass this guard).
DENIED_SCALAR_FUNCTIONS = frozenset({"json_execute_serialized_sql", "query", "query_table"})
FILE_READER = re.compile(
    r"^(read_\w+|\w+_scan|glob|sniff_csv|parquet_\w+|iceberg_\w+|delta_\w+|sqlite_\w+|postgres_\w+"
    r"|pg_\w+|mysql_\w+|st_read\w*|http_\w+|query|query_table)$"
)
ALLOWED_PRAGMAS = frozenset(
    {
        "show_tables", "show_tables_expanded", "table_info", "show", "database_size", "storage_info",
        "version", "platform", "metadata_info", "collations", "user_agent", "database_list",
    }
)
FILE_LIKE_NAME = re.compile(r"[./\\:*?]")

_WHY = {
    "INSERT": "the warehouse is read-only", "UPDATE": "the warehouse is read-only",
    "DELETE": "the warehouse is read-only", "CREATE": "the warehouse is read-only",
    "DROP": "the warehouse is read-only", "ALTER": "the warehouse is read-only",
    "MERGE": "the warehouse is read-only", "TRUNCATE": "the warehouse is read-only",
    "ATTACH": "only the warehouse itself may be queried", "DETACH": "only the warehouse itself may be queried",
    "COPY": "files outside the warehouse are off limits", "EXPORT": "files outside the warehouse are off limits",
    "IMPORT": "files outside the warehouse are off limits",
    "INSTALL": "extensions cannot be installed or loaded", "LOAD": "extensions cannot be installed or loaded",
    "SET": "settings are locked", "RESET": "settings are locked", "USE": "settings are locked",
    "PRAGMA": "only informational pragmas (show_tables, table_info, ...) are allowed",
}


class WarehouseMissing(Exception):
    """No published warehouse file at the expected path."""


class WarehouseLocked(Exception):
    """Another process holds a read-write connection on the published file itself."""


class QueryRefused(Exception):
    """The query would write, change settings or read outside the warehouse."""


class UnknownTable(Exception):
    """`describe` was given a name that matches no table or view (or more than one)."""


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file read-only with external access disabled and settings locked."""
    path = Path(path)
    if not path.is_file():
        raise WarehouseMissing(f"no warehouse at {path} — run `make run` first")
    try:
        return duckdb.connect(str(path), read_only=True, config=dict(READONLY_CONFIG))
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            holder = re.search(r"PID (\d+)", msg)
            who = f"process {holder.group(1)}" if holder else "another process"
            raise WarehouseLocked(
                f"warehouse {path} is locked: {who} holds a read-write connection on the published file "
                "(the pipeline writes a working copy; close that connection and retry)"
            ) from exc
        if "does not exist" in msg:
            raise WarehouseMissing(f"no warehouse at {path} — run `make run` first") from exc
        raise


def _first_keyword(sql: str) -> str:
    match = re.match(r"\s*([A-Za-z_]+)", sql)
    return match.group(1).upper() if match else "?"


def _refuse(kind: str, why: str | None = None) -> QueryRefused:
    reason = why or _WHY.get(kind, "only SELECT-style queries are allowed")
    return QueryRefused(f"refused: {kind} statements are not allowed — {reason}")


def _parse_tree(sql: str) -> dict:
    with duckdb.connect(config=dict(READONLY_CONFIG)) as con:
        row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0])
    if tree.get("error"):
        raise QueryRefused(f"refused: cannot inspect query ({tree.get('error_message', 'parse failed')})")
    return tree


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _check_tree(tree: dict) -> None:
    for node in _walk(tree):
        if node.get("type") == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            allowed = name in ALLOWED_TABLE_FUNCTIONS or (
                name.startswith(ALLOWED_TABLE_FUNCTION_PREFIXES) and name not in DENIED_METADATA_FUNCTIONS
            )
            if name in ("query", "query_table"):
                raise QueryRefused(f"refused: table function {name}() is not allowed — it runs SQL given as text")
            if FILE_READER.match(name):
                raise QueryRefused(f"refused: table function {name}() is not allowed — it reads outside the warehouse")
            if not allowed:
                raise QueryRefused(
                    f"refused: table function {name}() is not allowed — query warehouse tables and views instead"
                )
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in DENIED_SCALAR_FUNCTIONS or name.startswith("read_"):
                raise QueryRefused(f"refused: function {name}() is not allowed — it runs SQL or reads files")
        elif node.get("type") in ("BASE_TABLE", "SHOW_REF"):
            name = str(node.get("table_name") or "")
            if name and FILE_LIKE_NAME.search(name.strip('"')):
                raise QueryRefused(
                    f"refused: reading the file '{name.strip(chr(34))}' is not allowed — only warehouse tables "
                    "may be queried"
                )


def _check_statement(stmt: Any) -> None:
    text = stmt.query.strip().rstrip(";").strip()
    stype = stmt.type
    kind = _first_keyword(text)
    if stype == duckdb.StatementType.SELECT:
        _check_tree(_parse_tree(text))
        return
    if stype == duckdb.StatementType.EXPLAIN:
        inner = re.sub(r"^\s*EXPLAIN\s+(ANALY[SZ]E\s+)?(\([^)]*\)\s*)?", "", text, flags=re.IGNORECASE)
        inner_stmts = duckdb.extract_statements(inner) if inner != text else []
        if len(inner_stmts) != 1 or inner_stmts[0].type != duckdb.StatementType.SELECT:
            raise _refuse("EXPLAIN", "only EXPLAIN of a SELECT is allowed")
        _check_statement(inner_stmts[0])
        return
    if stype == duckdb.StatementType.PRAGMA:
        match = re.fullmatch(r"PRAGMA\s+(\w+)\s*(\([^=]*\))?", text, flags=re.IGNORECASE)
        if match and match.group(1).lower() in ALLOWED_PRAGMAS:
            return
        raise _refuse("PRAGMA")
    if kind == "FORCE":
        kind = "INSTALL"
    elif kind in ("WITH", "?"):
        kind = {"MERGE_INTO": "MERGE", "COPY_DATABASE": "COPY"}.get(stype.name, stype.name)
    raise _refuse(kind)


def check_query(sql: str) -> str:
    """Return the single read-only statement in `sql`, or raise QueryRefused (one-line message).

    Syntax errors propagate as duckdb.ParserException so callers can report DuckDB's own message.
    """
    statements = duckdb.extract_statements(sql)
    if not statements:
        raise QueryRefused("refused: empty query — give one SELECT statement")
    for stmt in statements:
        _check_statement(stmt)
    if len(statements) > 1:
        raise QueryRefused(f"refused: {len(statements)} statements given — run exactly one query at a time")
    return statements[0].query.strip().rstrip(";").strip()


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, max_rows: int | None = None
) -> tuple[list[str], list[tuple], bool, int]:
    """Run one guarded query; return (columns, first max_rows rows, truncated, total row count)."""
    query = check_query(sql)
    cur = con.execute(query)
    columns = [d[0] for d in (cur.description or [])]
    if not max_rows or max_rows < 0:
        rows = cur.fetchall()
        return columns, rows, False, len(rows)
    rows = cur.fetchmany(max_rows)
    total = len(rows)
    while True:
        chunk = cur.fetchmany(10_000)
        if not chunk:
            break
        total += len(chunk)
    return columns, rows, total > len(rows), total


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
