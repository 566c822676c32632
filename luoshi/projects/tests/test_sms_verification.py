"""A portal application to 揭榜挂帅 confirmed by a text message (core.sms, core.verification): the code is read back
from the file the SMS backend wrote; only its hash is stored; it expires, wrong entries are counted and limited, the
sending is rate-limited per client and per number; a bad number or a gateway that fails stores nothing."""
import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from luoshi.core import sms, verification
from luoshi.core.errors import ServiceError
from luoshi.core.models import JournalEntry
from luoshi.projects import challenges as ch
from luoshi.projects.models import ChallengeApplication

from .test_challenges import challenge  # noqa: F401 (fixture)

C = [{"title": "完成样机", "due": "2026-10-31"}]
FORM = {"team_name": "青岛海测科技有限公司", "contact_name": "孙工", "contact_phone": "139 0000 2222", "channel": "sms",
        "plan": "联合海洋大学攻关", "c_title": ["完成样机"], "c_due": ["2026-10-31"]}


@pytest.fixture
def sms_dir(settings, tmp_path):
    settings.LUOSHI_SMS_BACKEND = "luoshi.core.sms.FileBackend"
    settings.LUOSHI_SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


def texts(folder):
    return [p.read_text(encoding="utf-8").splitlines() for p in sorted(folder.glob("*.txt"))] if folder.exists() else []


def code_in(lines) -> str:
    return re.search(r"验证码：(\d{6})", lines[1]).group(1)


def test_sms_code_confirms_the_application(challenge, cast, client, client_for, travel, sms_dir):  # noqa: F811
    url = reverse("projects_public_challenge", args=[challenge.pk])
    with travel("2026-03-20T10:00:00+08:00"):
        r = client.post(url, FORM)
        assert r.status_code == 302
        verify_url = r["Location"]
        [message] = texts(sms_dir)
        assert message[0] == "13900002222"  # normalized
        code = code_in(message)
        app = ChallengeApplication.objects.get(team_name="青岛海测科技有限公司")
        assert app.verify_channel == "sms" and code not in app.code_hash and len(app.code_hash) == 64
        assert "13900002222" not in json.dumps([e.changes for e in JournalEntry.objects.all()], default=str)
        page = client.get(verify_url).content.decode()
        assert "尾号 2222" in page
        r = client.post(verify_url, {"code": code}, follow=True)
        assert "已确认提交" in r.content.decode()
    app.refresh_from_db()
    assert app.verified_at is not None and app.code_hash == ""
    assert "青岛海测科技有限公司" in client_for(cast["office"]).get(
        reverse("projects_challenge", args=[challenge.pk])).content.decode()


def test_wrong_codes_are_limited_and_codes_expire(challenge, travel, sms_dir):  # noqa: F811
    with travel("2026-03-20T10:00:00+08:00"):
        app = ch.challenge_apply_public(challenge=challenge, team_name="团队", contact_name="李工",
                                        contact_phone="13900003333", contact_email="", plan="方案", commitments=C)
        code = code_in(texts(sms_dir)[0])
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(verification.max_attempts()):
            with pytest.raises(ServiceError, match="不正确"):
                ch.application_verify(application=app, code=wrong)
        with pytest.raises(ServiceError, match="次数过多"):
            ch.application_verify(application=app, code=code)  # even the right one, until a new code is sent
        ch.application_code_resend(application=app)
        code = code_in(texts(sms_dir)[1])
    with travel("2026-03-20T10:16:00+08:00"), pytest.raises(ServiceError, match="已过期"):
        ch.application_verify(application=app, code=code)
    app.refresh_from_db()
    assert app.verified_at is None


def test_refusals_store_nothing(challenge, travel, sms_dir, settings):  # noqa: F811
    before = (ChallengeApplication.objects.count(), JournalEntry.objects.count())
    with travel("2026-03-20"):
        with pytest.raises(ServiceError, match="手机号"):
            ch.challenge_apply_public(challenge=challenge, team_name="团队", contact_name="李工",
                                      contact_phone="0532-88886666", contact_email="", plan="方案", commitments=C)
        settings.LUOSHI_SMS_BACKEND = "luoshi.core.sms.HttpGatewayBackend"
        settings.LUOSHI_SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
        settings.LUOSHI_SMS_TIMEOUT = 1
        with pytest.raises(ServiceError, match="短信发送失败"):
            ch.challenge_apply_public(challenge=challenge, team_name="团队", contact_name="李工",
                                      contact_phone="13900004444", contact_email="", plan="方案", commitments=C)
    with travel("2026-04-01"), pytest.raises(ServiceError, match="截止"):
        ch.challenge_apply_public(challenge=challenge, team_name="团队", contact_name="李工",
                                  contact_phone="13900004444", contact_email="", plan="方案", commitments=C)
    assert (ChallengeApplication.objects.count(), JournalEntry.objects.count()) == before
    assert texts(sms_dir) == []


def test_sending_is_rate_limited_per_number(challenge, client, travel, sms_dir, settings):  # noqa: F811
    from django.test import Client

    settings.LUOSHI_VERIFY_THROTTLE_PER_ADDRESS = (2, 3600)
    url = reverse("projects_public_challenge", args=[challenge.pk])
    with travel("2026-03-20T10:00:00+08:00"):
        assert client.post(url, FORM).status_code == 302
        # another visitor (another address) sends to the same number
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert other.post(url, FORM).status_code == 302
        r = Client(REMOTE_ADDR="10.0.0.10").post(url, {**FORM, "contact_phone": "+86 139-0000-2222"})  # same number
        assert r.status_code == 429 and "过于频繁" in r.content.decode()
        # a refused form does not use the allowance: a bad number is refused without counting
        assert len(texts(sms_dir)) == 2
        assert Client(REMOTE_ADDR="10.0.0.11").post(url, {**FORM, "contact_phone": "13900009999"}).status_code == 302


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


def test_http_gateway_backend_posts_json(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.LUOSHI_SMS_BACKEND = "luoshi.core.sms.HttpGatewayBackend"
        settings.LUOSHI_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.LUOSHI_SMS_GATEWAY_TOKEN = "t0ken"
        settings.LUOSHI_SMS_SIGN = "落实平台"
        sms.sms_send("13900005555", "验证码：123456")
    finally:
        server.shutdown()
    assert _Gateway.received == [("Bearer t0ken", {"phone": "13900005555", "sign": "落实平台", "text": "验证码：123456"})]
    settings.LUOSHI_SMS_GATEWAY_URL = ""
    with pytest.raises(sms.SmsError):
        sms.sms_send("13900005555", "x")
