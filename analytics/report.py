"""Self-contained HTML + Markdown report: headline correlations, lag scan, Granger, company view, blog table, sources."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics.report_ai_cited import ai_cited_section
from analytics.report_escape import clean_svg, html_link, md_escape
from analytics.report_event_study import event_study_section
from analytics.report_findings import CANNOT_SHOW, dedup_section, intro, sensitivity_section, window_section
from analytics.report_sections import (
    CAVEATS, blog_section, company_summary, granger_summary, headline, lag_summary, stationarity_summary,
)

SOURCE_KEYS = ("name", "dataset", "status", "provenance", "sha256", "license", "url", "error")
CHART_ORDER = [
    ("layoffs_vs_releases", "Layoffs and AI model releases over time"),
    ("lagged_correlations", "Lag scan"),
    ("sensitivity", "Sensitivity of the primary test"),
    ("company_event_study", "Model releases around big layoffs"),
    ("layoffs_by_date", "Figure 1 (blog): layoffs by date"),
    ("model_releases_by_month", "Figure 2 (blog): model releases by month"),
    ("postings_by_sector", "Job postings by sector"),
    ("ai_cited_share", "Layoffs whose headline cites AI"),
]
# No script may run in the report; inline styles and data: images (none today) are all it needs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.7em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.chart{margin:1em 0;overflow-x:auto}
.chart svg{max-width:100%;height:auto}.note{color:#555;font-size:.9em}code{font-size:.85em}"""


def _html_table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "<p class='note'>(no rows)</p>"
    return df.to_html(index=False, escape=True, na_rep="–", border=0)


def _md_table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "_(no rows)_"
    cells = df.astype(object).where(df.notna(), "–").astype(str).map(md_escape)
    cells.columns = [md_escape(c) for c in df.columns]
    return cells.to_markdown(index=False, disable_numparse=True)


REQUIRED_SOURCE_KEYS = ("name",)
PROVENANCE_KEYS = ("url", "sha256", "license", "data_through", "retrieved")


def _check_sources(sources: list[dict]) -> tuple[list[dict], list[str]]:
    """Name is required (error); a stale or missing source, or missing provenance, is said in the caveats."""
    out, gaps = [], []
    for i, src in enumerate(sources):
        missing = [k for k in REQUIRED_SOURCE_KEYS if not src.get(k)]
        if missing:
            raise ValueError(f"sources[{i}] ({src.get('name', '?')}): missing {', '.join(missing)}")
        status = src.get("status") or "ok"
        if status == "stale":
            gaps.append(f"{src['name']} ({src.get('dataset', '?')}) is STALE: its last fetch failed "
                        f"({src.get('error') or 'no reason recorded'}); its rows are those of the snapshot retrieved "
                        f"{src.get('retrieved') or '?'} (data through {src.get('data_through') or '?'}).")
        elif status == "missing":
            gaps.append(f"{src['name']} ({src.get('dataset', '?')}) is MISSING: it has never loaded "
                        f"({src.get('error') or 'no reason recorded'}); every figure built on it is empty.")
        else:
            soft = [k for k in PROVENANCE_KEYS if not src.get(k)]
            if soft:
                gaps.append(f"Provenance incomplete for {src['name']}: no {', '.join(soft)} recorded.")
        provenance = (f"data through {src.get('data_through') or '?'} (retrieved {src.get('retrieved') or '?'})"
                      if status != "missing" else "never loaded")
        out.append({k: (src.get(k) or ("–" if k == "error" else "MISSING")) for k in SOURCE_KEYS}
                   | {"status": status, "provenance": provenance, "data_through": src.get("data_through") or "",
                      "retrieved": src.get("retrieved") or ""})
    return out, gaps


