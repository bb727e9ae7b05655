"""Charts of the findings: sensitivity (one point and CI per variant) and the company event study."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from analytics.chart_files import MAX_MARKS, save_chart

WIDTH = 620
FINDINGS_CHARTS = ("sensitivity", "company_event_study")


def _title(text: str, subtitle: str, caption: str) -> alt.TitleParams:
    lines = [line for line in [*subtitle.split("\n"), *caption.split("\n")] if line]
    return alt.TitleParams(text=text, subtitle=lines, anchor="start", fontSize=16, subtitleFontSize=11,
                           subtitleColor="#555555", offset=12)


def _empty(name: str, caption: str, axis: str = "Pearson r", domain: tuple[float, float] = (-1, 1)) -> alt.Chart:
    """The chart's frame and axis with a 'no data' note, so an empty result still reads as this chart."""
    df = pd.DataFrame({"msg": [f"No data available for {name}"], "x": [sum(domain) / 2]})
    return alt.Chart(df).mark_text(fontSize=16).encode(
        text="msg:N", x=alt.X("x:Q", title=axis, scale=alt.Scale(domain=list(domain)))).properties(
        width=WIDTH, height=120, title=_title(name.replace("_", " ").capitalize(), "", caption))


def sensitivity_chart(sens: pd.DataFrame | None, caption: str) -> alt.Chart:
    """Pearson r and its 95% CI (effective n) per variant at lag 0 (the primary statistic), with the scan's top lag
    (chosen after looking) drawn pale and thin beside it; variants repeating the primary are merged into its row."""
    if sens is None or sens.empty or sens["r"].notna().sum() == 0:
        return _empty("sensitivity", caption)
    same = sens["same_as_primary"].fillna(False).astype(bool) if "same_as_primary" in sens else pd.Series(False, sens.index)
    kept = sens[~same].copy()
    names = list(kept["variant"].replace({"US scope": "US scope (postings, not AI models)"}))
    if same.any():
        names[0] += " = " + " = ".join(sens.loc[same, "variant"])
    kept["variant"] = names
    lag = sens["top_lag"].dropna()
    fam = sens["p_bh_family_top"].dropna() if "p_bh_family_top" in sens else pd.Series(dtype=float)
    top = (f"lag {int(lag.iloc[0]):+d}: chosen after looking" + (f" (family-BH p {fam.iloc[0]:.2f})" if len(fam) else "")
           if len(lag) else "top lag")
    primary = "lag 0 (primary test)"
    long = pd.concat([
        pd.DataFrame({"variant": kept["variant"], "statistic": primary, "r": kept["r"],
                      "low": kept["ci_low"], "high": kept["ci_high"], "n": kept["n"]}),
        pd.DataFrame({"variant": kept["variant"], "statistic": top, "r": kept["r_top"],
                      "low": kept["ci_low_top"], "high": kept["ci_high_top"], "n": kept["n_top"]}),
    ], ignore_index=True).dropna(subset=["r"])
    y = alt.Y("variant:N", sort=names, title=None, axis=alt.Axis(labelLimit=330))
    stat = alt.Color("statistic:N", title=None, legend=alt.Legend(orient="top", symbolOpacity=1, labelLimit=0),
                     scale=alt.Scale(domain=[primary, top], range=["#1f4e9c", "#b0b0b0"]))
    off = alt.YOffset("statistic:N", sort=[primary, top])
    domain = alt.Scale(domain=[-1, 1])
    x = alt.X("r:Q", title="Pearson r of month-over-month changes (95% CI, effective n)", scale=domain,
              axis=alt.Axis(values=[-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1], format=".2~f"))
    weight = alt.condition(alt.datum.statistic == primary, alt.value(2.5), alt.value(1))
    bars = alt.Chart(long).mark_rule().encode(x=alt.X("low:Q", scale=domain), x2="high:Q", y=y, yOffset=off,
                                              color=stat, strokeWidth=weight)
    tip = ["variant:N", "statistic:N", alt.Tooltip("r:Q", format=".2f"), alt.Tooltip("low:Q", format=".2f"),
           alt.Tooltip("high:Q", format=".2f"), "n:Q"]
    pts = alt.Chart(long).mark_point(size=60).encode(
        x=x, y=y, yOffset=off, color=stat, tooltip=tip,
        fill=alt.condition(alt.datum.statistic == primary, alt.value("#1f4e9c"), alt.value("white")))
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#555", strokeDash=[3, 3]).encode(x="x:Q")
    sub = ("Laid off (deduplicated) vs notable AI models unless the variant says otherwise; n = month pairs\n"
           "Blue = the pre-declared test; grey = the scan's smallest-p lag, picked after looking (not a test). "
           "A CI crossing 0 (dashed) is a null result")
    return alt.layer(zero, bars, pts).properties(
        width=WIDTH, height=max(180, 34 * len(names)), title=_title("Sensitivity of the primary test", sub, caption))


