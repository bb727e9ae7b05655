"""`layoffs-ai run` decides from the publish log before importing Dagster: nothing changed, nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.fingerprint import code_fingerprint, offline_snapshots, unchanged
from tests.support.fixture_snapshots import make_fixture_snapshot_dir
from warehouse.publish_log import record_publish

REPO = Path(__file__).resolve().parents[2]


def _publish(warehouse: Path, fingerprint: str, snapshots: dict) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        record_publish(con, "run-1", fingerprint, snapshots)
    finally:
        con.close()


def test_the_fingerprint_names_the_code_and_every_snapshot(tmp_path):
    snaps = make_fixture_snapshot_dir(tmp_path / "snaps")
    current = offline_snapshots(snaps)
    warehouse = tmp_path / "warehouse.duckdb"
    assert not unchanged(warehouse, current), "no published warehouse: build"
    _publish(warehouse, code_fingerprint(), current)
    assert unchanged(warehouse, current)
    one = next(iter(current))
    assert not unchanged(warehouse, current | {one: "0" * 64}), "a changed source rebuilds"
    assert not unchanged(warehouse, current | {one: None}), "a source without a usable file rebuilds"
    _publish(warehouse, "other code", current)
    assert not unchanged(warehouse, current), "changed code rebuilds (the latest publish counts)"


def test_a_run_with_nothing_new_exits_0_without_importing_dagster(tmp_path):
    snaps = make_fixture_snapshot_dir(tmp_path / "snaps")
    home = tmp_path / "home"
    home.mkdir()
    _publish(home / "warehouse.duckdb", code_fingerprint(), offline_snapshots(snaps))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snaps))
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "orchestration.cli", "run"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing new" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "orchestration.fingerprint" in imported, "the decision was taken (importtime lists what loaded)"
    assert not {m for m in imported if m.split(".")[0] in ("dagster", "dagster_dbt", "dbt")}, "Dagster was imported"
    assert not (home / "dagster_home").exists() and not (home / "work").exists(), "no run was started"
    print(f"no-op run: {took:.2f}s")
