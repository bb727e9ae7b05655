"""Ctrl-C during a `layoffs-ai sql|tables|describe` command: stop DuckDB mid-query, then exit 130."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import duckdb

FORCE_EXIT_AFTER = 5.0  # seconds after Ctrl-C: if DuckDB has still not stopped, the command exits anyway


class Interrupts:
    """Note Ctrl-C while a command runs, and interrupt the connections it has open at once.

    Python runs a signal handler only when the main thread executes Python code, and DuckDB's client looks for
    pending signals only between its tasks; one task of a large join can run for minutes. So the signal also
    wakes a thread (`signal.set_wakeup_fd`), which calls `interrupt()` on every connection opened through
    `watch()`; DuckDB then stops the query with an "Interrupted" error, and `seen` makes that exit 130.
    """

    def __init__(self) -> None:
        self.seen = False
        self._previous: Any = None
        self._wakeup: tuple[int, Any] | None = None
        self._thread: threading.Thread | None = None
        self._ended = threading.Event()
        self._open: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()  # a connection is never interrupted while it is being closed

    def __enter__(self) -> Interrupts:
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                read, write = os.pipe()
                os.set_blocking(write, False)
                self._wakeup = (write, signal.set_wakeup_fd(write, warn_on_full_buffer=False))
                self._thread = threading.Thread(target=self._watch_signals, args=(read,), daemon=True)
                self._thread.start()
        except ValueError:  # not the main thread: Python delivers no signal here anyway
            pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def _watch_signals(self, read: int) -> None:
        try:
            while data := os.read(read, 64):  # empty: the write end was closed (the command ended)
                if signal.SIGINT in data:
                    self.seen = True
                    # again every 0.1 s until the command ends: a query that had not started yet when the
                    # signal came (interrupt() only stops a running one) is stopped as soon as it starts
                    self._interrupt_open()
                    deadline = time.monotonic() + FORCE_EXIT_AFTER
                    while not self._ended.wait(0.1):
                        self._interrupt_open()
                        if time.monotonic() > deadline:  # read-only: nothing is lost by leaving now
                            os.write(2, b"interrupted (DuckDB did not stop in time; exiting anyway)\n")
                            os._exit(130)
                    break
        finally:
            os.close(read)

    def _interrupt_open(self) -> None:
        # its own frame: this thread must hold no connection once it is done (DuckDB reports leaked objects)
        with self._lock:
            for con in self._open:
                with contextlib.suppress(Exception):
                    con.interrupt()

    @contextlib.contextmanager
    def watch(self, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """`con`, interrupted by Ctrl-C for as long as the block runs."""
        with self._lock:
            self._open.append(con)
        try:
            yield con
        finally:
            with self._lock:  # once removed, no interrupt() of it is under way when the caller closes it
                self._open.remove(con)

    def __exit__(self, *exc: Any) -> None:
        if self._wakeup is not None:
            write, previous = self._wakeup
            signal.set_wakeup_fd(previous)
            self._ended.set()
            os.close(write)  # the watching thread reads end-of-file and ends
            if self._thread is not None:
                self._thread.join(timeout=2)
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
