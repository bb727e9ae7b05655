"""HttpClient against a scripted local server: retries, timeouts, truncation, size cap, content type, ETag."""

from __future__ import annotations

import gzip
import socket
import time

import pytest

from ingestion.core import FetchError
from ingestion.http import DEFAULT_USER_AGENT, HttpClient, HttpConfig
from tests.support.http_server import closed_port, http_server  # noqa: F401 - fixture

CSV = b"company,date\nAcme Widgets,2024-01-02\nGlobex Ltd,2024-02-03\n"


def make_client(**overrides) -> HttpClient:
    settings = dict(connect_timeout=2.0, read_timeout=2.0, total_retries=3, backoff_factor=0.0)
    settings.update(overrides)
    return HttpClient(HttpConfig(**settings))


def test_ok_returns_body_headers_and_user_agent(http_server):
    http_server.add("/a.csv", 200, CSV, {"Content-Type": "text/csv; charset=utf-8", "ETag": '"v1"'})
    with make_client() as client:
        result = client.get(http_server.url("/a.csv"), accept_types=("text/csv",))
    assert result.status == 200
    assert result.content == CSV
    assert result.etag == '"v1"'
    assert result.content_type == "text/csv; charset=utf-8"
    assert result.not_modified is False
    [request] = http_server.requests_for("/a.csv")
    assert request.method == "GET"
    assert "layoffs-ai" in request.headers["user-agent"]
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert "if-none-match" not in request.headers


def test_retry_policy_is_configured():
    client = make_client(total_retries=4, backoff_factor=0.5, backoff_max=7.0)
    retry = client.retry
    assert retry.total == 4
    assert retry.respect_retry_after_header is True
    assert retry.raise_on_status is False
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert "GET" in retry.allowed_methods
    assert retry.backoff_factor == 0.5 and retry.backoff_max == 7.0
    adapter = client.session.get_adapter("https://example.org/")
    assert adapter.max_retries is retry


