"""Live WARN: warn-scraper's own scraper, behind the policy proxy, against a local TLS site; its snapshot loaded and typed."""

from __future__ import annotations

import csv
import html
import io
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from ingestion import sources
from ingestion.core import FetchError
from ingestion.http import HttpClient, HttpConfig
from ingestion.snapshot import SnapshotStore
from ingestion.sources import warn
from orchestration.ingest_steps import parse_and_load
from tests.support.staged import build_staging
from warehouse.raw_load import ensure_raw_tables

import warn.cli as _warn_scraper_cli  # noqa: E402,F401 - a hard dependency: its absence fails, never skips
import trustme  # noqa: E402 - a dev dependency (pyproject)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "warn" / "warn_ny_export_pipeline.csv"
NY_HOST = "public.tableau.com"


class Site(ThreadingHTTPServer):
    """HTTPS on 127.0.0.1 with a certificate for `host` (signed by a test CA): answers every GET with `status` and
    `body` (every POST with `post`: status and body), and records the requests ("GET /path")."""

    daemon_threads = True

    def __init__(self, ca, host: str, status: int, body: bytes, post: tuple[int, bytes] = (405, b""),
                 content_type: str = "text/csv") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = {"GET": (status, body), "POST": post}
        self.content_type, self.paths = content_type, []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(host).configure_cert(context)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format, *args):  # noqa: A002 - silence stderr logging
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.paths.append(f"{self.command} {self.path}")
        answer = self.server.answers[self.command]
        status, body = answer.pop(0) if isinstance(answer, list) else answer  # a list: one answer per request
        self.send_response(status)
        self.send_header("Content-Type", self.server.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 - http.server naming


@pytest.fixture
def ca(tmp_path):
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return authority


def fetch_ny(site: Site, tmp_path: Path, *, deadline: float = 60.0, allowed: bool = True):
    config = HttpConfig(deadline=deadline, allow_hosts=frozenset({("127.0.0.1", site.port)}) if allowed else frozenset())
    with HttpClient(config) as client:
        return warn.fetch("warn_ny", store=SnapshotStore(tmp_path / "raw"), client=client,
                          upstream={(NY_HOST, 443): ("127.0.0.1", site.port)}, ca_bundle=tmp_path / "ca.pem")


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_new_york_is_scraped_through_the_proxy_into_the_store(ca, tmp_path):
    site = Site(ca, NY_HOST, 200, FIXTURE.read_bytes())
    try:
        snapshot = fetch_ny(site, tmp_path)
    finally:
        site.shutdown()
    assert site.paths and site.paths[0].startswith("GET /views/WorkerAdjustmentRetrainingNotificationWARN/WARN.csv")
    assert rows(snapshot.read_bytes()) == rows(FIXTURE.read_bytes())  # the scraper's ny.csv: the same rows
    assert (snapshot.source, snapshot.url, snapshot.path.parent.parent.name) == ("warn_ny", warn.DATASETS[2].url,
                                                                                 "warn_ny")
    sources.check_layout("warn_ny", snapshot)


def recorded_ny() -> tuple[bytes, list[list[str]]]:
    """New York's Tableau CSV as the site serves it (the fixture's rows), with two companies padded with spaces and
    one notice dated with a spreadsheet placeholder: (body, its records without the header)."""
    header, *records = rows(FIXTURE.read_bytes())
    records[2][0] = f"  {records[2][0]}   "
    records[7][0] = f"{records[7][0]}\t "
    records.append(["Placeholder Co", "2026-06-01", "1899-12-30", "2026-05-02", "1 Main St, Troy, NY 12180",
                    "Rensselaer", "Layoff", "Permanent", "Economic", "13", "40"])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *records])
    return out.getvalue().encode("utf-8"), records


