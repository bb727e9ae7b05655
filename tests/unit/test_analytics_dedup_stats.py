"""dedup_stats from invented fct_layoff_events lineage rows."""

import pandas as pd
import pytest

from analytics.dedup_stats import dedup_stats
from analytics.series import AnalyticsInputError

COLS = ["crunchbase_ref", "layoffs_fyi_ref", "count_rule", "match_rule", "duplicate_refs", "crunchbase_laid_off",
        "layoffs_fyi_laid_off", "laid_off"]
D7 = ["duplicate_rules", "duplicate_laid_off", "date_conflict", "country"]


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


def _d7_events():
    """The issue's D7 cases, invented: repeats, a same-percentage pair and collapse, a citation pair, flags."""
    ev = _events().assign(duplicate_rules=None, duplicate_laid_off=None, date_conflict=False, country="United States")
    ev.loc[0, ["duplicate_rules", "duplicate_laid_off", "country"]] = ["same_listing,same_listing", "70,70", "Norway"]
    more = pd.DataFrame([
        # a repeat with the same count 2 days later (59) and one citing the same article with its own count (61)
        (None, "layoffs_fyi:aa:10", "single_source", None, "layoffs_fyi:aa:11,layoffs_fyi:aa:12", None, 59, 59,
         "repeat_same_count,repeat_same_url", "59,61", True, "United States"),
        # the same percentage: a later row of unknown count ("" is one unknown entry) collapsed into a row of 37
        (None, "layoffs_fyi:aa:13", "single_source", None, "layoffs_fyi:aa:14", None, 37, 37,
         "same_percentage", "", False, "Israel"),
        # the same percentage across the two trackers, 10 days apart, the tracker's 25 not kept
        ("crunchbase_tracker:bb:7", "layoffs_fyi:aa:15", "both_known_prefer_layoffs_fyi",
         "same_key+equal_pct_extended", None, 25, 30, 30, None, None, False, "United States"),
        # a layoffs.fyi row citing Crunchbase News, 33 days from the tracker's row, 100 and 100
        ("crunchbase_tracker:bb:8", "layoffs_fyi:aa:16", "both_known_equal", "same_key+crunchbase_citation", None,
         100, 100, 100, None, None, False, "United States"),
        # a tracker event that layoffs.fyi places in Canada
        ("crunchbase_tracker:bb:9", "layoffs_fyi:aa:17", "both_known_equal", "edit_distance+equal_pct_extended",
         None, 400, 400, 400, None, None, True, "Canada"),
    ], columns=COLS + D7)
    return pd.concat([ev, more], ignore_index=True).astype(
        {"crunchbase_laid_off": "Int64", "layoffs_fyi_laid_off": "Int64", "laid_off": "Int64"})


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
    # a mart without the D7 lineage columns: no flag rows, the new merge rules at zero
    assert not {"date contradicted by its URL", "U.S. scope from the country"} & set(t["rule"])
    assert t.set_index("rule").loc["within-source repeats", "rows"] == 0


def test_d7_rules_are_one_row_each_with_their_people():
    t = dedup_stats(_d7_events()).set_index("rule")
    d7 = ["within-source repeats", "same percentage", "Crunchbase News citation", "date contradicted by its URL",
          "U.S. scope from the country"]
    assert all((t.index == rule).sum() == 1 for rule in d7)
    assert tuple(t.loc["within-source duplicates", ["rows", "people"]]) == (2, 140)
    # each repeat's own count: 59 (same count) + 61 (same article, another count)
    assert tuple(t.loc["within-source repeats", ["rows", "people"]]) == (2, 59 + 61)
    # within layoffs.fyi the collapsed row's count is unknown: nobody; across: 25 and 400 (400 + 400 - 400)
    assert tuple(t.loc["same percentage", ["rows", "people"]]) == (1 + 2, 0 + 25 + 400)
    assert tuple(t.loc["Crunchbase News citation", ["rows", "people"]]) == (1, 100)
    assert tuple(t.loc["date contradicted by its URL", ["rows", "people"]]) == (2, 59 + 400)
    assert tuple(t.loc["U.S. scope from the country", ["rows", "people"]]) == (1, 400)   # Norway has no tracker row
    # the merges add up: source rows in - rows merged = events out
    merged = t.loc[["within-source duplicates", "within-source repeats", "same percentage",
                    "Crunchbase News citation", "cross-source pairs", "cross-source pairs (fuzzy)"], "rows"].sum()
    assert t.loc["source rows in", "rows"] - merged == t.loc["events out", "rows"] == 11
    # and so do the people: sum of every row's own known count - people not counted twice = people out
    ev = _d7_events()
    raw = (ev["crunchbase_laid_off"].fillna(0).sum() + ev["layoffs_fyi_laid_off"].fillna(0).sum()
           + 70 + 70 + 59 + 61)                                   # the collapsed duplicates' own counts
    kept_apart = t.loc[["within-source duplicates", "within-source repeats", "same percentage",
                        "Crunchbase News citation", "cross-source pairs", "cross-source pairs (fuzzy)",
                        "cumulative counts set aside"], "people"].sum()
    assert raw - kept_apart == t.loc["events out", "people"]


def test_missing_lineage_column_is_named():
    with pytest.raises(AnalyticsInputError, match="missing column.*duplicate_refs"):
        dedup_stats(_events().drop(columns="duplicate_refs"))


def test_no_events_gives_zero_rows():
    t = dedup_stats(_events().iloc[0:0])
    assert t.set_index("rule").loc["events out", "rows"] == 0
    assert t.set_index("rule").loc["source rows in", "rows"] == 0
