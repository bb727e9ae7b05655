"""Self-contained HTML + Markdown report: headline correlations, lag scan, Granger, company view, blog table, sources."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analytics.report_ai_cited import ai_cited_section
from analytics.report_escape import clean_svg, html_link, md_escape
from analytics.report_files import forget_key, is_current, report_key, write_key
from analytics.report_event_study import event_study_section
from analytics.ai_cited_events import titles_text
from analytics.changes import changes_text, changes_view
from analytics.report_findings import (
    CANNOT_SHOW, dedup_section, primary_paragraphs, sensitivity_section, window_paragraph, window_section,
)
from analytics.report_top import ANCHORS, QUESTION, data_through_line, findings
from analytics.tracker_coverage import coverage_text
from analytics.report_warn import CHART as WARN_CHART, section as warn_report_section
from analytics.report_sections import (
    CAVEATS, blog_section, company_summary, granger_summary, headline, lag_summary, stationarity_summary,
)

SOURCE_KEYS = ("name", "dataset", "status", "provenance", "sha256", "license", "url", "error")
# name, title, caption (what the chart shows and how to read it); each links to its interactive page.
CHART_ORDER = [
    ("layoffs_vs_releases", "Layoffs and AI model releases over time",
     "People laid off and models released per month, each as an index (its own mean over the period = 100), "
     "smoothed over 3 months. Lines that rise together in the same months would suggest co-movement; read the "
     "primary test, not the eye, for whether they do."),
    ("lagged_correlations", "Lag scan",
     "Correlation of month-to-month changes at delays of −12 to +12 months, with 95% intervals. A bar that "
     "crosses zero is no evidence of a link; with this many delays, a few cross the 5% line by chance."),
    ("sensitivity", "Sensitivity of the primary test",
     "The primary correlation recomputed under other choices (window, outliers, one tracker alone), each with its "
     "95% interval. If every row stays near the first and its interval still includes zero, the null result does "
     "not hinge on one choice."),
    ("company_event_study", "Model releases around big layoffs",
     "For companies that both laid off many people and build AI models: models released in the 12 months before "
     "and after each big layoff, against random dates. A difference inside the random dates' range is no effect."),
    ("layoffs_by_date", "Figure 1 (blog): layoffs by date",
     "Each dot is one reported layoff event, by date and size (log scale). Read it for when the big waves came, "
     "not for totals: events with no published count are not drawn."),
    ("model_releases_by_month", "Figure 2 (blog): model releases by month",
     "Notable AI models per month, stacked by the kind of organisation that released them. The last months are "
     "incomplete: Epoch adds models months after they appear."),
    ("postings_by_sector", "Job postings by sector",
     "Indeed's US job postings index per sector (1 Feb 2020 = 100). A line below 100 means fewer postings than "
     "before the pandemic."),
    ("ai_cited_share", "Layoffs whose headline cites AI",
     "Share of layoff events whose headline names AI or automation as a reason, per year with its 95% interval. "
     "Small years have wide intervals; a headline is how a cut was reported, not proof of its cause."),
    WARN_CHART,
]
# No script may run in the report; inline styles and data: images (none today) are all it needs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CSS = """*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:1.2em auto;
padding:0 1em;color:#222;line-height:1.45;overflow-wrap:break-word}h1{font-size:1.6em;margin:.2em 0 .3em}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}.question{font-size:1.1em;margin:.3em 0}
.findings{margin:.4em 0 .6em;padding-left:1.4em}.findings li{margin:.35em 0}.through{font-size:.9em;margin:.4em 0}
.toc{font-size:.9em;columns:2 18em;margin:.4em 0}.toc li{margin:.1em 0}
.table-wrap{max-width:100%;overflow-x:auto;margin:.6em 0 1.2em}
table{border-collapse:collapse;font-size:.88em}th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}td a{overflow-wrap:anywhere}
.chart{margin:1em 0;max-width:100%;overflow-x:auto}.chart svg{max-width:100%;height:auto}
img,svg,iframe,embed,object,video{max-width:100%;height:auto}figure{margin:1em 0}figcaption{font-size:.9em;color:#444}
.note{color:#555;font-size:.9em}code{font-size:.85em;overflow-wrap:anywhere;word-break:break-all}"""


LINK_COLUMNS = ("article URL", "source_url")   # cells holding space-separated http(s) URLs become links


def _html_table(df: pd.DataFrame) -> str:
    """A table in a wrapper that scrolls sideways on its own, so the page never does."""
    if df is None or df.empty:
        return "<p class='note'>(no rows)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for values in df.astype(object).where(df.notna(), None).itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, values):
            if v is None:
                cells.append("<td>–</td>")
            elif col in LINK_COLUMNS:
                cells.append("<td>" + " ".join(html_link(u) for u in str(v).split()) + "</td>")
            else:
                cells.append(f"<td>{html.escape(f'{v:g}' if isinstance(v, float) else str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>")


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
                      "retrieved": src.get("retrieved") or "", "topics": list(src.get("topics") or ())})
    return out, gaps


