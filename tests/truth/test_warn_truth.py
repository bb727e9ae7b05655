"""WARN coverage table, chart warn_vs_trackers and the report's WARN sentences against the oracle; each oracle fails on a mutation."""

from __future__ import annotations

import pandas as pd
import pytest

import analytics.warn_chart as warn_chart
import analytics.warn_coverage as warn_coverage
from analytics.chart_files import chart_spec
from analytics.report_warn import warn_section
from analytics.warn_coverage import MatchWindow, tracker_warn_coverage
from tests.support import warn_marts
from tests.truth import oracle_warn

CAUGHT = AssertionError
MARTS = ("tracker_state_events", "warn_tracker_matches", "fct_warn_notices", "warn_monthly")


def _invented() -> dict[str, pd.DataFrame]:
    """The invented marts with their rows in a scrambled stored order."""
    return {name: frame.sample(frac=1.0, random_state=4).reset_index(drop=True)
            for name, frame in warn_marts.frames().items()}


def _published_marts(published) -> dict[str, pd.DataFrame]:
    return {m: published.table(f"marts.{m}") for m in MARTS}


def _check_all(frames: dict[str, pd.DataFrame], window: tuple[int, int]) -> None:
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*window))
    oracle_warn.check_coverage(yearly, pooled, frames, window)
    oracle_warn.check_warn_chart(chart_spec(warn_chart.warn_vs_trackers(frames, "test")), frames)
    oracle_warn.check_warn_report("\n".join(warn_section(yearly, pooled)[0]), frames, window)


def test_invented_marts_agree_with_the_oracle():
    _check_all(_invented(), warn_marts.WINDOW)


def test_oracle_agrees_with_the_hand_worked_answers():
    """The oracle itself against tests/support/warn_marts.BY_HAND (so neither side can drift with the other)."""
    yearly, _ = oracle_warn.coverage_truth(_invented(), *warn_marts.WINDOW)
    row = yearly.set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2022)]
    assert (row["tracker_events_in_state"], row["matched_to_warn"], row["median_day_gap"], row["day_gap_q1"]) == (
        4, 3, 0.0, -7.0)
    assert row["median_count_ratio"] == pytest.approx(0.35)
    lines, pairs = oracle_warn.chart_truth(_invented())
    totals = lines.groupby("series")["people"].sum()
    # the same companies per tracker: layoffs.fyi's WA companies' notices (Acme, listed only in CA, left out) ...
    assert totals[oracle_warn.WARN_LINES["layoffs_fyi"]] == 2170 and totals["layoffs.fyi: laid off"] == 11950
    # ... and the Crunchbase tracker's (Amazon's N7 inside its span; Google's N8 after it)
    assert totals[oracle_warn.WARN_LINES["crunchbase_tracker"]] == 400 and totals["Crunchbase tracker: laid off"] == 2500
    row = yearly.set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2023)]
    assert (row["filings_tracked_companies"], row["warn_notices_tracked_companies"]) == (3, 4)   # N5 + N12: one
    assert len(pairs) == 6


# --- the published reference run ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_published_coverage_table(published):
    oracle_warn.check_coverage(published.table("analytics.tracker_warn_coverage"),
                               published.table("analytics.tracker_warn_coverage_all_years"),
                               _published_marts(published), oracle_warn.dbt_window())


@pytest.mark.slow
def test_published_warn_vs_trackers_chart(published):
    oracle_warn.check_warn_chart(published.spec("warn_vs_trackers"), _published_marts(published))


@pytest.mark.slow
def test_published_report_states_the_pooled_numbers(published):
    marts, window = _published_marts(published), oracle_warn.dbt_window()
    oracle_warn.check_warn_report(published.report_md, marts, window)
    assert "What WARN cannot show: Thresholds" in published.report_md


# --- mutations ----------------------------------------------------------------------------------------------------

def test_the_after_days_cut_left_out_is_caught(published):
    """Tracker rows near a state's last notice counted (window after-days 0): coverage would be understated."""
    for frames, window in ((_invented(), warn_marts.WINDOW), (_published_marts(published), oracle_warn.dbt_window())):
        yearly, pooled = tracker_warn_coverage(frames, MatchWindow(window[0], 0))
        with pytest.raises(CAUGHT):
            oracle_warn.check_coverage(yearly, pooled, frames, window)


def test_a_normal_interval_instead_of_wilson_is_caught(monkeypatch):
    def normal(count, nobs, alpha=0.05):
        p = pd.Series(count, dtype=float) / pd.Series(nobs, dtype=float)
        half = 1.96 * (p * (1 - p) / pd.Series(nobs, dtype=float)) ** 0.5
        return (p - half).to_numpy(), (p + half).to_numpy()
    monkeypatch.setattr(warn_coverage, "wilson", normal)
    frames = _invented()
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="ci_"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)
    with pytest.raises(CAUGHT, match="95% CI"):
        oracle_warn.check_warn_report("\n".join(warn_section(yearly, pooled)[0]), frames, warn_marts.WINDOW)


