"""Write-audit-publish for the warehouse and its outputs: one writer, one staging folder, one atomic switch."""

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
STAGING = "staging"  # work/staging/: where every run builds
BASE_FILE = ".published-from"  # in staging: the generation it was copied from (or last published as)
WRITING_FILE = ".writing"  # in staging: the run building in it now; left behind by a run that died


class PublishError(Exception):
    """The staging copy could not be prepared or published; the published outputs are unchanged."""


class WriterBusy(PublishError):
    """Another run holds the writer lock of this home."""


@dataclass(frozen=True)
class WarehousePaths:
    """Where a home keeps its published generation, the stable names pointing into it, and its staging folder.

    `warehouse.duckdb`, `charts/` and `report/` in the home are symlinks into `current`, itself a symlink to
    `generations/<run id>/`: publishing is one atomic rename of `current`, so all three change together.
    `generations/publish.log` lists the published generations in order (see warehouse/generations.py).
    Runs build in `work/staging/` (a copy of the published folder plus what successful runs built since the
    last publish); its path never changes, so dbt's partial parse stays valid from run to run.
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

    @property
    def staging(self) -> Path:
        return self.work_dir / STAGING

    @property
    def staging_copy(self) -> Path:
        return self.staging / PUBLISHED_NAME

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


def prepare_staging(paths: WarehousePaths, run_id: str) -> Path:
    """The staging folder `run_id` builds in, marked as being written by it; call it holding the writer lock.

    It is kept from the last run when that run succeeded and nothing was published since by anyone else: what
    a run of one asset built there waits for the publish that follows. Otherwise (first run, a failed or
    killed run, a generation switched by hand) it is made again from the published warehouse, charts and report.
    """
    staging, writing = paths.staging, paths.staging / WRITING_FILE
    if writing.is_file() and writing.read_text() == run_id:
        return staging
    discard_stale_work(paths)
    prune_generations(paths)  # finishes what a killed publish left (a half-deleted or never-switched generation)
    check_published(paths)
    if not _reusable(paths):
        _copy_published(paths)
    writing.write_text(run_id)
    return staging


def _reusable(paths: WarehousePaths) -> bool:
    base = paths.staging / BASE_FILE
    return (paths.staging_copy.is_file() or not paths.published.exists()) and not (
        paths.staging / WRITING_FILE).exists() and base.is_file() and base.read_text() == _published_name(paths)


def _published_name(paths: WarehousePaths) -> str:
    """The generation published now and its file's size and mtime ("" when nothing is published): a file
    restored by hand into the current generation changes it too."""
    try:
        stat = paths.published.stat()
    except FileNotFoundError:
        return ""
    return f"{gens.current_name(paths.current)}\t{stat.st_size}\t{stat.st_mtime_ns}"


def _copy_published(paths: WarehousePaths) -> None:
    """Make the staging folder again from the published one (into a temporary folder, then renamed)."""
    tmp = paths.work_dir / f"{STAGING}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        for name in OUTPUTS:  # a run that does not rebuild them publishes the current ones again
            if (paths.home / name).is_dir():
                shutil.copytree(paths.home / name, tmp / name)
        if paths.published.exists():
            shutil.copyfile(paths.published, tmp / PUBLISHED_NAME)
        (tmp / BASE_FILE).write_text(_published_name(paths))
        shutil.rmtree(paths.staging, ignore_errors=True)
        os.replace(tmp, paths.staging)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise PublishError(f"cannot create the staging copy {paths.staging_copy}: {exc.strerror or exc}") from exc


def end_run(paths: WarehousePaths, run_id: str, succeeded: bool) -> None:
    """A run ends: what a successful run built stays staged (for the publish that follows, if it was not in the
    run); a failed run's staging folder is dropped, so that nothing it wrote can ever be published."""
    writing = paths.staging / WRITING_FILE
    if not (writing.is_file() and writing.read_text() == run_id):
        return
    if succeeded:
        writing.unlink()
    else:
        discard_staging(paths)


def discard_staging(paths: WarehousePaths) -> None:
    """Drop the staging folder (the next run copies the published one again)."""
    shutil.rmtree(paths.staging, ignore_errors=True)


def discard_stale_work(paths: WarehousePaths) -> list[Path]:
    """Delete what killed runs left in work/ (a half-made staging or publish copy, older layouts' run folders);
    only the lock holder calls this."""
    if not paths.work_dir.exists():
        return []
    removed = [p for p in paths.work_dir.iterdir() if p.name not in (paths.lock_file.name, STAGING)]
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
    """Publish the audited staging folder as generation `run_id`: warehouse, charts and report switch together.

    Every connection to the staging copy must be closed first (no WAL left). The staging folder is copied
    (it stays, for the next run to build on); readers that already opened the old file keep reading it, and
    the previous generation is kept for them and for restoring.
    """
    staging = paths.staging
    if not paths.staging_copy.exists():
        raise PublishError(f"nothing to publish: no staging copy {paths.staging_copy}")
    wal = Path(f"{paths.staging_copy}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"cannot publish {staging}: a connection is still open (WAL {wal.name} present)")
    wal.unlink(missing_ok=True)
    generation = paths.generations / gens.generation_name(run_id)
    copy = paths.work_dir / f"publishing-{generation.name}"
    try:
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir(parents=True)
        shutil.copyfile(paths.staging_copy, copy / PUBLISHED_NAME)
        for name in OUTPUTS:
            if (staging / name).is_dir():
                shutil.copytree(staging / name, copy / name)
            else:
                (copy / name).mkdir()
        gens.fsync_path(copy / PUBLISHED_NAME)
        paths.generations.mkdir(parents=True, exist_ok=True)
        os.replace(copy, generation)
        older = []  # what was published before, when the home kept it outside the generations
        if paths.current.exists() and not paths.current.is_symlink():  # a home copied without its links
            older.append(f"copied-{int(time.time())}")
            os.replace(paths.current, paths.generations / older[-1])
        _switch(paths.current, os.path.relpath(generation, paths.home))
        gens.fsync_path(paths.home)
        older = _stable_names(paths) + older
    except OSError as exc:
        shutil.rmtree(copy, ignore_errors=True)
        raise PublishError(f"publishing {staging} failed, published outputs unchanged: {exc.strerror or exc}") from exc
    (staging / BASE_FILE).write_text(_published_name(paths))  # staging now holds what is published
    try:  # published (the switch is done): a failure from here on is repaired by the next run's prune
        gens.record(paths.generations, [*older, generation.name])
        prune_generations(paths)
    except OSError:
        pass
    return paths.published
