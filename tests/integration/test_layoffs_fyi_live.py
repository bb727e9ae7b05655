"""layoffs.fyi live: home page -> Airtable embed -> signed shared-view JSON into the store, against the local server."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import duckdb
import pytest

from ingestion.core import FetchError
from ingestion.http import HttpClient, HttpConfig
from ingestion.snapshot import SnapshotStore
from ingestion.sources import layoffs_fyi
from orchestration.ingest_steps import ingest_one
from orchestration.settings import Settings
from tests.support.airtable_site import EMBED, EMBED_PATH, EXPORT_CSV, HTML, VIEW, Site, data_path
from tests.support.http_server import http_server  # noqa: F401 - fixture
from tests.support.staged import load_snapshot

VIEW_ROWS = len(json.loads(VIEW)["data"]["table"]["rows"])


def client() -> HttpClient:
    return HttpClient(HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=1, backoff_factor=0.0))


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def site(http_server):  # noqa: F811
    return Site(http_server)


def test_env_url_at_the_home_page_follows_iframe_embed_and_json_and_loads_every_row(site, http_server, tmp_path):  # noqa: F811
    site.add_all()
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_URL_LAYOFFS_FYI": site.home_url})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    out = ingest_one(con, "layoffs_fyi", settings, client())

    assert [r.path for r in http_server.requests] == ["/", EMBED_PATH, data_path()]
    sent = http_server.requests_for(data_path())[0].headers
    assert {k: sent[k] for k in ("x-airtable-application-id", "x-requested-with", "x-time-zone", "x-user-locale",
                                 "x-airtable-inter-service-client")} == {
        "x-airtable-application-id": "appInvented0Base1", "x-requested-with": "XMLHttpRequest",
        "x-time-zone": "UTC", "x-user-locale": "en", "x-airtable-inter-service-client": "webClient"}
    assert sent["cookie"] == "brw=brwInvented0001"  # the embed page's cookie goes with the JSON request

    snap = out.snapshot
    day = snap.path.parent
    assert files_under(tmp_path / "raw") == [f"layoffs_fyi/{day.name}/{name}" for name in (
        "layoffs_fyi_airtable.json", "layoffs_fyi_airtable.json.json", "layoffs_fyi_airtable_embed.html")]
    assert snap.read_bytes() == VIEW and snap.sha256 == hashlib.sha256(VIEW).hexdigest()
    sidecar = json.loads((day / "layoffs_fyi_airtable.json.json").read_text())
    # the policy's signature is a secret: the sidecar keeps the URL with it masked (issue 20)
    signature = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert signature in site.data_url and signature not in json.dumps(sidecar)
    assert sidecar["url"] == site.data_url.replace(signature, "***")
    assert sidecar["content_type"] == "application/json; charset=utf-8"
    assert sidecar["attachments"] == [{
        "name": "layoffs_fyi_airtable_embed.html", "url": site.embed_url, "sha256": hashlib.sha256(EMBED).hexdigest(),
        "bytes": len(EMBED), "content_type": "text/html; charset=utf-8"}]
    assert (day / "layoffs_fyi_airtable_embed.html").read_bytes() == EMBED
    assert SnapshotStore(tmp_path / "raw").list("layoffs_fyi") == [snap]

    assert (out.load.rows, out.load.rejects, out.load.input_rows) == (VIEW_ROWS, 0, VIEW_ROWS)
    loaded = con.execute("SELECT company, location, total_laid_off, date, country FROM raw.layoffs_fyi__layoffs "
                         "ORDER BY _line_number").fetchall()
    assert len(loaded) == VIEW_ROWS
    assert loaded[1][:3] == ("Quorra", "Ottawa, Non-U.S.", "")  # multi-select joined, empty count kept as text
    assert [row[4] for row in loaded] == ["United States", "Canada", "Israel", "United States", "United States"]
    con.close()


def test_url_at_the_embed_page_skips_discovery(site, http_server, tmp_path):  # noqa: F811
    site.add_embed()
    site.add_view()
    snap = layoffs_fyi.fetch(store=SnapshotStore(tmp_path), client=client(), url=site.embed_url)
    assert [r.path for r in http_server.requests][-1] == data_path() and len(http_server.requests) == 2
    assert snap.read_bytes() == VIEW and [a.name for a in snap.attachments] == ["layoffs_fyi_airtable_embed.html"]
    assert snap.attachments[0].path.read_bytes() == EMBED
    assert load_snapshot("layoffs_fyi", snap).rows == VIEW_ROWS


@pytest.mark.parametrize("content_type", ["text/csv; charset=utf-8", "application/octet-stream"])
def test_url_at_a_csv_export_is_stored_as_csv_by_content(http_server, tmp_path, content_type):  # noqa: F811
    http_server.add("/export", 200, EXPORT_CSV, {"Content-Type": content_type, "ETag": '"e1"'})
    snap = layoffs_fyi.fetch(store=SnapshotStore(tmp_path), client=client(), url=http_server.url("/export"))
    assert snap.path.name == "layoffs_fyi_export.csv" and snap.read_bytes() == EXPORT_CSV
    assert snap.attachments == () and snap.etag == '"e1"'
    assert files_under(tmp_path) == [f"layoffs_fyi/{snap.path.parent.name}/layoffs_fyi_export.csv",
                                     f"layoffs_fyi/{snap.path.parent.name}/layoffs_fyi_export.csv.json"]
    assert load_snapshot("layoffs_fyi", snap).rows == 5


@pytest.mark.parametrize("home", ["no iframe", "unreachable"])
def test_default_flow_falls_back_to_the_known_embed_page(site, http_server, tmp_path, monkeypatch, home):  # noqa: F811
    monkeypatch.setattr(layoffs_fyi, "LIVE_URL", site.home_url)
    monkeypatch.setattr(layoffs_fyi, "KNOWN_EMBED_URL", site.embed_url)
    default = dataclasses.replace(layoffs_fyi.LAYOFFS_FYI, url=site.home_url)
    if home == "no iframe":
        site.add_home(b"<!doctype html><html><body><h1>Tracker moved to a new layout</h1></body></html>")
    else:
        site.add_home(b"down", {"Content-Type": "text/plain"}, status=503)
        site.add_home(b"down", {"Content-Type": "text/plain"}, status=503)
    site.add_embed()
    site.add_view()
    snap = layoffs_fyi.fetch(default, store=SnapshotStore(tmp_path), client=client())
    assert snap.read_bytes() == VIEW and snap.attachments[0].url == site.embed_url
    # any other URL never falls back: the same page is refused
    http_server.add("/moved", 200, b"<!doctype html><html><body><h1>Moved</h1></body></html>", HTML)
    with pytest.raises(FetchError, match="no readSharedViewData urlWithParams and no Airtable embed iframe"):
        layoffs_fyi.fetch(store=SnapshotStore(tmp_path), client=client(), url=http_server.url("/moved"))


def test_same_json_the_same_day_reuses_the_snapshot_and_its_attachment(site, http_server, tmp_path):  # noqa: F811
    store = SnapshotStore(tmp_path)
    site.add_embed()
    site.add_view()
    first = layoffs_fyi.fetch(store=store, client=client(), url=site.embed_url)
    fresh_policy = EMBED.replace(b"reqInvented0Req01", b"reqInvented0Req02")
    site.add_embed(fresh_policy)
    http_server.add(data_path(fresh_policy), 200, VIEW, {"Content-Type": "application/json"})
    second = layoffs_fyi.fetch(store=store, client=client(), url=site.embed_url)
    assert second == first and len(http_server.requests_for(data_path(fresh_policy))) == 1
    assert store.list("layoffs_fyi") == [first]
    assert len(files_under(tmp_path)) == 3  # the new embed page is not kept without a new snapshot
