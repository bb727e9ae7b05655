"""`layoffs-ai sql` refuses anything that writes or reaches outside the warehouse (exit 2, one line)."""

from __future__ import annotations


import duckdb
import pytest

from tests.support.sql_warehouse import REPO, TINY, build_warehouse, run_cli, wh  # noqa: F401
from sqlcli import query
from sqlcli.main import main


REFUSED = [
    ("INSERT INTO marts.layoffs_monthly VALUES (DATE '2024-01-01', 'x', 1, 1)", "INSERT"),
    ("WITH a AS (SELECT 1) INSERT INTO raw._version SELECT * FROM a", "INSERT"),
    ("UPDATE marts.layoffs_monthly SET events = 0", "UPDATE"),
    ("DELETE FROM marts.layoffs_monthly", "DELETE"),
    ("CREATE TABLE marts.x (a INT)", "CREATE"),
    ("CREATE TEMP TABLE x AS SELECT 1", "CREATE"),
    ("DROP TABLE marts.layoffs_monthly", "DROP"),
    ("ALTER TABLE marts.layoffs_monthly ADD COLUMN z INT", "ALTER"),
    ("ATTACH 'other.duckdb' AS other", "ATTACH"),
    ("COPY marts.layoffs_monthly TO 'out.csv'", "COPY"),
    ("COPY marts.layoffs_monthly FROM 'in.csv'", "COPY"),
    ("EXPORT DATABASE 'dump'", "EXPORT"),
    ("INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
    ("SET threads = 1", "SET"),
    ("RESET threads", "RESET"),
    ("PRAGMA threads = 1", "PRAGMA"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("SELECT * FROM read_csv('x.csv')", "read_csv()"),
    ("SELECT * FROM read_csv_auto('x.csv')", "read_csv_auto()"),
    ("SELECT * FROM read_parquet('x.parquet')", "read_parquet()"),
    ("SELECT * FROM read_json('x.json')", "read_json()"),
    ("SELECT * FROM read_text('/etc/hostname')", "read_text()"),
    ("SELECT * FROM glob('/etc/*')", "glob()"),
    ("SELECT (SELECT count(*) FROM parquet_scan('x.parquet'))", "parquet_scan()"),
    ("WITH t AS (FROM read_blob('x')) SELECT * FROM t", "read_blob()"),
    ("SELECT * FROM query('SELECT 1')", "query()"),
    ("FROM 'x.csv'", "'x.csv'"),
    ("SELECT * FROM marts.layoffs_monthly, '/tmp/y.parquet'", "'/tmp/y.parquet'"),
    ("DESCRIBE 'x.csv'", "'x.csv'"),
    ("SELECT 1; DROP TABLE marts.layoffs_monthly", "DROP"),
]


@pytest.mark.parametrize("sql,kind", REFUSED, ids=[k + "-" + str(i) for i, (_, k) in enumerate(REFUSED)])
def test_refused_statements_exit_2_with_one_line_naming_the_kind(wh, capsys, sql, kind):
    assert main(["sql", sql, "--warehouse", str(wh)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("refused: ") and captured.err.count("\n") == 1
    assert kind in captured.err
    con = duckdb.connect(str(wh), read_only=True)  # the warehouse is untouched
    assert con.execute("SELECT count(*) FROM marts.layoffs_monthly").fetchone()[0] == 3
    con.close()


def test_multiple_selects_are_refused(wh, capsys):
    assert main(["sql", "SELECT 1; SELECT 2", "--warehouse", str(wh)]) == 2
    assert capsys.readouterr().err == "refused: 2 statements given — run exactly one query at a time\n"


def test_refused_exit_code_through_the_real_process(wh):
    proc = run_cli("sql", "DROP TABLE marts.layoffs_monthly", "--warehouse", str(wh))
    assert proc.returncode == 2
    assert proc.stderr == "refused: DROP statements are not allowed — the warehouse is read-only\n"


@pytest.mark.parametrize("sql", [
    "WITH m AS (SELECT * FROM marts.layoffs_monthly) SELECT count(*) FROM m",
    "VALUES (1, 'a')",
    "EXPLAIN SELECT * FROM marts.layoffs_monthly",
    "DESCRIBE marts.layoffs_monthly",
    "SHOW TABLES",
    "SUMMARIZE marts.layoffs_monthly",
    "PRAGMA show_tables",
    "SELECT table_name FROM duckdb_tables()",
    "FROM marts.top_months",
    "SELECT unnest([1, 2]) AS x",
])
def test_read_only_statement_kinds_are_allowed(wh, capsys, sql):
    assert main(["sql", sql, "--warehouse", str(wh), "--format", "csv"]) == 0, capsys.readouterr().err


def test_connection_itself_blocks_files_and_settings(wh, tmp_path):
    """Second line of defence: even unguarded SQL cannot read/write files or change settings."""
    (tmp_path / "secret.csv").write_text("a\n1\n")
    with query.open_readonly(wh) as con:
        for sql in (f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')",
                    f"COPY marts.layoffs_monthly TO '{tmp_path / 'out.csv'}'",
                    "SET enable_external_access = true", "DROP TABLE marts.layoffs_monthly"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    assert not (tmp_path / "out.csv").exists()


# One read-only call of every table function on the explicit allowlist (adding a name there needs a call here).
ALLOWED_CALLS = {
    "range": "range(3)", "generate_series": "generate_series(1, 3)", "unnest": "unnest([1, 2])",
    "repeat": "repeat('x', 2)", "repeat_row": "repeat_row(1, 'a', num_rows = 2)",
    "json_each": "json_each('{\"a\": 1}')", "json_tree": "json_tree('{\"a\": [1]}')",
    "pg_timezone_names": "pg_timezone_names()", "icu_calendar_names": "icu_calendar_names()",
    "histogram": "histogram(marts.layoffs_monthly, events)",
    "histogram_values": "histogram_values(marts.layoffs_monthly, events)",
    "pragma_table_info": "pragma_table_info('marts.layoffs_monthly')",
    "pragma_show": "pragma_show('marts.layoffs_monthly')", "pragma_database_size": "pragma_database_size()",
    "pragma_storage_info": "pragma_storage_info('marts.layoffs_monthly')", "pragma_version": "pragma_version()",
    "pragma_platform": "pragma_platform()", "pragma_metadata_info": "pragma_metadata_info()",
    "pragma_collations": "pragma_collations()", "pragma_user_agent": "pragma_user_agent()",
}


def _prefix_allowed_functions() -> list[str]:
    """Every duckdb_* table function this DuckDB has, less the ones the guard denies by name."""
    con = duckdb.connect()
    names = con.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type IN ('table', 'table_macro') "
        "AND starts_with(function_name, 'duckdb_') ORDER BY 1").fetchall()
    con.close()
    return [n for (n,) in names if n not in query.DENIED_METADATA_FUNCTIONS]


def test_every_explicitly_allowed_table_function_has_a_call():
    assert set(ALLOWED_CALLS) == set(query.ALLOWED_TABLE_FUNCTIONS)


@pytest.mark.parametrize("call", sorted(ALLOWED_CALLS.values()) + [
    "duckdb_table_sample('marts.layoffs_monthly')" if n == "duckdb_table_sample" else f"{n}()"
    for n in _prefix_allowed_functions()])
def test_every_allowed_table_function_runs_read_only(wh, capsys, call):
    assert main(["sql", f"SELECT count(*) AS n FROM {call}", "--warehouse", str(wh), "--format", "csv"]) == 0, \
        capsys.readouterr().err
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "n" and int(out[1]) >= 0


@pytest.mark.parametrize("name", sorted(query.DENIED_METADATA_FUNCTIONS))
def test_denied_metadata_functions_are_refused_with_a_reason(wh, capsys, name):
    assert main(["sql", f"SELECT * FROM {name}()", "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"refused: table function {name}() is not allowed — it ") and err.count("\n") == 1
