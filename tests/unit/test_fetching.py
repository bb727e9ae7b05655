"""fetch_dataset: offline snapshot-dir pick, and live conditional GETs into the store (local server only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.core import Dataset, FetchError, Origin, sha256_bytes
from ingestion.fetching import fetch_dataset, find_offline_file
from ingestion.http import HttpClient, HttpConfig
from ingestion.snapshot import SnapshotStore
from tests.support.http_server import http_server  # noqa: F401 - fixture

ORIGIN = Origin(name="Example Models", url="https://models.example.org", license="CC-BY-4.0",
                citation="Example Models (2026).")
V1 = b"Model,Organization\nZephyr-7,Acme Labs\n"
V2 = b"Model,Organization\nZephyr-7,Acme Labs\nNimbus-2,Globex AI\n"


def dataset(url: str = "https://models.example.org/models.csv") -> Dataset:
    return Dataset(id="example_models", origin=ORIGIN, url=url, filename="models.csv",
                   offline_glob="example_models_*.csv")


def client() -> HttpClient:
    return HttpClient(HttpConfig(connect_timeout=2.0, read_timeout=2.0, total_retries=2, backoff_factor=0.0))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- offline -----------------------------------------------------------------------------------
def test_offline_picks_newest_matching_file(tmp_path):
    src = tmp_path / "shared"
    src.mkdir()
    (src / "example_models_2026-10-01.csv").write_bytes(V1)
    (src / "example_models_2026-11-15.csv").write_bytes(V2)
    (src / "other_dataset_2026-12-01.csv").write_bytes(b"x,y\n")
    (src / "example_models_2026-12-01.csv.bak").write_bytes(b"x,y\n")
    assert find_offline_file(dataset(), src).name == "example_models_2026-11-15.csv"

    store = SnapshotStore(tmp_path / "raw")
    snap = fetch_dataset(dataset(), store=store, snapshot_dir=src)
    assert snap.path.name == "example_models_2026-11-15.csv"
    assert snap.read_bytes() == V2 and snap.sha256 == sha256_bytes(V2)
    assert snap.url == "file://" + str((src / "example_models_2026-11-15.csv").resolve())
    sidecar = json.loads(Path(str(snap.path) + ".json").read_text())
    assert sidecar["origin_url"] == "https://models.example.org/models.csv"
    assert sidecar["etag"] is None
    assert store.latest("example_models") == snap


def test_offline_filename_override(tmp_path):
    (tmp_path / "example_models_2026-10-01.csv").write_bytes(V1)
    snap = fetch_dataset(dataset(), store=SnapshotStore(tmp_path / "raw"), snapshot_dir=tmp_path,
                         filename="models.csv")
    assert snap.path.name == "models.csv"


def test_offline_missing_file_is_fetch_error(tmp_path):
    (tmp_path / "unrelated.csv").write_bytes(V1)
    with pytest.raises(FetchError) as info:
        fetch_dataset(dataset(), store=SnapshotStore(tmp_path / "raw"), snapshot_dir=tmp_path)
    assert str(info.value) == f"no file matching 'example_models_*.csv' in {tmp_path} for dataset 'example_models'"
    assert not (tmp_path / "raw").exists()


def test_offline_missing_directory_is_fetch_error(tmp_path):
    with pytest.raises(FetchError, match="does not exist"):
        find_offline_file(dataset(), tmp_path / "nowhere")


def test_offline_empty_file_is_fetch_error(tmp_path):
    (tmp_path / "example_models_2026-10-01.csv").write_bytes(b"")
    with pytest.raises(FetchError, match=r"empty \(0 bytes\)"):
        fetch_dataset(dataset(), store=SnapshotStore(tmp_path / "raw"), snapshot_dir=tmp_path)
    assert not (tmp_path / "raw").exists()


# -- live (local scripted server) ---------------------------------------------------------------
def test_live_etag_round_trip_and_304_keeps_snapshot(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    store = SnapshotStore(tmp_path / "raw")
    http_server.add("/models.csv", 200, V1, {"Content-Type": "text/csv", "ETag": '"rev-1"'})
    first = fetch_dataset(ds, store=store, client=client())
    assert first.etag == '"rev-1"' and first.content_type == "text/csv"
    assert json.loads(Path(str(first.path) + ".json").read_text())["etag"] == '"rev-1"'
    assert "if-none-match" not in http_server.requests[0].headers

    http_server.add("/models.csv", 304, b"", {"ETag": '"rev-1"'})
    stored = files_under(tmp_path / "raw")
    second = fetch_dataset(ds, store=store, client=client())
    assert http_server.requests[1].headers["if-none-match"] == '"rev-1"'
    assert second == first
    assert files_under(tmp_path / "raw") == stored


def test_live_changed_content_is_new_snapshot(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    store = SnapshotStore(tmp_path / "raw")
    http_server.add("/models.csv", 200, V1, {"Content-Type": "text/csv", "ETag": '"rev-1"'})
    http_server.add("/models.csv", 200, V2, {"Content-Type": "text/csv", "ETag": '"rev-2"'})
    first = fetch_dataset(ds, store=store, client=client())
    second = fetch_dataset(ds, store=store, client=client())
    assert http_server.requests[1].headers["if-none-match"] == '"rev-1"'
    assert second.etag == '"rev-2"' and second.read_bytes() == V2
    assert first.read_bytes() == V1
    assert store.latest("example_models") == second
    assert second.url == http_server.url("/models.csv")


def test_live_url_override_does_not_reuse_other_urls_etag(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    store = SnapshotStore(tmp_path / "raw")
    http_server.add("/models.csv", 200, V1, {"Content-Type": "text/csv", "ETag": '"rev-1"'})
    http_server.add("/mirror.csv", 200, V2, {"Content-Type": "text/csv"})
    fetch_dataset(ds, store=store, client=client())
    snap = fetch_dataset(ds, store=store, client=client(), url=http_server.url("/mirror.csv"), filename="m.csv")
    assert "if-none-match" not in http_server.requests_for("/mirror.csv")[0].headers
    assert snap.path.name == "m.csv" and snap.read_bytes() == V2


def test_live_wrong_content_type_stores_nothing(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    http_server.add("/models.csv", 200, b"<html>captcha</html>", {"Content-Type": "text/html"})
    with pytest.raises(FetchError, match=r"content type 'text/html' not in \('text/csv',\)"):
        fetch_dataset(ds, store=SnapshotStore(tmp_path / "raw"), client=client())
    assert files_under(tmp_path) == []


def test_live_empty_body_is_fetch_error(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    http_server.add("/models.csv", 200, b"", {"Content-Type": "text/csv"})
    with pytest.raises(FetchError, match=r"empty body \(0 bytes\)"):
        fetch_dataset(ds, store=SnapshotStore(tmp_path / "raw"), client=client())
    assert files_under(tmp_path) == []


def test_live_304_without_stored_snapshot_is_fetch_error(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    http_server.add("/models.csv", 304, b"")
    with pytest.raises(FetchError, match="304 Not Modified but no stored snapshot"):
        fetch_dataset(ds, store=SnapshotStore(tmp_path / "raw"), client=client())


def test_live_server_error_stores_nothing(http_server, tmp_path):
    ds = dataset(http_server.url("/models.csv"))
    http_server.add("/models.csv", 502, b"bad gateway", times=3)
    with pytest.raises(FetchError, match="HTTP 502"):
        fetch_dataset(ds, store=SnapshotStore(tmp_path / "raw"), client=client())
    assert len(http_server.requests_for("/models.csv")) == 3
    assert files_under(tmp_path) == []
