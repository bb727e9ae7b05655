"""Every reference file in ../shared/data loads and types with accepted rows + rejects == its data records (counted
independently)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from ingestion.core import Snapshot, sha256_bytes
from tests.support.staged import load_and_type

pytestmark = pytest.mark.slow

REFERENCE_DIR = Path(os.environ.get("LAYOFFS_AI_REFERENCE_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data")
ACCESSED = "2026-11-23T03:00:00+00:00"

# file, dataset id, data records stated in SOURCES.md, expected rejects (see below)
CASES = [
    ("crunchbase_tracker_export_2022-11.csv", "crunchbase_tracker", 379, []),
    ("layoffs_fyi_export_2026-01.csv", "layoffs_fyi", 4277, []),
    ("epoch_notable_ai_models_2025-03.csv", "epoch_notable", 924, []),
    # Three records of the all-models list are empty placeholders: every cell blank except
    # `Confidence` (Unverified) and `Last modified`; no model name -> rejected as a blank key.
    ("epoch_all_ai_models_2025-03.csv", "epoch_all", 2228, ["model: blank key field"] * 3),
    ("indeed_postings_by_sector_us_2024-09.csv", "indeed_postings_by_sector", 78246, []),
    ("indeed_postings_aggregate_us_2026-08.csv", "indeed_postings_aggregate", 4774, []),
]


def data_records(path: Path) -> int:
    """Non-empty CSV records after the header, counted with plain csv.reader."""
    text = path.read_bytes().decode("utf-8-sig")
    return sum(1 for record in csv.reader(io.StringIO(text, newline="")) if record) - 1


def _snapshot(filename: str, source: str) -> Snapshot:
    path = REFERENCE_DIR / filename
    data = path.read_bytes()
    return Snapshot(source=source, path=path, url=path.as_uri(), accessed_at=ACCESSED,
                    sha256=sha256_bytes(data), bytes=len(data), license="reference")


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    """Every reference file found, loaded as text and typed by staging in one warehouse."""
    found = {source: _snapshot(filename, source) for filename, source, *_ in CASES
             if (REFERENCE_DIR / filename).is_file()}
    if not found:
        pytest.skip(f"no reference files in {REFERENCE_DIR}")
    return load_and_type(found, tmp_path_factory.mktemp("reference") / "work")


@pytest.mark.parametrize(("filename", "source", "stated", "expected_rejects"), CASES, ids=[case[1] for case in CASES])
def test_reference_file_counts(typed, filename, source, stated, expected_rejects):
    path = REFERENCE_DIR / filename
    if not path.is_file():
        pytest.skip(f"reference file not found: {path}")
    counted = data_records(path)
    assert counted == stated
    assert typed.counts(source) == (counted, counted - len(expected_rejects), len(expected_rejects))
    assert [reason for _, reason, _ in typed.rejects(source)] == expected_rejects
