"""Two app servers on one PostgreSQL database share nothing in memory: a sign-in lock counted on one server holds
on the other (the counters are in the shared database cache). Runs on PostgreSQL (two real gunicorn servers on
127.0.0.1 against the test database); skipped on SQLite. `scripts/cluster.sh` (make cluster) adds nginx and two
workers in front of the same setup."""
from __future__ import annotations

import os
import re
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


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the cluster test runs on PostgreSQL (set DATABASE_URL)")
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    cfg = connection.settings_dict
    url = f"postgres://{cfg['USER'] or ''}{':' + cfg['PASSWORD'] if cfg['PASSWORD'] else ''}@" \
          f"{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, LUOSHI_ALLOW_DEMO_KEY="1", LUOSHI_VAR_DIR=str(tmp_path),
               LUOSHI_LOGIN_LIMIT_ACCOUNT="3,900", LUOSHI_CONN_MAX_AGE="0",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
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
