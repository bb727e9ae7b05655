"""Every reference file in ../shared/data parses with rows + rejects == its data records (counted independently)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from ingestion.core import Snapshot, sha256_bytes
from ingestion.sources import crunchbase_tracker, epoch, indeed, layoffs_fyi

pytestmark = pytest.mark.slow

REFERENCE_DIR = Path(os.environ.get("LAYOFFS_AI_REFERENCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
ACCESSED = "2026-11-23T03:00:00+00:00"

# file, dataset id, module, data records stated in SOURCES.md, expected rejects (see below)
CASES = [
    ("crunchbase_tracker_export_2022-11.csv", "crunchbase_tracker", crunchbase_tracker, 379, []),
    ("layoffs_fyi_export_2026-01.csv", "layoffs_fyi", layoffs_fyi, 4277, []),
    ("epoch_notable_ai_models_2025-03.csv", "epoch_notable", epoch, 924, []),
    # Three records of the all-models list are empty placeholders: every cell blank except
    # `Confidence` (Unverified) and `Last modified`; no model name -> rejected as a blank key.
    ("epoch_all_ai_models_2025-03.csv", "epoch_all", epoch, 2228, ["model: blank key field"] * 3),
    ("indeed_postings_by_sector_us_2024-09.csv", "indeed_postings_by_sector", indeed, 78246, []),
    ("indeed_postings_aggregate_us_2026-08.csv", "indeed_postings_aggregate", indeed, 4774, []),
]


def data_records(path: Path) -> int:
    """Non-empty CSV records after the header, counted with plain csv.reader."""
    text = path.read_bytes().decode("utf-8-sig")
    return sum(1 for record in csv.reader(io.StringIO(text, newline="")) if record) - 1


@pytest.mark.parametrize(("filename", "source", "module", "stated", "expected_rejects"), CASES,
                         ids=[case[1] for case in CASES])
def test_reference_file_counts(filename, source, module, stated, expected_rejects):
    path = REFERENCE_DIR / filename
    if not path.is_file():
        pytest.skip(f"reference file not found: {path}")
    data = path.read_bytes()
    snap = Snapshot(source=source, path=path, url=path.as_uri(), accessed_at=ACCESSED,
                    sha256=sha256_bytes(data), bytes=len(data), license="reference")
    result = module.parse(snap)
    counted = data_records(path)
    assert counted == stated
    assert result.input_rows == counted
    assert result.rows + len(result.rejects) == counted
    assert [r.reason for r in result.rejects] == expected_rejects
