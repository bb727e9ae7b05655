"""Parser faults in a mutated snapshot: refused files through `layoffs-ai ingest` (exit code, one line), quarantined
rows and extra columns in one in-process load of them all, and one quarantined row end to end."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from ingestion import sources
from tests.support.fixture_snapshots import FIXTURE_BY_DATASET, FIXTURES
from tests.support.snapshots import snapshot_over
from tests.support.staged import Loaded, load_and_type

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
    """Ingest a snapshot with one bad row: it lands in staging.rejects with line and reason; no row is lost."""
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


# -- in process: quarantined rows and extra columns, each snapshot beside its unchanged fixture, one load ----------
FUTURE = date.today() + timedelta(days=400)
# case -> (dataset, the row appended to its pipeline fixture, or None for a copy of its line 2; reason)
QUARANTINED = {
    "bad-utf8": ("indeed_postings_aggregate", b"2024-07-04,US,110.1,108.7,total postings \xff\xfe,", "invalid UTF-8"),
    "too-many-fields": ("indeed_postings_by_sector", b"2020-02-07,US,95.5,total postings,Mathematics,surplus,fields",
                        "expected 5 fields, found 7"),
    "future-date": ("layoffs_fyi", (f"Zinnia Labs,Reno,33,{FUTURE.month}/{FUTURE.day}/{FUTURE.year},0.1,Data,"
                                    f"https://example.com/zinnia,Series A,9,United States,1/2/2025").encode(),
                    f"date: {FUTURE.isoformat()} is outside the plausible range"),
    "negative-count": ("crunchbase_tracker", b"Oakhaven,-75,4%,9/12/22,Fintech,Dallas,Axios,Private,",
                       "num_layoffs: negative count"),
    "duplicate": ("epoch_all", None, "duplicate of line 2"),
}


@dataclass
class Quarantine:
    loaded: Loaded
    data: dict[str, bytes]  # label -> the snapshot's bytes
    line: dict[str, int]  # case -> the bad row's physical line


@pytest.fixture(scope="module")
def quarantine(tmp_path_factory) -> Quarantine:
    """Each case's snapshot (label = case), the extra-column export (`extra-column`) and every unchanged fixture
    (label `<dataset>`), loaded and typed by staging together."""
    tmp = tmp_path_factory.mktemp("csv_faults")
    snaps, data, line = {}, {}, {}

    def add(label: str, dataset_id: str, body: bytes) -> None:
        path = tmp / f"{label}-{FIXTURE_BY_DATASET[dataset_id].rsplit('/', 1)[-1]}"
        path.write_bytes(body)
        data[label] = body
        snaps[label] = (dataset_id, snapshot_over(path, dataset_id))

    for dataset_id in {dataset_id for dataset_id, _, _ in QUARANTINED.values()} | {"layoffs_fyi"}:
        add(dataset_id, dataset_id, (FIXTURES / FIXTURE_BY_DATASET[dataset_id]).read_bytes())
    for case, (dataset_id, row, _) in QUARANTINED.items():
        plain = data[dataset_id]
        data_, line[case] = append_row(plain, physical_line(plain, 2) if row is None else row)
        add(case, dataset_id, data_)
    add("extra-column", "layoffs_fyi",
        rewrite_columns(data["layoffs_fyi"], lambda row, is_header: row + ["severance_weeks" if is_header else "6"]))
    return Quarantine(load_and_type(snaps, tmp / "work"), data, line)


def accepted(loaded: Loaded, dataset_id: str, label: str) -> dict[int, dict]:
    return loaded.staged(sources.DATASETS[dataset_id][0].tables[0], label)


@pytest.mark.parametrize("case", list(QUARANTINED))
def test_a_bad_row_is_quarantined_with_its_line_and_reason(quarantine, case):
    """One bad row lands in staging.rejects with its line, reason and exact text; every good row is loaded."""
    dataset_id, _, reason = QUARANTINED[case]
    loaded, data, line = quarantine.loaded, quarantine.data[case], quarantine.line[case]
    rows, rejects = len(accepted(loaded, dataset_id, case)), len(loaded.rejects(case))
    assert rows + rejects == count_records(data)
    plain = (len(accepted(loaded, dataset_id, dataset_id)), len(loaded.rejects(dataset_id)))
    assert (rows, rejects) == (plain[0], plain[1] + 1)  # good rows kept, one more reject
    found = [(text, why) for number, why, text in loaded.rejects(case) if number == line]
    assert len(found) == 1, found
    raw_text, got_reason = found[0]
    assert reason in got_reason, got_reason
    assert raw_text == physical_line(data, line).decode("utf-8", "replace")
    assert loaded.counts(case) == (count_records(data), rows, rejects)  # raw._loads: input, accepted, rejects


def test_the_duplicated_line_is_a_loaded_row(quarantine):
    assert 2 in accepted(quarantine.loaded, "epoch_all", "epoch_all")


def test_extra_column_is_kept_in_extra_and_nothing_is_lost(quarantine):
    loaded = quarantine.loaded
    rows = accepted(loaded, "layoffs_fyi", "extra-column")
    rejects = loaded.rejects("extra-column")
    assert len(rows) + len(rejects) == count_records(quarantine.data["extra-column"]) == \
        count_records(quarantine.data["layoffs_fyi"])
    assert (len(rows), len(rejects)) == (len(accepted(loaded, "layoffs_fyi", "layoffs_fyi")),
                                         len(loaded.rejects("layoffs_fyi")))
    assert [json.loads(str(row["extra_columns"])) for row in rows.values()] == [{"severance_weeks": "6"}] * len(rows)


# -- end to end once: a quarantined row through `layoffs-ai ingest`, other sources untouched ----------------------
def test_bad_utf8_row_is_quarantined_through_ingest(fault_home):
    data = fault_home.snapshot_file("indeed_postings_aggregate").read_bytes()
    mutated, line = append_row(data, QUARANTINED["bad-utf8"][1])
    quarantined(fault_home, "indeed_postings_aggregate", mutated, line, "invalid UTF-8")
