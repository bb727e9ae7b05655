"""Airtable over the wire today: the signed URL's patterns, flag and path check, browser headers, MessagePack bodies."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import msgpack


SHARED_VIEW_DATA = "readSharedViewData"
JSON_TYPES = ("application/json",)
MSGPACK_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")
LOGIN_PATHS = ("/login", "/signin", "/sign-in")
# `fetch("\u002Fv0.3\u002Fview\u002Fviw…\u002FreadSharedViewData?…")` in an inline script: the other page pattern
FETCH_RE = re.compile(r"""fetch\(\s*("(?:[^"\\\r\n]|\\.)*")""")
_DATA_PATH_RE = re.compile(r"/v0\.3/(?:view|application)/[A-Za-z0-9]+/readSharedViewData")
# What a desktop Chrome sends for a page (Airtable answers a headless or unknown agent a stripped page).
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
    "sec-ch-ua": '"Chromium";v="126", "Not.A/Brand";v="24", "Google Chrome";v="126"',
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"Linux"',
    "Upgrade-Insecure-Requests": "1",
}
DATA_ACCEPT = "application/json, text/javascript, */*; q=0.01"


def path_problem(url: str) -> str | None:
    """Why a signed URL is not a readSharedViewData request (its path, before and after normalising), or None."""
    from ingestion import outbound   # on use: importing the source registry must not load requests/urllib3

    if outbound.climbs(url):
        return "its path climbs out of readSharedViewData (dot segments or encoded dots/slashes)"
    if not _DATA_PATH_RE.fullmatch(urlsplit(url).path):
        return f"its path {urlsplit(url).path[:80]!r} is not /v0.3/view/<id>/readSharedViewData"
    return None


def legacy_json_url(url: str) -> str:
    """The signed URL asking for the legacy JSON (`shouldUseNestedResponseFormat: false` in its
    stringifiedObjectParams); the other query parameters (the signed accessPolicy) are kept byte for byte."""
    parts = urlsplit(url)
    pieces = [p for p in parts.query.split("&") if p]
    found = False
    for i, piece in enumerate(pieces):
        name, _, value = piece.partition("=")
        if name != "stringifiedObjectParams":
            continue
        try:
            params = json.loads(unquote(value))
        except ValueError:
            params = None
        params = params if isinstance(params, dict) else {}
        params["shouldUseNestedResponseFormat"] = False
        pieces[i] = f"{name}={quote(json.dumps(params, separators=(',', ':')), safe='')}"
        found = True
    if not found:
        flag = quote(json.dumps({"shouldUseNestedResponseFormat": False}, separators=(",", ":")), safe="")
        pieces.insert(0, f"stringifiedObjectParams={flag}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pieces), ""))


def data_headers(application_id: str, page_url: str, locale: str) -> dict[str, str]:
    """What Airtable's web client sends with readSharedViewData, from a desktop browser."""
    from ingestion import outbound

    scheme, host, port = outbound.origin(page_url) or ("https", "airtable.com", 443)
    shown = host if port == outbound.DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return {**BROWSER_HEADERS, "Accept": DATA_ACCEPT, "Referer": page_url, "x-airtable-application-id":
            application_id, "x-requested-with": "XMLHttpRequest", "x-time-zone": "UTC", "x-user-locale": locale,
            "x-airtable-inter-service-client": "webClient", "Origin": f"{scheme}://{shown}"}


def is_login(url: str) -> bool:
    """A URL whose path is a sign-in page: where Airtable sends a client it will not serve."""
    return urlsplit(url).path.rstrip("/").lower().endswith(LOGIN_PATHS)


def is_msgpack(content: bytes) -> bool:
    """A MessagePack map (what readSharedViewData answers in the nested format): fixmap, map16 or map32."""
    return bool(content) and (0x80 <= content[0] <= 0x8F or content[0] in (0xDE, 0xDF))


def _plain(value: object) -> object:
    """MessagePack values as JSON would carry them: timestamps as ISO text, bytes as hex, other extensions refused."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, msgpack.Timestamp):
        return value.to_datetime().isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, msgpack.ExtType):
        raise ValueError(f"unknown MessagePack extension type {value.code}")
    return value


def decode_msgpack(content: bytes) -> object:
    """A MessagePack body as JSON-like values; ValueError (one line) when it is not valid MessagePack."""
    try:
        return _plain(msgpack.unpackb(content, raw=False, strict_map_key=False))
    except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError, TypeError) as exc:
        raise ValueError(f"not valid MessagePack ({' '.join(str(exc).split())[:120]})") from None
