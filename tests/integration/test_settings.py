"""Settings: read once from the environment; an unknown LAYOFFS_AI_* variable gets a warning with a suggestion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_a_misspelt_variable_is_named_with_the_closest_known_one(tmp_path):
    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_SNAPSHOTS_DIR": "/x",
                                  "LAYOFFS_AI_URL_EPOCH_ALL": "https://example.org/a.csv"})
    assert settings.warnings == ("warning: LAYOFFS_AI_SNAPSHOTS_DIR is not a layoffs-ai setting and is ignored; "
                                 "did you mean LAYOFFS_AI_SNAPSHOT_DIR?",)
    assert settings.url_overrides == {"epoch_all": "https://example.org/a.csv"}


def test_known_variables_give_no_warning(tmp_path):
    env = {"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_DEADLINE_S": "30", "LAYOFFS_AI_UI_BIND": "0.0.0.0"}
    settings = Settings.from_env(env)
    assert settings.warnings == () and settings.http.deadline == 30.0


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_a_bad_deadline_is_one_clear_error(tmp_path, value):
    with pytest.raises(ValueError, match=f"LAYOFFS_AI_FETCH_DEADLINE_S='{value}' is not a positive number"):
        Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_FETCH_DEADLINE_S": value})


def test_the_cli_prints_the_warning_on_stderr(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAYOFFS_AI_")}
    env.update(LAYOFFS_AI_HOME=str(tmp_path), LAYOFFS_AI_HTTP_TIMOUT="5")
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", "--help"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    # --help exits before settings are read; the real commands print it (checked through `tables`)
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "tables"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert "LAYOFFS_AI_HTTP_TIMOUT is not a layoffs-ai setting and is ignored; did you mean " \
           "LAYOFFS_AI_HTTP_TIMEOUT?" in result.stderr


def test_duckdb_memory_limit_defaults_to_1gb_and_a_bad_one_is_one_clear_error(tmp_path):
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path)}).duckdb_memory_limit == "1GB"
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path),
                              "LAYOFFS_AI_DUCKDB_MEMORY_LIMIT": "512MB"}).duckdb_memory_limit == "512MB"
    with pytest.raises(ValueError, match="LAYOFFS_AI_DUCKDB_MEMORY_LIMIT='lots' is not a memory size DuckDB accepts"):
        Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_DUCKDB_MEMORY_LIMIT": "lots"})


def test_dbt_builds_under_the_configured_duckdb_memory_limit(tmp_path):
    """The pipeline's own --vars reach dbt's DuckDB connection (the profile's `pipeline` target)."""
    from orchestration.components.dbt import pipeline_vars

    settings = Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_DUCKDB_MEMORY_LIMIT": "300MB"})
    dbt_dir = REPO / "dbt_project"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "show", "--inline",
         "select current_setting('memory_limit') as memory_limit", "--project-dir", str(dbt_dir),
         "--profiles-dir", str(dbt_dir), "--target", "pipeline",
         "--vars", pipeline_vars(tmp_path / "w.duckdb", settings), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "286.1 MiB" in result.stdout, result.stdout[-3000:]  # DuckDB shows 300MB (10^6 bytes) in MiB


def test_the_default_home_is_the_checkouts_data_folder_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).home == REPO / "data"
    assert Settings.from_env({"LAYOFFS_AI_HOME": "elsewhere"}).home == tmp_path / "elsewhere"


def test_warn_states_choose_the_warn_datasets(tmp_path):
    home = {"LAYOFFS_AI_HOME": str(tmp_path)}
    every = Settings.from_env(home)
    assert every.warn_states == ("wa", "or", "ny") and every.warnings == ()
    assert [d for d in every.datasets if d.startswith("warn_")] == ["warn_wa", "warn_or", "warn_ny"]
    two = Settings.from_env(home | {"LAYOFFS_AI_WARN_STATES": " NY, wa "})
    assert two.warn_states == ("wa", "ny") and two.warnings == ()
    assert [d for d in two.datasets if d.startswith("warn_")] == ["warn_wa", "warn_ny"]
    assert set(every.datasets) - set(two.datasets) == {"warn_or"}  # the other sources are untouched
    assert Settings.from_env(home | {"LAYOFFS_AI_WARN_STATES": "none"}).datasets == tuple(
        d for d in every.datasets if not d.startswith("warn_"))


@pytest.mark.parametrize(("value", "named"), [("wa,tx", "tx is not a declared state"),
                                              ("california", "california is not a declared state"),
                                              ("wa or ca nv", "ca, nv are not declared states")])
def test_an_undeclared_warn_state_is_one_clear_error(tmp_path, value, named):
    with pytest.raises(ValueError, match=f"LAYOFFS_AI_WARN_STATES=.*: {named} \\(declared states: wa, or, ny;"):
        Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path), "LAYOFFS_AI_WARN_STATES": value})
