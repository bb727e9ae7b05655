"""Write-audit-publish primitives: working copies, the writer lock, atomic publish, stale-copy cleanup."""

from __future__ import annotations

import hashlib
import multiprocessing as mp

import duckdb
import pytest

from warehouse.publish import (PublishError, WarehousePaths, WriterBusy, discard_stale_work, prepare_work_copy,
                               publish, writer_lock)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_published(paths: WarehousePaths, value: int) -> None:
    paths.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.published))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])
    con.close()


def test_work_copy_starts_from_published_and_publish_replaces_it(tmp_path):
    paths = WarehousePaths(tmp_path)
    _make_published(paths, 1)
    work = prepare_work_copy(paths, "run-1")
    assert _sha(work) == _sha(paths.published)
    con = duckdb.connect(str(work))
    con.execute("UPDATE t SET v = 2")
    con.close()
    reader = duckdb.connect(str(paths.published), read_only=True)  # a reader holding the old file open
    publish(paths, "run-1")
    assert not work.exists()
    assert reader.execute("SELECT v FROM t").fetchone()[0] == 1  # keeps its snapshot, never errors
    reader.close()
    fresh = duckdb.connect(str(paths.published), read_only=True)
    assert fresh.execute("SELECT v FROM t").fetchone()[0] == 2
    fresh.close()


def test_publish_refuses_while_a_connection_is_open(tmp_path):
    paths = WarehousePaths(tmp_path)
    _make_published(paths, 1)
    before = _sha(paths.published)
    work = prepare_work_copy(paths, "run-2")
    con = duckdb.connect(str(work))
    con.execute("CREATE TABLE big AS SELECT range AS i FROM range(1000)")  # un-checkpointed: WAL on disk
    with pytest.raises(PublishError, match="connection is still open"):
        publish(paths, "run-2")
    con.close()
    assert _sha(paths.published) == before


def test_nothing_to_publish(tmp_path):
    with pytest.raises(PublishError, match="no working copy"):
        publish(WarehousePaths(tmp_path), "missing")


def _make_copy_and_die(home, run_id):
    prepare_work_copy(WarehousePaths(home), run_id)  # the process exits without publishing


def test_copies_of_dead_runs_are_discarded_but_live_ones_kept(tmp_path):
    paths = WarehousePaths(tmp_path)
    _make_published(paths, 1)
    live = prepare_work_copy(paths, "live")  # owned by this (living) process
    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_make_copy_and_die, args=(tmp_path, "killed"))
    child.start()
    child.join(30)
    dead = paths.work_copy("killed")
    (dead.parent / (dead.name + ".wal")).write_bytes(b"x")
    assert dead.exists()
    removed = discard_stale_work(paths)
    assert live.exists() and not dead.exists()
    assert {p.name for p in removed} == {"killed.duckdb", "killed.duckdb.wal", "killed.lock"}


def _hold_lock(home, ready, release):
    with writer_lock(WarehousePaths(home)):
        ready.set()
        release.wait(10)


def test_one_writer_at_a_time(tmp_path):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(WriterBusy, match=r"another pipeline run is writing .*holder pid \d+"):
            with writer_lock(WarehousePaths(tmp_path)):
                pass
    finally:
        release.set()
        holder.join(10)
    with writer_lock(WarehousePaths(tmp_path)):  # free again once the holder is gone
        pass
