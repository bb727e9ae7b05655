"""The cheap layout check of a CSV snapshot: its header (read from the file's first 64 KiB), against a schema."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ingestion.core import CsvSchema, SchemaError, SnapshotRows, raw_name

HEAD_BYTES = 64 * 1024
_BOM = "\ufeff"


@dataclass(frozen=True)
class CsvHeader:
    """Where the header is (1-based physical line), its names, and where each declared column sits."""

    line: int
    names: list[str]
    positions: dict[str, int | None]  # declared name -> field index (None: optional column absent)
    extra: dict[str, int]  # undeclared column name (or `column_<n>` when unnamed) -> field index


def _check_names(names: list[str], schema: CsvSchema) -> dict[str, int | None]:
    if len(names) == 1:
        for delimiter, label in ((";", "';'"), ("\t", "a tab"), ("|", "'|'")):
            if delimiter in names[0]:
                raise SchemaError(
                    f"{schema.source}: header is a single column containing {label}; wrong delimiter? expected ','")
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            continue  # an unnamed column (e.g. a trailing comma) is undeclared: kept in _extra
        key = name.casefold()
        if key in index:
            raise SchemaError(f"{schema.source}: header columns {index[key] + 1} and {i + 1} have the same name")
        index[key] = i
    missing = [name for name in schema.required if name.casefold() not in index]
    if missing:  # named from the schema; the file's own text is never echoed (it could be anything)
        quoted = ", ".join(repr(name) for name in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise SchemaError(f"{schema.source}: missing {noun} {quoted} (the header has {len(names)} columns)")
    return {name: index.get(name.casefold()) for name in schema.required + schema.optional}


def check_header(head: bytes, schema: CsvSchema) -> CsvHeader:
    """SchemaError unless the first non-blank line is a header with every required column: the file is empty,
    HTML, single-column with another delimiter, has two columns of one name, or lacks a required one."""
    text = head.decode("utf-8", "replace").removeprefix(_BOM)
    if not text.strip():
        raise SchemaError(f"{schema.source}: empty file")
    if text.lstrip().startswith("<"):
        raise SchemaError(f"{schema.source}: file looks like HTML, not CSV")
    for number, line in enumerate(text.split("\n"), start=1):
        if line.removesuffix("\r"):
            fields = next(csv.reader([line.removesuffix("\r")], strict=False), [])
            names = [name.strip() for name in fields]
            positions = _check_names(names, schema)
            declared = {i for i in positions.values() if i is not None}
            extra = {names[i] or f"column_{i + 1}": i for i in range(len(names)) if i not in declared}
            return CsvHeader(number, names, positions, extra)
    raise SchemaError(f"{schema.source}: empty file")


def read_head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def csv_rows(path: Path, schema: CsvSchema, table: str, source: str | None = None) -> SnapshotRows:
    """The loader's plan for a CSV snapshot: DuckDB reads `path`; each declared column from its header position."""
    header = check_header(read_head(path), schema)
    warnings = []
    if header.extra:
        warnings.append(f"{schema.source}: {len(header.extra)} undeclared column(s) kept in _extra: "
                        f"{', '.join(header.extra)}")
    return SnapshotRows(
        source=source or schema.source, table=table, format="csv",
        columns={raw_name(name): at for name, at in header.positions.items()}, extra=header.extra,
        width=len(header.names), path=path, header_line=header.line, warnings=warnings)
