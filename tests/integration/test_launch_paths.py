"""Every way of launching is safe: a selection publishes what it built, a second writer is refused while the
first runs, and a run killed during analytics leaves the published warehouse, charts and report."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import CLI, REPO, cli_env, run_cli, sha256_file

pytestmark = pytest.mark.fault


def outputs_digest(home: Path) -> dict[str, str]:
    """sha256 of every published file: the warehouse, the charts and the report."""
    files = [home / "warehouse.duckdb", *sorted((home / "charts").rglob("*")), *sorted((home / "report").rglob("*"))]
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def start(home: Path, snapshots: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(CLI + ["run", *args], cwd=REPO, env=cli_env(home, snapshots), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def read_until(proc: subprocess.Popen, needle: str, limit: float = 600) -> str:
    seen, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"never saw {needle!r}:\n{''.join(seen)}")


@pytest.fixture(scope="module")
def built_home(published_run, tmp_path_factory):
    """This module's copy of a home whose warehouse, charts and report were published by a full run."""
    import shutil

    home = tmp_path_factory.mktemp("launch") / "home"
    shutil.copytree(published_run.home, home, symlinks=True)
    return home, published_run.snapshots


def _publish_log(home: Path) -> list[str]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT run_id FROM raw._publish_log ORDER BY published_at").fetchall()]
    finally:
        con.close()


def test_a_selection_publishes_what_it_built(built_home):
    """`--select` one mart: warehouse/published is added to the run, which publishes it (the UI's "Materialize"
    gets the same from the publish_after_build sensor: tests/integration/test_materialize_one_asset.py)."""
    import dagster as dg

    home, snapshots = built_home
    before = _publish_log(home)
    result = run_cli(["run", "--select", 'key:"marts/layoffs_monthly"'], home, snapshots, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    after = _publish_log(home)
    assert after[:-1] == before and len(after) == len(before) + 1  # one more publish, the others kept
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "layoffs_monthly"]))
    assert event.run_id == after[-1], "the mart was built by the run that published"


def test_a_second_writer_is_refused_while_the_first_runs(built_home):
    home, snapshots = built_home
    first = start(home, snapshots, "--force")
    try:
        read_until(first, "start   load_raw_tables")  # the first run holds the home's writer lock now
        second = run_cli(["run", "--force"], home, snapshots, timeout=600)
        output, _ = first.communicate(timeout=900)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 0, output
    assert second.returncode == 1, second.stdout + second.stderr
    assert "another run is writing" in second.stdout + second.stderr
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        published = [r[0] for r in con.execute("SELECT run_id FROM raw._publish_log").fetchall()]
    finally:
        con.close()
    assert len(published) == len(set(published))  # nothing published twice or silently overwritten


def test_a_run_killed_during_analytics_leaves_warehouse_charts_and_report_together(built_home):
    home, snapshots = built_home
    before = outputs_digest(home)
    assert any(name.startswith("charts/") for name in before) and "report/index.html" in before
    proc = start(home, snapshots, "--force")
    try:
        read_until(proc, "start   run_analytics")
        time.sleep(1.0)  # charts are being written into the run's working folder
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert outputs_digest(home) == before
    rerun = run_cli(["run", "--force"], home, snapshots, timeout=900)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(p.name for p in (home / "work").iterdir()) == ["staging", "writer.lock"]
    assert not (home / "work" / "staging" / ".writing").exists(), "the killed run's staging was made again"
    assert sha256_file(home / "warehouse.duckdb") != before["warehouse.duckdb"]
