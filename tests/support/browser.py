"""Open generated HTML files in headless Chromium (Debian's, via Playwright) and report what ran on them."""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL = ("file:", "data:", "blob:", "about:")

# Everything the page shows, read after it settled: event-handler attributes anywhere (an injected <img
# onerror> or <svg onload> leaves one even when it does not fire), the text of every <script>, the drawn
# chart elements, and all aria-labels / <title> texts (where Vega puts the data values it drew).
PAGE_STATE = """() => ({
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  handlers: [...document.querySelectorAll('*')].flatMap(
      e => [...e.attributes].filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  scripts: [...document.scripts].map(s => s.textContent.trim()),
  links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.getAttribute('href'),
                                                           download: a.hasAttribute('download')})),
  charts: [...document.querySelectorAll('svg, canvas')].filter(e => e.getBoundingClientRect().width > 100).length,
  marks: document.querySelectorAll('svg path, svg circle, svg rect, svg line').length,
  labels: [...document.querySelectorAll('[aria-label], title')].map(
      e => e.getAttribute('aria-label') || e.textContent).join('\\n'),
})"""


@dataclass
class Probe:
    """What happened while a page was open: dialogs (in it or any window it opened), page errors, requests
    that left the machine, and the page state (PAGE_STATE) after loading and after clicking its actions."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    remote_requests: list[str] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    tooltips: list[str] = field(default_factory=list)


@functools.cache
def guarded_chromium() -> Path:
    """An executable that runs /usr/bin/chromium so that it dies (SIGTERM) when the Playwright driver that
    started it dies, e.g. because the test process was SIGKILLed (orchestration/child_guard.py)."""
    folder = Path(tempfile.mkdtemp(prefix="layoffs-ai-chromium-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    launcher = folder / "chromium"
    launcher.write_text(f"#!{sys.executable}\nimport signal, sys\nfrom orchestration.child_guard import "
                        f"exec_dying_with_parent\nexec_dying_with_parent([{str(CHROMIUM)!r}, *sys.argv[1:]], "
                        "signal.SIGTERM)\n")
    launcher.chmod(0o755)
    return launcher


def close_browser(browser) -> None:
    """Close the browser, then kill every Chromium process this process started that is still running."""
    try:
        browser.close()
    finally:
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.name().startswith("chrom"):
                    child.kill()


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser; skips the test when /usr/bin/chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(guarded_chromium()), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            close_browser(browser)


def probe(browser, path: Path, settle_selector: str | None = None, hover_selector: str | None = None) -> Probe:
    """Open `path`, wait for `settle_selector` (e.g. the drawn chart), hover every `hover_selector` element
    (recording the tooltip text shown), click every in-page action that is not a download (vega-embed's
    menu), and record dialogs, errors and network requests. No request leaves the machine: anything but
    file:/data:/blob: is aborted and recorded."""
    result = Probe()
    context = browser.new_context()

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            result.remote_requests.append(r.request.url)
            r.abort()

    def watch(page):
        page.on("dialog", lambda d: (result.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: result.errors.append(str(e)))

    context.route("**/*", route)
    context.on("page", watch)
    try:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="load")
        if settle_selector:
            page.wait_for_selector(settle_selector, state="attached", timeout=15_000)
        page.wait_for_timeout(300)
        for mark in page.query_selector_all(hover_selector) if hover_selector else []:
            mark.hover(force=True)
            page.wait_for_timeout(150)
            tip = page.query_selector("#vg-tooltip-element")
            result.tooltips.append(tip.inner_text() if tip else "")
        menu = page.query_selector("details summary")
        if menu:
            menu.click()
        for link in page.query_selector_all("a[href]:not([download])"):
            if (link.get_attribute("href") or "").startswith("#") and link.is_visible():
                link.click()
                page.wait_for_timeout(200)
        result.state = page.evaluate(PAGE_STATE)
    finally:
        context.close()
    return result
