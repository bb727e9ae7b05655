"""Serve the hand-written layoffs.fyi/Airtable fixtures (home page -> embed page -> shared-view JSON) locally."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layoffs_fyi"
HOME = (FIXTURES / "layoffs_fyi_home.html").read_bytes()
EMBED = (FIXTURES / "airtable_embed.html").read_bytes()
VIEW = (FIXTURES / "airtable_view.json").read_bytes()
EXPORT_CSV = (FIXTURES / "airtable_view_as_export.csv").read_bytes()
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
HOME_PATH = "/"
EMBED_PATH = "/embed/shrInvented0View1?backgroundColor=green&viewControls=on"


def page_data_path(embed: bytes = EMBED) -> str:
    """Path+query of the embed page's readSharedViewData literal, unescaped by plain text replacement."""
    text = embed.decode("utf-8")
    start = text.index('"', text.index("urlWithParams", text.index("__prefetchedSharedViewData"))) + 1
    return text[start:text.index('"', start)].replace("\\u002F", "/").replace("\\u0026", "&")


def data_path(embed: bytes = EMBED) -> str:
    """What the client requests: the page's literal asking for the legacy JSON (the nested-format flag false)."""
    return page_data_path(embed).replace("%22shouldUseNestedResponseFormat%22%3Atrue",
                                         "%22shouldUseNestedResponseFormat%22%3Afalse")


@dataclass
class Site:
    """The scripted server with the three pages queued (each once unless told otherwise)."""

    server: object

    @property
    def home_url(self) -> str:
        return self.server.url(HOME_PATH)

    @property
    def embed_url(self) -> str:
        return self.server.url(EMBED_PATH)

    @property
    def data_url(self) -> str:
        return self.server.url(data_path())

    def add_home(self, body: bytes = HOME, headers: dict[str, str] | None = None, status: int = 200) -> None:
        origin = self.server.url("").encode()
        self.server.add(HOME_PATH, status, body.replace(b"https://airtable.com", origin), headers or HTML)

    def add_embed(self, body: bytes = EMBED, headers: dict[str, str] | None = None) -> None:
        self.server.add(EMBED_PATH, 200, body, headers or HTML)

    def add_view(self, body: bytes = VIEW, headers: dict[str, str] | None = None, status: int = 200,
                 times: int = 1) -> None:
        self.server.add(data_path(), status, body, headers or JSON, times=times)

    def add_all(self) -> None:
        self.add_home()
        self.add_embed(headers={**HTML, "Set-Cookie": "brw=brwInvented0001; Path=/"})
        self.add_view()
