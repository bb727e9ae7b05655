"""One caption per published chart: what it shows and how to read it (shown in the chart and usable under it)."""

from __future__ import annotations

WARN_CHART_STATE = "WA"   # the state whose WARN notices chart warn_vs_trackers draws (Washington)
STATE_NAMES = {"WA": "Washington", "OR": "Oregon", "NY": "New York"}   # WARN states as the texts name them

CHART_CAPTIONS = {
    "layoffs_by_date": "Shows every reported tech layoff with a known head-count. Read: each dot is one layoff "
                       "(higher = more people, log scale); the blue line is the typical size of recent layoffs.",
    "model_releases_by_month": "Shows how many notable AI models Epoch lists per month. Read: taller bars = more "
                               "releases; pale bars in grey bands are months Epoch is still filling in.",
    "layoffs_vs_releases": "Shows layoffs and AI model releases on one scale. Read: 100 = a series' average month; "
                           "a line at 200 is twice its average. Moving together here is not cause and effect.",
    "lagged_correlations": "Shows whether one series' monthly changes line up with the other's some months later. "
                           "Read: a dot far from 0 whose band excludes 0 and is red would be a signal; grey is noise.",
    "postings_by_sector": "Shows US job postings on Indeed by field. Read: 100 = the level of 1 February 2020; "
                          "below 100 means fewer postings than before the pandemic.",
    "ai_cited_share": "Shows, per year, the share of layoffs whose news headline cites AI, under the broad and the "
                      "strict definition side by side. Read: the bar height is the year's share, the dark line its "
                      "uncertainty, the diamond the share by people; pale starred bars are part-years.",
    "sensitivity": "Shows whether the main result changes when the data are cut differently. Read: a blue line "
                   "crossing the dashed 0 means no association under that variant.",
    "company_event_study": "Shows whether companies released more AI models after their big layoffs than at other "
                           "times. Read: dots right of 0 = more than at random dates; the band is the overall "
                           "estimate's uncertainty.",
    "warn_vs_trackers": "Shows, for Washington, the people in official WARN layoff notices beside the people the "
                        "trackers report for the same companies. Read: lines are monthly totals; a grey rule joins a "
                        "tracker row (hollow) to the notices matched to it (green), left of it when filed earlier.",
}
