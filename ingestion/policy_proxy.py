"""A local CONNECT-only proxy holding a child process's requests to the outbound policy: allowlist, checked address, deadline."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

from ingestion.outbound import Guard, Refused, host_allowed

HEAD_LIMIT = 8192  # bytes of a CONNECT request head we read before giving up on it
PUMP_CHUNK = 64 * 1024


@dataclass
class ProxyLog:
    """What the proxy saw: every tunnel it opened, and every refusal, failed dial or cut (one line each)."""

    tunnels: list[str] = field(default_factory=list)  # "host:port"
    failures: list[str] = field(default_factory=list)
    bytes_in: int = 0  # from the servers, TLS included
    lock: threading.Lock = field(default_factory=threading.Lock)
    failed: threading.Event = field(default_factory=threading.Event)  # set at the first failure

    def fail(self, line: str) -> None:
        with self.lock:
            self.failures.append(line)
        self.failed.set()


class PolicyProxy(socketserver.ThreadingTCPServer):
    """CONNECT tunnels to `owner`'s allowed hosts (subdomains included), on port 443 only. Each target is resolved
    through the Guard (a non-public address is refused unless LAYOFFS_AI_FETCH_ALLOW_HOSTS lets it pass) and the
    checked address is dialled; every tunnel closes at the deadline or past `max_bytes`. The proxy sees host and
    port, never a path or a status: a redirect to another host is a new CONNECT, checked again. `upstream` (tests)
    sends a host:port to another one, which the Guard checks in its place."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: str, hosts: tuple[str, ...], guard: Guard, deadline_at: float, *,
                 max_bytes: int, connect_timeout: float = 10.0,
                 upstream: dict[tuple[str, int], tuple[str, int]] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.owner, self.hosts, self.guard, self.deadline_at = owner, hosts, guard, deadline_at
        self.max_bytes, self.connect_timeout, self.upstream = max_bytes, connect_timeout, upstream or {}
        self.log = ProxyLog()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def left(self) -> float:
        return self.deadline_at - time.monotonic()

    def __enter__(self) -> PolicyProxy:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                                        name=f"proxy-{self.owner}")
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()

    def target(self, head: bytes) -> tuple[str, int]:
        """(host, port) of a CONNECT head; Refused for anything else."""
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT" or not parts[2].startswith("HTTP/"):
            what = parts[0] if parts else "an empty request"
            raise Refused(f"refused {what[:20]!r} through {self.owner}'s proxy: only CONNECT to https hosts is let through")
        host, _, port = parts[1].rpartition(":")
        host = host.strip("[]").lower().rstrip(".")
        if not host or not port.isdigit():
            raise Refused(f"refused CONNECT {parts[1][:80]!r}: not host:port")
        if int(port) != 443 or not host_allowed(host, self.hosts):
            raise Refused(f"refused CONNECT {host}:{port}: not on {self.owner}'s allowlist "
                          f"({', '.join(self.hosts)}, port 443)")
        return host, int(port)

    def dial(self, host: str, port: int) -> socket.socket:
        """A connection to the checked address of host:port (or of its `upstream` stand-in)."""
        host, port = self.upstream.get((host, port), (host, port))
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in self.guard.addresses("https", host, port):
            left = self.left()
            if left <= 0:
                break
            sock = socket.socket(family, kind, proto)
            sock.settimeout(min(self.connect_timeout, left))
            try:
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise OSError(error or "the deadline passed before connecting")


class _Tunnel(socketserver.BaseRequestHandler):
    server: PolicyProxy

    def handle(self) -> None:
        proxy, client = self.server, self.request
        try:
            head = self._head(client)
            host, port = proxy.target(head)
            upstream = proxy.dial(host, port)
        except Refused as exc:
            proxy.log.fail(str(exc))
            self._answer(client, b"403 Forbidden")
            return
        except OSError as exc:
            proxy.log.fail(f"{proxy.owner}: proxy could not connect or read: {exc}")
            self._answer(client, b"502 Bad Gateway")
            return
        with upstream:
            with proxy.log.lock:
                proxy.log.tunnels.append(f"{host}:{port}")
            self._answer(client, b"200 Connection established")
            self._pump(client, upstream, f"{host}:{port}")

    def _head(self, client: socket.socket) -> bytes:
        head = b""
        while b"\r\n\r\n" not in head:
            left = self.server.left()
            if left <= 0 or len(head) > HEAD_LIMIT:
                raise OSError("no complete CONNECT request")
            client.settimeout(min(left, 10.0))
            chunk = client.recv(1024)
            if not chunk:
                raise OSError("the client closed before its request was complete")
            head += chunk
        return head

    @staticmethod
    def _answer(client: socket.socket, status: bytes) -> None:
        try:
            client.sendall(b"HTTP/1.1 " + status + b"\r\n\r\n")
        except OSError:
            pass

    def _pump(self, client: socket.socket, upstream: socket.socket, target: str) -> None:
        proxy = self.server
        peers = {client: upstream, upstream: client}
        while True:
            left = proxy.left()
            if left <= 0:
                proxy.log.fail(f"{proxy.owner}: the fetch deadline passed with {target} still open (cut)")
                return
            readable, _, _ = select.select(list(peers), [], [], min(left, 1.0))
            for sock in readable:
                try:
                    data = sock.recv(PUMP_CHUNK)
                except OSError:
                    data = b""
                if not data:
                    return
                if sock is upstream:
                    with proxy.log.lock:
                        proxy.log.bytes_in += len(data)
                        over = proxy.log.bytes_in > proxy.max_bytes
                    if over:
                        proxy.log.fail(f"{proxy.owner}: more than {proxy.max_bytes:,} bytes from {target} "
                                       "(LAYOFFS_AI_HTTP_MAX_BYTES; cut)")
                        return
                try:
                    peers[sock].sendall(data)
                except OSError:
                    return
