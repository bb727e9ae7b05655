"""`layoffs-ai run` and `ingest` alert on every failure exit (alerts.log + webhook), print no escape and no secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingestion import sources
from tests.support.http_server import closed_port, http_server, other_host  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
EVIL_REASON = "Unavailable \x1b]0;PWNED\x07\x1b[2J"
SECRETS = ("hunter2", "sekrit", "hooksecret", "HOOKPATH")


def _env(home: Path, server, webhook: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_ALERT_WEBHOOK=webhook, LAYOFFS_AI_FETCH_DEADLINE_S="3",
               LAYOFFS_AI_HTTP_TIMEOUT="2,2")
    for dataset in sources.DATASETS:  # every source: a configured URL with credentials and a token
        path = f"/{dataset}.csv?token=sekrit&v=1"
        server.add(path, 503, b"busy", {"Retry-After": "0"}, reason=EVIL_REASON, times=20)
        env[f"LAYOFFS_AI_URL_{dataset.upper()}"] = f"http://user:hunter2@127.0.0.1:{server.port}{path}"
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def _no_secret_anywhere(home: Path, *texts: str) -> None:
    for text in texts:
        assert not any(s in text for s in SECRETS), text
        assert "\x1b" not in text and "\x07" not in text, repr(text)
    for path in home.rglob("*"):  # logs, alerts.log, sidecars, Dagster's event log (sqlite)
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in SECRETS), path
            if path.suffix == ".log":
                assert b"\x1b" not in data and b"\x07" not in data, path


def test_failed_ingest_and_run_alert_like_the_sensor(http_server, other_host, tmp_path):  # noqa: F811
    other_host.add("/hooks/HOOKPATH?token=hooksecret", 200, b"ok", times=2)
    env = _env(tmp_path, http_server, other_host.url("/hooks/HOOKPATH?token=hooksecret"))

    ingest = _cli(env, "ingest", "--only", "layoffs_fyi")
    assert ingest.returncode == 1, ingest.stderr
    run = _cli(env, "run")
    assert run.returncode == 1, run.stderr
    assert "every source failed" in run.stdout

    lines = (tmp_path / "logs" / "alerts.log").read_text().splitlines()
    assert len(lines) == 2, lines
    assert " FAILED layoffs-ai ingest run " in lines[0] and "layoffs_fyi" in lines[0]
    assert " FAILED layoffs-ai run run " in lines[1] and "every source failed" in lines[1]
    assert "HTTP 503 Unavailable" in lines[0] and "PWNED" not in lines[0]  # the OSC sequence is gone whole
    posts = [r for r in other_host.requests if r.method == "POST"]
    assert [json.loads(p.body)["text"] for p in posts] == lines  # the same line, POSTed
    assert "***@" in ingest.stderr or "***" in lines[0]  # the URL is shown, its secrets masked
    _no_secret_anywhere(tmp_path, ingest.stdout, ingest.stderr, run.stdout, run.stderr)


def test_a_failing_webhook_is_one_line_and_keeps_the_exit_code(http_server, tmp_path):  # noqa: F811
    webhook = f"http://127.0.0.1:{closed_port()}/hooks/HOOKPATH?token=hooksecret"
    result = _cli(_env(tmp_path, http_server, webhook), "ingest", "--only", "epoch_notable")
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "alert webhook" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: alert webhook http://127.0.0.1:"), result.stderr
    assert len((tmp_path / "logs" / "alerts.log").read_text().splitlines()) == 1
    _no_secret_anywhere(tmp_path, result.stdout, result.stderr)
