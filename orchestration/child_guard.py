"""Child processes die with the process that started them, even when it is SIGKILLed (Linux PR_SET_PDEATHSIG)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
DBT_WRAPPER = "layoffs-ai-dbt"  # the console script (pyproject.toml) dagster-dbt runs as its dbt executable


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send `sig` to this process when the thread that started it ends; it survives exec.

    False where the kernel has no such call (not Linux): the caller still stops its children on the exit
    paths it sees (orchestration/interrupts.py), only a SIGKILL of the parent is then not covered."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parent_gone(parent_exe: str | None) -> bool:
    """The parent died before die_with_parent() ran: this process was re-parented (to PID 1, or to a
    subreaper, which runs another program than the parent did)."""
    ppid = os.getppid()
    if ppid == 1:
        return True
    if parent_exe is None:
        return False
    try:
        exe = os.readlink(f"/proc/{ppid}/exe").removesuffix(" (deleted)")  # deleted: the binary was upgraded
    except OSError:
        return False  # not ours to read: assume the parent is still the one that started us
    return os.path.realpath(exe) != os.path.realpath(parent_exe)


def exec_dying_with_parent(argv: Sequence[str], sig: int = signal.SIGKILL, parent_exe: str | None = None) -> None:
    """Replace this process with `argv`, which then dies (with `sig`) when this process's parent dies."""
    die_with_parent(sig)
    if _parent_gone(parent_exe):
        os._exit(128 + int(sig))  # the parent died in the instant before: do not start an orphan
    os.execv(argv[0], list(argv))


def preexec_dying_with_parent(sig: int = signal.SIGTERM):
    """A `subprocess.Popen(preexec_fn=...)` that makes the child die with `sig` when the caller dies."""
    parent = os.getpid()

    def preexec() -> None:
        die_with_parent(sig)
        if os.getppid() != parent:
            os._exit(128 + int(sig))

    return preexec


def dbt_executable() -> str:
    """The path dagster-dbt runs as `dbt`: the wrapper when installed, else dbt itself (a venv from before it)."""
    wrapper = Path(sys.executable).with_name(DBT_WRAPPER)
    return str(wrapper if wrapper.exists() else Path(sys.executable).with_name("dbt"))


def dbt_main() -> None:
    """`layoffs-ai-dbt ARGS`: run this environment's `dbt ARGS`, killed when the run that started it dies."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    exec_dying_with_parent([dbt, *sys.argv[1:]], signal.SIGKILL, parent_exe=sys.executable)
