"""Shared CSV reading for every source parser: decoding, header check, physical line numbers, record-level rejects."""

from __future__ import annotations

import csv
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from ingestion.core import Reject, SchemaError, Table

_BOM = "\ufeff"


@dataclass(frozen=True)
class CsvSchema:
    """Declared columns of a CSV source: `required` must be in the header, `optional` may be absent.

    Names are matched against the header ignoring case and surrounding whitespace; every other
    header column is undeclared and kept per record as JSON in `CsvRecord.extra`.
    """

    source: str  # dataset id, used in error messages
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


class CsvRecord(NamedTuple):
    """One data record whose field count matched the header."""

    line_number: int  # 1-based physical line where the record starts (header is line 1)
    fields: list[str]
    raw_text: str  # the record's original text, without its final line break
    extra: str | None  # JSON object of undeclared columns, None when the file has none


@dataclass
class CsvFile:
    """Result of `read_csv`: header positions of declared columns, good records and record rejects."""

    header: list[str]
    positions: dict[str, int | None]  # declared name -> field index (None: optional column absent)
    extra_columns: list[str]
    records: list[CsvRecord]
    rejects: list[Reject]
    input_rows: int  # data records in the file (records + rejects)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 text with any BOM removed; undecodable bytes survive as surrogates (flag True)."""
    try:
        text = data.decode("utf-8")
        bad = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
        bad = True
    if text.startswith(_BOM):
        text = text[1:]
    return text, bad


def has_surrogates(text: str) -> bool:
    """True when the text holds bytes that were not valid UTF-8 (decoded with surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """Text safe to store: undecodable bytes become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def physical_lines(text: str) -> list[str]:
    """Split on '\\n' only (keeping it), so '\\r', U+2028 etc. inside cells do not count as lines."""
    lines = text.split("\n")
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


def _strip_break(text: str) -> str:
    return text[:-1].removesuffix("\r") if text.endswith("\n") else text


def _check_header(header: list[str], schema: CsvSchema) -> dict[str, int | None]:
    names = [name.strip() for name in header]
    if len(names) == 1:
        for delimiter, label in ((";", "';'"), ("\t", "a tab"), ("|", "'|'")):
            if delimiter in names[0]:
                raise SchemaError(
                    f"{schema.source}: header is a single column containing {label}; "
                    "wrong delimiter? expected ','"
                )
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


def check_header(data: bytes, schema: CsvSchema) -> None:
    """Cheap layout check before a load: SchemaError unless the first record is a header with every
    required column (the same rules and messages as `read_csv`, reading only the file's first 64 KiB)."""
    text, _ = decode(data[:65536])
    if not text.strip():
        raise SchemaError(f"{schema.source}: empty file")
    if text.lstrip().startswith("<"):
        raise SchemaError(f"{schema.source}: file looks like HTML, not CSV")
    for fields in csv.reader(physical_lines(text), strict=False):
        if fields:
            _check_header([printable(name).lstrip(_BOM) for name in fields], schema)
            return
    raise SchemaError(f"{schema.source}: empty file")


MAX_FIELD_CHARS = 64 * 1024  # a longer field is a framing error (usually a quote that never closes)


def _framing_error(fields: list[str], raw: str, line_count: int, width: int) -> bool:
    """A record that spans lines must be well-formed CSV with the header's width; no field is over 64 KiB."""
    if any(len(field) > MAX_FIELD_CHARS for field in fields):
        return True
    if line_count == 1:
        return False
    try:
        strict = next(csv.reader([raw], strict=True), [])
    except csv.Error:
        return True
    return len(strict) != width


def _framing_reason(fields: list[str], line_count: int) -> str:
    if any(len(field) > MAX_FIELD_CHARS for field in fields):
        return f"a field is longer than {MAX_FIELD_CHARS // 1024} KiB (unterminated quote?); this line rejected alone"
    return (f"unterminated or malformed quote: the record ran over {line_count} lines; "
            "this line rejected alone, the next line read as a new record")


