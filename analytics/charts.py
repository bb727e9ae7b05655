"""Altair charts (blog Figures 1–2, indexed series, lag scan, postings) saved offline as PNG, SVG and inline HTML."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from analytics.ai_cited_chart import ai_cited_share_chart
from analytics.chart_budget import coarsen_months, event_cells
from analytics.chart_files import MAX_MARKS, save_chart
from analytics.chart_time import by_month, combine, excluded_reasons, month_start, outside_spans, reason_spans, shade
from analytics.charts_series import chart_title, empty_chart, layoffs_vs_releases, postings_by_sector
from analytics.company import load_aliases, normalise_name
from analytics.series import label
from analytics.warn_chart import warn_vs_trackers

WIDTH, HEIGHT = 760, 330
CATEGORY_ORDER = ["industry", "academia", "collaboration", "other", "unknown"]
CATEGORY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#b0b0b0"]
PER = {"yearmonth": "month", "yearquarter": "quarter", "year": "year"}
CHART_NAMES = ("layoffs_by_date", "model_releases_by_month", "layoffs_vs_releases", "lagged_correlations",
               "postings_by_sector", "ai_cited_share", "warn_vs_trackers")


def highlight_keys(highlight: str) -> set[str]:
    """Normalised layoff-company names of `highlight`, widened through the alias table (Meta → Facebook...)."""
    aliases = load_aliases()
    canon = aliases.loc[aliases["key"] == normalise_name(highlight), "canonical_org"]
    names = aliases[(aliases["side"] == "layoffs") & aliases["canonical_org"].isin(canon)]["key"]
    return {normalise_name(highlight), *names}


def layoffs_by_date(events: pd.DataFrame, caption: str, highlight: str = "Meta",
                    max_marks: int = MAX_MARKS, spans: list[dict] | None = None) -> alt.LayerChart | alt.Chart:
    """Figure 1: every layoff event with a known count (log scale), trailing 4-month mean, highlighted company.

    Above `max_marks` marks the events are drawn as period × size-band cells instead (the subtitle says so).
    """
    ev = events[["event_date", "company", "laid_off"]].copy()
    ev["laid_off"] = pd.to_numeric(ev["laid_off"], errors="coerce").astype("float64")
    ev["event_date"] = pd.to_datetime(ev["event_date"])
    ev = ev[(ev["laid_off"] > 0) & ev["event_date"].notna()].sort_values("event_date")
    if ev.empty:
        return empty_chart("layoffs_by_date", caption)
    hit = ev["company"].map(normalise_name).isin(highlight_keys(highlight))
    ev["kind"] = "Layoff event"
    ev.loc[hit, "kind"] = f"{highlight} layoff event"
    roll = ev.set_index("event_date")["laid_off"].rolling("122D").mean()
    roll = roll[~roll.index.duplicated(keep="last")].rename("laid_off").reset_index()
    roll["kind"] = "Trailing 4-month mean per event"
    kinds = ["Layoff event", f"{highlight} layoff event", "Trailing 4-month mean per event"]
    color = alt.Color("kind:N", title=None, scale=alt.Scale(domain=kinds, range=["#8c8c8c", "#d62728", "#1f4e9c"]),
                      legend=alt.Legend(orient="top-left", fillColor="white", padding=6, symbolOpacity=1))
    x = alt.X("event_date:T", title="Date reported", axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    top = 10 ** max(1, int(np.ceil(np.log10(ev["laid_off"].max()))))
    ticks = [10 ** k for k in range(0, int(np.log10(top)) + 1)]
    y = alt.Y("laid_off:Q", title="Employees laid off per event (log scale)",
              scale=alt.Scale(type="log", domain=[1, top]), axis=alt.Axis(values=ticks, format="~s", grid=True))
    n_known = len(ev)
    if n_known + int(hit.sum()) + len(roll) <= max_marks:
        tip = [alt.Tooltip("company:N"), alt.Tooltip("event_date:T", title="date"),
               alt.Tooltip("laid_off:Q", format=",")]
        points = alt.Chart(ev[~hit]).mark_circle(size=16, opacity=0.35).encode(x=x, y=y, color=color, tooltip=tip)
        hl = alt.Chart(ev[hit]).mark_point(size=70, filled=True, opacity=0.95, shape="diamond").encode(
            x=x, y=y, color=color, tooltip=tip)
        labels = alt.Chart(ev[hit].assign(text=ev.loc[hit, "laid_off"].map(lambda v: f"{v:,.0f}"))).mark_text(
            align="left", dx=7, fontSize=10, color="#d62728").encode(x=x, y=y, text="text:N")
        layers = [points, alt.Chart(roll).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=color), hl, labels]
        shown = "events with a known count"
    else:
        cells, line, note = event_cells(ev[["event_date", "laid_off", "kind"]], roll, max_marks)
        tip = [alt.Tooltip("period:N"), alt.Tooltip("band:N", title="laid off per event"),
               alt.Tooltip("events:Q", format=","), "kind:N"]
        dots = alt.Chart(cells).mark_circle(opacity=0.55).encode(
            x=x, y=y, color=color, tooltip=tip,
            size=alt.Size("events:Q", legend=None, scale=alt.Scale(type="sqrt", range=[8, 500])))
        layers = [dots, alt.Chart(line).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=color)]
        shown = f"events with a known count, shown as {note}"
    sub = (f"{n_known:,} {shown}; {highlight} events highlighted; "
           "line = mean count per event over the trailing 4 months (122 days, in date order)"
           + ("; grey = months outside the analysis window" if spans else ""))
    return alt.layer(*shade(spans or []), *layers).properties(
        width=WIDTH, height=HEIGHT, title=chart_title("Tech layoffs by date", sub, caption))


def model_releases_by_month(models: pd.DataFrame, caption: str, since: pd.Timestamp | None = None,
                            excluded: dict | None = None, spans: list[dict] | None = None) -> alt.Chart:
    """Figure 2: notable AI models released per month, stacked by organisation category; months the list leaves
    out (`excluded`: month -> reason, e.g. its coverage lag) drawn pale, `spans` shaded."""
    md = models if "dataset" not in models.columns else models[models["dataset"] == "notable"]
    md = md.assign(month=month_start(md["publication_date"]).to_numpy())
    if since is not None:
        md = md[md["month"] >= since]
    md = md.dropna(subset=["month"])
    if md.empty:
        return empty_chart("model_releases_by_month", caption)
    cat = md["organization_category"].fillna("unknown").where(
        md["organization_category"].isin(CATEGORY_ORDER), "other")
    counts = by_month(md.assign(category=cat).groupby(["month", "category"]).size().rename("models").reset_index())
    counts, unit, note = coarsen_months(counts, ["category"], "models", "sum")
    reasons = excluded or {}
    counts["status"] = [reasons[m] if m in reasons else "complete" for m in month_start(counts["month"])]
    counts["order"] = counts["category"].map({c: i for i, c in enumerate(CATEGORY_ORDER)})
    present = [c for c in CATEGORY_ORDER if c in set(counts["category"])]   # no legend entry without bars
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X(f"{unit}(month):T", title="Publication month",
                axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year")),
        y=alt.Y("sum(models):Q", title=f"Notable models released (per {PER[unit]})", stack="zero"),
        color=alt.Color("category:N", title="Organisation", scale=alt.Scale(
            domain=present, range=[CATEGORY_COLORS[CATEGORY_ORDER.index(c)] for c in present]),
            legend=alt.Legend(orient="top-left", fillColor="white")),
        opacity=alt.condition(alt.datum.status == "complete", alt.value(1.0), alt.value(0.4)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{unit}(month):T", title="month"), "category:N", "sum(models):Q", "status:N"],
    )
    sub = f"Epoch AI notable models by month of publication, {counts['month'].min():%b %Y}–{counts['month'].max():%b %Y}"
    sub += ("; pale bars and grey bands: months left out of the analysis (before its window, or the months Epoch "
            "is still adding: coverage lag, partial month)") if reasons or spans else ""
    sub += f"; {note}" if note else ""
    return alt.layer(*shade(spans or []), chart).properties(
        width=WIDTH, height=HEIGHT, title=chart_title("Notable AI model releases by month", sub, caption))


def lagged_correlations_chart(lagged: pd.DataFrame, caption: str, transform: str = "diff") -> alt.Chart:
    """Pearson r per lag with bootstrap 95% band, one panel per pair; filled marks = significant after BH."""
    df = lagged[lagged["transform"] == transform].copy()
    if df.empty:
        return empty_chart("lagged_correlations", caption)
    df["pair"] = df["x_series"].map(label) + " vs " + df["y_series"].map(label)
    family = "significant_bh_family" in df.columns   # BH across every differenced test, not one scan
    df["significance"] = df["significant_bh_family" if family else "significant_bh"].map(
        {True: "BH-adjusted p < 0.05", False: "not significant"})
    base = alt.Chart().encode(x=alt.X("lag:Q", title="Lag in months (positive = AI series later)",
                                      scale=alt.Scale(domain=[df["lag"].min(), df["lag"].max()])))
    band = base.mark_area(opacity=0.25, color="#6baed6").encode(
        y=alt.Y("r_ci_low:Q", title="Pearson r", scale=alt.Scale(domain=[-1, 1])), y2="r_ci_high:Q")
    line = base.mark_line(color="#1f4e9c").encode(y="pearson_r:Q")
    pts = base.mark_point(size=45, filled=True).encode(
        y="pearson_r:Q",
        color=alt.Color("significance:N", title=None, scale=alt.Scale(
            domain=["BH-adjusted p < 0.05", "not significant"], range=["#d62728", "#9e9e9e"]),
            legend=alt.Legend(orient="top")),
        tooltip=["pair:N", "lag:Q", alt.Tooltip("pearson_r:Q", format=".2f"), "n:Q",
                 alt.Tooltip("p_bh_family:Q" if family else "p_bh:Q", format=".3f")])
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[2, 2]).encode(y=alt.datum(0))
    vzero = alt.Chart().mark_rule(color="#bbb").encode(x=alt.datum(0))
    scans = lagged.drop_duplicates(["x_series", "y_series", "transform"])
    scans = scans[scans["transform"] != "levels"]   # level scans inherit trends: not part of the family
    shown = int((scans["transform"] == transform).sum())
    sub = (f"Transform: {transform.replace('_', ' ')} (month-over-month change); band = moving-block bootstrap "
           "95% CI;\n" + ("Benjamini–Hochberg across every differenced test of the scan (autocorrelation-aware p)"
                         if family else "Benjamini–Hochberg across the 25 lags of each pair")
           + f"\n{shown} of the {len(scans)} differenced scans are drawn (this transform); the others (and the "
             "level scans) are in the table analytics.lagged_correlations and the report's lag-scan section")
    return alt.layer(band, zero, vzero, line, pts, data=df).properties(width=300, height=190).facet(
        facet=alt.Facet("pair:N", title=None, header=alt.Header(labelFontSize=12, labelFontWeight="bold")),
        columns=2,
    ).properties(title=chart_title("Lagged correlation: layoffs vs AI production", sub, caption))


def build_charts(frames: dict[str, pd.DataFrame], caption: str | dict[str, str],
                 highlight: str = "Meta") -> dict[str, alt.Chart]:
    """Every chart from the mart frames plus the `lagged_correlations` table (missing frame → 'no data' chart).

    `caption` is one text for all charts or a dict chart name → caption ('\n' separates caption lines).
    """
    if isinstance(caption, dict):
        captions = {name: caption.get(name, "") for name in CHART_NAMES}
    else:
        captions = dict.fromkeys(CHART_NAMES, caption)
    empty = pd.DataFrame()
    get = lambda k: frames.get(k, empty)  # noqa: E731
    monthly = get("layoffs_vs_ai_monthly")
    since = None
    if not monthly.empty:
        since = pd.to_datetime(monthly["month"]).min() - pd.DateOffset(years=2)
    spans = chart_spans(frames)
    notable_out = excluded_reasons(frames.get("model_releases_monthly"), dataset="notable")
    builders = {
        "layoffs_by_date": lambda c: layoffs_by_date(get("fct_layoff_events"), c, highlight,
                                                     spans=spans["layoffs_by_date"]),
        "model_releases_by_month": lambda c: model_releases_by_month(
            get("fct_model_releases"), c, since, notable_out, spans["model_releases_by_month"]),
        "layoffs_vs_releases": lambda c: layoffs_vs_releases(monthly, c, spans=spans["layoffs_vs_releases"]),
        "lagged_correlations": lambda c: lagged_correlations_chart(get("lagged_correlations"), c),
        "postings_by_sector": lambda c: postings_by_sector(get("job_postings_monthly"), c,
                                                           spans=spans["postings_by_sector"]),
        "ai_cited_share": lambda c: ai_cited_share_chart(get("ai_cited_yearly"), c),
        "warn_vs_trackers": lambda c: warn_vs_trackers(frames, c),
    }
    charts = {}
    for name, build in builders.items():
        charts[name] = build(captions[name]) if not _missing(frames, name) else empty_chart(name, captions[name])
    return charts


def _range(frame: pd.DataFrame | None, column: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if frame is None or frame.empty or column not in frame.columns:
        return None
    months = month_start(frame[column]).dropna()
    return (months.min(), months.max()) if len(months) else None


def chart_spans(frames: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """Per time chart, the months to shade: outside the analysis window (the months of layoffs_vs_ai_monthly)
    and the months a plotted source leaves out (coverage lag, partial month), each labelled."""
    window = _range(frames.get("layoffs_vs_ai_monthly"), "month")
    lm, mm, jp = (frames.get(k) for k in ("layoffs_monthly", "model_releases_monthly", "job_postings_monthly"))
    layoffs = excluded_reasons(lm, source="deduplicated", scope="global")
    out = dict.fromkeys(("layoffs_by_date", "model_releases_by_month", "layoffs_vs_releases",
                         "postings_by_sector", "ai_cited_share", "warn_vs_trackers"), [])
    if window is not None:
        lo, hi = window
        out["layoffs_vs_releases"] = combine(*(reason_spans(excluded_reasons(mm, dataset=d), label(f"{d}_models"),
                                                            lo, hi) for d in ("notable", "all")))
    events = _range(frames.get("fct_layoff_events"), "event_date")
    if events is not None:
        out["layoffs_by_date"] = combine(reason_spans(layoffs, "layoffs", *events), outside_spans(window, *events))
    models = frames.get("fct_model_releases")
    releases = _range(models[models["dataset"] == "notable"] if models is not None and "dataset" in models
                      else models, "publication_date")
    if releases is not None:
        lo = max(releases[0], window[0] - pd.DateOffset(years=2)) if window is not None else releases[0]
        out["model_releases_by_month"] = combine(
            reason_spans(excluded_reasons(mm, dataset="notable"), "Epoch notable", lo, releases[1]),
            outside_spans(window, lo, releases[1]))
    postings = _range(jp, "month")
    if postings is not None:
        out["postings_by_sector"] = combine(
            reason_spans(excluded_reasons(jp, "sector_excluded_reason"), "sectors", *postings),
            reason_spans(excluded_reasons(jp, "total_excluded_reason"), "all postings", *postings),
            outside_spans(window, *postings))
    cited = _range(frames.get("ai_cited_layoffs_monthly"), "month")
    if cited is not None:   # the share's own window: the layoff trackers' complete months
        out["ai_cited_share"] = reason_spans(layoffs, "layoffs", *cited)
    return out


_NEEDS = {"layoffs_by_date": "fct_layoff_events", "model_releases_by_month": "fct_model_releases",
          "layoffs_vs_releases": "layoffs_vs_ai_monthly", "lagged_correlations": "lagged_correlations",
          "postings_by_sector": "job_postings_monthly", "ai_cited_share": "ai_cited_yearly",
          "warn_vs_trackers": "warn_monthly"}


def _missing(frames: dict[str, pd.DataFrame], name: str) -> bool:
    frame = frames.get(_NEEDS[name])
    return frame is None or frame.empty


def render_all(frames: dict[str, pd.DataFrame], out_dir: Path, caption: str | dict[str, str],
               highlight: str = "Meta", cache_dir: Path | None = None) -> list[Path]:
    """Build and save every chart into `out_dir`; returns the written files (3 per chart).

    `cache_dir` keeps the pages' JavaScript bundle between runs (None: ~/.cache/layoffs-ai)."""
    from analytics.charts_findings import render_findings

    paths: list[Path] = []
    for name, chart in build_charts(frames, caption, highlight).items():
        paths += save_chart(chart, Path(out_dir), name, cache_dir)
    return paths + render_findings(frames, Path(out_dir), caption, cache_dir)
