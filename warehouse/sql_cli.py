"""`layoffs-ai sql|tables|describe`: read-only terminal queries against the published warehouse."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

FORMATS = ("table", "csv", "json", "markdown")
DEFAULT_MAX_ROWS = {"table": 1000, "markdown": 1000, "csv": 0, "json": 0}
NUMERIC = (int, float, decimal.Decimal)


def warehouse_path(args: argparse.Namespace) -> Path:
    """--warehouse if given, else $LAYOFFS_AI_HOME/warehouse.duckdb (LAYOFFS_AI_HOME defaults to ./data)."""
    if getattr(args, "warehouse", None):
        return Path(args.warehouse).expanduser()
    from warehouse.publish import PUBLISHED_NAME

    return Path(os.environ.get("LAYOFFS_AI_HOME") or "data").expanduser() / PUBLISHED_NAME


# ---------------------------------------------------------------- rendering


def _text(value: Any, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "".join(f"\\x{b:02X}" for b in bytes(value))
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _text(value, "")  # timedelta, UUID, bytes, ...


def _one_line(cell: str) -> str:
    return cell.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _grid(columns: Sequence[str], rows: Sequence[tuple]) -> tuple[list[str], list[list[str]], list[bool], list[int]]:
    heads = [_one_line(c) for c in columns]
    cells = [[_one_line(_text(v, "NULL")) for v in row] for row in rows]
    numeric = [
        any(r[i] is not None for r in rows)
        and all(r[i] is None or (isinstance(r[i], NUMERIC) and not isinstance(r[i], bool)) for r in rows)
        for i in range(len(columns))
    ]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    return heads, cells, numeric, widths


def _pad(cell: str, width: int, right: bool) -> str:
    return cell.rjust(width) if right else cell.ljust(width)


def render_table(columns: Sequence[str], rows: Sequence[tuple]) -> list[str]:
    """psql-style aligned table: header, dashed rule, rows; numbers right-aligned, NULL shown as NULL."""
    heads, cells, numeric, widths = _grid(columns, rows)
    lines = [" | ".join(_pad(h, w, n) for h, w, n in zip(heads, widths, numeric)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric)).rstrip() for r in cells]
    return lines


def render_markdown(columns: Sequence[str], rows: Sequence[tuple]) -> list[str]:
    """GitHub pipe table with padded columns; `|` escaped, numbers right-aligned."""
    heads, cells, numeric, widths = _grid(columns, rows)
    heads = [h.replace("|", "\\|") for h in heads]
    cells = [[c.replace("|", "\\|") for c in r] for r in cells]
    widths = [max([3, len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    rule = ["-" * (w - 1) + ":" if n else "-" * w for w, n in zip(widths, numeric)]
    lines = ["| " + " | ".join(_pad(h, w, False) for h, w in zip(heads, widths)) + " |"]
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric)) + " |" for r in cells]
    return lines


def render_csv(columns: Sequence[str], rows: Sequence[tuple], out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _text(v, "") for v in row])


def render_json(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    """A list of objects; repeated column names get a _2, _3 ... suffix so no value is lost."""
    keys, seen = [], {}
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return json.dumps([dict(zip(keys, (_jsonable(v) for v in row))) for row in rows], indent=2, ensure_ascii=False)


def summary(comment: str | None, limit: int = 100) -> str:
    """First sentence of a (possibly multi-paragraph) comment, at most `limit` characters."""
    text = " ".join((comment or "").split())
    text = re.split(r"(?<=[a-z0-9)`]\.)\s", text, maxsplit=1)[0]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def footer(shown: int, total: int) -> str:
    if shown < total:
        return f"(showing {shown:,} of {total:,} rows; use --max-rows)"
    return f"({total:,} row{'' if total == 1 else 's'})"


def emit(fmt: str, columns: Sequence[str], rows: Sequence[tuple], total: int | None = None) -> None:
    """Print a result in the chosen format; truncation is a stdout footer for table, a stderr note otherwise."""
    total = len(rows) if total is None else total
    out = sys.stdout
    if fmt == "table":
        out.write("\n".join(render_table(columns, rows) + [footer(len(rows), total)]) + "\n")
    elif fmt == "markdown":
        out.write("\n".join(render_markdown(columns, rows)) + "\n")
    elif fmt == "csv":
        render_csv(columns, rows, out)
    else:
        out.write(render_json(columns, rows) + "\n")
    if fmt != "table" and len(rows) < total:
        print(footer(len(rows), total), file=sys.stderr)


# ---------------------------------------------------------------- commands


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn every expected failure into one line on stderr and an exit code (1 DuckDB, 2 refused/missing)."""

    def run(args: argparse.Namespace) -> int:
        import duckdb

        from warehouse import query

        try:
            return handler(args)
        except (query.QueryRefused, query.WarehouseMissing) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except (query.WarehouseLocked, query.UnknownTable) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except duckdb.Error as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and set(ln.strip()) != {"^"}]
            print(" ".join(lines) or type(exc).__name__, file=sys.stderr)
            return 1
        except BrokenPipeError:  # `layoffs-ai sql ... | head`
            sys.stdout = open(os.devnull, "w")
            return 0

    return run


