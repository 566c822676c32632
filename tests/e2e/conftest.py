"""Browser tests: the system Chromium driven by Playwright against pytest-django's live server.

Every test here is marked `e2e` (run only these with `pytest -m e2e`, skip them with `-m "not e2e"`).
Tests request `transactional_db` and `live_server` before the data fixtures, so what the fixtures write is
committed and visible to the live server thread.
"""
import os
from pathlib import Path

import pytest

from luoshi.core.testing import BROWSER_WAIT_MS

# Playwright's sync API keeps an event loop running in the test thread; Django would otherwise refuse ORM
# calls made from it (SynchronousOnlyOperation). Set before anything touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = (f"e2e: the system Chromium is not installed at {CHROMIUM} (`make browser` or apt-get install "
                   "chromium); these tests never download a browser.")
        if os.environ.get("CI") == "true":  # in CI the browser tests must run: `make test` installs Chromium
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=..., **context_options) → a page in a fresh browser context, closed after the test."""
    contexts = []

    def _new_page(viewport=DESKTOP, **options):
        ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        ctx.set_default_timeout(BROWSER_WAIT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield _new_page
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page in its own context (own cookies) for each test."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone-sized (390×844, touch) page in its own context."""
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture(scope="session", autouse=True)
def _live_server_db_connections_per_request():
    """The live server answers Chromium's keep-alive connections in long-lived threads; with persistent database
    connections (CONN_MAX_AGE, 60 s by default here) those threads keep a session open on the test database and
    PostgreSQL then refuses to drop it at the end ("being accessed by other users"). Close them after every request."""
    from django.db import connections

    saved = {alias: connections.settings[alias].get("CONN_MAX_AGE", 0) for alias in connections.settings}
    for alias in saved:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    yield
    for alias, value in saved.items():
        connections.settings[alias]["CONN_MAX_AGE"] = value


@pytest.fixture(autouse=True)
def _rate_limits_start_empty(transactional_db):
    """The public site's rate-limit counters are rows of a database cache table (core.throttle), which the flush
    after a browser test does not empty: each test starts and ends with none."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()
