"""`layoffs-ai sql|tables|describe`: read-only terminal queries against the published warehouse."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Sequence

from sqlcli import render as sql_render
from sqlcli.interrupts import Interrupts

FORMATS = ("table", "csv", "json", "markdown")
DEFAULT_MAX_ROWS = 10_000
MAX_ROWS_CEILING = 1_000_000_000
# table and markdown keep every shown row in memory to align the columns; csv and json stream in batches.
ALIGNED_MAX_ROWS = 1_000_000
MAX_MESSAGE = 500  # characters of an error message
MEMORY_VARIABLE = "LAYOFFS_AI_SQL_MEMORY_LIMIT"  # the setting a query's memory limit comes from


class UsageError(Exception):
    """An option combination the command refuses (exit 2)."""


def warehouse_path(args: argparse.Namespace) -> Path:
    """--warehouse if given, else the published warehouse of the home the caller resolved (`home`)."""
    if getattr(args, "warehouse", None):
        return Path(args.warehouse).expanduser()
    from warehouse.write_audit_publish import PUBLISHED_NAME

    return Path(args.home()) / PUBLISHED_NAME


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


def emit(args: argparse.Namespace, columns: Sequence[str], batches: sql_render.Batches, result: Any = None) -> None:
    """Write rows in args.format. A table ends with its row count; when `result` (a query.QueryResult) was cut
    at --max-rows, the table footer says so, and a note on stderr for the other formats."""
    out, fmt, terminal = sys.stdout, args.format, _stdout_is_terminal()

    def cut() -> bool:  # known once the batches are used up
        return result is not None and result.truncated

    if fmt == "csv":
        safe = terminal if args.safe_csv is None else args.safe_csv
        sql_render.write_csv(out, columns, batches, safe=safe, terminal=terminal)
    elif fmt == "json":
        sql_render.write_json(out, columns, batches)
    else:
        rows = [row for batch in batches for row in batch]
        lines = (sql_render.render_table(columns, rows) + [sql_render.footer(len(rows), cut())]
                 if fmt == "table" else sql_render.render_markdown(columns, rows))
        out.write("\n".join(lines) + "\n")
    if fmt != "table" and cut():
        out.flush()
        print(sql_render.footer(result.rows, True), file=sys.stderr)


# ---------------------------------------------------------------- errors


def _one_line(exc: BaseException) -> str:
    text = str(exc).split("\nStack Trace:")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and set(ln.strip()) != {"^"}]
    line = " ".join(lines) or type(exc).__name__
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so nothing more (not even the exit-time flush) meets the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


INTERRUPTS = Interrupts()  # replaced by each command's own (see _guarded); connections register with it


@contextlib.contextmanager
def _open(args: argparse.Namespace) -> Iterator[Any]:
    """The warehouse read-only under the memory limit, spilling to a private temporary folder (removed after),
    interrupted at once by Ctrl-C while the command runs."""
    from sqlcli import query

    with tempfile.TemporaryDirectory(prefix="layoffs-ai-sql-") as spill, \
            query.open_readonly(warehouse_path(args), args.memory_limit(), spill) as con, INTERRUPTS.watch(con):
        yield con


def _out_of_memory(args: argparse.Namespace, exc: BaseException) -> str:
    """DuckDB's own message names its SET statement, which is locked here: name the variable instead."""
    return (f"error: the query needs more memory than {MEMORY_VARIABLE}={args.memory_limit()} and DuckDB could not "
            f"spill it to disk: add a LIMIT or aggregate further, or raise {MEMORY_VARIABLE} (e.g. to 4GB) "
            f"({_one_line(exc).split(' Possible solutions:')[0][:160]})")


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn every failure into one line on stderr and an exit code: 2 refused/missing/usage, 1 any error,
    130 interrupted, 0 (silently) when the reader of stdout goes away (`| head`). Never a traceback."""

    def run(args: argparse.Namespace) -> int:
        import duckdb

        from sqlcli import query
        from warehouse import catalog

        global INTERRUPTS
        INTERRUPTS = Interrupts()
        with INTERRUPTS as interrupts:
            try:
                with query.recursion_headroom():
                    code = handler(args)
                sys.stdout.flush()
                return code
            except BrokenPipeError:
                _silence_stdout()
                return 0
            except BaseException as exc:  # noqa: BLE001 - every failure becomes one line
                if isinstance(exc, KeyboardInterrupt) or interrupts.seen:
                    message, code = "interrupted", 130
                elif isinstance(exc, duckdb.OutOfMemoryException):
                    message, code = _out_of_memory(args, exc), 1
                elif isinstance(exc, (query.QueryRefused, query.WarehouseMissing, UsageError)):
                    message, code = str(exc), 2
                elif isinstance(exc, (query.WarehouseLocked, catalog.UnknownTable, duckdb.Error)):
                    message, code = _one_line(exc), 1
                elif isinstance(exc, RecursionError):
                    message, code = "error: the query or its result is nested too deeply to process", 1
                elif isinstance(exc, MemoryError):
                    message, code = "error: out of memory — lower --max-rows or add a LIMIT", 1
                elif isinstance(exc, Exception):
                    message, code = f"error: {type(exc).__name__}: {_one_line(exc)}", 1
                else:  # SystemExit and the like are not failures of this command
                    raise
                try:
                    print(message, file=sys.stderr)
                except OSError:
                    pass
                return code

    return run


# ---------------------------------------------------------------- commands


def _check_max_rows(args: argparse.Namespace) -> int:
    max_rows = DEFAULT_MAX_ROWS if args.max_rows is None else args.max_rows
    if max_rows == 0 and args.format != "csv":
        raise UsageError(f"--max-rows 0 (no limit) is only allowed with --format csv, not {args.format}: "
                         "give a row count instead")
    if max_rows == 0 and _stdout_is_terminal():
        raise UsageError("--max-rows 0 (no limit) is only allowed when stdout goes to a file or pipe, "
                         "not a terminal: give a row count instead")
    if max_rows > ALIGNED_MAX_ROWS and args.format in ("table", "markdown"):
        raise UsageError(f"--max-rows above {ALIGNED_MAX_ROWS:,} needs --format csv or json "
                         f"({args.format} output holds every row in memory to align the columns)")
    return max_rows


def _cmd_sql(args: argparse.Namespace) -> int:
    from sqlcli import query

    max_rows = _check_max_rows(args)
    sql = sys.stdin.read() if args.query == "-" else args.query
    query.check_query(sql)  # refuse before touching the warehouse file
    with _open(args) as con:
        result = query.run_query(con, sql, max_rows)
        emit(args, result.columns, result.batches(), result)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from sqlcli import query
    from warehouse import catalog

    with _open(args) as con:
        found = catalog.list_tables(con)
    if args.format in ("table", "markdown"):  # first sentence only; csv/json carry the full text
        rows = [(s, t, k, n, sql_render.summary(c)) for s, t, k, n, c in found]
    else:
        rows = [(s, t, k, n, c.strip() if c else c) for s, t, k, n, c in found]
    emit(args, ["schema", "name", "kind", "rows", "description"], [rows])
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    from sqlcli import query
    from warehouse import catalog

    with _open(args) as con:
        name, kind, comment, cols = catalog.describe_table(con, args.table)
    text = args.format in ("table", "markdown")
    if text:
        heading = f"{name} ({kind})" + (f": {comment.strip()}" if comment else "")
        print(sql_render.terminal_safe(heading.replace("\n", " ")))
    rows = [(c, t, n, cm.strip() if cm else ("" if text else None)) for c, t, n, cm in cols]
    emit(args, ["column", "type", "nullable", "description"], [rows])
    return 0


def _max_rows(text: str) -> int:
    """argparse type of --max-rows: a whole number from 0 (no limit) to MAX_ROWS_CEILING."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-rows must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--max-rows must be >= 0, got {value}")
    if value > MAX_ROWS_CEILING:
        raise argparse.ArgumentTypeError(
            f"--max-rows must be at most {MAX_ROWS_CEILING:,}, got {text!r} (0 = no limit, csv to a file or pipe only)")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", metavar="PATH",
        help="warehouse file to read (default: $LAYOFFS_AI_HOME/warehouse.duckdb, LAYOFFS_AI_HOME defaults to ./data)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument(
        "--safe-csv", action=argparse.BooleanOptionalAction, default=None,
        help="in csv output, put a ' before text cells starting with = + - @ tab or CR so spreadsheets do not run "
        "them as formulas (default: on when stdout is a terminal, off for files and pipes)",
    )


