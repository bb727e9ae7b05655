"""What lets one run's dbt reuse the last run's parse: a stable warehouse path and the kept parse; the dbt handle."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.child_guard import dbt_executable

PARSE_FILE = "partial_parse.msgpack"


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """dbt from this Python's environment (the venv is not always on PATH), started through `layoffs-ai-dbt` so
    that it dies with the process that started it, even one that is SIGKILLed (orchestration/child_guard.py)."""
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())


@contextlib.contextmanager
def interrupts_kept(on_interrupt) -> Iterator[None]:
    """Hold SIGINT while dagster-dbt starts dbt, then deliver it to Dagster's own handler.

    `DbtCliResource.cli()` builds an in-process dbt adapter (≈1.6 s) inside a bare `except:` that logs and
    continues: Dagster's interrupt raised there was swallowed and dbt then ran to its end (a Ctrl-C in that
    window stopped nothing). Here the signal is only recorded while `cli()` runs; afterwards `on_interrupt`
    stops the dbt it started and Dagster's handler raises its interrupt in this step, as it would have.
    """
    try:
        dagster_handler = signal.getsignal(signal.SIGINT)
        received: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    except ValueError:  # not the main thread: Dagster does not handle interrupts here either
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, dagster_handler)
    if received:
        on_interrupt()
        if not callable(dagster_handler):
            raise KeyboardInterrupt
        dagster_handler(signal.SIGINT, None)  # raises Dagster's interrupt (or records it, where Dagster delays it)


class ParseState:
    """dbt re-parses the whole project (≈4.5 s) whenever `--vars` or the profile's values differ from its last
    parse. Every run builds into the home's staging copy, whose path never changes, so the parse one invocation
    leaves in its target folder stays valid: it is kept here (`<home>/dbt_state/`) for the next invocation.
    (dagster-dbt would seed each invocation from the project's target/, parsed for the `dev` target: not valid.)
    """

    def __init__(self, home: Path):
        self.folder = home / "dbt_state"

    @contextlib.contextmanager
    def reusing(self, target: Path) -> Iterator[Path]:
        """An invocation's target folder, seeded with the last parse; the parse it leaves is kept if it finishes."""
        self.seed(target)
        yield target
        self.keep(target)

    def seed(self, target: Path) -> None:
        """Give an invocation's target folder the last parse (before dagster-dbt would copy the project's)."""
        kept = self.folder / PARSE_FILE
        if kept.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kept, target / PARSE_FILE)

    def keep(self, target: Path) -> None:
        """Keep the parse an invocation wrote, for the next invocation (written whole, then renamed)."""
        fresh = target / PARSE_FILE
        if fresh.is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{PARSE_FILE}.{os.getpid()}"
            shutil.copyfile(fresh, tmp)
            os.replace(tmp, self.folder / PARSE_FILE)
