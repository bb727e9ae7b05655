"""SnapshotStore: layout, sidecar, never-overwrite rules, verify, and atomic writes under disk failures."""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingestion.core import Dataset, IngestionError, Origin, SnapshotIntegrityError, sha256_bytes
from ingestion.snapshot import Attachment, SnapshotStore

ORIGIN = Origin(name="Example Tracker", url="https://tracker.example.org", license="CC-BY-4.0",
                citation="Example Tracker (2026). Layoffs list.")
DATASET = Dataset(id="example_tracker", origin=ORIGIN, url="https://tracker.example.org/export.csv",
                  filename="export.csv", offline_glob="example_tracker_*.csv")
DAY1 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
V1 = b"company,date\nInitech,2026-10-01\n"
V2 = b"company,date\nInitech,2026-10-01\nHooli,2026-11-02\n"


def all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_save_writes_file_and_sidecar(tmp_path):
    store = SnapshotStore(tmp_path / "raw")
    snap = store.save(DATASET, V1, url="https://mirror.example.org/export.csv", accessed_at=DAY1,
                      etag='"abc"', content_type="text/csv")
    expected = tmp_path / "raw" / "example_tracker" / "2026-11-20" / "export.csv"
    assert snap.path == expected
    assert expected.read_bytes() == V1
    sidecar = json.loads((expected.parent / "export.csv.json").read_text())
    assert sidecar == {
        "source": "example_tracker",
        "url": "https://mirror.example.org/export.csv",
        "origin_url": "https://tracker.example.org/export.csv",
        "retrieved_at": "2026-11-20T03:00:00+00:00",
        "accessed_at": "2026-11-20T03:00:00+00:00",
        "sha256": sha256_bytes(V1),
        "bytes": len(V1),
        "etag": '"abc"',
        "content_type": "text/csv",
        "license": "CC-BY-4.0",
        "origin_name": "Example Tracker",
        "citation": "Example Tracker (2026). Layoffs list.",
    }
    assert (snap.sha256, snap.bytes, snap.etag, snap.license) == (sha256_bytes(V1), len(V1), '"abc"', "CC-BY-4.0")
    assert snap.snapshot_date.isoformat() == "2026-11-20"
    assert snap.read_bytes() == V1


def test_custom_filename_and_naive_accessed_at_taken_as_utc(tmp_path):
    store = SnapshotStore(tmp_path)
    snap = store.save(DATASET, V1, url="u", accessed_at=datetime(2026, 1, 2, 23, 30), filename="page.html")
    assert snap.path == tmp_path / "example_tracker" / "2026-01-02" / "page.html"
    assert snap.accessed_at == "2026-01-02T23:30:00+00:00"


