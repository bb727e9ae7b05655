"""An in-memory DuckDB with the typing rules of dbt_project/macros/parse_rules.sql, and a call helper for tests."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import parse_rules


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    parse_rules.create(c)
    yield c
    c.close()


def call(con, macro: str, *args):
    marks = ", ".join("?" for _ in args)
    return con.execute(f"SELECT {macro}({marks})", list(args)).fetchone()[0]
