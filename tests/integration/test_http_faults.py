"""HTTP-layer faults through the real HttpClient + ingest_one against a scripted 127.0.0.1 server."""

from __future__ import annotations

import time

import pytest

from ingestion.core import FetchError, IngestionError, SchemaError
from tests.support.http_server import closed_port

from .conftest import append_row, count_records, fast_client, ingest_in_process

pytestmark = pytest.mark.fault

CSV = {"Content-Type": "text/csv; charset=utf-8"}


def changed_export(fault_home) -> tuple[bytes, int]:
    """The layoffs_fyi fixture plus one new valid row (so its sha256 differs from the published load)."""
    original = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    return append_row(original, b"Yarrowby,Portland,55,2/3/2025,0.08,Retail,https://example.com/yarrowby,"
                                b"Series A,12,United States,2/4/2025")


def assert_loaded_without_loss(fault_home, outcome, body: bytes, before: tuple[int, int]) -> None:
    rows, rejects = fault_home.counts("layoffs_fyi")
    assert outcome.load.status == "loaded"
    assert rows + rejects == count_records(body) == outcome.load.input_rows
    assert (rows, rejects) == (before[0] + 1, before[1])  # exactly the new row was added, nothing lost
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company = 'Yarrowby'") == [(1,)]
    logged = fault_home.query("SELECT sha256, input_rows FROM raw._loads WHERE source = 'layoffs_fyi' "
                              "ORDER BY loaded_at DESC LIMIT 1")
    assert logged == [(outcome.snapshot.sha256, count_records(body))] and rows + rejects == count_records(body)


def assert_refused(fault_home, info, *needles: str) -> None:
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    for needle in needles:
        assert needle in message, message
    fault_home.assert_published_unchanged()


def test_429_with_retry_after_then_success_is_loaded_and_published(fault_home, http_server, serve_dataset,
                                                                   monkeypatch):
    body, _ = changed_export(fault_home)
    before = fault_home.counts("layoffs_fyi")
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # record urllib3's Retry-After wait instead of waiting
    http_server.add("/layoffs.csv", 429, b"slow down", {"Retry-After": "7"})
    http_server.add("/layoffs.csv", 200, body, CSV)
    serve_dataset("layoffs_fyi", http_server.url("/layoffs.csv"))
    outcome = ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client())
    assert 7.0 in slept  # Retry-After honoured
    assert len(http_server.requests_for("/layoffs.csv")) == 2
    assert outcome.snapshot.read_bytes() == body
    assert_loaded_without_loss(fault_home, outcome, body, before)


def test_500_then_success_is_loaded_and_published(fault_home, http_server, serve_dataset):
    body, _ = changed_export(fault_home)
    before = fault_home.counts("layoffs_fyi")
    http_server.add("/layoffs.csv", 500, b"internal error")
    http_server.add("/layoffs.csv", 200, body, CSV)
    serve_dataset("layoffs_fyi", http_server.url("/layoffs.csv"))
    outcome = ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client())
    assert len(http_server.requests_for("/layoffs.csv")) == 2
    assert_loaded_without_loss(fault_home, outcome, body, before)


def test_persistent_500_is_a_fetch_error_and_nothing_changes(fault_home, http_server, serve_dataset):
    url = http_server.url("/layoffs.csv")
    http_server.add("/layoffs.csv", 500, b"internal error", times=3)
    serve_dataset("layoffs_fyi", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client(total_retries=2))
    assert_refused(fault_home, info, url, "HTTP 500", "3 attempts")
    assert fault_home.raw_files() == raw_before


def test_connection_refused_is_a_fetch_error_and_nothing_changes(fault_home, serve_dataset):
    url = f"http://127.0.0.1:{closed_port()}/all_ai_models.csv"
    serve_dataset("epoch_all", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "epoch_all", client=fast_client(total_retries=1))
    assert_refused(fault_home, info, url, "cannot connect to 127.0.0.1 (connection refused")
    assert fault_home.raw_files() == raw_before


def test_read_timeout_is_a_fetch_error_and_nothing_changes(fault_home, http_server, serve_dataset):
    body = fault_home.snapshot_file("indeed_postings_aggregate").read_bytes()
    url = http_server.url("/aggregate.csv")
    http_server.add("/aggregate.csv", 200, body, CSV, delay=5.0, times=2)
    serve_dataset("indeed_postings_aggregate", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "indeed_postings_aggregate",
                          client=fast_client(read_timeout=0.3, total_retries=1))
    assert_refused(fault_home, info, url, "read timeout after 0.3 s")
    assert len(http_server.requests_for("/aggregate.csv")) == 2  # the timeout was retried once
    assert fault_home.raw_files() == raw_before


def test_truncated_body_is_a_fetch_error_and_no_partial_snapshot(fault_home, http_server, serve_dataset):
    body = fault_home.snapshot_file("epoch_notable").read_bytes()
    url = http_server.url("/notable.csv")
    http_server.add("/notable.csv", 200, body, CSV, truncate_to=len(body) // 2, times=3)
    serve_dataset("epoch_notable", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "epoch_notable", client=fast_client())
    assert_refused(fault_home, info, url, "truncated")
    assert fault_home.raw_files() == raw_before  # the half body was never stored


def test_html_that_is_neither_export_nor_embed_is_a_fetch_error_and_nothing_stored(fault_home, http_server,
                                                                                     serve_dataset):
    url = http_server.url("/view")
    http_server.add("/view", 200, b"<!doctype html><html><body>Sign in to Airtable</body></html>",
                    {"Content-Type": "text/html; charset=utf-8"})
    serve_dataset("layoffs_fyi", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client())
    assert_refused(fault_home, info, url, "content type 'text/html; charset=utf-8'", "text/csv",
                   "no readSharedViewData urlWithParams and no Airtable embed iframe")
    assert fault_home.raw_files() == raw_before


def test_wrong_content_type_is_a_fetch_error_and_nothing_stored(fault_home, http_server, serve_dataset):
    url = http_server.url("/export.pdf")
    http_server.add("/export.pdf", 200, b"%PDF-1.7 invented", {"Content-Type": "application/pdf"})
    serve_dataset("layoffs_fyi", url)
    raw_before = fault_home.raw_files()
    with pytest.raises(FetchError) as info:
        ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client())
    assert_refused(fault_home, info, url, "content type 'application/pdf'", "text/csv")
    assert fault_home.raw_files() == raw_before


def test_page_layout_changed_is_a_schema_error_and_nothing_loaded(fault_home, http_server, serve_dataset,
                                                                  fixtures_dir):
    page = (fixtures_dir / "crunchbase_tracker" / "page_layout_changed.html").read_bytes()
    url = http_server.url("/startups/tech-layoffs/")
    http_server.add("/startups/tech-layoffs/", 200, page, {"Content-Type": "text/html; charset=UTF-8"})
    serve_dataset("crunchbase_tracker", url)
    with pytest.raises(IngestionError) as info:
        ingest_in_process(fault_home.home, "crunchbase_tracker", client=fast_client())
    assert isinstance(info.value, SchemaError)
    assert_refused(fault_home, info, "crunchbase_tracker", "layout changed", "no layoff table", "no weekly tallies")
