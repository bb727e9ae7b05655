"""LAYOFFS_AI_WARN_STATES chooses the WARN states a home fetches and loads; the others leave the warehouse."""

from __future__ import annotations

import pytest

from .conftest import one_error_line, run_cli

pytestmark = pytest.mark.fault


def test_a_state_left_out_is_neither_fetched_nor_kept(fault_home):
    before = fault_home.all_counts()
    assert {d for d in before if d.startswith("warn_")} == {"warn_wa", "warn_or", "warn_ny"}
    assert all(before[d][0] > 0 for d in ("warn_wa", "warn_or", "warn_ny"))

    result = run_cli(["ingest"], fault_home.home, fault_home.snapshots, timeout=600,
                     extra_env={"LAYOFFS_AI_WARN_STATES": "ny"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "warn_ny: " in result.stdout and "warn_wa" not in result.stdout and "warn_or" not in result.stdout
    assert fault_home.query("SELECT _source, count(*) FROM raw.warn__notices GROUP BY ALL") == [
        ("warn_ny", sum(before["warn_ny"]))]
    assert fault_home.query("SELECT DISTINCT source FROM staging.stg_warn__notices") == [("warn_ny",)]
    for table in ("raw._loads", "raw._rejects", "staging.rejects"):
        assert fault_home.query(f"SELECT count(*) FROM {table} WHERE source IN ('warn_wa', 'warn_or')") == [(0,)]
    assert fault_home.query("SELECT count(*) FROM raw._source_status WHERE dataset IN ('warn_wa', 'warn_or')") == [
        (0,)]
    after = fault_home.all_counts()
    assert {d: c for d, c in after.items() if not d.startswith("warn_")} == {
        d: c for d, c in before.items() if not d.startswith("warn_")}

    refused = run_cli(["ingest", "--only", "warn_or"], fault_home.home, fault_home.snapshots,
                      extra_env={"LAYOFFS_AI_WARN_STATES": "ny"})
    assert refused.returncode == 2
    assert one_error_line(refused) == "error: warn_or not selected by LAYOFFS_AI_WARN_STATES (ny)"

    none = run_cli(["ingest"], fault_home.home, fault_home.snapshots, timeout=600,
                   extra_env={"LAYOFFS_AI_WARN_STATES": "none"})
    assert none.returncode == 0, none.stdout[-2000:] + none.stderr[-2000:]
    assert fault_home.query("SELECT count(*) FROM raw.warn__notices") == [(0,)]
    assert fault_home.query("SELECT count(*) FROM staging.stg_warn__notices") == [(0,)]


def test_an_undeclared_state_is_one_clear_error(tmp_path):
    result = run_cli(["ingest"], tmp_path / "home", None, extra_env={"LAYOFFS_AI_WARN_STATES": "wa,tx"})
    assert result.returncode != 0
    assert "LAYOFFS_AI_WARN_STATES='wa,tx': tx is not a declared state" in result.stderr
    assert "Traceback" not in result.stderr
