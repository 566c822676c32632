"""Limits for tests that start processes, servers or browsers.

They exist only to stop a hung run, never to judge speed: on a shared 2-core machine at load 20 a
`migrate` took over two minutes, so every limit is generous and can be raised from the environment.
"""
from __future__ import annotations

import os
import socket
import threading
import time

# seconds a child process (luoshi CLI, gunicorn, redis) may take before the test gives up on it
HANG_GUARD_S = int(os.environ.get("LUOSHI_TEST_HANG_GUARD", "1800"))
# milliseconds Playwright waits for a page element or navigation
BROWSER_WAIT_MS = int(os.environ.get("LUOSHI_TEST_BROWSER_WAIT_MS", "60000"))


def wait_for_port(port: int, host: str = "127.0.0.1", limit_s: float = HANG_GUARD_S) -> None:
    """Return once host:port accepts connections; raise after limit_s (a hang, not slowness)."""
    give_up = time.monotonic() + limit_s
    while True:
        try:
            socket.create_connection((host, port), timeout=5).close()
            return
        except OSError:
            if time.monotonic() > give_up:
                raise TimeoutError(f"{host}:{port} did not accept connections within {limit_s} s") from None
            time.sleep(0.1)


class RequestGate:
    """A WSGI wrapper for the test live server: counts the requests it is answering and, once closed, answers new
    ones 503 without running the app. A browser test's page may still be loading something (htmx loads the 待办
    badge after the page) when the test ends; the flush after the test then met that request's statements on
    PostgreSQL and deadlocked. The test set-up closes the gate and waits until every request has been answered
    (its response closed, so its database work is over) before the flush; see conftest.py."""

    def __init__(self, app):
        self.app = app
        self._changed = threading.Condition()
        self._in_flight = 0
        self._open = True

    def __call__(self, environ, start_response):
        with self._changed:
            if not self._open:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"the test is over"]
            self._in_flight += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._answered()
            raise
        return _ThenCall(result, self._answered)

    def _answered(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def open(self) -> None:
        with self._changed:
            self._open = True

    def close_and_wait(self, limit_s: float = HANG_GUARD_S) -> None:
        """Refuse new requests and return once none is being answered; raise after limit_s (a hang)."""
        with self._changed:
            self._open = False
            if not self._changed.wait_for(lambda: self._in_flight == 0, timeout=limit_s):
                raise TimeoutError(f"the live server was still answering {self._in_flight} request(s) after {limit_s} s")


class _ThenCall:
    """A WSGI response that calls `then` after the server has closed it (the last step of answering a request,
    also when the client went away)."""

    def __init__(self, result, then):
        self._result = result
        self._then = then

    def __iter__(self):
        return iter(self._result)

    def close(self) -> None:
        try:
            if hasattr(self._result, "close"):
                self._result.close()
        finally:
            self._then()
