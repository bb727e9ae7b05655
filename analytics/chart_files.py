"""Save a chart as SVG and PNG (vl-convert) and as an offline HTML page whose embedded spec cannot break out."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import altair as alt
import vl_convert as vlc
from altair.utils._importers import vl_version_for_vl_convert
from jinja2.utils import htmlsafe_json_dumps

from analytics.js_bundle import javascript_bundle
from analytics.text_hygiene import clean_tree

# Altair refuses datasets above its own 5,000-row default; the charts keep themselves under this budget.
MAX_MARKS = 20_000

# Export buttons only: vega-embed's "View Source" writes the spec unescaped into a new window, and
# "Open in Vega Editor" posts the data to an external site.
EMBED_OPTIONS = {"mode": "vega-lite", "renderer": "svg", "ast": True,
                 "actions": {"export": True, "source": False, "compiled": False, "editor": False}}

BOOT = """
const spec = JSON.parse(document.getElementById("vega-spec").textContent);
const options = JSON.parse(document.getElementById("vega-options").textContent);
vegaEmbed("#vis", spec, options).catch((err) => {
  const p = document.createElement("p");
  p.textContent = "The chart could not be drawn: " + err;
  document.getElementById("vis").appendChild(p);
});
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {hashes}; \
style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'">
<title>{title}</title>
<style>#vis.vega-embed {{ width: 100%; display: flex; }} #vis.vega-embed details,
#vis.vega-embed details summary {{ position: relative; }}</style>
<script>{bundle}</script>
</head>
<body>
<div id="vis"></div>
<script type="application/json" id="vega-spec">{spec}</script>
<script type="application/json" id="vega-options">{options}</script>
<script>{boot}</script>
</body>
</html>
"""


def script_json(obj) -> str:
    """JSON that is inert inside a <script> element: `<`, `>`, `&`, `'`, U+2028 and U+2029 as \\uXXXX escapes."""
    text = str(htmlsafe_json_dumps(obj, ensure_ascii=False, allow_nan=False))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _bundle(cache_dir: Path | None = None) -> str:
    """vega-embed + Vega-Lite + Vega as one inline script (the bundle Altair inlines with `inline=True`)."""
    bundle = javascript_bundle(vl_version_for_vl_convert(), cache_dir)
    if re.search(r"</script", bundle, re.IGNORECASE):
        raise RuntimeError("the vega-embed bundle contains '</script' and cannot be inlined")
    return bundle


def _check_no_links(node, path: str = "spec") -> None:
    """Refuse specs in which a data value could become a link or a fetch (href channel/property, data url)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "href":
                raise ValueError(f"{path}.href: charts must not turn values into links")
            if key == "url" and path.endswith(".data"):
                raise ValueError(f"{path}.url: charts embed their data, they never load it from a URL")
            _check_no_links(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_no_links(value, f"{path}[{i}]")


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of `chart` with every string cleaned of control characters, checked for links."""
    with alt.data_transformers.enable("default", max_rows=MAX_MARKS):
        spec = clean_tree(chart.to_dict())
    _check_no_links(spec)
    return spec


def chart_html(spec: dict, title: str, cache_dir: Path | None = None) -> str:
    """Self-contained page: inline vega bundle, spec as an escaped JSON block, CSP allowing only these scripts.

    `cache_dir` keeps the bundle between runs (see `analytics.js_bundle`; None: ~/.cache/layoffs-ai)."""
    bundle = _bundle(cache_dir)
    hashes = " ".join(_csp_hash(s) for s in (bundle, BOOT))
    return PAGE.format(hashes=hashes, title=html.escape(title), bundle=bundle, spec=script_json(spec),
                       options=script_json(EMBED_OPTIONS), boot=BOOT)


def render_key(spec: dict) -> str:
    """What a chart's files are a function of: its spec, the Vega-Lite and vl-convert versions, and this module."""
    parts = [json.dumps(spec, sort_keys=True, default=str), vl_version_for_vl_convert(), vlc.__version__,
             Path(__file__).read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def save_chart(chart: alt.TopLevelMixin, out_dir: Path, name: str, cache_dir: Path | None = None) -> list[Path]:
    """Write `name`.png (2×), .svg and self-contained .html into `out_dir`; return the paths.

    A run works on a copy of the published charts: when the files there were rendered from the same spec (the
    key in `name`.key), they are kept as they are instead of being rendered again."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = chart_spec(chart)
    version = vl_version_for_vl_convert()
    png, svg, page = (out_dir / f"{name}.{ext}" for ext in ("png", "svg", "html"))
    key, key_file = render_key(spec), out_dir / f"{name}.key"
    if all(p.is_file() for p in (png, svg, page)) and key_file.is_file() and key_file.read_text() == key:
        return [png, svg, page]
    key_file.unlink(missing_ok=True)   # never a key beside files it does not describe (a crash mid-write)
    text = vlc.vegalite_to_svg(spec, vl_version=version, allowed_base_urls=[])
    # vl-convert draws a PNG by rasterising this same SVG: doing it here saves laying the chart out twice. An SVG
    # with an <image> goes the long way, so that nothing but Vega (which may load no URL) ever fetches an image.
    png.write_bytes(vlc.svg_to_png(text, scale=2) if "<image" not in text
                    else vlc.vegalite_to_png(spec, vl_version=version, scale=2, allowed_base_urls=[]))
    svg.write_text(text, encoding="utf-8")
    page.write_text(chart_html(spec, name.replace("_", " "), cache_dir), encoding="utf-8")
    key_file.write_text(key)
    return [png, svg, page]

