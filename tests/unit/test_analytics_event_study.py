"""company_event_study on invented organisations, layoffs and model lists."""

import numpy as np
import pandas as pd
import pytest

from analytics.event_study import company_event_study, expected_difference, offsets

ALIASES = pd.DataFrame([
    ("Quokka", "layoffs", "Quokka Inc"), ("Quokka", "epoch", "Quokka AI"), ("Wombat", "layoffs", "Wombat"),
    ("Wombat", "epoch", "Wombat Research"), ("Numbat", "layoffs", "Numbat"), ("Numbat", "epoch", "Numbat Labs"),
], columns=["canonical_org", "side", "name"]).assign(version="t-1")


def _models(rows):
    return pd.DataFrame(rows, columns=["dataset", "model", "organization", "publication_date"]).assign(
        publication_date=lambda d: pd.to_datetime(d["publication_date"]))


def _events(rows):
    return pd.DataFrame(rows, columns=["event_date", "company", "laid_off", "pct_impacted"]).assign(
        event_date=lambda d: pd.to_datetime(d["event_date"]))


def test_before_after_counts_triggers_and_exclusions():
    events = _events([
        ("2021-06-15", "Quokka Inc", 1500, None),       # >= 1,000 people
        ("2022-03-01", "Quokka Inc", 200, 0.12),        # >= 10%
        ("2022-09-01", "Quokka Inc", 300, 0.02),        # neither: not a big layoff
        ("2023-11-01", "Quokka Inc", 5000, None),       # the 12 months after run past the list's window
        ("2022-01-10", "Numbat", 2000, None),           # Numbat has only 2 models: not eligible
    ])
    models = _models([("notable", f"Q{i}", "Quokka AI", d) for i, d in enumerate(
        ["2020-07-01", "2021-01-01", "2021-06-14", "2021-06-15", "2021-12-01", "2022-06-14", "2022-06-16"])]
        + [("notable", "N1", "Numbat Labs", "2021-01-01"), ("notable", "N2", "Numbat Labs", "2022-05-01")])
    mm = pd.DataFrame({"month": pd.date_range("2019-01-01", "2024-06-01", freq="MS"), "dataset": "notable",
                       "excluded_reason": None})
    out = company_event_study(events, models, ALIASES, mm, n_perm=200)
    ev = out[out["row_type"] == "event"].set_index("event_date")
    assert set(ev["org"]) == {"Quokka"}
    first = ev.loc[pd.Timestamp("2021-06-15")]
    # before: [2020-06-15, 2021-06-15) -> 2020-07-01, 2021-01-01, 2021-06-14; after: [2021-06-15, 2022-06-15) -> 3
    assert (first["models_before"], first["models_after"], first["difference"]) == (3, 3, 0)
    assert first["trigger"] == ">= 1,000 people" and bool(first["included"])
    assert ev.loc[pd.Timestamp("2022-03-01"), "trigger"] == ">= 10% of staff"
    assert pd.Timestamp("2022-09-01") not in ev.index
    late = ev.loc[pd.Timestamp("2023-11-01")]
    assert not late["included"] and "past the list's window (2024-06-30)" in late["exclusion_reason"]
    pooled = out[out["row_type"] == "pooled"].iloc[0]
    assert pooled["n_events"] == 2 and pooled["n_orgs"] == 1 and pooled["alias_version"] == "t-1"


