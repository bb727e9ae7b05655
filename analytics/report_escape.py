"""Escaping for the report: Markdown cells and text, link targets (http/https only), inline SVG sanitising."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from lxml import etree

from analytics.text_hygiene import clean_text

_MD = {"\\": "\\\\", "`": "\\`", "|": "\\|", "[": "\\[", "]": "\\]",
       "<": "&lt;", ">": "&gt;", "&": "&amp;"}
_DROP_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "style"}


def md_escape(text) -> str:
    """One line of Markdown showing `text` literally: line breaks become spaces, markup characters are escaped."""
    flat = re.sub(r"\s*[\r\n\u2028\u2029]+\s*", " ", clean_text(str(text)))
    return "".join(_MD.get(ch, ch) for ch in flat)


def safe_url(url) -> str | None:
    """`url` when it is an absolute http(s) URL, else None (javascript:, data:, relative paths ...)."""
    text = clean_text(str(url or "")).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def html_link(url) -> str:
    """An <a> for http(s) URLs; anything else as plain escaped text."""
    target = safe_url(url)
    text = html.escape(clean_text(str(url)))
    return f'<a href="{html.escape(target, quote=True)}">{text}</a>' if target else text


def clean_svg(svg: str) -> str:
    """SVG markup safe to inline in HTML: no prolog/doctype/comments, no scripts or foreign content,
    no event-handler attributes, no link targets other than http(s) and in-document `#` references."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True,
                             remove_pis=True, strip_cdata=True)
    try:
        root = etree.fromstring(svg.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"chart SVG is not well-formed XML: {exc}") from None
    drop = [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname.lower() in _DROP_ELEMENTS]
    for el in drop:
        el.getparent().remove(el)
    for el in root.iter():
        for attr in list(el.attrib):
            name = etree.QName(attr).localname.lower()
            value = el.attrib[attr]
            if name.startswith("on") or (name == "href" and not value.startswith("#") and not safe_url(value)):
                del el.attrib[attr]
    return etree.tostring(root, encoding="unicode")
