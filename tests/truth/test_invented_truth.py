"""The chart functions on invented marts whose answers are known by hand (rows stored out of order)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.chart_files import chart_spec
from analytics.charts import build_charts
from analytics.charts_series import layoffs_vs_releases
from tests.truth import oracle
from tests.truth.invented import BY_HAND, SIX_MONTHS, invented_frames


def _points(spec: dict) -> dict:
    data = oracle.dataset(spec, "month", "series", "index")
    return {(s, f"{pd.Timestamp(m).tz_localize(None):%Y-%m-%d}"): v
            for s, m, v in zip(data["series"], data["month"], data["index"])}


def test_six_month_trailing_mean_is_the_one_worked_by_hand():
    spec = chart_spec(layoffs_vs_releases(SIX_MONTHS, "invented", columns=("laid_off", "notable_models")))
    got = _points(spec)
    assert got.keys() == BY_HAND.keys()
    assert got == pytest.approx(BY_HAND, abs=1e-12)


def test_the_oracle_itself_gives_the_hand_worked_answer():
    truth = oracle.indexed_truth(SIX_MONTHS)
    got = {(s, f"{m:%Y-%m-%d}"): v for s, m, v in zip(truth["series"], truth["month"], truth["index"])}
    assert got == pytest.approx(BY_HAND, abs=1e-12)


@pytest.fixture(scope="module")
def invented():
    frames = invented_frames()
    charts = build_charts(frames, "invented")
    return frames, {name: chart_spec(chart) for name, chart in charts.items()}


def test_every_time_chart_matches_the_oracle_on_invented_marts(invented):
    frames, specs = invented
    oracle.check_layoffs_vs_releases(specs["layoffs_vs_releases"], frames["layoffs_vs_ai_monthly"])
    oracle.check_model_releases(specs["model_releases_by_month"], frames["fct_model_releases"],
                                frames["model_releases_monthly"], frames["layoffs_vs_ai_monthly"])
    oracle.check_postings(specs["postings_by_sector"], frames["job_postings_monthly"])
    oracle.check_layoffs_by_date(specs["layoffs_by_date"], frames["fct_layoff_events"])
    oracle.check_ai_cited(specs["ai_cited_share"], frames["ai_cited_layoffs_monthly"])


def test_partial_years_are_marked(invented):
    _, specs = invented
    bars = oracle.dataset(specs["ai_cited_share"], "year", "year_label", "definition")
    assert set(bars["year_label"]) == {"2024*", "2025*"}       # Mar-Dec 2024 and Jan-Feb 2025: both partial
    assert set(bars["definition"]) == {"broad", "strict"}

