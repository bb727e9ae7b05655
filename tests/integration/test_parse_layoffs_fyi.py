"""Tests for the layoffs.fyi parser (and the shared CSV reading it relies on) over a hand-written fixture."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import layoffs_fyi
from tests.support.snapshots import snapshot_over
from tests.support.staged import load, load_and_type, load_snapshot

FIXTURE = Path(__file__).parents[1] / "fixtures" / "layoffs_fyi" / "layoffs_fyi_export_ugly.csv"


def snapshot_of(path: Path, source: str = "layoffs_fyi") -> Snapshot:
    return snapshot_over(path, source, license=layoffs_fyi.ORIGIN.license)


def variant(tmp_path: Path, data: bytes, name: str = "layoffs_fyi_export_variant.csv") -> Snapshot:
    path = tmp_path / name
    path.write_bytes(data)
    return snapshot_of(path)


VIEW_FIXTURE = FIXTURE.parent / "airtable_view.json"
SAME_EVENTS_CSV = FIXTURE.parent / "airtable_view_as_export.csv"


def view_variant(tmp_path: Path, edit, name: str = "layoffs_fyi_airtable.json") -> Snapshot:
    view = json.loads(VIEW_FIXTURE.read_text())
    edit(view["data"]["table"])
    return variant(tmp_path, json.dumps(view).encode(), name)


def _json_bad_rows(table):
    rows = table["rows"]
    rows[0]["cellValuesByColumnId"]["fldPercent0000001"] = 1.5
    rows[1]["cellValuesByColumnId"]["fldIndustry000001"] = "selIndGone0000001"
    del rows[2]["cellValuesByColumnId"]["fldDate0000000001"]
    rows[3]["cellValuesByColumnId"]["fldDateAdded00001"] = "2031-02-03T00:00:00.000Z"
    rows.append({**rows[4], "id": "recInventedRow006"})  # same cells as the row before: a duplicate


def _json_restyled(table):
    for column, name in zip(table["columns"], ["COMPANY", "location hq", "#Laid-Off", "date", "% ", "industry"]):
        column["name"] = name


REORDERED = ("date,company,total_laid_off,location,percentage_laid_off,industry,source,stage,funds_raised,country,"
             "date_added\n3/4/2024,Acme,\"1,200\",\"Berlin, Non-U.S.\",0.3,Retail,https://example.com/a,Series A,12,"
             "Germany,3/5/2024\n")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """The ugly export and its variants, each under its own `_source` label, loaded and typed by staging at once."""
    tmp = tmp_path_factory.mktemp("fyi")
    snaps = {
        "layoffs_fyi": snapshot_of(FIXTURE),
        "view": ("layoffs_fyi", snapshot_of(VIEW_FIXTURE)),
        "export": ("layoffs_fyi", snapshot_of(SAME_EVENTS_CSV)),
        "bad_view": ("layoffs_fyi", view_variant(tmp, _json_bad_rows, "bad_airtable.json")),
        "restyled": ("layoffs_fyi", view_variant(tmp, _json_restyled, "restyled_airtable.json")),
        "reordered": ("layoffs_fyi", variant(tmp, REORDERED.encode(), "reordered.csv")),
    }
    return load_and_type(snaps, tmp / "work")


def test_raw_columns_are_text_and_staging_types_them(result):
    raw = result.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                       "AND table_name = 'layoffs_fyi__layoffs'")
    assert raw[:11] == [(c, "VARCHAR") for c in (
        "company", "location", "total_laid_off", "date", "percentage_laid_off", "industry", "source", "stage",
        "funds_raised", "country", "date_added")]
    assert dict(raw)["_extra"] == "JSON" and dict(raw)["_line_number"] == "BIGINT"
    typed = dict(result.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'staging' "
                              "AND table_name = 'stg_layoffs_fyi__layoffs'"))
    assert (typed["laid_off"], typed["reported_date"], typed["pct_impacted"], typed["laid_off_unclear"],
            typed["date_added"]) == ("BIGINT", "DATE", "DOUBLE", "BOOLEAN", "DATE")
    assert "_reject_reason" not in typed and "_raw_text" not in typed


def test_counts_invariant(result):
    load = result.loads["layoffs_fyi"]
    assert (load.input_rows, load.rows, load.rejects) == (13, 10, 3)  # raw: framing rejects (UTF-8, width, copy)
    assert result.counts("layoffs_fyi") == (13, 6, 7)  # ... staging: accepted rows and every reject
    assert len(result.staged("layoffs_fyi__layoffs", "layoffs_fyi")) + len(result.rejects("layoffs_fyi")) == 13


def test_typed_values_of_ugly_rows(result):
    rows = result.staged("layoffs_fyi__layoffs", "layoffs_fyi")
    assert sorted(rows) == [2, 3, 4, 5, 13, 14]
    harbor = rows[2]
    assert harbor["laid_off_raw"] == "12500.0"
    assert harbor["laid_off"] == 12500 and type(harbor["laid_off"]) is int
    assert harbor["laid_off_unclear"] is False
    assert harbor["reported_date"] == date(2026, 1, 26) and harbor["reported_date_raw"] == "1/26/2026"
    assert harbor["pct_impacted_raw"] == ""
    assert harbor["pct_impacted"] is None and harbor["pct_impacted_unclear"] is True
    assert harbor["funds_raised_musd"] == 5400.0
    assert harbor["date_added"] == date(2026, 1, 27)
    assert harbor["extra_columns"] is None
    assert rows[3]["pct_impacted"] == 0.12
    quorra = rows[4]
    assert quorra["location"] == "Ottawa, Non-U.S."
    assert quorra["laid_off"] is None and quorra["laid_off_unclear"] is True
    assert quorra["pct_impacted"] == 1.0 and quorra["funds_raised_musd"] == 31.5
    assert quorra["date_added"] == date(2026, 1, 20)
    assert result.raw("layoffs_fyi__layoffs", "layoffs_fyi")[5]["company"] == " Fennick "  # kept exactly as found
    assert rows[5]["funds_raised_musd"] is None
    assert rows[13]["stage"] == "Unknown"
    assert rows[14]["date_added"] is None


def test_rejects_reasons_lines_and_text(result):
    rejects = result.rejects("layoffs_fyi")
    assert [(line, reason) for line, reason, _ in rejects] == [
        (6, "date: cannot parse '13/45/2022' as M/D/YYYY"),
        (7, "total_laid_off: negative count"),
        (8, "invalid UTF-8"),
        (9, "duplicate of line 4"),
        (10, "expected 11 fields, found 12"),
        (11, "date: 2031-01-05 is outside the plausible range 2000-01-01..2026-12-24"),
        (12, "percentage_laid_off: '1.5' is above 1 as a fraction"),
    ]
    by_line = {line: text for line, _, text in rejects}
    assert by_line[6].startswith("Sablewood,New York City,120.0,13/45/2022,")
    assert by_line[8].startswith("Caf\ufffd Systems,")  # the bad byte is shown, not lost
    assert by_line[10].endswith(",10/22/2025,oops")


def test_missing_column_raises_schema_error_naming_it(tmp_path):
    data = FIXTURE.read_bytes().replace(b"total_laid_off,", b"laid_off_total,", 1)
    with pytest.raises(SchemaError) as info:
        layoffs_fyi.read(variant(tmp_path, data))
    message = str(info.value)
    assert message == "layoffs_fyi: missing column 'total_laid_off' (the header has 11 columns)"
    assert "\n" not in message


def test_wrong_delimiter_is_a_schema_error(tmp_path):
    header = FIXTURE.read_bytes().split(b"\n")[0].replace(b",", b";")
    with pytest.raises(SchemaError, match="single column containing ';'"):
        layoffs_fyi.read(variant(tmp_path, header + b"\nAcme;Seattle;10;1/2/2025;;;;;;;\n"))


def test_empty_file_and_html_are_schema_errors(tmp_path):
    with pytest.raises(SchemaError, match="^layoffs_fyi: empty file$"):
        layoffs_fyi.read(variant(tmp_path, b"", "empty.csv"))
    with pytest.raises(SchemaError, match="^layoffs_fyi: empty file$"):
        layoffs_fyi.read(variant(tmp_path, b"\n\n", "blank.csv"))
    with pytest.raises(SchemaError, match="looks like HTML"):
        layoffs_fyi.read(variant(tmp_path, b"<!DOCTYPE html><html><body>Airtable</body></html>", "page.csv"))


def test_header_only_gives_zero_rows(tmp_path):
    header = FIXTURE.read_bytes().split(b"\n")[0]
    result = load_snapshot("layoffs_fyi", variant(tmp_path, b"\xef\xbb\xbf" + header + b"\r\n"))
    assert (result.rows, result.rejects, result.input_rows) == (0, 0, 0)


def test_extra_columns_go_to_extra_json_with_warning(tmp_path):
    lines = FIXTURE.read_bytes().split(b"\n")
    data = lines[0] + b",tags\n" + lines[2] + b',"hiring freeze, AI"\n' + lines[13] + b",\n"
    loaded = load({"layoffs_fyi": variant(tmp_path, data)}, tmp_path / "w.duckdb")
    rows = loaded.raw("layoffs_fyi__layoffs")
    assert [json.loads(row["_extra"]) for row in rows.values()] == [{"tags": "hiring freeze, AI"}, {"tags": ""}]
    assert rows[2]["company"] == "Pinwheel Social"
    assert loaded.warnings == ["layoffs_fyi: 1 undeclared column(s) kept in _extra: tags"]


def test_reordered_columns_are_read_by_name(result):
    row = result.staged("layoffs_fyi__layoffs", "reordered")[2]
    assert (row["company"], row["location"], row["laid_off_raw"], row["laid_off"], row["laid_off_unclear"],
            row["reported_date_raw"], row["reported_date"]) == (
        "Acme", "Berlin, Non-U.S.", "1,200", 1200, False, "3/4/2024", date(2024, 3, 4))


def test_fetch_offline_then_load(tmp_path):
    from ingestion.snapshot import SnapshotStore

    snap = layoffs_fyi.fetch(store=SnapshotStore(tmp_path / "raw"), snapshot_dir=FIXTURE.parent)
    assert snap.source == "layoffs_fyi"
    assert snap.read_bytes() == FIXTURE.read_bytes()
    assert snap.license == "layoffs.fyi public data; cite layoffs.fyi"
    assert snap.citation == "Roger Lee, layoffs.fyi tech layoffs tracker"
    loaded = load_snapshot("layoffs_fyi", snap)
    assert (loaded.rows, loaded.rejects, loaded.input_rows) == (10, 3, 13)  # framing; typing happens in staging


def test_stray_carriage_return_rejects_only_that_record(tmp_path):
    lines = FIXTURE.read_bytes().split(b"\n")
    data = b"\n".join([lines[0], lines[1], lines[2].replace(b"Pinwheel Social", b"Pinwheel\rSocial"), lines[3]])
    loaded = load({"layoffs_fyi": variant(tmp_path, data)}, tmp_path / "w.duckdb")
    assert [(line, reason) for line, reason, _ in loaded.rejects()] == [
        (3, "unreadable CSV record: a malformed quote or a carriage return in an unquoted field"),
    ]
    assert sorted(loaded.raw("layoffs_fyi__layoffs")) == [2, 4]


def test_registry_order_and_no_network_imports_at_import_time():
    import subprocess
    import sys

    code = (
        "import sys; import ingestion.sources as s; "
        "print(','.join(s.DATASETS)); "
        "print(sorted(m for m in sys.modules if m in ('requests', 'urllib3', 'bs4', 'ingestion.fetching', 'ingestion.http')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert out == [
        "crunchbase_tracker,layoffs_fyi,epoch_notable,epoch_all,indeed_postings_by_sector,indeed_postings_aggregate,"
        "warn_wa,warn_or,warn_ny",
        "[]",
    ]
    from ingestion import sources

    dataset, module = sources.get("epoch_all")
    assert (dataset.id, module.__name__) == ("epoch_all", "ingestion.sources.epoch")
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        sources.get("nope")


# -- the Airtable shared-view JSON -----------------------------------------------------------------
TYPED = ("company", "location", "laid_off", "laid_off_unclear", "reported_date", "pct_impacted", "industry",
         "news_source", "stage", "funds_raised_musd", "country", "date_added")


def test_json_and_csv_of_the_same_events_load_the_same_rows(result):
    json_rows, csv_rows = result.staged("layoffs_fyi__layoffs", "view"), result.staged("layoffs_fyi__layoffs", "export")
    assert sorted(json_rows) == sorted(csv_rows) == [2, 3, 4, 5, 6]
    assert result.rejects("view") == result.rejects("export") == []
    for line in json_rows:
        j, c = json_rows[line], csv_rows[line]
        # each keeps its own date text (ISO from the view, M/D/YYYY from the export); the typed values are equal
        assert j["reported_date_raw"][:10] == j["reported_date"].isoformat()
        assert c["reported_date_raw"] == f"{c['reported_date']:%-m/%-d/%Y}"
        assert {k: j[k] for k in TYPED} == {k: c[k] for k in TYPED}
    assert json.loads(json_rows[4]["extra_columns"]) == {"List of Employees Laid Off": "https://example.com/fennick-alumni"}


def test_json_bad_rows_become_rejects_with_row_line_numbers_and_json_text(result):
    rejects = result.rejects("bad_view")
    assert [(line, reason) for line, reason, _ in rejects] == [
        (2, "percentage_laid_off: '1.5' is above 1 as a fraction"),
        (3, "Industry: unknown choice id 'selIndGone0000001'"),
        (4, "date: blank key field"),
        (5, "date_added: 2031-02-03 is outside the plausible range 2000-01-01..2026-12-24"),
        (7, "duplicate of line 6"),
    ]
    assert json.loads(rejects[1][2])["id"] == "recInventedRow002"
    assert sorted(result.staged("layoffs_fyi__layoffs", "bad_view")) == [6]
    assert result.counts("bad_view") == (6, 1, 5)


def test_json_renamed_column_and_empty_rows_are_schema_errors(tmp_path):
    def rename(table):
        table["columns"][2]["name"] = "Headcount Cut"

    with pytest.raises(SchemaError) as info:
        layoffs_fyi.read(view_variant(tmp_path, rename))
    assert str(info.value) == "layoffs_fyi: missing column '# Laid Off' (the view has 12 columns)"
    with pytest.raises(SchemaError, match="^layoffs_fyi: the shared view returned no rows$"):
        layoffs_fyi.read(view_variant(tmp_path, lambda table: table["rows"].clear()))


def test_json_columns_matched_ignoring_case_and_punctuation(result):
    row = result.staged("layoffs_fyi__layoffs", "restyled")[2]
    assert (row["company"], row["location"], row["laid_off"], row["pct_impacted"]) == ("Harborlight", "Seattle", 1200, 0.12)
