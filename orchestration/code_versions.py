"""Code versions of the Python assets: a hash of the files that shape each one, so code changes make them stale."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# asset family -> files (globs under the repo) whose content is its code version
PARTS: dict[str, tuple[str, ...]] = {
    "raw": ("ingestion/**/*.py", "warehouse/raw_load.py", "warehouse/raw_csv.py", "warehouse/raw_csv_fast.py",
            "warehouse/source_status.py"),
    "analytics": ("analytics/**/*.py", "analytics/**/*.csv"),
    "publish": ("warehouse/write_audit_publish.py", "warehouse/publish_log.py"),
}


@lru_cache(maxsize=None)
def code_version(family: str) -> str:
    """First 16 hex digits of the sha256 over the family's files (path and bytes, sorted)."""
    digest = hashlib.sha256()
    for pattern in PARTS[family]:
        for path in sorted(REPO.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
