"""Tests for the Indeed Hiring Lab job-postings parsers (by sector, aggregate)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import indeed
from tests.support.snapshots import snapshot_over

FIXTURES = Path(__file__).parent / "fixtures" / "indeed"
BY_SECTOR = FIXTURES / "indeed_postings_by_sector_us_ugly.csv"
AGGREGATE = FIXTURES / "indeed_postings_aggregate_us_ugly.csv"


def snapshot_of(path: Path, source: str) -> Snapshot:
    return snapshot_over(path, source, license="CC BY 4.0")


def test_by_sector_rows_and_rejects():
    result = indeed.parse(snapshot_of(BY_SECTOR, "indeed_postings_by_sector"))
    table = result.tables["indeed__postings_by_sector"]
    assert result.primary == "indeed__postings_by_sector"
    assert [(c.name, c.type) for c in table.columns] == [
        ("date", "DATE"), ("jobcountry", "VARCHAR"), ("indeed_job_postings_index", "DOUBLE"),
        ("variable", "VARCHAR"), ("display_name", "VARCHAR"), ("_extra", "JSON"),
    ]
    assert table.line_numbers == [2, 3, 4, 5, 13]
    assert table.rows[0] == (date(2020, 2, 1), "US", 100.0, "total postings", "Software Development", None)
    assert table.rows[1][2] == 99.7
    assert table.rows[3] == (date(2020, 2, 3), "US", None, "total postings", "Mathematics", None)
    assert table.rows[4][4] == "Personal Care & Home Health"
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (6, "date: cannot parse '2020-02-30' as YYYY-MM-DD"),
        (7, "date: cannot parse '02/04/2020' as YYYY-MM-DD"),
        (8, "date: 2031-01-05 is outside the plausible range 2020-01-01..2026-12-24"),
        (9, "duplicate of line 3"),
        (10, "indeed_job_postings_index: cannot parse 'abc' as a number"),
        (11, "expected 5 fields, found 6"),
        (12, "date: blank key field"),
    ]
    assert result.rejects[5].raw_text == "2020-02-05,US,101.2,total postings,IT Operations & Helpdesk,extra"
    assert (result.input_rows, result.rows) == (12, 5)
    assert result.rows + len(result.rejects) == result.input_rows
    assert result.warnings == []


def test_aggregate_rows_extra_column_and_reject():
    result = indeed.parse(snapshot_of(AGGREGATE, "indeed_postings_aggregate"))
    table = result.tables["indeed__postings_aggregate"]
    assert [c.name for c in table.columns] == [
        "date", "jobcountry", "indeed_job_postings_index_sa", "indeed_job_postings_index_nsa", "variable", "_extra",
    ]
    assert table.line_numbers == [2, 3, 4, 6, 7]
    assert table.rows[0][:5] == (date(2020, 2, 1), "US", 100.0, 100.0, "total postings")
    assert table.rows[1][4] == "new postings"
    assert table.rows[2][2:4] == (112.37, 110.02)
    assert table.rows[3][3] == 120.0
    assert table.rows[4][3] is None
    assert [json.loads(row[5]) for row in table.rows] == [
        {"revision_note": ""}, {"revision_note": "first vintage"}, {"revision_note": ""},
        {"revision_note": ""}, {"revision_note": "holiday, partial"},
    ]
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (5, "indeed_job_postings_index_sa: 'nan' is not a finite number"),
    ]
    assert result.warnings == ["indeed_postings_aggregate: 1 undeclared column(s) kept in _extra: revision_note"]
    assert result.rows + len(result.rejects) == result.input_rows == 6


def test_missing_column_raises(tmp_path):
    path = tmp_path / "indeed_postings_aggregate_us_renamed.csv"
    path.write_bytes(AGGREGATE.read_bytes().replace(b"indeed_job_postings_index_NSA", b"index_nsa", 1))
    with pytest.raises(SchemaError) as info:
        indeed.parse(snapshot_of(path, "indeed_postings_aggregate"))
    assert str(info.value) == (
        "indeed_postings_aggregate: missing column 'indeed_job_postings_index_NSA' (the header has 6 columns)")


def test_tab_separated_file_is_a_schema_error(tmp_path):
    path = tmp_path / "indeed_postings_by_sector_us_tabs.csv"
    path.write_bytes(BY_SECTOR.read_bytes().replace(b",", b"\t"))
    with pytest.raises(SchemaError, match="single column containing a tab; wrong delimiter"):
        indeed.parse(snapshot_of(path, "indeed_postings_by_sector"))


def test_datasets_accept_github_raw_content_type():
    assert [d.id for d in indeed.DATASETS] == ["indeed_postings_by_sector", "indeed_postings_aggregate"]
    assert indeed.BY_SECTOR.url == (
        "https://raw.githubusercontent.com/hiring-lab/job_postings_tracker/master/US/job_postings_by_sector_US.csv"
    )
    assert indeed.AGGREGATE.url.endswith("/US/aggregate_job_postings_US.csv")
    assert all(d.content_types == ("text/csv", "text/plain") for d in indeed.DATASETS)