def test_date_directory_uses_utc_day(tmp_path):
    late_evening_new_york = datetime(2026, 3, 1, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    snap = SnapshotStore(tmp_path).save(DATASET, V1, url="u", accessed_at=late_evening_new_york)
    assert snap.path.parent.name == "2026-03-02"
    assert snap.accessed_at == "2026-03-02T03:00:00+00:00"


def test_same_bytes_same_day_reuses_existing_snapshot(tmp_path):
    store = SnapshotStore(tmp_path)
    first = store.save(DATASET, V1, url="u", accessed_at=DAY1, etag='"1"')
    mtime = first.path.stat().st_mtime_ns
    second = store.save(DATASET, V1, url="u", accessed_at=DAY1 + timedelta(hours=5), etag='"2"')
    assert second == first
    assert first.path.stat().st_mtime_ns == mtime
    assert all_files(tmp_path) == ["example_tracker/2026-11-20/export.csv",
                                   "example_tracker/2026-11-20/export.csv.json"]
    assert len(store.list("example_tracker")) == 1


def test_different_bytes_same_day_stored_beside_first(tmp_path):
    store = SnapshotStore(tmp_path)
    first = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    second = store.save(DATASET, V2, url="u", accessed_at=DAY1 + timedelta(hours=1))
    assert second.path.name == f"export.{sha256_bytes(V2)[:8]}.csv"
    assert first.path.read_bytes() == V1
    assert second.path.read_bytes() == V2
    assert json.loads((first.path.parent / "export.csv.json").read_text())["sha256"] == sha256_bytes(V1)
    # the same second version again is deduplicated against the suffixed file
    again = store.save(DATASET, V2, url="u", accessed_at=DAY1 + timedelta(hours=2))
    assert again == second
    assert len(all_files(tmp_path)) == 4
    assert [s.sha256 for s in store.list("example_tracker")] == [sha256_bytes(V1), sha256_bytes(V2)]
    assert store.latest("example_tracker") == second


def test_list_and_latest_across_days(tmp_path):
    store = SnapshotStore(tmp_path)
    assert store.latest("example_tracker") is None
    assert store.list("example_tracker") == []
    newest = store.save(DATASET, V2, url="u", accessed_at=DAY1 + timedelta(days=2))
    oldest = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    middle = store.save(DATASET, V1, url="u", accessed_at=DAY1 + timedelta(days=1))
    assert store.list("example_tracker") == [oldest, middle, newest]
    assert store.latest("example_tracker") == newest
    assert store.load(newest.path.parent / "export.csv.json") == newest


def test_list_skips_data_files_named_json(tmp_path):
    dataset = Dataset(id="jsonish", origin=ORIGIN, url="https://x.example/d.json", filename="d.json",
                      offline_glob="d*.json")
    store = SnapshotStore(tmp_path)
    snap = store.save(dataset, b'{"a": 1}', url="u", accessed_at=DAY1)
    assert store.list("jsonish") == [snap]


def test_verify_passes_then_detects_tampering_and_missing_file(tmp_path):
    store = SnapshotStore(tmp_path)
    snap = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    store.verify(snap)
    snap.path.write_bytes(V1.replace(b"Initech", b"Intitech"))
    with pytest.raises(SnapshotIntegrityError) as info:
        store.verify(snap)
    message = str(info.value)
    assert str(snap.path) in message and snap.sha256 in message
    assert sha256_bytes(V1.replace(b"Initech", b"Intitech")) in message
    snap.path.unlink()
    with pytest.raises(SnapshotIntegrityError, match="missing"):
        store.verify(snap)


def test_load_rejects_corrupt_sidecar(tmp_path):
    side = tmp_path / "x.csv.json"
    side.write_text("{not json")
    with pytest.raises(IngestionError, match="cannot read snapshot sidecar"):
        SnapshotStore(tmp_path).load(side)
    side.write_text(json.dumps({"source": "s", "url": "u"}))
    with pytest.raises(IngestionError, match="lacks key"):
        SnapshotStore(tmp_path).load(side)


def test_missing_sidecar_after_crash_is_completed_on_next_save(tmp_path):
    store = SnapshotStore(tmp_path)
    snap = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    (snap.path.parent / "export.csv.json").unlink()
    again = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    assert again.path == snap.path and again.sha256 == snap.sha256
    assert (snap.path.parent / "export.csv.json").exists()


@pytest.mark.parametrize("bad", ["../escape.csv", "sub/dir.csv", ".hidden", ".."])
def test_unsafe_filenames_are_refused(tmp_path, bad):
    with pytest.raises(IngestionError, match="invalid snapshot file name"):
        SnapshotStore(tmp_path / "raw").save(DATASET, V1, url="u", accessed_at=DAY1, filename=bad)
    assert all_files(tmp_path) == []


def _fail(err: int):
    def raiser(*args, **kwargs):
        raise OSError(err, os.strerror(err))
    return raiser


def test_disk_full_during_data_write_leaves_nothing(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path)
    monkeypatch.setattr(os, "fsync", _fail(errno.ENOSPC))
    with pytest.raises(IngestionError) as info:
        store.save(DATASET, V1, url="u", accessed_at=DAY1)
    message = str(info.value)
    assert "export.csv" in message and "No space left on device" in message and "\n" not in message
    assert all_files(tmp_path) == []


def test_replace_failure_of_data_file_leaves_nothing(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path)
    monkeypatch.setattr(os, "replace", _fail(errno.EROFS))
    with pytest.raises(IngestionError, match="Read-only file system"):
        store.save(DATASET, V1, url="u", accessed_at=DAY1)
    assert all_files(tmp_path) == []


def test_sidecar_failure_removes_new_data_file_and_keeps_old_ones(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path)
    first = store.save(DATASET, V1, url="u", accessed_at=DAY1)
    real_replace = os.replace

    def replace_data_only(src, dst):
        if str(dst).endswith(".json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_data_only)
    with pytest.raises(IngestionError, match=r"export\.[0-9a-f]{8}\.csv\.json"):
        store.save(DATASET, V2, url="u", accessed_at=DAY1)
    assert all_files(tmp_path) == ["example_tracker/2026-11-20/export.csv",
                                   "example_tracker/2026-11-20/export.csv.json"]
    assert first.path.read_bytes() == V1
    monkeypatch.setattr(os, "replace", real_replace)
    assert store.latest("example_tracker") == first


def test_unwritable_root_is_ingestion_error(tmp_path):
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the store root should be")
    with pytest.raises(IngestionError, match="cannot create snapshot directory"):
        SnapshotStore(blocker).save(DATASET, V1, url="u", accessed_at=DAY1)


# -- attachments -----------------------------------------------------------------------------------
PAGE1 = b"<html>policy 1</html>"
PAGE2 = b"<html>policy 2</html>"


def page(content: bytes = PAGE1, name: str = "page.html") -> Attachment:
    return Attachment(name, content, "https://tracker.example.org/embed", "text/html")


def test_attachment_is_stored_beside_listed_in_the_sidecar_and_verified(tmp_path):
    store = SnapshotStore(tmp_path)
    snap = store.save(DATASET, V1, url="u", accessed_at=DAY1, attachments=[page()])
    day = tmp_path / "example_tracker" / "2026-11-20"
    assert all_files(tmp_path) == ["example_tracker/2026-11-20/export.csv", "example_tracker/2026-11-20/export.csv.json",
                                   "example_tracker/2026-11-20/page.html"]
    assert (day / "page.html").read_bytes() == PAGE1
    assert json.loads((day / "export.csv.json").read_text())["attachments"] == [
        {"name": "page.html", "url": "https://tracker.example.org/embed", "sha256": sha256_bytes(PAGE1),
         "bytes": len(PAGE1), "content_type": "text/html"}]
    [attachment] = snap.attachments
    assert (attachment.path, attachment.sha256) == (day / "page.html", sha256_bytes(PAGE1))
    assert store.list("example_tracker") == [snap]  # attachments are not snapshots
    store.verify(snap)
    (day / "page.html").write_bytes(PAGE2)
    with pytest.raises(SnapshotIntegrityError, match=r"page\.html has sha256 " + sha256_bytes(PAGE2)):
        store.verify(snap)
    (day / "page.html").unlink()
    with pytest.raises(SnapshotIntegrityError, match=r"page\.html is missing"):
        store.verify(snap)


def test_new_snapshot_same_day_stores_its_own_attachment_beside_the_first(tmp_path):
    store = SnapshotStore(tmp_path)
    first = store.save(DATASET, V1, url="u", accessed_at=DAY1, attachments=[page(PAGE1)])
    second = store.save(DATASET, V2, url="u", accessed_at=DAY1, attachments=[page(PAGE2)])
    assert second.attachments[0].name == f"page.{sha256_bytes(PAGE2)[:8]}.html"
    assert second.attachments[0].path.read_bytes() == PAGE2 and first.attachments[0].path.read_bytes() == PAGE1
    reused = store.save(DATASET, V2, url="u", accessed_at=DAY1, attachments=[page(b"<html>policy 3</html>")])
    assert reused == second and len(all_files(tmp_path)) == 6
    assert store.list("example_tracker") == [first, second]


def test_failed_data_write_removes_the_attachment_it_wrote(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path)
    real_replace = os.replace

    def fail_on_data(src, dst):
        if str(dst).endswith("export.csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_data)
    with pytest.raises(IngestionError, match="No space left on device"):
        store.save(DATASET, V1, url="u", accessed_at=DAY1, attachments=[page()])
    assert all_files(tmp_path) == []


@pytest.mark.parametrize("name, message", [
    ("page.json", "reserved for sidecars"), ("export.csv", "clashes with the data file"),
    ("../page.html", "invalid snapshot attachment name"),
])
def test_bad_attachment_names_are_refused_before_writing(tmp_path, name, message):
    with pytest.raises(IngestionError, match=message):
        SnapshotStore(tmp_path).save(DATASET, V1, url="u", accessed_at=DAY1, attachments=[page(name=name)])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