def test_the_latest_notices_gap_instead_of_the_earliest_is_caught(monkeypatch):
    original = warn_coverage._eligible_events

    def latest(w, states):
        ev = original(w, states)
        last = w["warn_tracker_matches"].groupby(["tracker", "tracker_event_ref"])["day_gap"].max()
        return ev.assign(first_gap=[last.get(k) for k in zip(ev["tracker"], ev["tracker_event_ref"])])
    monkeypatch.setattr(warn_coverage, "_eligible_events", latest)
    frames = _invented()
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="day_gap"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_a_round_counted_as_its_largest_notice_only_is_caught(monkeypatch):
    """The count ratio from one notice of a round instead of the workers of all its notices added up."""
    original = warn_coverage._eligible_events

    def largest(w, states):
        ev = original(w, states)
        top = pd.to_numeric(w["warn_tracker_matches"]["warn_workers"], errors="coerce").groupby(
            [w["warn_tracker_matches"]["tracker"], w["warn_tracker_matches"]["tracker_event_ref"]]).max()
        workers = pd.Series([top.get(k) for k in zip(ev["tracker"], ev["tracker_event_ref"])], index=ev.index, dtype=float)
        return ev.assign(ratio=workers / pd.to_numeric(ev["laid_off"], errors="coerce").where(lambda s: s > 0))
    monkeypatch.setattr(warn_coverage, "_eligible_events", largest)
    frames = _invented()
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="count_ratio"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_chart_values_taken_in_stored_row_order_are_caught(monkeypatch, published):
    """The round-3 bug: a monthly series' values laid on the month grid by row position, not looked up by month."""
    def positional(months, values, grid, fill=None):
        v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()[:len(grid)]
        return pd.Series(list(v) + [fill if fill is not None else float("nan")] * (len(grid) - len(v)), index=grid)
    monkeypatch.setattr(warn_chart, "_on_months", positional)
    for frames in (_invented(), {m: f.sample(frac=1.0, random_state=2) for m, f in _published_marts(published).items()}):
        with pytest.raises(CAUGHT, match="lines"):
            oracle_warn.check_warn_chart(chart_spec(warn_chart.warn_vs_trackers(frames, "mutant")), frames)


def test_chart_months_out_of_order_are_caught(monkeypatch):
    monkeypatch.setattr(warn_chart, "_grid", lambda first, last: pd.date_range(first, last, freq="MS")[::-1])
    frames = _invented()
    with pytest.raises(CAUGHT, match="out of month order"):
        oracle_warn.check_warn_chart(chart_spec(warn_chart.warn_vs_trackers(frames, "mutant")), frames)


def test_tracker_rows_of_companies_without_a_notice_in_the_chart_are_caught():
    frames = _invented()
    lying = dict(frames, fct_warn_notices=pd.concat([frames["fct_warn_notices"], frames["fct_warn_notices"].iloc[[0]]
                                                     .assign(company_key="t-mobile", warn_notice_id="x")]))
    with pytest.raises(CAUGHT, match="lines"):
        oracle_warn.check_warn_chart(chart_spec(warn_chart.warn_vs_trackers(lying, "mutant")), frames)


def test_recall_ci_per_notice_instead_of_per_filing_is_caught(monkeypatch):
    """The old interval: every notice an independent trial (N5 and N12, one filing, counted as two)."""
    monkeypatch.setattr(warn_coverage, "_recall_ci", lambda k, n, filings: tuple(
        v[0] for v in warn_coverage.wilson([k], [n])))
    frames = _invented()
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="recall_ci"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_recall_over_companies_listed_anywhere_is_caught():
    """The old denominator: notices of companies the tracker lists anywhere (Acme, only in CA, counted in WA)."""
    frames = _invented()
    n = frames["fct_warn_notices"]
    lying = dict(frames, fct_warn_notices=n.assign(tracked_in_state_by_layoffs_fyi=n["tracked_by_layoffs_fyi"],
                                                  tracked_in_state_by_crunchbase_tracker=n["tracked_by_crunchbase_tracker"]))
    yearly, pooled = tracker_warn_coverage(lying, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="warn_notices_tracked"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_a_count_ratio_from_a_round_with_an_unknown_count_is_caught(monkeypatch):
    """A notice of L4's round without workers: the ratio must be dropped, not computed from the others."""
    notices = warn_marts.NOTICES + [("N13", "WA", "amazon", "2022-03-20", None, True, True)]
    frames = warn_marts.frames(notices=notices, matches=warn_marts.MATCHES + [("N13", "layoffs_fyi", "L4", 5)])
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)
    assert yearly.set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2022), "n_count_ratio"] == 1
    monkeypatch.setattr(warn_coverage, "_round_workers", lambda s: s.sum(min_count=1))
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="count_ratio"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_partial_year_by_the_export_months_only_is_caught(monkeypatch):
    """WA 2022 has 12 months of notices, but layoffs.fyi's rows are compared only from 2022-02-09."""
    monkeypatch.setattr(warn_coverage, "_partial", lambda months, year, td, nd: months < 12)
    frames = _invented()
    yearly, pooled = tracker_warn_coverage(frames, MatchWindow(*warn_marts.WINDOW))
    with pytest.raises(CAUGHT, match="partial_year"):
        oracle_warn.check_coverage(yearly, pooled, frames, warn_marts.WINDOW)


def test_a_warn_line_of_companies_listed_anywhere_is_caught(monkeypatch):
    """The old WARN line: notices of companies a tracker lists anywhere (Acme's WA notice, listed only in CA)."""
    monkeypatch.setattr(warn_chart, "_placed", lambda notices, rows, tracker: notices[
        notices[f"tracked_by_{tracker}"].astype(bool)])
    frames = _invented()
    with pytest.raises(CAUGHT, match="lines"):
        oracle_warn.check_warn_chart(chart_spec(warn_chart.warn_vs_trackers(frames, "mutant")), frames)
