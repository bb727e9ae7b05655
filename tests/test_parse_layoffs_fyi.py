"""Tests for the layoffs.fyi parser (and the shared CSV reading it relies on) over a hand-written fixture."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import layoffs_fyi
from tests.support.snapshots import snapshot_over

FIXTURE = Path(__file__).parent / "fixtures" / "layoffs_fyi" / "layoffs_fyi_export_ugly.csv"


def snapshot_of(path: Path, source: str = "layoffs_fyi") -> Snapshot:
    return snapshot_over(path, source, license=layoffs_fyi.ORIGIN.license)


def variant(tmp_path: Path, data: bytes, name: str = "layoffs_fyi_export_variant.csv") -> Snapshot:
    path = tmp_path / name
    path.write_bytes(data)
    return snapshot_of(path)


@pytest.fixture(scope="module")
def result():
    return layoffs_fyi.parse(snapshot_of(FIXTURE))


def rows_by_line(result):
    table = result.tables["layoffs_fyi__layoffs"]
    names = [c.name for c in table.columns]
    return {line: dict(zip(names, row)) for line, row in zip(table.line_numbers, table.rows)}


def test_table_columns_match_contract(result):
    table = result.tables["layoffs_fyi__layoffs"]
    assert result.primary == "layoffs_fyi__layoffs"
    assert [(c.name, c.type) for c in table.columns] == [
        ("company", "VARCHAR"), ("location", "VARCHAR"), ("total_laid_off_raw", "VARCHAR"),
        ("total_laid_off", "BIGINT"), ("total_laid_off_unclear", "BOOLEAN"), ("date_raw", "VARCHAR"),
        ("date", "DATE"), ("percentage_laid_off_raw", "VARCHAR"), ("percentage_laid_off", "DOUBLE"),
        ("percentage_laid_off_unclear", "BOOLEAN"), ("industry", "VARCHAR"), ("source", "VARCHAR"),
        ("stage", "VARCHAR"), ("funds_raised", "DOUBLE"), ("country", "VARCHAR"), ("date_added", "DATE"),
        ("_extra", "JSON"),
    ]


def test_counts_invariant(result):
    assert result.input_rows == 13
    assert result.rows == 6
    assert result.rows + len(result.rejects) == result.input_rows


def test_typed_values_of_ugly_rows(result):
    rows = rows_by_line(result)
    assert sorted(rows) == [2, 3, 4, 5, 13, 14]
    harbor = rows[2]
    assert harbor["total_laid_off_raw"] == "12500.0"
    assert harbor["total_laid_off"] == 12500 and type(harbor["total_laid_off"]) is int
    assert harbor["total_laid_off_unclear"] is False
    assert harbor["date"] == date(2026, 1, 26) and harbor["date_raw"] == "1/26/2026"
    assert harbor["percentage_laid_off_raw"] == ""
    assert harbor["percentage_laid_off"] is None and harbor["percentage_laid_off_unclear"] is True
    assert harbor["funds_raised"] == 5400.0
    assert harbor["date_added"] == date(2026, 1, 27)
    assert harbor["_extra"] is None
    assert rows[3]["percentage_laid_off"] == 0.12
    quorra = rows[4]
    assert quorra["location"] == "Ottawa, Non-U.S."
    assert quorra["total_laid_off"] is None and quorra["total_laid_off_unclear"] is True
    assert quorra["percentage_laid_off"] == 1.0 and quorra["funds_raised"] == 31.5
    assert quorra["date_added"] == date(2026, 1, 20)
    fennick = rows[5]
    assert fennick["company"] == " Fennick "  # kept exactly as found
    assert fennick["funds_raised"] is None
    assert rows[13]["stage"] == "Unknown"
    assert rows[14]["date_added"] is None


def test_rejects_reasons_lines_and_text(result):
    got = [(r.line_number, r.reason) for r in result.rejects]
    assert got == [
        (6, "date: cannot parse '13/45/2022' as M/D/YYYY"),
        (7, "total_laid_off: negative count"),
        (8, "invalid UTF-8"),
        (9, "duplicate of line 4"),
        (10, "expected 11 fields, found 12"),
        (11, "date: 2031-01-05 is outside the plausible range 2000-01-01..2026-12-24"),
        (12, "percentage_laid_off: '1.5' is above 1 as a fraction"),
    ]
    by_line = {r.line_number: r.raw_text for r in result.rejects}
    assert by_line[6].startswith("Sablewood,New York City,120.0,13/45/2022,")
    assert by_line[8].startswith("Caf\ufffd Systems,")  # the bad byte is shown, not lost
    assert by_line[10].endswith(",10/22/2025,oops")


def test_missing_column_raises_schema_error_naming_it(tmp_path):
    data = FIXTURE.read_bytes().replace(b"total_laid_off,", b"laid_off_total,", 1)
    with pytest.raises(SchemaError) as info:
        layoffs_fyi.parse(variant(tmp_path, data))
    message = str(info.value)
    assert message == "layoffs_fyi: missing column 'total_laid_off' (the header has 11 columns)"
    assert "\n" not in message


def test_wrong_delimiter_is_a_schema_error(tmp_path):
    header = FIXTURE.read_bytes().split(b"\n")[0].replace(b",", b";")
    with pytest.raises(SchemaError, match="single column containing ';'"):
        layoffs_fyi.parse(variant(tmp_path, header + b"\nAcme;Seattle;10;1/2/2025;;;;;;;\n"))


def test_empty_file_and_html_are_schema_errors(tmp_path):
    with pytest.raises(SchemaError, match="^layoffs_fyi: empty file$"):
        layoffs_fyi.parse(variant(tmp_path, b"", "empty.csv"))
    with pytest.raises(SchemaError, match="^layoffs_fyi: empty file$"):
        layoffs_fyi.parse(variant(tmp_path, b"\n\n", "blank.csv"))
    with pytest.raises(SchemaError, match="looks like HTML"):
        layoffs_fyi.parse(variant(tmp_path, b"<!DOCTYPE html><html><body>Airtable</body></html>", "page.csv"))


def test_header_only_gives_zero_rows(tmp_path):
    header = FIXTURE.read_bytes().split(b"\n")[0]
    result = layoffs_fyi.parse(variant(tmp_path, b"\xef\xbb\xbf" + header + b"\r\n"))
    assert (result.rows, result.rejects, result.input_rows) == (0, [], 0)


def test_extra_columns_go_to_extra_json_with_warning(tmp_path):
    lines = FIXTURE.read_bytes().split(b"\n")
    data = lines[0] + b",tags\n" + lines[2] + b',"hiring freeze, AI"\n' + lines[13] + b",\n"
    result = layoffs_fyi.parse(variant(tmp_path, data))
    table = result.tables["layoffs_fyi__layoffs"]
    assert [json.loads(row[-1]) for row in table.rows] == [{"tags": "hiring freeze, AI"}, {"tags": ""}]
    assert table.rows[0][0] == "Pinwheel Social"
    assert result.warnings == ["layoffs_fyi: 1 undeclared column(s) kept in _extra: tags"]


def test_reordered_columns_are_read_by_name(tmp_path):
    text = "date,company,total_laid_off,location,percentage_laid_off,industry,source,stage,funds_raised,country,date_added\n"
    text += '3/4/2024,Acme,"1,200","Berlin, Non-U.S.",0.3,Retail,https://example.com/a,Series A,12,Germany,3/5/2024\n'
    result = layoffs_fyi.parse(variant(tmp_path, text.encode()))
    row = result.tables["layoffs_fyi__layoffs"].rows[0]
    assert row[:7] == ("Acme", "Berlin, Non-U.S.", "1,200", 1200, False, "3/4/2024", date(2024, 3, 4))


def test_fetch_offline_then_parse(tmp_path):
    from ingestion.snapshot import SnapshotStore

    snap = layoffs_fyi.fetch(store=SnapshotStore(tmp_path / "raw"), snapshot_dir=FIXTURE.parent)
    assert snap.source == "layoffs_fyi"
    assert snap.read_bytes() == FIXTURE.read_bytes()
    assert snap.license == "layoffs.fyi public data; cite layoffs.fyi"
    assert snap.citation == "Roger Lee, layoffs.fyi tech layoffs tracker"
    parsed = layoffs_fyi.parse(snap)
    assert (parsed.rows, len(parsed.rejects)) == (6, 7)


def test_stray_carriage_return_rejects_only_that_record(tmp_path):
    lines = FIXTURE.read_bytes().split(b"\n")
    data = b"\n".join([lines[0], lines[1], lines[2].replace(b"Pinwheel Social", b"Pinwheel\rSocial"), lines[3]])
    result = layoffs_fyi.parse(variant(tmp_path, data))
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (3, "unreadable CSV record: new-line character seen in unquoted field"),
    ]
    assert result.tables["layoffs_fyi__layoffs"].line_numbers == [2, 4]


def test_registry_order_and_no_network_imports_at_import_time():
    import subprocess
    import sys

    code = (
        "import sys; import ingestion.sources as s; "
        "print(','.join(s.DATASETS)); "
        "print(sorted(m for m in sys.modules if m in ('requests', 'urllib3', 'bs4', 'ingestion.fetching', 'ingestion.http')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.splitlines()
    assert out == [
        "crunchbase_tracker,layoffs_fyi,epoch_notable,epoch_all,indeed_postings_by_sector,indeed_postings_aggregate",
        "[]",
    ]
    from ingestion import sources

    dataset, module = sources.get("epoch_all")
    assert (dataset.id, module.__name__) == ("epoch_all", "ingestion.sources.epoch")
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        sources.get("nope")


# -- the Airtable shared-view JSON -----------------------------------------------------------------
VIEW_FIXTURE = FIXTURE.parent / "airtable_view.json"
SAME_EVENTS_CSV = FIXTURE.parent / "airtable_view_as_export.csv"


def view_variant(tmp_path: Path, edit) -> Snapshot:
    view = json.loads(VIEW_FIXTURE.read_text())
    edit(view["data"]["table"])
    return variant(tmp_path, json.dumps(view).encode(), "layoffs_fyi_airtable.json")


def test_json_and_csv_of_the_same_events_load_the_same_rows():
    from_json = layoffs_fyi.parse(snapshot_of(VIEW_FIXTURE))
    from_csv = layoffs_fyi.parse(snapshot_of(SAME_EVENTS_CSV))
    json_rows, csv_rows = rows_by_line(from_json), rows_by_line(from_csv)
    assert sorted(json_rows) == sorted(csv_rows) == [2, 3, 4, 5, 6]
    assert (from_json.rejects, from_csv.rejects, from_json.warnings) == ([], [], from_csv.warnings)
    for line in json_rows:
        j, c = json_rows[line], csv_rows[line]
        # each keeps its own date text (ISO from the view, M/D/YYYY from the export); all else is equal
        assert (j.pop("date_raw"), c.pop("date_raw")) == (j["date"].isoformat(), f"{j['date']:%-m/%-d/%Y}")
        assert j == c
    assert json.loads(json_rows[4]["_extra"]) == {"List of Employees Laid Off": "https://example.com/fennick-alumni"}


def test_json_bad_rows_become_rejects_with_row_line_numbers_and_json_text(tmp_path):
    def edit(table):
        rows = table["rows"]
        rows[0]["cellValuesByColumnId"]["fldPercent0000001"] = 1.5
        rows[1]["cellValuesByColumnId"]["fldIndustry000001"] = "selIndGone0000001"
        del rows[2]["cellValuesByColumnId"]["fldDate0000000001"]
        rows[3]["cellValuesByColumnId"]["fldDateAdded00001"] = "2031-02-03T00:00:00.000Z"
        rows.append({**rows[4], "id": "recInventedRow006"})  # same cells as the row before: a duplicate

    result = layoffs_fyi.parse(view_variant(tmp_path, edit))
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (2, "percentage_laid_off: '1.5' is above 1 as a fraction"),
        (3, "Industry: unknown choice id 'selIndGone0000001'"),
        (4, "date: blank key field"),
        (5, "date_added: 2031-02-03 is outside the plausible range 2000-01-01..2026-12-24"),
        (7, "duplicate of line 6"),
    ]
    assert json.loads(result.rejects[1].raw_text)["id"] == "recInventedRow002"
    assert result.tables["layoffs_fyi__layoffs"].line_numbers == [6]
    assert result.rows + len(result.rejects) == result.input_rows == 6


def test_json_renamed_column_and_empty_rows_are_schema_errors(tmp_path):
    def rename(table):
        table["columns"][2]["name"] = "Headcount Cut"

    with pytest.raises(SchemaError) as info:
        layoffs_fyi.parse(view_variant(tmp_path, rename))
    assert str(info.value) == "layoffs_fyi: missing column '# Laid Off' (the view has 12 columns)"
    with pytest.raises(SchemaError, match="^layoffs_fyi: the shared view returned no rows$"):
        layoffs_fyi.parse(view_variant(tmp_path, lambda table: table["rows"].clear()))


def test_json_columns_matched_ignoring_case_and_punctuation(tmp_path):
    def restyle(table):
        for column, name in zip(table["columns"], ["COMPANY", "location hq", "#Laid-Off", "date", "% ", "industry"]):
            column["name"] = name

    rows = rows_by_line(layoffs_fyi.parse(view_variant(tmp_path, restyle)))
    assert (rows[2]["company"], rows[2]["location"], rows[2]["total_laid_off"], rows[2]["percentage_laid_off"]) == (
        "Harborlight", "Seattle", 1200, 0.12)
