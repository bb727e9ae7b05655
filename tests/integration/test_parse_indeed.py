"""Tests for the Indeed Hiring Lab job-postings parsers (by sector, aggregate)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import indeed
from tests.support.snapshots import snapshot_over
from tests.support.staged import load_and_type

FIXTURES = Path(__file__).parents[1] / "fixtures" / "indeed"
BY_SECTOR = FIXTURES / "indeed_postings_by_sector_us_ugly.csv"
AGGREGATE = FIXTURES / "indeed_postings_aggregate_us_ugly.csv"


def snapshot_of(path: Path, source: str) -> Snapshot:
    return snapshot_over(path, source, license="CC BY 4.0")


@pytest.fixture(scope="module")
def indeed_files(tmp_path_factory):
    """Both ugly files loaded as text and typed by staging."""
    return load_and_type({"indeed_postings_by_sector": snapshot_of(BY_SECTOR, "indeed_postings_by_sector"),
                          "indeed_postings_aggregate": snapshot_of(AGGREGATE, "indeed_postings_aggregate")},
                         tmp_path_factory.mktemp("indeed") / "work")


def test_by_sector_rows_and_rejects(indeed_files):
    raw = indeed_files.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                             "AND table_name = 'indeed__postings_by_sector'")
    assert raw[:6] == [("date", "VARCHAR"), ("jobcountry", "VARCHAR"), ("indeed_job_postings_index", "VARCHAR"),
                       ("variable", "VARCHAR"), ("display_name", "VARCHAR"), ("_extra", "JSON")]
    rows = indeed_files.staged("indeed__postings_by_sector")
    assert sorted(rows) == [2, 3, 4, 5, 13]
    pick = ("posting_date", "job_country", "postings_index", "variable", "sector", "extra_columns")
    assert tuple(rows[2][k] for k in pick) == (date(2020, 2, 1), "US", 100.0, "total postings",
                                               "Software Development", None)
    assert rows[3]["postings_index"] == 99.7
    assert tuple(rows[5][k] for k in pick) == (date(2020, 2, 3), "US", None, "total postings", "Mathematics", None)
    assert rows[13]["sector"] == "Personal Care & Home Health"
    rejects = indeed_files.rejects("indeed_postings_by_sector")
    assert [(line, reason) for line, reason, _ in rejects] == [
        (6, "date: cannot parse '2020-02-30' as YYYY-MM-DD"),
        (7, "date: cannot parse '02/04/2020' as YYYY-MM-DD"),
        (8, "date: 2031-01-05 is outside the plausible range 2020-01-01..2026-12-24"),
        (9, "duplicate of line 3"),
        (10, "indeed_job_postings_index: cannot parse 'abc' as a number"),
        (11, "expected 5 fields, found 6"),
        (12, "date: blank key field"),
    ]
    assert rejects[5][2] == "2020-02-05,US,101.2,total postings,IT Operations & Helpdesk,extra"
    assert indeed_files.counts("indeed_postings_by_sector") == (12, 5, 7)
    assert not [w for w in indeed_files.warnings if w.startswith("indeed_postings_by_sector")]


def test_aggregate_rows_extra_column_and_reject(indeed_files):
    rows = indeed_files.staged("indeed__postings_aggregate")
    assert sorted(rows) == [2, 3, 4, 6, 7]
    pick = ("posting_date", "job_country", "postings_index_sa", "postings_index_nsa", "variable")
    assert tuple(rows[2][k] for k in pick) == (date(2020, 2, 1), "US", 100.0, 100.0, "total postings")
    assert rows[3]["variable"] == "new postings"
    assert (rows[4]["postings_index_sa"], rows[4]["postings_index_nsa"]) == (112.37, 110.02)
    assert rows[6]["postings_index_nsa"] == 120.0
    assert rows[7]["postings_index_nsa"] is None
    assert [json.loads(row["extra_columns"]) for row in rows.values()] == [
        {"revision_note": ""}, {"revision_note": "first vintage"}, {"revision_note": ""},
        {"revision_note": ""}, {"revision_note": "holiday, partial"},
    ]
    assert [(line, reason) for line, reason, _ in indeed_files.rejects("indeed_postings_aggregate")] == [
        (5, "indeed_job_postings_index_sa: 'nan' is not a finite number"),
    ]
    assert "indeed_postings_aggregate: 1 undeclared column(s) kept in _extra: revision_note" in indeed_files.warnings
    assert indeed_files.counts("indeed_postings_aggregate") == (6, 5, 1)


def test_missing_column_raises(tmp_path):
    path = tmp_path / "indeed_postings_aggregate_us_renamed.csv"
    path.write_bytes(AGGREGATE.read_bytes().replace(b"indeed_job_postings_index_NSA", b"index_nsa", 1))
    with pytest.raises(SchemaError) as info:
        indeed.read(snapshot_of(path, "indeed_postings_aggregate"))
    assert str(info.value) == (
        "indeed_postings_aggregate: missing column 'indeed_job_postings_index_NSA' (the header has 6 columns)")


def test_tab_separated_file_is_a_schema_error(tmp_path):
    path = tmp_path / "indeed_postings_by_sector_us_tabs.csv"
    path.write_bytes(BY_SECTOR.read_bytes().replace(b",", b"\t"))
    with pytest.raises(SchemaError, match="single column containing a tab; wrong delimiter"):
        indeed.read(snapshot_of(path, "indeed_postings_by_sector"))


def test_datasets_accept_github_raw_content_type():
    assert [d.id for d in indeed.DATASETS] == ["indeed_postings_by_sector", "indeed_postings_aggregate"]
    assert indeed.BY_SECTOR.url == (
        "https://raw.githubusercontent.com/hiring-lab/job_postings_tracker/master/US/job_postings_by_sector_US.csv"
    )
    assert indeed.AGGREGATE.url.endswith("/US/aggregate_job_postings_US.csv")
    assert all(d.content_types == ("text/csv", "text/plain") for d in indeed.DATASETS)
