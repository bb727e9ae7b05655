"""README example outputs are generated: each `layoffs-ai sql` example must print today what the README shows."""

from __future__ import annotations

import pytest

from orchestration.readme_examples import ExampleFailed, commands, diff, main, regenerate
from tests.conftest import REPO
from tests.support.sql_warehouse import TINY, build_warehouse

README = REPO / "README.md"


def test_readme_examples_print_what_the_readme_shows(reference_home):
    text = README.read_text(encoding="utf-8")
    assert len(commands(text)) >= 5
    fresh = regenerate(text, reference_home / "warehouse.duckdb")
    assert fresh == text, "README examples are stale (make readme-examples):\n" + diff(text, fresh)


def test_readme_promises_no_strongest_lag():
    text = README.read_text(encoding="utf-8")
    assert "strongest" not in text.lower()
    assert "Lag scan: five month-over-month lags ordered by p (a listing, not a finding" in text


def _readme(output: str) -> str:
    return f'# t\n\n```console\n$ layoffs-ai sql "{TINY}"\n{output}```\n\nafter\n'


def test_check_fails_on_a_stale_output_and_the_rewrite_fixes_it(tmp_path, capsys):
    wh = build_warehouse(tmp_path / "warehouse.duckdb")
    readme = tmp_path / "README.md"
    readme.write_text(_readme("month | events\n(1 rows)\n"), encoding="utf-8")   # not what the query prints
    assert main(["--readme", str(readme), "--warehouse", str(wh), "--check"]) == 1
    assert "-(1 rows)" in capsys.readouterr().out
    assert main(["--readme", str(readme), "--warehouse", str(wh)]) == 0
    rewritten = readme.read_text(encoding="utf-8")
    assert "2023-01-01 |      2 |      120" in rewritten and "(2 rows)" in rewritten and rewritten.endswith("after\n")
    assert main(["--readme", str(readme), "--warehouse", str(wh), "--check"]) == 0


def test_an_example_that_fails_today_is_an_error_not_a_rewrite(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb")
    text = '```console\n$ layoffs-ai sql "SELECT * FROM marts.no_such_table"\nold\n```\n'
    with pytest.raises(ExampleFailed, match="no_such_table"):
        regenerate(text, wh)
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    assert main(["--readme", str(readme), "--warehouse", str(wh)]) == 1
    assert readme.read_text(encoding="utf-8") == text
