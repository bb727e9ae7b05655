"""Write-audit-publish for the warehouse and its outputs: one writer, a working folder per run, one atomic switch."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse import generations as gens

PUBLISHED_NAME = "warehouse.duckdb"
OUTPUTS = ("charts", "report")  # published together with the warehouse


class PublishError(Exception):
    """The working copy could not be prepared or published; the published outputs are unchanged."""


class WriterBusy(PublishError):
    """Another run holds the writer lock of this home."""


@dataclass(frozen=True)
class WarehousePaths:
    """Where a home keeps its published generation, the stable names pointing into it, and runs' working folders.

    `warehouse.duckdb`, `charts/` and `report/` in the home are symlinks into `current`, itself a symlink to
    `generations/<run id>/`: publishing is one atomic rename of `current`, so all three change together.
    `generations/publish.log` lists the published generations in order (see warehouse/generations.py).
    """

    home: Path

    @property
    def published(self) -> Path:
        return self.home / PUBLISHED_NAME

    @property
    def current(self) -> Path:
        return self.home / "current"

    @property
    def generations(self) -> Path:
        return self.home / "generations"

    @property
    def work_dir(self) -> Path:
        return self.home / "work"

    @property
    def lock_file(self) -> Path:
        return self.work_dir / "writer.lock"

    def work(self, run_id: str) -> Path:
        return self.work_dir / gens.generation_name(run_id)

    def work_copy(self, run_id: str) -> Path:
        return self.work(run_id) / PUBLISHED_NAME

    @property
    def previous(self) -> Path | None:
        """The warehouse of the generation published last before the current one (from the publish log), if kept."""
        name = gens.previous_name(self.generations, self.current)
        return self.generations / name / PUBLISHED_NAME if name and (self.generations / name).is_dir() else None


def prune_generations(paths: WarehousePaths) -> list[str]:
    """Delete generations never published or older than the previous one (only the writer-lock holder calls it)."""
    from warehouse.publish_log import published_runs_in_order

    return gens.prune(paths.generations, paths.current, published_runs_in_order)


class WriterLock:
    """An exclusive flock on work/writer.lock, held by the one run (or ingest) writing this home."""

    def __init__(self, paths: WarehousePaths, owner: str) -> None:
        self.paths, self.owner, self.fd = paths, owner, None

    def acquire(self, wait_seconds: float = 0.0) -> WriterLock:
        self.paths.work_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.paths.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                    os.close(fd)
                    raise WriterBusy(f"another run is writing {self.paths.home} ({holder}); this one is refused: "
                                     "run it again when that one has finished") from exc
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.owner}, pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def corrupt_warehouse_message(paths: WarehousePaths, detail: str) -> str:
    """One line: which file, what is wrong, and the two ways out."""
    published = paths.published
    previous = paths.previous
    restore = (f", or restore the generation published before it: cp {previous} {published}"
               if previous is not None and previous.exists() else "")
    return (f"{published} is not a readable DuckDB warehouse ({detail}): move it aside "
            f"(mv {published.resolve()} {published.resolve()}.corrupt) and run again to rebuild it{restore}")


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


def prepare_work(paths: WarehousePaths, run_id: str) -> Path:
    """The run's working folder with a copy of the published warehouse (created on first use).

    Call it while holding the writer lock: every other working folder then belongs to a dead run.
    """
    work = paths.work(run_id)
    if paths.work_copy(run_id).exists():
        return work
    discard_stale_work(paths, keep={run_id})
    prune_generations(paths)  # finishes what a killed publish left (a half-deleted or never-switched generation)
    check_published(paths)
    tmp = Path(f"{paths.work_copy(run_id)}.tmp")
    try:
        work.mkdir(parents=True, exist_ok=True)
        for name in OUTPUTS:  # a run that does not rebuild them publishes the current ones again
            if (paths.home / name).is_dir():
                shutil.copytree(paths.home / name, work / name, dirs_exist_ok=True)
        if paths.published.exists():
            shutil.copyfile(paths.published, tmp)
            os.replace(tmp, paths.work_copy(run_id))
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise PublishError(f"cannot create working copy {paths.work_copy(run_id)}: {exc.strerror or exc}") from exc
    return work


def discard_work(paths: WarehousePaths, run_id: str) -> None:
    """Drop a run's working folder (nothing to publish, or the run failed)."""
    shutil.rmtree(paths.work(run_id), ignore_errors=True)


def discard_stale_work(paths: WarehousePaths, keep: set[str] = frozenset()) -> list[Path]:
    """Delete the working folders of runs that died (killed or crashed); only the lock holder calls this."""
    if not paths.work_dir.exists():
        return []
    keep_names = {paths.work(r).name for r in keep}
    removed = [p for p in paths.work_dir.iterdir() if p.name not in keep_names and p.name != paths.lock_file.name]
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed


def _switch(link: Path, target: str) -> None:
    """Point `link` at `target` atomically (a new symlink renamed over the old name)."""
    tmp = link.with_name(f".{link.name}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _stable_names(paths: WarehousePaths) -> list[str]:
    """Make warehouse.duckdb, charts/ and report/ symlinks into `current` (a home from before generations
    keeps its old files in generations/legacy-<time>/, whose name is returned)."""
    legacy = paths.generations / f"legacy-{int(time.time())}"
    for name in (PUBLISHED_NAME, *OUTPUTS):
        stable = paths.home / name
        if stable.is_symlink():
            continue
        if stable.exists():
            legacy.mkdir(parents=True, exist_ok=True)
            if stable.is_dir():
                os.replace(stable, legacy / name)
            else:
                os.link(stable, legacy / name)  # the file stays readable under its name until the switch
        _switch(stable, f"current/{name}")
    return [legacy.name] if legacy.is_dir() else []


def publish(paths: WarehousePaths, run_id: str) -> Path:
    """Publish the run's audited working folder: warehouse, charts and report switch together, atomically.

    Every connection to the working copy must be closed first (no WAL left). Readers that already opened
    the old file keep reading it; the previous generation is kept for them and for restoring.
    """
    work = paths.work(run_id)
    if not paths.work_copy(run_id).exists():
        raise PublishError(f"nothing to publish: no working copy {paths.work_copy(run_id)}")
    wal = Path(f"{paths.work_copy(run_id)}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"cannot publish {work}: a connection is still open (WAL {wal.name} present)")
    wal.unlink(missing_ok=True)
    for name in OUTPUTS:
        (work / name).mkdir(exist_ok=True)
    generation = paths.generations / work.name
    try:
        gens.fsync_path(paths.work_copy(run_id))
        paths.generations.mkdir(parents=True, exist_ok=True)
        os.replace(work, generation)
        older = []  # what was published before, when the home kept it outside the generations
        if paths.current.exists() and not paths.current.is_symlink():  # a home copied without its links
            older.append(f"copied-{int(time.time())}")
            os.replace(paths.current, paths.generations / older[-1])
        _switch(paths.current, os.path.relpath(generation, paths.home))
        gens.fsync_path(paths.home)
        older = _stable_names(paths) + older
    except OSError as exc:
        raise PublishError(f"publishing {work} failed, published outputs unchanged: {exc.strerror or exc}") from exc
    try:  # published (the switch is done): a failure from here on is repaired by the next run's prune
        gens.record(paths.generations, [*older, generation.name])
        prune_generations(paths)
    except OSError:
        pass
    return paths.published
