"""The public site's rate limits: per client address, in a window, behind a proxy by its header only."""
from django.test import RequestFactory

from luoshi.core.throttle import Throttle, client_address


def test_counts_per_address_in_a_window(settings):
    rf = RequestFactory()
    a, b = rf.get("/", REMOTE_ADDR="10.0.0.1"), rf.get("/", REMOTE_ADDR="10.0.0.2")
    limit = Throttle("test", 2, 60)
    assert [limit.hit(a), limit.hit(a), limit.hit(a)] == [False, False, True]
    assert limit.exceeded(a) and not limit.exceeded(b) and not limit.hit(b)


def test_the_proxy_header_is_used_only_when_configured(settings):
    rf = RequestFactory()
    forged = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REAL_IP="5.6.7.8")
    settings.LUOSHI_CLIENT_IP_HEADER = ""
    assert client_address(forged) == "10.0.0.9"  # a client-sent header changes nothing
    settings.LUOSHI_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_address(forged) == "5.6.7.8"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"  # header missing: the socket address
