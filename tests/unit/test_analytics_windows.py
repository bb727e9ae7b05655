"""analysis_window and sensitivity on small invented marts (values written by hand or simulated)."""

import numpy as np
import pandas as pd
import pytest

from analytics.autocorr import ac_correlation
from analytics.sensitivity import sensitivity, top_lag, variants
from analytics.series import monthly_frame
from analytics.windows import analysis_window, tracker_series

MONTHS = pd.date_range("2020-04-01", "2024-12-01", freq="MS")


def _frames(seed=1, spike=False):
    rng = np.random.default_rng(seed)
    n = len(MONTHS)
    laid = rng.poisson(5000, n).astype(float)
    notable = rng.poisson(8, n).astype(float)
    if spike:   # one enormous month that moves with a notable-model jump: drives r on its own
        laid[30], notable[30] = 400_000.0, 40.0
    monthly = pd.DataFrame({"month": MONTHS, "laid_off": laid, "layoff_events": rng.poisson(60, n),
                            "notable_models": notable, "all_models": rng.poisson(30, n).astype(float),
                            "laid_off_us": laid / 2, "postings_software_development": 100 + rng.normal(0, 3, n)})
    monthly.loc[monthly["month"] == "2021-05-01", "laid_off"] = np.nan        # every event lacked a count
    monthly.loc[monthly["month"] > "2024-09-01", "all_models"] = np.nan       # coverage lag
    monthly.loc[monthly["month"] > "2024-08-01", "postings_software_development"] = np.nan
    lm = []
    for source, start, end in (("deduplicated", "2020-03-01", "2025-06-01"), ("layoffs_fyi", "2020-03-01", "2025-06-01"),
                               ("crunchbase_tracker", "2022-01-01", "2022-11-01")):
        for scope in ("global", "us"):
            m = pd.date_range(start, end, freq="MS")
            part = pd.DataFrame({"month": m, "source": source, "scope": scope,
                                 "laid_off": rng.poisson(3000, len(m)).astype(float), "excluded_reason": None})
            part.loc[part.index[0], "excluded_reason"] = f"partial first month: data from {start[:8]}11"
            part.loc[part.index[-1], "excluded_reason"] = f"partial last month: data through {end[:8]}20"
            lm.append(part)
    mm = pd.DataFrame({"month": list(pd.date_range("2019-01-01", "2025-03-01", freq="MS")) * 2,
                       "dataset": ["notable"] * 75 + ["all"] * 75, "models": 1, "excluded_reason": None})
    mm.loc[(mm["dataset"] == "notable") & (mm["month"] >= "2025-01-01"), "excluded_reason"] = "coverage lag: within 3 months"
    mm.loc[(mm["dataset"] == "all") & (mm["month"] >= "2024-10-01"), "excluded_reason"] = "coverage lag: within 6 months"
    jp = pd.DataFrame({"month": pd.date_range("2020-02-01", "2024-09-01", freq="MS"), "sector_excluded_reason": None,
                       "total_excluded_reason": None})
    jp.loc[jp.index[-1], "sector_excluded_reason"] = "partial last month: data through 2024-09-27"
    return {"layoffs_vs_ai_monthly": monthly, "layoffs_monthly": pd.concat(lm, ignore_index=True),
            "model_releases_monthly": mm, "job_postings_monthly": jp}


def test_analysis_window_states_each_series_window_and_why():
    w = analysis_window(_frames()).set_index("series")
    assert w.loc["notable_models", "last_month"] == pd.Timestamp("2024-12-01")
    assert w.loc["notable_models", "last_month_reason"] == "2025-01 left out: coverage lag: within 3 months"
    assert w.loc["all_models", "last_month"] == pd.Timestamp("2024-09-01")
    assert w.loc["all_models", "last_month_reason"].startswith("2024-10 left out: coverage lag: within 6 months")
    assert w.loc["laid_off", "first_month_reason"] == "2020-03 left out: partial first month: data from 2020-03-11"
    assert w.loc["laid_off", "last_month_reason"].startswith("end of the analysis table")
    assert w.loc["laid_off", "months"] == len(MONTHS) and w.loc["laid_off", "months_with_value"] == len(MONTHS) - 1
    assert "2021-05" in w.loc["laid_off", "note"] and "lacks a count" in w.loc["laid_off", "note"]
    assert w.loc["postings_software_development", "last_month_reason"].endswith("data through 2024-09-27")
    cb = w.loc["laid_off[crunchbase_tracker]"]
    assert (cb["first_month"], cb["last_month"]) == (pd.Timestamp("2022-02-01"), pd.Timestamp("2022-10-01"))
    assert cb["last_month_reason"] == "2022-11 left out: partial last month: data through 2022-11-20"


