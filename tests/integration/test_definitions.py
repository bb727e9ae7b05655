"""The Dagster code location: asset keys, groups, checks, schedule, executor, and source↔raw wiring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build
from orchestration.defs.ingestion import RAW_TABLES, TABLES_BY_DATASET

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    """Built when a test needs it, not at import: collection works before the dbt manifest exists."""
    return build()


@pytest.fixture(scope="module")
def repo_def(defs):
    return defs.get_repository_def()


def _keys(repo_def) -> dict[str, str]:
    graph = repo_def.asset_graph
    return {k.to_user_string(): graph.get(k).group_name for k in graph.materializable_asset_keys}


def test_asset_keys_and_groups(repo_def):
    keys = _keys(repo_def)
    graph = repo_def.asset_graph
    for dataset in TABLES_BY_DATASET:
        node = graph.get(dg.AssetKey(["snapshots", dataset]))
        assert node.is_observable and not node.is_materializable, "a source is observed, never re-materialized"
        assert node.group_name == "snapshots"
        assert node.owners == ["team:layoffs-ai"] and node.metadata["dagster/column_schema"].columns
    for table in RAW_TABLES:
        assert keys[f"raw/{table}"] == "raw"
        node = graph.get(dg.AssetKey(["raw", table]))
        assert node.owners == ["team:layoffs-ai"] and node.metadata["dagster/table_name"] == f"raw.{table}"
        assert [c.name for c in node.metadata["dagster/column_schema"].columns][-2:] == ["_line_number", "_raw_text"]
    assert set(keys.values()) == {"raw", "staging", "intermediate", "marts", "analytics", "publish"}
    for mart in ("fct_layoff_events", "layoffs_monthly", "model_releases_monthly", "job_postings_monthly",
                 "layoffs_vs_ai_monthly", "layoff_count_stats"):
        assert keys[f"marts/{mart}"] == "marts"
    assert keys["staging/stg_layoffs_fyi__layoffs"] == "staging"
    for name in ("correlations", "lagged_correlations", "granger_tests", "company_layoffs_vs_releases",
                 "charts", "report"):
        assert keys[f"analytics/{name}"] == "analytics"
    assert keys["warehouse/published"] == "publish"


def test_dbt_sources_are_the_raw_assets(repo_def):
    graph = repo_def.asset_graph
    parents = {p.to_user_string() for p in graph.get(dg.AssetKey(["staging", "stg_layoffs_fyi__layoffs"])).parent_keys}
    assert parents == {"raw/layoffs_fyi__layoffs"}
    epoch = {p.to_user_string() for p in graph.get(dg.AssetKey(["raw", "epoch__models"])).parent_keys}
    assert epoch == {"snapshots/epoch_notable", "snapshots/epoch_all"}


def test_checks_beside_assets(repo_def):
    checks = {(c.asset_key.to_user_string(), c.name) for c in repo_def.asset_graph.asset_check_keys}
    for table in RAW_TABLES:
        assert (f"raw/{table}", "not_empty") in checks
    for tables in TABLES_BY_DATASET.values():  # the truncation gate sits on the staging model that types the rows
        for name in ("no_row_drop", "rejects_share"):
            assert (f"staging/stg_{tables[0]}", name) in checks
    for dataset in TABLES_BY_DATASET:
        assert (f"snapshots/{dataset}", "snapshot_freshness") in checks
        assert (f"snapshots/{dataset}", "source_status") in checks
    dbt_checks = [c for c in checks if c[0].startswith("marts/")]
    assert any(name.startswith("unique_") for _, name in dbt_checks), "dbt tests are shown as checks"


def test_nightly_schedule_observes_then_a_sensor_rebuilds_what_changed(defs):
    schedule = defs.get_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "observe_sources"
    sensor = defs.get_sensor_def("rebuild_what_changed")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "refresh_all"
    for name in ("refresh_all", "observe_sources"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"


def test_raw_table_map_matches_parsers(fixtures_dir, tmp_path):
    """TABLES_BY_DATASET (needed at definition time) names the tables each source's rows land in (CSV snapshots;
    the tracker page's weekly tallies only come from its HTML page)."""
    from ingestion import sources
    from ingestion.fetching import fetch_dataset
    from ingestion.snapshot import SnapshotStore

    store = SnapshotStore(tmp_path / "raw")
    for dataset_id, (dataset, module) in sources.DATASETS.items():
        candidates = sorted(p for p in fixtures_dir.rglob(dataset.offline_glob) if p.suffix == ".csv")
        assert candidates, f"no CSV fixture matches {dataset.offline_glob}"
        snap = fetch_dataset(dataset, store=store, snapshot_dir=candidates[0].parent)
        rows = sources.read(dataset_id, snap)
        assert rows.table == TABLES_BY_DATASET[dataset_id][0], dataset_id
        assert {rows.table, *(t.name for t in rows.side_tables)} <= set(TABLES_BY_DATASET[dataset_id]), dataset_id


def test_dg_check_defs():
    """The dg project layout ([tool.dg], orchestration/defs/, the dbt component) loads as `dg` sees it."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(bin_dir.parent)}
    result = subprocess.run([str(bin_dir / "dg"), "check", "defs"], cwd=REPO, capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr
    assert "SupersessionWarning" not in result.stdout + result.stderr


def test_live_url_overrides_come_from_the_environment(tmp_path):
    from orchestration.settings import Settings

    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path),
                                  "LAYOFFS_AI_URL_LAYOFFS_FYI": "https://example.org/layoffs.csv"})
    assert settings.url_overrides == {"layoffs_fyi": "https://example.org/layoffs.csv"}
    assert settings.snapshot_dir is None and settings.mode == "live fetching"
