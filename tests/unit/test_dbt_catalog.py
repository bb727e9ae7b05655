"""The dbt assets' catalog: storage named as the published warehouse, metadata read in one pass, tests described."""

from __future__ import annotations

import duckdb
import dagster as dg
import pytest

from orchestration.components.dbt import catalog, table_name


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA staging")
    con.execute("CREATE TABLE marts.m (id INTEGER NOT NULL, label VARCHAR); COMMENT ON COLUMN marts.m.id IS 'the key'")
    con.execute("INSERT INTO marts.m SELECT range, 'x' FROM range(7)")
    con.execute("CREATE TABLE staging.s AS SELECT range AS n FROM range(3)")
    con.execute("DELETE FROM staging.s WHERE n = 0")  # a count is exact, not an estimate of the stored rows
    con.execute("CREATE VIEW marts.v AS SELECT * FROM marts.m")
    yield con
    con.close()


def test_catalog_names_the_published_table_and_counts_rows_exactly(con):
    found = catalog(con, {("marts", "m"), ("staging", "s"), ("marts", "v")})
    assert found[("marts", "m")]["dagster/table_name"] == "warehouse.marts.m"
    assert found[("marts", "m")]["dagster/row_count"] == 7
    assert found[("staging", "s")]["dagster/row_count"] == 2
    assert "dagster/row_count" not in found[("marts", "v")], "a view is not counted (counting would run it)"
    columns = found[("marts", "m")]["dagster/column_schema"].columns
    assert [(c.name, c.type, c.description) for c in columns] == [("id", "INTEGER", "the key"),
                                                                  ("label", "VARCHAR", None)]
    assert [c.name for c in found[("marts", "v")]["dagster/column_schema"].columns] == ["id", "label"]


def test_catalog_of_nothing_queries_nothing():
    assert catalog(None, set()) == {}


def test_dbt_specs_name_the_published_warehouse_and_every_check_is_described_and_blocking():
    from orchestration.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    mart = dg.AssetKey(["marts", "layoffs_monthly"])
    assert graph.get(mart).metadata["dagster/table_name"] == table_name("marts", "layoffs_monthly")
    assert table_name("marts", "layoffs_monthly") == "warehouse.marts.layoffs_monthly"
    dbt = definitions.resolve_assets_def(mart)
    assert dbt.check_specs, "dbt tests are checks"
    for spec in dbt.check_specs:
        assert spec.blocking, f"{spec.name}: only tests that block publishing are checks"
        assert spec.description and "No description" not in spec.description, spec.name
    by_name = {spec.name: spec.description for spec in dbt.check_specs}
    assert by_name["accepted_values_layoffs_monthly_scope__global__us"] == (
        "`scope` of marts.layoffs_monthly only takes the values global, us.")
    assert by_name["assert_layoffs_monthly_loses_nothing"].startswith("The monthly marts lose nothing")
    assert "consecutive months must be exactly one calendar month apart" in by_name[
        "months_continuous_layoffs_monthly_month__source__scope"]
