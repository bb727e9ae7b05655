"""run_analytics end to end on small synthetic marts: tables, charts (PNG/SVG/HTML) and the offline report."""

import re

import numpy as np
import pandas as pd
import pytest

from analytics import run_analytics
from analytics.charts import CHART_NAMES, render_all
from analytics.charts_findings import FINDINGS_CHARTS
from analytics.descriptions import TABLE_DESCRIPTIONS
from analytics.report import build_report

SOURCES = [
    dict(dataset="layoffs_fyi", topics=["layoffs"], name="Invented layoff tracker", url="https://example.org/layoffs",
         status="ok", data_through="2024-12-29", retrieved="2024-12-31", sha256="1" * 64, license="test licence A"),
    dict(dataset="epoch_notable", topics=["model_releases", "notable_models"], name="Invented model list", url="https://example.org/models.csv",
         status="ok", data_through="2025-01-14", retrieved="2025-01-15", sha256="ab" * 32, license="CC BY 4.0"),
    dict(dataset="indeed_postings_by_sector", topics=["job_postings", "job_postings_by_sector"],
         name="Invented postings index", url="https://example.org/postings.csv",
         status="stale", error="GET https://example.org/postings.csv failed: HTTP 500 after 6 attempts",
         data_through="2024-11-28", retrieved="2024-11-30", sha256="c" * 64, license="CC BY 4.0"),
]


def synthetic_frames(seed=1):
    """Small frames shaped like the marts in docs/architecture.md (all names and values invented)."""
    rng = np.random.default_rng(seed)
    month = pd.date_range("2020-03-01", "2024-12-01", freq="MS")
    n = len(month)
    events = rng.poisson(20, n) + np.arange(n) // 3
    post = 100 + np.cumsum(rng.normal(0, 2, n))
    post[-6:] = np.nan
    monthly = pd.DataFrame({"month": month, "layoff_events": events, "laid_off": events * rng.integers(50, 500, n),
                            "notable_models": rng.poisson(8, n), "all_models": rng.poisson(25, n)})
    monthly["rolling_4m_laid_off"] = monthly["laid_off"].rolling(4).mean()
    monthly["layoff_events_us"], monthly["laid_off_us"] = monthly["layoff_events"] // 2, monthly["laid_off"] // 2
    postings = pd.DataFrame({"month": month})
    for col in ("software_development", "mathematics", "scientific_research", "it_operations", "total"):
        postings[f"postings_{col}"] = post + rng.normal(0, 1, n)
        monthly[f"postings_{col}"] = postings[f"postings_{col}"]
    companies = ["Meta", "Google", "Acme Widgets", "Zorblax Labs", "Meta"]
    ev = pd.DataFrame({
        "event_id": [f"e{i}" for i in range(250)],
        "event_date": month[rng.integers(0, n, 250)] + pd.to_timedelta(rng.integers(0, 27, 250), unit="D"),
        "company": [companies[i % 5] for i in range(250)],
        "laid_off": pd.array([None if i % 7 == 0 else int(rng.integers(5, 12000)) for i in range(250)], dtype="Int64"),
        "sources": ["crunchbase_tracker" if i % 2 else "layoffs_fyi" for i in range(250)],
    })
    ev["count_known"] = ev["laid_off"].notna()
    ev["pct_impacted"] = np.where(np.arange(250) % 3 == 0, 0.15, 0.02)
    ev["crunchbase_ref"] = [f"crunchbase_tracker:x:{i}" if i % 2 else None for i in range(250)]
    ev["layoffs_fyi_ref"] = [None if i % 2 else f"layoffs_fyi:y:{i}" for i in range(250)]
    ev["count_rule"], ev["match_rule"], ev["duplicate_refs"] = "single_source", None, None
    ev.loc[4, "duplicate_refs"] = "layoffs_fyi:y:9999"
    ev["crunchbase_laid_off"] = ev["laid_off"].where(ev["crunchbase_ref"].notna())
    ev["layoffs_fyi_laid_off"] = ev["laid_off"].where(ev["layoffs_fyi_ref"].notna())
    orgs = [("Meta AI", "industry"), ("Google DeepMind,Google Brain", "industry"), ("Quux University", "academia"),
            ("Quux University,Meta AI", "collaboration")]
    pub = month[rng.integers(0, n, 160)]
    models = pd.DataFrame({"model_release_id": [f"m{i}" for i in range(160)],
                           "dataset": ["notable" if i % 5 else "all" for i in range(160)],
                           "model": [f"Model {i}" for i in range(160)],
                           "organization": [orgs[i % 4][0] for i in range(160)],
                           "organization_category": [orgs[i % 4][1] for i in range(160)],
                           "publication_date": pub, "release_month": pub})
    stats = pd.DataFrame([dict(source="crunchbase_tracker", year=2022, events=379, events_with_count=232,
                               events_unknown=147, max_laid_off=11000, min_laid_off=5, mean_laid_off=367.65,
                               median_laid_off=90.0, std_laid_off=1150.4, companies=360, companies_with_count=230)])
    wide = pd.date_range("2020-02-01", "2025-02-01", freq="MS")
    releases = pd.DataFrame({"month": list(wide) * 2, "dataset": ["notable"] * len(wide) + ["all"] * len(wide),
                             "models": 3, "excluded_reason": None})
    releases.loc[releases["month"] > "2024-12-01", "excluded_reason"] = "coverage lag: within 2 months (invented)"
    trackers = pd.concat([pd.DataFrame({"month": wide, "source": src, "scope": "global", "laid_off": 100.0 + i,
                                        "excluded_reason": None}) for i, src in
                          enumerate(("deduplicated", "layoffs_fyi", "crunchbase_tracker"))], ignore_index=True)
    trackers.loc[trackers["month"] == "2020-02-01", "excluded_reason"] = "partial first month: data from 2020-02-20"
    return {"layoffs_vs_ai_monthly": monthly, "fct_layoff_events": ev, "fct_model_releases": models,
            "job_postings_monthly": postings, "layoff_count_stats": stats, "model_releases_monthly": releases,
            "layoffs_monthly": trackers}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    tables = run_analytics(synthetic_frames(), home, SOURCES, n_boot=200, lag_n_boot=50)
    return home, tables


