"""Write-audit-publish primitives: the staging folder, the writer lock, the atomic switch of all outputs, cleanup."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os

import duckdb
import pytest

from warehouse.write_audit_publish import (PublishError, WarehousePaths, WriterBusy, WriterLock, discard_stale_work,
                                          end_run, prepare_staging, publish)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(paths: WarehousePaths, run_id: str, value: int, chart: str) -> None:
    """A run's work: change the staging copy and write a chart and a report into the staging folder."""
    work = prepare_staging(paths, run_id)
    con = duckdb.connect(str(paths.staging_copy))
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
    assert _sha(paths.staging_copy) != _sha(paths.published)
    publish(paths, "run-2")
    assert reader.execute("SELECT v FROM t").fetchone()[0] == 1  # keeps its snapshot, never errors
    reader.close()
    assert _value(paths.published) == 2
    assert (tmp_path / "charts" / "c.svg").read_text() == "<svg>two</svg>"
    assert (tmp_path / "report" / "report.md").read_text() == "report 2"
    for name in ("warehouse.duckdb", "charts", "report"):
        assert (tmp_path / name).is_symlink() and os.readlink(tmp_path / name) == f"current/{name}"
    assert _sha(paths.staging_copy) == _sha(paths.published), "staging stays, holding what is published"
    assert paths.previous is not None and _value(paths.previous) == 1  # kept for restoring


def test_a_run_that_rebuilds_no_chart_republishes_the_current_ones(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "<svg>one</svg>")
    publish(paths, "run-1")
    prepare_staging(paths, "run-2")  # e.g. `ingest`: only the raw tables change
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
    assert _value(paths.staging_copy) == 8
    publish(paths, "run-1")
    assert _value(paths.published) == 8 and (tmp_path / "charts").is_symlink()
    [legacy] = [g for g in paths.generations.iterdir() if g.name.startswith("legacy-")]
    assert (legacy / "charts" / "old.svg").read_text() == "old" and _value(legacy / "warehouse.duckdb") == 7


def test_publish_refuses_while_a_connection_is_open(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "x")
    publish(paths, "run-1")
    before = _sha(paths.published)
    prepare_staging(paths, "run-2")
    con = duckdb.connect(str(paths.staging_copy))
    con.execute("CREATE TABLE big AS SELECT range AS i FROM range(1000)")  # un-checkpointed: WAL on disk
    with pytest.raises(PublishError, match="connection is still open"):
        publish(paths, "run-2")
    con.close()
    assert _sha(paths.published) == before


def test_nothing_to_publish(tmp_path):
    with pytest.raises(PublishError, match="no staging copy"):
        publish(WarehousePaths(tmp_path), "missing")


def test_the_lock_holder_discards_what_killed_runs_left_in_work(tmp_path):
    paths = WarehousePaths(tmp_path)
    _build(paths, "run-1", 1, "x")
    (paths.work_dir / "publishing-killed").mkdir()  # a publish killed while copying
    (paths.work_dir / "staging.tmp").mkdir()  # a staging copy killed half-made
    with WriterLock(paths, "test"):
        removed = discard_stale_work(paths)
    assert sorted(p.name for p in removed) == ["publishing-killed", "staging.tmp"]
    assert _value(paths.staging_copy) == 1, "the staging folder itself stays"


def _published_once(home) -> WarehousePaths:
    """A home whose first run (value 1, chart "one") published and ended cleanly."""
    paths = WarehousePaths(home)
    _build(paths, "run-1", 1, "one")
    publish(paths, "run-1")
    end_run(paths, "run-1", succeeded=True)
    return paths


def test_a_successful_run_leaves_its_work_staged_for_the_publish_that_follows(tmp_path):
    """A run of one asset (no publish in it) builds in staging; the next run, the publish, finds it there."""
    paths = _published_once(tmp_path)
    _build(paths, "one-asset", 2, "two")
    end_run(paths, "one-asset", succeeded=True)
    assert _value(paths.published) == 1, "nothing is published by building"
    prepare_staging(paths, "publish-run")
    publish(paths, "publish-run")
    assert _value(paths.published) == 2 and (tmp_path / "charts" / "c.svg").read_text() == "two"


def test_a_failed_run_leaves_nothing_that_could_be_published_later(tmp_path):
    paths = _published_once(tmp_path)
    _build(paths, "failed", 666, "bad")
    end_run(paths, "failed", succeeded=False)
    assert not paths.staging.exists()
    prepare_staging(paths, "next")
    publish(paths, "next")
    assert _value(paths.published) == 1 and (tmp_path / "charts" / "c.svg").read_text() == "one"


def test_a_killed_run_leaves_nothing_that_could_be_published_later(tmp_path):
    paths = _published_once(tmp_path)
    _build(paths, "killed", 666, "bad")  # no end_run: the process died
    prepare_staging(paths, "next")
    assert _value(paths.staging_copy) == 1, "copied again from the published warehouse"


def test_a_warehouse_restored_by_hand_is_what_the_next_run_builds_on(tmp_path):
    paths = _published_once(tmp_path)
    _build(paths, "run-2", 2, "two")
    publish(paths, "run-2")
    end_run(paths, "run-2", succeeded=True)
    os.unlink(paths.published.resolve())
    os.link(paths.previous, paths.published.resolve())  # `cp previous published`, as the corrupt-file message says
    prepare_staging(paths, "next")
    assert _value(paths.staging_copy) == 1


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
