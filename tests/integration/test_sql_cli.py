"""`layoffs-ai sql|tables|describe`: formats, stdin, exit codes, listing and describing tables."""

from __future__ import annotations

import json

import duckdb

from tests.support.sql_warehouse import REPO, TINY, build_warehouse, run_cli, wh  # noqa: F401
from sqlcli.main import main


# ------------------------------------------------------------------ formats


def test_table_format_exact(wh, capsys):
    assert main(["sql", TINY, "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out == (
        "month      | events | laid_off\n"
        "-----------+--------+---------\n"
        "2023-01-01 |      2 |      120\n"
        "2023-02-01 |      1 |     NULL\n"
        "(2 rows)\n"
    )


def test_csv_format_exact(wh, capsys):
    assert main(["sql", TINY, "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "month,events,laid_off\n2023-01-01,2,120\n2023-02-01,1,\n"


def test_json_format_exact(wh, capsys):
    assert main(["sql", TINY, "--warehouse", str(wh), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == [
        {"month": "2023-01-01", "events": 2, "laid_off": 120},
        {"month": "2023-02-01", "events": 1, "laid_off": None},
    ]
    assert out.startswith('[\n  {\n    "month": "2023-01-01",\n')


def test_markdown_format_exact(wh, capsys):
    assert main(["sql", TINY, "--warehouse", str(wh), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (
        "| month      | events | laid_off |\n"
        "| ---------- | -----: | -------: |\n"
        "| 2023-01-01 |      2 |      120 |\n"
        "| 2023-02-01 |      1 |     NULL |\n"
    )


def test_json_serialises_decimals_timestamps_lists_and_duplicate_names(wh, capsys):
    sql = ("SELECT 1.50::DECIMAL(4,2) AS d, TIMESTAMP '2024-03-01 10:30:00' AS ts, [1, 2] AS l, "
           "'nan'::DOUBLE AS x, 1 AS a, 2 AS a")
    assert main(["sql", sql, "--warehouse", str(wh), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"d": 1.5, "ts": "2024-03-01T10:30:00", "l": [1, 2], "x": None, "a": 1, "a_2": 2}
    ]


def test_table_escapes_newlines_and_markdown_escapes_pipes(wh, capsys):
    assert main(["sql", "SELECT 'a|b' AS s, 'x' || chr(10) || 'y' AS t", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "a|b | x\\ny"
    assert main(["sql", "SELECT 'a|b' AS s", "--warehouse", str(wh), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "| a\\|b |"


def test_single_row_footer_and_thousands(wh, capsys):
    assert main(["sql", "SELECT 1 AS one", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.endswith("(1 row)\n")
    assert main(["sql", "SELECT * FROM range(1234)", "--warehouse", str(wh), "--max-rows", "1234"]) == 0
    assert capsys.readouterr().out.endswith("(1,234 rows)\n")


def test_max_rows_truncation_footer(wh, capsys):
    assert main(["sql", "SELECT * FROM range(12345) t(i)", "--warehouse", str(wh), "--max-rows", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["i", "-", "0", "1", "2", "(showing the first 3 rows; use --max-rows N for more)"]


def test_exactly_max_rows_rows_is_not_called_truncated(wh, capsys):
    assert main(["sql", "SELECT * FROM range(3) t(i)", "--warehouse", str(wh), "--max-rows", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["i", "-", "0", "1", "2", "(3 rows)"]
    assert main(["sql", "SELECT * FROM range(3) t(i)", "--warehouse", str(wh), "--max-rows", "3", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == [{"i": 0}, {"i": 1}, {"i": 2}] and captured.err == ""


def test_default_max_rows_is_10000_for_every_format(wh, capsys):
    assert main(["sql", "SELECT * FROM range(10005)", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 + 10_000 + 1 and out[-1] == "(showing the first 10,000 rows; use --max-rows N for more)"
    for fmt, count in (("csv", lambda out: len(out.splitlines()) - 1), ("json", lambda out: len(json.loads(out))),
                       ("markdown", lambda out: len(out.splitlines()) - 2)):
        assert main(["sql", "SELECT * FROM range(10005)", "--warehouse", str(wh), "--format", fmt]) == 0
        captured = capsys.readouterr()
        assert count(captured.out) == 10_000, fmt
        assert captured.err == "(showing the first 10,000 rows; use --max-rows N for more)\n"


def test_csv_truncation_note_goes_to_stderr(wh, capsys):
    assert main(["sql", "SELECT * FROM range(5) t(i)", "--warehouse", str(wh), "--format", "csv", "--max-rows", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "i\n0\n1\n"
    assert captured.err == "(showing the first 2 rows; use --max-rows N for more)\n"


def test_negative_max_rows_is_a_usage_error(wh):
    proc = run_cli("sql", "SELECT 1", "--warehouse", str(wh), "--max-rows", "-1")
    assert proc.returncode == 2 and "--max-rows must be >= 0" in proc.stderr


# ------------------------------------------------------------------ stdin, env, exit codes


def test_query_from_stdin(wh):
    proc = run_cli("sql", "-", "--warehouse", str(wh), "--format", "csv",
                   stdin="SELECT company\nFROM raw.layoffs_fyi__layoffs\nORDER BY company;\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "company\nAcme Widgets\nBluefin Robotics\nCobalt Cloud\n"


def test_refused_statement_from_stdin_exits_2(wh):
    proc = run_cli("sql", "-", "--warehouse", str(wh), stdin="DELETE FROM marts.layoffs_monthly")
    assert proc.returncode == 2
    assert proc.stderr == "refused: DELETE statements are not allowed — the warehouse is read-only\n"


def test_default_path_comes_from_layoffs_ai_home(wh):
    proc = run_cli("sql", "SELECT count(*) AS n FROM marts.layoffs_monthly", "--format", "csv", env_home=wh.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "n\n3\n"


def test_missing_warehouse_says_make_run(tmp_path):
    proc = run_cli("sql", "SELECT 1", env_home=tmp_path / "empty")
    assert proc.returncode == 2
    assert proc.stderr == f"no warehouse at {tmp_path / 'empty' / 'warehouse.duckdb'} — run `make run` first\n"
    for cmd in (["tables"], ["describe", "x"]):
        proc = run_cli(*cmd, "--warehouse", str(tmp_path / "nope.duckdb"))
        assert proc.returncode == 2 and "run `make run` first" in proc.stderr


def test_syntax_error_prints_duckdb_message_and_exits_1(wh):
    proc = run_cli("sql", "SELEC month FROM marts.layoffs_monthly", "--warehouse", str(wh))
    assert proc.returncode == 1
    assert proc.stderr.startswith('Parser Error: syntax error at or near "SELEC"')
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_catalog_error_exits_1_on_one_line(wh, capsys):
    assert main(["sql", "SELECT * FROM marts.no_such_table", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Catalog Error: Table with name no_such_table does not exist!") and err.count("\n") == 1


# ------------------------------------------------------------------ tables / describe


def test_tables_lists_schemas_counts_and_comments(wh, capsys):
    assert main(["tables", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out == (
        "schema    | name                 | kind  | rows | description\n"
        "----------+----------------------+-------+------+" + "-" * 46 + "\n"
        "analytics | lagged_correlations  | table |    2 | Layoffs vs model releases at lags 0-12 months\n"
        "analytics | layoffs_monthly      | table |    0 |\n"
        "marts     | layoffs_monthly      | table |    3 | Layoff events and people laid off per month\n"
        "marts     | top_months           | view  |    3 | Months by people laid off\n"
        "raw       | _version             | table |    1 |\n"
        "raw       | layoffs_fyi__layoffs | table |    3 |\n"
        "(6 rows)\n"
    )


def test_tables_as_json_keeps_nulls(wh, capsys):
    assert main(["tables", "--warehouse", str(wh), "--format", "json"]) == 0
    rows = {(r["schema"], r["name"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("raw", "_version")]["description"] is None
    assert rows[("marts", "top_months")] == {
        "schema": "marts", "name": "top_months", "kind": "view", "rows": 3, "description": "Months by people laid off"}


def test_describe_lists_columns_types_and_comments(wh, capsys):
    assert main(["describe", "marts.layoffs_monthly", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out == (
        "marts.layoffs_monthly (table): Layoff events and people laid off per month\n"
        "column   | type    | nullable | description\n"
        "---------+---------+----------+-------------------------------------------\n"
        "month    | DATE    | true     |\n"
        "source   | VARCHAR | true     |\n"
        "events   | BIGINT  | true     |\n"
        "laid_off | BIGINT  | true     | Sum of known counts (NULL when none known)\n"
        "(4 rows)\n"
    )


def test_describe_unique_bare_name_and_view(wh, capsys):
    assert main(["describe", "top_months", "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "column,type,nullable,description\nmonth,DATE,true,\nlaid_off,BIGINT,true,\n"


def test_describe_ambiguous_and_unknown_names(wh, capsys):
    assert main(["describe", "layoffs_monthly", "--warehouse", str(wh)]) == 1
    assert capsys.readouterr().err == (
        "table name 'layoffs_monthly' is ambiguous: analytics.layoffs_monthly, marts.layoffs_monthly "
        "— give schema.table\n")
    assert main(["describe", "marts.layofs_monthly", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("no table or view named 'marts.layofs_monthly' in the warehouse; did you mean ")
    assert "marts.layoffs_monthly" in err and err.count("\n") == 1


def test_tables_shows_first_sentence_of_long_comments_and_json_the_full_text(tmp_path, capsys):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t (a INT)")
    con.execute("COMMENT ON TABLE marts.t IS 'Monthly U.S. series, one row per month.\n\n**Rule.** " + "x" * 200 + "'")
    con.close()
    assert main(["tables", "--warehouse", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "marts  | t    | table |    0 | Monthly U.S. series, one row per month."
    assert main(["tables", "--warehouse", str(path), "--format", "json"]) == 0
    full = json.loads(capsys.readouterr().out)[0]["description"]
    assert full.startswith("Monthly U.S. series, one row per month.\n\n**Rule.** xxx") and len(full) > 200



# ------------------------------------------------------------------ hostile data, limits


def test_table_and_markdown_strip_control_sequences_even_into_a_pipe(wh, capsys):
    sql = "SELECT chr(27) || '[31mred' || chr(27) || '[0m' AS \"s\" , chr(27) || ']0;t' || chr(7) || 'x' AS t"
    assert main(["sql", sql, "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "red | x"
    assert main(["sql", sql, "--warehouse", str(wh), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "| red | x   |"


def test_csv_into_a_pipe_keeps_control_characters_exact(wh, capsys):
    assert main(["sql", "SELECT chr(27) || '[31mred' AS s", "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "s\n\x1b[31mred\n"


def test_safe_csv_applies_to_tables_and_describe(tmp_path, capsys):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t (a INT)")
    con.execute("COMMENT ON TABLE marts.t IS '=1+1'; COMMENT ON COLUMN marts.t.a IS '@cmd'")
    con.close()
    assert main(["tables", "--warehouse", str(path), "--format", "csv", "--safe-csv"]) == 0
    assert capsys.readouterr().out == "schema,name,kind,rows,description\nmarts,t,table,0,'=1+1\n"
    assert main(["describe", "marts.t", "--warehouse", str(path), "--format", "csv", "--safe-csv"]) == 0
    assert capsys.readouterr().out == "column,type,nullable,description\na,INTEGER,true,'@cmd\n"


def test_aligned_formats_refuse_more_than_a_million_rows(wh, capsys):
    assert main(["sql", "SELECT 1", "--warehouse", str(wh), "--max-rows", "1000001"]) == 2
    assert capsys.readouterr().err == (
        "--max-rows above 1,000,000 needs --format csv or json (table output holds every row in memory to align "
        "the columns)\n")
    assert main(["sql", "SELECT 1 AS one", "--warehouse", str(wh), "--max-rows", "1000001", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"one": 1}]
