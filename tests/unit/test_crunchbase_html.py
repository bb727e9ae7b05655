"""Tests for the pure Crunchbase tracker HTML extractor (tables, tallies, embeds, layout-changed)."""

from __future__ import annotations

import csv
import html as html_lib
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError
from ingestion.crunchbase_html import (
    CANONICAL_KEYS,
    HtmlRecord,
    HtmlTally,
    extract,
    find_embed_data_url,
    to_data_url,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "crunchbase_tracker"
REAL_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "crunchbase_tracker_export_2022-11.csv"


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _fixture_line(name: str, line: int) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()[line - 1]


# ------------------------------------------------------------------ tables

TABLES = "page_with_tables.html"


@pytest.fixture(scope="module")
def tables_page():
    return extract(_read(TABLES))


def test_line_numbers_point_at_the_rows_in_the_fixture(tables_page):
    expected = {
        "Quillfeather": (36, "<td>Quillfeather</td>"),
        "Lumenhatch": (37, "<td>Lumenhatch   </td>"),
        "Brindlewave": (38, "<tr>"),  # multi-line row: the <tr> line, not the cell line
        "Vantorel": (49, "<td>Vantorel</td>"),
        "Pellucid Robotics": (51, "<td>Pellucid   Robotics</td>"),
        "Harrowgate Health": (65, "<td>Harrowgate Health</td>"),
        "Emberlight": (69, "<td>Emberlight</td>"),
    }
    by_company = {r.cells["company"]: r for r in tables_page.records}
    for company, (line, needle) in expected.items():
        assert needle in _fixture_line(TABLES, line)
        assert by_company[company].line_number == line
    assert "<td>Brindlewave</td>" in _fixture_line(TABLES, 39)


def test_every_good_row_of_both_layoff_tables_is_a_record_in_order(tables_page):
    assert [r.cells["company"] for r in tables_page.records] == [
        "Quillfeather", "Lumenhatch", "Brindlewave", "Vantorel", "Pellucid Robotics",
        "Harrowgate Health", "Tindermoss", "Corvalis AI", "Yellowbrick Freight", "Emberlight",
    ]
    titles = [r.table_title for r in tables_page.records]
    assert titles == ["Latest tech layoffs"] * 5 + ["Tracker: rounds reported in Q3 2022"] * 5


def test_cells_are_whitespace_collapsed_but_otherwise_as_found(tables_page):
    rec = {r.cells["company"]: r for r in tables_page.records}
    assert rec["Quillfeather"] == HtmlRecord(
        line_number=36,
        table_title="Latest tech layoffs",
        cells={"company": "Quillfeather", "num_layoffs": "4,000", "pct_impacted": "Unclear",
               "reported_date": "Nov. 18, 2022", "industry": "Fintech", "hq": "San Francisco", "source": "WSJ",
               "company_status": "Public", "notes": ""},
        raw_text="Quillfeather | 4,000 | Unclear | Nov. 18, 2022 | Fintech | San Francisco | WSJ | Public | ",
    )
    assert rec["Lumenhatch"].cells["notes"] == "Shut down after a failed raise, per the CEO's post"
    assert rec["Lumenhatch"].cells["num_layoffs"] == "Unclear"
    assert rec["Brindlewave"].cells["pct_impacted"] == "10%-15%"
    assert rec["Brindlewave"].cells["reported_date"] == "11/17/22"
    assert rec["Brindlewave"].cells["industry"] == "Edtech, Consumer"
    assert rec["Brindlewave"].cells["notes"] == ""
    assert rec["Vantorel"].cells["num_layoffs"] == ""
    pellucid = rec["Pellucid Robotics"].cells
    assert (pellucid["num_layoffs"], pellucid["hq"], pellucid["notes"]) == ("1,250 (est.)", "Pittsburgh",
                                                                            "Cuts span two plants")


def test_second_table_has_only_its_own_columns_mapped_from_fuzzy_headers(tables_page):
    harrowgate = next(r for r in tables_page.records if r.cells["company"] == "Harrowgate Health")
    assert harrowgate.cells == {"company": "Harrowgate Health", "num_layoffs": "310", "pct_impacted": "20%",
                                "reported_date": "Oct. 3, 2022", "industry": "Healthcare", "hq": "Nashville",
                                "source": "Reuters"}
    emberlight = next(r for r in tables_page.records if r.cells["company"] == "Emberlight")
    assert emberlight.cells["pct_impacted"] == ""


def test_row_with_a_missing_cell_is_a_problem_not_a_record(tables_page):
    assert "Ostrique Labs" in _fixture_line(TABLES, 50)
    assert tables_page.problems == [
        (50, "Ostrique Labs | 85 | Unclear | Nov. 15, 2022 | Healthcare | Denver | LinkedIn post | Private",
         "expected 9 cells, found 8"),
    ]
    assert all(r.cells["company"] != "Ostrique Labs" for r in tables_page.records)


def test_non_layoff_table_and_page_chrome_are_ignored(tables_page):
    assert all(r.cells["company"] not in ("Fintech", "Sector") for r in tables_page.records)
    assert tables_page.embeds == []  # the <link rel=preconnect> to docs.google.com is not an embed
    assert find_embed_data_url(_read(TABLES)) is None


def test_tallies_next_to_tables_are_read(tables_page):
    assert tables_page.tallies == [
        HtmlTally(73, "week", "Layoffs during week ended Nov. 18, 2022", date(2022, 11, 12), date(2022, 11, 18),
                  "At least", 5455,
                  "Layoffs during week ended Nov. 18, 2022: At least 5,455 U.S. tech sector employees were laid "
                  "off, per our tally."),
        HtmlTally(74, "year", "In 2022", date(2022, 1, 1), date(2022, 12, 31), "More than", 61870,
                  "In 2022: More than 61,870 workers at U.S.-based tech companies have been laid off in mass job "
                  "cuts, per our tally."),
    ]


# ------------------------------------------------------------------ tallies

TALLIES = "page_tallies_only.html"


def test_tallies_only_page_is_valid_and_reads_every_period():
    page = extract(_read(TALLIES))
    assert page.records == [] and page.embeds == []
    got = [(t.line_number, t.period_kind, t.period_label, t.period_start, t.period_end, t.qualifier, t.laid_off)
           for t in page.tallies]
    assert got == [
        (21, "week", "Week ended Sept. 29, 2023", date(2023, 9, 23), date(2023, 9, 29), "At least", 1480),
        (22, "week", "Week ended Oct. 6, 2023", date(2023, 9, 30), date(2023, 10, 6), "More than", 2015),
        (23, "week", "Week ended Nov 2, 2023", date(2023, 10, 27), date(2023, 11, 2), "", 905),
        (24, "week", "Layoffs during the week ended December 14, 2023", date(2023, 12, 8), date(2023, 12, 14),
         "At least", 3212),
        (28, "year", "In 2023", date(2023, 1, 1), date(2023, 12, 31), "More than", 174260),
        (29, "year", "In 2022", date(2022, 1, 1), date(2022, 12, 31), "More than", 96410),
    ]
    assert "In 2022:" in _fixture_line(TALLIES, 29)  # the second tally of a <br>-split paragraph
    assert page.tallies[1].sentence == ("Week ended Oct. 6, 2023: More than 2,015 U.S. tech sector employees were "
                                        "laid off, per our tally.")


def test_tally_with_unreadable_date_or_number_is_a_problem():
    page = extract(_read(TALLIES))
    assert [(line, text.split(":")[0]) for line, text, _ in page.problems] == [
        (25, "Week ended Sept. 31, 2023"), (26, "Week ended Oct. 13, 2023"),
    ]
    assert page.problems[0][2] == "unreadable week-ended date 'Sept. 31, 2023'"
    assert page.problems[1][2].startswith("no worker count in 'At least several hundred")


@pytest.mark.parametrize("text, reason_start", [
    ("Week ended Dec. 7, 2023: At least 2,1650 U.S. tech workers were laid off.", "unreadable worker count '2,1650'"),
    ("Week ended Dec. 7, 2023: About 1.2 million workers were laid off.", "unreadable worker count '1.2'"),
    ("Week ended 12/07/2023: At least 800 workers were laid off.", "unreadable week-ended date '12/07/2023'"),
    ("Week ended Dec. 7, 2023 at least 800 workers were laid off.", "tally sentence has no ':'"),
])
def test_malformed_tally_sentences(text, reason_start):
    page = extract(f"<html><body>\n<p>{text}</p>\n</body></html>")
    assert page.tallies == []
    assert len(page.problems) == 1 and page.problems[0][0] == 2 and page.problems[0][1] == text
    assert page.problems[0][2].startswith(reason_start)


def test_prose_that_merely_mentions_weeks_or_years_is_not_a_tally():
    with pytest.raises(SchemaError):
        extract("<p>In 2023, more than 190,000 workers were cut.</p><p>The week ended quietly: 3 cuts.</p>"
                "<li>In brief: 12 shutdowns</li><p>Last updated: Dec. 15, 2023</p>")


# ------------------------------------------------------------------ embeds

EMBED = "page_with_embed.html"
SHEET_PUB = ("https://docs.google.com/spreadsheets/d/e/2PACX-1vFAKEpublishedKEY_aBc-123/pubhtml?gid=1203344"
             "&single=true&widget=true&headers=false")


def test_embed_page_lists_data_sources_as_found_and_picks_the_embedded_sheet():
    page = extract(_read(EMBED))
    assert page.records == [] and page.tallies == [] and page.problems == []
    assert page.embeds == [
        "https://docs.google.com/spreadsheets/d/1ZZlinkedSheetKey_notTheTracker/edit#gid=77",
        SHEET_PUB,
        "https://datawrapper.dwcdn.net/aB3xY/7/",
    ]
    # the embedded (lazy-loaded) sheet beats the earlier plain link and the later chart
    assert find_embed_data_url(_read(EMBED)) == (
        "https://docs.google.com/spreadsheets/d/e/2PACX-1vFAKEpublishedKEY_aBc-123/pub?output=csv&gid=1203344")


@pytest.mark.parametrize("url, data_url", [
    ("https://datawrapper.dwcdn.net/aB3xY/7/", "https://datawrapper.dwcdn.net/aB3xY/7/dataset.csv"),
    ("https://docs.google.com/spreadsheets/d/1ZZlinkedSheetKey_notTheTracker/edit#gid=77",
     "https://docs.google.com/spreadsheets/d/1ZZlinkedSheetKey_notTheTracker/export?format=csv&gid=77"),
    ("https://docs.google.com/spreadsheets/d/1Key/htmlview", "https://docs.google.com/spreadsheets/d/1Key/export?format=csv"),
    ("https://docs.google.com/spreadsheets/d/e/2PACX-9/pub?output=html",
     "https://docs.google.com/spreadsheets/d/e/2PACX-9/pub?output=csv"),
    ("https://example.org/files/layoffs.csv", "https://example.org/files/layoffs.csv"),
    ("https://airtable.com/embed/shrFAKEview123", None),
    ("https://flo.uri.sh/visualisation/1234567/embed", None),
])
def test_to_data_url_conventions(url, data_url):
    assert to_data_url(url) == data_url


def test_datawrapper_only_page_is_valid_and_gives_its_dataset_csv():
    html = '<html><body>\n<iframe id="datawrapper-chart-Qw3rT" src="https://datawrapper.dwcdn.net/Qw3rT/2/"></iframe>\n'
    page = extract(html)
    assert page.embeds == ["https://datawrapper.dwcdn.net/Qw3rT/2/"]
    assert find_embed_data_url(html) == "https://datawrapper.dwcdn.net/Qw3rT/2/dataset.csv"


def test_embed_without_data_convention_is_returned_as_found_after_convertible_ones():
    flourish = '<iframe src="https://flo.uri.sh/visualisation/1234567/embed"></iframe>'
    airtable = '<iframe data-src="//airtable.com/embed/shrFAKEview123?backgroundColor=red"></iframe>'
    sheet = '<a href="https://docs.google.com/spreadsheets/d/1Key/edit">sheet</a>'
    assert find_embed_data_url(flourish + airtable) == "https://flo.uri.sh/visualisation/1234567/embed"
    assert find_embed_data_url(airtable) == "https://airtable.com/embed/shrFAKEview123?backgroundColor=red"
    assert find_embed_data_url(sheet + flourish) == "https://flo.uri.sh/visualisation/1234567/embed"  # embedded first
    assert find_embed_data_url(sheet) == "https://docs.google.com/spreadsheets/d/1Key/export?format=csv"


# ------------------------------------------------------------------ layout changed

def test_layout_changed_page_raises_schema_error_naming_what_is_missing():
    with pytest.raises(SchemaError) as err:
        extract(_read("page_layout_changed.html"))
    msg = str(err.value)
    assert msg == ("crunchbase_tracker: page layout changed: no layoff table, no weekly tallies and no data embed "
                   "found")
    assert "\n" not in msg
    assert find_embed_data_url(_read("page_layout_changed.html")) is None


def test_schema_error_mentions_tables_whose_headers_did_not_qualify():
    html = "<table><tr><th>Company</th><th>Industry</th></tr><tr><td>Acme</td><td>AI</td></tr></table>"
    with pytest.raises(SchemaError, match=r"no layoff table.*1 table\(s\) lack company \+ layoffs/date headers; "
                                          r"first header: Company \| Industry"):
        extract(html)


@pytest.mark.parametrize("headers, keys", [
    (["Company", "Layoffs", "Date"], ["company", "num_layoffs", "reported_date"]),
    (["Company", "Number of layoffs", "% impacted", "Location", "Status"],
     ["company", "num_layoffs", "pct_impacted", "hq", "company_status"]),
    (["Company", "Date", "Sources", "Note"], ["company", "reported_date", "source", "notes"]),
])
def test_header_variants_map_to_canonical_keys(headers, keys):
    head = "".join(f"<th>{h}</th>" for h in headers)
    row = "".join(f"<td>v{i}</td>" for i in range(len(headers)))
    page = extract(f"<h3>T</h3><table><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table>")
    assert list(page.records[0].cells) == keys
    assert page.records[0].table_title == "T"


def test_real_export_columns_map_when_rendered_as_a_table():
    """The real 2022 export (read by path) rendered as an HTML table: all 9 columns map, every row is a record."""
    if not REAL_CSV.exists():
        pytest.skip(f"real data not available at {REAL_CSV}")
    with REAL_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    lines = ["<html><body><h2>Tracker</h2><table>"]
    lines += ["<tr>" + "".join(f"<td>{html_lib.escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    page = extract("\n".join(lines + ["</table></body></html>"]))
    assert len(page.records) == len(rows) - 1 and page.problems == []
    assert all(list(r.cells) == list(CANONICAL_KEYS) for r in page.records)
    assert [r.line_number for r in page.records] == list(range(3, len(rows) + 2))
    assert page.records[0].cells["company"] == " ".join(rows[1][0].split())
    assert page.records[-1].cells["reported_date"] == " ".join(rows[-1][3].split())


def test_spanning_cells_tfoot_and_nested_tables():
    html = """<table><caption> Rounds </caption>
<tr><td>Company</td><td># laid off</td><td>Date</td></tr>
<tr><td colspan="3">Earlier in 2022</td></tr>
<tr><td>Acme</td><td colspan="2">Unclear</td></tr>
<tr><td>Beta<table><tr><td>x</td></tr></table></td><td>5</td><td>Jan. 3, 2022</td></tr>
<tfoot><tr><td>Total</td><td>5</td><td></td></tr></tfoot>
</table>"""
    page = extract(html)
    assert [(r.line_number, r.table_title, r.cells) for r in page.records] == [
        (4, "Rounds", {"company": "Acme", "num_layoffs": "Unclear", "reported_date": ""}),
        (5, "Rounds", {"company": "Betax", "num_layoffs": "5", "reported_date": "Jan. 3, 2022"}),
    ]
    assert page.problems == [(3, "Earlier in 2022", "row is a single cell spanning all 3 columns")]


def test_title_row_above_the_header_row_is_skipped():
    html = """<table>
<tr><th colspan="3">Tech layoffs, 2022</th></tr>
<tr><th>Company</th><th>Layoffs</th><th>Date</th></tr>
<tr><td>Acme</td><td>12</td><td>Jan. 3, 2022</td></tr>
</table>"""
    page = extract(html)
    assert [(r.line_number, r.cells) for r in page.records] == [
        (4, {"company": "Acme", "num_layoffs": "12", "reported_date": "Jan. 3, 2022"})]
    assert page.problems == []