def event_study_chart(es: pd.DataFrame | None, caption: str) -> alt.Chart:
    """Per included layoff and list: models after − before (12 months each) minus the same difference at random
    dates for the organisation (the excess); per list the pooled mean excess with its 95% CI and permutation p."""
    axis = "Excess models: (12 months after − 12 before) minus the same at random dates"
    if es is None or es.empty:
        return _empty("company_event_study", caption, axis, (-5, 5))
    ev = es[(es["row_type"] == "event") & es["included"].fillna(False).astype(bool)].copy()
    pooled = es[es["row_type"] == "pooled"].copy()
    if ev.empty:
        return _empty("company_event_study", caption, axis, (-5, 5))
    ev = ev.head(MAX_MARKS // 2)
    ev["excess"] = ev["difference"] - ev["expected_difference"]
    ev["label"] = ev["org"] + " " + pd.to_datetime(ev["event_date"]).dt.strftime("%Y-%m-%d")
    order = sorted(ev["label"].unique(), key=lambda s: (s.split(" ")[-1], s))
    values = pd.concat([ev["excess"], pooled.get("excess_ci_low", pd.Series(dtype=float)),
                        pooled.get("excess_ci_high", pd.Series(dtype=float))]).dropna()
    pad = max(1.0, 0.08 * float(values.max() - values.min()))
    scale = alt.Scale(domain=[float(values.min()) - pad, float(values.max()) + pad], nice=False)
    lists = [d for d in ("notable", "all") if d in set(ev["dataset"])]
    colors = {"notable": "#d95f02", "all": "#1f4e9c"}
    color = alt.Color("dataset:N", title="Epoch list", scale=alt.Scale(domain=lists, range=[colors[d] for d in lists]),
                      legend=alt.Legend(orient="top", symbolOpacity=1, symbolType="circle"))
    x = alt.X("excess:Q", title=axis, scale=scale)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    pts = alt.Chart(ev).mark_point(filled=True, size=50).encode(
        x=x, y=y, color=color, yOffset=alt.YOffset("dataset:N", sort=lists),
        tooltip=["org:N", alt.Tooltip("event_date:T", format="%Y-%m-%d"), "dataset:N", "models_before:Q",
                 "models_after:Q", "difference:Q", alt.Tooltip("expected_difference:Q", format=".2f",
                                                              title="random dates"),
                 alt.Tooltip("excess:Q", format=".2f")])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#555", strokeDash=[3, 3]).encode(x="x:Q")
    layers = [zero, pts]
    window = ""
    if not pooled.empty:
        pooled["text"] = [f"{d}: excess {m:+.2f} (95% CI {lo:+.2f} to {hi:+.2f}), permutation p = {p:.2f}, "
                          f"n = {int(n)} events" for d, m, lo, hi, p, n in zip(
                              pooled["dataset"], pooled["mean_excess"], pooled["excess_ci_low"],
                              pooled["excess_ci_high"], pooled["perm_p"], pooled["n_events"])]
        band = alt.Chart(pooled).mark_rect(opacity=0.12).encode(
            x=alt.X("excess_ci_low:Q", scale=scale), x2="excess_ci_high:Q", color=color)
        mean = alt.Chart(pooled).mark_rule(strokeWidth=2.5).encode(
            x=alt.X("mean_excess:Q", scale=scale), color=color,
            tooltip=["dataset:N", alt.Tooltip("mean_excess:Q", format=".2f"),
                     alt.Tooltip("excess_ci_low:Q", format=".2f"), alt.Tooltip("excess_ci_high:Q", format=".2f"),
                     "n_events:Q", alt.Tooltip("perm_p:Q", format=".3f")])
        layers = [band, zero, mean, pts]
        window = (f" ({pooled['null_window'].iloc[0]} of the organisation's own dates, its events moved together)"
                  if "null_window" in pooled and pooled["null_window"].notna().any() else "")
        results = "\n".join(pooled["text"])
    else:
        results = ""
    sub = ("A point: one layoff (>= 1,000 people or >= 10%) and one Epoch list; 0 (dashed) = as at random dates"
           f"{window}\nsolid line and pale band: the list's pooled mean excess and its 95% CI (organisation bootstrap)"
           + (f"\n{results}" if results else ""))
    return alt.layer(*layers).resolve_scale(color="shared").properties(
        width=WIDTH, height=max(160, 18 * len(order)), title=_title("Model releases around big layoffs", sub, caption))


def render_findings(frames: dict[str, pd.DataFrame], out_dir: Path, caption: str | dict[str, str],
                    cache_dir: Path | None = None) -> list[Path]:
    """Build and save the findings charts into `out_dir` (3 files each); `cache_dir` as for `save_chart`."""
    caps = caption if isinstance(caption, dict) else dict.fromkeys(FINDINGS_CHARTS, caption)
    charts = {"sensitivity": sensitivity_chart(frames.get("sensitivity"), caps.get("sensitivity", "")),
              "company_event_study": event_study_chart(frames.get("company_event_study"),
                                                       caps.get("company_event_study", ""))}
    paths: list[Path] = []
    for name, chart in charts.items():
        paths += save_chart(chart, Path(out_dir), name, cache_dir)
    return paths
