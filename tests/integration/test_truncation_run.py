"""The truncation gate in a full `layoffs-ai run`: a source cut to 10 rows fails the run and publishes nothing,
every night until a person accepts the shrink with --accept-drop."""

from __future__ import annotations

import pytest

from .conftest import run_cli, sha256_file

pytestmark = pytest.mark.fault


@pytest.fixture(scope="module")
def truncated_nights(published_run, tmp_path_factory):
    """Three nights on a copy of a home published by a full run (the session's `published_run`): cut, again, and
    accepted with --accept-drop."""
    import shutil

    base = tmp_path_factory.mktemp("truncation")
    home, snaps = base / "home", base / "snaps"
    shutil.copytree(published_run.snapshots, snaps)
    shutil.copytree(published_run.home, home, symlinks=True)
    published = sha256_file(home / "warehouse.duckdb")
    export = next(snaps.glob("layoffs_fyi_export_*.csv"))
    export.write_bytes(b"".join(export.read_bytes().splitlines(keepends=True)[:11]))
    cut = run_cli(["run"], home, snaps, timeout=600)
    after_cut = sha256_file(home / "warehouse.duckdb")
    again = run_cli(["run"], home, snaps, timeout=600)
    after_again = sha256_file(home / "warehouse.duckdb")
    accepted = run_cli(["run", "--accept-drop", "layoffs_fyi"], home, snaps, timeout=600)
    return dict(home=home, published=published, cut=cut, after_cut=after_cut, again=again,
                after_again=after_again, accepted=accepted)


def test_a_truncated_source_fails_the_run_with_one_line_and_publishes_nothing(truncated_nights):
    n = truncated_nights
    assert n["cut"].returncode == 1, n["cut"].stdout
    gate = [line for line in n["cut"].stdout.splitlines() if "accepted rows fell from" in line]
    assert len(gate) == 1 and "to 10 " in gate[0] and "LAYOFFS_AI_MAX_ROW_DROP=0.2" in gate[0], n["cut"].stdout
    assert n["after_cut"] == n["published"]


def test_the_next_night_fails_again_instead_of_calling_it_nothing_new(truncated_nights):
    n = truncated_nights
    assert n["again"].returncode == 1 and "nothing new" not in n["again"].stdout, n["again"].stdout
    assert n["after_again"] == n["published"]


def test_accept_drop_publishes_the_shrink(truncated_nights):
    n = truncated_nights
    assert n["accepted"].returncode == 0, n["accepted"].stdout + n["accepted"].stderr
    import duckdb

    con = duckdb.connect(str(n["home"] / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.layoffs_fyi__layoffs").fetchone()[0] == 10
    finally:
        con.close()
