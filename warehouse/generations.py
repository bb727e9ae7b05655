"""Which generations were published, and in what order: the publish log beside them, never their mtimes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

LOG_NAME = "publish.log"  # generations/publish.log: one line per publish, "<generation>\t<UTC time>", oldest first
DELETING = ".deleting-"  # a generation being pruned is renamed to this prefix first, then removed


def generation_name(run_id: str) -> str:
    """The folder name of the generation a run publishes."""
    return "".join(ch for ch in run_id if ch.isalnum() or ch in "-_") or "run"


def _lines(generations: Path) -> list[str]:
    """The publish log's complete lines (the part after the last newline was torn by a crash: ignored)."""
    try:
        text = (generations / LOG_NAME).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [line for line in text.split("\n")[:-1] if line.split("\t")[0]]


def published(generations: Path) -> list[str]:
    """Generation names in the order they were published."""
    return [line.split("\t")[0] for line in _lines(generations)]


def fsync_path(path: Path) -> None:
    """fsync a file or a folder (a folder: so that a rename or a new entry in it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record(generations: Path, names: list[str]) -> None:
    """Append `names` (oldest first) to the publish log, durably."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    log = generations / LOG_NAME
    with open(log, "ab+") as handle:  # drop a line torn by a crash, so that it does not run into this one
        text = (handle.seek(0), handle.read())[1]
        if text and not text.endswith(b"\n"):
            handle.truncate(text.rfind(b"\n") + 1)
    _write(log, "".join(f"{name}\t{stamp}\n" for name in names), os.O_APPEND)


def _write(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_path(path.parent)


def current_name(current: Path) -> str | None:
    """The generation the `current` symlink points at (the one truth about what is published), if any."""
    try:
        return Path(os.readlink(current)).name
    except OSError:
        return None


def previous_name(generations: Path, current: Path) -> str | None:
    """The last generation published before the current one (it may since have been deleted by hand)."""
    log, now = published(generations), current_name(current)
    before = log[: len(log) - 1 - log[::-1].index(now)] if now in log else log
    return next((name for name in reversed(before) if name != now), None)


def _seed(generations: Path, current: Path, published_run_ids) -> None:
    """A home published before the log existed: start it from the current warehouse's raw._publish_log."""
    if (generations / LOG_NAME).exists() or not generations.is_dir():
        return
    names = [generation_name(r) for r in published_run_ids(current / "warehouse.duckdb")]
    record(generations, [n for n in names if (generations / n).is_dir()])


def _remove(entry: Path) -> None:
    """Rename first (atomic), then delete: a kill mid-way leaves a `.deleting-` folder, never a torn generation."""
    doomed = entry if entry.name.startswith(DELETING) else entry.with_name(f"{DELETING}{entry.name}")
    if doomed != entry:
        os.replace(entry, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def prune(generations: Path, current: Path, published_run_ids=lambda _: []) -> list[str]:
    """Keep the current generation and the one published before it; delete every other folder (never published,
    or older), finish deletions a killed run left behind, and shorten the log to the two kept. Returns the
    removed names. Only the writer-lock holder calls this."""
    if not generations.is_dir():
        return []
    _seed(generations, current, published_run_ids)
    now = current_name(current)
    if now is not None and (generations / now).is_dir() and now not in published(generations):
        record(generations, [now])  # the switch happened, the log line did not (killed in between)
    log = published(generations)
    newer = log[len(log) - log[::-1].index(now):] if now in log else []  # only after a hand-made switch back
    keep = {now, previous_name(generations, current), *newer} - {None}
    removed = []
    for entry in sorted(generations.iterdir()):
        if entry.name == LOG_NAME or (entry.name.startswith(".") and not entry.name.startswith(DELETING)):
            continue
        if entry.name not in keep and (entry.is_dir() or entry.name.startswith(DELETING)):
            try:
                _remove(entry)
            except OSError:
                continue  # e.g. a read-only entry: the next run tries again
            removed.append(entry.name)
    lines = _lines(generations)
    # the last line of each kept generation, in log order
    kept = [line for i, line in enumerate(lines) if line.split("\t")[0] in keep
            and line.split("\t")[0] not in {later.split("\t")[0] for later in lines[i + 1:]}]
    if kept != lines:
        tmp = generations / f".{LOG_NAME}.tmp"
        _write(tmp, "".join(f"{line}\n" for line in kept), os.O_TRUNC)
        os.replace(tmp, generations / LOG_NAME)
        fsync_path(generations)
    return removed