Section = tuple[str, str, list[str], list[tuple[str, pd.DataFrame]]]   # anchor, heading, paragraphs, tables


def _sections(tables: dict[str, pd.DataFrame], sources: list[dict]) -> tuple[list[Section], list[Section]]:
    """(body sections, appendix sections), shared by HTML and Markdown; the charts come after the first four."""
    corr = tables.get("correlations", pd.DataFrame())
    lagged = tables.get("lagged_correlations", pd.DataFrame())
    granger = tables.get("granger_tests", pd.DataFrame())
    adf = tables.get("stationarity", pd.DataFrame())
    company = tables.get("company_layoffs_vs_releases", pd.DataFrame())
    events = tables.get("_events")
    head_text, head_tables = headline(corr, lagged)
    lag_text, lag_table = lag_summary(lagged)
    gr_text, gr_table = granger_summary(granger)
    co_text, co_table = company_summary(company)
    blog_text, blog_tables = blog_section(tables.get("blog_table"), tables.get("blog_omitted_unknowns"))
    ai_text, ai_tables = ai_cited_section(tables.get("ai_cited_yearly"), tables.get("ai_attribution_quality"),
                                          corr)
    cited = tables.get("ai_cited_events", pd.DataFrame())
    cited_view = cited.drop(columns=["event_id"], errors="ignore").rename(columns={
        "event_date": "date", "laid_off": "people", "evidence": "evidence words", "article_url": "article URL"})
    ai_text = ai_text + [titles_text(tables.get("_source_urls")),
                         f"All {len(cited)} events classed ai_cited are listed below (newest first), with the words "
                         "that decided the class and the article they were read from."]
    changes = tables.get("changes_since_last_publish")
    dedup_text, dedup_tables = dedup_section(tables.get("dedup_stats"))
    windows_text, windows_tables = window_section(tables.get("analysis_window"))
    body = [
        (ANCHORS["primary"], "The primary test: layoffs vs notable AI models, month to month",
         primary_paragraphs(tables, sources), []),
        (ANCHORS["changes"], "What changed since the last publish", changes_text(changes),
         [("Changes (first 100 rows of analytics.changes_since_last_publish)", changes_view(changes))]),
        (ANCHORS["ai_cited"], "AI-cited layoffs: which headlines name AI as the reason", ai_text,
         ai_tables + [("AI-cited layoff events", cited_view)]),
        (ANCHORS["coverage"], "Tracker coverage and deduplication", coverage_text(events) + dedup_text, dedup_tables),
        (ANCHORS["family"], "Same-month correlations and the family of tests", head_text, head_tables),
        ("sensitivity", "Sensitivity of the primary test", *sensitivity_section(tables.get("sensitivity"))),
        ("lag-scan", "Lag scan (−12…+12 months)", lag_text,
         [("Lags passing each threshold, per pair and transform", lag_table)]),
        ("granger", "Granger tests (predictive precedence)", gr_text,
         [("Stationarity (ADF and KPSS, 5%)", stationarity_summary(adf)), ("Granger F-tests per direction, lags 1–6",
                                                                          gr_table)]),
        ("company-view", "Company view: layoffs and model releases in the same year", co_text,
         [("Totals per organisation", co_table)]),
        ("event-study", "Company event study: model releases around big layoffs",
         *event_study_section(tables.get("company_event_study"))),
        ("blog-table", "The 2022 blog's statistics table, reproduced", blog_text, blog_tables),
        warn_report_section(tables),
        ("cannot-show", "What this cannot show", CANNOT_SHOW, []),
    ]
    appendix = [
        ("windows", "Appendix: analysis windows", [window_paragraph(tables, sources)] + windows_text, windows_tables),
        ("company-years", "Appendix: company view per organisation and year", [],
         [("Per organisation and year", company)]),
    ]
    return body, appendix


def _toc(entries: list[tuple[str, str]]) -> tuple[str, list[str]]:
    html_toc = "<nav><ol class='toc'>" + "".join(
        f"<li><a href='#{a}'>{html.escape(t)}</a></li>" for a, t in entries) + "</ol></nav>"
    return html_toc, [f"{i}. [{md_escape(t)}](#{a})" for i, (a, t) in enumerate(entries, 1)] + [""]


def _chart_blocks(chart_svgs: dict[str, str]) -> tuple[list[str], list[str]]:
    h, m = [], []
    for name, title, caption in CHART_ORDER:
        if name not in chart_svgs:
            continue
        page = f"../charts/{name}.html"
        h += [f"<figure id='chart-{name}'><h3>{html.escape(title)}</h3>",
              f"<div class='chart'>{clean_svg(chart_svgs[name])}</div>",
              f"<figcaption>{html.escape(caption)} <a href='{page}'>Open the interactive chart</a>.</figcaption>"
              "</figure>"]
        m += [f"### {md_escape(title)}", "", f"![{md_escape(title)}](../charts/{name}.png)", "",
              f"{md_escape(caption)} [Open the interactive chart]({page}).", ""]
    return h, m


