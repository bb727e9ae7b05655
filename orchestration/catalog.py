"""Catalog metadata for tables the pipeline writes: table name, row count, column schema (Dagster conventions)."""

import dagster as dg

OWNERS = ["team:layoffs-ai"]  # every asset's owner


def table_metadata(con, schema: str, table: str, preview_rows: int = 5, row_count: bool = True) -> dict:
    """`dagster/table_name`, `dagster/column_schema`, and (unless told not to: a view's count would run it)
    `dagster/row_count` and a markdown preview of one table or view."""
    columns = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema, table]).fetchall()
    out = {
        "dagster/table_name": f"{schema}.{table}",
        "dagster/column_schema": dg.TableSchema(columns=[
            dg.TableColumn(name, kind, description=comment or None) for name, kind, comment in columns]),
    }
    if row_count:
        out["dagster/row_count"] = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]
    shown = ", ".join(f'"{name}"' for name, kind, _ in columns if kind != "JSON")
    if preview_rows and shown:
        preview = con.execute(f'SELECT {shown} FROM {schema}."{table}" LIMIT {preview_rows}').df()
        out["preview"] = dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)")
    return out