def test_expected_difference_is_the_mean_over_every_day():
    dates = np.sort(pd.to_datetime(["2021-01-02", "2021-07-01"]).to_numpy("datetime64[ns]").astype(np.int64))
    # 2021-01-01 and 01-02: both models in [day, day + 365) -> +2; 2021-01-03: 2021-01-02 is before -> 0
    assert expected_difference(dates, pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03")) == pytest.approx(4 / 3)


def _burst_after_layoffs(rng, orgs, burst):
    events, models = [], []
    for org in orgs:
        layoff_days = pd.to_datetime(["2021-03-01", "2022-02-01", "2023-01-15"]) + pd.to_timedelta(
            rng.integers(0, 40, 3), unit="D")
        events += [(d, org, 2000, None) for d in layoff_days]
        background = pd.to_datetime("2019-01-01") + pd.to_timedelta(rng.integers(0, 2200, 30), unit="D")
        extra = [d + pd.Timedelta(days=int(k)) for d in layoff_days for k in rng.integers(5, 200, burst)]
        dates = list(background) + extra
        models += [("notable", f"{org}{i}", f"{org} Research" if org == "Wombat" else f"{org} AI" if org == "Quokka"
                    else f"{org} Labs", d) for i, d in enumerate(dates)]
    return _events(events).assign(company=lambda d: d["company"].map({"Quokka": "Quokka Inc"}).fillna(d["company"])), \
        _models(models)


def test_permutation_test_finds_a_burst_after_layoffs_and_not_its_absence():
    rng = np.random.default_rng(9)
    mm = pd.DataFrame({"month": pd.date_range("2018-01-01", "2024-12-01", freq="MS"), "dataset": "notable",
                       "excluded_reason": None})
    events, models = _burst_after_layoffs(rng, ["Quokka", "Wombat", "Numbat"], burst=15)
    burst = company_event_study(events, models, ALIASES, mm, n_perm=500, seed=1)
    p = burst[burst["row_type"] == "pooled"].iloc[0]
    assert p["n_events"] == 9 and p["n_orgs"] == 3
    assert p["mean_excess"] > 4 and p["excess_ci_low"] > 0 and p["perm_p"] < 0.05
    events, models = _burst_after_layoffs(np.random.default_rng(10), ["Quokka", "Wombat", "Numbat"], burst=0)
    flat = company_event_study(events, models, ALIASES, mm, n_perm=500, seed=1)
    q = flat[flat["row_type"] == "pooled"].iloc[0]
    assert q["perm_p"] > 0.05 and q["excess_ci_low"] < 0 < q["excess_ci_high"]
    assert q["null_mean_difference"] == pytest.approx(q["mean_difference"] - q["mean_excess"])


def test_no_eligible_organisation_gives_an_empty_table():
    events = _events([("2022-01-10", "Numbat", 2000, None)])
    models = _models([("notable", "N1", "Numbat Labs", "2021-01-01")])
    assert company_event_study(events, models, ALIASES).empty


def test_random_offsets_keep_an_organisations_spacing_and_stay_in_its_time_window():
    own = pd.to_datetime(["2022-11-14", "2023-01-04", "2023-03-20"]).to_numpy("datetime64[ns]").astype(np.int64)
    start, last = pd.Timestamp("2020-03-01"), pd.Timestamp("2023-06-30")
    shift = offsets(own, start, last, 6)
    moved = own[None, :] + shift[:, None]
    assert (np.diff(moved, axis=1) == np.diff(own)).all()                 # the cluster moves as one block
    assert moved.min() >= start.value - 1 and moved.max() <= last.value    # never past the list's coverage
    assert shift.min() == -183 * 86_400 * 10**9 and shift.max() == (last - pd.Timestamp("2023-03-20")).value
    assert len(offsets(own, start, last, None)) > len(shift)              # the untimed window is wider


def test_one_row_per_random_date_window_and_time_matching_removes_a_trend():
    """Output grows steadily: layoffs late in the record see more models after than before at any date. Random
    dates near the layoffs absorb that; random dates anywhere (mostly earlier, slower years) do not."""
    days = pd.date_range("2018-01-01", "2024-12-31", freq="D")
    cumulative = np.cumsum(np.exp(np.linspace(0, 3, len(days))))   # deterministic dates, ever faster growth
    picks = np.unique(np.searchsorted(cumulative, np.linspace(0, cumulative[-1], 400, endpoint=False)))
    models = _models([("notable", f"Q{i}", "Quokka AI", days[k]) for i, k in enumerate(picks)])
    events = _events([(d, "Quokka Inc", 2000, None) for d in ["2022-11-10", "2023-01-05", "2023-03-01"]])
    mm = pd.DataFrame({"month": pd.date_range("2018-01-01", "2024-12-01", freq="MS"), "dataset": "notable",
                       "excluded_reason": None})
    events = pd.concat([events, _events([("2018-06-01", "Quokka Inc", 10, None)])])   # the record starts in 2018
    out = company_event_study(events, models, ALIASES, mm, n_perm=300, seed=2)
    rows = out[out["row_type"].isin(["pooled", "window"])].set_index("null_window")
    assert list(out.loc[out["row_type"] == "pooled", "null_window"]) == ["±6 months"]
    assert set(rows.index) == {"±3 months", "±6 months", "±12 months", "whole layoff record (untimed)"}
    assert rows.loc["whole layoff record (untimed)", "null_mean_difference"] < rows.loc["±6 months",
                                                                                       "null_mean_difference"]
    assert abs(rows.loc["±3 months", "mean_excess"]) < abs(rows.loc["whole layoff record (untimed)", "mean_excess"])
