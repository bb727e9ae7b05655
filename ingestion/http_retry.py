"""urllib3 retry policy for every download: no retries for DNS/refused, and a per-fetch deadline."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import MaxRetryError, NewConnectionError, ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from ingestion.http import HttpConfig

RETRY_STATUSES = (429, 500, 502, 503, 504)


class DeadlineRetry(Retry):
    """urllib3's Retry, but a host that does not resolve or refuses the connection is not retried
    (offline machines fail in seconds, not minutes), and no retry or wait goes past `deadline`
    (a time.monotonic() value; None: no deadline)."""

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)  # type: ignore[return-value]

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, NewConnectionError):  # DNS failure or refused: retrying will not help
            raise MaxRetryError(_pool, url or "", error) from error
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        remaining = new_retry.remaining()
        if remaining is not None:
            after = new_retry.get_retry_after(response) if response is not None else None
            wait = after if after else new_retry.get_backoff_time()  # as Retry.sleep: `Retry-After: 0` -> backoff
            if remaining <= wait:
                status = f"HTTP {response.status}" if response is not None else "the last attempt failed"
                reason = error or ResponseError(f"{status}, and the fetch deadline would pass before the next "
                                                f"retry (after {len(new_retry.history)} attempts)")
                raise MaxRetryError(_pool, url or "", reason) from reason
        return new_retry


def build_retry(config: "HttpConfig") -> DeadlineRetry:
    """The urllib3 retry policy: connection/read errors and 429/5xx on GET, honouring Retry-After."""
    return DeadlineRetry(
        total=config.total_retries,
        connect=None,
        read=None,
        status=None,
        redirect=None,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=config.backoff_factor,
        backoff_max=config.backoff_max,
        respect_retry_after_header=True,
        retry_after_max=config.retry_after_max,
        raise_on_status=False,
        raise_on_redirect=True,
    )
