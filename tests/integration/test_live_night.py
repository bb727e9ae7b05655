"""Live nights against a local server: a failing source or a changed header goes stale and the night still
publishes; a machine without network fails fast with the offline hint; --strict exits 3."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from ingestion import sources
from tests.support.fixture_snapshots import FIXTURE_BY_DATASET, FIXTURES
from tests.support.airtable_site import VIEW, Site
from tests.support.http_server import ScriptedHTTPServer

from .conftest import CLI, REPO, cli_env, count_records, sha256_file

pytestmark = pytest.mark.fault


FAILING = ("epoch_all", "crunchbase_tracker", "warn_or")  # the sources night 2 fails (each its own way)


def live_env(home: Path, urls: dict[str, str], **extra: str) -> dict[str, str]:
    env = cli_env(home, None)
    env.update({f"LAYOFFS_AI_URL_{d.upper()}": url for d, url in urls.items()})
    env.update(extra)
    return env


def run_live(home: Path, urls: dict[str, str], *args: str, timeout: float = 600, **extra: str):
    return subprocess.run(CLI + ["run", *args], cwd=REPO, env=live_env(home, urls, **extra), capture_output=True,
                          text=True, timeout=timeout)


def serve_fixtures(server: ScriptedHTTPServer, times: int = 1, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Queue every dataset's fixture as a download (layoffs.fyi through its home page, Airtable embed page
    and shared-view JSON, as live); returns dataset id -> URL."""
    urls = {}
    for dataset_id, rel in FIXTURE_BY_DATASET.items():
        if dataset_id == "layoffs_fyi":
            site = Site(server)
            for _ in range(times if dataset_id not in skip else 0):
                site.add_all()
            urls[dataset_id] = site.home_url
            continue
        path = f"/{dataset_id}.csv"
        if dataset_id not in skip:
            server.add(path, 200, (FIXTURES / rel).read_bytes(), {"Content-Type": "text/csv"}, times=times)
        urls[dataset_id] = server.url(path)
    return urls


def renamed_header(dataset_id: str, column: str, new: str) -> bytes:
    """The dataset's fixture with one header cell renamed (its rows as they were)."""
    header, rest = (FIXTURES / FIXTURE_BY_DATASET[dataset_id]).read_bytes().split(b"\n", 1)
    assert column.encode() in header
    return header.replace(column.encode(), new.encode()) + b"\n" + rest


