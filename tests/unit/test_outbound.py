"""Issue 20's attacks on the outbound policy, each black-box: 127.0.0.1 is internal, 127.0.0.2 "another host"."""

from __future__ import annotations

import time
from dataclasses import replace

import duckdb
import pytest

from ingestion.core import FetchError
from ingestion.headlines import HeadlineConfig, TitleFetcher
from ingestion.http import HttpClient, HttpConfig, Refused
from ingestion.outbound import parse_allow_hosts
from orchestration.ingest_steps import fetch_all, ingest_one
from orchestration.settings import Settings
from orchestration.source_state import decide
from tests.support.airtable_site import EMBED, EMBED_PATH, HOME, HTML, Site, page_data_path
from tests.support.http_server import ScriptedHTTPServer, http_server, other_host  # noqa: F401

PAGE = {"Content-Type": "text/html; charset=utf-8"}
TITLES = HeadlineConfig(min_interval_s=0.0, max_requests=50,
                        http=HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=0, deadline=3.0))


def allow(*servers) -> frozenset:
    """LAYOFFS_AI_FETCH_ALLOW_HOSTS for these servers, parsed as the setting is."""
    return parse_allow_hosts(",".join(f"{s.host}:{s.port}" for s in servers))


def titles(config: HeadlineConfig, *servers) -> TitleFetcher:
    return TitleFetcher(replace(config, http=replace(config.http, allow_hosts=allow(*servers))))


def one_line(message: str) -> None:
    assert "\n" not in message and message.strip() == message


# --- the title fetcher ------------------------------------------------------------------------------------------

def test_a_tracker_row_pointing_at_an_internal_page_is_refused_unfetched(http_server):  # noqa: F811
    http_server.add("/admin", 200, b"<title>INTERNAL ADMIN secret=1</title>", PAGE)
    fetcher = titles(TITLES)  # not opted in: 127.0.0.1 is internal
    [got] = fetcher.fetch_new([http_server.url("/admin")], cached=[])
    assert got.status == "refused" and got.title is None
    assert "loopback" in got.error and "LAYOFFS_AI_FETCH_ALLOW_HOSTS" in got.error
    one_line(got.error)
    assert http_server.requests == []  # neither robots.txt nor the page was asked for


def test_a_public_host_redirecting_inside_is_not_followed(http_server, other_host):  # noqa: F811
    http_server.add("/admin", 200, b"<title>INTERNAL ADMIN</title>", PAGE)
    other_host.add("/story", 302, b"", {"Location": http_server.url("/admin")})
    fetcher = titles(TITLES, other_host)  # 127.0.0.2 stands in for a public host
    [got] = fetcher.fetch_new([other_host.url("/story")], cached=[])
    assert got.status == "refused" and "127.0.0.1" in got.error and "loopback" in got.error
    assert http_server.requests == [] and [r.path for r in other_host.requests] == ["/robots.txt", "/story"]


@pytest.mark.parametrize("netloc, problem", [
    ("169.254.169.254", "link-local"), ("10.0.0.5", "private"), ("[::1]", "loopback"),
    ("localhost:6379", "loopback"), ("0x7f000001", "loopback"), ("2130706433", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
])
def test_internal_addresses_in_any_spelling_are_refused_before_connecting(netloc, problem):
    started = time.monotonic()
    [got] = titles(TITLES).fetch_new([f"http://{netloc}/x"], cached=[])
    assert got.status == "refused" and problem in got.error, got.error
    assert time.monotonic() - started < 1.0  # no connection was tried (10.0.0.5 would hang until the timeout)


def test_only_the_opted_in_host_and_port_pass(http_server):  # noqa: F811
    other_port = ScriptedHTTPServer()
    try:
        http_server.add("/a", 200, b"<title>Allowed</title>", PAGE)
        fetcher = titles(TITLES, http_server)
        got = fetcher.fetch_new([http_server.url("/a"), other_port.url("/a")], cached=[])
        assert [h.status for h in got] == ["ok", "refused"] and other_port.requests == []
    finally:
        other_port.close()


# --- the Airtable flow ------------------------------------------------------------------------------------------

def _embed_with(data_url: str) -> bytes:
    """The fixture embed page whose readSharedViewData urlWithParams is `data_url` (escaped as the page does)."""
    literal = page_data_path().replace("/", "\\u002F").replace("&", "\\u0026")
    assert literal.encode() in EMBED
    return EMBED.replace(literal.encode(), data_url.replace("/", "\\u002F").replace("&", "\\u0026").encode())


def _layoffs(tmp_path, url: str, *servers):
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_URL_LAYOFFS_FYI": url})
    client = HttpClient(HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=0, allow_hosts=allow(*servers)))
    con = duckdb.connect(":memory:")
    try:
        with pytest.raises(FetchError) as caught:
            ingest_one(con, "layoffs_fyi", settings, client)
    finally:
        con.close()
        client.close()
    one_line(str(caught.value))
    assert not list((tmp_path / "raw").rglob("*.json")), "nothing may be stored"
    return caught.value


def test_a_signed_url_on_another_host_or_port_is_refused(http_server, other_host, tmp_path):  # noqa: F811
    other_port = ScriptedHTTPServer()
    try:
        for target in (other_host, other_port):
            http_server.add(EMBED_PATH, 200, _embed_with(target.url(page_data_path())), HTML)
            error = _layoffs(tmp_path, http_server.url(EMBED_PATH), http_server, other_host, other_port)
            assert isinstance(error, Refused) and "shared-view data" in str(error) and "allowlist" in str(error)
            assert f":{target.port}" in str(error) and "LAYOFFS_AI_URL_LAYOFFS_FYI" in str(error)
        assert other_host.requests == [] and other_port.requests == []
    finally:
        other_port.close()


