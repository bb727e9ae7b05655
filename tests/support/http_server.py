"""A scripted HTTP server on 127.0.0.1 (random port, own thread) plus its `http_server` pytest fixture."""

from __future__ import annotations

import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class ScriptedResponse:
    """One queued reply. `truncate_to` declares Content-Length of the whole body, sends that many bytes, closes."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before sending anything (to provoke read timeouts)
    truncate_to: int | None = None
    content_length: bool = True  # False: no Content-Length, body delimited by closing the connection
    trickle: float = 0.0  # > 0: the status line, headers and body are sent one byte every `trickle` seconds
    reason: str | None = None  # the reason phrase (None: the standard one)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # header names lower-cased
    body: bytes = b""  # what a POST sent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr logging
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._reply()

    def do_POST(self) -> None:  # noqa: N802 - answers like a GET of the path, recording the body
        self._reply()

    def do_HEAD(self) -> None:  # noqa: N802
        self._reply(send_body=False)

    def _reply(self, send_body: bool = True) -> None:
        scripted = self.server.owner._record_and_pop(self)
        self.close_connection = True
        if scripted.delay and self.server.owner._stop.wait(scripted.delay):
            return
        body = scripted.body
        if scripted.trickle:
            self._trickle(scripted, send_body)
            return
        self.send_response_only(scripted.status, scripted.reason)
        for name, value in scripted.headers.items():
            self.send_header(name, value)
        if scripted.content_length and not any(k.lower() == "content-length" for k in scripted.headers):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if send_body and scripted.status not in (204, 304):
            sent = body if scripted.truncate_to is None else body[: scripted.truncate_to]
            self.wfile.write(sent)
        self.wfile.flush()

    def _trickle(self, scripted: ScriptedResponse, send_body: bool) -> None:
        """One byte at a time, `trickle` seconds apart, until sent or the client hangs up or the server stops."""
        head = [f"HTTP/1.1 {scripted.status} {scripted.reason or 'OK'}"]
        head += [f"{k}: {v}" for k, v in scripted.headers.items()] + [f"Content-Length: {len(scripted.body)}",
                                                                      "Connection: close", "", ""]
        data = "\r\n".join(head).encode("latin-1") + (scripted.body if send_body else b"")
        for i in range(len(data)):
            try:
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            except OSError:
                return
            if self.server.owner._stop.wait(scripted.trickle):
                return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedHTTPServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # client hung up on a delayed/truncated reply: expected in these tests


class ScriptedHTTPServer:
    """Queue replies per path with `add(path, ...)`; unscripted requests get 404. Requests are recorded."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # 127.0.0.2 is "another host" (Linux answers all of 127.0.0.0/8 on loopback)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._queues: dict[str, deque[ScriptedResponse]] = defaultdict(deque)
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Callable[[RecordedRequest], ScriptedResponse]] = {}
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, *,
            delay: float = 0.0, truncate_to: int | None = None, content_length: bool = True, times: int = 1,
            trickle: float = 0.0, reason: str | None = None) -> None:
        response = ScriptedResponse(status, body, dict(headers or {}), delay, truncate_to, content_length, trickle,
                                    reason)
        with self._lock:
            self._queues[path].extend([response] * times)

    def route(self, path: str, answer: Callable[[RecordedRequest], ScriptedResponse]) -> None:
        """Answer every request for `path` (query ignored) that has nothing queued with `answer(request)`: a
        server that decides by what the client sent (a cookie, a query flag, a browser's headers)."""
        with self._lock:
            self._routes[path] = answer

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def requests_for_prefix(self, path: str) -> list[RecordedRequest]:
        """Requests for `path` whatever their query."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def pending(self, path: str) -> int:
        with self._lock:
            return len(self._queues[path])

    def _record_and_pop(self, handler: BaseHTTPRequestHandler) -> ScriptedResponse:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(headers.get("content-length") or 0) if handler.command == "POST" else 0
        body = handler.rfile.read(length) if length else b""
        recorded = RecordedRequest(handler.command, handler.path, headers, body)
        with self._lock:
            self.requests.append(recorded)
            queue = self._queues.get(handler.path)
            if queue:
                return queue.popleft()
            answer = self._routes.get(handler.path.split("?")[0])
        if answer is not None:
            return answer(recorded)
        return ScriptedResponse(404, b"no scripted response\n", {"Content-Type": "text/plain"})

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def closed_port() -> int:
    """A local port nothing listens on (bound then released), for connection-refused cases."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def http_server():
    server = ScriptedHTTPServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def other_host():
    """A second scripted server on 127.0.0.2: "another host" for the outbound policy's tests."""
    server = ScriptedHTTPServer("127.0.0.2")
    try:
        yield server
    finally:
        server.close()
