"""Opt-in Airtable fallback (LAYOFFS_AI_AIRTABLE_BROWSER=1): Chromium loads the embed page; its data answer is kept."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ingestion import airtable_wire, outbound
from ingestion.core import FetchError
from ingestion.http import HttpClient, HttpResult
from ingestion.outbound import Refused, Rule

CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium; Playwright's own browsers are never downloaded
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def _refusal(client: HttpClient, url: str, page_url: str, trusted: bool, rule: Rule) -> str | None:
    """Why the browser may not send this request (the outbound policy, as for our own requests), or None."""
    target = outbound.origin(url)
    if target is None:
        return None if urlsplit(url).scheme in ("data", "blob", "about") else f"refused {url[:80]}: not http(s)"
    if not (trusted and target == outbound.origin(page_url)):
        try:
            outbound.check_supplied(outbound.normalise(url), page_url, rule, "request of the embed page")
        except Refused as exc:
            return str(exc)
    try:
        client.guard.addresses(*target)  # every address checked (the browser resolves again: see README)
    except Refused as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot resolve {target[1]} ({exc})"
    return None


def capture(client: HttpClient, embed_url: str, via: str | None, rule: Rule) -> HttpResult:
    """Load `embed_url` (configured when `via` is None, else supplied by `via`) in headless Chromium and return
    the readSharedViewData answer the page itself receives; FetchError (one line) when it never comes."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise FetchError("LAYOFFS_AI_AIRTABLE_BROWSER=1 needs the playwright package (pip install playwright; "
                         f"the browser used is Debian's {CHROMIUM}, never a downloaded one)") from None
    if not Path(CHROMIUM).exists():
        raise FetchError(f"LAYOFFS_AI_AIRTABLE_BROWSER=1 needs Debian's Chromium at {CHROMIUM} (apt install chromium)")
    seconds = client.remaining()
    if seconds <= 0:
        raise FetchError(f"the fetch deadline of {client.config.deadline:g} s is used up")
    refused: list[str] = []

    def guard(route) -> None:
        problem = _refusal(client, route.request.url, embed_url, via is None, rule)
        if problem:
            refused.append(problem)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context(user_agent=airtable_wire.BROWSER_HEADERS["User-Agent"],
                                              service_workers="block")
                context.route("**/*", guard)
                page = context.new_page()
                wait_ms = max(1.0, client.remaining()) * 1000
                with page.expect_response(lambda r: airtable_wire.SHARED_VIEW_DATA in r.url, timeout=wait_ms) as got:
                    page.goto(embed_url, timeout=wait_ms, wait_until="commit")
                response = got.value
                body = response.body()
                url, status, headers = response.url, response.status, dict(response.headers)
            finally:
                browser.close()
    except PlaywrightError as exc:
        why = " ".join(str(exc).split())[:200]
        refusals = f" (refused: {refused[0]})" if refused else ""
        raise FetchError(f"Chromium ({CHROMIUM}) did not receive the readSharedViewData answer of "
                         f"{embed_url}: {why}{refusals}") from None
    except OSError as exc:
        raise FetchError(f"Chromium ({CHROMIUM}) could not be driven: {exc.strerror or exc}") from None
    if not 200 <= status < 300 or airtable_wire.is_login(url):
        raise FetchError(f"Chromium's readSharedViewData request answered HTTP {status} at {url} (login wall?)")
    if len(body) > client.config.max_bytes:
        raise FetchError(f"Chromium's readSharedViewData answer exceeds the limit of {client.config.max_bytes} bytes")
    return HttpResult(url, status, body, None, headers.get("content-type"), False, headers)
