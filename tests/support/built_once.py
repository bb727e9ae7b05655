"""Build a session fixture's folder once across pytest-xdist workers (a file lock in the shared basetemp parent)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest
from filelock import FileLock


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this session sees: basetemp's parent under xdist, basetemp itself without it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`<shared root>/<name>`, made by `build(folder)` in the first worker that asks and shared read-only.

    A failed build is recorded beside the folder, so the other workers fail with its message instead of
    repeating a build that costs minutes. Tests that mutate the result copy it first.
    """
    root = shared_root(tmp_path_factory)
    folder, done, failed = root / name, root / f"{name}.built", root / f"{name}.failed"
    with FileLock(str(root / f"{name}.lock")):
        if failed.exists():
            pytest.fail(f"{name} could not be built (in another worker): {failed.read_text()}", pytrace=False)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            try:
                build(folder)
            except BaseException as exc:
                failed.write_text(str(exc)[-3000:] or type(exc).__name__)
                raise
            done.touch()
    return folder
