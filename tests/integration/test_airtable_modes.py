"""layoffs.fyi as Airtable serves it today, one local server per mode: JSON, MessagePack by default, cookie
required, a login wall for plain requests (passed only with LAYOFFS_AI_AIRTABLE_BROWSER=1, in Chromium)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import msgpack
import pytest

from ingestion.core import FetchError
from ingestion.http import HttpClient, HttpConfig
from ingestion.outbound import parse_allow_hosts
from orchestration.ingest_steps import ingest_one
from orchestration.settings import Settings
from tests.support.airtable_site import EMBED, EMBED_PATH, HTML, JSON, VIEW, page_data_path
from tests.support.http_server import ScriptedResponse, http_server, other_host  # noqa: F401

DATA_PATH = page_data_path().split("?")[0]
ROWS = json.loads(VIEW)["data"]["table"]["rows"]
MSGPACK = {"Content-Type": "application/msgpack"}
COOKIE = {**HTML, "Set-Cookie": "brw=brwInvented0001; Path=/"}
JS = b"""fetch(window.__prefetchedSharedViewData.urlWithParams, {headers: window.__prefetchedSharedViewData.headers})
  .then(r => r.text()).then(t => { document.getElementById('root').textContent = 'loaded ' + t.length; });
"""


def _ingest(tmp_path: Path, url: str, *, browser: bool = False, allow: str = ""):
    env = {"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_URL_LAYOFFS_FYI": url}
    if browser:
        env["LAYOFFS_AI_AIRTABLE_BROWSER"] = "1"
    settings = Settings.from_env(env)
    config = HttpConfig(connect_timeout=3.0, read_timeout=3.0, total_retries=0, deadline=30.0,
                        airtable_browser=settings.http.airtable_browser, allow_hosts=parse_allow_hosts(allow))
    con = duckdb.connect(":memory:")
    try:
        with HttpClient(config) as client:
            out = ingest_one(con, "layoffs_fyi", settings, client)
        companies = [r[0] for r in con.execute("SELECT company FROM raw.layoffs_fyi__layoffs ORDER BY _line_number")
                     .fetchall()]
    finally:
        con.close()
    return out, companies


def _expected_companies() -> list[str]:
    column = next(c["id"] for c in json.loads(VIEW)["data"]["table"]["columns"] if c["name"] == "Company")
    return [row["cellValuesByColumnId"].get(column) for row in ROWS]


def _nested_by_default(request) -> ScriptedResponse:
    """Airtable today: MessagePack unless the request asks for the legacy format (the flag false)."""
    if "%22shouldUseNestedResponseFormat%22%3Afalse" in request.path:
        return ScriptedResponse(200, VIEW, JSON)
    return ScriptedResponse(200, msgpack.packb(json.loads(VIEW)), MSGPACK)


def test_messagepack_by_default_the_client_asks_for_json(http_server, tmp_path):  # noqa: F811
    http_server.add(EMBED_PATH, 200, EMBED, COOKIE)
    http_server.route(DATA_PATH, _nested_by_default)
    out, companies = _ingest(tmp_path, http_server.url(EMBED_PATH))
    [data] = http_server.requests_for_prefix(DATA_PATH)
    assert "%22shouldUseNestedResponseFormat%22%3Afalse" in data.path  # the flag flipped, the rest untouched
    assert data.path.split("stringifiedObjectParams=")[1].split("&", 1)[1] == page_data_path().split("&", 1)[1]
    assert out.snapshot.read_bytes() == VIEW and companies == _expected_companies()
    assert "chrome" in data.headers["user-agent"].lower() and data.headers["cookie"] == "brw=brwInvented0001"


def test_a_messagepack_answer_is_decoded_and_kept_as_such(http_server, tmp_path):  # noqa: F811
    packed = msgpack.packb(json.loads(VIEW))
    http_server.add(EMBED_PATH, 200, EMBED, COOKIE)
    http_server.route(DATA_PATH, lambda _: ScriptedResponse(200, gzip.compress(packed),
                                                             {**MSGPACK, "Content-Encoding": "gzip"}))
    out, companies = _ingest(tmp_path, http_server.url(EMBED_PATH))
    assert out.snapshot.path.name.endswith(".msgpack") and out.snapshot.read_bytes() == packed
    assert companies == _expected_companies()  # the same rows as from the JSON


def test_the_embed_cookie_is_required_and_kept(http_server, tmp_path):  # noqa: F811
    def needs_cookie(request) -> ScriptedResponse:
        if "brw=brwInvented0001" not in request.headers.get("cookie", ""):
            return ScriptedResponse(403, b'{"error":"NO_SESSION"}', JSON)
        return ScriptedResponse(200, VIEW, JSON)

    http_server.add(EMBED_PATH, 200, EMBED, COOKIE)
    http_server.route(DATA_PATH, needs_cookie)
    _, companies = _ingest(tmp_path, http_server.url(EMBED_PATH))
    assert companies == _expected_companies()

    http_server.add(EMBED_PATH, 200, EMBED, HTML)  # a page that sets no cookie: one line naming the step
    with pytest.raises(FetchError) as caught:
        _ingest(tmp_path, http_server.url(EMBED_PATH))
    assert "Airtable step 'shared-view data' failed" in str(caught.value) and "HTTP 403" in str(caught.value)


def test_the_fetch_call_pattern_is_found_too(http_server, tmp_path):  # noqa: F811
    literal = page_data_path().replace("/", "\\u002F").replace("&", "\\u0026")
    page = EMBED.replace(b'urlWithParams: "' + literal.encode() + b'"', b'url: 0')
    page = page.replace(b"</body>", b'<script>fetch("' + literal.encode() + b'", {headers})</script></body>')
    assert b"readSharedViewData" in page and page.count(literal.encode()) == 1
    http_server.add(EMBED_PATH, 200, page, COOKIE)
    http_server.route(DATA_PATH, _nested_by_default)
    _, companies = _ingest(tmp_path, http_server.url(EMBED_PATH))
    assert companies == _expected_companies()


def _login_wall(request) -> ScriptedResponse:
    """Plain requests end at /login; a real browser's (it sends Sec-Fetch-* headers) gets the data."""
    if "sec-fetch-mode" not in request.headers:
        return ScriptedResponse(302, b"", {"Location": "/login?continue=%2Fembed"})
    return _nested_by_default(request)


