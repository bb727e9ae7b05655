"""The report is rendered only when its inputs or code changed: kept files keep their bytes and mtime."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

import analytics.report as report
import analytics.report_files as report_files
from analytics.report import build_report

SOURCES = [dict(dataset="layoffs_fyi", topics=["layoffs"], name="Invented tracker", url="https://example.org/t.csv",
                status="ok", data_through="2024-12-29", retrieved="2024-12-31", sha256="1" * 64, license="CC0")]
OLD = 1_000_000_000_000_000_000   # an mtime (ns, 2001) no write can leave behind


def _company(laid_off_zorblax: int = 1234) -> pd.DataFrame:
    """Invented rows shaped like analytics.company_layoffs_vs_releases."""
    return pd.DataFrame({"org": ["Zorblax Labs", "Zorblax Labs", "Quux Widgets"], "year": [2023, 2024, 2024],
                         "layoff_events": [2, 1, 3], "layoff_events_unknown_count": [0, 1, 0],
                         "laid_off": [500, laid_off_zorblax, 42], "models_released": [1.0, 2.0, 1.0],
                         "alias_version": ["t1", "t1", "t1"]})


def _inputs(**change):
    tables = {"company_layoffs_vs_releases": _company(),
              "_events": pd.DataFrame({"event_id": ["e1", "e2"], "company": ["Zorblax Labs", "Quux Widgets"],
                                       "sources": ["layoffs_fyi", "crunchbase_tracker"],
                                       "laid_off": [10, None],
                                       "event_date": pd.to_datetime(["2024-03-01", "2024-05-02"])})}
    svgs = {"lagged_correlations": "<svg xmlns='http://www.w3.org/2000/svg'><text>lag scan</text></svg>"}
    return {"tables": tables, "svgs": svgs, "sources": SOURCES} | change


def _build(out, inputs):
    return build_report(inputs["tables"], inputs["svgs"], inputs["sources"], out)


def _files(out) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(out.iterdir())}


def _age(out) -> None:
    """Date every file back, so that any rewrite shows in its mtime."""
    for p in out.iterdir():
        os.utime(p, ns=(OLD, OLD))


def _appendix_rows(md: str) -> list[list[str]]:
    """The cells of the report's 'Per organisation and year' table, read back from report.md."""
    section = md.split("### Per organisation and year", 1)[1].split("\n\n", 2)[1]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()]
    return rows[2:]   # header and rule


def _oracle_rows(company: pd.DataFrame) -> list[list[str]]:
    return [[str(v) for v in row] for row in company.astype(object).itertuples(index=False)]


def test_an_unchanged_report_is_kept_as_it_is(tmp_path, monkeypatch):
    inputs = _inputs()
    _build(tmp_path, inputs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "report.key", "report.md"]
    _age(tmp_path)
    before = _files(tmp_path)
    monkeypatch.setattr(report, "_sections", lambda *a: pytest.fail("the report was rendered again"))
    assert _build(tmp_path, _inputs()) == (tmp_path / "index.html", tmp_path / "report.md")   # equal, new objects
    assert _files(tmp_path) == before     # same bytes, same mtime: not written at all


def test_a_changed_table_value_renders_the_report_again_with_it(tmp_path):
    _build(tmp_path, _inputs())
    _age(tmp_path)
    old_key = (tmp_path / "report.key").read_text()
    changed = _inputs()
    changed["tables"]["company_layoffs_vs_releases"] = _company(laid_off_zorblax=98765)
    _build(tmp_path, changed)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert _appendix_rows(md) == _oracle_rows(changed["tables"]["company_layoffs_vs_releases"])
    assert "<td>98765</td>" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1234" not in md
    assert all(mtime != OLD for _, mtime in _files(tmp_path).values())
    assert (tmp_path / "report.key").read_text() != old_key


