"""DuckDB's read_csv fast path against the physical-line framing (the oracle): same rows, lines, text and rejects."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import raw_csv, raw_csv_fast

HEADER = b"company,laid_off,day\n"
CLEAN = (b'Acme,100,1/5/2023\n"Beta, Inc",7,2/1/2023\n"Multi\nline ""quoted""",5,3/1/2023\n'
         b' spaced ,,\n"",0,"4/1/2023"\nab"c,9,5/1/2023\nAcme,100,1/5/2023\n')

# name -> (file bytes, header line); each holds rows around the hostile ones so a swallowed row would show
HOSTILE = {
    "unterminated quote": (HEADER + b'a,1,x\n"Broken,2,y\nc,3,z\n"Ok, Inc",4,w\nd,5,v\n', 1),
    "quote closes far away": (HEADER + b'a,1,x\n"Open,2,y\nb,3,z\nc,4,"u"\nd",5,v\ne,6,t\n', 1),
    "invalid utf-8": (HEADER + b'a,1,x\nb\xff\xfe,2,y\nc,3,z\n"m\xc3\n\xa9",4,w\nd,5,v\n', 1),
    "field counts": (HEADER + b'a,1,x\nshort,1\nlong,1,2,3\nc,3,z\n', 1),
    "blank and crlf lines": (HEADER + b'a,1,x\r\n\r\n\nb,2,y\r\n"c\r\nd",3,z\r\n  \ne,5,v', 1),
    "cr inside unquoted field": (HEADER + b'a,1,x\nb\rc,2,y\nd,3,z\n', 1),
    "two multi-line fields": (HEADER + b'a,1,x\n"m\nn","o\np",q\nd,3,z\n', 1),
    "text after closing quote": (HEADER + b'a,1,x\n"q"z,2,y\nd,3,z\n', 1),
    "field over 64 KiB": (HEADER + b"a,1,x\nb," + b"x" * (70 * 1024) + b",y\nc,3,z\n", 1),
    "multi-line field over 64 KiB": (HEADER + b'a,1,x\n"b\n' + b"y\n" * 40000 + b'",2,y\nc,3,z\n', 1),
    "header after blank lines, bom": (b"\xef\xbb\xbf\n\n" + HEADER + b"a,1,x\nb,2\nc,3,z\n", 3),
    "quote at end of file": (HEADER + b'a,1,x\nb,2,"y', 1),
    "duplicates and late reject": (HEADER + b"a,1,x\n" * 3 + b"b,2,y\n" * 50 + b"bad\n" + b"c,3,z\n" * 5, 1),
}
UNREADABLE = {"blank and crlf lines", "cr inside unquoted field"}


def _rows(con):
    return con.execute("SELECT line_number, raw_text, fields, problem FROM _incoming ORDER BY line_number").fetchall()


def old_framing(path, header_line, width=3):
    """The oracle: raw_csv's physical-line framing of the whole file (the loader before the fast path)."""
    with duckdb.connect() as con:
        raw_csv.read_lines(con, path)
        raw_csv.frame(con, header_line, width)
        return _rows(con)


def fast(path, header_line, width=3):
    with duckdb.connect() as con:
        windows = raw_csv_fast.stage(con, path, header_line, width)
        return _rows(con), windows


def write(tmp_path, data: bytes):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    return path


def test_a_clean_file_takes_the_fast_path_whole(tmp_path):
    path = write(tmp_path, HEADER + CLEAN)
    rows, windows = fast(path, 1)
    assert windows == []  # no line went to the fallback
    assert rows == old_framing(path, 1)
    assert [r[0] for r in rows] == [2, 3, 4, 6, 7, 8, 9]  # physical lines: the quoted break spans 4-5
    assert rows[2][2] == ['Multi\nline "quoted"', "5", "3/1/2023"]
    assert rows[3][2] == [" spaced ", "", ""] and rows[4][2] == ["", "0", "4/1/2023"]


def test_crlf_file_takes_the_fast_path_and_keeps_breaks_inside_quotes(tmp_path):
    data = HEADER.replace(b"\n", b"\r\n") + b'a,1,x\r\n"b\r\nc",2,y\r\nd,3,z\r\n'
    path = write(tmp_path, data)
    rows, windows = fast(path, 1)
    assert windows == [] and rows == old_framing(path, 1)
    assert rows[1][:3] == (3, '"b\r\nc",2,y', ["b\r\nc", "2", "y"])


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_equals_the_physical_line_framing(tmp_path, name):
    data, header_line = HOSTILE[name]
    path = write(tmp_path, data)
    rows, _ = fast(path, header_line)
    expected = old_framing(path, header_line)
    assert rows == expected
    records = [line for line in expected if line[3] is None]
    assert len(rows) == len(expected) and len(records) <= len(rows)  # nothing lost, nothing invented