def test_a_scraped_state_is_loaded_and_typed_by_the_pipelines_own_load(ca, tmp_path):
    """Live mode end to end for one state: warn-scraper's `ny` scraper behind the proxy, the layout check, the raw
    load a run uses (`parse_and_load`) and the staging models (dbt build, their data tests included). What staging
    holds is what the recorded response holds, names trimmed; the placeholder row is a reject; nothing is lost."""
    body, records = recorded_ny()
    site = Site(ca, NY_HOST, 200, body)
    try:
        snapshot = fetch_ny(site, tmp_path)
    finally:
        site.shutdown()
    sources.check_layout("warn_ny", snapshot)
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    try:
        ensure_raw_tables(con, sources.RAW_TABLES)
        loaded = parse_and_load(con, "warn_ny", snapshot, run_id="live-ny")
    finally:
        con.close()
    build_staging(db, [warn.TABLE], tmp_path / "dbt", command="run")
    con = duckdb.connect(str(db), read_only=True)
    try:
        staged = con.execute("SELECT line_number, state, company, company_raw, notice_date::varchar, workers "
                             "FROM staging.stg_warn__notices WHERE source = 'warn_ny' ORDER BY line_number").fetchall()
        rejects = con.execute("SELECT line_number, reason FROM staging.rejects WHERE source = 'warn_ny'").fetchall()
        outcome = con.execute("SELECT accepted_rows, typing_rejects FROM staging.load_outcomes "
                              "WHERE source = 'warn_ny' AND snapshot_sha256 = ?", [snapshot.sha256]).fetchall()
    finally:
        con.close()
    # the oracle: the recorded records themselves (header on line 1, one line per record), read with csv
    expected = [(line, "NY", " ".join(r[0].split()), r[0], r[2], int(r[10]) or None)
                for line, r in enumerate(records, start=2) if r[0] != "Placeholder Co"]
    assert staged == expected
    assert staged[2][2:4] == ("Halcyon Bakeries LLC", "  Halcyon Bakeries LLC   ")  # trimmed by staging, not before
    assert rejects == [(len(records) + 1, "notice_date: '1899-12-30' is a placeholder for a missing date")]
    assert (loaded.input_rows, loaded.rows, loaded.rejects) == (len(records), len(records), 0)  # raw keeps every line
    assert loaded.input_rows == len(staged) + len(rejects) and outcome == [(len(staged), len(rejects))]


def test_a_failing_site_is_a_fetch_error_within_the_deadline(ca, tmp_path):
    site = Site(ca, NY_HOST, 500, b"oops")  # warn-scraper retries with 15 s and 30 s sleeps: the deadline holds
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="warn_ny: warn-scraper's 'ny' scraper did not finish within the fetch "
                                             "deadline of 4 s"):
            fetch_ny(site, tmp_path, deadline=4.0)
    finally:
        site.shutdown()
    assert time.monotonic() - started < 10
    assert not (tmp_path / "raw").exists() or not list((tmp_path / "raw").rglob("*.csv"))


def test_a_host_resolving_to_a_private_address_is_refused_by_the_proxy(ca, tmp_path):
    # the refusal fails the fetch whatever the scraper does next, so it is stopped at once: not after its three
    # tries with 15 s and 30 s sleeps (45 s), well inside the 60 s deadline
    site = Site(ca, NY_HOST, 200, FIXTURE.read_bytes())
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="'ny' scraper was stopped at the proxy's first failure; the proxy: "
                                             "refused https://127.0.0.1:.*a loopback address"):
            fetch_ny(site, tmp_path, deadline=60.0, allowed=False)
    finally:
        site.shutdown()
    assert time.monotonic() - started < 30
    assert site.paths == []  # nothing reached the site


WA_HEADER = ["Company", "Location", "Layoff Start Date", "# of Workers", "Closure Layoff", "Type of Layoff",
             "Received Date", "Notice"]


