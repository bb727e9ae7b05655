"""Raw loader: idempotent reloads, replacement of a changed snapshot, rejects kept, rollback on failure."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingestion.core import Column, Reject, Table
from warehouse.raw_load import LoadError, load_parsed, table_counts

COLUMNS = [Column("company", "VARCHAR"), Column("laid_off", "BIGINT"), Column("day", "DATE"), Column("_extra", "JSON")]


def _table(rows):
    t = Table("demo__layoffs", list(COLUMNS))
    for line, row in rows:
        t.add(line, row)
    return t


def _load(con, sha, rows, rejects=(), source="demo"):
    table = _table(rows)
    return load_parsed(con, source=source, sha256=sha, tables={table.name: table}, rejects=list(rejects),
                       input_rows=len(rows) + len(rejects), snapshot_path=f"/snap/{sha}.csv")


def _dump(con):
    out = {}
    for name in ("demo__layoffs", "_rejects", "_loads"):
        out[name] = con.execute(f"SELECT * FROM raw.{name} ORDER BY ALL").fetchall()
    return out


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


ROWS_A = [(2, ("Acme", 100, date(2023, 1, 5), None)), (3, ("Beta ", None, date(2023, 2, 1), '{"x": "1"}'))]
REJECT = Reject(4, "Gamma,12,13/45/2023", "day: cannot parse '13/45/2023'")


def test_rows_are_typed_and_carry_provenance(con):
    result = _load(con, "a" * 64, ROWS_A, [REJECT])
    assert (result.status, result.rows, result.rejects, result.input_rows) == ("loaded", 2, 1, 3)
    rows = con.execute(
        "SELECT company, laid_off, day, _extra->>'x', _source, _snapshot_sha256, _line_number "
        "FROM raw.demo__layoffs ORDER BY _line_number").fetchall()
    assert rows == [("Acme", 100, date(2023, 1, 5), None, "demo", "a" * 64, 2),
                    ("Beta ", None, date(2023, 2, 1), "1", "demo", "a" * 64, 3)]
    assert con.execute("SELECT source, snapshot_sha256, line_number, raw_text, reason FROM raw._rejects").fetchall() == [
        ("demo", "a" * 64, 4, "Gamma,12,13/45/2023", "day: cannot parse '13/45/2023'")]
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name='demo__layoffs'").fetchall())
    assert types["laid_off"] == "BIGINT" and types["day"] == "DATE" and types["_line_number"] == "BIGINT"


def test_same_snapshot_twice_leaves_every_table_identical(con):
    _load(con, "a" * 64, ROWS_A, [REJECT])
    before = _dump(con)
    again = _load(con, "a" * 64, ROWS_A, [REJECT])
    assert again.status == "unchanged"
    assert _dump(con) == before


def test_changed_snapshot_replaces_that_source_only(con):
    _load(con, "a" * 64, ROWS_A, [REJECT])
    _load(con, "c" * 64, [(2, ("Other", 5, date(2022, 1, 1), None))], source="other")
    _load(con, "b" * 64, [(2, ("Acme", 120, date(2023, 1, 5), None))])
    demo = con.execute("SELECT company, laid_off, _snapshot_sha256 FROM raw.demo__layoffs WHERE _source='demo'").fetchall()
    assert demo == [("Acme", 120, "b" * 64)]
    assert con.execute("SELECT count(*) FROM raw._rejects WHERE source='demo'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.demo__layoffs WHERE _source='other'").fetchone()[0] == 1
    assert [r[0] for r in con.execute("SELECT sha256 FROM raw._loads WHERE source='demo' ORDER BY loaded_at").fetchall()] == ["a" * 64, "b" * 64]


def test_failed_load_rolls_back_and_keeps_previous_rows(con):
    _load(con, "a" * 64, ROWS_A)
    before = _dump(con)
    with pytest.raises(LoadError, match=r"loading demo .* rolled back"):
        _load(con, "d" * 64, [(2, ("Acme", "not a number", date(2023, 1, 5), None))])
    assert _dump(con) == before
    assert table_counts(con)["demo__layoffs"] == 2


def test_rows_are_inserted_in_chunks_without_loss(con, monkeypatch):
    import warehouse.raw_load as raw_load

    monkeypatch.setattr(raw_load, "CHUNK_ROWS", 2)
    rows = [(line, (f"Co {line}", line * 10, date(2023, 1, line % 28 + 1), None)) for line in range(2, 9)]
    _load(con, "e" * 64, rows)
    got = con.execute("SELECT _line_number, company, laid_off FROM raw.demo__layoffs ORDER BY 1").fetchall()
    assert got == [(line, f"Co {line}", line * 10) for line in range(2, 9)]