def _clean_rows(first: int, count: int) -> bytes:
    """`count` clean records from company number `first`; every 7th has a quoted line break (odd-quote lines)."""
    return b"".join(b'"Co %d\nsecond line",%d,x\n' % (n, n) if n % 7 == 0 else b"co%d,%d,x\n" % (n, n)
                    for n in range(first, first + count))


@pytest.mark.parametrize("name", [n for n in HOSTILE if HOSTILE[n][1] == 1])
def test_hostile_lines_inside_a_long_file_equal_the_physical_line_framing(tmp_path, name):
    data, _ = HOSTILE[name]
    path = write(tmp_path, HEADER + _clean_rows(1, 700) + data.removeprefix(HEADER) + b"\n" + _clean_rows(800, 700))
    rows, windows = fast(path, 1)
    assert rows == old_framing(path, 1)
    if name in UNREADABLE:  # DuckDB's strict reader stops on a lone carriage return: one fallback for all
        assert windows == [(2, path.read_bytes().count(b"\n"))]  # the file ends with a line break
    else:
        assert windows and windows[0][0] > 700  # read_csv took the clean lines before the hostile ones


def test_a_hostile_file_falls_back_only_around_its_bad_lines(tmp_path):
    rows = [b"co%d,%d,x\n" % (n, n) for n in range(2, 3001)]
    rows[38] = b'"Broken,1,y\n'  # line 40: an unterminated quote, the next line is a row of its own
    rows[1998] = b"short,1\n"  # line 2000: too few fields
    path = write(tmp_path, HEADER + b"".join(rows))
    got, windows = fast(path, 1)
    assert got == old_framing(path, 1)
    assert [first for first, _ in windows] == [40, 2000]  # read_csv took every other stretch
    assert all(last - first < raw_csv_fast.WINDOW_LINES for first, last in windows)
    assert got[38][0] == 40 and got[38][3].startswith("unterminated or malformed quote")
    assert got[39][:3] == (41, "co41,41,x", ["co41", "41", "x"])  # the broken quote swallowed nothing
    assert got[1998][:2] == (2000, "short,1") and got[1998][3] == "expected 3 fields, found 2"


def test_many_bad_lines_end_in_one_fallback_for_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(raw_csv_fast, "MAX_WINDOWS", 2)
    rows = [b"co%d,%d,x\n" % (n, n) if n % 500 else b"bad\xff,1\n" for n in range(2, 3001)]
    path = write(tmp_path, HEADER + b"".join(rows))
    got, windows = fast(path, 1)
    assert got == old_framing(path, 1)
    assert windows[-1] == (1500, 3000) and len(windows) == 3


def test_invalid_utf8_is_flagged_on_its_own_line(tmp_path):
    path = write(tmp_path, HEADER + b"a,1,x\nb\xff,2,y\nc,3,z\n")
    rows, windows = fast(path, 1)
    assert windows[0][0] == 3 and rows == old_framing(path, 1)
    assert [(r[0], r[3]) for r in rows] == [(2, None), (3, "invalid UTF-8"), (4, None)]
    assert rows[1][1] == "b\ufffd,2,y"


def test_the_oracle_sees_a_wrong_line_number(tmp_path, monkeypatch):
    """Mutation: a fast path that placed records one line late would fail the equivalence above."""
    path = write(tmp_path, HEADER + CLEAN)
    monkeypatch.setattr(raw_csv_fast, "_place", _late(raw_csv_fast._place))
    rows, _ = fast(path, 1)
    assert rows != old_framing(path, 1)


def _late(place):
    def shifted(con, header_line, width):
        place(con, header_line + 1, width)
    return shifted


def test_a_broken_quote_on_the_first_row_does_not_send_the_whole_file_to_the_fallback(tmp_path):
    path = write(tmp_path, HEADER + b'"Broken,1,y\n' + _clean_rows(3, 2000))  # read_csv swallows all of it
    rows, windows = fast(path, 1)
    assert rows == old_framing(path, 1)
    assert windows[0][0] == 2 and windows[0][1] - windows[0][0] < 2 * raw_csv_fast.WINDOW_LINES
