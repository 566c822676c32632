"""Accounts and production settings: sign-in pauses after repeated failures (per account and per address, also
on /admin/), with a Chinese message and an audit entry; office users change and reset their own password;
pages carry a Content-Security-Policy; a server on the demo key with DEBUG off refuses to start."""
from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from luoshi.core.models import JournalEntry


@pytest.fixture
def limits(settings):
    settings.LUOSHI_LOGIN_LIMIT_ACCOUNT = (3, 900)
    settings.LUOSHI_LOGIN_LIMIT_ADDRESS = (6, 900)


def _login(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_a_guessed_account_is_paused(cast, limits):
    c = Client()
    for _ in range(3):
        r = _login(c, "office", "wrong")
        assert r.status_code == 200 and "用户名或密码不正确" in r.content.decode()
    r = _login(c, "office", "pw-123456")  # even the right password: a lock must not tell a guesser anything
    page = r.content.decode()
    assert r.status_code == 200 and "登录失败次数过多" in page and "分钟后再试" in page
    assert "_auth_user_id" not in c.session
    entry = JournalEntry.objects.get(verb="auth.login_locked")
    assert entry.object_id == str(cast["office"].pk) and entry.changes["username"] == "office"
    # another account from another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "leader", "pw-123456").status_code == 302


def test_one_address_trying_many_accounts_is_paused(cast, limits):
    c = Client(REMOTE_ADDR="10.1.1.1")
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        _login(c, name, "wrong")
    assert "登录失败次数过多" in _login(c, "leader", "pw-123456").content.decode()
    assert _login(Client(REMOTE_ADDR="10.1.1.2"), "leader", "pw-123456").status_code == 302


def test_admin_sign_in_is_paused_too(cast, limits):
    cast["office"].is_staff = True
    cast["office"].save()
    c = Client()
    for _ in range(3):
        _login(c, "office", "wrong", "/admin/login/")
    r = _login(c, "office", "pw-123456", "/admin/login/")
    assert r.status_code == 200 and "登录失败次数过多" in r.content.decode()


def test_office_users_change_their_password(cast):
    c = Client()
    c.force_login(cast["liaison_a"])
    assert "修改密码" in c.get("/", follow=True).content.decode()
    r = c.post("/accounts/password/", {"old_password": "pw-123456", "new_password1": "Xin-mima-2026",
                                       "new_password2": "Xin-mima-2026"})
    assert r.status_code == 302
    cast["liaison_a"].refresh_from_db()
    assert cast["liaison_a"].check_password("Xin-mima-2026")
    r = c.post("/accounts/password/", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"})
    assert r.status_code == 200 and "msg error" in r.content.decode()


def test_a_forgotten_password_is_reset_by_mail(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    r = Client().post("/accounts/password/reset/", {"email": "liaison_a@example.org"})
    assert r.status_code == 302 and len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    c = Client()
    r = c.get(link.split("testserver", 1)[1], follow=True)
    r = c.post(r.redirect_chain[-1][0], {"new_password1": "Chong-she-2026", "new_password2": "Chong-she-2026"})
    assert r.status_code == 302
    cast["liaison_a"].refresh_from_db()
    assert cast["liaison_a"].check_password("Chong-she-2026")


def test_pages_carry_a_content_security_policy(cast):
    c = Client()
    c.force_login(cast["office"])
    policy = c.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_the_demo_key_does_not_serve_in_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LUOSHI_ALLOW_DEMO_KEY = True  # importing the module runs the check once
    import config.wsgi as wsgi

    settings.DEBUG, settings.LUOSHI_ALLOW_DEMO_KEY = False, False
    settings.SECRET_KEY = settings.DEMO_SECRET_KEY
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        wsgi._refuse_the_demo_key()
    settings.SECRET_KEY = "a-real-key-" + "x" * 50
    wsgi._refuse_the_demo_key()
