"""A long import beside live web writes (issue 17 §4): the `luoshi intake import` command writes thousands of
requests into a real SQLite file while a gunicorn server takes citizens' submissions and `luoshi worker` runs;
no submission gets a 500 or "database is locked", the worker is still running afterwards, and every row of
the file is there. Real processes, a real database file; nothing is timed: the web writes go on for as long
as the import process runs (and at least a few of them are made whatever the order).

The all-or-nothing half (a late error inside the write transaction leaves nothing) is
luoshi/intake/tests/test_excel.py::test_a_late_error_in_the_write_leaves_nothing."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests as http
from openpyxl import Workbook

from .test_cli import LUOSHI, ROOT, environ, luoshi

pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                       reason="the lock is SQLite's: run only on the SQLite pass"),
    pytest.mark.skipif(not LUOSHI.exists(), reason="the luoshi executable is not installed in .venv"),
    pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "gunicorn").exists(), reason="gunicorn is not installed"),
]

ROWS = 4000
INTAKE = """\
kind: intake
name: 城阳区 12345 测试
region: 城阳区
channels:
  - {code: "12345", name: 12345 热线, kind: hotline}
  - {code: web, name: 网上受理, kind: online}
categories:
  - {code: "0101", group: 城市管理, name: 路灯损坏, limit_days: 5}
rules:
  - {to: area}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sheet(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["渠道", "外部编号", "受理时间", "类别", "诉求内容", "地址", "属地", "诉求人", "联系电话", "匿名"])
    for i in range(rows):
        ws.append(["12345", f"CY{i:06d}", dt.datetime(2026, 1, 5, 9, 30), "0101", f"城阳街道第 {i} 号路灯不亮",
                   "城阳街道正阳路", "城阳街道", "李明", "13812345678", "否"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _submit(session: http.Session, base: str, category: str, area: str) -> int:
    page = session.get(f"{base}/public/requests/new/", timeout=120)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/public/requests/new/", timeout=120, allow_redirects=False,
                          headers={"Referer": f"{base}/public/requests/new/"},
                          data={"csrfmiddlewaretoken": token, "category": category, "area": area,
                                "description": "正阳路路灯不亮，晚上很黑", "name": "王五", "phone": "13912345678"})
    assert "database is locked" not in answer.text
    return answer.status_code


def test_web_writes_and_the_worker_go_on_beside_a_long_import(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    assert (m := luoshi(var, "migrate", "--noinput", "-v0")).returncode == 0, m.stderr
    assert (p := luoshi(var, "preset", "load", "qingdao")).returncode == 0, p.stderr
    (tmp_path / "intake.yaml").write_text(INTAKE, encoding="utf-8")
    assert (c := luoshi(var, "intake", "load", tmp_path / "intake.yaml")).returncode == 0, c.stderr
    sheet = tmp_path / "big.xlsx"
    sheet.write_bytes(_sheet(ROWS))
    db = var / "luoshi.sqlite3"
    with sqlite3.connect(db) as con:
        category = str(con.execute("SELECT id FROM intake_servicecategory WHERE code = '0101'").fetchone()[0])
        area = str(con.execute("SELECT id FROM org_unit WHERE name = '城阳街道'").fetchone()[0])

    env = dict(environ(var), LUOSHI_ALLOW_DEMO_KEY="1", LUOSHI_INTAKE_THROTTLE="100000/600",
               PYTHONPATH=str(ROOT))
    port = _free_port()
    procs = {
        "server": subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2",
                                    "-b", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True),
        "worker": subprocess.Popen([str(LUOSHI), "worker", "--interval", "1", "--no-startup-delay"], cwd=var,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True),
    }
    try:
        for _ in range(1200):  # bounded wait for the server to listen (start-up, not a measurement)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        session = http.Session()
        statuses = [_submit(session, base, category, area)]  # the server answers before the import starts
        importing = subprocess.Popen([str(LUOSHI), "intake", "import", str(sheet)], cwd=var, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while importing.poll() is None or len(statuses) < 4:
            statuses.append(_submit(session, base, category, area))
        out, err = importing.communicate()
        assert importing.returncode == 0, err
        assert f"新增诉求 {ROWS} 件" in out
        assert set(statuses) == {302}, statuses
        assert procs["worker"].poll() is None, procs["worker"].stderr.read() if procs["worker"].stderr else ""
        assert procs["server"].poll() is None
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=60)
    with sqlite3.connect(db) as con:
        imported = con.execute("SELECT COUNT(*) FROM intake_request WHERE external_id LIKE 'CY%'").fetchone()[0]
        web = con.execute("SELECT COUNT(*) FROM intake_request r JOIN intake_channel c ON c.id = r.channel_id "
                          "WHERE c.code = 'web'").fetchone()[0]
        events = con.execute("SELECT COUNT(*) FROM intake_requestevent").fetchone()[0]
    assert imported == ROWS and web == len(statuses) and events == ROWS + web
