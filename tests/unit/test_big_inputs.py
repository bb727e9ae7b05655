"""Big inputs degrade, they do not crash: charts over more than 20,000 points aggregate and say so."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from analytics import render_all

pytestmark = pytest.mark.fault

LIMIT = 20_000  # issue 11 §6: charts with more than this many points aggregate or sample


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "script"
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag):
        self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.blocks[-1] += data


def embedded_spec(page: Path) -> dict:
    """The Vega-Lite spec a chart page embeds: the JSON object with a vega-lite `$schema` in one of its
    <script> blocks, however it is embedded (a JSON block or a JavaScript literal)."""
    parser = _Scripts()
    parser.feed(page.read_text(encoding="utf-8"))
    decoder = json.JSONDecoder()
    for block in sorted(parser.blocks, key=len):  # the vega bundle, by far the longest, last
        for start in re.finditer(r'\{\s*"', block):
            try:
                spec, _end = decoder.raw_decode(block, start.start())
            except ValueError:
                continue
            if isinstance(spec, dict) and "vega-lite" in str(spec.get("$schema", "")):
                return spec
    raise AssertionError(f"{page.name}: no Vega-Lite spec embedded")


def drawn_marks(svg: Path) -> int:
    """Mark items in a chart SVG: children of Vega's `role-mark` groups (one per point, bar, line ...)."""
    root = ElementTree.parse(svg).getroot()
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "role-mark" in (g.get("class") or "")]
    return sum(len(g) for g in groups)


def data_rows(spec) -> list[dict]:
    """Every inline data row anywhere in the spec (top-level `datasets` and `data.values`)."""
    rows: list[dict] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                rows += [row for values in value.values() for row in values]
            elif key == "values" and isinstance(value, list):
                rows += [row for row in value if isinstance(row, dict)]
            else:
                rows += data_rows(value)
    elif isinstance(spec, list):
        for item in spec:
            rows += data_rows(item)
    return rows


def subtitle(spec: dict) -> str:
    return " ".join(spec["title"]["subtitle"])


def invented_events(n: int, seed: int = 11) -> pd.DataFrame:
    """`n` layoff events of invented companies over three years, counts log-normal around 50."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D")
    return pd.DataFrame({"event_date": dates.date, "company": [f"Invented Co {i}" for i in range(n)],
                         "laid_off": np.maximum(1, rng.lognormal(4, 1.5, n).round()).astype("int64")})


def test_layoffs_by_date_over_20000_events_aggregates_and_says_so(tmp_path):
    n = 25_000
    render_all({"fct_layoff_events": invented_events(n)}, tmp_path, "Sources: invented")
    for ext in ("png", "svg", "html"):
        assert (tmp_path / f"layoffs_by_date.{ext}").stat().st_size > 0
    assert 0 < drawn_marks(tmp_path / "layoffs_by_date.svg") <= LIMIT
    spec = embedded_spec(tmp_path / "layoffs_by_date.html")
    rows = data_rows(spec)
    assert 0 < len(rows) <= LIMIT
    text = subtitle(spec)
    assert f"{n:,} events" in text and ("monthly" in text or f"sampled {LIMIT:,}" in text), text
    assert sum(row.get("events", 0) for row in rows) == n, "every event is counted in some cell"


def test_layoffs_by_date_at_the_limit_still_draws_every_event(tmp_path):
    n = 5_500  # above Altair's own 5,000-row default, below the limit: one mark per event
    render_all({"fct_layoff_events": invented_events(n)}, tmp_path, "Sources: invented")
    spec = embedded_spec(tmp_path / "layoffs_by_date.html")
    names = {row["company"] for row in data_rows(spec) if "company" in row}
    assert len(names) == n
    assert drawn_marks(tmp_path / "layoffs_by_date.svg") >= n
    assert "monthly" not in subtitle(spec) and "sampled" not in subtitle(spec)


def test_monthly_series_over_20000_points_aggregate_and_say_so(tmp_path):
    months = pd.date_range("1700-01-01", periods=6_000, freq="MS")  # 500 years × 4 series = 24,000 points
    rng = np.random.default_rng(5)
    cols = ["laid_off", "layoff_events", "notable_models", "all_models", "postings_software_development",
            "postings_mathematics", "postings_scientific_research", "postings_total"]
    monthly = pd.DataFrame({"month": months, **{c: rng.uniform(50, 150, len(months)) for c in cols}})
    render_all({"layoffs_vs_ai_monthly": monthly, "job_postings_monthly": monthly}, tmp_path, "Sources: invented")
    for name in ("layoffs_vs_releases", "postings_by_sector"):
        assert 0 < drawn_marks(tmp_path / f"{name}.svg") <= LIMIT, name
        spec = embedded_spec(tmp_path / f"{name}.html")
        assert 0 < len(data_rows(spec)) <= LIMIT, name
        # 4 series x 6,000 months; the indexed chart draws a trailing 3-month mean only where its window is full
        points = 4 * (6_000 - 2) if name == "layoffs_vs_releases" else 4 * 6_000
        assert f"{points:,} monthly points shown as quarterly" in subtitle(spec), (name, subtitle(spec))
