"""Opt-in fetch of source articles' <title>: once per URL, robots-aware, rate-limited, cached as snapshots."""

from __future__ import annotations

import json
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import requests

from ingestion.core import Dataset, FetchError, IngestionError, Origin, Snapshot
from ingestion.http import CHUNK_SIZE, HttpClient, HttpConfig, HttpResult
from ingestion.outbound import Refused, Rule
from ingestion.snapshot import SnapshotStore

DATASET_ID = "article_headlines"
TABLE = "article_headlines"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_TITLE_CHARS = 500
TRACKER_ROW = "a tracker row"  # what supplies an article URL: it may point at any public host, nothing else
ARTICLE_RULE = Rule("article titles", any_public_host=True,
                    hint="add its host:port to LAYOFFS_AI_FETCH_ALLOW_HOSTS")
DATASET = Dataset(
    id=DATASET_ID,
    origin=Origin(name="Source articles' <title> (each publisher's page)", url="",
                  license="each publisher's own; only the <title> text is kept, as a short factual quotation",
                  citation="The <title> of the article each layoff tracker row links as its source"),
    url="", filename="headlines.jsonl", offline_glob="", content_types=HTML_TYPES, tables=(TABLE,))


@dataclass(frozen=True)
class HeadlineConfig:
    """How politely titles are fetched: per-host spacing, a per-run cap, short timeouts, a small read."""

    min_interval_s: float = 2.0  # at least this long between two requests to one host (robots.txt included)
    max_crawl_delay_s: float = 10.0  # a robots.txt Crawl-delay is honoured up to this; longer: the host is skipped
    budget_s: float = 300.0  # the whole step's wall-clock budget (LAYOFFS_AI_HEADLINES_BUDGET_S), waits included
    max_requests: int = 200  # requests per run, robots.txt included; the rest wait for the next run
    max_bytes: int = 256 * 1024  # the title is near the top: read at most this much of a page
    http: HttpConfig = HttpConfig(connect_timeout=5.0, read_timeout=10.0, total_retries=1, backoff_factor=2.0,
                                  backoff_max=10.0, retry_after_max=10, deadline=20.0)


@dataclass(frozen=True)
class Headline:
    """One attempt at one URL: status `ok` (title found), `no_title`, `not_html`, `http_<code>`, `disallowed`
    (robots.txt, or a Crawl-delay over the one honoured: the host is skipped), `refused` (the outbound policy:
    a non-public address or a non-http URL), `robots_unavailable` or `error`; every attempt is kept, so no URL
    is fetched twice."""

    url: str
    status: str
    title: str | None
    fetched_at: str  # ISO-8601 UTC
    http_status: int | None = None
    final_url: str | None = None
    error: str | None = None


class _TitleParser(HTMLParser):
    """Text of the first <title> element (entities decoded by HTMLParser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.inside = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title" and not self.done:
            self.inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip().strip('"'):
            return value.strip().strip('"')
    return "utf-8"


def extract_title(body: bytes, content_type: str | None = None) -> str | None:
    """The first <title>'s text, entities decoded, whitespace collapsed; None when there is none."""
    try:
        text = body.decode(_charset(content_type), errors="replace")
    except LookupError:  # unknown charset name
        text = body.decode("utf-8", errors="replace")
    parser = _TitleParser()
    try:
        parser.feed(text)
        parser.close()
    except (ValueError, AssertionError):  # html.parser gives up on some broken markup: keep what it read
        pass
    title = " ".join("".join(parser.parts).split())[:MAX_TITLE_CHARS]
    return title or None


