"""Charts are rendered only when their spec changed: unchanged files (from the published copy) are kept as they are."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import analytics.chart_files as chart_files


def _chart(values) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"x": range(len(values)), "y": values})).mark_line().encode(x="x:Q", y="y:Q")


def test_an_unchanged_chart_is_not_rendered_again_and_a_changed_one_is(tmp_path, monkeypatch):
    paths = chart_files.save_chart(_chart([1, 2, 3]), tmp_path, "c")
    before = {p.name: p.read_bytes() for p in paths}
    assert (tmp_path / "c.key").is_file()

    def boom(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(chart_files.vlc, "vegalite_to_svg", boom)
    assert chart_files.save_chart(_chart([1, 2, 3]), tmp_path, "c") == paths     # same spec: kept, not rendered
    assert {p.name: p.read_bytes() for p in paths} == before
    with pytest.raises(AssertionError, match="rendered again"):
        chart_files.save_chart(_chart([1, 2, 4]), tmp_path, "c")                 # one value changed: rendered
    assert not (tmp_path / "c.key").exists()      # a failed render leaves no key beside the old files


def test_files_without_their_key_or_with_one_missing_are_rendered(tmp_path, monkeypatch):
    chart_files.save_chart(_chart([5, 6]), tmp_path, "c")
    calls = []
    real = chart_files.vlc.vegalite_to_svg
    monkeypatch.setattr(chart_files.vlc, "vegalite_to_svg", lambda *a, **k: calls.append(1) or real(*a, **k))
    (tmp_path / "c.svg").unlink()
    chart_files.save_chart(_chart([5, 6]), tmp_path, "c")
    (tmp_path / "c.key").write_text("stale")
    chart_files.save_chart(_chart([5, 6]), tmp_path, "c")
    assert len(calls) == 2 and (tmp_path / "c.svg").is_file()