def test_429_with_retry_after_then_200_succeeds_and_waits_as_told(http_server, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # urllib3 sleeps via time.sleep: record, do not wait
    http_server.add("/r.csv", 429, b"slow down", {"Retry-After": "3"})
    http_server.add("/r.csv", 200, CSV, {"Content-Type": "text/csv"})
    result = make_client().get(http_server.url("/r.csv"))
    assert result.content == CSV
    assert len(http_server.requests_for("/r.csv")) == 2
    assert slept == [3.0]


def test_503_then_200_succeeds(http_server):
    http_server.add("/s.csv", 503, b"unavailable")
    http_server.add("/s.csv", 200, CSV)
    assert make_client().get(http_server.url("/s.csv")).content == CSV
    assert len(http_server.requests_for("/s.csv")) == 2


def test_persistent_500_fails_with_status_after_all_retries(http_server):
    http_server.add("/e.csv", 500, b"boom", times=4)
    http_server.add("/e.csv", 200, CSV)  # must never be reached with total_retries=2
    with pytest.raises(FetchError) as info:
        make_client(total_retries=2).get(http_server.url("/e.csv"))
    message = str(info.value)
    assert "HTTP 500" in message and http_server.url("/e.csv") in message and "3 attempts" in message
    assert "\n" not in message
    assert len(http_server.requests_for("/e.csv")) == 3


def test_404_is_not_retried(http_server):
    http_server.add("/missing.csv", 404, b"nope", times=3)
    with pytest.raises(FetchError, match=r"HTTP 404 .*after 1 attempt$"):
        make_client().get(http_server.url("/missing.csv"))
    assert len(http_server.requests_for("/missing.csv")) == 1


def test_connection_refused_is_fetch_error():
    url = f"http://127.0.0.1:{closed_port()}/x.csv"
    with pytest.raises(FetchError) as info:
        make_client(total_retries=1).get(url)
    assert url in str(info.value) and "cannot connect to 127.0.0.1 (connection refused" in str(info.value)
    assert "\n" not in str(info.value)


def test_read_timeout_is_fetch_error(http_server):
    http_server.add("/slow.csv", 200, CSV, delay=5.0, times=2)
    with pytest.raises(FetchError) as info:
        make_client(read_timeout=0.5, total_retries=0).get(http_server.url("/slow.csv"))
    assert "read timeout after 0.5 s" in str(info.value)
    assert http_server.url("/slow.csv") in str(info.value)


def test_read_timeout_is_retried(http_server):
    http_server.add("/flaky.csv", 200, CSV, delay=5.0)
    http_server.add("/flaky.csv", 200, CSV)
    assert make_client(read_timeout=0.5, total_retries=1).get(http_server.url("/flaky.csv")).content == CSV
    assert len(http_server.requests_for("/flaky.csv")) == 2


def test_connect_timeout_is_fetch_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the accept backlog so the kernel drops further SYNs
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        with pytest.raises(FetchError) as info:
            make_client(connect_timeout=0.3, read_timeout=0.3, total_retries=0).get(f"http://127.0.0.1:{port}/")
        if "read timeout" in str(info.value):
            pytest.skip("this kernel accepted the connection despite a full backlog")
        assert "connect timeout after 0.3 s" in str(info.value)
    finally:
        for sock in fillers + [listener]:
            sock.close()


def test_truncated_body_is_fetch_error(http_server):
    http_server.add("/t.csv", 200, CSV, truncate_to=10, times=4)
    with pytest.raises(FetchError) as info:
        make_client(total_retries=0).get(http_server.url("/t.csv"))
    assert "truncated" in str(info.value) and http_server.url("/t.csv") in str(info.value)


def test_gzip_body_is_decoded_and_length_checked_on_raw_bytes(http_server):
    body = CSV * 200
    packed = gzip.compress(body)
    assert len(packed) < len(body)
    http_server.add("/z.csv", 200, packed, {"Content-Encoding": "gzip", "Content-Type": "text/csv"})
    assert make_client().get(http_server.url("/z.csv")).content == body


def test_truncated_gzip_body_is_fetch_error(http_server):
    packed = gzip.compress(CSV * 200)
    http_server.add("/tz.csv", 200, packed, {"Content-Encoding": "gzip"}, truncate_to=len(packed) // 2)
    with pytest.raises(FetchError, match="truncated"):
        make_client(total_retries=0).get(http_server.url("/tz.csv"))


def test_oversized_body_with_content_length_rejected_early(http_server):
    http_server.add("/big.csv", 200, b"x" * 5000)
    with pytest.raises(FetchError, match=r"Content-Length 5000 bytes exceeds the limit of 1000 bytes"):
        make_client(max_bytes=1000).get(http_server.url("/big.csv"))


def test_oversized_body_without_content_length_aborted_while_streaming(http_server):
    http_server.add("/big2.csv", 200, b"x" * 300_000, content_length=False)
    with pytest.raises(FetchError, match=r"body exceeds the limit of 1000 bytes"):
        make_client(max_bytes=1000).get(http_server.url("/big2.csv"))


def test_gzip_bomb_is_capped_on_decoded_size(http_server):
    packed = gzip.compress(b"0" * 100_000)
    assert len(packed) < 1000
    http_server.add("/bomb.csv", 200, packed, {"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="body exceeds the limit of 1000 bytes"):
        make_client(max_bytes=1000).get(http_server.url("/bomb.csv"))


def test_body_exactly_at_limit_is_accepted(http_server):
    http_server.add("/edge.csv", 200, b"y" * 1000, content_length=False)
    assert len(make_client(max_bytes=1000).get(http_server.url("/edge.csv")).content) == 1000


def test_wrong_content_type_is_fetch_error(http_server):
    http_server.add("/page", 200, b"<html>login</html>", {"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(FetchError) as info:
        make_client().get(http_server.url("/page"), accept_types=("text/csv",))
    assert "content type 'text/html; charset=utf-8' not in ('text/csv',)" in str(info.value)
    assert http_server.url("/page") in str(info.value)


def test_missing_content_type_is_rejected_when_types_required(http_server):
    http_server.add("/bare", 200, CSV)
    with pytest.raises(FetchError, match=r"content type '' not in \('text/csv', 'text/plain'\)"):
        make_client().get(http_server.url("/bare"), accept_types=("text/csv", "text/plain"))


def test_etag_sends_if_none_match_and_304_is_not_modified(http_server):
    http_server.add("/c.csv", 304, b"", {"ETag": '"v1"'})
    result = make_client().get(http_server.url("/c.csv"), etag='"v1"')
    assert result.not_modified is True and result.content is None and result.status == 304
    assert result.etag == '"v1"'
    assert http_server.requests_for("/c.csv")[0].headers["if-none-match"] == '"v1"'


def test_config_from_env():
    config = HttpConfig.from_env({"LAYOFFS_AI_HTTP_TIMEOUT": "3,45", "LAYOFFS_AI_HTTP_MAX_BYTES": "1234"})
    assert (config.connect_timeout, config.read_timeout, config.max_bytes) == (3.0, 45.0, 1234)
    default = HttpConfig.from_env({})
    assert (default.connect_timeout, default.read_timeout, default.max_bytes) == (10.0, 60.0, 209715200)
    assert HttpConfig.from_env({"LAYOFFS_AI_HTTP_TIMEOUT": "7"}).read_timeout == 7.0


@pytest.mark.parametrize(
    "env",
    [{"LAYOFFS_AI_HTTP_TIMEOUT": "ten,60"}, {"LAYOFFS_AI_HTTP_TIMEOUT": "1,2,3"},
     {"LAYOFFS_AI_HTTP_TIMEOUT": "0,5"}, {"LAYOFFS_AI_HTTP_MAX_BYTES": "-5"},
     {"LAYOFFS_AI_HTTP_MAX_BYTES": "2MB"}],
)
def test_config_from_env_rejects_bad_values(env):
    [name] = env
    with pytest.raises(ValueError, match=name):
        HttpConfig.from_env(env)
