"""dedup_stats from invented fct_layoff_events lineage rows."""

import pandas as pd
import pytest

from analytics.dedup_stats import dedup_stats
from analytics.series import AnalyticsInputError

COLS = ["crunchbase_ref", "layoffs_fyi_ref", "count_rule", "match_rule", "duplicate_refs", "crunchbase_laid_off",
        "layoffs_fyi_laid_off", "laid_off"]


def _events():
    rows = [
        # Mossgrove: layoffs.fyi listed it three times (two duplicates of 70)
        (None, "layoffs_fyi:aa:2", "single_source", None, "layoffs_fyi:aa:3,layoffs_fyi:aa:4", None, 70, 70),
        # same name, both known, different: the tracker's 240 is not added again
        ("crunchbase_tracker:bb:2", "layoffs_fyi:aa:5", "both_known_prefer_layoffs_fyi", "same_key+within_window",
         None, 240, 200, 200),
        # a typo pair with equal counts
        ("crunchbase_tracker:bb:3", "layoffs_fyi:aa:6", "both_known_equal", "edit_distance+within_window", None, 80, 80, 80),
        # equal counts 16 days apart
        ("crunchbase_tracker:bb:4", "layoffs_fyi:aa:7", "both_known_equal", "same_key+equal_count_extended", None,
         97, 97, 97),
        # a cumulative tracker count set aside; layoffs.fyi's round count unknown
        ("crunchbase_tracker:bb:5", "layoffs_fyi:aa:8", "cumulative_set_aside", "same_key+within_window", None,
         5000, None, None),
        ("crunchbase_tracker:bb:6", None, "single_source", None, None, 12, None, 12),
    ]
    return pd.DataFrame(rows, columns=COLS).astype({"crunchbase_laid_off": "Int64", "layoffs_fyi_laid_off": "Int64",
                                                    "laid_off": "Int64"})


def test_each_rule_counts_rows_and_people_not_counted_twice():
    t = dedup_stats(_events())
    by = {(r.rule, r.detail): r for r in t.itertuples()}
    assert t.iloc[0]["rows"] == 5 + 5 + 2          # tracker refs + layoffs.fyi refs + collapsed duplicates
    dup = t[t["rule"] == "within-source duplicates"].iloc[0]
    assert (dup["rows"], dup["people"]) == (2, 140)
    same = by[("cross-source pairs", "same normalised name; dates <= 7 days apart")]
    assert (same.rows, same.people) == (2, 240)     # 240 from the first pair; the set-aside 5000 is counted below
    fuzzy = t[t["rule"] == "cross-source pairs (fuzzy)"].iloc[0]
    assert (fuzzy["rows"], fuzzy["people"]) == (1, 80) and "edit distance" in fuzzy["detail"]
    wide = by[("cross-source pairs", "same normalised name; equal counts, 8-21 days apart")]
    assert (wide.rows, wide.people) == (1, 97)
    aside = t[t["rule"] == "cumulative counts set aside"].iloc[0]
    assert (aside["rows"], aside["people"]) == (1, 5000)
    out = t[t["rule"] == "events out"].iloc[0]
    assert (out["rows"], out["people"]) == (6, 70 + 200 + 80 + 97 + 12)


def test_missing_lineage_column_is_named():
    with pytest.raises(AnalyticsInputError, match="missing column.*duplicate_refs"):
        dedup_stats(_events().drop(columns="duplicate_refs"))


def test_no_events_gives_zero_rows():
    t = dedup_stats(_events().iloc[0:0])
    assert t.set_index("rule").loc["events out", "rows"] == 0
    assert t.set_index("rule").loc["source rows in", "rows"] == 0