@pytest.mark.parametrize("change", ["svg", "source", "dtype", "text cell"])
def test_every_other_input_is_in_the_key(change):
    inputs = _inputs()
    base = report_files.report_key(inputs["tables"], inputs["svgs"], inputs["sources"])
    if change == "svg":
        inputs["svgs"] = {"lagged_correlations": inputs["svgs"]["lagged_correlations"].replace("lag", "Lag")}
    elif change == "source":
        inputs["sources"] = [dict(SOURCES[0], retrieved="2025-01-01")]
    elif change == "dtype":   # 2.0 and 2 print alike in a frame but not in every cell the report formats
        inputs["tables"]["company_layoffs_vs_releases"]["models_released"] = [1, 2, 1]
    else:
        inputs["tables"]["_events"].loc[1, "company"] = "Quux  Widgets"
    assert report_files.report_key(inputs["tables"], inputs["svgs"], inputs["sources"]) != base, change


@pytest.mark.parametrize("crash", ["key deleted", "stale key", "failed mid-write"])
def test_a_crash_mid_write_renders_the_report_again(tmp_path, monkeypatch, crash):
    inputs = _inputs()
    _build(tmp_path, inputs)
    good = _files(tmp_path)
    (tmp_path / "report.md").write_text("half a report")   # what a crash between the two files leaves
    if crash == "key deleted":
        (tmp_path / "report.key").unlink()
    elif crash == "stale key":
        (tmp_path / "report.key").write_text("0" * 64)
    else:
        changed = _inputs()
        changed["tables"]["company_layoffs_vs_releases"] = _company(laid_off_zorblax=7)
        real = type(tmp_path).write_text

        def dies_on_the_markdown(path, *args, **kwargs):
            if path.name == "report.md":
                raise OSError(28, "No space left on device")
            return real(path, *args, **kwargs)

        with monkeypatch.context() as m:
            m.setattr(type(tmp_path), "write_text", dies_on_the_markdown)
            with pytest.raises(OSError, match="No space left"):
                _build(tmp_path, changed)
        assert not (tmp_path / "report.key").exists()   # the old key never describes the new index.html
    _build(tmp_path, inputs)
    assert {name: data for name, (data, _) in _files(tmp_path).items()} == {
        name: data for name, (data, _) in good.items()}


def test_a_code_change_renders_the_report_again(tmp_path, monkeypatch):
    _build(tmp_path, _inputs())
    _age(tmp_path)
    monkeypatch.setattr(report_files, "code_version", lambda root="report": "another version of the code")
    _build(tmp_path, _inputs())
    assert (tmp_path / "report.md").stat().st_mtime_ns != OLD


def test_the_code_version_covers_every_module_the_report_imports():
    """Oracle: the analytics modules a fresh interpreter has loaded after importing analytics.report."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, analytics.report; "
         "print(' '.join(m.split('.', 1)[1] for m in sys.modules if m.startswith('analytics.')))"],
        capture_output=True, text=True, check=True).stdout.split()
    modules, libraries = report_files.closure()
    assert set(loaded) <= set(modules) and "report" in loaded
    assert {"pandas", "numpy", "lxml", "tabulate"} <= libraries


def test_run_analytics_keeps_the_report_of_unchanged_marts_and_renders_a_changed_one(tmp_path):
    """Through the pipeline: the key is stable for the same marts, and a changed mart value reaches the report."""
    from analytics import run_analytics
    from tests.unit.test_analytics_outputs import SOURCES as RUN_SOURCES, synthetic_frames

    run_analytics(synthetic_frames(), tmp_path, RUN_SOURCES, n_boot=20, lag_n_boot=10)
    out = tmp_path / "report"
    _age(out)
    before = _files(out)
    run_analytics(synthetic_frames(), tmp_path, RUN_SOURCES, n_boot=20, lag_n_boot=10)
    assert _files(out) == before
    frames = synthetic_frames()
    frames["layoff_count_stats"].loc[0, "max_laid_off"] = 12345   # invented; the blog table reproduces it
    shown = f"{12345:,.1f}"
    assert shown not in (out / "report.md").read_text(encoding="utf-8")
    run_analytics(frames, tmp_path, RUN_SOURCES, n_boot=20, lag_n_boot=10)
    assert shown in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "index.html").stat().st_mtime_ns != OLD
