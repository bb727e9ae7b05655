"""Write-audit-publish for the warehouse file: per-run working copies, one writer, atomic publish."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PUBLISHED_NAME = "warehouse.duckdb"
_OWNED: dict[str, int] = {}  # lock path -> descriptor holding a shared flock while this process owns the copy


class PublishError(Exception):
    """The working copy could not be prepared or published; the published file is unchanged."""


class WriterBusy(PublishError):
    """Another process holds the writer lock."""


@dataclass(frozen=True)
class WarehousePaths:
    """Where the published warehouse and the per-run working copies live under LAYOFFS_AI_HOME."""

    home: Path

    @property
    def published(self) -> Path:
        return self.home / PUBLISHED_NAME

    @property
    def work_dir(self) -> Path:
        return self.home / "work"

    @property
    def lock_file(self) -> Path:
        return self.work_dir / "writer.lock"

    @property
    def previous(self) -> Path:
        """The warehouse as it was before the last publish (a hard link, kept for restoring)."""
        return self.work_dir / "previous" / PUBLISHED_NAME

    def work_copy(self, run_id: str) -> Path:
        safe = "".join(ch for ch in run_id if ch.isalnum() or ch in "-_") or "run"
        return self.work_dir / f"{safe}.duckdb"


def _owner_lock(work: Path) -> Path:
    return work.with_suffix(".lock")


def _claim(work: Path) -> None:
    """Hold a shared flock on the copy's lock file for as long as this process lives (or until publish)."""
    lock = str(_owner_lock(work))
    if lock not in _OWNED:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        _OWNED[lock] = fd


def _release(work: Path) -> None:
    fd = _OWNED.pop(str(_owner_lock(work)), None)
    if fd is not None:
        os.close(fd)
    _owner_lock(work).unlink(missing_ok=True)


@contextmanager
def writer_lock(paths: WarehousePaths, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the single-writer lock (an flock on work/writer.lock) for the duration of the block."""
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                    raise WriterBusy(
                        f"another pipeline run is writing the warehouse (lock {paths.lock_file}, holder {holder})"
                    ) from exc
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def corrupt_warehouse_message(paths: WarehousePaths, detail: str) -> str:
    """One line: which file, what is wrong, and the two ways out."""
    published = paths.published
    restore = (f", or restore the copy from before the last publish: cp {paths.previous} {published}"
               if paths.previous.exists() else "")
    return (f"{published} is not a readable DuckDB warehouse ({detail}): move it aside "
            f"(mv {published} {published}.corrupt) and run again to rebuild it{restore}")


def check_published(paths: WarehousePaths) -> None:
    """PublishError naming the file and what to do when the published file is not a DuckDB database."""
    if not paths.published.exists():
        return
    try:
        with open(paths.published, "rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise PublishError(corrupt_warehouse_message(paths, exc.strerror or str(exc))) from exc
    if head[8:12] != b"DUCK":  # DuckDB's file magic
        raise PublishError(corrupt_warehouse_message(paths, "no DuckDB file header"))


def prepare_work_copy(paths: WarehousePaths, run_id: str) -> Path:
    """Return the run's working copy, creating it from the published file on first use.

    A killed run leaves its copy behind; it is never published and `discard_stale_work` removes it.
    """
    work = paths.work_copy(run_id)
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    if work.exists() and str(_owner_lock(work)) in _OWNED:
        return work
    discard_stale_work(paths, keep={run_id})  # copies of killed runs: nobody holds their lock any more
    check_published(paths)
    _claim(work)
    if work.exists():
        return work
    tmp = Path(f"{work}.tmp")
    try:
        if paths.published.exists():
            shutil.copyfile(paths.published, tmp)
            os.replace(tmp, work)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _release(work)
        raise PublishError(f"cannot create working copy {work}: {exc.strerror or exc}") from exc
    return work


def discard_stale_work(paths: WarehousePaths, keep: set[str] = frozenset()) -> list[Path]:
    """Delete working copies left by dead runs (killed or crashed), never one a live process owns.

    A copy is owned while some process holds the shared flock on its `.lock` file; if an exclusive
    lock can be taken, its owner is gone. Copies of run ids in `keep` are never touched.
    """
    if not paths.work_dir.exists():
        return []
    keep_names = {paths.work_copy(r).name for r in keep}
    removed = []
    for work in sorted(paths.work_dir.glob("*.duckdb")):
        if work.name in keep_names:
            continue
        lock = _owner_lock(work)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live run owns it
        try:
            for path in (work, Path(f"{work}.wal"), Path(f"{work}.tmp"), lock):
                if path.exists():
                    path.unlink()
                    removed.append(path)
        finally:
            os.close(fd)
    return removed


def discard_work_copy(paths: WarehousePaths, run_id: str) -> None:
    """Drop this process's working copy of `run_id` (nothing to publish, or the run failed)."""
    work = paths.work_copy(run_id)
    _release(work)
    for path in (work, Path(f"{work}.wal"), Path(f"{work}.tmp")):
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_previous(paths: WarehousePaths) -> None:
    """Hard-link the file about to be replaced as work/previous/warehouse.duckdb (no copy, no extra space)."""
    if not paths.published.exists():
        return
    paths.previous.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.previous.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(paths.published, tmp)
    except OSError:
        return  # a filesystem without hard links: no restore copy, publishing goes on
    os.replace(tmp, paths.previous)


def publish(paths: WarehousePaths, run_id: str) -> Path:
    """Atomically replace the published warehouse with the run's audited working copy.

    Every connection to the working copy must be closed first (no WAL left), so the published
    file is complete on its own. Readers that already opened the old file keep reading it.
    """
    work = paths.work_copy(run_id)
    if not work.exists():
        raise PublishError(f"nothing to publish: no working copy {work}")
    wal = Path(str(work) + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"cannot publish {work}: a connection is still open (WAL {wal.name} present)")
    wal.unlink(missing_ok=True)
    try:
        _fsync(work)
        _keep_previous(paths)
        os.replace(work, paths.published)
        _fsync(paths.home)
    except OSError as exc:
        raise PublishError(f"publishing {work} failed, published file unchanged: {exc.strerror or exc}") from exc
    _release(work)
    return paths.published
