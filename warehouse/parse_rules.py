"""The staging typing rules (dbt_project/macros/parse_rules.sql) as plain DuckDB statements, for the floor and tests."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

RULES_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "macros" / "parse_rules.sql"
_BODY = re.compile(r"\{%\s*macro create_parse_rules\(\)\s*%\}(.*?)\{%\s*endmacro\s*%\}", re.S)


def rules_sql() -> str:
    """The `CREATE OR REPLACE MACRO` statements between the file's macro tags (the same text dbt runs)."""
    match = _BODY.search(RULES_FILE.read_text())
    if match is None:
        raise ValueError(f"{RULES_FILE}: no create_parse_rules macro")
    return match.group(1)


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Create the typing macros in this connection's database."""
    con.execute(rules_sql())