def _sections(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str, list[tuple[str, pd.DataFrame]]]]:
    """(heading, intro text, [(caption, table)]) for every section, shared by HTML and Markdown."""
    corr = tables.get("correlations", pd.DataFrame())
    lagged = tables.get("lagged_correlations", pd.DataFrame())
    granger = tables.get("granger_tests", pd.DataFrame())
    adf = tables.get("stationarity", pd.DataFrame())
    company = tables.get("company_layoffs_vs_releases", pd.DataFrame())
    head_text, head_tables = headline(corr, lagged)
    lag_text, lag_table = lag_summary(lagged)
    gr_text, gr_table = granger_summary(granger)
    co_text, co_table = company_summary(company)
    blog_text, blog_tables = blog_section(tables.get("blog_table"), tables.get("blog_omitted_unknowns"))
    ai_text, ai_tables = ai_cited_section(tables.get("ai_cited_yearly"), tables.get("ai_attribution_quality"),
                                          corr)
    return [
        ("Same-month correlations and the family of tests", head_text, head_tables),
        ("Analysis windows", *window_section(tables.get("analysis_window"))),
        ("Sensitivity of the primary test", *sensitivity_section(tables.get("sensitivity"))),
        ("Lag scan (−12…+12 months)", lag_text, [("Lags passing each threshold, per pair and transform", lag_table)]),
        ("Granger tests (predictive precedence)", gr_text, [("Stationarity (ADF and KPSS, 5%)", stationarity_summary(adf)),
                                                            ("Granger F-tests per direction, lags 1–6", gr_table)]),
        ("Deduplication", *dedup_section(tables.get("dedup_stats"))),
        ("Company view: layoffs and model releases in the same year", co_text,
         [("Totals per organisation", co_table), ("Per organisation and year", company)]),
        ("Company event study: model releases around big layoffs", *event_study_section(tables.get("company_event_study"))),
        ("The 2022 blog's statistics table, reproduced", blog_text, blog_tables),
        ("AI-cited layoffs: which headlines name AI as the reason", ai_text, ai_tables),
        ("What this cannot show", CANNOT_SHOW, []),
    ]


def build_report(tables: dict[str, pd.DataFrame], chart_svgs: dict[str, str], sources: list[dict],
                 out_dir: Path | str, generated_at: datetime | None = None) -> tuple[Path, Path]:
    """Write `index.html` (inline CSS + SVG, no scripts, no external assets) and `report.md` into `out_dir`."""
    sources, gaps = _check_sources(sources)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    sections = _sections(tables)
    src_df = pd.DataFrame([{k: s[k] for k in SOURCE_KEYS} for s in sources], columns=list(SOURCE_KEYS))

    h = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
         f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
         "<title>Do layoffs and AI production move together?</title>", f"<style>{CSS}</style></head><body>",
         "<h1>Do tech layoffs and AI production move together?</h1>"]
    m = ["# Do tech layoffs and AI production move together?", ""]
    opening = intro(tables, sources)   # the window (sources, regimes) and the primary result come first
    h += [f"<p>{html.escape(p)}</p>" for p in opening]
    m += [md_escape(p) + "\n" for p in opening]
    h.append(f"<p class='note'>Generated {html.escape(stamp)} by layoffs-ai. Every number below is recomputed on each run.</p>")
    m += [f"_Generated {stamp} by layoffs-ai._", ""]
    for i, (heading, text, tbls) in enumerate(sections):
        h += [f"<h2>{html.escape(heading)}</h2>"] + [f"<p>{html.escape(p)}</p>" for p in text]
        m += [f"## {heading}", ""] + [md_escape(p) + "\n" for p in text]
        for caption, df in tbls:
            h += [f"<h3>{html.escape(caption)}</h3>", _html_table(df)]
            m += [f"### {md_escape(caption)}", "", _md_table(df), ""]
        if i == 0:
            h.append("<h2>Charts</h2>")
            m += ["## Charts", ""]
            for name, title in CHART_ORDER:
                if name in chart_svgs:
                    h += [f"<h3>{html.escape(title)}</h3>", f"<div class='chart'>{clean_svg(chart_svgs[name])}</div>"]
                    m += [f"### {title}", "", f"![{title}](../charts/{name}.png)", ""]
    caveats = CAVEATS + gaps
    h += ["<h2>Caveats</h2><ul>"] + [f"<li>{html.escape(c)}</li>" for c in caveats] + ["</ul>"]
    m += ["## Caveats", ""] + [f"- {md_escape(c)}" for c in caveats] + [""]
    h += ["<h2>Sources</h2><table><tr>" + "".join(f"<th>{k}</th>" for k in SOURCE_KEYS) + "</tr>"]
    for s in sources:
        cells = []
        for k in SOURCE_KEYS:
            text = html.escape(str(s[k]), quote=True)
            if k == "url":
                text = html_link(s[k])  # a link only for http(s); anything else is escaped text
            elif k == "sha256":
                text = f"<code>{text}</code>"
            elif k == "status" and s[k] != "ok":
                text = f"<strong>{text.upper()}</strong>"
            cells.append(f"<td>{text}</td>")
        h.append("<tr>" + "".join(cells) + "</tr>")
    h += ["</table></body></html>"]
    m += ["## Sources", "", _md_table(src_df), ""]

    html_path, md_path = out / "index.html", out / "report.md"
    html_path.write_text("\n".join(h), encoding="utf-8")
    md_path.write_text("\n".join(m), encoding="utf-8")
    return html_path, md_path
