"""CSV records read by DuckDB's `read_csv(store_rejects=true)`, checked line by line; the lines from the first reject on are framed by raw_csv."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse import raw_csv

# Temp tables this module creates (the loader drops them after a load).
TEMP_TABLES = ("_duck", "_recs", "_rec_lines", "_prefix")


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
    """Temp table `_recs(k, fields, first, last, raw_text, ok)`: each DuckDB record placed on the physical lines
    it would span if nothing before it was skipped, its text from those lines, and whether raw_csv would frame
    exactly that record from them (else `ok` is false and the fallback takes over from there)."""
    limit = raw_csv.MAX_FIELD_CHARS
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _recs AS
        SELECT k, fields, first, CAST(first + span - 1 AS BIGINT) AS last FROM (
            SELECT k, fields, span,
                   CAST({header_line} + 1 + coalesce(sum(span) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING
                                                                      AND 1 PRECEDING), 0) AS BIGINT) AS first
            FROM (SELECT rowid AS k, fields,
                         1 + list_sum(list_transform(fields, lambda f: length(f) - length(replace(f, chr(10), ''))))
                             AS span
                  FROM _duck))""")
    # every line of a multi-line record, with its record (single-line records join on their first line)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _rec_lines AS
        SELECT r.k, r.first, r.last, l.n, l.line, l.bad_utf8
        FROM (SELECT k, first, last, unnest(range(first, last + 1)) AS n FROM _recs WHERE last > first) r
        JOIN _lines l ON l.n = r.n""")
    quotes = "(length({0}) - length(replace({0}, '\"', '')))"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _prefix AS
        WITH multi AS (
            SELECT k, regexp_replace(string_agg(line, chr(10) ORDER BY n), '\\r$', '') AS text,
                   bool_or(bad_utf8) AS bad,
                   count(*) FILTER (WHERE {quotes.format('line')} % 2 = 1) AS odd,
                   bool_and({quotes.format('line')} % 2 = 1) FILTER (WHERE n = first OR n = last) AS ends_odd,
                   sum(length(line) + 1) FILTER (WHERE n > first) AS middle,
                   any_value(regexp_replace(line, '\\r$', '')) FILTER (WHERE n = first) AS opener
            FROM _rec_lines GROUP BY k),
        placed AS (
            SELECT r.k, r.fields, r.first, r.last,
                   coalesce(m.text, CASE WHEN ends_with(l.line, chr(13)) THEN l.line[:-2] ELSE l.line END) AS raw_text,
                   coalesce(m.bad, l.bad_utf8) AS bad, m.odd, m.ends_odd, m.middle, m.opener
            FROM _recs r LEFT JOIN _lines l ON l.n = r.first LEFT JOIN multi m ON m.k = r.k),
        checked AS (
            SELECT *, {quotes.format('raw_text')} AS q_raw,
                   list_sum(list_transform(fields, lambda f: {quotes.format('f')})) AS q_fields
            FROM placed)
        SELECT k, fields, first, last, raw_text,
               coalesce(NOT bad
                        AND length(raw_text) = list_sum(list_transform(fields, lambda f: length(f))) + {width - 1}
                                               + q_raw - q_fields
                        AND list_max(list_transform(fields, lambda f: length(f))) <= {limit}
                        AND CASE WHEN q_raw = 0 THEN strpos(raw_text, chr(13)) = 0
                                 WHEN q_fields = 0 THEN true  -- quotes only around fields: framed alike
                                 ELSE regexp_full_match(raw_text, '{raw_csv.RECORD}') END
                        AND (last = first OR (odd = 2 AND ends_odd AND middle <= {limit}
                                              AND (q_fields = 0 OR NOT regexp_full_match(opener, '{raw_csv.RECORD}')))),
                        false) AS ok
        FROM checked""")


def _line_of_byte(con: duckdb.DuckDBPyConnection, offset: int, bom: int) -> int:
    """The physical line holding byte `offset` (exact up to the first line that is not UTF-8)."""
    found = con.execute(
        "SELECT max(n) FROM (SELECT n, ? + coalesce(sum(strlen(line) + 1) OVER (ORDER BY n ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS pos FROM _lines) WHERE pos <= ?", [bom, offset]).fetchone()[0]
    return found or 1


def stage(con: duckdb.DuckDBPyConnection, path: Path, header_line: int, width: int) -> int:
    """Fill `_incoming(line_number, raw_text, fields, problem)` as `raw_csv.frame` would: DuckDB's records up to
    the first line it rejected or that raw_csv would frame otherwise, raw_csv's framing from that line on.
    Returns the physical line where the fallback starts (past the last line when the fast path took it all)."""
    total = raw_csv.read_lines(con, path)
    rejected = _read(con, path, header_line, width)
    _place(con, header_line, width)
    with open(path, "rb") as fh:
        bom = 3 if fh.read(3) == b"\xef\xbb\xbf" else 0
    start = con.execute("SELECT coalesce(min(first) FILTER (WHERE NOT ok), max(last) + 1, ?) FROM _prefix",
                        [header_line + 1]).fetchone()[0]
    if rejected is not None:
        start = min(start, header_line + 1 if rejected < 0 else _line_of_byte(con, rejected, bom))
    # never cut inside a record; lines past the last record that are not blank are the fallback's too
    start = con.execute("SELECT least(?, coalesce(min(first) FILTER (WHERE last >= ?), ?)) FROM _recs",
                        [start, start, start]).fetchone()[0]
    start = max(start, header_line + 1)
    tail = con.execute("SELECT count(*) FROM _lines WHERE n >= ? AND regexp_replace(line, '\\r$', '') <> ''",
                       [start]).fetchone()[0]
    if tail:
        raw_csv.frame(con, start - 1, width)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _incoming "
                    "(line_number BIGINT, raw_text VARCHAR, fields VARCHAR[], problem VARCHAR)")
        start = total + 1
    con.execute("INSERT INTO _incoming SELECT first, raw_text, fields, NULL FROM _prefix WHERE last < ?", [start])
    return start
