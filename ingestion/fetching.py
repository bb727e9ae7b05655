"""Generic fetching: a dataset's file from LAYOFFS_AI_SNAPSHOT_DIR or its live URL into the snapshot store."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from ingestion.core import Dataset, FetchError, Snapshot
from ingestion.http import HttpClient, HttpConfig, HttpResult
from ingestion.outbound import Rule
from ingestion.snapshot import SnapshotStore
from safetext import redact_url


def describe_file(path: Path) -> str:
    """How an error line shows a file without printing its contents: path, size, first 40 bytes escaped."""
    try:
        with open(path, "rb") as handle:
            head, size = handle.read(40), os.fstat(handle.fileno()).st_size
    except OSError as exc:
        return f"{path} (unreadable: {exc.strerror or exc})"
    text = "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x5C else f"\\x{b:02x}" for b in head)
    return f"{path} ({size:,} bytes, starts '{text}')"


def find_offline_file(dataset: Dataset, snapshot_dir: Path) -> Path:
    """The file for `dataset` in `snapshot_dir`: the last match of its offline glob in sorted (date) order.

    The folder is a boundary: the chosen entry must be a regular file inside it, not a symlink
    (a link named like the newest export could point at /proc/self/environ or a secret).
    """
    snapshot_dir = Path(snapshot_dir)
    if not snapshot_dir.is_dir():
        raise FetchError(f"snapshot directory {snapshot_dir} does not exist (dataset '{dataset.id}')")
    matches = sorted(snapshot_dir.glob(dataset.offline_glob))
    if not matches:
        raise FetchError(f"no file matching '{dataset.offline_glob}' in {snapshot_dir} for dataset '{dataset.id}'")
    chosen = matches[-1]
    info = chosen.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise FetchError(f"refusing {chosen} for dataset '{dataset.id}': it is a symlink; the snapshot folder "
                         "must hold regular files")
    if not stat.S_ISREG(info.st_mode):
        raise FetchError(f"refusing {chosen} for dataset '{dataset.id}': not a regular file")
    root = snapshot_dir.resolve()
    if root not in chosen.resolve().parents:
        raise FetchError(f"refusing {chosen} for dataset '{dataset.id}': it resolves outside {root}")
    return chosen


def fetch_dataset(
    dataset: Dataset,
    *,
    store: SnapshotStore,
    client: HttpClient | None = None,
    snapshot_dir: Path | None = None,
    url: str | None = None,
    filename: str | None = None,
    via: str | None = None,
) -> Snapshot:
    """Snapshot `dataset`: offline when `snapshot_dir` is given, else a conditional GET of its URL (configured,
    or, with `via`, supplied by the document at `via` and checked against the dataset's allowlist)."""
    if snapshot_dir is not None:
        max_bytes = (client.config if client is not None else HttpConfig()).max_bytes
        return _fetch_offline(dataset, store, Path(snapshot_dir), filename, max_bytes)
    own_client = client is None
    client = client or HttpClient()
    try:
        return _fetch_live(dataset, store, client, url or dataset.url, filename, via)
    finally:
        if own_client:
            client.close()


def _read_regular_file(path: Path, max_bytes: int, dataset_id: str) -> tuple[bytes, float]:
    """Bytes and mtime of a regular file, opened without following links and capped like a download."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FetchError(f"cannot open {path} for dataset '{dataset_id}': {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FetchError(f"refusing {path} for dataset '{dataset_id}': not a regular file")
        if info.st_size > max_bytes:
            raise FetchError(f"{path} is {info.st_size:,} bytes, over the size cap of {max_bytes:,} bytes "
                             f"(LAYOFFS_AI_HTTP_MAX_BYTES) for dataset '{dataset_id}'")
        try:
            content = handle.read(max_bytes + 1)
        except OSError as exc:
            raise FetchError(f"cannot read {path} for dataset '{dataset_id}': {exc.strerror or exc}") from exc
    if len(content) > max_bytes:
        raise FetchError(f"{path} grew past the size cap of {max_bytes:,} bytes while being read "
                         f"(dataset '{dataset_id}')")
    return content, info.st_mtime


def _fetch_offline(dataset: Dataset, store: SnapshotStore, snapshot_dir: Path, filename: str | None,
                   max_bytes: int) -> Snapshot:
    path = find_offline_file(dataset, snapshot_dir)
    content, mtime = _read_regular_file(path, max_bytes, dataset.id)
    if not content:
        raise FetchError(f"{path} is empty (0 bytes) for dataset '{dataset.id}'")
    retrieved = datetime.fromtimestamp(mtime, timezone.utc)  # when the file was made, not when this run read it
    return store.save(dataset, content, url=path.resolve().as_uri(), filename=filename or path.name,
                      retrieved_at=retrieved)


def _fetch_live(dataset: Dataset, store: SnapshotStore, client: HttpClient, url: str,
                filename: str | None, via: str | None = None) -> Snapshot:
    result = conditional_get(dataset, store, client, url, via=via)
    if isinstance(result, Snapshot):
        return result
    return save_download(dataset, store, result, url, filename)


def conditional_get(dataset: Dataset, store: SnapshotStore, client: HttpClient, url: str,
                    accept_types: tuple[str, ...] | None = None, via: str | None = None,
                    headers: dict[str, str] | None = None) -> HttpResult | Snapshot:
    """GET `url` (If-None-Match when the latest snapshot came from it): the result, or that snapshot on 304."""
    latest = store.latest(dataset.id)
    # an ETag only validates the URL it came from (sidecars keep URLs redacted: compare them so)
    etag = latest.etag if latest is not None and latest.url == redact_url(url) else None
    result = client.get(url, etag=etag, accept_types=accept_types or dataset.content_types, via=via,
                        rule=Rule.of(dataset), headers=headers)
    if result.not_modified:
        if latest is None or etag is None:
            raise FetchError(f"GET {url}: 304 Not Modified but no stored snapshot of dataset '{dataset.id}'")
        return latest
    if not result.content:
        raise FetchError(f"GET {url}: empty body (0 bytes) for dataset '{dataset.id}'")
    return result


def save_download(dataset: Dataset, store: SnapshotStore, result: HttpResult, url: str,
                  filename: str | None = None) -> Snapshot:
    """Store a successful GET's body as a snapshot of `dataset`, with its ETag and content type."""
    return store.save(dataset, result.content or b"", url=url, etag=result.etag,
                      content_type=result.content_type, filename=filename)