class _TitleClient(HttpClient):
    """The project's HTTP client (policy, retries, deadline, timeouts), but any status is returned, not raised, and
    only the first `limit` bytes of a body are read."""

    def __init__(self, config: HttpConfig, limit: int) -> None:
        super().__init__(config)
        self.limit = limit

    def fetch(self, url: str, via: str, seconds: float) -> HttpResult:
        """GET a URL that `via` supplied (a tracker row, or the article for its robots.txt) within `seconds`."""
        self._deadline_at = time.monotonic() + min(self.config.deadline, seconds)  # each URL its own deadline
        return self.get(url, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}, via=via,
                        rule=ARTICLE_RULE)

    def _finish(self, url, resp, etag, accept_types, final_url="") -> HttpResult:
        body = bytearray()
        if 200 <= resp.status_code < 300:
            try:
                for chunk in resp.iter_content(chunk_size=CHUNK_SIZE):
                    body += chunk
                    if len(body) >= self.limit or self.remaining() <= 0:
                        break
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"GET {url} failed while reading the body: {self._describe(exc, url)}") from None
        return HttpResult(final_url or resp.url or url, resp.status_code, bytes(body[: self.limit]), None,
                          resp.headers.get("Content-Type"), False, dict(resp.headers))


class BudgetUsed(Exception):
    """The step's wall-clock budget is used up: the URLs left wait for the next run."""


