"""`layoffs-ai sql` memory: LAYOFFS_AI_SQL_MEMORY_LIMIT bounds a query, which spills to a private temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from tests.support.sql_warehouse import REPO, run_cli, wh  # noqa: F401
from sqlcli import query

HUGE = "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(3000000)"  # a 3 GB string: cannot spill
# ~200 MB of distinct 132-byte group keys: more than 50MB of memory, so it only finishes by spilling
SPILLS = ("SELECT count(*) AS groups, max(length(s)) AS width FROM "
          "(SELECT md5(range::VARCHAR) || repeat('y', 100) AS s, count(*) FROM range(1500000) GROUP BY 1)")


# A small launcher between pytest and the command: a child forked straight from pytest starts with pytest's own
# resident size (ru_maxrss survives exec), which made the measure depend on how much the test session had loaded.
MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]); "
           "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
           "sys.exit(r.returncode)")


def _run_measured(args: list[str], env: dict[str, str], report: Path) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and peak resident MiB of one `layoffs-ai` process (written to `report`)."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(report), sys.executable, "-m", "orchestration.cli",
                           *args], cwd=REPO, text=True, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env})
    return proc.returncode, proc.stdout, proc.stderr, int(report.read_text()) / 1024


def test_a_query_over_the_limit_exits_1_with_one_line_naming_the_variable_and_memory_stays_bounded(wh, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code, out, err, peak_mib = _run_measured(["sql", HUGE, "--warehouse", str(wh)],
                                             {"LAYOFFS_AI_SQL_MEMORY_LIMIT": "100MB", "TMPDIR": str(tmp)},
                                             tmp_path / "maxrss.txt")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("error: the query needs more memory than LAYOFFS_AI_SQL_MEMORY_LIMIT=100MB"), err
    assert "raise LAYOFFS_AI_SQL_MEMORY_LIMIT" in err and "SET memory_limit" not in err, err
    assert peak_mib < 400, f"the sql process peaked at {peak_mib:.0f} MiB under a 100MB limit"
    assert list(tmp.iterdir()) == [], "the spill folder is removed when the command ends"


def test_the_default_limit_is_1gb_and_a_normal_query_still_works(wh):
    proc = run_cli("sql", "SELECT current_setting('memory_limit') AS m, count(*) AS n FROM marts.layoffs_monthly",
                   "--warehouse", str(wh), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "m,n\n953.6 MiB,3\n"  # DuckDB shows 1GB (10^9 bytes) in MiB
    proc = run_cli("sql", "SELECT current_setting('memory_limit') AS m, count(*) AS n FROM marts.layoffs_monthly",
                   "--warehouse", str(wh), "--format", "csv", extra_env={"LAYOFFS_AI_SQL_MEMORY_LIMIT": "100MB"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "m,n\n95.3 MiB,3\n"


def test_a_query_larger_than_the_limit_finishes_by_spilling_to_the_temporary_folder(wh, tmp_path):
    spill = tmp_path / "spill"
    with query.open_readonly(wh, "50MB", spill) as con:
        assert con.execute(SPILLS).fetchall() == [(1_500_000, 132)]
    # the same query cannot finish without spilling: with the temporary folder unusable it fails
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with query.open_readonly(wh, "50MB", blocked) as con, pytest.raises(duckdb.Error):
        con.execute(SPILLS).fetchall()


def test_the_limit_is_set_at_connect_and_a_query_cannot_raise_it(wh, capsys):
    from sqlcli.main import main

    with query.open_readonly(wh, "64MB") as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "61.0 MiB"
        with pytest.raises(duckdb.Error, match="lock"):
            con.execute("SET memory_limit = '8GB'")  # the configuration stays locked
    assert main(["sql", "SET memory_limit = '8GB'", "--warehouse", str(wh)]) == 2
    assert "settings are locked" in capsys.readouterr().err


def test_setting_defaults_to_1gb_and_a_bad_size_is_one_usage_error(wh, tmp_path):
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path)}).sql_memory_limit == "1GB"
    assert Settings.from_env({"LAYOFFS_AI_HOME": str(tmp_path),
                              "LAYOFFS_AI_SQL_MEMORY_LIMIT": "2GB"}).sql_memory_limit == "2GB"
    proc = run_cli("sql", "SELECT 1", "--warehouse", str(wh), extra_env={"LAYOFFS_AI_SQL_MEMORY_LIMIT": "lots"})
    assert proc.returncode == 2
    assert proc.stderr == ("error: LAYOFFS_AI_SQL_MEMORY_LIMIT='lots' is not a memory size DuckDB accepts "
                           "(e.g. 1GB, 512MB or 50%)\n")