def _cmd_sql(args: argparse.Namespace) -> int:
    from warehouse import query

    sql = sys.stdin.read() if args.query == "-" else args.query
    max_rows = DEFAULT_MAX_ROWS[args.format] if args.max_rows is None else args.max_rows
    query.check_query(sql)  # refuse before touching the warehouse file
    with query.open_readonly(warehouse_path(args)) as con:
        columns, rows, _truncated, total = query.run_query(con, sql, max_rows)
    emit(args.format, columns, rows, total)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from warehouse import query

    with query.open_readonly(warehouse_path(args)) as con:
        found = query.list_tables(con)
    if args.format in ("table", "markdown"):  # first sentence only; csv/json carry the full text
        rows = [(s, t, k, n, summary(c)) for s, t, k, n, c in found]
    else:
        rows = [(s, t, k, n, c.strip() if c else c) for s, t, k, n, c in found]
    emit(args.format, ["schema", "name", "kind", "rows", "description"], rows)
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    from warehouse import query

    with query.open_readonly(warehouse_path(args)) as con:
        name, kind, comment, cols = query.describe_table(con, args.table)
    text = args.format in ("table", "markdown")
    if text:
        print(f"{name} ({kind})" + (f": {comment.strip()}" if comment else ""))
    rows = [(c, t, n, cm.strip() if cm else ("" if text else None)) for c, t, n, cm in cols]
    emit(args.format, ["column", "type", "nullable", "description"], rows)
    return 0


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-rows must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--max-rows must be >= 0, got {value}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", metavar="PATH",
        help="warehouse file to read (default: $LAYOFFS_AI_HOME/warehouse.duckdb, LAYOFFS_AI_HOME defaults to ./data)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")


def register(subparsers: Any) -> None:
    """Add the `sql`, `tables` and `describe` subcommands to an argparse subparsers object."""
    sql = subparsers.add_parser(
        "sql", help="run one read-only SQL query against the published warehouse",
        description="Run one read-only query (SELECT, WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) against "
        "the published warehouse. Statements that write, change settings or read files are refused (exit 2); "
        "DuckDB errors exit 1.",
    )
    sql.add_argument("query", help="the SQL text, or - to read it from stdin")
    _common(sql)
    sql.add_argument(
        "--max-rows", type=_non_negative, default=None, metavar="N",
        help="print at most N rows, 0 = no limit (default: 1000 for table/markdown, no limit for csv/json); "
        "the table footer or a stderr note gives the full count",
    )
    sql.set_defaults(func=_guarded(_cmd_sql))

    tables = subparsers.add_parser(
        "tables", help="list schemas, tables and views with row counts and descriptions",
        description="List every table and view with its row count and description (first sentence in "
        "table/markdown output; full text with --format csv or json).",
    )
    _common(tables)
    tables.set_defaults(func=_guarded(_cmd_tables))

    describe = subparsers.add_parser("describe", help="list a table's columns with types and descriptions")
    describe.add_argument("table", help="schema.table, or a table name that is unique across schemas")
    _common(describe)
    describe.set_defaults(func=_guarded(_cmd_describe))


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: `python -m warehouse.sql_cli sql "select 1"`."""
    parser = argparse.ArgumentParser(prog="layoffs-ai", description="Query the published layoffs-ai warehouse.")
    register(parser.add_subparsers(dest="command", required=True, metavar="{sql,tables,describe}"))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
