"""Live fetch of an Airtable shared view: start page -> embed page -> signed readSharedViewData JSON -> snapshot."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

from ingestion import airtable
from ingestion.core import Dataset, FetchError, SchemaError, Snapshot
from ingestion.fetching import conditional_get, save_download
from ingestion.http import HttpClient, HttpResult
from ingestion.snapshot import Attachment, SnapshotStore

HTML_TYPES = ("text/html",)
_HTTP_STATUS_RE = re.compile(r"failed: (HTTP (\d{3})\b.*)$")  # HttpClient's message for a non-2xx reply
_POLICY_STATUSES = ("401", "403", "404")

log = logging.getLogger(__name__)


def _html(content: bytes | None) -> str:
    return (content or b"").decode("utf-8", "replace").removeprefix("\ufeff")


def _shown(url: str) -> str:
    """A signed URL without its query (the access policy is long and says nothing to a reader)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "..." if parts.query else "", ""))


def fetch_table(dataset: Dataset, *, store: SnapshotStore, client: HttpClient, url: str, filename: str,
                page_filename: str, fallback_embed_url: str | None = None) -> Snapshot:
    """Snapshot what `url` leads to, decided by its content, never by its host.

    - text that is not HTML/JSON: a CSV export, stored as `dataset.filename` (conditional GET, as any CSV);
    - an HTML page carrying a readSharedViewData `urlWithParams`: an embed page, followed to its JSON;
    - an HTML page with an Airtable embed iframe (`/embed/…shr…`): the iframe's embed page, followed;
    - anything else: FetchError naming the URL and what was found.
    With `fallback_embed_url` (the built-in default only), a start page that cannot be fetched or has
    no iframe is replaced by that known embed page. The JSON is stored as `filename`, the embed page
    beside it as attachment `page_filename`.
    """
    try:
        first = conditional_get(dataset, store, client, url)
    except FetchError as exc:
        if fallback_embed_url is None:
            raise
        log.warning("%s; using the known embed page %s", exc, fallback_embed_url)
        return fetch_shared_view(dataset, store=store, client=client, embed_url=fallback_embed_url,
                                 filename=filename, page_filename=page_filename)
    if isinstance(first, Snapshot):
        return first  # 304 Not Modified: the CSV export stored from this URL
    kind = airtable.sniff(first.content or b"")
    if kind == "text":
        return save_download(dataset, store, first, url)
    page_url = first.url or url
    if kind == "html":
        html = _html(first.content)
        if airtable.find_shared_view_url(html, page_url):
            return fetch_shared_view(dataset, store=store, client=client, embed_url=url, filename=filename,
                                     page_filename=page_filename, page=first)
        iframe = airtable.find_embed_iframe(html, page_url)
        if iframe is not None:
            return fetch_shared_view(dataset, store=store, client=client, embed_url=iframe, filename=filename,
                                     page_filename=page_filename)
    if fallback_embed_url is not None:
        log.warning("%s: no Airtable embed iframe found (%s); using the known embed page %s",
                    url, kind, fallback_embed_url)
        return fetch_shared_view(dataset, store=store, client=client, embed_url=fallback_embed_url,
                                 filename=filename, page_filename=page_filename)
    found = {
        "html": f"an HTML page (content type {first.content_type!r}) with no readSharedViewData urlWithParams "
                "and no Airtable embed iframe",
        "json": f"JSON (content type {first.content_type!r})",
        "binary": f"binary data (content type {first.content_type!r})",
    }.get(kind, kind)
    raise FetchError(f"GET {url}: found {found}; expected a CSV export (text/csv) or an Airtable shared-view "
                     f"embed page for dataset '{dataset.id}'")


def fetch_shared_view(dataset: Dataset, *, store: SnapshotStore, client: HttpClient, embed_url: str,
                      filename: str, page_filename: str, page: HttpResult | None = None) -> Snapshot:
    """Embed page -> its signed readSharedViewData URL -> the JSON, stored with the page as attachment.

    Nothing is stored unless the JSON arrived and is a shared-view table (columns and rows arrays);
    the same HTTP session carries the embed page's cookies to the JSON request, as a browser would.
    """
    if page is None:
        page = client.get(embed_url, accept_types=HTML_TYPES)
    page_url = page.url or embed_url
    html = _html(page.content)
    data_url = airtable.find_shared_view_url(html, page_url)
    if data_url is None:
        raise FetchError(f"embed page {embed_url} has no readSharedViewData urlWithParams (layout changed?) "
                         f"for dataset '{dataset.id}'")
    application_id = airtable.find_application_id(html, page_url, data_url)
    if application_id is None:
        raise FetchError(f"embed page {embed_url} names no Airtable application id (layout changed?) "
                         f"for dataset '{dataset.id}'")
    shown = _shown(data_url)
    try:
        result = client.get(data_url, accept_types=airtable.JSON_CONTENT_TYPES,
                            headers=airtable.request_headers(application_id, html))
    except FetchError as exc:
        raise FetchError(_view_error(dataset, str(exc), data_url, embed_url)) from exc
    try:
        airtable.load_view_json(result.content or b"", dataset.id)
    except SchemaError as exc:
        raise FetchError(f"GET {shown}: {exc} (embed page {embed_url})") from exc
    attachment = Attachment(page_filename, page.content or b"", page_url, page.content_type)
    return store.save(dataset, result.content or b"", url=data_url, content_type=result.content_type,
                      filename=filename, attachments=[attachment])


def _view_error(dataset: Dataset, message: str, data_url: str, embed_url: str) -> str:
    """The JSON request's FetchError, with the signed URL shortened and 401/403/404 explained."""
    shown = _shown(data_url)
    message = message.replace(data_url, shown)
    match = _HTTP_STATUS_RE.search(message)
    if match is None or match.group(2) not in _POLICY_STATUSES:
        return f"{message} (embed page {embed_url})"
    expiry = airtable.policy_expiry(data_url)
    expires = f" (it says it expires {expiry.isoformat()})" if expiry else ""
    return (f"GET {shown} failed: {match.group(1)}: the signed access policy{expires} may have expired or the "
            f"share id changed (embed page {embed_url}, dataset '{dataset.id}')")