def expected_records(dataset_id: str) -> int:
    if dataset_id == "layoffs_fyi":
        return len(json.loads(VIEW)["data"]["table"]["rows"])
    return count_records((FIXTURES / FIXTURE_BY_DATASET[dataset_id]).read_bytes())


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Night 1: every source answers. Night 2: epoch_all answers 500, crunchbase 503 past its deadline, and Oregon's
    WARN file comes with a renamed column. Night 3: the same failures, with --strict."""
    home = tmp_path_factory.mktemp("live_home")
    server = ScriptedHTTPServer()
    try:
        urls = serve_fixtures(server)
        first = run_live(home, urls)
        db = home / "warehouse.duckdb"
        before = {"published": sha256_file(db) if first.returncode == 0 else None,
                  "epoch_all": query(db, "SELECT count(*) FROM raw.epoch__models WHERE _source = 'epoch_all'")[0][0],
                  "statuses": {s for (s,) in query(db, "SELECT status FROM raw._source_status")},
                  # accepted rows (staging typed them) and every reject (framing and typing)
                  "counts": {d: (query(db, f"SELECT count(*) FROM staging.stg_{sources.DATASETS[d][0].tables[0]} "
                                          f"WHERE source = '{d}'")[0][0],
                                 query(db, f"SELECT count(*) FROM staging.rejects WHERE source = '{d}'")[0][0])
                             for d in FIXTURE_BY_DATASET}}
        serve_fixtures(server, times=2, skip=FAILING)
        server.add("/epoch_all.csv", 500, b"internal error", times=50)
        server.add("/warn_or.csv", 200, renamed_header("warn_or", "Company Name", "Employer Name"),
                   {"Content-Type": "text/csv"}, times=2)
        server.add("/crunchbase_tracker.csv", 503, b"busy", {"Retry-After": "1"}, times=50)
        second = run_live(home, urls, LAYOFFS_AI_FETCH_DEADLINE_S="3")
        third = run_live(home, urls, "--strict", LAYOFFS_AI_FETCH_DEADLINE_S="3")
        yield {"home": home, "urls": urls, "first": first, "second": second, "third": third, "before": before}
    finally:
        server.close()


def test_a_live_night_loads_every_row_of_every_source(nights):
    first = nights["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    for dataset_id in FIXTURE_BY_DATASET:
        rows, rejects = nights["before"]["counts"][dataset_id]
        assert rows > 0 and rows + rejects == expected_records(dataset_id), dataset_id
    assert nights["before"]["statuses"] == {"ok"}
    [view] = nights["home"].glob("raw/layoffs_fyi/*/layoffs_fyi_airtable.json")  # through the embed flow
    assert [a["name"] for a in json.loads(Path(f"{view}.json").read_text())["attachments"]] == [
        "layoffs_fyi_airtable_embed.html"]


def test_a_failing_source_goes_stale_keeps_its_rows_and_the_night_still_publishes(nights):
    second, home = nights["second"], nights["home"]
    assert second.returncode == 0, second.stdout + second.stderr
    db = home / "warehouse.duckdb"
    assert sha256_file(db) != nights["before"]["published"], "the night published"
    assert query(db, "SELECT count(*) FROM raw._publish_log")[0][0] == 2
    status = {r[0]: r[1:] for r in query(db, "SELECT dataset, status, last_error FROM raw._source_status")}
    assert status["epoch_all"][0] == "stale" and "HTTP 500" in status["epoch_all"][1]
    assert nights["urls"]["epoch_all"] in status["epoch_all"][1]
    assert status["crunchbase_tracker"][0] == "stale" and "deadline" in status["crunchbase_tracker"][1]
    # a changed header is a schema error naming the missing column: that state goes stale, the other states publish
    assert status["warn_or"][0] == "stale" and "layout changed" in status["warn_or"][1]
    assert "warn_or: missing column 'Company Name'" in status["warn_or"][1]
    assert {d for d, (s, _) in status.items() if s == "ok"} == set(FIXTURE_BY_DATASET) - set(FAILING)
    kept = query(db, "SELECT count(*) FROM raw.epoch__models WHERE _source = 'epoch_all'")[0][0]
    assert kept == nights["before"]["epoch_all"] > 0, "the stale source keeps its last good rows"
    warn_rows = {d: query(db, f"SELECT count(*) FROM staging.stg_warn__notices WHERE source = '{d}'")[0][0]
                 for d in ("warn_wa", "warn_or", "warn_ny")}
    assert warn_rows == {d: nights["before"]["counts"][d][0] for d in warn_rows}
    stale_lines = [line for line in second.stdout.splitlines() if line.strip().startswith("STALE")]
    assert len(stale_lines) == len(FAILING) and any("epoch_all" in line and "HTTP 500" in line for line in stale_lines)
    assert any("warn_or" in line and "missing column 'Company Name'" in line for line in stale_lines), stale_lines
    report = (home / "report" / "report.md").read_text(encoding="utf-8")
    assert "STALE" in report and "HTTP 500" in report


def test_strict_exits_3_while_a_source_is_stale(nights):
    third = nights["third"]
    assert third.returncode == 3, third.stdout + third.stderr
    assert "--strict" in third.stdout


def test_without_network_a_live_run_fails_fast_naming_each_host_and_the_offline_hint(tmp_path):
    urls = {d: f"http://{d.replace('_', '-')}.invalid/export.csv" for d in FIXTURE_BY_DATASET}
    started = time.monotonic()
    result = run_live(tmp_path / "home", urls, timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for dataset_id in FIXTURE_BY_DATASET:
        [line] = [line for line in lines if line.strip().startswith("MISSING") and f" {dataset_id} " in line]
        assert f"{dataset_id.replace('_', '-')}.invalid" in line and "DNS" in line
    assert lines[-2] == ("no network? run offline: LAYOFFS_AI_SNAPSHOT_DIR=<folder with the source files> "
                         "make run"), lines[-3:]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()
    print(f"offline run took {took:.1f}s")
