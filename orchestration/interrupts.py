"""SIGINT/SIGTERM stop a CLI run within seconds: the work runs in a thread, the main thread only waits."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from typing import Callable

import psutil

GRACE_SECONDS = 2.0  # child processes (dbt) get this long to exit after SIGTERM before SIGKILL


def stop_children() -> list[str]:
    """Terminate every process this one started (dbt), then kill what is left after a short grace; return the
    names of the programs stopped.

    The children are never reaped here (no `wait`): the thread that started a child must read its own exit
    status. Once a child is reaped elsewhere, `subprocess.Popen.wait()` finds no child and reports exit code 0,
    so a dbt killed here looked like a dbt that had succeeded, and its run was recorded as a success.
    """
    children = psutil.Process().children(recursive=True)
    programs = [_program(c) for c in children]
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    while any(_running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    for child in children:
        if _running(child):
            with contextlib.suppress(psutil.Error):
                child.kill()
    return programs


def _program(process: psutil.Process) -> str:
    """The program's name as the kernel knows it: `dbt` for the dbt script (its command line starts `python3`)."""
    with contextlib.suppress(psutil.Error):
        return process.name()
    return "?"


def _running(process: psutil.Process) -> bool:
    """Alive and not yet a zombie (a zombie has exited; its parent has not read its status yet)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def run_interruptibly(work: Callable[[], int], on_interrupt: Callable[[int], None]) -> int:
    """Run `work` in a daemon thread; on SIGINT or SIGTERM call `on_interrupt(signum)` and return 128 + signum
    without waiting for `work` (a long DuckDB statement or a slow download cannot hold the process)."""
    outcome: dict[str, object] = {}
    received: list[int] = []

    def target() -> None:
        try:
            outcome["code"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            outcome["error"] = exc

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=target, name="layoffs-ai-run", daemon=True)
    try:
        worker.start()
        while worker.is_alive() and not received:
            worker.join(0.1)
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
    if received:
        name = signal.Signals(received[0]).name
        print(f"interrupted by {name}: stopping the run", file=sys.__stderr__, flush=True)  # not the run log
        on_interrupt(received[0])
        return 128 + received[0]
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return int(outcome.get("code") or 0)
