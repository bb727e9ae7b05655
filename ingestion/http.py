"""Shared HTTP client: retries with backoff, conditional GET, size cap and one-line FetchErrors."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)

from ingestion import outbound
from ingestion.core import FetchError
from ingestion.http_retry import RETRY_STATUSES, DeadlineRetry, build_retry  # noqa: F401 - re-exported
from ingestion.outbound import GuardedAdapter, Guard, Refused, Rule  # noqa: F401 - Refused, Rule re-exported
from safetext import redact_url

DEFAULT_USER_AGENT = "layoffs-ai/0.1 (+https://github.com/layoffs-ai/layoffs-ai; data pipeline)"
CHUNK_SIZE = 64 * 1024
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class HttpConfig:
    """Client settings; orchestration.settings.Settings builds them from the environment (`HttpConfig.from_env`)."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    total_retries: int = 5
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    max_bytes: int = 200 * 1024 * 1024
    retry_after_max: int = 300  # longest Retry-After (s) we agree to wait; longer values are capped
    deadline: float = 120.0  # wall-clock budget (s) of one client (one source's fetch), retries and reads included
    allow_hosts: frozenset[tuple[str, int]] = frozenset()  # LAYOFFS_AI_FETCH_ALLOW_HOSTS (outbound.py)
    airtable_browser: bool = False  # LAYOFFS_AI_AIRTABLE_BROWSER: a login wall may be passed with Chromium

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> HttpConfig:
        kwargs: dict[str, Any] = {}
        timeout = (environ.get("LAYOFFS_AI_HTTP_TIMEOUT") or "").strip()
        if timeout:
            parts = [p.strip() for p in timeout.split(",")]
            try:
                values = [float(p) for p in parts]
            except ValueError:
                values = []
            if len(values) not in (1, 2) or any(v <= 0 for v in values):
                raise ValueError(
                    f"LAYOFFS_AI_HTTP_TIMEOUT={timeout!r} is not 'connect,read' in positive seconds (e.g. '10,60')"
                )
            kwargs["connect_timeout"], kwargs["read_timeout"] = values[0], values[-1]
        deadline = (environ.get("LAYOFFS_AI_FETCH_DEADLINE_S") or "").strip()
        if deadline:
            try:
                kwargs["deadline"] = float(deadline)
            except ValueError:
                kwargs["deadline"] = 0.0
            if not kwargs["deadline"] > 0:
                raise ValueError(f"LAYOFFS_AI_FETCH_DEADLINE_S={deadline!r} is not a positive number of seconds")
        max_bytes = (environ.get("LAYOFFS_AI_HTTP_MAX_BYTES") or "").strip()
        if max_bytes:
            try:
                kwargs["max_bytes"] = int(max_bytes)
            except ValueError:
                kwargs["max_bytes"] = 0
            if kwargs["max_bytes"] <= 0:
                raise ValueError(f"LAYOFFS_AI_HTTP_MAX_BYTES={max_bytes!r} is not a positive integer")
        return cls(**kwargs)


@dataclass(frozen=True)
class HttpResult:
    """Outcome of a GET: body bytes (None when 304 Not Modified) plus the headers we care about."""

    url: str  # final URL after redirects
    status: int
    content: bytes | None
    etag: str | None
    content_type: str | None
    not_modified: bool
    headers: Mapping[str, str] = field(default_factory=dict)


