"""Airtable shared views (pure): find an embed page's signed readSharedViewData URL and read its JSON as text rows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

from ingestion.airtable_wire import FETCH_RE, decode_msgpack, is_msgpack
from ingestion.core import SchemaError

SHARED_VIEW_DATA = "readSharedViewData"
JSON_CONTENT_TYPES = ("application/json",)
TIME_ZONE = "UTC"  # what we tell Airtable: date-only cells are midnight UTC, so their date part is exact
LOCALE = "en"

# `urlWithParams: "\u002Fv0.3\u002Fview\u002Fviw…\u002FreadSharedViewData?…\u0026accessPolicy=…"` in an
# inline script (JS object key, bare or quoted); the value is a double-quoted JS string literal.
_URL_WITH_PARAMS_RE = re.compile(r"""["']?urlWithParams["']?\s*:\s*("(?:[^"\\\r\n]|\\.)*")""")
_HEADER_RE = r""""{name}"\s*:\s*"([^"\\]*)\""""
_APP_ID_RE = re.compile(r"app[A-Za-z0-9]{14}")
_SHARE_ID_RE = re.compile(r"shr[A-Za-z0-9]{14}")
_SELECT_TYPES = frozenset({"select", "multiSelect"})
_NAMED_KEYS = ("name", "foreignRowDisplayName", "filename", "text", "url")  # objects shown by one of these


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# -- the embed page ------------------------------------------------------------------------------
def _js_string(literal: str) -> str | None:
    """Decode a double-quoted JS string literal (`\\u002F`, `\\u0026`, `\\xHH`, `\\'`); None when malformed."""
    literal = re.sub(r"\\x([0-9A-Fa-f]{2})", r"\\u00\1", literal).replace("\\'", "'")
    try:
        value = json.loads(literal)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


def find_shared_view_url(html: str, page_url: str) -> str | None:
    """The signed readSharedViewData URL of an embed page (`urlWithParams: "…"` or `fetch("…")`), resolved
    against `page_url`; None if absent. Whether it may be fetched is decided later (path, host, address)."""
    for pattern in (_URL_WITH_PARAMS_RE, FETCH_RE):
        for match in pattern.finditer(html):
            value = _js_string(match.group(1))
            if value and SHARED_VIEW_DATA in urlsplit(value).path:
                return urljoin(page_url, value)
    return None


def access_policy(data_url: str) -> dict:
    """The (signed) accessPolicy JSON carried in a readSharedViewData URL; {} when absent or unreadable."""
    values = parse_qs(urlsplit(data_url).query).get("accessPolicy") or [""]
    try:
        policy = json.loads(values[0])
    except json.JSONDecodeError:
        return {}
    return policy if isinstance(policy, dict) else {}


def find_application_id(html: str, page_url: str, data_url: str) -> str | None:
    """The base id the page's client sends: its `x-airtable-application-id`, the policy's, or the URL path's."""
    match = re.search(_HEADER_RE.format(name="x-airtable-application-id"), html)
    candidates = [match.group(1) if match else "", str(access_policy(data_url).get("applicationId") or "")]
    candidates += [segment for segment in urlsplit(page_url).path.split("/")]
    return next((c for c in candidates if _APP_ID_RE.fullmatch(c)), None)


def request_headers(application_id: str, html: str = "") -> dict[str, str]:
    """The headers Airtable's web client sends with readSharedViewData (locale from the page when given)."""
    match = re.search(_HEADER_RE.format(name="x-user-locale"), html)
    return {
        "x-airtable-application-id": application_id,
        "x-requested-with": "XMLHttpRequest",
        "x-time-zone": TIME_ZONE,
        "x-user-locale": (match.group(1) if match and match.group(1) else LOCALE),
        "x-airtable-inter-service-client": "webClient",
    }


class _Iframes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            found = dict(attrs)
            self.sources += [v for v in (found.get("src"), found.get("data-src")) if v]


def find_embed_iframe(html: str, page_url: str) -> str | None:
    """The first iframe whose URL path is an Airtable share embed (`/embed/[app…/]shr…`), resolved; else None."""
    parser = _Iframes()
    parser.feed(html)
    parser.close()
    for source in parser.sources:
        segments = urlsplit(source.strip()).path.split("/")
        if "embed" in segments and any(_SHARE_ID_RE.fullmatch(s) for s in segments):
            return urljoin(page_url, source.strip())
    return None


def sniff(content: bytes) -> str:
    """What a download is, by content: 'empty', 'binary', 'html', 'json' or 'text' (e.g. CSV)."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return "empty"
    if b"\x00" in head:
        return "binary"
    if head.startswith(b"<"):
        return "html"
    return "json" if head[:1] in (b"{", b"[") else "text"


# -- the readSharedViewData JSON -----------------------------------------------------------------
@dataclass(frozen=True)
class ViewColumn:
    id: str
    name: str
    type: str


@dataclass(frozen=True)
class ViewRow:
    """One row: its cells as text in column order, or the problem that made it unreadable."""

    line_number: int  # row index + 2: the column header counts as line 1, as in the CSV export
    cells: list[str]
    raw_text: str  # the row's JSON, kept for rejects
    problem: str | None = None


@dataclass(frozen=True)
class SharedView:
    columns: list[ViewColumn]
    rows: list[ViewRow]


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name}")


def _document(data: bytes, source: str) -> object:
    """The response body as JSON values: legacy JSON, or MessagePack (the nested response format's encoding)."""
    if is_msgpack(data):
        try:
            return decode_msgpack(data)
        except ValueError as exc:
            raise SchemaError(f"{source}: shared-view response is {exc}") from None
    kind = sniff(data)
    if kind != "json":
        found = {"html": "an HTML page", "empty": "an empty body", "binary": "binary data"}.get(kind, "non-JSON text")
        raise SchemaError(f"{source}: expected Airtable shared-view JSON, found {found}")
    try:
        return json.loads(data.decode("utf-8").removeprefix("\ufeff"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{source}: shared-view JSON is not UTF-8 (byte {exc.start})") from exc
    except ValueError as exc:
        raise SchemaError(f"{source}: shared-view response is not valid JSON: {_one_line(exc)}") from exc


def load_view_json(data: bytes, source: str) -> dict:
    """`data.table` of a readSharedViewData response (JSON or MessagePack), checked for columns and rows;
    SchemaError otherwise."""
    doc = _document(data, source)
    if isinstance(doc, dict) and doc.get("msg", "SUCCESS") != "SUCCESS":
        raise SchemaError(f"{source}: the shared view did not answer msg 'SUCCESS'")
    table = doc.get("data") if isinstance(doc, dict) else None
    table = table.get("table") if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise SchemaError(f"{source}: shared-view JSON has no data.table object")
    for key in ("columns", "rows"):
        if not isinstance(table.get(key), list):
            raise SchemaError(f"{source}: shared-view JSON has no data.table.{key} array")
    return table


@dataclass(frozen=True)
class _Cells:
    """How one column's cells become text: its choice map and whether it is a select."""

    choices: dict[str, str]
    is_select: bool

    @classmethod
    def of(cls, column: dict) -> _Cells:
        kind = column.get("type")
        options = column.get("typeOptions") if isinstance(column.get("typeOptions"), dict) else {}
        raw = options.get("choices")  # {choice id: {id, name, color}} (or a list of those)
        items = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
        choices = {str(c["id"]): str(c.get("name") or "") for c in items if isinstance(c, dict) and "id" in c}
        return cls(choices, kind in _SELECT_TYPES)

    def text(self, value: object) -> str:
        """A cell as text: choice ids -> names, lists joined with ', ', dates as found (staging reads ISO datetimes)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number(value)
        if isinstance(value, str):
            if value in self.choices:
                return self.choices[value]
            if self.is_select:
                raise ValueError(f"unknown choice id {value!r}")
            return value
        if isinstance(value, list):
            return ", ".join(t for t in (self.text(item) for item in value) if t)
        if isinstance(value, dict):
            named = next((value[k] for k in _NAMED_KEYS if isinstance(value.get(k), str)), None)
            return named if named is not None else json.dumps(value, ensure_ascii=False, sort_keys=True)
        return str(value)


def _number(value: int | float) -> str:
    """JSON numbers as written by JavaScript: `120`, `0.15`, `8100.5`; never exponent notation."""
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def read_view(data: bytes, source: str) -> SharedView:
    """Columns and text rows of a readSharedViewData response; unreadable rows carry their problem.

    Raises SchemaError (one line) for a body that is not the shared-view JSON, a column without
    id/name, or an empty `rows` array (a source that suddenly has none must not publish an empty table).
    """
    table = load_view_json(data, source)
    columns: list[ViewColumn] = []
    readers: list[_Cells] = []
    for position, column in enumerate(table["columns"], start=1):
        if not (isinstance(column, dict) and isinstance(column.get("id"), str) and isinstance(column.get("name"), str)):
            raise SchemaError(f"{source}: shared-view column {position} has no id and name")
        columns.append(ViewColumn(column["id"], column["name"], str(column.get("type") or "")))
        readers.append(_Cells.of(column))
    if not table["rows"]:
        raise SchemaError(f"{source}: the shared view returned no rows")
    rows = []
    for index, row in enumerate(table["rows"]):
        raw_text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        cells_by_id = row.get("cellValuesByColumnId") if isinstance(row, dict) else None
        if not isinstance(cells_by_id, dict):
            rows.append(ViewRow(index + 2, [], raw_text, "row has no cellValuesByColumnId object"))
            continue
        cells, problem = [], None
        for column, reader in zip(columns, readers):
            try:
                cells.append(reader.text(cells_by_id.get(column.id)))
            except ValueError as exc:
                problem = problem or f"{column.name}: {exc}"
                cells.append("")
        rows.append(ViewRow(index + 2, cells, raw_text, problem))
    return SharedView(columns, rows)


def column_key(name: str) -> str:
    """Name as compared: case-folded, `%` read as 'percent', other punctuation and spaces dropped."""
    return re.sub(r"[\W_]+", "", name.casefold().replace("%", " percent "))


def match_columns(names: list[str], wanted: dict[str, tuple[str, ...]], source: str) -> dict[str, int]:
    """{field: column index} for each field's accepted names (first is the one shown); SchemaError if missing."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        key = column_key(name)
        if key in index:
            raise SchemaError(f"{source}: columns {index[key] + 1} and {i + 1} of the view have the same name")
        index[key] = i
    positions, missing = {}, []
    for field, accepted in wanted.items():
        found = [index[column_key(a)] for a in accepted if column_key(a) in index]
        if len(set(found)) > 1:
            raise SchemaError(f"{source}: columns {', '.join(str(i + 1) for i in found)} of the view all mean "
                              f"{accepted[0]!r}")
        if found:
            positions[field] = found[0]
        else:
            missing.append(accepted[0])
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise SchemaError(f"{source}: missing {noun} {', '.join(repr(m) for m in missing)} "
                          f"(the view has {len(names)} columns)")
    return positions


def policy_expiry(data_url: str) -> datetime | None:
    """When the URL's signed access policy expires (its `expires` field), if it says."""
    expires = access_policy(data_url).get("expires")
    try:
        return datetime.fromisoformat(str(expires).replace("Z", "+00:00")) if expires else None
    except ValueError:
        return None
