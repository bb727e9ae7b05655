"""Process-level faults: SIGKILL in the middle of a full run, and a reader querying while an ingest publishes."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
import pytest

from .conftest import CLI, REPO, append_row, cli_env, run_cli, sha256_file

pytestmark = pytest.mark.fault

MID_RUN_LINE = "start   dbt_models"


@dataclass(frozen=True)
class KilledRun:
    home: Path
    snapshots: Path
    published_sha: str
    returncode: int
    output: str
    saw_mid_run_line: bool
    work_copies_at_kill: list[str]
    dbt_pid: int | None  # the run's dbt when the CLI was SIGKILLed
    dbt_outlived_run: bool  # still running 5 s after the CLI alone was SIGKILLed


def _dbt_of(pid: int, timeout: float = 60) -> psutil.Process | None:
    """The dbt process `pid` started (once the wrapper has exec'd it), waiting up to `timeout` for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            found = [c for c in psutil.Process(pid).children(recursive=True) if c.name() == "dbt"]
            if found:
                return found[0]
        time.sleep(0.05)
    return None


def _outlives(process: psutil.Process | None, seconds: float) -> bool:
    """Still running `seconds` after now (waits on its pidfd: returns as soon as it exits)."""
    if process is None:
        return False
    try:
        fd = os.pidfd_open(process.pid)
    except ProcessLookupError:
        return False
    try:
        return not select.select([fd], [], [], seconds)[0]
    finally:
        os.close(fd)


def _writing(home: Path) -> list[str]:
    """The run the staging folder is marked as being written by (none once a run ended there cleanly)."""
    marker = home / "work" / "staging" / ".writing"
    return [marker.read_text()] if marker.is_file() else []


def _kill_mid_run(home: Path, snapshots: Path) -> KilledRun:
    published_sha = sha256_file(home / "warehouse.duckdb")
    proc = subprocess.Popen(CLI + ["run"], cwd=REPO, env=cli_env(home, snapshots), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    mid_run = threading.Event()

    def follow() -> None:
        for line in proc.stdout:
            lines.append(line)
            if MID_RUN_LINE in line:
                mid_run.set()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        for _ in range(1200):  # until dbt starts, or the run ends without reaching it (at most ~240 s)
            if mid_run.wait(timeout=0.2) or not follower.is_alive():
                break
        work_copies = _writing(home)  # the run building in the staging folder
        dbt = _dbt_of(proc.pid) if mid_run.is_set() else None
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)  # the CLI alone: its dbt must die with it
        proc.wait(timeout=60)
        outlived = _outlives(dbt, 5.0)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the session
        follower.join(timeout=10)
    return KilledRun(home, snapshots, published_sha, proc.returncode, "".join(lines), mid_run.is_set(), work_copies,
                     dbt.pid if dbt else None, outlived)


@pytest.fixture(scope="module")
def killed_run(pristine, tmp_path_factory) -> KilledRun:
    base = tmp_path_factory.mktemp("fault_sigkill")
    shutil.copytree(pristine.home, base / "home", symlinks=True)
    return _kill_mid_run(base / "home", pristine.snapshots)


HOLDER = textwrap.dedent("""
    import os, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    con = duckdb.connect(path, read_only=True)  # held open for the whole run
    while not os.path.exists(stop):
        try:
            print("ok", con.execute("SELECT count(*) FROM raw._loads").fetchone()[0], flush=True)
        except Exception as exc:
            print("ERROR " + " ".join(str(exc).split()), flush=True)
        time.sleep(0.05)
    con.close()
""")


@pytest.fixture(scope="module")
def rerun(killed_run, tmp_path_factory):
    """The next full run, while another process holds a read-only connection on the published file."""
    scratch = tmp_path_factory.mktemp("holder")
    log, stop = scratch / "holder.log", scratch / "stop"
    with log.open("w") as out:
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(killed_run.home / "warehouse.duckdb"),
                                   str(stop)], stdout=out, stderr=subprocess.STDOUT)
    try:
        while "ok" not in log.read_text() and holder.poll() is None:
            threading.Event().wait(0.05)
        result = run_cli(["run"], killed_run.home, killed_run.snapshots, timeout=400)
    finally:
        stop.touch()
        holder.wait(timeout=30)
    result.holder_lines = log.read_text().splitlines()
    return result