def test_every_table_is_returned(run):
    _, tables = run
    for name in ("correlations", "lagged_correlations", "granger_tests", "company_layoffs_vs_releases",
                 "stationarity", "blog_table", "blog_omitted_unknowns", "analysis_window", "sensitivity",
                 "company_event_study", "dedup_stats"):
        assert name in tables and not tables[name].empty, name
    assert set(tables) <= set(TABLE_DESCRIPTIONS)        # each table becomes an asset with its description
    assert set(tables["company_event_study"]["row_type"]) == {"event", "pooled", "window"}
    assert tables["dedup_stats"].set_index("rule").loc["within-source duplicates", "rows"] == 1
    assert set(tables["company_layoffs_vs_releases"]["org"]) == {"Meta", "Google"}
    assert set(tables["lagged_correlations"]["lag"]) == set(range(-12, 13))
    assert set(tables["granger_tests"]["status"]) <= {"tested", "skipped", "error"}


def test_charts_written_as_png_svg_and_offline_html(run):
    home, _ = run
    for name in CHART_NAMES + FINDINGS_CHARTS:
        png = (home / "charts" / f"{name}.png").read_bytes()
        assert len(png) > 1000 and png[:8] == b"\x89PNG\r\n\x1a\n", name
        assert "<svg" in (home / "charts" / f"{name}.svg").read_text(encoding="utf-8")[:500]
        html = (home / "charts" / f"{name}.html").read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", html), name
        assert "cdn.jsdelivr" not in html and "vega" in html
    svg = (home / "charts" / "layoffs_by_date.svg").read_text(encoding="utf-8")
    assert "Invented layoff tracker" in svg and "Invented model list" not in svg   # per-chart sources caption


def test_missing_frame_renders_a_no_data_chart(tmp_path):
    paths = render_all({}, tmp_path, "Sources: none")
    assert len(paths) == 3 * (len(CHART_NAMES) + len(FINDINGS_CHARTS))
    assert "No data available" in (tmp_path / "postings_by_sector.svg").read_text(encoding="utf-8")
    assert "No data available" in (tmp_path / "sensitivity.svg").read_text(encoding="utf-8")