def test_a_signed_url_climbing_out_of_read_shared_view_data_is_refused(http_server, tmp_path):  # noqa: F811
    climbing = "/v0.3/view/viwInvented0Grid1/readSharedViewData/../../admin/delete?confirm=1"
    for literal in (climbing, climbing.replace("..", "%2e%2e")):
        http_server.add(EMBED_PATH, 200, _embed_with(literal), HTML)
        error = _layoffs(tmp_path, http_server.url(EMBED_PATH), http_server)
        assert isinstance(error, Refused) and "'signed URL' refused" in str(error)
        assert "climbs out of readSharedViewData" in str(error) or "is not /v0.3/view/<id>/readSharedViewData" in str(
            error)  # normalised first: the check sees /v0.3/view/admin/delete
    assert [r.path for r in http_server.requests] == [EMBED_PATH, EMBED_PATH]  # never /admin/delete


def test_a_redirect_from_the_data_url_to_another_port_is_refused(http_server, tmp_path):  # noqa: F811
    other_port = ScriptedHTTPServer()
    try:
        site = Site(http_server)
        site.add_embed()
        site.add_view(status=302, headers={"Location": other_port.url("/steal")})
        error = _layoffs(tmp_path, site.embed_url, http_server, other_port)
        assert isinstance(error, Refused) and "redirect (HTTP 302)" in str(error) and "shared-view data" in str(error)
        assert other_port.requests == []
    finally:
        other_port.close()


def test_a_start_url_redirecting_to_an_internal_file_stores_nothing(http_server, other_host, tmp_path):  # noqa: F811
    http_server.add("/secret.csv", 200, b"user,password\nroot,hunter2\n", {"Content-Type": "text/csv"})
    other_host.add("/", 302, b"", {"Location": http_server.url("/secret.csv")})
    error = _layoffs(tmp_path, other_host.url("/"))  # the configured start page is trusted; where it points is not
    assert isinstance(error, Refused) and "start page" in str(error) and "/secret.csv" in str(error)
    assert http_server.requests == [] and not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*"))


def test_a_home_page_iframe_pointing_inside_is_refused(http_server, other_host, tmp_path):  # noqa: F811
    home = HOME.replace(b"https://airtable.com", http_server.url("").encode())
    other_host.add("/", 200, home, HTML)
    error = _layoffs(tmp_path, other_host.url("/"))
    assert isinstance(error, Refused) and "embed page" in str(error) and "allowlist" in str(error)
    assert http_server.requests == []


# --- deadlines that hold while bytes trickle ----------------------------------------------------------------------

def test_a_trickling_body_cannot_outlive_the_fetch_deadline(http_server):  # noqa: F811
    http_server.add("/slow.csv", 200, b"a,b\n" + b"1,2\n" * 200, {"Content-Type": "text/csv"}, trickle=0.2)
    client = HttpClient(HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=3, deadline=1.0))
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline of 1 s"):
        client.get(http_server.url("/slow.csv"))
    assert time.monotonic() - started < 2.0  # each byte came within the read timeout: only the deadline stops it
    client.close()


def test_a_trickling_source_ends_missing_within_its_deadline(http_server, tmp_path):  # noqa: F811
    http_server.add("/slow.csv", 200, b"a,b\n" + b"1,2\n" * 200, {"Content-Type": "text/csv"}, trickle=0.2,
                    times=5)
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_DEADLINE_S": "1",
                                  "LAYOFFS_AI_URL_EPOCH_NOTABLE": http_server.url("/slow.csv")})
    started = time.monotonic()
    outcome = fetch_all(["epoch_notable"], settings)["epoch_notable"]
    assert time.monotonic() - started < 1 + 5
    state = decide(outcome, None, "2026-01-01T00:00:00+00:00")
    assert state.status == "missing" and "deadline" in state.error


def test_a_trickling_article_and_a_long_crawl_delay_cost_little(http_server, other_host):  # noqa: F811
    http_server.add("/robots.txt", 200, b"User-agent: *\nCrawl-delay: 29\n", {"Content-Type": "text/plain"})
    other_host.add("/slow", 200, b"<title>" + b"x" * 500, PAGE, trickle=0.2)
    config = replace(TITLES, http=replace(TITLES.http, deadline=1.0))
    fetcher = titles(config, http_server, other_host)
    started = time.monotonic()
    got = {h.url: h for h in fetcher.fetch_new([http_server.url(f"/a/{n}") for n in range(3)]
                                               + [other_host.url("/slow")], cached=[])}
    assert time.monotonic() - started < 3.0
    skipped = [got[http_server.url(f"/a/{n}")] for n in range(3)]
    assert {h.status for h in skipped} == {"disallowed"} and "Crawl-delay of 29 s" in skipped[0].error
    assert [r.path for r in http_server.requests] == ["/robots.txt"]  # the host is skipped, recorded, not waited
    assert got[other_host.url("/slow")].status == "error" and "deadline" in got[other_host.url("/slow")].error


def test_the_title_step_stops_at_its_budget(http_server):  # noqa: F811
    for n in range(10):
        http_server.add(f"/a/{n}", 200, f"<title>Page {n}</title>".encode(), PAGE)
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    config = replace(TITLES, min_interval_s=4.0, budget_s=10.0)
    fetcher = TitleFetcher(replace(config, http=replace(config.http, allow_hosts=allow(http_server))),
                           clock=lambda: now[0], sleep=sleep)
    got = fetcher.fetch_new([http_server.url(f"/a/{n}") for n in range(10)], cached=[])
    # robots.txt at 0 s, pages at 4 s and 8 s; the next would start at 12 s, past the 10 s budget
    assert [h.status for h in got] == ["ok", "ok"] and slept == [4.0, 4.0] and fetcher.budget_used
    assert len(http_server.requests) == 3
