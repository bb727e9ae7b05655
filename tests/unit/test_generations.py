"""Generations: `current`/`previous` come from the publish log and the symlink, never mtimes; what a killed publish
leaves behind is finished off by the next run, and the previously published generation is never deleted."""

from __future__ import annotations

import os
import shutil
import time

import duckdb
import pytest

from warehouse.generations import DELETING, LOG_NAME, published
from warehouse.write_audit_publish import PublishError, WarehousePaths, check_published, corrupt_warehouse_message, \
    prepare_staging, publish
from warehouse.publish_log import record_publish


def _build(paths: WarehousePaths, run_id: str, value: int) -> None:
    prepare_staging(paths, run_id)
    con = duckdb.connect(str(paths.staging_copy))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])
    record_publish(con, run_id, "code", {})
    con.close()
    (paths.staging / "charts").mkdir(exist_ok=True)
    (paths.staging / "charts" / "c.svg").write_text(f"<svg>{value}</svg>")


def _copied_in(paths: WarehousePaths, run_id: str) -> None:
    """What a publish killed after copying the staging folder into generations/ (before the switch) leaves."""
    shutil.copytree(paths.staging, paths.generations / run_id)


def _value(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT v FROM t").fetchone()[0]


def _published_runs(paths: WarehousePaths, *run_ids: str) -> None:
    for i, run_id in enumerate(run_ids, start=1):
        _build(paths, run_id, i)
        publish(paths, run_id)


def _newest_mtime(path) -> None:
    """Forge the newest mtime of all (what an mtime ordering would call the latest generation)."""
    future = time.time() + 3600
    os.utime(path, (future, future))


def _dirs(paths: WarehousePaths) -> list[str]:
    return sorted(p.name for p in paths.generations.iterdir() if p.is_dir())


def test_previous_is_the_generation_published_before_current(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b", "run-c")
    assert paths.previous == paths.generations / "run-b" / "warehouse.duckdb" and _value(paths.previous) == 2
    assert _dirs(paths) == ["run-b", "run-c"] and published(paths.generations) == ["run-b", "run-c"]
    _newest_mtime(paths.generations / "run-b")  # mtimes say nothing about what was published
    assert paths.previous == paths.generations / "run-b" / "warehouse.duckdb"
    _build(paths, "run-d", 4)
    publish(paths, "run-d")
    assert _dirs(paths) == ["run-c", "run-d"] and _value(paths.previous) == 3


def test_a_kill_during_publish_leaves_a_half_deleted_generation_that_never_becomes_previous(tmp_path):
    """The issue's first failure: publishing run-c was killed while it deleted run-a, leaving run-a torn, with the
    newest mtime (as the code before the publish log did: it deleted in place)."""
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b", "run-c")
    torn = paths.generations / "run-a"
    shutil.copytree(paths.generations / "run-b", torn)  # run-a as it was before the prune started ...
    (torn / "warehouse.duckdb").unlink()  # ... and what the killed rmtree left of it
    _newest_mtime(torn)
    (paths.generations / LOG_NAME).write_text("run-a\tT\nrun-b\tT\nrun-c\tT\n")  # the log was not shortened yet
    assert paths.previous == paths.generations / "run-b" / "warehouse.duckdb" and _value(paths.previous) == 2
    _build(paths, "run-d", 4)
    assert not torn.exists(), "the next run finishes the half-deleted generation off before it builds"
    assert _dirs(paths) == ["run-b", "run-c"] and published(paths.generations) == ["run-b", "run-c"]
    publish(paths, "run-d")
    assert _dirs(paths) == ["run-c", "run-d"] and paths.previous == paths.generations / "run-c" / "warehouse.duckdb"
    assert _value(paths.previous) == 3 and _value(paths.published) == 4


def test_a_deletion_killed_after_its_rename_is_finished_by_the_next_run(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    doomed = paths.generations / f"{DELETING}run-old"
    (doomed / "charts").mkdir(parents=True)
    (doomed / "charts" / "c.svg").write_text("left over")
    _newest_mtime(doomed)
    assert paths.previous == paths.generations / "run-a" / "warehouse.duckdb"
    prepare_staging(paths, "run-c")
    assert not doomed.exists() and _dirs(paths) == ["run-a", "run-b"]


def test_an_unswitched_generation_with_the_newest_mtime_is_neither_previous_nor_kept(tmp_path):
    """The issue's second failure: a run killed between moving its folder in and switching `current`."""
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    _build(paths, "run-x", 99)
    _copied_in(paths, "run-x")  # moved in, never switched to
    _newest_mtime(paths.generations / "run-x")
    assert _value(paths.published) == 2
    assert paths.previous == paths.generations / "run-a" / "warehouse.duckdb" and _value(paths.previous) == 1
    paths.published.write_bytes(b"\0" * 4096)  # the corrupt-warehouse message tells people to restore previous
    with pytest.raises(PublishError) as refused:
        check_published(paths)
    assert f"cp {paths.generations / 'run-a' / 'warehouse.duckdb'} " in str(refused.value)
    assert "run-x" not in corrupt_warehouse_message(paths, "x")


def test_the_next_publish_deletes_the_unswitched_generation_and_keeps_the_previous_one(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    _build(paths, "run-x", 99)
    _copied_in(paths, "run-x")
    _newest_mtime(paths.generations / "run-x")
    _newest_mtime(paths.generations / "run-a")
    _build(paths, "run-c", 3)
    publish(paths, "run-c")
    assert _dirs(paths) == ["run-b", "run-c"]
    assert _value(paths.previous) == 2 and _value(paths.published) == 3


def test_a_kill_between_the_switch_and_its_log_line_still_names_the_right_previous(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    _build(paths, "run-c", 3)
    _copied_in(paths, "run-c")
    os.symlink("generations/run-c", tmp_path / ".current.tmp")
    os.replace(tmp_path / ".current.tmp", paths.current)  # switched; killed before the log line
    _newest_mtime(paths.generations / "run-a")
    assert _value(paths.published) == 3 and _value(paths.previous) == 2
    prepare_staging(paths, "run-d")
    assert published(paths.generations) == ["run-b", "run-c"] and _dirs(paths) == ["run-b", "run-c"]


def test_a_home_published_before_the_log_existed_takes_its_order_from_raw_publish_log(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    (paths.generations / LOG_NAME).unlink()
    _newest_mtime(paths.generations / "run-a")
    _build(paths, "run-c", 3)
    assert published(paths.generations) == ["run-a", "run-b"]  # seeded from the current warehouse
    publish(paths, "run-c")
    assert _dirs(paths) == ["run-b", "run-c"] and _value(paths.previous) == 2


def test_a_torn_last_log_line_is_ignored(tmp_path):
    paths = WarehousePaths(tmp_path)
    _published_runs(paths, "run-a", "run-b")
    with open(paths.generations / LOG_NAME, "a") as log:
        log.write("run-")  # a crash in the middle of appending
    assert published(paths.generations) == ["run-a", "run-b"]
    assert paths.previous == paths.generations / "run-a" / "warehouse.duckdb"
    _build(paths, "run-c", 3)
    publish(paths, "run-c")  # the next line does not run into the torn one
    assert (paths.generations / LOG_NAME).read_text().startswith("run-b\t")
    assert published(paths.generations) == ["run-b", "run-c"] and _value(paths.previous) == 2
