"""Two app servers on one PostgreSQL database share nothing in memory: a sign-in lock counted on one server holds
on the other (the counters are in the shared database cache). Runs on PostgreSQL (two real gunicorn servers on
127.0.0.1 against the test database); skipped on SQLite.

The local city cluster itself, `scripts/cluster.sh` (make cluster: Debian's nginx in front of two gunicorn servers
and two workers), is started against the test database when nginx is installed (skipped when it is not): a browser
signs in through nginx (its Origin header must match the host nginx passes on), the lock holds across the servers
nginx balances over, and a person's language is applied at sign-in through the proxy."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from luoshi.core.testing import HANG_GUARD_S, wait_for_port

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(tmp_path) -> dict[str, str]:
    """The environment of servers on the test database (PostgreSQL; skipped otherwise)."""
    if connection.vendor != "postgresql":
        pytest.skip("the cluster test runs on PostgreSQL (set DATABASE_URL)")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    cfg = connection.settings_dict
    url = f"postgres://{cfg['USER'] or ''}{':' + cfg['PASSWORD'] if cfg['PASSWORD'] else ''}@" \
          f"{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"
    return dict(os.environ, DATABASE_URL=url, LUOSHI_ALLOW_DEMO_KEY="1", LUOSHI_VAR_DIR=str(tmp_path),
                LUOSHI_LOGIN_LIMIT_ACCOUNT="3,900", LUOSHI_CONN_MAX_AGE="0",
                PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    env = _server_env(tmp_path)
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    ports, procs = [_free_port(), _free_port()], []
    for port in ports:
        procs.append(subprocess.Popen([str(gunicorn), "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"], cwd=ROOT,
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:  # bounded wait for start-up (not a timing assertion)
            wait_for_port(port)
        yield [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=HANG_GUARD_S)


def _attempt(session, base: str, username: str, password: str) -> str:
    page = session.get(f"{base}/accounts/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                                                         "csrfmiddlewaretoken": token},
                        headers={"Referer": f"{base}/accounts/login/"}, allow_redirects=False).text


def test_a_sign_in_lock_holds_across_both_servers(two_servers, cast):
    import requests

    a, b = requests.Session(), requests.Session()
    assert "用户名或密码不正确" in _attempt(a, two_servers[0], "office", "wrong")
    assert "用户名或密码不正确" in _attempt(b, two_servers[1], "office", "wrong")
    assert "用户名或密码不正确" in _attempt(a, two_servers[0], "office", "wrong")
    # the fourth try, on the other server, meets the lock the first server counted
    assert "登录失败次数过多" in _attempt(b, two_servers[1], "office", "wrong")


# ---- the whole local cluster: scripts/cluster.sh (nginx → two gunicorn servers, two workers) ------------------------

def nginx_path() -> str | None:
    """Debian's nginx (in /usr/sbin, which is not on every PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


@pytest.fixture
def nginx_cluster(transactional_db, tmp_path):
    """scripts/cluster.sh on the test database, on free ports; yields nginx's base URL."""
    env = _server_env(tmp_path)
    if nginx_path() is None:
        pytest.skip("nginx is not installed (make nginx)")
    front, apps = _free_port(), [_free_port(), _free_port()]
    env.update(CLUSTER_PORT=str(front), CLUSTER_APP_PORTS=f"{apps[0]} {apps[1]}", CLUSTER_DIR=str(tmp_path / "cluster"),
               LUOSHI_CSRF_TRUSTED_ORIGINS="")
    log = open(tmp_path / "cluster.log", "wb")
    proc = subprocess.Popen([str(ROOT / "scripts" / "cluster.sh")], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for port in (front, *apps):
            wait_for_port(port)
        yield f"http://127.0.0.1:{front}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=HANG_GUARD_S)
        log.close()


def _browser_sign_in(session, base: str, username: str, password: str):
    """Sign in as a browser does: the form's token, and the Origin and Referer of the page."""
    page = session.get(f"{base}/accounts/login/")
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                                                         "csrfmiddlewaretoken": token},
                        headers={"Origin": base, "Referer": f"{base}/accounts/login/"}, allow_redirects=False)


def test_a_browser_signs_in_through_nginx_and_gets_its_language(nginx_cluster, cast):
    import requests
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from luoshi.org.models import Person

    # the servers check passwords with the site's hashers, not the tests' fast one: a PBKDF2 hash (few rounds)
    password = PBKDF2PasswordHasher().encode("pw-123456", "clustersalt", iterations=1000)
    Person.objects.filter(pk=cast["liaison_a"].pk).update(language="en", password=password)
    browser = requests.Session()
    response = _browser_sign_in(browser, nginx_cluster, "liaison_a", "pw-123456")
    assert response.status_code == 302, response.text[:500]  # a 403 here: nginx lost the port of the Host
    assert browser.cookies.get("django_language") == "en"
    page = browser.get(f"{nginx_cluster}/accounts/password/")
    assert page.status_code == 200 and '<html lang="en"' in page.text


def test_the_sign_in_lock_holds_behind_nginx(nginx_cluster, cast):
    """Failed passwords sent through nginx (to whichever server it picks) lock the account: the counters are shared
    and the client address comes from nginx's X-Real-IP (LUOSHI_CLIENT_IP_HEADER in cluster.sh)."""
    import requests

    for _ in range(3):
        assert "用户名或密码不正确" in _browser_sign_in(requests.Session(), nginx_cluster, "office", "wrong").text
    assert "登录失败次数过多" in _browser_sign_in(requests.Session(), nginx_cluster, "office", "pw-123456").text
