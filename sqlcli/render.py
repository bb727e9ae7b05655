"""Render query results as table, markdown, CSV or JSON: batch by batch, terminal-safe, formula-safe CSV."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import re
from typing import Any, Iterable, Sequence

from safetext import CONTROL, CONTROL_KEEP_LINES, TERMINAL_SEQUENCE, terminal_safe  # noqa: F401 - the one sanitiser

NUMERIC = (int, float, decimal.Decimal)
Batches = Iterable[Sequence[tuple]]

JSON_UNESCAPED_CONTROL = re.compile(r"[\x7f-\x9f]")  # json.dumps escapes C0 itself, never DEL or C1
JSON_SCALAR = json.JSONEncoder(ensure_ascii=False)
# OWASP "CSV Injection": a spreadsheet treats a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _cell(value: Any) -> str:
    """One table/markdown cell: newline, CR and tab shown as escapes, then control sequences stripped."""
    text = _text(value, "NULL").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return terminal_safe(text)


def _grid(columns: Sequence[str], rows: Sequence[tuple]) -> tuple[list[str], list[list[str]], list[bool], list[int]]:
    heads = [_cell(c) for c in columns]
    cells = [[_cell(v) for v in row] for row in rows]
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


def csv_cell(value: Any, safe: bool = False, terminal: bool = False) -> str:
    """One CSV field. `safe`: a leading ' on text starting like a formula (typed numbers such as -5 are left
    alone). `terminal`: escape sequences and control characters other than newline and tab removed."""
    text = "" if value is None else _text(value, "")
    if terminal:
        text = terminal_safe(text, keep_lines=True)
    if safe and text.startswith(FORMULA_START) and not (isinstance(value, NUMERIC) and not isinstance(value, bool)):
        text = "'" + text
    return text


def write_csv(out, columns: Sequence[str], batches: Batches, safe: bool = False, terminal: bool = False) -> None:
    """Header and rows, written one batch at a time. A row with a carriage return in a cell is written fully
    quoted: with a "\\n" line terminator the csv module would leave that cell bare and the row would split."""
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(cells: list[str]) -> None:
        (quoted if any("\r" in c for c in cells) else plain).writerow(cells)

    write([csv_cell(c, safe, terminal) for c in columns])
    for batch in batches:
        for row in batch:
            write([csv_cell(v, safe, terminal) for v in row])


def _json_keys(columns: Sequence[str]) -> list[str]:
    keys, seen = [], {}
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return keys


def _json_value(value: Any, indent: str) -> str:
    value = _jsonable(value)
    if isinstance(value, (list, dict)) and value:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
    return JSON_SCALAR.encode(value)


def _json_object(keys: Sequence[str], row: Sequence[Any]) -> str:
    """`row` as json.dumps(dict(zip(keys, row)), indent=2) lays it out, one level in (built field by field,
    since json's C encoder does not indent)."""
    if not keys:
        return "{}"
    return "{\n" + ",\n".join(f"    {k}: {_json_value(v, '    ')}" for k, v in zip(keys, row)) + "\n  }"


def write_json(out, columns: Sequence[str], batches: Batches) -> None:
    """A list of objects (laid out as json.dumps(indent=2) would), one batch at a time; repeated column names
    get a _2, _3 ... suffix so no value is lost; DEL and C1 characters are written as \\u escapes."""
    keys = [JSON_SCALAR.encode(k) for k in _json_keys(columns)]
    first = True
    out.write("[")
    for batch in batches:
        if not batch:
            continue
        text = ("\n  " if first else ",\n  ") + ",\n  ".join(_json_object(keys, row) for row in batch)
        first = False
        out.write(JSON_UNESCAPED_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
    out.write("]\n" if first else "\n]\n")


def summary(comment: str | None, limit: int = 100) -> str:
    """First sentence of a (possibly multi-paragraph) comment, at most `limit` characters."""
    text = " ".join((comment or "").split())
    text = re.split(r"(?<=[a-z0-9)`]\.)\s", text, maxsplit=1)[0]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def footer(shown: int, truncated: bool) -> str:
    """The row count under a table, or the note that output stopped at the row limit."""
    if truncated:
        return f"(showing the first {shown:,} rows; use --max-rows N for more)"
    return f"({shown:,} row{'' if shown == 1 else 's'})"
