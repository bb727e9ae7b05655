"""Tests for `layoffs-ai sql|tables|describe` (warehouse.query + warehouse.sql_cli) on a small hand-built warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import query
from warehouse.sql_cli import main

REPO = Path(__file__).resolve().parents[1]

SCHEMA_SQL = """
CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA analytics;
CREATE TABLE raw.layoffs_fyi__layoffs (company VARCHAR, total_laid_off BIGINT, date DATE);
INSERT INTO raw.layoffs_fyi__layoffs VALUES ('Acme Widgets', 120, DATE '2023-01-05'),
  ('Bluefin Robotics', NULL, DATE '2023-01-20'), ('Cobalt Cloud', 45, DATE '2023-02-02');
CREATE TABLE marts.layoffs_monthly (month DATE, source VARCHAR, events BIGINT, laid_off BIGINT);
INSERT INTO marts.layoffs_monthly VALUES (DATE '2023-01-01', 'layoffs_fyi', 2, 120),
  (DATE '2023-02-01', 'layoffs_fyi', 1, NULL), (DATE '2023-03-01', 'layoffs_fyi', 3, 1500);
COMMENT ON TABLE marts.layoffs_monthly IS 'Layoff events and people laid off per month';
COMMENT ON COLUMN marts.layoffs_monthly.laid_off IS 'Sum of known counts (NULL when none known)';
CREATE TABLE analytics.lagged_correlations (lag INTEGER, r DOUBLE, n BIGINT);
INSERT INTO analytics.lagged_correlations VALUES (0, 0.25, 30), (3, 0.5, 27);
COMMENT ON TABLE analytics.lagged_correlations IS 'Layoffs vs model releases at lags 0-12 months';
CREATE VIEW marts.top_months AS SELECT month, laid_off FROM marts.layoffs_monthly ORDER BY laid_off DESC NULLS LAST;
COMMENT ON VIEW marts.top_months IS 'Months by people laid off';
CREATE TABLE analytics.layoffs_monthly (month DATE);
"""
TINY = "SELECT month, events, laid_off FROM marts.layoffs_monthly ORDER BY month LIMIT 2"


def build_warehouse(path: Path, version: int = 0) -> Path:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_SQL)
    con.execute("CREATE TABLE raw._version AS SELECT ? AS v", [version])
    con.close()
    return path


@pytest.fixture()
def wh(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "warehouse.duckdb")


def run_cli(*args: str, stdin: str | None = None, env_home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if env_home is not None:
        env["LAYOFFS_AI_HOME"] = str(env_home)
    return subprocess.run(
        [sys.executable, "-m", "warehouse.sql_cli", *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
    )


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
    assert main(["sql", "SELECT * FROM range(1234)", "--warehouse", str(wh), "--max-rows", "0"]) == 0
    assert capsys.readouterr().out.endswith("(1,234 rows)\n")


def test_max_rows_truncation_footer(wh, capsys):
    assert main(["sql", "SELECT * FROM range(12345) t(i)", "--warehouse", str(wh), "--max-rows", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["i", "-", "0", "1", "2", "(showing 3 of 12,345 rows; use --max-rows)"]


def test_default_max_rows_is_1000_for_table_and_unlimited_for_csv(wh, capsys):
    assert main(["sql", "SELECT * FROM range(1500)", "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 + 1000 + 1 and out[-1] == "(showing 1,000 of 1,500 rows; use --max-rows)"
    assert main(["sql", "SELECT * FROM range(1500)", "--warehouse", str(wh), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 1500


def test_csv_truncation_note_goes_to_stderr(wh, capsys):
    assert main(["sql", "SELECT * FROM range(5) t(i)", "--warehouse", str(wh), "--format", "csv", "--max-rows", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "i\n0\n1\n"
    assert captured.err == "(showing 2 of 5 rows; use --max-rows)\n"


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


# ------------------------------------------------------------------ concurrency

WRITER = r"""
import sys, time, duckdb
from pathlib import Path
from warehouse.publish import WarehousePaths, prepare_work_copy, publish
paths = WarehousePaths(Path(sys.argv[1]))
go = Path(sys.argv[2])
for version in range(1, 13):
    work = prepare_work_copy(paths, f"run{version}")
    con = duckdb.connect(str(work))              # the one read-write connection, on the working copy
    con.execute("UPDATE raw._version SET v = ?", [version])
    con.execute("INSERT INTO marts.layoffs_monthly SELECT month + INTERVAL 1 YEAR, source, events, laid_off "
                "FROM marts.layoffs_monthly")
    if version == 1:
        print("holding", flush=True)
        while not go.exists():                   # readers run while this connection is open
            time.sleep(0.01)
    con.close()
    publish(paths, f"run{version}")
print("done", flush=True)
"""


def test_reads_succeed_while_a_pipeline_run_writes_and_publishes(wh, tmp_path, capsys):
    go = tmp_path / "go"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(wh.parent), str(go)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert writer.stdout.readline() == "holding\n"
        sql = "SELECT v, (SELECT count(*) FROM marts.layoffs_monthly) AS n FROM raw._version"
        seen = []
        # a separate process (the real CLI) reads while the writer's read-write connection is open
        proc = run_cli("sql", sql, "--warehouse", str(wh), "--format", "csv")
        assert (proc.returncode, proc.stdout) == (0, "v,n\n0,3\n"), proc.stderr
        go.touch()
        while True:
            finished = writer.poll() is not None
            assert main(["sql", sql, "--warehouse", str(wh), "--format", "csv"]) == 0, capsys.readouterr().err
            seen.append(tuple(int(x) for x in capsys.readouterr().out.splitlines()[1].split(",")))
            if finished:
                break
        assert writer.wait(timeout=60) == 0 and writer.stdout.read() == "done\n"
    finally:
        writer.kill()
    # every answer is one complete published version: n doubles with each run
    assert all(n == 3 * 2 ** v for v, n in seen), seen
    assert seen[0][0] <= seen[-1][0] == 12


def test_reads_never_fail_while_the_published_file_is_replaced(tmp_path, capsys):
    versions = [build_warehouse(tmp_path / f"v{i}.duckdb", version=i) for i in (1, 2)]
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(versions[0], published)
    stop = threading.Event()
    replaced = []

    def replacer():
        while not stop.is_set():
            for src in versions:
                tmp = tmp_path / "incoming.tmp"
                shutil.copyfile(src, tmp)
                os.replace(tmp, published)
                replaced.append(src)
                time.sleep(0.002)

    thread = threading.Thread(target=replacer, daemon=True)
    thread.start()
    try:
        results = []
        while len(results) < 60 or len(replaced) < 20:
            code = main(["sql", "SELECT v FROM raw._version", "--warehouse", str(published), "--format", "csv"])
            captured = capsys.readouterr()
            assert code == 0, captured.err
            results.append(captured.out)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert set(results) == {"v\n1\n", "v\n2\n"}  # both versions were read, nothing else, no error


HOLDER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
"""


def test_read_write_connection_on_published_file_gives_one_line_lock_error(wh, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wh)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert main(["sql", "SELECT 1", "--warehouse", str(wh)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"warehouse {wh} is locked: process {holder.pid} holds a read-write connection")
        assert err.count("\n") == 1 and "Traceback" not in err
        proc = run_cli("tables", "--warehouse", str(wh))
        assert proc.returncode == 1 and "is locked" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        holder.communicate("\n", timeout=30)
    assert main(["sql", "SELECT 1 AS one", "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "one\n1\n"


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
