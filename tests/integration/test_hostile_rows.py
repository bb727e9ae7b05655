"""Hostile rows: absurd values are rejects with a reason, a broken quote never eats the next row (one in-process load
of them all), and through `layoffs-ai ingest` a truncated or mostly-rejected source never publishes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion import sources
from tests.support.fixture_snapshots import FIXTURE_BY_DATASET, FIXTURES
from tests.support.snapshots import snapshot_over
from tests.support.staged import Loaded, load_and_type

from .conftest import append_row, count_records, one_error_line, physical_line, run_cli

pytestmark = pytest.mark.fault

FYI = "Zinnia Labs,Reno,{count},{date},0.1,Data,https://example.com/zinnia,Series A,9,United States,1/2/2025"
DATES = ["1/1/0001", "1/1/1900", "1/1/2190"]
COUNTS = ["0", "1000000000000", "99999999999999999999", "1e400"]
BROKEN = b'"Broken Co,Reno,40,3/3/2024,0.1,Data,https://example.com/broken,Seed,9,United States,3/4/2024'
QUOTED = b'"Vireo, Inc.",Reno,15,3/6/2024,0.1,Data,https://example.com/vireo,Seed,9,United States,3/7/2024'


def fyi(company: str, count: object, date: str) -> bytes:
    return FYI.format(count=count, date=date).replace("Zinnia Labs", company).encode()


# dataset -> (name, physical line, whether staging accepts it) appended to its pipeline fixture, in file order
HOSTILE: dict[str, list[tuple[str, bytes, bool]]] = {
    "layoffs_fyi": [
        *((f"date {d}", fyi("Zinnia Labs", 40, d), False) for d in DATES),
        *(row for i, c in enumerate(COUNTS) for row in ((f"count {c}", fyi(f"Zinnia {i}", c, "3/4/2024"), False),
                                                        (f"good after {c}", fyi(f"Quince {i}", 12, "3/3/2024"), True))),
        ("broken quote", BROKEN, False),
        ("after the quote", fyi("Upland Labs", 12, "3/5/2024"), True),
        ("quoted comma", QUOTED, True),
        ("64 KiB field", fyi("Zinnia Labs", 12, "3/5/2024").replace(b"Data", b"x" * (70 * 1024)), False),
        ("after the long field", fyi("Tamarack Labs", 13, "3/6/2024"), True),
    ],
    "epoch_notable": [
        ("1812", b"Oldmodel,Language,Hollis AI,Industry,United States of America,,1812-05-01,,,,,,,API access,", False),
    ],
    "indeed_postings_by_sector": [
        ("2019", b"2019-12-01,US,90,total postings,Mathematics", False),
        ("20000", b"2024-02-01,US,20000,total postings,Mathematics", False),
    ],
}


@dataclass
class Hostile:
    loaded: Loaded
    data: dict[str, bytes]  # dataset -> the hostile snapshot's bytes
    line: dict[str, int]  # row name -> its physical line

    def reason(self, dataset_id: str, name: str) -> str:
        found = {line: reason for line, reason, _ in self.loaded.rejects(dataset_id)}
        return found.get(self.line[name], "")

    def staged(self, dataset_id: str, label: str | None = None) -> dict[int, dict]:
        return self.loaded.staged(sources.DATASETS[dataset_id][0].tables[0], label or dataset_id)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    """Every hostile row appended to its dataset's pipeline fixture, loaded and typed by staging in one go, beside
    the unchanged fixture (label `<dataset>_plain`) to compare counts against."""
    tmp = tmp_path_factory.mktemp("hostile_rows")
    snaps, data, line = {}, {}, {}
    for dataset_id, rows in HOSTILE.items():
        plain = FIXTURES / FIXTURE_BY_DATASET[dataset_id]
        body = plain.read_bytes()
        for name, row, _ in rows:
            body, line[name] = append_row(body, row)
        path = tmp / plain.name
        path.write_bytes(body)
        data[dataset_id] = body
        snaps[dataset_id] = snapshot_over(path, dataset_id)
        snaps[f"{dataset_id}_plain"] = (dataset_id, snapshot_over(plain, dataset_id))
    return Hostile(load_and_type(snaps, tmp / "work"), data, line)


@pytest.mark.parametrize("date_text", DATES)
def test_implausible_event_dates_are_rejects_with_a_reason(hostile, date_text):
    assert "outside the plausible range" in hostile.reason("layoffs_fyi", f"date {date_text}")
    assert hostile.line[f"date {date_text}"] not in hostile.staged("layoffs_fyi")


@pytest.mark.parametrize("count", COUNTS)
def test_implausible_or_overflowing_counts_are_rejected_row_by_row(hostile, count):
    assert hostile.reason("layoffs_fyi", f"count {count}") != ""
    assert hostile.reason("layoffs_fyi", f"good after {count}") == ""  # the load never fails for one row
    staged = hostile.staged("layoffs_fyi")
    assert hostile.line[f"count {count}"] not in staged
    assert staged[hostile.line[f"good after {count}"]]["company"] == f"Quince {COUNTS.index(count)}"


def test_epoch_and_indeed_bounds(hostile):
    assert "publication_date: 1812-05-01 is outside the plausible range 1940-01-01.." in \
        hostile.reason("epoch_notable", "1812")
    assert "date: 2019-12-01 is outside the plausible range 2020-01-01.." in \
        hostile.reason("indeed_postings_by_sector", "2019")
    assert "indeed_job_postings_index: 20,000.0 is outside the plausible range 0.0..10,000.0" in \
        hostile.reason("indeed_postings_by_sector", "20000")


def test_an_unterminated_quote_rejects_its_line_and_never_swallows_the_next_row(hostile):
    assert "unterminated or malformed quote" in hostile.reason("layoffs_fyi", "broken quote")
    staged = hostile.staged("layoffs_fyi")
    assert staged[hostile.line["after the quote"]]["company"] == "Upland Labs", "the next row is its own row"
    assert staged[hostile.line["quoted comma"]]["company"] == "Vireo, Inc."
    stored = [text for line, _, text in hostile.loaded.rejects("layoffs_fyi") if line == hostile.line["broken quote"]]
    assert stored == [physical_line(hostile.data["layoffs_fyi"], hostile.line["broken quote"]).decode()]


def test_a_field_over_64_kib_is_a_reject_of_its_own_line(hostile):
    assert "longer than 64 KiB" in hostile.reason("layoffs_fyi", "64 KiB field")
    assert hostile.staged("layoffs_fyi")[hostile.line["after the long field"]]["company"] == "Tamarack Labs"


@pytest.mark.parametrize("dataset_id", list(HOSTILE))
def test_every_hostile_line_is_a_row_or_a_reject_and_nothing_is_lost(hostile, dataset_id):
    rows = HOSTILE[dataset_id]
    staged, plain = hostile.staged(dataset_id), hostile.staged(dataset_id, f"{dataset_id}_plain")
    rejects = hostile.loaded.rejects(dataset_id)
    assert len(staged) == len(plain) + sum(ok for *_, ok in rows)
    assert len(rejects) == len(hostile.loaded.rejects(f"{dataset_id}_plain")) + sum(not ok for *_, ok in rows)
    # counted without the parser: the fixture's records (csv.reader) plus one record per appended physical line
    # (csv.reader would run the broken quote into the lines after it)
    fixture = (FIXTURES / FIXTURE_BY_DATASET[dataset_id]).read_bytes()
    appended = hostile.data[dataset_id].count(b"\n") - fixture.count(b"\n")
    assert appended == len(rows)
    assert len(staged) + len(rejects) == count_records(fixture) + appended


# ------------------------------------------------------------------ through the CLI: exit codes and lines


def ingest_rows(fault_home, dataset_id: str, *rows: bytes) -> tuple[bytes, list[int], object]:
    data = fault_home.snapshot_file(dataset_id).read_bytes()
    lines = []
    for row in rows:
        data, line = append_row(data, row)
        lines.append(line)
    fault_home.write_snapshot(dataset_id, data)
    return data, lines, fault_home.ingest()


def test_hostile_rows_through_ingest_are_rejects_in_the_published_warehouse(fault_home):
    """End to end once: `layoffs-ai ingest` publishes an implausible date, an overflowing count, a broken quote's
    line and a 64 KiB field as rejects with their reasons, the rows after them as rows, and every line is counted."""
    before = fault_home.counts("layoffs_fyi")
    records = count_records(fault_home.snapshot_file("layoffs_fyi").read_bytes())
    long_field = fyi("Zinnia Labs", 12, "3/5/2024").replace(b"Data", b"x" * (70 * 1024))
    _, lines, result = ingest_rows(fault_home, "layoffs_fyi", fyi("Zinnia Labs", 40, "1/1/1900"),
                                   fyi("Zinnia 3", "1e400", "3/4/2024"), BROKEN, long_field,
                                   fyi("Upland Labs", 12, "3/5/2024"))
    assert result.returncode == 0, result.stderr
    assert "Transaction" not in result.stderr  # the load never fails for one row
    found = dict(fault_home.query("SELECT line_number, reason FROM staging.rejects WHERE source = 'layoffs_fyi'"))
    assert "outside the plausible range" in found[lines[0]]
    assert found[lines[1]]
    assert "unterminated or malformed quote" in found[lines[2]]
    assert "longer than 64 KiB" in found[lines[3]]
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company = 'Upland Labs'") == [(1,)]
    assert fault_home.counts("layoffs_fyi") == (before[0] + 1, before[1] + 4)
    assert sum(fault_home.counts("layoffs_fyi")) == records + 5  # csv.reader would run the broken quote on


# warn_or: one of the WARN states that share one raw and one staging table, gated per state all the same
@pytest.mark.parametrize("dataset_id", ["layoffs_fyi", "warn_or"])
def test_a_truncated_export_blocks_the_publish_naming_source_counts_and_setting(fault_home, dataset_id):
    data = fault_home.snapshot_file(dataset_id).read_bytes()
    before = fault_home.all_counts()
    fault_home.write_snapshot(dataset_id, b"".join(data.splitlines(keepends=True)[:11]))  # first 10 rows
    result = fault_home.ingest()
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"{dataset_id}: accepted rows fell from {before[dataset_id][0]:,} to 10" in line
    assert "LAYOFFS_AI_MAX_ROW_DROP=0.2" in line and f"--accept-drop {dataset_id}" in line
    assert [d for d in before if f"{d}:" in line] == [dataset_id]  # the other sources (and states) are not named
    fault_home.assert_published_unchanged()
    accepted = fault_home.ingest("--accept-drop", dataset_id)
    assert accepted.returncode == 0, accepted.stderr
    after = fault_home.all_counts()
    assert after[dataset_id][0] == 10
    assert {d: c for d, c in after.items() if d != dataset_id} == {d: c for d, c in before.items() if d != dataset_id}


def test_a_header_only_export_never_publishes_an_empty_table(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    fault_home.write_snapshot("layoffs_fyi", data.splitlines(keepends=True)[0])
    result = fault_home.ingest()
    assert result.returncode == 1
    # the raw table's blocking not_empty check stops the run before staging types rows (where the truncation
    # gate now sits), so the line names the empty table
    assert one_error_line(result) == "error: raw.layoffs_fyi__layoffs is empty"
    fault_home.assert_published_unchanged()


def test_a_threshold_setting_changes_the_gate(fault_home):
    data = fault_home.snapshot_file("epoch_all").read_bytes()
    lines = data.splitlines(keepends=True)
    fault_home.write_snapshot("epoch_all", b"".join(lines[: len(lines) * 3 // 4]))  # about a quarter fewer
    assert fault_home.ingest().returncode == 1
    env_result = run_cli(["ingest"], fault_home.home, fault_home.snapshots,
                         extra_env={"LAYOFFS_AI_MAX_ROW_DROP": "0.5"})
    assert env_result.returncode == 0, env_result.stderr


def test_mostly_rejected_rows_block_the_publish(fault_home):
    data = fault_home.snapshot_file("indeed_postings_aggregate").read_bytes()
    lines = data.splitlines(keepends=True)
    broken = [lines[0]] + [line.replace(b",US,", b",US,not-a-number-", 1) if i % 5 == 0 else line
                           for i, line in enumerate(lines[1:])]
    fault_home.write_snapshot("indeed_postings_aggregate", b"".join(broken))
    result = fault_home.ingest()
    assert result.returncode == 1
    line = one_error_line(result)
    assert "indeed_postings_aggregate:" in line and "input rows were rejected" in line and "10% allowed" in line
    fault_home.assert_published_unchanged()
