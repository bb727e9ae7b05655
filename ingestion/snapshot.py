"""Immutable raw-snapshot store: raw/<dataset id>/<YYYY-MM-DD>/<file> plus a JSON provenance sidecar."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from safetext import redact_url

from ingestion.core import (
    Dataset,
    IngestionError,
    Snapshot,
    SnapshotAttachment,
    SnapshotIntegrityError,
    sha256_bytes,
)

SIDECAR_SUFFIX = ".json"
_REQUIRED_KEYS = ("source", "url", "accessed_at", "sha256", "bytes")


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _check_name(kind: str, name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        raise IngestionError(f"invalid snapshot {kind} {name!r}: must be a plain, non-hidden file name")
    return name


@dataclass(frozen=True)
class Attachment:
    """A file to store beside a new snapshot (e.g. the page that led to it); no sidecar of its own."""

    name: str  # plain file name; must not end in .json (reserved for sidecars)
    content: bytes
    url: str
    content_type: str | None = None


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:  # naive datetimes are taken to be UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def sidecar_path(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + SIDECAR_SUFFIX)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere; the data itself is already fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file next to `path`, fsync, then os.replace; no temp file survives a failure."""
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise IngestionError(f"cannot write snapshot file {path}: {_one_line(exc)}") from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    _fsync_dir(path.parent)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(dataset: Dataset, url: str, moment: datetime, digest: str, size: int,
            etag: str | None, content_type: str | None, retrieved: datetime | None = None) -> dict[str, object]:
    return {
        "source": dataset.id,
        "url": redact_url(url),  # a sidecar never stores a secret (userinfo, token=, Airtable's signature)
        "origin_url": redact_url(dataset.url),
        "accessed_at": moment.isoformat(),
        "retrieved_at": (retrieved or moment).isoformat(),
        "sha256": digest,
        "bytes": size,
        "etag": etag,
        "content_type": content_type,
        "license": dataset.origin.license,
        "origin_name": dataset.origin.name,
        "citation": dataset.origin.citation,
    }


