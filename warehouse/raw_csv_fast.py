"""CSV records read by DuckDB's `read_csv(store_rejects=true)` and checked against their lines; raw_csv frames the lines around each reject."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse import raw_csv

# Temp tables this module creates (the loader drops them after a load).
TEMP_TABLES = ("_duck", "_multi", "_spans_fast", "_acc")
UNCHECKED = "unchecked"  # marks, in `_acc` while it is built, a DuckDB record raw_csv might frame otherwise
CHUNK_BYTES = raw_csv.CHUNK_BYTES
WINDOW_LINES = 256  # lines the fallback frames around a reject (more while a quote opened there is unresolved)
MAX_WINDOWS = 8  # after this many fallback stretches, the fallback frames the rest of the file


def _read_csv_sql(path: Path, header_line: int, width: int) -> str:
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1))
    literal = str(path).replace("'", "''")
    return (f"SELECT [{', '.join(f'coalesce(c{i}, {chr(39)}{chr(39)})' for i in range(1, width + 1))}] AS fields "
            f"FROM read_csv('{literal}', header=false, skip={header_line}, delim=',', quote='\"', escape='\"', "
            f"comment='', columns={{{columns}}}, auto_detect=false, strict_mode=true, null_padding=false, "
            "allow_quoted_nulls=false, store_rejects=true, rejects_table='_duck_rejects', "
            "rejects_scan='_duck_scans')")


def _read(con: duckdb.DuckDBPyConnection, path: Path, header_line: int, width: int) -> int | None:
    """Temp table `_duck(fields)` in file order; the smallest byte offset DuckDB rejected (None: no reject).
    Returns -1 when DuckDB could not read the file at all (every line then goes to the fallback)."""
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _duck AS {_read_csv_sql(path, header_line, width)}")
        return con.execute("SELECT min(line_byte_position) FROM _duck_rejects").fetchone()[0]
    except duckdb.Error:
        con.execute("CREATE OR REPLACE TEMP TABLE _duck (fields VARCHAR[])")
        return -1
    finally:
        for table in ("_duck_rejects", "_duck_scans"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _place(con: duckdb.DuckDBPyConnection, header_line: int, width: int) -> None:
    """Append to `_acc` each DuckDB record placed on the physical lines it would span if nothing before it was
    skipped, with its text from those lines; `problem` is UNCHECKED unless raw_csv would frame exactly that
    record from those lines (the caller cuts `_acc` at the first such record). Multi-line texts: `_multi`."""
    limit = raw_csv.MAX_FIELD_CHARS
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _spans_fast AS
        WITH counted AS (  -- line breaks inside the record's fields
            SELECT k, length(j) - length(replace(j, chr(10), '')) AS nl
            FROM (SELECT rowid AS k, array_to_string(fields, '') AS j FROM _duck)),
        multi AS (SELECT k, sum(nl) OVER (ORDER BY k) AS breaks FROM counted WHERE nl > 0)
        SELECT c.k, CAST({header_line} + 1 + c.k + coalesce(m.breaks, 0) AS BIGINT) AS first,
               CAST({header_line} + 1 + c.k + coalesce(m.breaks, 0) + c.nl AS BIGINT) AS last
        FROM counted c ASOF LEFT JOIN multi m ON c.k > m.k""")
    quotes = "(length({0}) - length(replace({0}, '\"', '')))"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _multi AS
        SELECT k, regexp_replace(string_agg(line, chr(10) ORDER BY n), '\\r$', '') AS text,
               bool_or(bad_utf8) AS bad,
               count(*) FILTER (WHERE {quotes.format('line')} % 2 = 1) AS odd,
               bool_and({quotes.format('line')} % 2 = 1) FILTER (WHERE n = first OR n = last) AS ends_odd,
               sum(length(line) + 1) FILTER (WHERE n > first) AS middle,
               any_value(regexp_replace(line, '\\r$', '')) FILTER (WHERE n = first) AS opener
        FROM (SELECT k, first, last, unnest(range(first, last + 1)) AS n FROM _spans_fast WHERE last > first) r
        JOIN _lines l USING (n)
        GROUP BY k""")
    con.execute(f"""
        INSERT INTO _acc
        WITH checked AS (
            SELECT k, first, last, fields, raw_text, bad, odd, ends_odd, middle, opener,
                   {quotes.format('raw_text')} AS q_raw, {quotes.format('j')} AS q_fields, length(j) AS chars
            FROM (SELECT *, array_to_string(fields, chr(31)) AS j FROM ({_PLACED})))
        SELECT first, raw_text, fields, CASE WHEN coalesce(NOT bad
                        AND length(raw_text) = chars + q_raw - q_fields  -- chars: the fields and W-1 separators
                        AND (chars <= {limit} OR list_max(list_transform(fields, lambda f: length(f))) <= {limit})
                        AND CASE WHEN q_raw = 0 THEN strpos(raw_text, chr(13)) = 0
                                 WHEN q_fields = 0 THEN true  -- quotes only around fields: framed alike
                                 ELSE regexp_full_match(raw_text, '{raw_csv.RECORD}') END
                        AND (last = first OR (odd = 2 AND ends_odd AND middle <= {limit}
                                              AND (q_fields = 0 OR NOT regexp_full_match(opener, '{raw_csv.RECORD}')))),
                        false) THEN NULL ELSE '{UNCHECKED}' END
        FROM checked ORDER BY k""")
    con.execute("DROP TABLE _spans_fast")


# each placed record with its fields and text (from `_multi`, or its one line without the final carriage return)
_PLACED = """
    SELECT s.k, s.first, s.last, d.fields,
           coalesce(m.text, CASE WHEN ends_with(l.line, chr(13)) THEN l.line[:-2] ELSE l.line END) AS raw_text,
           coalesce(m.bad, l.bad_utf8) AS bad, m.odd, m.ends_odd, m.middle, m.opener
    FROM _spans_fast s JOIN _duck d ON d.rowid = s.k LEFT JOIN _lines l ON l.n = s.first
    LEFT JOIN _multi m ON m.k = s.k"""


def _byte_of_line(path: Path, line: int) -> int:
    """Byte offset where physical line `line` (1-based) starts."""
    at, seen = 0, 0
    with open(path, "rb") as fh:
        while seen < line - 1 and (block := fh.read(CHUNK_BYTES)):
            found = block.count(b"\n")
            if seen + found < line - 1:
                seen, at = seen + found, at + len(block)
                continue
            cut = -1
            for _ in range(line - 1 - seen):
                cut = block.index(b"\n", cut + 1)
            return at + cut + 1
    return at


def _line_of_byte(path: Path, offset: int) -> int:
    """The physical line holding byte `offset` of `path`."""
    lines, at = 1, 0
    with open(path, "rb") as fh:
        while at < offset and (block := fh.read(min(CHUNK_BYTES, offset - at))):
            lines, at = lines + block.count(b"\n"), at + len(block)
    return lines


def _fast(con: duckdb.DuckDBPyConnection, path: Path, done: int, width: int, header: bool) -> tuple[int, bool]:
    """Read the lines after `done` with DuckDB (from a copy of the file's tail unless `header`), keep the checked
    records up to the first anomaly in `_acc`; returns the line where the fallback must start, and whether
    DuckDB could not read those lines at all."""
    source, offset = path, 0
    if not header:
        offset = _byte_of_line(path, done + 1)
        with tempfile.NamedTemporaryFile(prefix="layoffs-ai-tail-", suffix=".csv", delete=False) as out, \
                open(path, "rb") as fh:
            fh.seek(offset)
            shutil.copyfileobj(fh, out, CHUNK_BYTES)
        source = Path(out.name)
    try:
        rejected = _read(con, source, done if header else 0, width)
    finally:
        if source != path:
            source.unlink()
    _place(con, done, width)
    newlines = "length(raw_text) - length(replace(raw_text, chr(10), ''))"
    start = con.execute(f"SELECT coalesce(min(line_number) FILTER (WHERE problem = '{UNCHECKED}'), "
                        f"max(line_number + {newlines}) + 1, ?) FROM _acc WHERE line_number > ?",
                        [done + 1, done]).fetchone()[0]
    if rejected is not None:
        start = min(start, done + 1 if rejected < 0 else _line_of_byte(path, offset + rejected))
    # never cut inside a record; records placed after a skipped line all start at or after the cut
    start = con.execute(f"SELECT least(?, coalesce(min(line_number) FILTER (WHERE line_number + {newlines} >= ?), ?))"
                        " FROM _acc WHERE line_number > ?", [start, start, start, done]).fetchone()[0]
    start = max(start, done + 1)
    con.execute("DELETE FROM _acc WHERE line_number >= ?", [start])
    return start, rejected == -1


def _fallback(con: duckdb.DuckDBPyConnection, start: int, width: int, total: int, whole: bool) -> int:
    """Frame the lines from `start` with raw_csv into `_acc`, up to a line where a record starts that the framing
    of the whole rest would start too (or to the end when `whole`); returns the last line framed."""
    end = total if whole else min(start + WINDOW_LINES - 1, total)
    while True:
        raw_csv.frame(con, start - 1, width, last_line=end)
        if end >= total:
            con.execute("INSERT INTO _acc SELECT * FROM _incoming")
            return total
        # every odd-quote line before the window's last one met its closer inside the window: records that
        # start before the record holding that last one are framed as the whole rest would frame them
        odd = con.execute("SELECT max(n) FROM _physical WHERE quotes % 2 = 1").fetchone()[0]
        resume = end + 1 if odd is None else con.execute(
            "SELECT max(line_number) FROM _incoming WHERE line_number <= ?", [odd]).fetchone()[0]
        if resume is not None and resume > start:
            con.execute("INSERT INTO _acc SELECT * FROM _incoming WHERE line_number < ?", [resume])
            return resume - 1
        # the last odd line opens the window's only record: take in the next odd line (its closer), if any
        closer = con.execute(f"SELECT min(n) FROM _lines WHERE n > {odd} AND "
                             "(strlen(line) - strlen(replace(line, '\"', ''))) % 2 = 1").fetchone()[0]
        if closer is None:  # no quote opens or closes after it: the window frames exactly as the whole rest
            con.execute("INSERT INTO _acc SELECT * FROM _incoming")
            return end
        end = closer


def stage(con: duckdb.DuckDBPyConnection, path: Path, header_line: int, width: int) -> list[tuple[int, int]]:
    """Fill `_incoming(line_number, raw_text, fields, problem)` exactly as `raw_csv.frame` would: DuckDB's records
    where they check out, raw_csv's framing for the lines around each reject (after MAX_WINDOWS of those, for
    the rest of the file, as when DuckDB cannot read it at all). Returns the (first, last) physical lines of each
    stretch the fallback framed."""
    total = raw_csv.read_lines(con, path)
    con.execute("CREATE OR REPLACE TEMP TABLE _acc "
                "(line_number BIGINT, raw_text VARCHAR, fields VARCHAR[], problem VARCHAR)")
    done, windows = header_line, []
    while done < total:
        start, unreadable = _fast(con, path, done, width, header=not windows)
        blank = con.execute("SELECT count(*) = 0 FROM _lines WHERE n >= ? AND regexp_replace(line, '\\r$', '') <> ''",
                            [start]).fetchone()[0]
        if blank:
            break
        done = _fallback(con, start, width, total, whole=unreadable or len(windows) >= MAX_WINDOWS)
        windows.append((start, done))
    for table in ("_incoming", "_duck", "_multi", "_lines", "_physical", "_spans"):  # free their memory
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("ALTER TABLE _acc RENAME TO _incoming")
    return windows
