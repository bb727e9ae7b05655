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

    False where the kernel has no such call (not Linux): dagster-dbt still stops dbt on the interrupts it
    handles; only a SIGKILL of the parent is then not covered."""
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
    """`layoffs-ai-dbt ARGS`: run this environment's `dbt ARGS`, killed when the run that started it dies.

    `--version` alone is answered from the installed dbt-core's metadata: dagster-dbt asks it once per dbt
    handle, and dbt itself takes about 2 s of imports to say it (the dbt run is the one installed here)."""
    if sys.argv[1:] == ["--version"]:
        from importlib import metadata

        print(f"Core:\n  - installed: {metadata.version('dbt-core')}")
        return
    dbt = str(Path(sys.executable).with_name("dbt"))
    exec_dying_with_parent([dbt, *sys.argv[1:]], signal.SIGKILL, parent_exe=sys.executable)


# Stops a process group once the process holding the other end of its stdin is gone, however it ended (SIGKILL
# included): SIGTERM first (dagster dev's clean shutdown of its webserver and daemon), SIGKILL after a grace period.
WATCHDOG = """
import os, signal, sys, time
group, grace = int(sys.argv[1]), float(sys.argv[2])
sys.stdin.buffer.read()
def alive():
    try:
        os.killpg(group, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False
if alive():
    os.killpg(group, signal.SIGTERM)
    end = time.monotonic() + grace
    while alive() and time.monotonic() < end:
        time.sleep(0.2)
    if alive():
        os.killpg(group, signal.SIGKILL)
"""


def supervise(argv: Sequence[str], env: dict, cwd: Path, grace: float = 30.0) -> int:
    """Run `argv` as the leader of its own process group, with a watchdog that stops the whole group when this
    process dies (even by SIGKILL, through the watchdog's stdin pipe); signals this process gets are passed to
    the group. Returns the child's exit code (128 + signal when it was killed)."""
    import subprocess

    child = subprocess.Popen(list(argv), env=env, cwd=cwd, process_group=0)
    subprocess.Popen([sys.executable, "-c", WATCHDOG, str(child.pid), str(grace)], stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0)

    def forward(signum, _frame):
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    code = child.wait()
    return 128 - code if code < 0 else code   # on return, the watchdog's pipe closes and it stops any leftover
