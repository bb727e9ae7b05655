"""The charts asset's catalog preview shows every chart, each as its smaller file (it is stored with every run)."""

from __future__ import annotations

import base64
import re

from orchestration.defs.analytics import _chart_preview


def test_every_chart_is_shown_from_its_smaller_file(tmp_path):
    files = {"lines.png": b"\x89PNG" + b"p" * 5000, "lines.svg": b"<svg>" + b"s" * 50 + b"</svg>",
             "dots.png": b"\x89PNG" + b"p" * 50, "dots.svg": b"<svg>" + b"s" * 5000 + b"</svg>",
             "bare.png": b"\x89PNG" + b"only"}  # no SVG beside it
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    text = _chart_preview(tmp_path).md_str
    shown = {name: (kind, base64.b64decode(data)) for name, kind, data in re.findall(
        r"!\[(\w+)\]\(data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)\)", text)}
    assert shown == {"lines": ("svg+xml", files["lines.svg"]), "dots": ("png", files["dots.png"]),
                     "bare": ("png", files["bare.png"])}


def test_no_charts_says_so(tmp_path):
    assert _chart_preview(tmp_path).md_str == "(no charts)"
