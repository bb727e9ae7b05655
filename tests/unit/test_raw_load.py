"""Raw loader: text rows with provenance, idempotent reloads, replacement of a changed snapshot, rollback on failure."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingestion.core import Column, SnapshotRows, TextRecord
from warehouse import raw_csv
from warehouse.raw_load import LoadError, ensure_raw_tables, forget_source, load_rows, table_counts

COLUMNS = [Column("company", "VARCHAR"), Column("laid_off", "VARCHAR"), Column("day", "VARCHAR"),
           Column("_extra", "JSON")]
DAY = date(2026, 11, 23)


def records(rows) -> SnapshotRows:
    """Extractor-style records: (line, fields) or (line, problem string)."""
    recs = [TextRecord(line, ",".join(f or "" for f in fields), list(fields)) if isinstance(fields, tuple)
            else TextRecord(line, "?", None, fields) for line, fields in rows]
    return SnapshotRows(source="demo", table="demo__layoffs", format="json",
                        columns={"company": 0, "laid_off": 1, "day": 2}, extra={}, width=3, records=recs)


def csv_rows(path, width=3, extra=None) -> SnapshotRows:
    return SnapshotRows(source="demo", table="demo__layoffs", format="csv",
                        columns={"company": 0, "laid_off": 1, "day": 2}, extra=extra or {}, width=width, path=path)


def _load(con, sha, rows, source="demo"):
    ensure_raw_tables(con, {"demo__layoffs": COLUMNS})
    return load_rows(con, rows, source=source, sha256=sha, snapshot_date=DAY, snapshot_path=f"/snap/{sha}")


def _dump(con):
    return {name: con.execute(f"SELECT * EXCLUDE ({'loaded_at' if name == '_loads' else 'x'}) FROM "
                              f"(SELECT *, 0 AS x FROM raw.{name}) ORDER BY ALL").fetchall()
            for name in ("demo__layoffs", "_rejects", "_loads")}


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


ROWS_A = [(2, ("Acme", "100", "1/5/2023")), (3, ("Beta ", "", "2/1/2023")), (4, "unknown choice id 'x'")]


def test_rows_are_text_and_carry_provenance(con):
    result = _load(con, "a" * 64, records(ROWS_A))
    assert (result.status, result.rows, result.rejects, result.input_rows) == ("loaded", 2, 1, 3)
    rows = con.execute("SELECT company, laid_off, day, _source, _snapshot_sha256, _snapshot_date, _line_number "
                       "FROM raw.demo__layoffs ORDER BY _line_number").fetchall()
    assert rows == [("Acme", "100", "1/5/2023", "demo", "a" * 64, DAY, 2),
                    ("Beta ", "", "2/1/2023", "demo", "a" * 64, DAY, 3)]
    assert con.execute("SELECT source, line_number, reason, kind FROM raw._rejects").fetchall() == [
        ("demo", 4, "unknown choice id 'x'", "framing")]
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name='demo__layoffs'").fetchall())
    assert types["laid_off"] == "VARCHAR" and types["_line_number"] == "BIGINT"


def test_csv_is_framed_in_duckdb_with_line_numbers_and_rejects(con, tmp_path):
    path = tmp_path / "demo.csv"
    path.write_bytes(b'company,laid_off,day,note\r\n"Acme, Inc",100,1/5/2023,x\r\n\r\n'
                     b'"Multi\nline",5,2/1/2023,y\nshort,1\nAcme2,"7,000",3/1/2023,z\n'
                     b'"Acme, Inc",100,1/5/2023,x\n')
    result = _load(con, "f" * 64, csv_rows(path, width=4, extra={"note": 3}))
    got = con.execute("SELECT _line_number, company, laid_off, _extra->>'note' FROM raw.demo__layoffs "
                      "ORDER BY 1").fetchall()
    assert got == [(2, "Acme, Inc", "100", "x"), (4, "Multi\nline", "5", "y"), (7, "Acme2", "7,000", "z")]
    assert con.execute("SELECT line_number, reason FROM raw._rejects ORDER BY 1").fetchall() == [
        (6, "expected 4 fields, found 2"), (8, "duplicate of line 2")]
    assert (result.rows, result.rejects, result.input_rows) == (3, 2, 5)


def test_same_snapshot_twice_leaves_every_table_identical(con):
    _load(con, "a" * 64, records(ROWS_A))
    before = _dump(con)
    again = _load(con, "a" * 64, records(ROWS_A))
    assert again.status == "unchanged"
    assert _dump(con) == before


def test_changed_snapshot_replaces_that_source_only(con):
    _load(con, "a" * 64, records(ROWS_A))
    _load(con, "c" * 64, records([(2, ("Other", "5", "1/1/2022"))]), source="other")
    _load(con, "b" * 64, records([(2, ("Acme", "120", "1/5/2023"))]))
    demo = con.execute("SELECT company, laid_off, _snapshot_sha256 FROM raw.demo__layoffs WHERE _source='demo'").fetchall()
    assert demo == [("Acme", "120", "b" * 64)]
    assert con.execute("SELECT count(*) FROM raw._rejects WHERE source='demo'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.demo__layoffs WHERE _source='other'").fetchone()[0] == 1
    assert [r[0] for r in con.execute("SELECT sha256 FROM raw._loads WHERE source='demo' ORDER BY loaded_at").fetchall()] == ["a" * 64, "b" * 64]


def test_failed_load_rolls_back_and_keeps_previous_rows(con):
    _load(con, "a" * 64, records(ROWS_A))
    before = _dump(con)
    broken = records([(2, ("Acme", "120", "1/5/2023"))])
    broken.columns["no_such_column"] = 0  # the insert fails inside the transaction
    with pytest.raises(LoadError, match=r"loading demo .* rolled back"):
        _load(con, "d" * 64, broken)
    assert _dump(con) == before
    assert table_counts(con)["demo__layoffs"] == 2


def test_file_is_read_in_chunks_without_loss(con, tmp_path, monkeypatch):
    monkeypatch.setattr(raw_csv, "CHUNK_BYTES", 16)
    path = tmp_path / "demo.csv"
    path.write_text("company,laid_off,day\n" + "".join(f'"Co\n{n}",{n * 10},1/{n}/2023\n' for n in range(1, 9)))
    _load(con, "e" * 64, csv_rows(path))
    got = con.execute("SELECT _line_number, company, laid_off FROM raw.demo__layoffs ORDER BY 1").fetchall()
    assert got == [(2 * n, f"Co\n{n}", str(n * 10)) for n in range(1, 9)]


def test_forget_source_removes_one_source_only():
    con = duckdb.connect()
    _load(con, "a" * 64, records([(2, ("Acme", "10", "2026-01-02")), (3, "unterminated quote")]), source="warn_or")
    _load(con, "b" * 64, records([(2, ("Bolt", "20", "2026-01-03"))]), source="demo")
    before = _dump(con)
    assert forget_source(con, "warn_or") is True
    after = _dump(con)
    assert {name: [r for r in rows if "warn_or" not in r] for name, rows in before.items()} == after
    assert all("demo" in row for rows in after.values() for row in rows) and after["demo__layoffs"]
    assert forget_source(con, "warn_or") is False and _dump(con) == after
