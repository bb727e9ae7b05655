"""Snapshot-store faults: a stored file whose sha256 no longer matches its sidecar, and a disk that refuses writes."""

from __future__ import annotations

import errno
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from ingestion.core import IngestionError, SnapshotIntegrityError
from orchestration.ingest_steps import ingest_one
from orchestration.settings import Settings
from warehouse.write_audit_publish import WarehousePaths, discard_staging, prepare_staging

from .conftest import append_row, ingest_in_process, one_error_line

pytestmark = pytest.mark.fault

TAMPER_FROM, TAMPER_TO = b"Harborlight", b"Harborlite!"  # same length: only the bytes change


def tamper_stored_snapshot(fault_home) -> Path:
    """Flip bytes of the stored layoffs_fyi snapshot (its sidecar untouched), in today's folder so it is reused."""
    [sidecar] = fault_home.raw.glob("layoffs_fyi/*/layoffs_fyi_export_pipeline.csv.json")
    day_dir = sidecar.parent
    today = datetime.now(timezone.utc).date().isoformat()
    if day_dir.name != today:  # the pristine home was built before midnight UTC
        day_dir = day_dir.rename(day_dir.with_name(today))
    stored = day_dir / "layoffs_fyi_export_pipeline.csv"
    data = stored.read_bytes()
    assert TAMPER_FROM in data
    stored.write_bytes(data.replace(TAMPER_FROM, TAMPER_TO))
    return stored


def test_sha_mismatch_is_refused_by_ingest_one_and_nothing_loaded(fault_home):
    stored = tamper_stored_snapshot(fault_home)
    paths = WarehousePaths(fault_home.home)
    run_id = f"fault-{uuid.uuid4().hex[:8]}"
    work = prepare_staging(paths, run_id) / "warehouse.duckdb"
    con = duckdb.connect(str(work))
    try:
        loads_before = con.execute("SELECT * FROM raw._loads ORDER BY ALL").fetchall()
        rows_before = con.execute("SELECT * EXCLUDE (_extra) FROM raw.layoffs_fyi__layoffs ORDER BY ALL").fetchall()
        with pytest.raises(SnapshotIntegrityError) as info:
            ingest_one(con, "layoffs_fyi", Settings(home=fault_home.home, snapshot_dir=fault_home.snapshots))
        assert con.execute("SELECT * FROM raw._loads ORDER BY ALL").fetchall() == loads_before
        assert con.execute("SELECT * EXCLUDE (_extra) FROM raw.layoffs_fyi__layoffs ORDER BY ALL").fetchall() \
            == rows_before
    finally:
        con.close()
        discard_staging(paths)
    message = str(info.value)
    assert "\n" not in message
    assert str(stored) in message and "sidecar records" in message
    fault_home.assert_published_unchanged()


def test_sha_mismatch_is_refused_by_the_ingest_cli(fault_home):
    stored = tamper_stored_snapshot(fault_home)
    result = fault_home.ingest()
    assert result.returncode == 1
    line = one_error_line(result)
    assert str(stored) in line and "sidecar records" in line
    fault_home.assert_published_unchanged()


def test_sha_mismatch_makes_the_source_stale_in_the_dagster_path(fault_home):
    import dagster as dg

    from orchestration.definitions import build
    from orchestration.defs.ingestion import latest_state
    from orchestration.settings import Settings

    before = fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs")[0][0]
    tamper_stored_snapshot(fault_home)
    defs = build(Settings(home=fault_home.home, snapshot_dir=fault_home.snapshots))
    with dg.instance_for_test() as instance:
        observed = defs.resolve_job_def("observe_sources").execute_in_process(instance=instance)
        state = latest_state(instance, "layoffs_fyi")
        loaded = defs.resolve_job_def("refresh_all").execute_in_process(
            instance=instance, raise_on_error=False,
            asset_selection=[dg.AssetKey(["raw", "layoffs_fyi__layoffs"]), dg.AssetKey(["warehouse", "published"])])
    assert observed.success, "one bad source never fails the observation of the others"
    assert state.status != "ok" and "sidecar records" in state.error
    assert loaded.success, "the night goes on and publishes without the tampered snapshot"
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company = ?",
                            [TAMPER_TO.decode()]) == [(0,)]
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs")[0][0] == before  # kept
    [(status, error)] = fault_home.query(
        "SELECT status, last_error FROM raw._source_status WHERE dataset = 'layoffs_fyi'")
    assert status == "stale" and "sidecar records" in error


def _enospc(*_args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("failing", ["replace-data", "replace-sidecar", "fsync"])
def test_disk_write_failure_of_a_snapshot_is_a_one_line_error(fault_home, monkeypatch, failing):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    changed, _ = append_row(data, b"Juniper Grove,Tulsa,21,3/3/2025,0.05,Retail,https://example.com/juniper,"
                                  b"Seed,4,United States,3/4/2025")
    fault_home.write_snapshot("layoffs_fyi", changed)  # new bytes: the store has to write a new file
    raw_before = fault_home.raw_files()
    raw_root = str(fault_home.raw)
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src, dst, *args, **kwargs):
        dst_text = os.fspath(dst)
        is_sidecar = dst_text.endswith(".json")
        if dst_text.startswith(raw_root) and (is_sidecar if failing == "replace-sidecar" else not is_sidecar):
            _enospc()
        return real_replace(src, dst, *args, **kwargs)

    if failing == "fsync":
        monkeypatch.setattr(os, "fsync", _enospc)  # the store fsyncs every file before renaming it
    else:
        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(IngestionError) as info:
        ingest_in_process(fault_home.home, "layoffs_fyi", snapshot_dir=fault_home.snapshots)
    monkeypatch.setattr(os, "replace", real_replace)
    monkeypatch.setattr(os, "fsync", real_fsync)
    message = str(info.value)
    assert "\n" not in message
    assert "cannot write snapshot file" in message and "No space left on device" in message
    assert raw_root in message
    assert fault_home.raw_files() == raw_before  # no partial, temp or orphan file left in raw/
    fault_home.assert_published_unchanged()
