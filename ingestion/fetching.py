"""Generic fetching: a dataset's file from LAYOFFS_AI_SNAPSHOT_DIR or its live URL into the snapshot store."""

from __future__ import annotations

from pathlib import Path

from ingestion.core import Dataset, FetchError, Snapshot
from ingestion.http import HttpClient, HttpResult
from ingestion.snapshot import SnapshotStore


def find_offline_file(dataset: Dataset, snapshot_dir: Path) -> Path:
    """The file for `dataset` in `snapshot_dir`: the last match of its offline glob in sorted (date) order."""
    snapshot_dir = Path(snapshot_dir)
    if not snapshot_dir.is_dir():
        raise FetchError(f"snapshot directory {snapshot_dir} does not exist (dataset '{dataset.id}')")
    matches = sorted(p for p in snapshot_dir.glob(dataset.offline_glob) if p.is_file())
    if not matches:
        raise FetchError(f"no file matching '{dataset.offline_glob}' in {snapshot_dir} for dataset '{dataset.id}'")
    return matches[-1]


def fetch_dataset(
    dataset: Dataset,
    *,
    store: SnapshotStore,
    client: HttpClient | None = None,
    snapshot_dir: Path | None = None,
    url: str | None = None,
    filename: str | None = None,
) -> Snapshot:
    """Snapshot `dataset`: offline when `snapshot_dir` is given, else a conditional GET of its URL."""
    if snapshot_dir is not None:
        return _fetch_offline(dataset, store, Path(snapshot_dir), filename)
    own_client = client is None
    client = client or HttpClient()
    try:
        return _fetch_live(dataset, store, client, url or dataset.url, filename)
    finally:
        if own_client:
            client.close()


def _fetch_offline(dataset: Dataset, store: SnapshotStore, snapshot_dir: Path, filename: str | None) -> Snapshot:
    path = find_offline_file(dataset, snapshot_dir).resolve()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read {path} for dataset '{dataset.id}': {' '.join(str(exc).split())}") from exc
    if not content:
        raise FetchError(f"{path} is empty (0 bytes) for dataset '{dataset.id}'")
    return store.save(dataset, content, url=path.as_uri(), filename=filename or path.name)


def _fetch_live(dataset: Dataset, store: SnapshotStore, client: HttpClient, url: str,
                filename: str | None) -> Snapshot:
    result = conditional_get(dataset, store, client, url)
    if isinstance(result, Snapshot):
        return result
    return save_download(dataset, store, result, url, filename)


def conditional_get(dataset: Dataset, store: SnapshotStore, client: HttpClient, url: str,
                    accept_types: tuple[str, ...] | None = None) -> HttpResult | Snapshot:
    """GET `url` (If-None-Match when the latest snapshot came from it): the result, or that snapshot on 304."""
    latest = store.latest(dataset.id)
    # an ETag only validates the URL it came from
    etag = latest.etag if latest is not None and latest.url == url else None
    result = client.get(url, etag=etag, accept_types=accept_types or dataset.content_types)
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
