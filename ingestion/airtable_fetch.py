"""Live fetch of an Airtable shared view: start page -> embed page -> signed readSharedViewData data -> snapshot."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from ingestion import airtable, airtable_wire
from ingestion.core import Dataset, FetchError, SchemaError, Snapshot
from ingestion.fetching import conditional_get, save_download
from ingestion.http import HttpClient, HttpResult
from ingestion.outbound import Refused, Rule
from ingestion.snapshot import Attachment, SnapshotStore

HTML_TYPES = ("text/html",)
_HTTP_STATUS_RE = re.compile(r"failed: (HTTP (\d{3})\b.*)$")  # HttpClient's message for a non-2xx reply
_POLICY_STATUSES = ("401", "403", "404")
BROWSER_VARIABLE = "LAYOFFS_AI_AIRTABLE_BROWSER"

log = logging.getLogger(__name__)


def _html(content: bytes | None) -> str:
    return (content or b"").decode("utf-8", "replace").removeprefix("\ufeff")


def _shown(url: str) -> str:
    """A signed URL without its query (the access policy is long and says nothing to a reader)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "..." if parts.query else "", ""))


@contextmanager
def step(name: str, dataset: Dataset) -> Iterator[None]:
    """A failure inside names the step of the Airtable flow that failed, in its one line."""
    try:
        yield
    except Refused as exc:
        raise Refused(f"Airtable step '{name}' refused: {exc}") from None
    except (FetchError, SchemaError) as exc:
        raise FetchError(f"Airtable step '{name}' failed: {exc}") from None


def fetch_table(dataset: Dataset, *, store: SnapshotStore, client: HttpClient, url: str, filename: str,
                page_filename: str, fallback_embed_url: str | None = None) -> Snapshot:
    """Snapshot what `url` (configured) leads to, decided by its content, never by its host.

    - text that is not HTML/JSON: a CSV export, stored as `dataset.filename` (conditional GET, as any CSV);
    - an HTML page carrying a readSharedViewData URL: an embed page, followed to its data;
    - an HTML page with an Airtable embed iframe (`/embed/…shr…`): the iframe's embed page (a supplied URL:
      same origin as the page or on the dataset's allowlist), followed;
    - anything else: FetchError naming the URL and what was found.
    With `fallback_embed_url` (the built-in default only), a start page that cannot be fetched or has
    no usable iframe is replaced by that known embed page. The data is stored as `filename` (`.msgpack` when
    Airtable answered MessagePack), the embed page beside it as attachment `page_filename`.
    """
    try:
        with step("start page", dataset):
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
            try:
                return fetch_shared_view(dataset, store=store, client=client, embed_url=iframe, filename=filename,
                                         page_filename=page_filename, via=page_url)
            except Refused as exc:
                if fallback_embed_url is None:
                    raise
                log.warning("%s; using the known embed page %s", exc, fallback_embed_url)
                kind = "refused iframe"
    if fallback_embed_url is not None:
        log.warning("%s: no usable Airtable embed iframe found (%s); using the known embed page %s",
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
                      filename: str, page_filename: str, page: HttpResult | None = None,
                      via: str | None = None) -> Snapshot:
    """Embed page -> its signed readSharedViewData URL (asking for legacy JSON) -> the data, stored with the
    page as attachment. One session carries the embed page's cookies to the data request, with a desktop
    browser's headers; a login wall is passed with Chromium only when LAYOFFS_AI_AIRTABLE_BROWSER=1.

    Nothing is stored unless the data arrived and is a shared-view table (columns and rows arrays).
    """
    rule = Rule.of(dataset)
    if page is None:
        with step("embed page", dataset):
            page = client.get(embed_url, accept_types=HTML_TYPES, headers=airtable_wire.BROWSER_HEADERS, via=via,
                              rule=rule)
    page_url = page.url or embed_url
    html = _html(page.content)
    with step("signed URL", dataset):
        data_url = _signed_url(dataset, html, page_url, embed_url)
        application_id = airtable.find_application_id(html, page_url, data_url)
        if application_id is None:
            raise FetchError(f"embed page {embed_url} names no Airtable application id (layout changed?)")
    locale = airtable.request_headers(application_id, html)["x-user-locale"]
    with step("shared-view data", dataset):
        try:
            result = client.get(data_url, headers=airtable_wire.data_headers(application_id, page_url, locale),
                                via=page_url, rule=rule)
        except Refused:
            raise
        except FetchError as exc:
            raise FetchError(_view_error(dataset, str(exc), data_url, embed_url)) from None
    if airtable_wire.is_login(result.url):
        if not client.config.airtable_browser:
            raise FetchError(f"Airtable step 'shared-view data' failed: GET {_shown(data_url)} ended "
                             f"at a login page ({_shown(result.url)}); set {BROWSER_VARIABLE}=1 to let a headless "
                             "Chromium load the embed page and capture its data")
        from ingestion import airtable_browser  # Playwright only when asked for

        with step("browser fallback", dataset):
            result = airtable_browser.capture(client, embed_url, via, rule)
    content = result.content or b""
    with step("decode", dataset):
        _check_type(result, data_url)
        try:
            airtable.load_view_json(content, dataset.id)
        except SchemaError as exc:
            raise SchemaError(f"GET {_shown(result.url or data_url)}: {exc}") from None
    attachment = Attachment(page_filename, page.content or b"", page_url, page.content_type)
    if airtable_wire.is_msgpack(content):
        filename = filename.rsplit(".", 1)[0] + ".msgpack"
    return store.save(dataset, content, url=result.url or data_url, content_type=result.content_type,
                      filename=filename, attachments=[attachment])


def _signed_url(dataset: Dataset, html: str, page_url: str, embed_url: str) -> str:
    """The page's readSharedViewData URL asking for legacy JSON; Refused when its path leaves readSharedViewData."""
    found = airtable.find_shared_view_url(html, page_url)
    if found is None:
        raise FetchError(f"embed page {embed_url} has no readSharedViewData urlWithParams or fetch() (layout "
                         f"changed?) for dataset '{dataset.id}'")
    problem = airtable_wire.path_problem(found)
    if problem:
        raise Refused(f"refused {_shown(found)} from embed page {embed_url}: {problem}")
    return airtable_wire.legacy_json_url(found)


def _check_type(result: HttpResult, data_url: str) -> None:
    actual = (result.content_type or "").strip().lower()
    if not actual.startswith(airtable_wire.JSON_TYPES + airtable_wire.MSGPACK_TYPES):
        raise FetchError(f"GET {_shown(data_url)}: content type {result.content_type!r} is neither JSON nor "
                         "MessagePack")


def _view_error(dataset: Dataset, message: str, data_url: str, embed_url: str) -> str:
    """The data request's FetchError, with the signed URL shortened and 401/403/404 explained."""
    shown = _shown(data_url)
    message = re.sub(r"GET \S*readSharedViewData\S*", f"GET {shown}", message)
    match = _HTTP_STATUS_RE.search(message)
    if match is None or match.group(2) not in _POLICY_STATUSES:
        return f"{message} (embed page {embed_url})"
    expiry = airtable.policy_expiry(data_url)
    expires = f" (it says it expires {expiry.isoformat()})" if expiry else ""
    return (f"GET {shown} failed: {match.group(1)}: the signed access policy{expires} may have expired or the "
            f"share id changed (embed page {embed_url}, dataset '{dataset.id}')")