def test_analysis_window_without_reason_columns_falls_back_to_the_table_ends():
    frames = _frames()
    frames["model_releases_monthly"] = frames["model_releases_monthly"].drop(columns="excluded_reason")
    w = analysis_window(frames).set_index("series")
    assert w.loc["notable_models", "last_month_reason"].startswith("end of the analysis table")


def test_tracker_series_keeps_only_complete_months():
    s = tracker_series(_frames()["layoffs_monthly"], "crunchbase_tracker")
    assert (s.index[0], s.index[-1], len(s)) == (pd.Timestamp("2022-02-01"), pd.Timestamp("2022-10-01"), 9)
    assert tracker_series(pd.DataFrame(), "layoffs_fyi") is None


def test_sensitivity_rows_and_primary_row_equals_a_direct_computation():
    frames = _frames(seed=2)
    sens = sensitivity(frames).set_index("variant")
    assert {"primary (deduplicated)", "winsorized at p95", "log1p", "start 2022-01", "end 2024-12",
            "COVID months excluded", "US scope", "crunchbase_tracker alone", "layoffs_fyi alone"} <= set(sens.index)
    m = monthly_frame(frames["layoffs_vs_ai_monthly"])
    direct = ac_correlation(m["laid_off"].diff(), m["notable_models"].diff())
    row = sens.loc["primary (deduplicated)"]
    assert row["n"] == direct["n"] == len(MONTHS) - 1 - 2       # 2021-05 missing removes two differences
    assert row["r"] == pytest.approx(direct["r"]) and row["p_ac"] == pytest.approx(direct["p"])
    assert sens.loc["start 2022-01", "first_month"] == pd.Timestamp("2022-02-01")
    assert sens.loc["COVID months excluded", "first_month"] == pd.Timestamp("2021-02-01")
    assert sens.loc["US scope", "x_series"] == "laid_off_us"
    assert sens.loc["US scope", "last_month"] == pd.Timestamp("2024-08-01")
    assert sens.loc["crunchbase_tracker alone", "n"] == 8
    assert pd.isna(sens.loc["crunchbase_tracker alone", "top_lag"])   # no lag scan given: no top lag


def test_winsorizing_removes_a_single_month_driving_r():
    sens = sensitivity(_frames(seed=3, spike=True)).set_index("variant")
    assert sens.loc["primary (deduplicated)", "r"] > 0.5
    assert abs(sens.loc["winsorized at p95", "r"]) < 0.3
    assert abs(sens.loc["log1p", "r"]) < sens.loc["primary (deduplicated)", "r"]


def test_top_lag_is_the_smallest_p_nonzero_lag_of_the_primary_scan():
    lagged = pd.DataFrame({"x_series": "laid_off", "y_series": "notable_models", "transform": "diff",
                           "lag": [-1, 0, 2, 3], "p_ac": [0.2, 0.001, 0.04, 0.3]})
    assert top_lag(lagged) == 2
    frames = _frames()
    names = [v[0] for v in variants(monthly_frame(frames["layoffs_vs_ai_monthly"]), frames["layoffs_monthly"])]
    assert names[0] == "primary (deduplicated)"


def test_variants_repeating_the_primary_are_flagged_and_post_hoc_picks_carry_their_family_p():
    from analytics.report_sensitivity import sensitivity_section
    from analytics.stats import lagged_correlations

    frames = _frames(seed=2)
    lagged = lagged_correlations(frames["layoffs_vs_ai_monthly"], n_boot=10)
    sens = sensitivity(frames, lagged).set_index("variant")
    assert sens.loc["end 2024-12", "same_as_primary"]               # the months end in 2024-12 anyway
    assert not sens.loc[["winsorized at p95", "log1p", "start 2022-01"], "same_as_primary"].any()
    lag = int(sens.loc["primary (deduplicated)", "top_lag"])
    scan = lagged[(lagged["x_series"] == "laid_off") & (lagged["y_series"] == "notable_models")
                  & (lagged["transform"] == "diff") & (lagged["lag"] == lag)]
    assert sens.loc["primary (deduplicated)", "p_bh_family_top"] == pytest.approx(scan["p_bh_family"].iloc[0])
    assert sens.drop(index="primary (deduplicated)")["p_bh_family_top"].isna().all()
    text, tables = sensitivity_section(sens.reset_index())
    shown = dict(tables)
    assert list(shown["Sensitivity of the primary test"].columns) == ["variant", "months", "n", "r (lag 0)", "95% CI", "p"]
    assert shown["Sensitivity of the primary test"]["variant"].iloc[0].startswith("primary (deduplicated) = end 2024-12")
    post = next(t for caption, t in tables if caption.startswith("Chosen after looking"))
    assert post["statistic"].iloc[0] == f"r at lag {lag:+d} (chosen after looking)"
    assert "family-BH p" in post.columns and "not a like-for-like" in " ".join(text)
