"""No orphans: a dbt started through the project's dbt resource dies with the process that started it, even when
that process is SIGKILLed (before, dbt was re-parented to PID 1 and kept writing for about 11 s)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from orchestration import child_guard

REPO = Path(__file__).resolve().parents[2]
# A process that runs one dbt command through dagster-dbt, the way a run's dbt step does. `guarded` uses the
# project's dbt_cli() (the layoffs-ai-dbt wrapper); `plain` hands dagster-dbt the bare dbt executable.
RUNNER = """
import json, sys
from pathlib import Path
from dagster_dbt import DbtCliResource, DbtProject
from orchestration.components.dbt_reuse import dbt_cli
mode, target, warehouse = sys.argv[1:4]
project = DbtProject(Path("dbt_project").resolve())
dbt = dbt_cli(project) if mode == "guarded" else DbtCliResource(
    project_dir=project, dbt_executable=str(Path(sys.executable).with_name("dbt")))
vars_ = json.dumps({"warehouse_path": warehouse, "threads": 1, "memory_limit": "200MB"})
# a query that runs for minutes once dbt has parsed the project
dbt.cli(["show", "--inline", "select sum(range) from range(1000000000000)", "--target", "pipeline",
         "--vars", vars_], target_path=Path(target), raise_on_error=False).wait()
"""
GONE_WITHIN_S = 5.0


def _start_runner(mode: str, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER, mode, str(tmp_path / "target"),
                             str(tmp_path / "w.duckdb")], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _dbt_child(runner: subprocess.Popen, timeout: float = 60) -> psutil.Process:
    """The runner's dbt process, once it runs dbt itself (the wrapper has exec'd it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert runner.poll() is None, "the runner ended before it started dbt"
        for child in psutil.Process(runner.pid).children(recursive=True):
            try:
                if child.name() == "dbt" and "show" in child.cmdline():  # not dagster-dbt's `dbt --version`
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.05)
    raise TimeoutError("no dbt process appeared")


def _kill_runner_and_time_dbt(mode: str, tmp_path: Path) -> tuple[psutil.Process, float | None]:
    """SIGKILL the runner while its dbt runs; seconds until dbt exited (its pidfd polls readable), None if it
    was still running GONE_WITHIN_S later."""
    runner = _start_runner(mode, tmp_path)
    dbt = None
    try:
        dbt = _dbt_child(runner)
        pidfd = os.pidfd_open(dbt.pid)
        try:
            killed_at = time.monotonic()
            runner.send_signal(signal.SIGKILL)
            runner.wait(10)
            readable, _, _ = select.select([pidfd], [], [], GONE_WITHIN_S)
            return dbt, (time.monotonic() - killed_at) if readable else None
        finally:
            os.close(pidfd)
    finally:
        runner.kill()
        runner.wait(10)
        if dbt is not None and dbt.is_running():
            dbt.kill()  # the unguarded dbt of the control case (and of a failure)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_dbt_dies_promptly_when_the_process_running_it_is_sigkilled(tmp_path):
    assert Path(child_guard.dbt_executable()).name == "layoffs-ai-dbt", "run `make prepare` (pip install -e .)"
    dbt, gone_after = _kill_runner_and_time_dbt("guarded", tmp_path)
    assert gone_after is not None, f"dbt {dbt.pid} still running {GONE_WITHIN_S}s after its parent was SIGKILLed"
    assert gone_after < 1.0, f"dbt took {gone_after:.2f}s to die"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_control_a_plain_dbt_outlives_its_sigkilled_parent(tmp_path):
    """The failure the issue measured, reproduced with dagster-dbt's default spawning: the test above can fail."""
    dbt, gone_after = _kill_runner_and_time_dbt("plain", tmp_path)
    assert gone_after is None, f"a plain dbt died {gone_after}s after its parent: this test cannot tell the two apart"


def test_the_wrapper_runs_dbt_itself_with_its_arguments_and_exit_code(tmp_path):
    proc = subprocess.run([child_guard.dbt_executable(), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "Core:" in proc.stdout, proc.stdout + proc.stderr
    proc = subprocess.run([child_guard.dbt_executable(), "no-such-command"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "No such command" in proc.stderr


def test_a_child_started_after_its_parent_died_does_not_run(tmp_path):
    """The instant between fork and prctl: a wrapper whose parent is already gone exits instead of running."""
    marker = tmp_path / "ran"
    script = (f"import os, sys; sys.path.insert(0, {str(REPO)!r}); from orchestration import child_guard; "
              f"child_guard.exec_dying_with_parent(['/bin/sh', '-c', 'touch {marker}'], parent_exe='/no/such/python')")
    proc = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert proc.returncode == 128 + signal.SIGKILL and not marker.exists()
    script = script.replace("parent_exe='/no/such/python'", f"parent_exe={json.dumps(sys.executable)}")
    assert subprocess.run([sys.executable, "-c", script], timeout=30).returncode == 0 and marker.exists()


def _wait_all_gone(processes: list[psutil.Process], timeout: float) -> list[int]:
    """Wait (on each process's pidfd, not by sleeping) until every one has exited; the pids still running after."""
    fds = {}
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            fds[os.pidfd_open(process.pid)] = process.pid
    deadline = time.monotonic() + timeout
    try:
        while fds and time.monotonic() < deadline:
            readable, _, _ = select.select(list(fds), [], [], deadline - time.monotonic())
            for fd in readable:
                os.close(fd)
                del fds[fd]
        return sorted(fds.values())
    finally:
        for fd in fds:
            os.close(fd)


LAUNCHER = """
import subprocess, sys, time
from orchestration.child_guard import preexec_dying_with_parent
child = subprocess.Popen(["sleep", "300"], preexec_fn=preexec_dying_with_parent())
print(child.pid, flush=True)
time.sleep(300)
"""


def test_a_launcher_using_the_preexec_guard_takes_its_child_with_it_when_sigkilled():
    """What tests/support/dagster_dev.py does for `layoffs-ai ui` (dg dev): SIGTERM to the child if we die."""
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], cwd=REPO, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    child = psutil.Process(int(launcher.stdout.readline()))
    try:
        launcher.kill()
        launcher.wait(10)
        assert _wait_all_gone([child], GONE_WITHIN_S) == [], "the child outlived its SIGKILLed launcher"
    finally:
        with contextlib.suppress(psutil.Error):
            child.kill()


BROWSER = """
import sys, time
from playwright.sync_api import sync_playwright
from tests.support.browser import CHROMIUM_ARGS, guarded_chromium
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=str(guarded_chromium()), args=CHROMIUM_ARGS)
    browser.new_page().goto("about:blank")
    print("ready", flush=True)
    time.sleep(300)
"""


def test_the_test_browser_dies_with_the_test_process_that_started_it():
    pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium not installed (apt-get install chromium)")
    test = subprocess.Popen([sys.executable, "-c", BROWSER], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    started = []
    try:
        assert test.stdout.readline().strip() == "ready"
        started = psutil.Process(test.pid).children(recursive=True)  # Playwright's node driver and Chromium's tree
        assert any(p.name().startswith("chrom") for p in started), [p.name() for p in started]
        test.kill()
        test.wait(10)
        left = _wait_all_gone(started, GONE_WITHIN_S)
        assert left == [], f"still running {GONE_WITHIN_S}s after the test process was SIGKILLed: {left}"
    finally:
        test.kill()
        for process in started:
            with contextlib.suppress(psutil.Error):
                process.kill()