class TitleFetcher:
    """Fetches titles of URLs not yet cached, one request at a time, spaced per host, within a per-run cap."""

    def __init__(self, config: HeadlineConfig | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config or HeadlineConfig()
        self.client = _TitleClient(self.config.http, self.config.max_bytes)
        self.clock, self.sleep = clock, sleep
        self.ends_at = clock() + self.config.budget_s  # the step's budget, counted from the fetcher's creation
        self.budget_used = False
        self.requests = 0
        self._last: dict[str, float] = {}  # host -> clock() of its last request
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}  # host -> parser, or why none

    def close(self) -> None:
        self.client.close()

    def left(self) -> float:
        """Seconds left of the step's budget."""
        return self.ends_at - self.clock()

    def _wait_turn(self, host: str, interval: float) -> None:
        """Wait out the host's interval; BudgetUsed when the wait, or the request after it, would pass the budget."""
        last = self._last.get(host)
        wait = max(0.0, last + interval - self.clock()) if last is not None else 0.0
        if wait >= self.left():
            self.budget_used = True
            raise BudgetUsed()
        if wait > 0:
            self.sleep(wait)
        self._last[host] = self.clock()
        self.requests += 1

    def _robots_for(self, scheme: str, host: str, page_url: str) -> urllib.robotparser.RobotFileParser | str:
        """The host's robots.txt (404: everything allowed; 401/403: nothing); a string says why there is none."""
        if host in self._robots:
            return self._robots[host]
        robots_url = f"{scheme}://{host}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        self._wait_turn(host, self.config.min_interval_s)
        try:
            result = self.client.fetch(robots_url, page_url, self.left())
        except Refused:
            raise
        except FetchError as exc:
            self._robots[host] = f"robots.txt unavailable: {exc}"
            return self._robots[host]
        if result.status in (401, 403):
            parser.disallow_all = True
        elif 400 <= result.status < 500:
            parser.allow_all = True
        elif result.status >= 300:
            self._robots[host] = f"robots.txt unavailable: HTTP {result.status}"
            return self._robots[host]
        else:
            parser.parse((result.content or b"").decode("utf-8", errors="replace").splitlines())
        self._robots[host] = parser
        return parser

    def fetch_one(self, url: str) -> Headline:
        """One attempt at `url` (robots.txt first, when its host's is not known yet); BudgetUsed when the step's
        budget would be passed before it is made."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        parts = urlsplit(url)
        host = (parts.netloc or "").lower()
        if parts.scheme.lower() not in ("http", "https") or not host:
            return Headline(url, "refused", None, now, error="not an http(s) URL")
        try:
            robots = self._robots_for(parts.scheme.lower(), host, url)
        except Refused as exc:
            self._robots[host] = f"refused: {exc}"
            return Headline(url, "refused", None, now, error=str(exc))
        if isinstance(robots, str):
            status = "refused" if robots.startswith("refused: ") else "robots_unavailable"
            return Headline(url, status, None, now, error=robots.removeprefix("refused: "))
        agent = self.config.http.user_agent
        if not robots.can_fetch(agent, url):
            return Headline(url, "disallowed", None, now, error="robots.txt disallows it")
        delay = robots.crawl_delay(agent)
        if delay is not None and float(delay) > self.config.max_crawl_delay_s:
            return Headline(url, "disallowed", None, now, error=f"robots.txt asks a Crawl-delay of {delay} s, over "
                            f"the {self.config.max_crawl_delay_s:g} s honoured: host skipped")
        self._wait_turn(host, max(self.config.min_interval_s, float(delay or 0)))
        try:
            result = self.client.fetch(url, TRACKER_ROW, self.left())
        except Refused as exc:
            return Headline(url, "refused", None, now, error=str(exc))
        except FetchError as exc:
            return Headline(url, "error", None, now, error=" ".join(str(exc).split()))
        if not 200 <= result.status < 300:
            return Headline(url, f"http_{result.status}", None, now, result.status, result.url)
        if not (result.content_type or "").strip().lower().startswith(HTML_TYPES):
            return Headline(url, "not_html", None, now, result.status, result.url,
                            error=f"content type {result.content_type!r}")
        title = extract_title(result.content or b"", result.content_type)
        return Headline(url, "ok" if title else "no_title", title, now, result.status, result.url)

    def fetch_new(self, urls: Iterable[str], cached: Iterable[str],
                  on_each: Callable[[Headline], None] | None = None) -> list[Headline]:
        """Attempts for every URL of `urls` not in `cached` (each once), until the per-run cap or the step's
        budget is reached (`budget_used` then says so)."""
        done = set(cached)
        out: list[Headline] = []
        for url in dict.fromkeys(u.strip() for u in urls if u and u.strip()):
            if url in done:
                continue
            host = (urlsplit(url).netloc or "").lower()
            needed = 1 if host in self._robots else 2  # the page, and its host's robots.txt the first time
            if self.requests + needed > self.config.max_requests:
                break
            if self.left() <= 0:
                self.budget_used = True
                break
            try:
                headline = self.fetch_one(url)
            except BudgetUsed:
                break
            done.add(url)
            out.append(headline)
            if on_each is not None:
                on_each(headline)
        return out


def encode(headlines: Iterable[Headline]) -> bytes:
    """JSON lines, one attempt a line."""
    return "".join(json.dumps(asdict(h), ensure_ascii=False, sort_keys=True) + "\n" for h in headlines).encode()


def decode(snapshot: Snapshot) -> list[Headline]:
    """The attempts stored in one snapshot (IngestionError on a line that is not one)."""
    out = []
    for number, line in enumerate(snapshot.read_bytes().decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            out.append(Headline(**{k: record.get(k) for k in Headline.__dataclass_fields__}))
        except (json.JSONDecodeError, TypeError) as exc:
            raise IngestionError(f"{snapshot.path}:{number}: not a headline record ({exc})") from exc
    return out


def cached(store: SnapshotStore) -> list[tuple[Snapshot, list[Headline]]]:
    """Every stored headline snapshot (integrity-checked) with its attempts, oldest first."""
    out = []
    for snapshot in store.list(DATASET_ID):
        store.verify(snapshot)
        out.append((snapshot, decode(snapshot)))
    return out


def save(store: SnapshotStore, headlines: list[Headline], moment: datetime | None = None) -> Snapshot | None:
    """Store this run's attempts as a new immutable snapshot (none when there were none)."""
    if not headlines:
        return None
    moment = moment or datetime.now(timezone.utc)
    name = f"headlines-{moment.strftime('%Y%m%dT%H%M%S%fZ')}.jsonl"
    return store.save(replace(DATASET, filename=name), encode(headlines), url="(one request per article URL)",
                      accessed_at=moment, content_type="application/x-ndjson")
