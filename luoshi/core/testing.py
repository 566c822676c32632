"""Limits for tests that start processes, servers or browsers.

They exist only to stop a hung run, never to judge speed: on a shared 2-core machine at load 20 a
`migrate` took over two minutes, so every limit is generous and can be raised from the environment.
"""
from __future__ import annotations

import os
import socket
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
