"""Parser faults in a mutated snapshot, run through `layoffs-ai ingest` exactly as the pipeline loads files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from .conftest import append_row, count_records, one_error_line, physical_line, run_cli

pytestmark = pytest.mark.fault


def refused(fault_home, dataset_id: str, data: bytes, *needles: str) -> str:
    """Ingest a snapshot that must be refused: exit 1, one `error:` line naming the problem, nothing published."""
    fault_home.write_snapshot(dataset_id, data)
    before = fault_home.all_counts()
    result = fault_home.ingest()
    assert result.returncode == 1, result.stdout + result.stderr
    line = one_error_line(result)
    for needle in needles:
        assert needle in line, line
    assert "is unchanged" in result.stderr
    assert "published" not in result.stdout
    fault_home.assert_published_unchanged()
    assert fault_home.all_counts() == before
    return line


def quarantined(fault_home, dataset_id: str, data: bytes, line_number: int, reason: str) -> None:
    """Ingest a snapshot with one bad row: it lands in raw._rejects with line and reason; no row is lost."""
    fault_home.write_snapshot(dataset_id, data)
    before = fault_home.all_counts()
    result = fault_home.ingest()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows, rejects = fault_home.counts(dataset_id)
    assert rows + rejects == count_records(data)
    assert (rows, rejects) == (before[dataset_id][0], before[dataset_id][1] + 1)  # good rows kept, one more reject
    found = fault_home.query("SELECT raw_text, reason FROM staging.rejects WHERE source = ? AND line_number = ?",
                             [dataset_id, line_number])
    assert len(found) == 1, found
    raw_text, got_reason = found[0]
    assert reason in got_reason, got_reason
    expected_text = physical_line(data, line_number).decode("utf-8", "replace")
    assert raw_text == expected_text
    logged = fault_home.query("SELECT input_rows FROM raw._loads WHERE source = ? "
                              "ORDER BY loaded_at DESC LIMIT 1", [dataset_id])
    assert logged == [(count_records(data),)] and rows + rejects == count_records(data)
    others = {s: c for s, c in fault_home.all_counts().items() if s != dataset_id}
    assert others == {s: c for s, c in before.items() if s != dataset_id}


def rewrite_columns(data: bytes, change) -> bytes:
    """Round-trip a CSV through csv.reader/writer, applying `change(row, is_header)` to every record."""
    text = data.decode("latin-1")  # byte-preserving for this round trip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        if row:
            writer.writerow(change(row, i == 0))
    return out.getvalue().encode("latin-1")


# -- refused snapshots (SchemaError / empty): whole file refused, warehouse untouched ------------------
def test_renamed_column_is_refused_naming_the_column(fault_home):
    data = fault_home.snapshot_file("epoch_notable").read_bytes()
    header, rest = data.split(b"\n", 1)
    assert b",Publication date," in header
    mutated = header.replace(b",Publication date,", b",Release date,") + b"\n" + rest
    line = refused(fault_home, "epoch_notable", mutated, "missing column 'Publication date'",
                   f"bytes, starts '{mutated[:40].decode()}')")
    assert "epoch_notable" in line and "Release date" not in line  # the file's text is never echoed past 40 bytes


def test_missing_column_is_refused_naming_the_column(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    header = next(csv.reader(io.StringIO(data.decode("latin-1"))))
    at = header.index("country")
    mutated = rewrite_columns(data, lambda row, _: row[:at] + row[at + 1:])
    assert b"country" not in mutated.split(b"\n", 1)[0]
    refused(fault_home, "layoffs_fyi", mutated, "layoffs_fyi", "missing column 'country'")


def test_wrong_delimiter_is_refused_saying_delimiter(fault_home):
    data = fault_home.snapshot_file("crunchbase_tracker").read_bytes()
    mutated = rewrite_columns(data, lambda row, _: [";".join(row)])  # the same table written with ';'
    refused(fault_home, "crunchbase_tracker", mutated, "crunchbase_tracker", "delimiter", "';'")


@pytest.mark.parametrize("content", [b"", b"\n  \r\n\n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file_is_refused_saying_empty(fault_home, content):
    refused(fault_home, "indeed_postings_by_sector", content, "indeed_postings_by_sector", "empty")


def test_missing_snapshot_dir_is_a_one_line_error(fault_home):
    result = run_cli(["ingest"], fault_home.home, fault_home.home / "no-such-dir")
    assert result.returncode != 0
    line = one_error_line(result)
    assert "LAYOFFS_AI_SNAPSHOT_DIR" in line and "no-such-dir" in line
    fault_home.assert_published_unchanged()


# -- snapshots with columns that are not declared: kept, nothing lost -----------------------------------
def test_extra_column_is_kept_in_extra_and_nothing_is_lost(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    before = fault_home.counts("layoffs_fyi")
    mutated = rewrite_columns(data, lambda row, is_header: row + ["severance_weeks" if is_header else "6"])
    fault_home.write_snapshot("layoffs_fyi", mutated)
    result = fault_home.ingest()
    assert result.returncode == 0, result.stderr
    rows, rejects = fault_home.counts("layoffs_fyi")
    assert rows + rejects == count_records(mutated) == count_records(data)
    assert (rows, rejects) == before
    extras = fault_home.query("SELECT CAST(extra_columns AS VARCHAR) FROM staging.stg_layoffs_fyi__layoffs "
                              "WHERE source = 'layoffs_fyi'")
    assert [json.loads(e) for (e,) in extras] == [{"severance_weeks": "6"}] * rows


# -- quarantined rows: one reject with its line and reason; every other row loaded ------------------------
def test_bad_utf8_row_is_quarantined(fault_home):
    data = fault_home.snapshot_file("indeed_postings_aggregate").read_bytes()
    mutated, line = append_row(data, b"2024-07-04,US,110.1,108.7,total postings \xff\xfe,")
    quarantined(fault_home, "indeed_postings_aggregate", mutated, line, "invalid UTF-8")


def test_row_with_too_many_fields_is_quarantined(fault_home):
    data = fault_home.snapshot_file("indeed_postings_by_sector").read_bytes()
    mutated, line = append_row(data, b"2020-02-07,US,95.5,total postings,Mathematics,surplus,fields")
    quarantined(fault_home, "indeed_postings_by_sector", mutated, line, "expected 5 fields, found 7")


def test_future_date_is_quarantined(fault_home):
    future = date.today() + timedelta(days=400)
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    row = (f"Zinnia Labs,Reno,33,{future.month}/{future.day}/{future.year},0.1,Data,https://example.com/zinnia,"
           f"Series A,9,United States,1/2/2025").encode()
    mutated, line = append_row(data, row)
    quarantined(fault_home, "layoffs_fyi", mutated, line, f"date: {future.isoformat()} is outside the plausible range")


def test_negative_count_is_quarantined(fault_home):
    data = fault_home.snapshot_file("crunchbase_tracker").read_bytes()
    mutated, line = append_row(data, b"Oakhaven,-75,4%,9/12/22,Fintech,Dallas,Axios,Private,")
    quarantined(fault_home, "crunchbase_tracker", mutated, line, "num_layoffs: negative count")


def test_duplicate_row_is_quarantined_as_duplicate_of_its_first_line(fault_home):
    data = fault_home.snapshot_file("epoch_all").read_bytes()
    first = physical_line(data, 2)
    assert fault_home.query("SELECT count(*) FROM raw.epoch__models WHERE _source = 'epoch_all' "
                            "AND _line_number = 2") == [(1,)]  # line 2 is a loaded row
    mutated, line = append_row(data, first)
    quarantined(fault_home, "epoch_all", mutated, line, "duplicate of line 2")
