"""The analytics step reads its marts in one row order, whatever order DuckDB stored them in: same rows, same frames.

Without it, two runs over the same marts drew the layoff-date and event-study charts from differently ordered rows
(float sums differing in the last digit), so those charts were rendered again on every run and the published
tables were not reproducible."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pandas.testing as pdt

from analytics import INPUT_MARTS, INPUT_TABLES
from orchestration.defs.analytics import _queries
from tests.unit.test_analytics_outputs import synthetic_frames


def _marts() -> dict[tuple[str, str], pd.DataFrame]:
    """(schema, table) -> invented rows, with ties, NULLs and a duplicate row."""
    frames = synthetic_frames()
    out = {("marts", m): frames[m] for m in INPUT_MARTS if m in frames}
    small = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01"]),
                          "source": ["b", "a", None, "a"], "value": [1.5, 1.5, np.nan, 2.0]})
    for m in INPUT_MARTS:
        out.setdefault(("marts", m), small)
    for schema, table, cols in INPUT_TABLES.values():
        out[(schema, table)] = pd.DataFrame({cols[0]: ["s2", "s1", "s1", "s3"], cols[1]: ["u", None, "u", "u"],
                                             cols[2]: ["title", "title", None, "title"]})
    return out


def _read(path, marts: dict, shuffle_seed: int | None) -> dict[str, pd.DataFrame]:
    """Store the rows (as given, or shuffled) in a new warehouse and read them the way the analytics step does."""
    con = duckdb.connect(str(path))
    try:
        for (schema, table), frame in marts.items():
            stored = frame if shuffle_seed is None else frame.sample(frac=1, random_state=shuffle_seed)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.register("_rows", stored)
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM _rows")
            con.unregister("_rows")
        return {name: con.execute(sql).df() for name, sql in _queries().items()}
    finally:
        con.close()


def test_the_same_rows_stored_in_any_order_read_as_the_same_frames(tmp_path):
    marts = _marts()
    as_built = _read(tmp_path / "a.duckdb", marts, None)
    for seed in (1, 2):
        shuffled = _read(tmp_path / f"s{seed}.duckdb", marts, seed)
        for name, frame in as_built.items():
            pdt.assert_frame_equal(shuffled[name], frame, obj=name)
    for name, frame in as_built.items():   # and nothing lost or added: the rows are the stored ones
        stored = marts[("marts", name)] if ("marts", name) in marts else marts[INPUT_TABLES[name][:2]]
        assert len(frame) == len(stored), name
