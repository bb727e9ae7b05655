"""CSV records framed in DuckDB from a file's physical lines: line numbers, quoting, and the record-level rejects."""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb

MAX_FIELD_CHARS = 64 * 1024  # a longer field is a framing error (usually a quote that never closes)
CHUNK_BYTES = 32 * 2**20  # bytes handed to DuckDB at a time: bounds the memory of reading a big file

# One CSV field: quoted ("" escapes a quote; may hold commas and line breaks) or unquoted (never starts
# with a quote; may hold one later, as Python's csv module reads it; never holds a carriage return).
_FIELD = r'"(?:[^"]|"")*"|[^,"\r][^,\r]*|'
RECORD = f"(?:{_FIELD})(?:,(?:{_FIELD}))*"
_NEXT_FIELD = r',("(?:[^"]|"")*"|[^,]*)'  # with a leading comma: the fields of a RECORD, in order

_UNTERMINATED = ("unterminated or malformed quote: the record ran over {lines} lines; "
                 "this line rejected alone, the next line read as a new record")
TOO_LONG = f"a field is longer than {MAX_FIELD_CHARS // 1024} KiB (unterminated quote?); this line rejected alone"
MALFORMED = "unreadable CSV record: a malformed quote or a carriage return in an unquoted field"


class _BadBytes:
    """A codecs error handler that replaces undecodable bytes with U+FFFD (as 'replace') and keeps their offsets."""

    def __init__(self) -> None:
        self.offsets: list[int] = []

    def __call__(self, exc: UnicodeDecodeError) -> tuple[str, int]:
        self.offsets.append(exc.start)
        return "\ufffd", exc.end


_HANDLER = _BadBytes()
codecs.register_error("layoffs_ai_bad_bytes", _HANDLER)


def _decode(chunk: bytes, first_line: int) -> tuple[str, list[int]]:
    """Text of a chunk of whole lines, and the line numbers holding bytes that are not UTF-8."""
    try:
        return chunk.decode("utf-8"), []
    except UnicodeDecodeError:
        _HANDLER.offsets = []
        text = chunk.decode("utf-8", "layoffs_ai_bad_bytes")
        lines, at, last = [], 0, first_line
        for offset in _HANDLER.offsets:  # one count per bad byte sequence, not per line
            last += chunk.count(b"\n", at, offset)
            at = offset
            lines.append(last)
        return text, sorted(set(lines))


def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Fill temp table `_lines(n, line, bad_utf8)` with the file's physical lines (split on '\\n' only, so a
    carriage return or U+2028 inside a cell never starts a line); a leading BOM is dropped. Returns the count.

    The file is handed to DuckDB in chunks of whole lines (never row by row); bytes that are not UTF-8 are
    stored as U+FFFD and their lines flagged.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE _lines (n BIGINT, line VARCHAR, bad_utf8 BOOLEAN)")
    count, rest, first = 0, b"", True
    with open(path, "rb") as fh:
        while True:
            block = fh.read(CHUNK_BYTES)
            buffer = rest + block
            if block:
                cut = buffer.rfind(b"\n")
                if cut < 0:
                    rest = buffer
                    continue
                chunk, rest = buffer[:cut], buffer[cut + 1:]
            else:
                chunk, rest = buffer, b""
                if not chunk:
                    break
            if first:
                chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
            text, bad = _decode(chunk, count + 1)
            con.execute(
                "INSERT INTO _lines SELECT ? + i, line, list_contains(?::BIGINT[], ? + i) "
                "FROM unnest(string_split(?, chr(10))) WITH ORDINALITY AS t(line, i)",
                [count, bad, count, text])
            count += chunk.count(b"\n") + 1
            if not block:
                break
    return count


def frame(con: duckdb.DuckDBPyConnection, header_line: int, width: int, last_line: int | None = None) -> None:
    """Frame the records after `header_line` (up to `last_line`, default the last) from `_lines` into temp table
    `_incoming(line_number, raw_text, fields, problem)`: one row per data record or rejected line; blank lines
    are not records.

    A record starts outside quotes. A line with an odd number of quotes that is not a record by itself
    opens a quoted field that the next line with an odd number of quotes closes; that candidate must be a
    well-formed record of `width` fields, none over 64 KiB, or the opening line alone is rejected and the
    next line read as a new record (an unterminated quote never swallows the rows after it).
    Problems: framing, invalid UTF-8, a field count other than `width`.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _physical AS
        SELECT n, bad_utf8, line, regexp_replace(line, '\\r$', '') AS body,
               length(line) - length(replace(line, '"', '')) AS quotes,
               CASE WHEN strpos(line, '"') = 0 THEN strpos(regexp_replace(line, '\\r$', ''), chr(13)) = 0
                    ELSE regexp_full_match(regexp_replace(line, '\\r$', ''), '{RECORD}') END AS whole
        FROM _lines WHERE n > {header_line} AND n <= {last_line if last_line is not None else 'n'}""")
    multi_line = con.execute("SELECT count(*) FROM _physical WHERE quotes % 2 = 1").fetchone()[0] > 0
    con.execute(_MULTI_LINE.format(limit=MAX_FIELD_CHARS, record=RECORD, next_field=_NEXT_FIELD, width=width)
                if multi_line else
                "CREATE OR REPLACE TEMP TABLE _spans AS SELECT n, n AS last, NULL::VARCHAR AS text, "
                "NULL::VARCHAR AS problem FROM _physical WHERE body <> ''")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _incoming AS
        WITH records AS (
            SELECT s.n AS line_number, coalesce(s.text, p.body) AS raw_text, s.problem, p.quotes, p.whole,
                   s.last > s.n AS spans,
                   p.bad_utf8 OR (s.last > s.n AND EXISTS (SELECT 1 FROM _physical q
                                                             WHERE q.bad_utf8 AND q.n BETWEEN s.n AND s.last))
                       AS bad_utf8
            FROM _spans s JOIN _physical p ON p.n = s.n),
        split AS (
            SELECT *, CASE WHEN problem IS NOT NULL OR NOT (whole OR spans) THEN NULL
                           WHEN quotes = 0 THEN string_split(raw_text, ',')
                           ELSE list_transform(regexp_extract_all(',' || raw_text, '{_NEXT_FIELD}', 1),
                                lambda f: CASE WHEN starts_with(f, '"') THEN replace(f[2:-2], '""', '"') ELSE f END)
                      END AS fields
            FROM records)
        SELECT line_number, raw_text, fields,
               CASE WHEN problem IS NOT NULL THEN problem
                    WHEN fields IS NULL THEN '{MALFORMED}'
                    WHEN list_max(list_transform(fields, lambda f: length(f))) > {MAX_FIELD_CHARS} THEN '{TOO_LONG}'
                    WHEN bad_utf8 THEN 'invalid UTF-8'
                    WHEN len(fields) <> {width} THEN 'expected {width} fields, found ' || len(fields)
               END AS problem
        FROM split""")


# `_spans(n, last, text, problem)`: where each record starts and ends (last = n for one line), the text of a
# multi-line record, and the problem of a rejected opening line. Odd lines pair greedily in file order: an
# opener whose candidate is valid takes the next odd line as its closer, else it is rejected alone.
_MULTI_LINE = """
CREATE OR REPLACE TEMP TABLE _spans AS
WITH odd AS (
    SELECT n, whole, row_number() OVER (ORDER BY n) AS k, lead(n) OVER (ORDER BY n) AS closer
    FROM _physical WHERE quotes % 2 = 1),
