"""Shared HTTP client: retries with backoff, conditional GET, size cap and one-line FetchErrors."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)

from ingestion.core import FetchError
from ingestion.http_retry import RETRY_STATUSES, DeadlineRetry, build_retry  # noqa: F401 - re-exported

DEFAULT_USER_AGENT = "layoffs-ai/0.1 (+https://github.com/layoffs-ai/layoffs-ai; data pipeline)"
CHUNK_SIZE = 64 * 1024


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
    deadline: float = 120.0  # wall-clock budget (s) of one get(), retries and waits included

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
    """One `requests.Session` with a retrying adapter; `get()` returns an HttpResult or raises FetchError.

    A session passed in is used as-is (its adapters are not replaced); only the default
    session created here gets the retry policy mounted.
    """

    def __init__(self, config: HttpConfig | None = None, session: requests.Session | None = None) -> None:
        self.config = config or HttpConfig()
        self.retry = build_retry(self.config)
        self._owns_session = session is None
        self._adapter: HTTPAdapter | None = None
        self._deadline_at: float | None = None  # starts with the first request: one client per source fetch
        if session is None:
            session = requests.Session()
            self._adapter = HTTPAdapter(max_retries=self.retry)
            session.mount("http://", self._adapter)
            session.mount("https://", self._adapter)
        self.session = session

    def remaining(self) -> float:
        """Seconds left of this client's deadline (LAYOFFS_AI_FETCH_DEADLINE_S), counted from its first request."""
        if self._deadline_at is None:
            self._deadline_at = time.monotonic() + self.config.deadline
        return self._deadline_at - time.monotonic()

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _describe(self, exc: BaseException, url: str = "") -> str:
        cfg = self.config
        root = _root_cause(exc)
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
    ) -> HttpResult:
        """GET `url`; `headers` are extra request headers (they may override User-Agent)."""
        cfg = self.config
        headers = {"User-Agent": cfg.user_agent, **(headers or {})}
        if etag:
            headers["If-None-Match"] = etag
        remaining = self.remaining()
        if remaining <= 0:
            raise FetchError(f"GET {url} not attempted: the fetch deadline of {cfg.deadline:g} s is used up")
        if self._adapter is not None:
            self._adapter.max_retries = self.retry.new(deadline=self._deadline_at)
        try:
            resp = self.session.get(
                url,
                headers=headers,
                stream=True,
                timeout=(min(cfg.connect_timeout, remaining), min(cfg.read_timeout, remaining)),
            )
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"GET {url} failed: {self._describe(exc, url)}") from exc
        with resp:
            return self._finish(url, resp, etag, accept_types)

    def _finish(
        self,
        url: str,
        resp: requests.Response,
        etag: str | None,
        accept_types: tuple[str, ...] | list[str] | None,
    ) -> HttpResult:
        cfg = self.config
        final_url = resp.url or url
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
            raise FetchError(f"GET {url} failed while reading the body: {self._describe(exc, url)}") from exc
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
