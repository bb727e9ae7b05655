"""The one redaction function and the one sanitiser, and the writers that use them (tables, errors, settings)."""

from __future__ import annotations

import json
from urllib.parse import quote

import duckdb
import pytest

from ingestion.core import FetchError
from orchestration.settings import Settings
from safetext import origin_only, redact_text, redact_url, safe_line
from warehouse import source_status

POLICY = json.dumps({"allowedActions": [{"modelClassName": "view"}], "shareId": "shrX",
                     "expires": "2026-12-01T00:00:00.000Z"}, separators=(",", ":"))


@pytest.mark.parametrize("url, shown", [
    ("https://user:hunter2@example.com/a.csv", "https://***@example.com/a.csv"),
    ("https://example.com/a?token=abc&v=1", "https://example.com/a?token=***&v=1"),
    ("https://example.com/a?KEY=abc&Access-Token=x&sig=1&signature=2&password=p&secret=s&page=3",
     "https://example.com/a?KEY=***&Access-Token=***&sig=***&signature=***&password=***&secret=***&page=3"),
    ("https://example.com/plain?page=2", "https://example.com/plain?page=2"),  # nothing secret: untouched
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_the_signature_inside_airtables_access_policy_is_masked_and_the_rest_kept():
    signed = dict(json.loads(POLICY), signature="0f1e2d3c4b5a6978")
    url = ("https://airtable.com/v0.3/view/viwX/readSharedViewData?requestId=req1&accessPolicy="
           + quote(json.dumps(signed, separators=(",", ":")), safe=""))
    shown = redact_url(url)
    assert "0f1e2d3c4b5a6978" not in shown and "shrX" in shown and "requestId=req1" in shown
    assert "0f1e2d3c4b5a6978" not in redact_text(f"GET {url} failed")


def test_free_text_errors_and_lines_are_redacted_and_clean():
    text = "GET http://u:pw@h.test/x?token=t1 failed; see /hook?access_token=t2 \x1b]0;PWNED\x07\x1b[2Jdone\x9b1m"
    line = safe_line(text + "\nsecond line")
    assert "pw" not in line.replace("pwned", "") and "t1" not in line and "t2" not in line
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line and "PWNED" not in line
    assert line.endswith("done second line")  # one line; the C1 CSI sequence (0x9b 1 m) went whole
    error = FetchError("HTTP 503 Unavailable \x1b]0;PWNED\x07 at http://u:pw@h.test/?key=k")
    assert "\x1b" not in str(error) and "pw@" not in str(error) and "key=***" in str(error)


def test_a_webhook_is_shown_as_scheme_and_host_only():
    assert origin_only("https://u:p@hooks.example.com:8443/services/T0/B0/XYZ?token=1") == \
        "https://hooks.example.com:8443"


def test_source_status_rows_never_hold_a_secret_or_an_escape():
    con = duckdb.connect(":memory:")
    source_status.record(con, [source_status.SourceStatus(
        "layoffs_fyi", "stale", None, None, None,
        "GET https://user:hunter2@layoffs.fyi/?token=sekrit failed: HTTP 503 Unavailable \x1b]0;PWNED\x07\x1b[2J")])
    [(error,)] = con.execute("SELECT last_error FROM raw._source_status").fetchall()
    assert error == "GET https://***@layoffs.fyi/?token=*** failed: HTTP 503 Unavailable"


def test_allow_hosts_setting_is_parsed_or_refused_in_one_line(tmp_path):
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path),
                                  "LAYOFFS_AI_FETCH_ALLOW_HOSTS": "127.0.0.1:8080, [::1]:9000,Example.test:443"})
    assert settings.http.allow_hosts == {("127.0.0.1", 8080), ("::1", 9000), ("example.test", 443)}
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path)}).http.allow_hosts == frozenset()  # off by default
    with pytest.raises(ValueError, match="LAYOFFS_AI_FETCH_ALLOW_HOSTS: '127.0.0.1' is not host:port"):
        Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_ALLOW_HOSTS": "127.0.0.1"})
    budget = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_HEADLINES_BUDGET_S": "30"})
    assert budget.headlines_budget_s == 30 and Settings(home=tmp_path, snapshot_dir=None).headlines_budget_s == 300