class SnapshotStore:
    """Stores downloads under `root` (normally $LAYOFFS_AI_HOME/raw); never overwrites a stored file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- writing -------------------------------------------------------------------------------
    def save(
        self,
        dataset: Dataset,
        content: bytes,
        *,
        url: str,
        accessed_at: datetime | None = None,
        etag: str | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        retrieved_at: datetime | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> Snapshot:
        """Store `content` (+ sidecar) unless the same bytes are already stored that day; its folder is the
        date it was retrieved (default: now, when it is stored).

        `attachments` are written first, each atomically, beside the new data file and listed
        (name, url, sha256, bytes, content_type) under `attachments` in its sidecar; a failure
        removes every file this call wrote. When the same bytes are reused, the stored snapshot
        (with its own attachments) is returned and `attachments` are not written.
        """
        _check_name("dataset id", dataset.id)
        name = _check_name("file name", filename or dataset.filename)
        moment = _utc(accessed_at)
        retrieved = _utc(retrieved_at) if retrieved_at is not None else moment
        digest = sha256_bytes(content)
        day_dir = self.root / dataset.id / retrieved.date().isoformat()
        try:
            day_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IngestionError(f"cannot create snapshot directory {day_dir}: {_one_line(exc)}") from exc

        base = day_dir / name
        stem, suffix = Path(name).stem, Path(name).suffix
        candidates = [base, day_dir / f"{stem}.{digest[:8]}{suffix}"]
        target: Path | None = None
        for candidate in candidates:
            existing = self._existing(candidate)
            if existing is None:
                target = candidate
                break
            if existing == digest:
                return self._reuse(dataset, candidate, content, digest, url, moment, etag, content_type, retrieved)
        if target is None:
            raise IngestionError(
                f"cannot store snapshot of {dataset.id} in {day_dir}: {candidates[-1].name} exists with other bytes"
            )

        record = _record(dataset, url, moment, digest, len(content), etag, content_type, retrieved)
        for attachment in attachments:
            if _check_name("attachment name", attachment.name).endswith(SIDECAR_SUFFIX):
                raise IngestionError(f"invalid snapshot attachment name {attachment.name!r}: "
                                     f"names ending in {SIDECAR_SUFFIX} are reserved for sidecars")
            if attachment.name in (target.name, sidecar_path(target).name):
                raise IngestionError(f"snapshot attachment {attachment.name!r} clashes with the data file")
        written: list[Path] = []
        try:
            if attachments:
                record["attachments"] = [self._store_attachment(day_dir, a, written) for a in attachments]
            _atomic_write(target, content)
            written.append(target)
            self._write_sidecar(target, record)
        except IngestionError:
            for path in written:  # files without their sidecar would be orphans
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        return self.load(sidecar_path(target))

    def _store_attachment(self, day_dir: Path, attachment: Attachment, written: list[Path]) -> dict[str, object]:
        """Write one attachment (same bytes already there: reused; other bytes: `<stem>.<sha8><suffix>`)."""
        digest = sha256_bytes(attachment.content)
        stem, suffix = Path(attachment.name).stem, Path(attachment.name).suffix
        for candidate in (day_dir / attachment.name, day_dir / f"{stem}.{digest[:8]}{suffix}"):
            existing = self._existing(candidate)
            if existing is None:
                _atomic_write(candidate, attachment.content)
                written.append(candidate)
                break
            if existing == digest:
                break
        else:
            raise IngestionError(f"cannot store attachment {attachment.name} in {day_dir}: "
                                 f"{stem}.{digest[:8]}{suffix} exists with other bytes")
        return {"name": candidate.name, "url": redact_url(attachment.url), "sha256": digest,
                "bytes": len(attachment.content), "content_type": attachment.content_type}

    def _existing(self, data_path: Path) -> str | None:
        """sha256 of what occupies `data_path` (sidecar value, or hashed file if its sidecar is missing)."""
        side = sidecar_path(data_path)
        if side.exists():
            return self.load(side).sha256
        if data_path.exists():
            try:
                return _file_sha256(data_path)
            except OSError as exc:
                raise IngestionError(f"cannot read snapshot file {data_path}: {_one_line(exc)}") from exc
        return None

    def _reuse(self, dataset: Dataset, data_path: Path, content: bytes, digest: str, url: str,
               moment: datetime, etag: str | None, content_type: str | None, retrieved: datetime) -> Snapshot:
        side = sidecar_path(data_path)
        if side.exists():
            if not data_path.exists():  # data file lost but sidecar intact: restore the same bytes
                _atomic_write(data_path, content)
            stored = self.load(side)
            self.verify(stored)  # a stored file changed behind its sidecar is refused, never silently reused
            return stored
        # Same bytes but the sidecar never got written (crash in between): complete it now.
        record = _record(dataset, url, moment, digest, data_path.stat().st_size, etag, content_type, retrieved)
        self._write_sidecar(data_path, record)
        return self.load(side)

    def _write_sidecar(self, data_path: Path, record: dict[str, object]) -> None:
        text = json.dumps(record, indent=2, sort_keys=False) + "\n"
        _atomic_write(sidecar_path(data_path), text.encode("utf-8"))

    # -- reading -------------------------------------------------------------------------------
    def load(self, sidecar: Path) -> Snapshot:
        sidecar = Path(sidecar)
        if not sidecar.name.endswith(SIDECAR_SUFFIX):
            raise IngestionError(f"not a snapshot sidecar (no {SIDECAR_SUFFIX} suffix): {sidecar}")
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IngestionError(f"cannot read snapshot sidecar {sidecar}: {_one_line(exc)}") from exc
        if not isinstance(record, dict):
            raise IngestionError(f"snapshot sidecar {sidecar} is not a JSON object")
        missing = [key for key in _REQUIRED_KEYS if key not in record]
        if missing:
            raise IngestionError(f"snapshot sidecar {sidecar} lacks key(s) {', '.join(missing)}")
        attachments = _attachments(sidecar, record.get("attachments") or [])
        return Snapshot(
            source=record["source"],
            path=sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)]),
            url=record["url"],
            accessed_at=record["accessed_at"],
            sha256=record["sha256"],
            bytes=int(record["bytes"]),
            license=record.get("license") or "",
            etag=record.get("etag"),
            content_type=record.get("content_type"),
            origin_name=record.get("origin_name") or "",
            citation=record.get("citation") or "",
            retrieved_at=record.get("retrieved_at") or "",
            attachments=attachments,
        )

    def list(self, dataset_id: str) -> builtins.list[Snapshot]:
        """All snapshots of a dataset, oldest first (by accessed_at, then file name)."""
        base = self.root / _check_name("dataset id", dataset_id)
        if not base.is_dir():
            return []
        keyed = []
        for side in sorted(base.glob(f"*/*{SIDECAR_SUFFIX}")):
            if side.name.startswith(".") or sidecar_path(side).exists():
                continue  # temp file, or a data file that itself ends in .json
            snapshot = self.load(side)
            # ties on accessed_at: the sidecar written last is the newer snapshot
            keyed.append(((datetime.fromisoformat(snapshot.accessed_at), side.stat().st_mtime_ns, side.name), snapshot))
        return [snapshot for _, snapshot in sorted(keyed, key=lambda pair: pair[0])]

    def latest(self, dataset_id: str) -> Snapshot | None:
        snapshots = self.list(dataset_id)
        return snapshots[-1] if snapshots else None

    def verify(self, snapshot: Snapshot) -> None:
        """Raise SnapshotIntegrityError unless the file (and each attachment) has the sha256 in its sidecar."""
        for path, expected in [(snapshot.path, snapshot.sha256), *((a.path, a.sha256) for a in snapshot.attachments)]:
            try:
                actual = _file_sha256(path)
            except FileNotFoundError as exc:
                raise SnapshotIntegrityError(f"snapshot file {path} is missing (sidecar sha256 {expected})") from exc
            except OSError as exc:
                raise SnapshotIntegrityError(f"cannot read snapshot file {path}: {_one_line(exc)}") from exc
            if actual != expected:
                raise SnapshotIntegrityError(f"snapshot file {path} has sha256 {actual}, sidecar records {expected}")


def _attachments(sidecar: Path, entries: object) -> tuple[SnapshotAttachment, ...]:
    """The sidecar's `attachments` list as SnapshotAttachment records (IngestionError when malformed)."""
    if not isinstance(entries, list):
        raise IngestionError(f"snapshot sidecar {sidecar}: 'attachments' is not a list")
    out = []
    for entry in entries:
        try:
            name = _check_name("attachment name", entry["name"])
            out.append(SnapshotAttachment(name, sidecar.with_name(name), entry["url"], entry["sha256"],
                                          int(entry["bytes"]), entry.get("content_type")))
        except (TypeError, KeyError, ValueError, IngestionError) as exc:
            raise IngestionError(f"snapshot sidecar {sidecar}: bad attachment entry {entry!r}: "
                                 f"{_one_line(exc)}") from exc
    return tuple(out)
