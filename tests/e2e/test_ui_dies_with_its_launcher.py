"""`layoffs-ai ui` (dg dev) started by the test fixture dies, with its webserver, daemon and code server, when the
process that started it is SIGKILLed (the fixture's PR_SET_PDEATHSIG gives dg dev its clean-shutdown SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.dagster_dev import session_processes

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = """
import sys, time
from pathlib import Path
from tests.support.dagster_dev import start_dagster_dev
base = Path(sys.argv[1])
dev = start_dagster_dev(base / "home", base / "snapshots", base / "dg_dev.log")
dev.wait_ready(timeout=240)
print(dev.proc.pid, flush=True)
time.sleep(600)
"""

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def test_dg_dev_and_its_services_die_when_the_process_that_started_it_is_sigkilled(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "snapshots").mkdir()
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    sid = None
    try:
        line = launcher.stdout.readline()
        assert line.strip().isdigit(), f"dg dev did not start: {(tmp_path / 'dg_dev.log').read_text()[-3000:]}"
        sid = int(line)
        started = session_processes(sid)
        assert any("dagster_webserver" in cmd for cmd in started.values()), started
        assert any("dagster._daemon" in cmd for cmd in started.values()), started
        launcher.kill()
        launcher.wait(10)
        deadline = time.monotonic() + 60  # dagster dev waits for its webserver and daemon to stop
        while session_processes(sid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {pid: cmd[:80] for pid, cmd in session_processes(sid).items()}
        assert left == {}, f"still running 60 s after the launcher's SIGKILL: {left}"
        assert "Shutting down Dagster services" in (tmp_path / "dg_dev.log").read_text(errors="replace")
    finally:
        launcher.kill()
        if sid is not None:
            for pid in session_processes(sid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def test_dg_dev_and_its_services_die_when_layoffs_ai_ui_itself_is_sigkilled(tmp_path):
    """The user's own `kill -9` of `layoffs-ai ui`: its watchdog gives dg dev the clean-shutdown SIGTERM."""
    from tests.support.dagster_dev import start_dagster_dev

    (tmp_path / "home").mkdir()
    (tmp_path / "snapshots").mkdir()
    dev = start_dagster_dev(tmp_path / "home", tmp_path / "snapshots", tmp_path / "dg_dev.log")
    sid = dev.proc.pid
    try:
        dev.wait_ready(timeout=240)
        started = session_processes(sid)
        assert any("dagster_webserver" in cmd for cmd in started.values()), started
        dev.proc.kill()                       # SIGKILL `layoffs-ai ui`, not its dg dev child
        dev.proc.wait(10)
        deadline = time.monotonic() + 60
        while session_processes(sid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {pid: cmd[:80] for pid, cmd in session_processes(sid).items()}
        assert left == {}, f"still running 60 s after `layoffs-ai ui` was SIGKILLed: {left}"
    finally:
        for pid in session_processes(sid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