seg AS (  -- every line belongs to the latest odd line at or before it (the window carries no text)
    SELECT n, chars, max(CASE WHEN quotes % 2 = 1 THEN n END) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS opener
    FROM (SELECT n, quotes, length(line) AS chars FROM _physical)),
span AS (
    SELECT opener, coalesce(sum(chars + 1) FILTER (WHERE n > opener), 0) AS middle_chars
    FROM seg WHERE opener IS NOT NULL GROUP BY opener),
wanted AS (
    SELECT o.n, o.closer FROM odd o JOIN span s ON s.opener = o.n
    WHERE NOT o.whole AND o.closer IS NOT NULL AND s.middle_chars <= {limit}),
pieces AS (
    SELECT w.n AS rec, s.n, p.line FROM wanted w JOIN seg s ON s.opener = w.n JOIN _physical p ON p.n = s.n
    UNION ALL SELECT w.n, p.n, p.line FROM wanted w JOIN _physical p ON p.n = w.closer),
texts AS (
    SELECT rec AS n, regexp_replace(string_agg(line, chr(10) ORDER BY n), '\r$', '') AS text FROM pieces GROUP BY rec),
checked AS (
    SELECT o.*, s.middle_chars,  -- no text: the windows below would each hold a copy of it
           t.text IS NOT NULL AND regexp_full_match(t.text, '{record}')
           AND len(regexp_extract_all(',' || t.text, '{next_field}', 1)) = {width}
           AND list_max(list_transform(regexp_extract_all(',' || t.text, '{next_field}', 1),
                                       lambda f: length(f))) <= {limit} + 2 AS pairs
    FROM odd o JOIN span s ON s.opener = o.n LEFT JOIN texts t ON t.n = o.n),
starts AS (
    SELECT *, k = 1 OR NOT lag(pairs AND NOT whole) OVER (ORDER BY k) AS restart FROM checked),
runs AS (  -- a run restarts after every odd line that does not pair; within a run, openers and closers alternate
    SELECT *, sum(CASE WHEN restart THEN 1 ELSE 0 END) OVER (ORDER BY k) AS run FROM starts),
roles AS (
    SELECT *, (k - min(k) OVER (PARTITION BY run)) % 2 = 0 AS free FROM runs),
openers AS (SELECT n, closer FROM roles WHERE free AND pairs AND NOT whole),
placed AS (
    SELECT p.n, p.body <> '' AS nonblank, max(o.n) OVER (ORDER BY p.n ROWS UNBOUNDED PRECEDING) AS opened_at,
           max(o.closer) OVER (ORDER BY p.n ROWS UNBOUNDED PRECEDING) AS closed_at
    FROM _physical p LEFT JOIN openers o ON o.n = p.n)
SELECT p.n, p.n AS last, NULL::VARCHAR AS text, NULL::VARCHAR AS problem
FROM placed p LEFT JOIN roles r ON r.n = p.n
WHERE p.nonblank AND NOT coalesce(p.n BETWEEN p.opened_at AND p.closed_at, false)
  AND (r.n IS NULL OR (r.free AND r.whole))
UNION ALL
SELECT r.n, CASE WHEN pairs THEN closer ELSE r.n END, CASE WHEN pairs THEN t.text END,
       CASE WHEN pairs THEN NULL
            WHEN closer IS NOT NULL AND middle_chars > {limit} THEN '""" + TOO_LONG + """'
            ELSE replace('""" + _UNTERMINATED.replace("{lines}", "@LINES@") + """', '@LINES@',
                         CAST(coalesce(closer, (SELECT max(n) FROM _lines)) - r.n + 1 AS VARCHAR)) END
FROM roles r LEFT JOIN texts t ON t.n = r.n WHERE free AND NOT whole
"""
