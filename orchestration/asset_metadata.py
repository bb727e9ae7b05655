"""Dagster catalog metadata of the tables the pipeline writes (owner, table name, column schema, row count,
preview), from the warehouse's catalog (warehouse/catalog.py)."""

import dagster as dg

from warehouse import catalog

OWNERS = ["team:layoffs-ai"]  # every asset's owner


def table_metadata(con, schema: str, table: str, preview_rows: int = 5, row_count: bool = True) -> dict:
    """`dagster/table_name`, `dagster/column_schema`, and (unless told not to: a view's count would run it)
    `dagster/row_count` and a markdown preview of one table or view."""
    out = {
        "dagster/table_name": f"{schema}.{table}",
        "dagster/column_schema": dg.TableSchema(columns=[
            dg.TableColumn(name, kind, description=comment) for name, kind, comment in
            catalog.table_columns(con, schema, table)]),
    }
    if row_count:
        out["dagster/row_count"] = catalog.row_count(con, schema, table)
    preview = catalog.preview_markdown(con, schema, table, preview_rows)
    if preview is not None:
        out["preview"] = dg.MetadataValue.md(preview)
    return out
