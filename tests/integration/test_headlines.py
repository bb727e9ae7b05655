"""Opt-in article-title fetch: robots.txt, rate limit, per-run cap, failures recorded, cache, off by default."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from ingestion import headlines
from ingestion.headlines import HeadlineConfig, TitleFetcher, extract_title
from ingestion.http import HttpConfig
from ingestion.snapshot import SnapshotStore
from orchestration.headlines_step import run_headlines
from warehouse.headlines_load import ensure_table
from orchestration.settings import Settings, unknown_variable_warnings
from tests.support.http_server import http_server  # noqa: F401 - fixture

HTML = {"Content-Type": "text/html; charset=utf-8"}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
FAST = HeadlineConfig(min_interval_s=0.0, max_requests=50, max_bytes=64 * 1024,
                      http=HttpConfig(connect_timeout=1.0, read_timeout=0.5, total_retries=1, backoff_factor=0.0,
                                      retry_after_max=1, deadline=3.0))


def opted_in(config: HeadlineConfig, server) -> HeadlineConfig:
    """The local server stands in for public hosts: say so (LAYOFFS_AI_FETCH_ALLOW_HOSTS), as a user would."""
    hosts = frozenset({("127.0.0.1", server.port), ("localhost", server.port)})
    return replace(config, http=replace(config.http, allow_hosts=hosts))


def _page(title: str, filler: int = 0) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{'x' * filler}</body></html>".encode()


def _site(server) -> None:
    """Invented pages: a robots.txt, an article, a disallowed one, failing, non-HTML, huge and slow ones."""
    server.add("/robots.txt", body=ROBOTS, headers={"Content-Type": "text/plain"})
    server.add("/article/123456", body=_page("\n  Acme to cut 200 jobs in AI push &amp; more | Example  "),
               headers=HTML)
    server.add("/private/777", body=_page("Secret"), headers=HTML)
    server.add("/article/500", status=500, body=b"oops", times=2)  # one retry
    server.add("/article/429", status=429, body=b"slow down", headers={"Retry-After": "0"}, times=2)
    server.add("/feed.json", body=b'{"title": "not a page"}', headers={"Content-Type": "application/json"})
    server.add("/article/huge", body=_page("Brindle trims staff", filler=3 * 1024 * 1024), headers=HTML)
    server.add("/article/slow", body=_page("Too late"), headers=HTML, delay=2.0, times=2)


def _warehouse(urls: list[str]) -> duckdb.DuckDBPyConnection:
    """A warehouse whose last build left these source URLs 'unknown'."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA intermediate")
    con.execute("CREATE TABLE intermediate.int_layoffs__ai_attribution (source_url VARCHAR, ai_attribution VARCHAR)")
    con.executemany("INSERT INTO intermediate.int_layoffs__ai_attribution VALUES (?, 'unknown')", [[u] for u in urls])
    con.execute("INSERT INTO intermediate.int_layoffs__ai_attribution VALUES ('https://x.test/readable-slug', 'none')")
    return con


def test_titles_robots_and_failures(http_server):
    _site(http_server)
    paths = ["/article/123456", "/private/777", "/article/500", "/article/429", "/feed.json", "/article/huge",
             "/article/slow"]
    fetcher = TitleFetcher(opted_in(FAST, http_server))
    try:
        got = {h.url.split(str(http_server.port))[1]: h for h in fetcher.fetch_new(
            [http_server.url(p) for p in paths], cached=[])}
    finally:
        fetcher.close()
    assert got["/article/123456"].status == "ok"
    assert got["/article/123456"].title == "Acme to cut 200 jobs in AI push & more | Example"
    assert got["/private/777"].status == "disallowed"
    assert http_server.requests_for("/private/777") == []  # robots.txt said no: never requested
    assert got["/article/500"].status == "http_500" and got["/article/429"].status == "http_429"
    assert got["/feed.json"].status == "not_html"
    assert got["/article/huge"].title == "Brindle trims staff"  # only the first 64 KiB were read
    assert got["/article/slow"].status == "error" and "timeout" in got["/article/slow"].error
    assert len(http_server.requests_for("/robots.txt")) == 1  # once per host
    assert all("layoffs-ai" in r.headers["user-agent"] for r in http_server.requests)