def _section_blocks(section: Section) -> tuple[list[str], list[str]]:
    anchor, heading, text, tbls = section
    h = [f"<h2 id='{anchor}'>{html.escape(heading)}</h2>"] + [f"<p>{html.escape(p)}</p>" for p in text]
    m = [f"<a id=\"{anchor}\"></a>", "", f"## {md_escape(heading)}", ""] + [md_escape(p) + "\n" for p in text]
    for caption, df in tbls:
        h += [f"<h3>{html.escape(caption)}</h3>", _html_table(df)]
        m += [f"### {md_escape(caption)}", "", _md_table(df), ""]
    return h, m


def _sources_html(sources: list[dict]) -> list[str]:
    h = ["<div class='table-wrap'><table><tr>" + "".join(f"<th>{k}</th>" for k in SOURCE_KEYS) + "</tr>"]
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
    return h + ["</table></div>"]


def build_report(tables: dict[str, pd.DataFrame], chart_svgs: dict[str, str], sources: list[dict],
                 out_dir: Path | str, generated_at: datetime | None = None) -> tuple[Path, Path]:
    """Write `index.html` (inline CSS + SVG, no scripts, no external assets) and `report.md` into `out_dir`.

    Top: the question, the findings (each linking to its section), data-through per source, a table of contents;
    then the sections, the charts (each linking to its interactive page), caveats and the appendix. Files in
    `out_dir` rendered from the same inputs and code (report.key: analytics.report_files) are kept as they are."""
    key = report_key(tables, chart_svgs, sources, generated_at)
    sources, gaps = _check_sources(sources)
    out = Path(out_dir)
    html_path, md_path = out / "index.html", out / "report.md"
    if is_current(out, key):
        return html_path, md_path
    out.mkdir(parents=True, exist_ok=True)
    forget_key(out)   # never a key beside files it does not describe (a crash mid-write)
    stamp = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    body, appendix = _sections(tables, sources)
    src_df = pd.DataFrame([{k: s[k] for k in SOURCE_KEYS} for s in sources], columns=list(SOURCE_KEYS))
    found = findings(tables, sources)
    title = "Do tech layoffs and AI production move together?"

    h = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
         f"<title>{title}</title>", f"<style>{CSS}</style></head><body>", f"<h1>{title}</h1>",
         f"<p class='question'>{html.escape(QUESTION)}</p>", "<section id='findings'><h2>Findings</h2>",
         "<ol class='findings'>"]
    m = [f"# {title}", "", md_escape(QUESTION), "", "## Findings", ""]
    for i, (text, anchor) in enumerate(found, 1):
        h.append(f"<li>{html.escape(text)} <a href='#{anchor}'>Details</a></li>")
        m.append(f"{i}. {md_escape(text)} [Details](#{anchor})")
    if not found:
        h.append("<li>No finding could be computed: the marts are empty.</li>")
        m.append("1. No finding could be computed: the marts are empty.")
    through = data_through_line(sources)
    h += ["</ol></section>", f"<p class='through'>{html.escape(through)}</p>"]
    m += ["", md_escape(through), ""]
    entries = ([(a, t) for a, t, _, _ in body[:4]] + [("charts", "Charts")] + [(a, t) for a, t, _, _ in body[4:]]
               + [("caveats", "Caveats")] + [(a, t) for a, t, _, _ in appendix] + [("sources", "Appendix: sources")])
    toc_html, toc_md = _toc(entries)
    h += [toc_html, f"<p class='note'>Generated {html.escape(stamp)} by layoffs-ai. Every number is recomputed "
          "on each run; the page is written again when a number, chart or source in it changes.</p>"]
    m += ["## Contents", ""] + toc_md + [f"_Generated {stamp} by layoffs-ai._", ""]
    chart_h, chart_m = _chart_blocks(chart_svgs)
    for i, section in enumerate(body):
        if i == 4:
            h += ["<h2 id='charts'>Charts</h2>"] + chart_h
            m += ["<a id=\"charts\"></a>", "", "## Charts", ""] + chart_m
        sh, sm = _section_blocks(section)
        h, m = h + sh, m + sm
    caveats = CAVEATS + gaps
    h += ["<h2 id='caveats'>Caveats</h2><ul>"] + [f"<li>{html.escape(c)}</li>" for c in caveats] + ["</ul>"]
    m += ["<a id=\"caveats\"></a>", "", "## Caveats", ""] + [f"- {md_escape(c)}" for c in caveats] + [""]
    for section in appendix:
        sh, sm = _section_blocks(section)
        h, m = h + sh, m + sm
    h += ["<h2 id='sources'>Appendix: sources</h2>"] + _sources_html(sources) + ["</body></html>"]
    m += ["<a id=\"sources\"></a>", "", "## Appendix: sources", "", _md_table(src_df), ""]

    html_path.write_text("\n".join(h), encoding="utf-8")
    md_path.write_text("\n".join(m), encoding="utf-8")
    write_key(out, key)   # last: the files are complete
    return html_path, md_path
