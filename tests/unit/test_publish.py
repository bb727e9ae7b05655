"""Write-audit-publish primitives: working folders, the writer lock, the atomic switch of all outputs, cleanup."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os

import duckdb
import pytest

from warehouse.write_audit_publish import (PublishError, WarehousePaths, WriterBusy, WriterLock, discard_stale_work, prepare_work,
                               publish)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(paths: WarehousePaths, run_id: str, value: int, chart: str) -> None:
    """A run's work: change the warehouse copy and write a chart and a report into its working folder."""
    work = prepare_work(paths, run_id)
    con = duckdb.connect(str(paths.work_copy(run_id)))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])
    con.close()
    (work / "charts").mkdir(exist_ok=True)
    (work / "charts" / "c.svg").write_text(chart)
    (work / "report").mkdir(exist_ok=True)
    (work / "report" / "report.md").write_text(f"report {value}")


def _value(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT v FROM t").fetchone()[0]
    finally:
        con.close()


def test_warehouse_charts_and_report_switch_together(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "<svg>one</svg>")
    publish(paths, "run-1")
    assert _value(paths.published) == 1 and (tmp_path / "charts" / "c.svg").read_text() == "<svg>one</svg>"
    reader = duckdb.connect(str(paths.published), read_only=True)  # a reader holding the old file open
    _build(paths, "run-2", 2, "<svg>two</svg>")
    assert _sha(paths.work_copy("run-2")) != _sha(paths.published)
    publish(paths, "run-2")
    assert reader.execute("SELECT v FROM t").fetchone()[0] == 1  # keeps its snapshot, never errors
    reader.close()
    assert _value(paths.published) == 2
    assert (tmp_path / "charts" / "c.svg").read_text() == "<svg>two</svg>"
    assert (tmp_path / "report" / "report.md").read_text() == "report 2"
    for name in ("warehouse.duckdb", "charts", "report"):
        assert (tmp_path / name).is_symlink() and os.readlink(tmp_path / name) == f"current/{name}"
    assert not paths.work("run-2").exists()
    assert paths.previous is not None and _value(paths.previous) == 1  # kept for restoring


def test_a_run_that_rebuilds_no_chart_republishes_the_current_ones(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "<svg>one</svg>")
    publish(paths, "run-1")
    prepare_work(paths, "run-2")  # e.g. `ingest`: only the raw tables change
    publish(paths, "run-2")
    assert (tmp_path / "charts" / "c.svg").read_text() == "<svg>one</svg>"


def test_only_two_generations_are_kept(tmp_path):
    paths = WarehousePaths(tmp_path)
    for i in range(1, 5):
        _build(paths, f"run-{i}", i, f"<svg>{i}</svg>")
        publish(paths, f"run-{i}")
    assert sorted(g.name for g in paths.generations.iterdir() if g.is_dir()) == ["run-3", "run-4"]
    assert [line.split("\t")[0] for line in (paths.generations / "publish.log").read_text().splitlines()] == \
        ["run-3", "run-4"]


def test_a_home_from_before_generations_is_migrated(tmp_path):
    paths = WarehousePaths(tmp_path)
    con = duckdb.connect(str(paths.published))  # the old layout: a plain file and plain folders
    con.execute("CREATE TABLE t AS SELECT 7 AS v")
    con.close()
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "old.svg").write_text("old")
    _build(paths, "run-1", 8, "<svg>new</svg>")
    assert _value(paths.work_copy("run-1")) == 8
    publish(paths, "run-1")
    assert _value(paths.published) == 8 and (tmp_path / "charts").is_symlink()
    [legacy] = [g for g in paths.generations.iterdir() if g.name.startswith("legacy-")]
    assert (legacy / "charts" / "old.svg").read_text() == "old" and _value(legacy / "warehouse.duckdb") == 7


def test_publish_refuses_while_a_connection_is_open(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "x")
    publish(paths, "run-1")
    before = _sha(paths.published)
    prepare_work(paths, "run-2")
    con = duckdb.connect(str(paths.work_copy("run-2")))
    con.execute("CREATE TABLE big AS SELECT range AS i FROM range(1000)")  # un-checkpointed: WAL on disk
    with pytest.raises(PublishError, match="connection is still open"):
        publish(paths, "run-2")
    con.close()
    assert _sha(paths.published) == before


def test_nothing_to_publish(tmp_path):
    with pytest.raises(PublishError, match="no working copy"):
        publish(WarehousePaths(tmp_path), "missing")


def test_the_lock_holder_discards_every_other_working_folder(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "killed", 1, "x")  # a run that died without publishing
    with WriterLock(paths, "test"):
        removed = discard_stale_work(paths, keep={"mine"})
    assert [p.name for p in removed] == ["killed"] and not paths.work("killed").exists()


def _hold_lock(home, ready, release):
    with WriterLock(WarehousePaths(home), "run holder-run"):
        ready.set()
        release.wait(10)


def test_one_writer_at_a_time(tmp_path):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(WriterBusy, match=r"another run is writing .*\(run holder-run, pid \d+, since .*refused"):
            WriterLock(WarehousePaths(tmp_path), "second").acquire()
    finally:
        release.set()
        holder.join(10)
    with WriterLock(WarehousePaths(tmp_path), "third"):  # free again once the holder is gone
        pass