def test_png_is_the_svg_rasterised_as_vl_convert_would(tmp_path):
    """save_chart rasterises its SVG instead of laying the chart out again: the PNG must be the one vl-convert makes."""
    import altair as alt
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    from analytics.chart_files import chart_spec, save_chart

    df = pd.DataFrame({"x": np.arange(30), "y": np.sin(np.arange(30)), "k": ["a", "b", "c"] * 10})
    chart = alt.Chart(df).mark_line(clip=True).encode(x="x:Q", y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1])),
                                                      color="k:N").properties(title="Ünïcode – title")
    save_chart(chart, tmp_path, "c")
    want = vlc.vegalite_to_png(chart_spec(chart), vl_version=vl_version_for_vl_convert(), scale=2,
                               allowed_base_urls=[])
    assert (tmp_path / "c.png").read_bytes() == want


def test_report_is_self_contained_and_complete(run):
    home, _ = run
    html = (home / "report" / "index.html").read_text(encoding="utf-8")
    md = (home / "report" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        for number in ("11,000", "367.6", "1,150", "232", "147"):
            assert number in text, number
        for src in SOURCES:
            assert src["sha256"] in text and src["data_through"] in text and src["license"] in text
            assert src["retrieved"] in text
        assert "STALE" in text and "HTTP 500 after 6 attempts" in text  # the stale source says so, with why
        assert "Granger" in text and "Caveats" in text and "Meta" in text
    assert not re.search(r"<script", html)
    assert not re.search(r"<link\b", html) and "@import" not in html
    assert not re.search(r"(src|href)=[\"'](?!https://example\.org)[a-z]+://", html)  # only source hyperlinks
    assert html.count("<svg") >= len(CHART_NAMES) + len(FINDINGS_CHARTS)
    assert "../charts/layoffs_by_date.png" in md and "../charts/sensitivity.png" in md


def test_report_opens_with_the_question_findings_and_data_through(run):
    home, tables = run
    md = (home / "report" / "report.md").read_text(encoding="utf-8")
    paragraphs = [p for p in md.split("\n\n") if p.strip()]
    assert paragraphs[0].startswith("# ") and paragraphs[1].startswith("The question:")
    assert paragraphs[2] == "## Findings"
    items = paragraphs[3].splitlines()
    assert 2 <= len(items) <= 5 and all(re.match(r"\d\. .+ \[Details\]\(#[a-z-]+\)$", i) for i in items)
    for anchor in re.findall(r"\(#([a-z-]+)\)", paragraphs[3]):      # every finding links to a section
        assert f'<a id="{anchor}"></a>' in md
    # the primary finding, recomputed here: r and n of the month-over-month changes over the primary window
    w = tables["analysis_window"].set_index("series")
    first = max(w.loc["laid_off", "first_month"], w.loc["notable_models", "first_month"])
    last = min(w.loc["laid_off", "last_month"], w.loc["notable_models", "last_month"])
    m = synthetic_frames()["layoffs_vs_ai_monthly"].sort_values("month")
    m = m[(m["month"] >= first) & (m["month"] <= last)]
    d = m[["laid_off", "notable_models"]].astype(float).diff().dropna()
    assert f"r = {d['laid_off'].corr(d['notable_models']):.2f}" in items[0] and f"n = {len(d)} months" in items[0]
    through = paragraphs[4]
    assert through.startswith("Data through:") and "\n" not in through
    for src in SOURCES:
        assert f"({src['dataset']}) {src['data_through']}" in through
    assert "## Contents" in paragraphs[5]


def test_report_primary_section_states_the_window_and_when_the_test_was_declared(run):
    home, tables = run
    md = (home / "report" / "report.md").read_text(encoding="utf-8")
    section = md.split('<a id="primary-test"></a>', 1)[1].split("<a id=", 1)[0]
    paragraphs = [p for p in section.split("\n\n") if p.strip()][1:]
    primary, declared, window = paragraphs[0], paragraphs[1], paragraphs[2]
    w = tables["analysis_window"].set_index("series")
    assert window.startswith("Window: the primary test covers")
    assert f"{w.loc['laid_off', 'first_month']:%B %Y}" in window
    for src in SOURCES:                                   # every source with its data-through date
        assert f"data through {src['data_through']}" in window
    assert "COVID-19 2020" in window and "sparse 2021" in window
    assert primary.startswith("Primary result") and "declared before looking" not in md
    assert "commit 7dd3627" in declared and "not declared before anyone looked" in declared
    primary_row = tables["correlations"].set_index(["x_series", "y_series", "transform"]).loc[
        ("laid_off", "notable_models", "diff")]
    assert f"r = {primary_row['pearson_r']:.2f}" in primary and f"n = {int(primary_row['n'])} month pairs" in primary
    assert f"{primary_row['ac_ci_low']:.2f} to {primary_row['ac_ci_high']:.2f}" in primary


def test_report_charts_link_to_their_interactive_pages_and_tables_scroll_alone(run):
    home, _ = run
    html = (home / "report" / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r"<figure id='chart-([a-z_]+)'>", html)
    assert len(charts) == len(CHART_NAMES) + len(FINDINGS_CHARTS)
    for name in charts:
        assert f"<a href='../charts/{name}.html'>" in html and (home / "charts" / f"{name}.html").is_file()
    assert html.count("<table") == html.count("<div class='table-wrap'><table")
    assert "width=device-width" in html and ".table-wrap{max-width:100%;overflow-x:auto" in html


def test_report_wording_states_limits_and_picks_no_strongest(run):
    home, _ = run
    for name in ("report.md", "index.html"):
        text = (home / "report" / name).read_text(encoding="utf-8")
        assert "strongest" not in text.lower() and "Granger causality" not in text
        assert "What this cannot show" in text
        for limit in ("Tracker coverage", "Reporting lag", "Scope mismatch", "Dominance by single events",
                      "Multiple testing"):
            assert limit in text, limit
        assert "Everything else is reported with the" not in text and "second, independent check" not in text
        assert "NOT adjusted: the levels rows" in text and "only the US-scope row of the sensitivity table compares like with like" not in text


def test_report_refuses_a_source_without_name_and_flags_missing_provenance(tmp_path):
    bad = [dict(SOURCES[0], name="")]
    with pytest.raises(ValueError, match=r"sources\[0\] \(\): missing name"):
        build_report({}, {}, bad, tmp_path)
    html_path, md_path = build_report({}, {}, [dict(SOURCES[1], license="", data_through="")], tmp_path)
    md = md_path.read_text(encoding="utf-8")
    assert "Provenance incomplete for Invented model list: no license, data_through recorded." in md
    assert "MISSING" in html_path.read_text(encoding="utf-8")


def test_report_says_a_missing_source_never_loaded(tmp_path):
    missing = dict(SOURCES[0], status="missing", sha256="", data_through="", retrieved="",
                   error="GET https://example.org/layoffs failed: cannot resolve host example.org")
    _, md_path = build_report({}, {}, [missing], tmp_path)
    md = md_path.read_text(encoding="utf-8")
    assert "is MISSING: it has never loaded (GET https://example.org/layoffs failed: cannot resolve host" in md


def test_highlight_widens_through_the_alias_table():
    from analytics.charts import highlight_keys
    assert {"meta", "facebook", "meta platforms"} <= highlight_keys("Meta")
    assert highlight_keys("Zorblax Labs") == {"zorblax labs"}


def test_no_month_in_every_window_still_writes_tables_and_says_so(tmp_path):
    frames = synthetic_frames()
    frames["layoffs_vs_ai_monthly"] = frames["layoffs_vs_ai_monthly"].iloc[0:0]
    tables = run_analytics(frames, tmp_path, SOURCES, n_boot=20, lag_n_boot=10)
    for name in ("correlations", "lagged_correlations", "granger_tests", "stationarity", "analysis_window",
                 "sensitivity"):
        assert tables[name].empty and len(tables[name].columns) > 5, name
    assert not tables["company_event_study"].empty and not tables["blog_table"].empty
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "Window: no month has both the layoff series and the notable-model series" in md
    assert "It could not be computed" in md