def register(subparsers: Any, home: Callable[[], Path], memory_limit: Callable[[], str] | None = None) -> None:
    """Add the `sql`, `tables` and `describe` subcommands; `home()` gives the home whose warehouse they read,
    `memory_limit()` the DuckDB memory limit a query runs under (default query.DEFAULT_MEMORY_LIMIT)."""
    from sqlcli.query import DEFAULT_MEMORY_LIMIT

    limit = memory_limit or (lambda: DEFAULT_MEMORY_LIMIT)
    sql = subparsers.add_parser(
        "sql", help="run one read-only SQL query against the published warehouse",
        description="Run one read-only query (SELECT, WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) against "
        "the published warehouse. Statements that write, change settings, manage extensions or read files are "
        "refused (exit 2); DuckDB errors exit 1; Ctrl-C exits 130. Table and markdown output, and csv on a "
        "terminal, have escape sequences and control characters removed (json escapes them). A query runs under "
        f"{MEMORY_VARIABLE} (default {DEFAULT_MEMORY_LIMIT}) and spills to a temporary folder ($TMPDIR) beyond "
        "it; one that cannot fit exits 1 naming the variable.",
    )
    sql.add_argument("query", help="the SQL text, or - to read it from stdin")
    _common(sql)
    sql.add_argument(
        "--max-rows", type=_max_rows, default=None, metavar="N",
        help=f"print at most N rows (default: {DEFAULT_MAX_ROWS:,}); a note says when the output was cut; "
        "0 = no limit, only with --format csv written to a file or pipe",
    )
    sql.set_defaults(func=_guarded(_cmd_sql))

    tables = subparsers.add_parser(
        "tables", help="list schemas, tables and views with row counts and descriptions",
        description="List every table and view with its row count and description (first sentence in "
        "table/markdown output; full text with --format csv or json).",
    )
    _common(tables)
    tables.set_defaults(func=_guarded(_cmd_tables))

    describe = subparsers.add_parser(
        "describe", help="list a table's columns with types and descriptions",
        description="List one table's or view's columns with their types and descriptions (the dbt docs and "
        "the pipeline's comments, stored in DuckDB).")
    describe.add_argument("table", help="schema.table, or a table name that is unique across schemas")
    _common(describe)
    describe.set_defaults(func=_guarded(_cmd_describe))
    for parser in (sql, tables, describe):
        parser.set_defaults(home=home, memory_limit=limit)


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: `python -m sqlcli.main sql "select 1"`."""
    parser = argparse.ArgumentParser(prog="layoffs-ai", description="Query the published layoffs-ai warehouse.")
    register(parser.add_subparsers(dest="command", required=True, metavar="{sql,tables,describe}"),
             home=lambda: Path("data"))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # before a command started (argument parsing, imports)
        print("interrupted", file=sys.stderr)
        sys.exit(130)