def _root_cause(exc: BaseException) -> BaseException:
    """Unwrap requests/urllib3 wrappers (MaxRetryError.reason, args[0]) down to the real error."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MaxRetryError) and current.reason is not None:
            current = current.reason
        else:
            inner = next((a for a in current.args if isinstance(a, BaseException)), None)
            if inner is None:
                break
            current = inner
    return current


class HttpClient:
    """One `requests.Session` per fetch, whose every connection goes through the outbound policy
    (ingestion/outbound.py): `get()` returns an HttpResult or raises FetchError (Refused for the policy).

    `get(url)` with no `via` fetches a configured URL: its scheme, host and port are trusted for this client.
    `get(url, via=document_url, rule=...)` fetches a URL that a document supplied: same origin as the document,
    or on the rule's allowlist, or any public host for an article URL. Redirects are followed here, each hop
    checked as a supplied URL; every connection to an untrusted origin dials only a checked public address.
    """

    def __init__(self, config: HttpConfig | None = None) -> None:
        self.config = config or HttpConfig()
        self.retry = build_retry(self.config)
        self._deadline_at: float | None = None  # starts with the first request: one client per source fetch
        self.guard = Guard(allow_hosts=self.config.allow_hosts, deadline_at=lambda: self._deadline_at)
        session = requests.Session()
        session.trust_env = False  # no proxy or .netrc from the environment: we dial the address we checked
        self._adapter = GuardedAdapter(self.guard, max_retries=self.retry)
        session.mount("http://", self._adapter)
        session.mount("https://", self._adapter)
        self.session = session

    def remaining(self) -> float:
        """Seconds left of this client's deadline (LAYOFFS_AI_FETCH_DEADLINE_S), counted from its first request."""
        if self._deadline_at is None:
            self._deadline_at = time.monotonic() + self.config.deadline
        return self._deadline_at - time.monotonic()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _describe(self, exc: BaseException, url: str = "") -> str:
        cfg = self.config
        root = _root_cause(exc)
        if isinstance(root, outbound.DeadlinePassed) or (self._deadline_at is not None and self.remaining() <= 0
                                                         and isinstance(root, (ReadTimeoutError, TimeoutError))):
            arriving = " while the answer was still arriving" if isinstance(root, outbound.DeadlinePassed) else ""
            return f"the fetch deadline of {cfg.deadline:g} s passed{arriving}"
        host = urlsplit(url).hostname or "the host"
        if isinstance(root, NameResolutionError):
            return f"cannot resolve host {host} (DNS lookup failed; no network?)"
        if isinstance(root, NewConnectionError):
            refused = isinstance(getattr(root, "__cause__", None), ConnectionRefusedError) or "refused" in str(root)
            cause = "connection refused" if refused else _one_line(str(root).split(": ", 1)[-1])
            return f"cannot connect to {host} ({cause}; no network?)"
        if isinstance(exc, requests.exceptions.ConnectTimeout) or (
            isinstance(root, ConnectTimeoutError) and not isinstance(root, NewConnectionError)
        ):
            return f"connect timeout after {cfg.connect_timeout:g} s"
        if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(root, ReadTimeoutError):
            return f"read timeout after {cfg.read_timeout:g} s"
        if isinstance(root, ResponseError):  # retries or the fetch deadline ran out (see http_retry)
            return _one_line(root)
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return f"truncated or malformed body ({_one_line(root)})"
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return f"cannot decode body ({_one_line(root)})"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"connection failed ({_one_line(root)})"
        return f"{type(root).__name__}: {_one_line(root)}"

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        accept_types: tuple[str, ...] | list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        via: str | None = None,
        rule: Rule | None = None,
    ) -> HttpResult:
        """GET `url`; `headers` are extra request headers (they may override User-Agent). `via`: the URL of the
        document that supplied `url` (None: `url` is configured, and trusted); `rule`: what else may be followed."""
        rule = rule or Rule()
        url = outbound.normalise(url)
        if via is None:
            start = outbound.origin(url)
            if start is None:
                raise Refused(f"refused {redact_url(url)}: not an http(s) URL")
            self.guard.trusted.add(start)
        else:
            outbound.check_supplied(url, via, rule, "link")
        extra = dict(headers or {})
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._send(current, url, etag, extra)
            location = resp.headers.get("Location") if resp.status_code in REDIRECT_STATUSES else None
            if not location:
                with resp:
                    return self._finish(url, resp, etag, accept_types, current)
            resp.close()
            target = outbound.normalise(urljoin(current, location.strip()))
            try:
                outbound.check_supplied(target, current, rule, f"redirect (HTTP {resp.status_code})")
            except Refused as exc:
                raise Refused(f"GET {redact_url(url)}: {exc}") from None
            if outbound.origin(target) != outbound.origin(current):
                extra, etag = {}, None  # the caller's headers were meant for the origin it named
            current = target
        raise FetchError(f"GET {redact_url(url)} failed: more than {MAX_REDIRECTS} redirects")

    def _send(self, current: str, url: str, etag: str | None, extra: Mapping[str, str]) -> requests.Response:
        cfg = self.config
        headers = {"User-Agent": cfg.user_agent, **extra}
        if etag:
            headers["If-None-Match"] = etag
        remaining = self.remaining()
        if remaining <= 0:
            raise FetchError(f"GET {url} not attempted: the fetch deadline of {cfg.deadline:g} s is used up")
        self._adapter.max_retries = self.retry.new(deadline=self._deadline_at)
        try:
            return self.session.get(current, headers=headers, stream=True, allow_redirects=False,
                                    timeout=(min(cfg.connect_timeout, remaining), min(cfg.read_timeout, remaining)))
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"GET {url} failed: {self._describe(exc, current)}") from None

    def post_json(self, url: str, body: bytes, *, shown: str) -> int:
        """POST a JSON body to a configured URL (no redirects followed); the status, or FetchError naming `shown`
        (what may be printed of the URL, e.g. a webhook's scheme and host) and never the URL itself."""
        start = outbound.origin(url)
        if start is None:
            raise FetchError(f"POST {shown} failed: not an http(s) URL")
        self.guard.trusted.add(start)
        remaining = self.remaining()
        try:
            resp = self.session.post(url, data=body, headers={"User-Agent": self.config.user_agent,
                                                              "Content-Type": "application/json"},
                                     allow_redirects=False, timeout=(min(self.config.connect_timeout, remaining),
                                                                     min(self.config.read_timeout, remaining)))
            with resp:
                resp.content  # read within the deadline
        except requests.exceptions.RequestException as exc:
            reason = re.sub(r"\burl: \S+", "url: (not shown)", self._describe(exc, ""))  # urllib3 names the path
            raise FetchError(f"POST {shown} failed: {reason}") from None
        if not 200 <= resp.status_code < 300:
            raise FetchError(f"POST {shown} failed: HTTP {resp.status_code}"
                             + (" (redirects are not followed)" if resp.status_code in REDIRECT_STATUSES else ""))
        return resp.status_code

    def _finish(
        self,
        url: str,
        resp: requests.Response,
        etag: str | None,
        accept_types: tuple[str, ...] | list[str] | None,
        final_url: str = "",
    ) -> HttpResult:
        cfg = self.config
        final_url = final_url or resp.url or url
        headers = dict(resp.headers)
        content_type = resp.headers.get("Content-Type")
        new_etag = resp.headers.get("ETag")
        if resp.status_code == 304:
            return HttpResult(final_url, 304, None, new_etag or etag, content_type, True, headers)
        if not 200 <= resp.status_code < 300:
            retries = getattr(resp.raw, "retries", None)
            attempts = len(retries.history) + 1 if retries is not None else 1
            reason = _one_line(resp.reason or "")
            gave_up = self._adapter is not None and resp.status_code in RETRY_STATUSES and attempts <= cfg.total_retries
            raise FetchError(
                f"GET {url} failed: HTTP {resp.status_code}{' ' + reason if reason else ''}"
                f" after {attempts} attempt{'s' if attempts != 1 else ''}"
                + (f" (stopped: the next retry would pass the fetch deadline of {cfg.deadline:g} s)" if gave_up else "")
            )
        if accept_types:
            accepted = tuple(t.lower() for t in accept_types)
            actual = (content_type or "").strip().lower()
            if not actual.startswith(accepted):
                raise FetchError(
                    f"GET {url}: content type {_one_line(content_type or '')!r} not in {tuple(accept_types)!r}"
                )
        declared = _content_length(resp.headers.get("Content-Length"))
        if declared is not None and declared > cfg.max_bytes:
            raise FetchError(
                f"GET {url}: Content-Length {declared} bytes exceeds the limit of {cfg.max_bytes} bytes"
            )
        body = bytearray()
        try:
            for chunk in resp.iter_content(chunk_size=CHUNK_SIZE):
                body += chunk
                if self.remaining() <= 0:
                    raise FetchError(f"GET {url}: body still arriving when the fetch deadline of "
                                     f"{cfg.deadline:g} s ran out ({len(body)} bytes read)")
                if len(body) > cfg.max_bytes:
                    raise FetchError(
                        f"GET {url}: body exceeds the limit of {cfg.max_bytes} bytes (aborted after {len(body)})"
                    )
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"GET {url} failed while reading the body: {self._describe(exc, url)}") from None
        # Content-Length counts bytes on the wire (before Content-Encoding is undone): compare raw bytes.
        raw_read = resp.raw.tell() if hasattr(resp.raw, "tell") else len(body)
        if declared is not None and raw_read < declared:
            raise FetchError(
                f"GET {url}: truncated body, received {raw_read} of {declared} bytes declared by Content-Length"
            )
        return HttpResult(final_url, resp.status_code, bytes(body), new_etag, content_type, False, headers)


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.split(",")[0].strip())
    except ValueError:
        return None
    return number if number >= 0 else None
