"""Hostile rows through `layoffs-ai ingest`: absurd values are rejects with a reason, a broken quote never eats
the next row, and a truncated or mostly-rejected source never publishes."""

from __future__ import annotations

import pytest

from .conftest import append_row, count_records, one_error_line, physical_line

pytestmark = pytest.mark.fault

FYI = "Zinnia Labs,Reno,{count},{date},0.1,Data,https://example.com/zinnia,Series A,9,United States,1/2/2025"


def ingest_rows(fault_home, dataset_id: str, *rows: bytes) -> tuple[bytes, list[int], object]:
    data = fault_home.snapshot_file(dataset_id).read_bytes()
    lines = []
    for row in rows:
        data, line = append_row(data, row)
        lines.append(line)
    fault_home.write_snapshot(dataset_id, data)
    return data, lines, fault_home.ingest()


def reasons(fault_home, dataset_id: str, lines: list[int]) -> list[str]:
    found = dict(fault_home.query("SELECT line_number, reason FROM staging.rejects WHERE source = ?", [dataset_id]))
    return [found.get(line, "") for line in lines]


@pytest.mark.parametrize("date_text", ["1/1/0001", "1/1/1900", "1/1/2190"])
def test_implausible_event_dates_are_rejects_with_a_reason(fault_home, date_text):
    before = fault_home.counts("layoffs_fyi")
    data, lines, result = ingest_rows(fault_home, "layoffs_fyi", FYI.format(count=40, date=date_text).encode())
    assert result.returncode == 0, result.stderr
    assert "outside the plausible range" in reasons(fault_home, "layoffs_fyi", lines)[0]
    assert fault_home.counts("layoffs_fyi") == (before[0], before[1] + 1)
    assert sum(fault_home.counts("layoffs_fyi")) == count_records(data)


@pytest.mark.parametrize("count", ["0", "1000000000000", "99999999999999999999", "1e400"])
def test_implausible_or_overflowing_counts_are_rejected_row_by_row(fault_home, count):
    good = FYI.format(count=12, date="3/3/2024").replace("Zinnia", "Quince").encode()
    data, lines, result = ingest_rows(fault_home, "layoffs_fyi", FYI.format(count=count, date="3/4/2024").encode(),
                                      good)
    assert result.returncode == 0, result.stderr  # the load never fails for one row
    assert "Transaction" not in result.stderr
    [why, good_reason] = reasons(fault_home, "layoffs_fyi", lines)
    assert why and good_reason == "", why
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company = 'Quince Labs'") == [(1,)]
    assert sum(fault_home.counts("layoffs_fyi")) == count_records(data)


def test_epoch_and_indeed_bounds(fault_home):
    epoch_row = b'Oldmodel,Language,Hollis AI,Industry,United States of America,,1812-05-01,,,,,,,API access,'
    _, lines, result = ingest_rows(fault_home, "epoch_notable", epoch_row)
    assert result.returncode == 0, result.stderr
    assert "publication_date: 1812-05-01 is outside the plausible range 1940-01-01.." in \
        reasons(fault_home, "epoch_notable", lines)[0]
    _, lines, result = ingest_rows(fault_home, "indeed_postings_by_sector",
                                   b"2019-12-01,US,90,total postings,Mathematics",
                                   b"2024-02-01,US,20000,total postings,Mathematics")
    assert result.returncode == 0, result.stderr
    early, huge = reasons(fault_home, "indeed_postings_by_sector", lines)
    assert "date: 2019-12-01 is outside the plausible range 2020-01-01.." in early
    assert "indeed_job_postings_index: 20,000.0 is outside the plausible range 0.0..10,000.0" in huge


def test_an_unterminated_quote_rejects_its_line_and_never_swallows_the_next_row(fault_home):
    broken = b'"Broken Co,Reno,40,3/3/2024,0.1,Data,https://example.com/broken,Seed,9,United States,3/4/2024'
    after = FYI.format(count=12, date="3/5/2024").replace("Zinnia", "Upland").encode()
    quoted = b'"Vireo, Inc.",Reno,15,3/6/2024,0.1,Data,https://example.com/vireo,Seed,9,United States,3/7/2024'
    before = fault_home.counts("layoffs_fyi")
    data, lines, result = ingest_rows(fault_home, "layoffs_fyi", broken, after, quoted)
    assert result.returncode == 0, result.stderr
    assert "unterminated or malformed quote" in reasons(fault_home, "layoffs_fyi", [lines[0]])[0]
    companies = {c for (c,) in fault_home.query("SELECT company FROM raw.layoffs_fyi__layoffs")}
    assert {"Upland Labs", "Vireo, Inc."} <= companies, "the rows after the broken quote are their own rows"
    assert fault_home.counts("layoffs_fyi") == (before[0] + 2, before[1] + 1)  # 3 data lines: 2 rows + 1 reject
    stored = fault_home.query("SELECT raw_text FROM staging.rejects WHERE source = 'layoffs_fyi' AND line_number = ?",
                              [lines[0]])
    assert stored == [(physical_line(data, lines[0]).decode(),)]


def test_a_field_over_64_kib_is_a_reject_of_its_own_line(fault_home):
    long_note = b"x" * (70 * 1024)
    row = FYI.format(count=12, date="3/5/2024").encode().replace(b"Data", long_note)
    after = FYI.format(count=13, date="3/6/2024").replace("Zinnia", "Tamarack").encode()
    _, lines, result = ingest_rows(fault_home, "layoffs_fyi", row, after)
    assert result.returncode == 0, result.stderr
    assert "longer than 64 KiB" in reasons(fault_home, "layoffs_fyi", [lines[0]])[0]
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company = 'Tamarack Labs'") == [(1,)]


def test_a_truncated_export_blocks_the_publish_naming_source_counts_and_setting(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    before = fault_home.counts("layoffs_fyi")
    fault_home.write_snapshot("layoffs_fyi", b"".join(data.splitlines(keepends=True)[:11]))  # first 10 rows
    result = fault_home.ingest()
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"layoffs_fyi: accepted rows fell from {before[0]:,} to 10" in line
    assert "LAYOFFS_AI_MAX_ROW_DROP=0.2" in line and "--accept-drop layoffs_fyi" in line
    fault_home.assert_published_unchanged()
    accepted = fault_home.ingest("--accept-drop", "layoffs_fyi")
    assert accepted.returncode == 0, accepted.stderr
    assert fault_home.counts("layoffs_fyi")[0] == 10


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
    from .conftest import run_cli

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