def test_rate_limit_spaces_requests_to_one_host_and_caps_the_run(http_server):
    """With a fake clock: each request to a host waits out the interval since the host's last one; another host
    keeps its own turns; the per-run cap stops before a URL whose requests would pass it."""
    http_server.add("/robots.txt", body=b"", headers={"Content-Type": "text/plain"}, times=2)
    for n in range(4):
        http_server.add(f"/a/{n}", body=_page(f"Page {n}"), headers=HTML)
    now, sleeps = [0.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(round(seconds, 6))
        now[0] += seconds

    other_host = f"http://localhost:{http_server.port}/a/3"
    urls = [http_server.url(f"/a/{n}") for n in range(3)] + [other_host]
    fetcher = TitleFetcher(opted_in(replace(FAST, min_interval_s=1.5, max_requests=5), http_server),
                           clock=lambda: now[0], sleep=sleep)
    try:
        got = fetcher.fetch_new(urls, cached=[])
        assert [h.status for h in got] == ["ok", "ok", "ok"]  # robots + 3 pages; localhost's 2 would pass 5
        assert sleeps == [1.5, 1.5, 1.5]  # robots.txt, then 3 pages each 1.5 s after the one before
        assert fetcher.requests == 4
    finally:
        fetcher.close()
    assert http_server.requests_for("/a/3") == []

    sleeps.clear()
    http_server.add("/a/2", body=_page("Page 2"), headers=HTML)
    fetcher = TitleFetcher(opted_in(replace(FAST, min_interval_s=1.5), http_server),
                           clock=lambda: now[0], sleep=sleep)
    try:
        got = fetcher.fetch_new(urls[2:], cached=[])  # 127.0.0.1 (its robots.txt again), then localhost
        assert [h.status for h in got] == ["ok", "ok"]
        assert sleeps == [1.5, 1.5]  # each host: its page 1.5 s after its robots.txt; no wait between hosts
    finally:
        fetcher.close()


def test_cached_titles_are_never_fetched_again(http_server, tmp_path):
    _site(http_server)
    urls = [http_server.url("/article/123456"), http_server.url("/private/777"), http_server.url("/article/500")]
    settings = Settings(home=tmp_path, snapshot_dir=None, fetch_headlines=True)
    con = _warehouse(urls)
    first = run_headlines(settings, con, log=lambda _: None, config=opted_in(FAST, http_server))
    assert (first.enabled, first.candidates, first.fetched, first.titles, first.rows) == (True, 3, 3, 1, 3)
    rows = dict(con.execute("SELECT url, status FROM raw.article_headlines").fetchall())
    assert rows == {urls[0]: "ok", urls[1]: "disallowed", urls[2]: "http_500"}
    store = SnapshotStore(tmp_path / "raw")
    [snapshot] = store.list(headlines.DATASET_ID)
    store.verify(snapshot)  # immutable snapshot with its sha256 sidecar
    made = len(http_server.requests)

    second = run_headlines(settings, con, log=lambda _: None, config=opted_in(FAST, http_server))
    assert second.fetched == 0 and second.rows == 3 and second.snapshot is None
    assert len(http_server.requests) == made  # zero requests on the second run
    assert len(store.list(headlines.DATASET_ID)) == 1


def test_off_by_default_makes_no_request(http_server, tmp_path):
    _site(http_server)
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path)})
    assert settings.fetch_headlines is False
    con = _warehouse([http_server.url("/article/123456")])
    ensure_table(con)
    con.execute("INSERT INTO raw.article_headlines (url, status, title) VALUES ('https://x.test/1', 'ok', 'Old')")
    messages: list[str] = []
    step = run_headlines(settings, con, log=messages.append, config=opted_in(FAST, http_server))
    assert step.enabled is False and http_server.requests == []
    assert con.execute("SELECT count(*) FROM raw.article_headlines").fetchone()[0] == 0  # no title reaches dbt
    assert "off" in messages[0]
    assert not (tmp_path / "raw" / headlines.DATASET_ID).exists()


def test_the_setting_is_a_known_flag(tmp_path):
    on = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_HEADLINES": "1"})
    assert on.fetch_headlines is True
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_HEADLINES": "0"}).fetch_headlines is False
    assert unknown_variable_warnings({"LAYOFFS_AI_FETCH_HEADLINES": "1"}) == []
    with pytest.raises(ValueError, match="LAYOFFS_AI_FETCH_HEADLINES"):
        Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_HEADLINES": "sometimes"})


@pytest.mark.parametrize("body, content_type, expected", [
    (b"<title>Zentrix  lays off\n 40 &#8211; AI push</title>", "text/html", "Zentrix lays off 40 \u2013 AI push"),
    ("<title>Quillo réduit ses effectifs</title>".encode("latin-1"), "text/html; charset=ISO-8859-1",
     "Quillo réduit ses effectifs"),
    (b"<html><body><h1>No title here</h1></body></html>", "text/html", None),
    (b"<title>First</title><svg><title>Second</title></svg>", "text/html; charset=bogus-name", "First"),
    (b"<title>   </title>", None, None),
])
def test_extract_title(body, content_type, expected):
    assert extract_title(body, content_type) == expected


def test_the_asset_feeds_the_attribution_model(tmp_path):
    import dagster as dg

    from orchestration.definitions import build

    graph = build(Settings(home=tmp_path, snapshot_dir=None)).get_repository_def().asset_graph
    key = dg.AssetKey(["raw", "article_headlines"])
    node = graph.get(key)
    assert node.is_materializable and node.group_name == "raw"
    assert {p.to_user_string() for p in node.parent_keys} == {"raw/layoffs_fyi__layoffs",
                                                              "raw/crunchbase_tracker__layoffs"}
    assert key in graph.get(dg.AssetKey(["intermediate", "int_layoffs__ai_attribution"])).parent_keys
    assert key in graph.get(dg.AssetKey(["warehouse", "published"])).parent_keys
