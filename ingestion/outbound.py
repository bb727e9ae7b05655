"""The one outbound-request policy: which URLs may be fetched, which addresses may be dialled, and deadlines that hold."""

from __future__ import annotations

import ipaddress
import logging
import posixpath
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlsplit, urlunsplit

import certifi
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import allowed_gai_family
from urllib3.util.ssl_ import create_urllib3_context

from ingestion.core import FetchError
from safetext import redact_text, redact_url

# Policy (docs/architecture.md, "Outbound requests"):
# - a configured URL (a registry default, LAYOFFS_AI_URL_*, LAYOFFS_AI_ALERT_WEBHOOK) is trusted for its own
#   scheme, host and port, whatever address it resolves to;
# - a supplied URL (an iframe src, a urlWithParams, a redirect Location, a tracker row's article URL) must be
#   http(s) and on the origin of the document that supplied it, or on the source's declared allowlist, or (an
#   article URL only) on any public host;
# - every connection to an origin that is not trusted resolves the host once, refuses it if any address is
#   loopback, private, link-local, multicast, unspecified or reserved, and connects to the checked address;
# - LAYOFFS_AI_FETCH_ALLOW_HOSTS=host:port,... lets such a host:port pass the address check (tests use it
#   for local servers standing in for public hosts); off by default.
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOW_HOSTS_VARIABLE = "LAYOFFS_AI_FETCH_ALLOW_HOSTS"

Origin = tuple[str, str, int]  # (scheme, host, port), lower-cased, default port filled in


class Refused(FetchError):
    """The policy refused a URL or an address (one line: the URL without secrets, the rule, what to configure)."""


class DeadlinePassed(TimeoutError):
    """A read was attempted after the request's wall-clock deadline (a socket.timeout, so urllib3 treats it so)."""


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None for anything else or an unparsable URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]


def normalise(url: str) -> str:
    """`url` with its path's `.`/`..` segments resolved (as the server would), so a check sees the real target."""
    parts = urlsplit(url)
    path = parts.path or "/"
    resolved = posixpath.normpath(path)
    if path.endswith("/") and resolved != "/":
        resolved += "/"
    resolved = "/" + resolved.lstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc, resolved, parts.query, ""))


def climbs(url: str) -> bool:
    """True when the path has `.`/`..` segments, encoded dots, slashes or backslashes: the server may read it as
    another path than the one checked."""
    path = urlsplit(url).path
    if re.search(r"%2e|%2f|%5c", path, re.I) or "\\" in path:
        return True
    return any(segment in (".", "..") for segment in path.split("/"))


def host_allowed(host: str, allowlist: tuple[str, ...]) -> bool:
    """`host` is an allowlist entry or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == entry or host.endswith("." + entry) for entry in (e.lower().strip(".") for e in allowlist))


def parse_allow_hosts(text: str) -> frozenset[tuple[str, int]]:
    """LAYOFFS_AI_FETCH_ALLOW_HOSTS: `host:port` entries separated by commas; ValueError naming a bad entry."""
    out = set()
    for entry in (e.strip() for e in (text or "").split(",")):
        if not entry:
            continue
        host, _, port = entry.rpartition(":")
        host = host.strip("[]").lower()
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{ALLOW_HOSTS_VARIABLE}: {entry!r} is not host:port (e.g. 127.0.0.1:8080)")
        out.add((host, int(port)))
    return frozenset(out)


@dataclass(frozen=True)
class Rule:
    """Which supplied URLs one fetch may follow: its owner's name (for messages), the owner's declared
    allowlist (subdomains included), and whether any public host will do (a tracker row's article URL)."""

    owner: str = "this request"
    allowed_hosts: tuple[str, ...] = ()
    any_public_host: bool = False
    hint: str = ""  # what to configure when the URL was intended, e.g. "set LAYOFFS_AI_URL_LAYOFFS_FYI to it"

    @classmethod
    def of(cls, dataset: Any) -> Rule:
        """The rule of a source dataset: its declared `allowed_hosts`."""
        return cls(dataset.id, tuple(getattr(dataset, "allowed_hosts", ())),
                   hint=f"set LAYOFFS_AI_URL_{dataset.id.upper()} to it")


def check_supplied(url: str, supplied_by: str, rule: Rule, what: str = "link") -> None:
    """Refused unless `url` (found in the document at `supplied_by`) meets `rule`; the address is checked later,
    when the connection is made."""
    shown = redact_url(url)
    target = origin(url)
    if target is None:
        raise Refused(f"refused {shown}: not an http(s) URL ({what} found in {redact_url(supplied_by)})")
    if target == origin(supplied_by):
        return
    if host_allowed(target[1], rule.allowed_hosts) or rule.any_public_host:
        return
    allowed = ", ".join(rule.allowed_hosts) or "none"
    hint = f"; if it was intended, {rule.hint}" if rule.hint else ""
    raise Refused(f"refused {shown}: a {what} from {redact_url(supplied_by)} to another host or port, not on "
                  f"{rule.owner}'s allowlist ({allowed}){hint}")


def address_problem(address: str) -> str | None:
    """Why an address may not be dialled ('loopback', 'private', ...), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    for name in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return None if ip.is_global else "not publicly routable"


@dataclass
class Guard:
    """One fetch's state the connections consult: trusted origins, the opt-in hosts, the request's deadline."""

    allow_hosts: frozenset[tuple[str, int]] = frozenset()
    trusted: set[Origin] = field(default_factory=set)
    deadline_at: Callable[[], float | None] = lambda: None  # time.monotonic() value; None: no deadline

    def addresses(self, scheme: str, host: str, port: int) -> list[tuple]:
        """getaddrinfo results to connect to: all of them for a trusted origin or an allowed host, else each one
        checked (any non-public address refuses the host: no second lookup, no rebinding)."""
        host = host.strip("[]").lower().rstrip(".")
        found = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        if (scheme, host, port) in self.trusted or (host, port) in self.allow_hosts:
            return found
        for *_, sockaddr in found:
            problem = address_problem(sockaddr[0])
            if problem:
                shown = f"[{host}]" if ":" in host else host
                raise Refused(f"refused {scheme}://{shown}:{port}: it resolves to {sockaddr[0]}, a {problem} address "
                              f"(only a configured URL may be non-public); if it was intended, add {shown}:{port} to "
                              f"{ALLOW_HOSTS_VARIABLE}")
        return found


class _DeadlineReads:
    """Mixed into sockets: every read's timeout is the smaller of the socket's own and what is left of the
    request's deadline, so a server trickling one byte every few seconds cannot outlive the deadline."""

    _deadline_at: Callable[[], float | None] = staticmethod(lambda: None)
    _own_timeout: float | None = None

    def settimeout(self, value):
        self._own_timeout = value
        super().settimeout(value)

    def _arm(self) -> None:
        at = self._deadline_at()
        if at is None:
            return
        left = at - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("the request's deadline passed while the answer was still arriving")
        own = self._own_timeout
        super().settimeout(left if own is None else min(own, left))

    def recv(self, *args):
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args):
        self._arm()
        return super().recv_into(*args)