def _login_site(server) -> None:
    server.route(EMBED_PATH.split("?")[0], lambda _: ScriptedResponse(200, EMBED, COOKIE))
    server.route("/js/compiled/embed_view_fixture.js", lambda _: ScriptedResponse(
        200, JS, {"Content-Type": "text/javascript"}))
    server.route("/login", lambda _: ScriptedResponse(200, b"<title>Sign in</title>", HTML))
    server.route(DATA_PATH, _login_wall)


def test_a_login_wall_without_the_browser_is_one_line_naming_the_step(http_server, tmp_path):  # noqa: F811
    _login_site(http_server)
    with pytest.raises(FetchError) as caught:
        _ingest(tmp_path, http_server.url(EMBED_PATH))
    message = str(caught.value)
    assert "\n" not in message and "Airtable step 'shared-view data' failed" in message
    assert "login page" in message and "LAYOFFS_AI_AIRTABLE_BROWSER=1" in message


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_the_browser_fallback_captures_the_data_and_refuses_other_hosts(http_server, other_host, tmp_path):  # noqa: F811
    _login_site(http_server)
    other_host.route("/beacon", lambda _: ScriptedResponse(200, b"ok", {"Content-Type": "text/plain"}))
    # the page first calls another host, and only then (whatever came of it) asks for its data
    js = f"fetch('{other_host.url('/beacon')}').catch(() => 0).finally(() => {{".encode() + JS + b"});"
    http_server.route("/js/compiled/embed_view_fixture.js", lambda _: ScriptedResponse(
        200, js, {"Content-Type": "text/javascript"}))
    # 127.0.0.2 is opted in as a public host: what refuses it is the rule (not on layoffs_fyi's allowlist)
    out, companies = _ingest(tmp_path, http_server.url(EMBED_PATH), browser=True,
                             allow=f"127.0.0.2:{other_host.port}")
    assert companies == _expected_companies()
    assert out.snapshot.path.name.endswith(".msgpack")  # the page's own request: the nested format
    browser = [r for r in http_server.requests_for_prefix(DATA_PATH) if "sec-fetch-mode" in r.headers]
    assert len(browser) == 1 and other_host.requests == []