def test_sigkill_mid_run_leaves_the_published_warehouse_unchanged(killed_run):
    assert killed_run.saw_mid_run_line, killed_run.output[-3000:]
    assert killed_run.returncode == -signal.SIGKILL
    assert killed_run.work_copies_at_kill, "the run had not created its working copy yet"
    assert sha256_file(killed_run.home / "warehouse.duckdb") == killed_run.published_sha


def test_sigkill_mid_run_takes_its_dbt_with_it(killed_run):
    """Before, dbt was re-parented to PID 1 and kept writing for about 11 s (issue 20)."""
    assert killed_run.dbt_pid is not None, "the run had not started dbt when it was killed"
    assert not killed_run.dbt_outlived_run, f"dbt {killed_run.dbt_pid} was still running 5 s after its run's SIGKILL"


def test_rerun_after_sigkill_succeeds_and_publishes_marts(killed_run, rerun):
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    published = killed_run.home / "warehouse.duckdb"
    assert sha256_file(published) != killed_run.published_sha
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.layoffs_monthly").fetchone()[0] > 0
    finally:
        con.close()


def test_rerun_after_sigkill_discards_the_killed_runs_staging(killed_run, rerun):
    """The killed run left its mark on the staging folder; the rerun made staging again from the published
    warehouse (tests/unit/test_publish.py checks that content) and ended cleanly."""
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    assert killed_run.work_copies_at_kill, "the killed run was building in the staging folder"
    assert _writing(killed_run.home) == [], rerun.stderr[-2000:]


def test_reader_holding_the_published_file_does_not_block_a_run(killed_run, rerun):
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    assert len(rerun.holder_lines) > 10 and all(line.startswith("ok ") for line in rerun.holder_lines), \
        rerun.holder_lines[-5:]
    assert len(set(rerun.holder_lines)) == 1  # its open connection kept reading the file it opened


READER = textwrap.dedent("""
    import os, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                n = con.execute("SELECT count(*) FROM raw._loads").fetchone()[0]
            finally:
                con.close()
            print(f"ok {n}", flush=True)
        except Exception as exc:
            print("ERROR " + " ".join(str(exc).split()), flush=True)
        time.sleep(0.005)
""")


def test_concurrent_reader_during_publish_always_succeeds(fault_home, tmp_path):
    loads_before = fault_home.query("SELECT count(*) FROM raw._loads")[0][0]
    log, stop = tmp_path / "reader.log", tmp_path / "stop"
    with log.open("w") as out:
        reader = subprocess.Popen([sys.executable, "-c", READER, str(fault_home.published), str(stop)],
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(6000):  # until the reader has read the old file at least once (at most ~60 s)
            if "ok" in log.read_text() or reader.poll() is not None:
                break
            threading.Event().wait(0.01)
        data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
        for i in range(3):  # three publishes while the reader keeps opening the published file
            data, _ = append_row(data, f"Readerco {i},Omaha,1{i},4/{i + 1}/2025,,Data,https://example.com/r{i},"
                                       f"Seed,1,United States,4/{i + 2}/2025".encode())
            fault_home.write_snapshot("layoffs_fyi", data)
            result = fault_home.ingest()
            assert result.returncode == 0, result.stderr
            assert "published" in result.stdout
    finally:
        stop.touch()
        reader.wait(timeout=30)
    lines = log.read_text().splitlines()
    errors = [line for line in lines if not line.startswith("ok ")]
    assert errors == []
    seen = [int(line.split()[1]) for line in lines]
    assert seen[0] == loads_before
    assert len(set(seen)) >= 2  # reads happened between publishes, not only before or after them
    assert seen == sorted(seen)  # never an older file after a newer one
    assert set(seen) <= {loads_before + k for k in range(4)}
    assert fault_home.query("SELECT count(*) FROM raw._loads")[0][0] == loads_before + 3
    assert fault_home.query("SELECT count(*) FROM raw.layoffs_fyi__layoffs WHERE company LIKE 'Readerco %'") == [(3,)]
