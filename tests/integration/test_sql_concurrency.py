"""`layoffs-ai sql` keeps working while a pipeline run writes and publishes the warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path


from tests.support.sql_warehouse import REPO, TINY, build_warehouse, run_cli, wh  # noqa: F401
from sqlcli.main import main


# ------------------------------------------------------------------ concurrency

WRITER = r"""
import sys, time, duckdb
from pathlib import Path
from warehouse.write_audit_publish import WarehousePaths, prepare_staging, publish
paths = WarehousePaths(Path(sys.argv[1]))
go = Path(sys.argv[2])
for version in range(1, 13):
    work = prepare_staging(paths, f"run{version}") / "warehouse.duckdb"
    con = duckdb.connect(str(work))              # the one read-write connection, on the staging copy
    con.execute("UPDATE raw._version SET v = ?", [version])
    con.execute("INSERT INTO marts.layoffs_monthly SELECT month + INTERVAL 1 YEAR, source, events, laid_off "
                "FROM marts.layoffs_monthly")
    if version == 1:
        print("holding", flush=True)
        while not go.exists():                   # readers run while this connection is open
            time.sleep(0.01)
    con.close()
    publish(paths, f"run{version}")
print("done", flush=True)
"""


def test_reads_succeed_while_a_pipeline_run_writes_and_publishes(wh, tmp_path, capsys):
    go = tmp_path / "go"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(wh.parent), str(go)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert writer.stdout.readline() == "holding\n"
        sql = "SELECT v, (SELECT count(*) FROM marts.layoffs_monthly) AS n FROM raw._version"
        seen = []
        # a separate process (the real CLI) reads while the writer's read-write connection is open
        proc = run_cli("sql", sql, "--warehouse", str(wh), "--format", "csv")
        assert (proc.returncode, proc.stdout) == (0, "v,n\n0,3\n"), proc.stderr
        go.touch()
        while True:
            finished = writer.poll() is not None
            assert main(["sql", sql, "--warehouse", str(wh), "--format", "csv"]) == 0, capsys.readouterr().err
            seen.append(tuple(int(x) for x in capsys.readouterr().out.splitlines()[1].split(",")))
            if finished:
                break
        assert writer.wait(timeout=60) == 0 and writer.stdout.read() == "done\n"
    finally:
        writer.kill()
    # every answer is one complete published version: n doubles with each run
    assert all(n == 3 * 2 ** v for v, n in seen), seen
    assert seen[0][0] <= seen[-1][0] == 12


def test_reads_never_fail_while_the_published_file_is_replaced(tmp_path, capsys):
    versions = [build_warehouse(tmp_path / f"v{i}.duckdb", version=i) for i in (1, 2)]
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(versions[0], published)
    stop = threading.Event()
    replaced = []

    def replacer():
        while not stop.is_set():
            for src in versions:
                tmp = tmp_path / "incoming.tmp"
                shutil.copyfile(src, tmp)
                os.replace(tmp, published)
                replaced.append(src)
                time.sleep(0.002)

    thread = threading.Thread(target=replacer, daemon=True)
    thread.start()
    try:
        results = []
        while len(results) < 60 or len(replaced) < 20:
            code = main(["sql", "SELECT v FROM raw._version", "--warehouse", str(published), "--format", "csv"])
            captured = capsys.readouterr()
            assert code == 0, captured.err
            results.append(captured.out)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert set(results) == {"v\n1\n", "v\n2\n"}  # both versions were read, nothing else, no error


HOLDER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
"""


def test_read_write_connection_on_published_file_gives_one_line_lock_error(wh, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wh)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert main(["sql", "SELECT 1", "--warehouse", str(wh)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"warehouse {wh} is locked: process {holder.pid} holds a read-write connection")
        assert err.count("\n") == 1 and "Traceback" not in err
        proc = run_cli("tables", "--warehouse", str(wh))
        assert proc.returncode == 1 and "is locked" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        holder.communicate("\n", timeout=30)
    assert main(["sql", "SELECT 1 AS one", "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "one\n1\n"




def test_a_read_that_loses_the_race_with_two_publishes_opens_the_new_generation(wh, monkeypatch, capsys):
    """Between resolving warehouse.duckdb and opening it, two publishes may prune the generation it pointed at
    (seen once under load): the read opens the newly published one instead of saying there is no warehouse."""
    import duckdb

    from sqlcli import query
    from warehouse.write_audit_publish import WarehousePaths, prepare_staging, publish

    paths = WarehousePaths(wh.parent)
    for run in ("run1", "run2"):
        prepare_staging(paths, run)
        publish(paths, run)
    real_connect, raced = duckdb.connect, []

    def connect_after_two_publishes(path=":memory:", *args, **kwargs):
        if not raced and path == str(wh):  # DuckDB resolved the link to run2's file; then run3 and run4 publish, pruning run2
            resolved = str(Path(path).resolve())
            raced.append(resolved)
            for run in ("run3", "run4"):
                prepare_staging(paths, run)
                publish(paths, run)
            return real_connect(resolved, *args, **kwargs)  # DuckDB's own error: the file does not exist
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr(query.duckdb, "connect", connect_after_two_publishes)
    assert main(["sql", "SELECT v FROM raw._version", "--warehouse", str(wh), "--format", "csv"]) == 0, \
        capsys.readouterr().err
    assert capsys.readouterr().out == "v\n0\n" and raced[0].endswith("generations/run2/warehouse.duckdb")
