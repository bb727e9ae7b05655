"""A hash of the code that shapes the warehouse, so a code change forces a rebuild even when data did not change."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_PARTS = (
    ("ingestion", "*.py"),
    ("warehouse", "*.py"),
    ("analytics", "*.py"),
    ("analytics", "*.csv"),
    ("dbt_project/models", "*"),
    ("dbt_project/macros", "*"),
    ("dbt_project/seeds", "*"),
    ("dbt_project", "dbt_project.yml"),
)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder, pattern in _PARTS:
        base = REPO / folder
        for path in sorted(base.rglob(pattern)) if base.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