def read_csv(data: bytes, schema: CsvSchema) -> CsvFile:
    """Parse CSV bytes against a schema; raises SchemaError for an empty/HTML file or a bad header.

    Record-level problems become rejects (reason, physical start line, original text): invalid
    UTF-8, a field count different from the header's, an exact duplicate of an earlier record.
    Completely empty lines are skipped and are not data records.
    """
    text, bad_bytes = decode(data)
    if not text.strip():
        raise SchemaError(f"{schema.source}: empty file")
    if text.lstrip().startswith("<"):
        raise SchemaError(f"{schema.source}: file looks like HTML, not CSV")
    lines = physical_lines(text)
    reader = csv.reader(lines, strict=False)
    base = 0  # index in `lines` where `reader` started (it restarts after a framing error)

    header: list[str] | None = None
    positions: dict[str, int | None] = {}
    extra_at: list[int] = []
    extra_names: list[str] = []
    records: list[CsvRecord] = []
    rejects: list[Reject] = []
    seen: dict[tuple[str, ...], int] = {}
    input_rows = 0
    start = 0  # index in `lines` of the next record's first line
    while True:
        try:
            fields = next(reader)
            error = None
        except StopIteration:
            break
        except csv.Error as exc:
            fields, error = [], f"unreadable CSV record: {str(exc).split(' - ')[0]}"
        end = base + reader.line_num
        line_number = start + 1
        raw = _strip_break(lines[start]) if end == start + 1 else _strip_break("".join(lines[start:end]))
        if header is not None and (error is not None or _framing_error(fields, raw, end - start, len(header))):
            # An unterminated quote (or a runaway field) would swallow the records after it: reject this
            # physical line alone, with its line number, and read on from the next line.
            input_rows += 1
            rejects.append(Reject(line_number, printable(_strip_break(lines[start])),
                                  error or _framing_reason(fields, end - start)))
            start = base = start + 1
            reader = csv.reader(itertools.islice(lines, start, None), strict=False)
            continue
        start = end
        if not fields and error is None:
            continue  # empty line
        if header is None:
            if error is not None:
                raise SchemaError(f"{schema.source}: unreadable header: {error}")
            header = [printable(name).lstrip(_BOM) for name in fields]
            positions = _check_header(header, schema)
            declared = {i for i in positions.values() if i is not None}
            extra_at = [i for i in range(len(header)) if i not in declared]
            extra_names = [header[i].strip() or f"column_{i + 1}" for i in extra_at]
            continue
        input_rows += 1
        if error is not None:
            rejects.append(Reject(line_number, printable(raw), error))
            continue
        if bad_bytes and has_surrogates(raw):
            rejects.append(Reject(line_number, printable(raw), "invalid UTF-8"))
            continue
        if len(fields) != len(header):
            reason = f"expected {len(header)} fields, found {len(fields)}"
            rejects.append(Reject(line_number, raw, reason))
            continue
        key = tuple(fields)
        first = seen.get(key)
        if first is not None:
            rejects.append(Reject(line_number, raw, f"duplicate of line {first}"))
            continue
        seen[key] = line_number
        extra = None
        if extra_at:
            extra = json.dumps({name: fields[i] for name, i in zip(extra_names, extra_at)}, ensure_ascii=False)
        records.append(CsvRecord(line_number, fields, raw, extra))

    if header is None:
        raise SchemaError(f"{schema.source}: empty file")
    warnings = []
    if extra_names:
        warnings.append(
            f"{schema.source}: {len(extra_names)} undeclared column(s) kept in _extra: {', '.join(extra_names)}"
        )
    return CsvFile(header, positions, extra_names, records, rejects, input_rows, warnings)


def fill(csv_file: CsvFile, table: Table, convert: Callable[[list[str]], tuple[Any, ...]]) -> list[Reject]:
    """Convert every record into `table` (appending `_extra`); a ValueError rejects just that record.

    Returns all rejects of the file (record-level ones from `read_csv` plus conversion failures),
    ordered by line number.
    """
    rejects = list(csv_file.rejects)
    add = table.add
    for record in csv_file.records:
        try:
            row = convert(record.fields)
        except ValueError as exc:
            rejects.append(Reject(record.line_number, record.raw_text, str(exc)))
            continue
        add(record.line_number, (*row, record.extra))
    rejects.sort(key=lambda reject: reject.line_number)
    return rejects
