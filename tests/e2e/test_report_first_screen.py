"""The published report in Chromium: the first screen (1,400 x 900) holds the findings; no page scrolls sideways."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import chromium

pytestmark = pytest.mark.e2e

LAYOUT = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  height: window.innerHeight,
  question: document.querySelector('.question')?.getBoundingClientRect().bottom,
  findings: [...document.querySelectorAll('ol.findings > li')].map(li => ({
      bottom: li.getBoundingClientRect().bottom, text: li.textContent,
      target: li.querySelector('a')?.getAttribute('href')})),
  missingTargets: [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href'))
      .filter(h => !document.getElementById(h.slice(1))),
  figures: [...document.querySelectorAll('figure')].map(f => ({
      id: f.id, page: f.querySelector('a[href$=".html"]')?.getAttribute('href')})),
  widest: [...document.querySelectorAll('body *')].filter(e => e.closest('.table-wrap, .chart') === null)
      .map(e => e.getBoundingClientRect().right).reduce((a, b) => Math.max(a, b), 0),
})"""


def _layout(browser, report: Path, width: int, height: int) -> dict:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(report.as_uri())
        return page.evaluate(LAYOUT)
    finally:
        page.close()


def test_first_screen_holds_the_findings_and_nothing_scrolls_sideways(reference_home, tmp_path):
    report = reference_home / "report" / "index.html"
    html = report.read_text(encoding="utf-8")
    unwrapped = tmp_path / "index.html"   # the mutation: tables no longer scroll in their own wrapper
    unwrapped.write_text(html.replace(".table-wrap{max-width:100%;overflow-x:auto;", ".table-wrap{"), encoding="utf-8")
    buried = tmp_path / "buried.html"     # the mutation: the windows paragraph first again, findings below it
    buried.write_text(html.replace("<section id='findings'>", "<p>" + "Window and sources. " * 400 + "</p>"
                                   "<section id='findings'>"), encoding="utf-8")
    with chromium() as browser:
        desk = _layout(browser, report, 1400, 900)
        phone = _layout(browser, report, 390, 844)
        assert _layout(browser, unwrapped, 1400, 900)["scrollWidth"] > 1400   # the width check can fail
        assert any(i["bottom"] > 900 for i in _layout(browser, buried, 1400, 900)["findings"])
    assert desk["scrollWidth"] <= 1400, desk["scrollWidth"]
    assert 3 <= len(desk["findings"]) <= 5
    for item in desk["findings"]:          # every finding is on the first screen, with its number and a link
        assert item["bottom"] <= desk["height"], item
        assert any(ch.isdigit() for ch in item["text"]) and item["target"].startswith("#")
    assert desk["missingTargets"] == []
    assert len(desk["figures"]) >= 8
    for fig in desk["figures"]:            # every chart links to its interactive page, which exists
        assert fig["page"] == f"../charts/{fig['id'].removeprefix('chart-')}.html", fig
        assert (reference_home / "charts" / Path(fig["page"]).name).is_file()
    assert phone["scrollWidth"] <= 390 and phone["widest"] <= 390, phone["scrollWidth"]