def wa_page(rows: list[list[str]], page: int = 1, pages: int = 1) -> bytes:
    """The shape of Washington's ASP.NET search page as warn-scraper reads it: one grid table whose first two rows
    are the search form, whose third holds the <th> headers, then one row per notice and two pager rows (the
    numeric pager: this page's number, and a postback link to each other page)."""
    cells = lambda tag, values: "".join(f"<{tag}>{html.escape(v)}</{tag}>" for v in values)  # noqa: E731
    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    pager = "".join(f"<span>{n}</span>" if n == page else
                    f"<a href=\"javascript:__doPostBack(&#39;ucPSW$gvMain&#39;,&#39;Page${n}&#39;)\">{n}</a>"
                    for n in range(1, pages + 1))
    return (f"<html><body><form><input type='hidden' name='__VIEWSTATE' value='v1'>"
            f"<input type='hidden' name='__EVENTVALIDATION' value='e1'><table>"
            f"<tr><td>Search WARN notices</td></tr><tr><td>Company name:</td></tr><tr>{cells('th', WA_HEADER)}</tr>"
            f"{body}<tr><td>{pager}</td></tr><tr><td>Page {page} of {pages}</td></tr></table></form></body></html>").encode()


def test_washington_is_scraped_and_its_last_page_ends_the_walk(ca, tmp_path):
    """Page 1 answers the grid; the postback for page 2 answers an error page, which ends warn-scraper's walk (as
    the real site's last page does): the proxy saw nothing wrong, the CSV has page 1's notices."""
    notices = rows(FIXTURE.with_name("warn_wa_export_pipeline.csv").read_bytes())[1:6]
    site = Site(ca, "fortress.wa.gov", 200, wa_page(notices), post=(500, b"<html>Server Error</html>"),
                content_type="text/html; charset=utf-8")
    config = HttpConfig(deadline=60.0, allow_hosts=frozenset({("127.0.0.1", site.port)}))
    try:
        with HttpClient(config) as client:
            snapshot = warn.fetch("warn_wa", store=SnapshotStore(tmp_path / "raw"), client=client,
                                  upstream={("fortress.wa.gov", 443): ("127.0.0.1", site.port)},
                                  ca_bundle=tmp_path / "ca.pem")
    finally:
        site.shutdown()
    assert site.paths == ["GET /esd/file/warn/Public/SearchWARN.aspx", "POST /esd/file/warn/Public/SearchWARN.aspx"]
    assert rows(snapshot.read_bytes()) == [WA_HEADER] + notices
    sources.check_layout("warn_wa", snapshot)


def scrape_wa(site: Site, tmp_path: Path):
    config = HttpConfig(deadline=60.0, allow_hosts=frozenset({("127.0.0.1", site.port)}))
    try:
        with HttpClient(config) as client:
            return warn.fetch("warn_wa", store=SnapshotStore(tmp_path / "raw"), client=client,
                              upstream={("fortress.wa.gov", 443): ("127.0.0.1", site.port)},
                              ca_bundle=tmp_path / "ca.pem")
    finally:
        site.shutdown()


def test_washington_walks_every_page_its_pager_links(ca, tmp_path):
    notices = rows(FIXTURE.with_name("warn_wa_export_pipeline.csv").read_bytes())[1:7]
    error = (500, b"<html>Server Error</html>")
    site = Site(ca, "fortress.wa.gov", 200, wa_page(notices[:3], 1, 2), content_type="text/html; charset=utf-8",
                post=[(200, wa_page(notices[3:], 2, 2)), error])
    snapshot = scrape_wa(site, tmp_path)
    assert rows(snapshot.read_bytes()) == [WA_HEADER] + notices
    assert len(site.paths) == 3  # the page, page 2's postback, and the postback past the last page


def test_a_washington_walk_cut_short_is_not_stored(ca, tmp_path):
    """Page 1's pager links to page 2, whose postback fails: warn-scraper ends the walk and exits 0 with page 1's
    notices; the pager shows the walk stopped short, so the state is not fetched (stale or missing)."""
    notices = rows(FIXTURE.with_name("warn_wa_export_pipeline.csv").read_bytes())[1:7]
    site = Site(ca, "fortress.wa.gov", 200, wa_page(notices[:3], 1, 3), content_type="text/html; charset=utf-8",
                post=[(500, b"<html>Server Error</html>")] * 3)
    with pytest.raises(FetchError, match="warn_wa: warn-scraper's 'wa' scraper finished, but page 1 of Washington's "
                                         "grid links to page 2, which did not arrive; its CSV would be partial"):
        scrape_wa(site, tmp_path)
    assert not (tmp_path / "raw").exists() or not list((tmp_path / "raw").rglob("*.csv"))
