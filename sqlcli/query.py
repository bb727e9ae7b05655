"""Read-only access to the published warehouse: open it, guard a query, run it in batches."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

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
DEFAULT_MEMORY_LIMIT = "1GB"  # a query's DuckDB memory (LAYOFFS_AI_SQL_MEMORY_LIMIT); beyond it DuckDB spills

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
# duckdb_* functions refused anyway, with the reason (tests/integration/test_sql_guard.py calls every other one read-only).
DENIED_METADATA_FUNCTIONS = {
    "duckdb_secrets": "it lists credentials",
    "duckdb_logs": "it reads the session log, not the warehouse",
    "duckdb_logs_parsed": "it reads the session log, not the warehouse",
    "duckdb_extensions": "it reads the extension folder on disk",
    "duckdb_extension_repositories": "it reads the extension folder on disk",
}
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
    "INSTALL": "extensions cannot be installed, updated or loaded",
    "LOAD": "extensions cannot be installed, updated or loaded",
    "UPDATE EXTENSIONS": "extensions cannot be installed, updated or loaded",
    "SET": "settings are locked", "RESET": "settings are locked", "USE": "settings are locked",
    "PRAGMA": "only informational pragmas (show_tables, table_info, ...) are allowed",
}


class WarehouseMissing(Exception):
    """No published warehouse file at the expected path."""


class WarehouseLocked(Exception):
    """Another process holds a read-write connection on the published file itself."""


class QueryRefused(Exception):
    """The query would write, change settings or read outside the warehouse."""


def open_readonly(path: str | Path, memory_limit: str = DEFAULT_MEMORY_LIMIT,
                  temp_directory: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file read-only with external access disabled and settings locked, under
    `memory_limit` (set at connect, before the lock), spilling to `temp_directory` when given."""
    path = Path(path)
    config = {**READONLY_CONFIG, "memory_limit": memory_limit}
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    for attempt in range(3):
        target = path.resolve()
        if not path.is_file():
            raise WarehouseMissing(f"no warehouse at {path} — run `make run` first")
        try:
            return duckdb.connect(str(path), read_only=True, config=config)
        except duckdb.IOException as exc:
            msg = str(exc)
            if "does not exist" in msg and attempt < 2 and path.resolve() != target:
                continue  # publishes pruned the generation it pointed at while this opened it: open the new one
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
    raise AssertionError("not reached")


def _first_keyword(sql: str) -> str:
    match = re.match(r"\s*([A-Za-z_]+)", sql)
    return match.group(1).upper() if match else "?"


def _refuse(kind: str, why: str | None = None) -> QueryRefused:
    reason = why or _WHY.get(kind, "only SELECT-style queries are allowed")
    return QueryRefused(f"refused: {kind} statements are not allowed — {reason}")


# DuckDB parses expressions up to 1000 levels deep, which serialise to JSON about 3000 levels deep: more than
# Python's default recursion limit of 1000 lets json.loads (and result rendering) descend.
RECURSION_HEADROOM = 20_000


@contextlib.contextmanager
def recursion_headroom(limit: int = RECURSION_HEADROOM) -> Iterator[None]:
    """Raise the interpreter's recursion limit to `limit` (never lower it) for the duration of the block."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _parse_tree(sql: str) -> dict:
    with duckdb.connect(config=dict(READONLY_CONFIG)) as con:
        row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    try:
        with recursion_headroom():
            tree = json.loads(row[0])
    except RecursionError:
        raise QueryRefused("refused: the query is nested too deeply for the read-only check to inspect") from None
    if tree.get("error"):
        raise QueryRefused(f"refused: cannot inspect query ({tree.get('error_message', 'parse failed')})")
    return tree


def _walk(tree: Any) -> Iterator[dict]:
    """Every dict in a parse tree, depth-first, without recursion (trees can be thousands of levels deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _check_tree(tree: dict) -> None:
    for node in _walk(tree):
        if node.get("type") == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name in DENIED_METADATA_FUNCTIONS:
                raise QueryRefused(f"refused: table function {name}() is not allowed — {DENIED_METADATA_FUNCTIONS[name]}")
            if name in ALLOWED_TABLE_FUNCTIONS or name.startswith(ALLOWED_TABLE_FUNCTION_PREFIXES):
                continue
            if name in ("query", "query_table"):
                raise QueryRefused(f"refused: table function {name}() is not allowed — it runs SQL given as text")
            if FILE_READER.match(name):
                raise QueryRefused(f"refused: table function {name}() is not allowed — it reads outside the warehouse")
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


def _statement_type(stmt: Any) -> duckdb.StatementType | None:
    """The parser's statement type, or None for a type this duckdb module has no name for (it raises)."""
    try:
        return stmt.type
    except (ValueError, duckdb.Error):  # e.g. UPDATE EXTENSIONS: "29 is not a valid StatementType"
        return None


def _check_statement(stmt: Any) -> None:
    text = stmt.query.strip().rstrip(";").strip()
    stype = _statement_type(stmt)
    kind = _first_keyword(text)
    if stype is None:  # unknown to this module: refuse, naming the SQL keyword(s)
        raise _refuse("UPDATE EXTENSIONS" if re.match(r"UPDATE\s+EXTENSIONS\b", text, re.IGNORECASE) else kind)
    if stype == duckdb.StatementType.SELECT:
        _check_tree(_parse_tree(text))
        return
    if stype == duckdb.StatementType.EXPLAIN:
        inner = re.sub(r"^\s*EXPLAIN\s+(ANALY[SZ]E\s+)?(\([^)]*\)\s*)?", "", text, flags=re.IGNORECASE)
        inner_stmts = duckdb.extract_statements(inner) if inner != text else []
        if len(inner_stmts) != 1 or _statement_type(inner_stmts[0]) != duckdb.StatementType.SELECT:
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


class QueryResult:
    """Column names and rows of one guarded query, fetched `batch_rows` at a time and never past `max_rows`.

    Memory holds one batch, whatever the result size; `truncated` is known once `batches()` is exhausted.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, max_rows: int = 0, batch_rows: int = 10_000):
        self.columns = [d[0] for d in (cursor.description or [])]
        self.max_rows = max_rows  # 0 = no limit
        self.batch_rows = batch_rows
        self.rows = 0
        self.truncated = False
        self._cursor = cursor

    def batches(self) -> Iterator[list[tuple]]:
        while not self.max_rows or self.rows < self.max_rows:
            want = self.batch_rows if not self.max_rows else min(self.batch_rows, self.max_rows - self.rows)
            batch = self._cursor.fetchmany(want)
            if not batch:
                return
            self.rows += len(batch)
            yield batch
        self.truncated = bool(self._cursor.fetchmany(1))


def run_query(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int = 0) -> QueryResult:
    """Guard and start one query; its rows stream from the returned result's batches()."""
    return QueryResult(con.execute(check_query(sql)), max_rows)