class DeadlineSocket(_DeadlineReads, socket.socket):
    pass


class DeadlineSSLSocket(_DeadlineReads, ssl.SSLSocket):
    pass


def _connect(guard: Guard, conn: HTTPConnection, scheme: str) -> socket.socket:
    """urllib3's `_new_conn`, with the host resolved once through the guard and the checked address dialled."""
    port = conn.port or DEFAULT_PORTS[scheme]
    try:
        found = guard.addresses(scheme, conn._dns_host, port)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    error: OSError | None = None
    for family, kind, proto, _, sockaddr in found:
        sock = DeadlineSocket(family, kind, proto)
        sock._deadline_at = guard.deadline_at
        try:
            for level, option, value in conn.socket_options or ():
                sock.setsockopt(level, option, value)
            sock.settimeout(conn.timeout if isinstance(conn.timeout, (int, float)) else None)
            sock.connect(sockaddr)
            return sock
        except socket.timeout as exc:
            sock.close()
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
                                      ) from exc
        except OSError as exc:
            sock.close()
            error = exc
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error or 'no address'}")


class _GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard

    def _new_conn(self) -> socket.socket:
        return _connect(self.guard, self, "http")


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard

    def _new_conn(self) -> socket.socket:
        return _connect(self.guard, self, "https")

    def connect(self) -> None:
        super().connect()  # TLS to the checked address, with SNI and certificate check for the host name
        if isinstance(self.sock, DeadlineSSLSocket):
            self.sock._deadline_at = self.guard.deadline_at


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedPoolManager(PoolManager):
    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def _new_pool(self, scheme, host, port, request_context=None):
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.conn_kw["guard"] = self.guard
        return pool


def tls_context() -> ssl.SSLContext:
    """urllib3's default verifying context (certifi's roots, as requests uses), whose sockets keep the deadline."""
    context = create_urllib3_context()
    context.load_verify_locations(certifi.where())
    context.sslsocket_class = DeadlineSSLSocket
    return context


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose connections go through the guard (address check, pinned IP, read deadline)."""

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        self.guard = guard
        self._tls = tls_context()
        super().__init__(**kwargs)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _GuardedPoolManager(num_pools=connections, maxsize=maxsize, block=block,
                                               guard=self.guard, **pool_kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if verify is True and "ssl_context" in pool_kwargs:
            pool_kwargs["ssl_context"] = self._tls  # requests' documented way to use our own context
        return host_params, pool_kwargs


class _RedactRecords(logging.Filter):
    """urllib3 logs retries with the request path and query: redact them before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_text(record.getMessage()), None
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(_RedactRecords())
