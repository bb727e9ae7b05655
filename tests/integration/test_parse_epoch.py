"""Tests for the Epoch AI models parser (notable list with `Frontier model`, all-models list without it)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import SchemaError, Snapshot
from ingestion.sources import epoch
from tests.support.snapshots import snapshot_over
from tests.support.staged import load_and_type

FIXTURES = Path(__file__).parents[1] / "fixtures" / "epoch"
NOTABLE = FIXTURES / "epoch_notable_ai_models_ugly.csv"
ALL = FIXTURES / "epoch_all_ai_models_ugly.csv"


def snapshot_of(path: Path, source: str) -> Snapshot:
    return snapshot_over(path, source, license="CC BY 4.0")


@pytest.fixture(scope="module")
def epoch_lists(tmp_path_factory):
    """Both ugly lists loaded as text and typed by staging."""
    return load_and_type({"epoch_notable": snapshot_of(NOTABLE, "epoch_notable"),
                          "epoch_all": snapshot_of(ALL, "epoch_all")}, tmp_path_factory.mktemp("epoch") / "work")


@pytest.fixture(scope="module")
def notable(epoch_lists):
    return epoch_lists.staged("epoch__models", "epoch_notable")


@pytest.fixture(scope="module")
def all_models(epoch_lists):
    return epoch_lists.staged("epoch__models", "epoch_all")


def test_raw_is_text_and_staging_types_it(epoch_lists):
    raw = dict(epoch_lists.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                                 "AND table_name = 'epoch__models'"))
    assert {raw[c] for c in ("model", "publication_date", "parameters", "frontier_model")} == {"VARCHAR"}
    typed = dict(epoch_lists.query("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'staging' "
                                   "AND table_name = 'stg_epoch__models'"))
    assert [c for c in typed if not c.startswith("_")][:15] == [
        "model_release_id", "dataset", "model", "domain", "organization", "organization_categorization", "country",
        "publication_date", "publication_date_raw", "parameters", "training_compute_flop", "model_accessibility",
        "frontier_model", "notability_criteria", "citations"]
    assert (typed["frontier_model"], typed["publication_date"], typed["parameters"]) == ("BOOLEAN", "DATE", "DOUBLE")


def test_notable_counts(epoch_lists, notable):
    assert epoch_lists.counts("epoch_notable") == (9, 3, 6)
    assert len(notable) + len(epoch_lists.rejects("epoch_notable")) == 9


def test_notable_typed_values(epoch_lists, notable):
    rows = notable
    assert sorted(rows) == [2, 3, 6]  # the multi-line abstract spans lines 3-5
    falconet = rows[2]
    assert falconet["dataset"] == "notable"
    assert falconet["parameters"] == 7e9 and falconet["training_compute_flop"] == 8.4e22
    assert falconet["citations"] == 12.0
    assert falconet["frontier_model"] is False  # blank in a file that has the column
    assert falconet["publication_date"] == date(2025, 2, 10)
    gorse = rows[3]
    assert gorse["domain"] == "Vision,Image generation"
    assert gorse["organization"] == "Tessel Labs,University of Nowhere"
    assert gorse["organization_categorization"] == "Industry,Academia"
    assert gorse["notability_criteria"] == "Highly cited,Training cost"
    assert gorse["parameters"] is None and gorse["citations"] is None
    assert gorse["frontier_model"] is True
    extra = json.loads(gorse["extra_columns"])
    assert extra == {
        "Authors": "Cy Lu",
        "Abstract": "First paragraph of the abstract.\n\nSecond paragraph, after a blank line.",
    }
    hushwing = rows[6]
    assert hushwing["publication_date_raw"] == "" and hushwing["publication_date"] is None  # kept, no date
    assert "epoch_notable: 2 undeclared column(s) kept in _extra: Authors, Abstract" in epoch_lists.warnings


def test_notable_rejects(epoch_lists):
    rejects = epoch_lists.rejects("epoch_notable")
    assert [(line, reason) for line, reason, _ in rejects] == [
        (7, "publication_date: cannot parse '2025-13-01' as YYYY-MM-DD"),
        (8, "publication_date: 2031-01-05 is outside the plausible range 1940-01-01..2026-12-24"),
        (9, "model: blank key field"),
        (10, "parameters: cannot parse 'lots' as a number"),
        (11, "duplicate of line 2"),
        (12, "expected 15 fields, found 14"),
    ]
    assert rejects[0][2].startswith("Ibis-2,Language,Hollis AI,")


def test_all_models_without_frontier_column(epoch_lists, all_models):
    assert epoch_lists.counts("epoch_all")[:2] == (5, 4)
    assert [(line, reason) for line, reason, _ in epoch_lists.rejects("epoch_all")] == [(4, "model: blank key field")]
    rows = all_models
    assert {row["dataset"] for row in rows.values()} == {"all"}
    assert all(row["frontier_model"] is None for row in rows.values())
    lumen = rows[2]
    assert lumen["country"] == "France"  # read by name although the column moved to the end
    assert lumen["parameters"] == 1e9 and lumen["training_compute_flop"] == 6e21
    assert json.loads(lumen["extra_columns"]) == {"Authors": "", "Last modified": "2025-03-11 10:00:00+00:00"}
    marram = rows[3]
    assert epoch_lists.raw("epoch__models", "epoch_all")[3]["model"] == "Marram "  # raw keeps it as found
    assert marram["model"] == "Marram"
    assert marram["domain"] is None and marram["publication_date"] is None
    nereid = rows[5]
    assert nereid["country"] == "Norway,Chile"
    assert nereid["organization_categorization"] == "Research collective,Academia"


def test_missing_core_column_raises(tmp_path):
    path = tmp_path / "epoch_all_ai_models_renamed.csv"
    path.write_bytes(ALL.read_bytes().replace(b"Publication date", b"Publication day", 1))
    with pytest.raises(SchemaError) as info:
        epoch.read(snapshot_of(path, "epoch_all"))
    assert str(info.value).startswith("epoch_all: missing column 'Publication date' (the header has ")


def test_unknown_dataset_id_is_refused():
    with pytest.raises(ValueError, match="not an Epoch dataset"):
        epoch.read(snapshot_of(ALL, "indeed_postings_by_sector"))


def test_datasets_declared():
    assert [(d.id, d.url) for d in epoch.DATASETS] == [
        ("epoch_notable", "https://epoch.ai/data/notable_ai_models.csv"),
        ("epoch_all", "https://epoch.ai/data/all_ai_models.csv"),
    ]
    assert all(d.origin.license == "CC BY 4.0" for d in epoch.DATASETS)
