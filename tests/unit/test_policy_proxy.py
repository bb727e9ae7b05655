"""The CONNECT policy proxy a scraper child process goes through: allowlist, address check, deadline, byte cap."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ingestion.outbound import Guard
from ingestion.policy_proxy import PolicyProxy


class Upstream:
    """A local TCP server standing in for a state's site: answers every connection with `reply` (in pieces, with a
    pause between them when `every` is set), then echoes what it receives."""

    def __init__(self, reply: bytes = b"", pieces: int = 1, every: float = 0.0) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.reply, self.pieces, self.every = reply, pieces, every
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            try:
                for _ in range(self.pieces):
                    conn.sendall(self.reply)
                    if self.stop.wait(self.every):
                        return
                conn.settimeout(5)
                while data := conn.recv(1024):
                    conn.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def upstream():
    server = Upstream()
    yield server
    server.close()


def proxy_for(port: int, *, allow: bool = True, seconds: float = 10.0, max_bytes: int = 1 << 20) -> PolicyProxy:
    guard = Guard(allow_hosts=frozenset({("127.0.0.1", port)}) if allow else frozenset())
    return PolicyProxy("warn_wa", ("fortress.wa.gov",), guard, time.monotonic() + seconds, max_bytes=max_bytes,
                       upstream={("fortress.wa.gov", 443): ("127.0.0.1", port)})


def connect(proxy: PolicyProxy, line: str) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(proxy.server_address, timeout=10)
    sock.sendall(line.encode() + b"\r\nHost: x\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1024)
        if not chunk:
            break
        answer += chunk
    return sock, answer.split(b"\r\n", 1)[0]


def test_an_allowed_host_is_tunnelled_to_its_checked_address(upstream):
    with proxy_for(upstream.port) as proxy:
        sock, status = connect(proxy, "CONNECT fortress.wa.gov:443 HTTP/1.1")
        with sock:
            assert status == b"HTTP/1.1 200 Connection established"
            sock.sendall(b"hello")
            assert sock.recv(5) == b"hello"
    assert proxy.log.tunnels == ["fortress.wa.gov:443"] and proxy.log.failures == []


@pytest.mark.parametrize(("line", "said"), [
    ("CONNECT evil.example:443 HTTP/1.1", "refused CONNECT evil.example:443: not on warn_wa's allowlist "
                                          "(fortress.wa.gov, port 443)"),
    ("CONNECT fortress.wa.gov:8443 HTTP/1.1", "refused CONNECT fortress.wa.gov:8443: not on warn_wa's allowlist"),
    ("CONNECT fortress.wa.gov.evil.example:443 HTTP/1.1", "refused CONNECT fortress.wa.gov.evil.example:443"),
    ("GET http://fortress.wa.gov/ HTTP/1.1", "refused 'GET' through warn_wa's proxy: only CONNECT"),
])
def test_anything_else_is_refused_and_recorded(upstream, line, said):
    with proxy_for(upstream.port) as proxy:
        sock, status = connect(proxy, line)
        sock.close()
    assert status == b"HTTP/1.1 403 Forbidden"
    assert proxy.log.tunnels == [] and len(proxy.log.failures) == 1 and proxy.log.failures[0].startswith(said)


def test_a_host_resolving_to_a_private_address_is_refused(upstream):
    with proxy_for(upstream.port, allow=False) as proxy:
        sock, status = connect(proxy, "CONNECT fortress.wa.gov:443 HTTP/1.1")
        sock.close()
    assert status == b"HTTP/1.1 403 Forbidden"
    assert proxy.log.failures == [f"refused https://127.0.0.1:{upstream.port}: it resolves to 127.0.0.1, a loopback "
                                  "address (only a configured URL may be non-public); if it was intended, add "
                                  f"127.0.0.1:{upstream.port} to LAYOFFS_AI_FETCH_ALLOW_HOSTS"]


def test_a_site_that_does_not_answer_is_a_bad_gateway():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with proxy_for(port) as proxy:
        sock, status = connect(proxy, "CONNECT fortress.wa.gov:443 HTTP/1.1")
        sock.close()
    assert status == b"HTTP/1.1 502 Bad Gateway" and proxy.log.failures[0].startswith("warn_wa: proxy could not connect")


def test_a_trickling_site_is_cut_at_the_deadline():
    site = Upstream(reply=b"x", pieces=100, every=0.2)
    try:
        with proxy_for(site.port, seconds=1.0) as proxy:
            started = time.monotonic()
            sock, status = connect(proxy, "CONNECT fortress.wa.gov:443 HTTP/1.1")
            with sock:
                received = b""
                while chunk := sock.recv(1024):
                    received += chunk
            took = time.monotonic() - started
    finally:
        site.close()
    assert status == b"HTTP/1.1 200 Connection established" and 0 < len(received) < 100
    assert took < 3.0
    assert proxy.log.failures == ["warn_wa: the fetch deadline passed with fortress.wa.gov:443 still open (cut)"]


def test_a_site_sending_more_than_the_cap_is_cut():
    site = Upstream(reply=b"y" * 4096, pieces=10)
    try:
        with proxy_for(site.port, max_bytes=10_000) as proxy:
            sock, _ = connect(proxy, "CONNECT fortress.wa.gov:443 HTTP/1.1")
            with sock:
                received = b""
                while chunk := sock.recv(65536):
                    received += chunk
    finally:
        site.close()
    assert len(received) <= 10_000
    assert proxy.log.failures == ["warn_wa: more than 10,000 bytes from fortress.wa.gov:443 "
                                  "(LAYOFFS_AI_HTTP_MAX_BYTES; cut)"]
