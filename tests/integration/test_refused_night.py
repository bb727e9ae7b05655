"""A night whose every fetch is refused or trickles: exit 1 in bounded time, published files byte-identical."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from ingestion import sources
from tests.support.fixture_snapshots import make_fixture_snapshot_dir
from tests.support.http_server import http_server, other_host  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
DEADLINE_S = 2


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def _published(home: Path) -> dict[str, str]:
    """sha256 of the warehouse, every chart and every report file."""
    files = [home / "warehouse.duckdb", *sorted((home / "charts").rglob("*")), *sorted((home / "report").rglob("*"))]
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def test_a_refused_or_trickling_night_leaves_the_published_files_untouched(http_server, other_host,  # noqa: F811
                                                                            tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    home = tmp_path / "home"
    first = _run({**base, "LAYOFFS_AI_HOME": str(home),
                  "LAYOFFS_AI_SNAPSHOT_DIR": str(make_fixture_snapshot_dir(tmp_path / "snaps"))})
    assert first.returncode == 0, first.stdout + first.stderr
    before = _published(home)
    assert any(name.startswith("charts/") for name in before) and "report/index.html" in before

    env = {**base, "LAYOFFS_AI_HOME": str(home), "LAYOFFS_AI_FETCH_DEADLINE_S": str(DEADLINE_S),
           "LAYOFFS_AI_HTTP_TIMEOUT": "5,5"}
    for i, dataset in enumerate(sources.DATASETS):
        path = f"/{dataset}"
        if i == 0:  # one source trickles a byte every 0.3 s: each read is on time, the whole is not
            other_host.add(path, 200, b"a,b\n" + b"1,2\n" * 300, {"Content-Type": "text/csv"}, trickle=0.3)
        else:  # the others redirect inside (a configured host is trusted, where it points is not)
            other_host.add(path, 302, b"", {"Location": http_server.url("/secret.csv")})
        env[f"LAYOFFS_AI_URL_{dataset.upper()}"] = other_host.url(path)
    started = time.monotonic()
    second = _run(env)
    took = time.monotonic() - started
    assert second.returncode == 1, second.stdout + second.stderr
    assert "every source failed" in second.stdout and http_server.requests == []
    stale = [line for line in second.stdout.splitlines() if line.startswith("  STALE ")]
    assert len(stale) == len(sources.DATASETS), second.stdout  # each keeps the rows of its last good snapshot
    refused = [line for line in stale if f"refused {http_server.url('/secret.csv')}" in line]
    assert len(refused) == len(sources.DATASETS) - 1 and all("LAYOFFS_AI_URL_" in line for line in refused)
    assert sum(f"deadline of {DEADLINE_S} s" in line for line in stale) == 1, second.stdout
    assert _published(home) == before  # warehouse, charts and report byte-identical
    assert took < 60, took  # process start and Dagster included; the fetch itself is bounded by the deadline
    assert "FAILED layoffs-ai run" in (home / "logs" / "alerts.log").read_text()
