"""The chart pages' JavaScript bundle cache: reused when intact, rebuilt when corrupt, skipped when unwritable."""

import pytest

from analytics import js_bundle

BUNDLE = "/* vega-embed */ const é = '\u2028';\r\n"


@pytest.fixture
def built(monkeypatch):
    calls = []

    def fake(vl_version):
        calls.append(vl_version)
        return BUNDLE

    monkeypatch.setattr(js_bundle.vlc, "javascript_bundle", fake)
    js_bundle.javascript_bundle.cache_clear()
    yield calls
    js_bundle.javascript_bundle.cache_clear()


def test_bundle_is_built_once_then_read_from_the_cache(tmp_path, built):
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path) == BUNDLE
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path) == BUNDLE
    assert built == ["v6.4"]
    assert [p.name for p in tmp_path.iterdir()] == [js_bundle.cache_file(tmp_path, "v6.4").name]
    assert js_bundle.javascript_bundle.__wrapped__("v5.20", tmp_path) == BUNDLE   # another version: its own file
    assert built == ["v6.4", "v5.20"]


def test_corrupt_or_truncated_cache_is_rebuilt(tmp_path, built):
    path = js_bundle.cache_file(tmp_path, "v6.4")
    js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path)
    path.write_bytes(path.read_bytes()[:-3])
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path) == BUNDLE
    path.write_bytes(b"\xff\xfe not a bundle")
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path) == BUNDLE
    assert len(built) == 3
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", tmp_path) == BUNDLE   # rewritten intact
    assert len(built) == 3


def test_unwritable_cache_falls_back_to_building(tmp_path, built):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", blocker / "cache") == BUNDLE
    assert js_bundle.javascript_bundle.__wrapped__("v6.4", blocker / "cache") == BUNDLE
    assert len(built) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]   # no temporary file left behind
