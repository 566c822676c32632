"""The public site's rate limits (django-ratelimit over the database cache): per client address, in a window,
behind a proxy by its header only."""
from django.test import RequestFactory

from luoshi.core.throttle import Throttle, client_address


def test_counts_per_address_in_a_window(db):
    rf = RequestFactory()
    a, b = rf.get("/", REMOTE_ADDR="10.0.0.1"), rf.get("/", REMOTE_ADDR="10.0.0.2")
    limit = Throttle("test", 2, 60)
    assert [limit.hit(a), limit.hit(a), limit.hit(a)] == [False, False, True]
    assert limit.exceeded(a) and not limit.exceeded(b) and not limit.hit(b)
    # another action from the same address has its own count
    assert not Throttle("other", 2, 60).exceeded(a)


def test_exceeded_does_not_count(db):
    a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3")
    limit = Throttle("check", 2, 60)
    assert not any(limit.exceeded(a) for _i in range(5))
    assert [limit.count(a), limit.count(a)] == [1, 2]
    assert limit.exceeded(a)


def test_the_count_starts_again_in_the_next_window(db, monkeypatch):
    import types

    from django_ratelimit import core

    a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.4")
    limit = Throttle("window", 1, 600)
    now = [1_800_000_000]
    monkeypatch.setattr(core, "time", types.SimpleNamespace(time=lambda: now[0]))
    assert [limit.hit(a), limit.hit(a)] == [False, True]
    now[0] += 600
    assert not limit.hit(a)


def test_the_counters_are_in_the_database_cache(db, settings):
    """Several gunicorn processes count together: the counters are rows of the database, not process memory."""
    from django.core.cache import caches
    from django.db import connection

    assert settings.RATELIMIT_USE_CACHE == "ratelimit"
    assert caches["ratelimit"].__class__.__name__ == "DatabaseCache"
    def rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM luoshi_ratelimit")
            return cursor.fetchone()[0]

    before = rows()
    Throttle("db", 5, 60).count(RequestFactory().get("/", REMOTE_ADDR="10.0.0.5"))
    assert rows() == before + 1


def test_the_proxy_header_is_used_only_when_configured(settings):
    rf = RequestFactory()
    forged = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REAL_IP="5.6.7.8")
    settings.LUOSHI_CLIENT_IP_HEADER = ""
    assert client_address(forged) == "10.0.0.9"  # a client-sent header changes nothing
    settings.LUOSHI_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_address(forged) == "5.6.7.8"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"  # header missing: the socket address
