"""Nothing shared lives in one process's memory: the cache (and with it the single-flight locks) is the database
cache by default, the rate-limit and sign-in counters too, and all of them move to Redis with LUOSHI_REDIS_URL
(tested against Debian's redis-server when it is installed)."""
from __future__ import annotations

import shutil
import socket
import subprocess

import pytest
from django.conf import settings as django_settings

from luoshi.core import locks
from luoshi.core.testing import HANG_GUARD_S, wait_for_port


def test_every_cache_is_shared_between_processes():
    for alias, cfg in django_settings.CACHES.items():
        assert "LocMem" not in cfg["BACKEND"], alias


def test_single_flight_waits_for_another_process(db, monkeypatch):
    from django.core.cache import cache

    cache.add("lock:figures", "another-server", timeout=30)  # another server is computing it
    computed = []

    def the_other_server_finishes(_seconds):
        cache.set("figures", {"closed": 7}, 60)

    monkeypatch.setattr(locks.time, "sleep", the_other_server_finishes)
    value = locks.shared_once("figures", lambda: computed.append(1) or {"closed": 0}, timeout=60)
    assert value == {"closed": 7} and computed == []


def test_single_flight_computes_once_and_releases(db):
    from django.core.cache import cache

    calls = []
    assert locks.shared_once("k", lambda: calls.append(1) or 42, timeout=60) == 42
    assert locks.shared_once("k", lambda: calls.append(1) or 43, timeout=60) == 42
    assert calls == [1] and cache.get("lock:k") is None


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    pytest.importorskip("redis")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)  # until it accepts connections (not a timing assertion)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=HANG_GUARD_S)


def test_throttles_and_locks_on_redis(redis_url, settings, cast):
    from django.core.cache import caches
    from django.test import Client

    settings.CACHES = {alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                               "KEY_PREFIX": alias} for alias in ("default", "ratelimit")}
    settings.LUOSHI_LOGIN_LIMIT_ACCOUNT = (2, 900)
    for alias in ("default", "ratelimit"):
        caches[alias].clear()
    first, second = Client(), Client()  # two servers: nothing in common but Redis
    first.post("/accounts/login/", {"username": "office", "password": "wrong"})
    second.post("/accounts/login/", {"username": "office", "password": "wrong"})
    page = first.post("/accounts/login/", {"username": "office", "password": "pw-123456"}).content.decode()
    assert "登录失败次数过多" in page
    calls = []
    assert locks.shared_once("r", lambda: calls.append(1) or "v", timeout=60) == "v"
    assert locks.shared_once("r", lambda: calls.append(1) or "w", timeout=60) == "v" and calls == [1]
    assert caches["default"].get("r") == "v"
