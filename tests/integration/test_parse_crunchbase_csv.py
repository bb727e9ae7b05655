"""Tests for the Crunchbase News tracker parser: the CSV export, the HTML page glue, and fetch's embed follow-up."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import crunchbase_tracker
from tests.support.snapshots import snapshot_over
from tests.support.staged import load_and_type, load_snapshot
from tests.support.http_server import http_server  # noqa: F401 - fixture

FIXTURES = Path(__file__).parents[1] / "fixtures" / "crunchbase_tracker"
EXPORT = FIXTURES / "crunchbase_tracker_export_ugly.csv"
PAGE = FIXTURES / "tracker_page_small.html"
EMBED_PAGE = FIXTURES / "tracker_page_embed_only.html"
LAYOFFS = "crunchbase_tracker__layoffs"
TALLIES = "crunchbase_tracker__weekly_tallies"


def snapshot_of(path: Path, content_type: str | None = None) -> Snapshot:
    return snapshot_over(path, "crunchbase_tracker", license=crunchbase_tracker.ORIGIN.license,
                         content_type=content_type)


@pytest.fixture(scope="module")
def tracker(tmp_path_factory):
    """The ugly export, the small tracker page and the embed-only page, each under its own `_source` label, loaded
    as text and typed by staging at once."""
    return load_and_type({"crunchbase_tracker": snapshot_of(EXPORT, "text/csv"),
                          "page": ("crunchbase_tracker", snapshot_of(PAGE)),  # detected by its leading '<'
                          "embed": ("crunchbase_tracker", snapshot_of(EMBED_PAGE, "text/html; charset=UTF-8"))},
                         tmp_path_factory.mktemp("tracker") / "work")


def test_tables_and_columns(tracker):
    raw = tracker.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                        "AND table_name = ? ORDER BY column_index", [LAYOFFS])
    assert [name for name, _ in raw][:11] == [
        "company", "num_layoffs", "pct_impacted", "reported_date", "industry", "hq", "source", "company_status",
        "notes", "table_title", "_extra"]
    assert {t for name, t in raw[:10]} == {"VARCHAR"}
    tallies = tracker.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'staging' "
                            "AND table_name = ? ORDER BY column_index", [f"stg_{TALLIES}"])
    assert tallies[1:8] == [("period_kind", "VARCHAR"), ("period_label", "VARCHAR"), ("period_start", "DATE"),
                            ("period_end", "DATE"), ("qualifier", "VARCHAR"), ("laid_off", "BIGINT"),
                            ("sentence", "VARCHAR")]
    assert tracker.raw(TALLIES, "crunchbase_tracker") == {}  # the CSV export has no tallies


def test_export_counts(tracker):
    assert tracker.counts("crunchbase_tracker") == (14, 7, 7)


def test_export_typed_values(tracker):
    rows = tracker.staged(LAYOFFS, "crunchbase_tracker")
    assert sorted(rows) == [2, 3, 4, 5, 6, 14, 16]  # the quoted two-line note spans lines 14-15
    assert rows[2]["laid_off_raw"] == "Unclear"
    assert (rows[2]["laid_off"], rows[2]["laid_off_unclear"]) == (None, True)
    assert (rows[2]["pct_impacted"], rows[2]["pct_impacted_unclear"]) == (1.0, False)
    assert rows[2]["reported_date"] == date(2022, 11, 21) and rows[2]["reported_date_raw"] == "11/21/22"
    assert rows[2]["notes"] is None and rows[2]["table_title"] is None and rows[2]["extra_columns"] is None
    assert (rows[3]["laid_off_raw"], rows[3]["laid_off"]) == ("3,700", 3700)
    assert rows[3]["industry"] == "Logistics, Ecommerce"
    assert tracker.raw(LAYOFFS, "crunchbase_tracker")[4]["company"] == "Larkspur Labs  "  # raw keeps it as found
    assert rows[4]["pct_impacted"] == 0.13
    assert rows[4]["notes"] == "Earlier round in March hit sales, too."
    assert (rows[5]["laid_off_raw"], rows[5]["laid_off"], rows[5]["laid_off_unclear"]) == ("", None, True)
    assert (rows[5]["pct_impacted_raw"], rows[5]["pct_impacted"], rows[5]["pct_impacted_unclear"]) == (
        "10%-15%", None, True)
    assert rows[6]["pct_impacted"] == 0.0035
    assert rows[14]["laid_off"] == 1250 and rows[14]["pct_impacted"] == 0.075
    assert tracker.raw(LAYOFFS, "crunchbase_tracker")[14]["notes"] == "Second round this year.\r\nThe first cut 300 in May."
    assert rows[16]["company_status"] is None


def test_export_rejects(tracker):
    rejects = tracker.rejects("crunchbase_tracker")
    assert [(line, reason) for line, reason, _ in rejects] == [
        (7, "reported_date: cannot parse '13/45/22' as M/D/YYYY"),
        (8, "num_layoffs: negative count"),
        (9, "duplicate of line 3"),
        (10, "expected 9 fields, found 10"),
        (11, "reported_date: 2031-01-05 is outside the plausible range 2000-01-01..2026-12-24"),
        (12, "company: blank key field"),
        (13, "pct_impacted: '150%' is above 100%"),
    ]
    assert rejects[2][2] == 'Quillfeather,"3,700",Unclear,11/18/22,"Logistics, Ecommerce",Phoenix,WSJ,Public,'


def test_renamed_column_raises_schema_error(tmp_path):
    path = tmp_path / "crunchbase_tracker_export_renamed.csv"
    path.write_bytes(EXPORT.read_bytes().replace(b"Num_layoffs", b"Layoffs", 1))
    with pytest.raises(SchemaError) as info:
        crunchbase_tracker.read(snapshot_of(path))
    assert str(info.value) == "crunchbase_tracker: missing column 'Num_layoffs' (the header has 9 columns)"


# -- HTML page (ingestion.crunchbase_html does the extraction) ---------------------------
def test_html_page_rows_tallies_and_rejects(tracker):
    rows = tracker.staged(LAYOFFS, "page")
    assert sorted(rows) == [18, 19, 29]
    quill = rows[18]
    assert (quill["company"], quill["laid_off"], quill["reported_date"]) == ("Quillfeather", 3700, date(2022, 11, 18))
    assert quill["reported_date_raw"] == "Nov. 18, 2022" and quill["table_title"] == "Latest tech layoffs"
    assert rows[19]["reported_date"] == date(2022, 11, 17) and rows[19]["pct_impacted_unclear"] is True
    venti = rows[29]  # a table without %, industry, source, status and notes columns
    assert venti["table_title"] == "Earlier rounds"
    assert (venti["laid_off"], venti["reported_date"], venti["hq"]) == (64, date(2022, 9, 30), "San Jose")
    assert (venti["pct_impacted_raw"], venti["pct_impacted"], venti["pct_impacted_unclear"]) == (None, None, True)
    assert venti["industry"] is None and venti["notes"] is None
    assert [(line, reason) for line, reason, _ in tracker.rejects("page")] == [
        (20, "reported_date: cannot parse 'Nov. 31, 2022' as a date like 'Nov. 18, 2022' or M/D/YYYY"),
        (21, "reported_date: 2031-01-05 is outside the plausible range 2000-01-01..2026-12-24"),
        (22, "duplicate of line 18"),
        (23, "expected 9 cells, found 6"),
    ]
    assert tracker.counts("page") == (7, 3, 4)
    tallies = tracker.query(f"SELECT line_number, period_kind, period_label, period_start, period_end, qualifier, "
                            f"laid_off FROM staging.stg_{TALLIES} WHERE source = 'page' ORDER BY line_number")
    assert tallies == [
        (9, "week", "Week ended Nov. 18, 2022", date(2022, 11, 12), date(2022, 11, 18), "At least", 3120),
        (10, "year", "In 2022", date(2022, 1, 1), date(2022, 12, 31), "More than", 48900)]


def test_html_page_with_only_an_embed_has_no_rows_and_says_where_the_table_is(tracker):
    assert tracker.counts("embed") == (0, 0, 0)
    assert (
        "crunchbase_tracker: page has no table rows; its table is embedded from "
        "https://docs.google.com/spreadsheets/d/e/2PACX-inventedKey-123/pub?output=csv&gid=5") in tracker.warnings


def test_html_without_table_tally_or_embed_is_a_schema_error(tmp_path):
    path = tmp_path / "crunchbase_tracker_page.html"
    path.write_text("<html><body><h1>Tech Layoffs</h1><p>Moved to a new page.</p></body></html>")
    with pytest.raises(SchemaError, match="no layoff table"):
        crunchbase_tracker.read(snapshot_of(path, "text/html"))


# -- fetch: the page, then its embedded data when the page has no rows (local test server) -------
def _client():
    from ingestion.http import HttpClient, HttpConfig

    return HttpClient(HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=0, backoff_factor=0.0))


def test_fetch_follows_embed_when_page_has_no_rows(http_server, tmp_path):
    from ingestion.snapshot import SnapshotStore

    page = (f'<html><body><h1>Tech Layoffs</h1><iframe src="{http_server.url("/data/tracker.csv")}">'
            "</iframe></body></html>").encode()
    http_server.add("/tech-layoffs/", 200, page, {"Content-Type": "text/html; charset=UTF-8"})
    http_server.add("/data/tracker.csv", 200, EXPORT.read_bytes(), {"Content-Type": "text/csv"})
    store = SnapshotStore(tmp_path / "raw")
    with _client() as client:
        snap = crunchbase_tracker.fetch(store=store, client=client, url=http_server.url("/tech-layoffs/"))
    assert [r.path for r in http_server.requests] == ["/tech-layoffs/", "/data/tracker.csv"]
    assert snap.path.name == "tracker_embed.csv" and snap.source == "crunchbase_tracker"
    assert snap.url == http_server.url("/data/tracker.csv")
    assert (snap.path.parent / "tech-layoffs.html").is_file()  # the page is kept beside it
    result = load_snapshot("crunchbase_tracker", snap)
    assert (result.input_rows, result.rows, result.rejects) == (14, 12, 2)  # framing rejects; typing is staging's


def test_fetch_returns_page_when_it_has_rows(http_server, tmp_path):
    from ingestion.snapshot import SnapshotStore

    http_server.add("/tech-layoffs/", 200, PAGE.read_bytes(), {"Content-Type": "text/html"})
    with _client() as client:
        snap = crunchbase_tracker.fetch(store=SnapshotStore(tmp_path / "raw"), client=client,
                                        url=http_server.url("/tech-layoffs/"))
    assert [r.path for r in http_server.requests] == ["/tech-layoffs/"]
    assert snap.path.name == "tech-layoffs.html" and snap.content_type.startswith("text/html")
    assert load_snapshot("crunchbase_tracker", snap).rows == 5  # staging keeps 3: typing rejects two
