"""The live code path as the pipeline runs it: env URL override -> HTTP client -> snapshot -> parse -> load."""

from __future__ import annotations

import duckdb

from ingestion.http import HttpClient, HttpConfig
from orchestration.ingest_steps import ingest_one
from orchestration.settings import Settings
from tests.support.http_server import http_server  # noqa: F401


def test_live_fetch_uses_the_env_url_override_and_loads_rows(http_server, tmp_path, fixtures_dir):  # noqa: F811
    body = (fixtures_dir / "layoffs_fyi" / "layoffs_fyi_export_ugly.csv").read_bytes()
    http_server.add("/layoffs.csv", 503, b"busy", {"Retry-After": "0"})
    http_server.add("/layoffs.csv", 200, body, {"Content-Type": "text/csv; charset=utf-8", "ETag": '"v1"'})
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path),
                                  "LAYOFFS_AI_URL_LAYOFFS_FYI": http_server.url("/layoffs.csv")})
    client = HttpClient(HttpConfig(backoff_factor=0, read_timeout=5, connect_timeout=5))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    out = ingest_one(con, "layoffs_fyi", settings, client)
    assert out.snapshot.url == http_server.url("/layoffs.csv") and out.snapshot.etag == '"v1"'
    assert out.snapshot.path.is_relative_to(tmp_path / "raw" / "layoffs_fyi")
    assert len(http_server.requests_for("/layoffs.csv")) == 2  # 503 retried once
    assert "layoffs-ai" in http_server.requests_for("/layoffs.csv")[0].headers["user-agent"]
    rows = con.execute("SELECT count(*) FROM raw.layoffs_fyi__layoffs").fetchone()[0]  # as text, before typing
    rejects = con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0]  # framing rejects (typing is dbt's)
    assert rows + rejects == out.load.input_rows and rows > 0

    http_server.add("/layoffs.csv", 304, b"", {"ETag": '"v1"'})  # next night: not modified
    again = ingest_one(con, "layoffs_fyi", settings, client)
    assert again.snapshot.sha256 == out.snapshot.sha256 and again.load.status == "unchanged"
    assert http_server.requests_for("/layoffs.csv")[-1].headers["if-none-match"] == '"v1"'
    con.close()
