"""Text messages (短信), through a pluggable backend named by settings.LUOSHI_SMS_BACKEND, as Django's mail does:

- `luoshi.core.sms.FileBackend` (default): each message a file in LUOSHI_SMS_FILE_PATH (var/sms) — development,
  demos and tests read them back;
- `luoshi.core.sms.ConsoleBackend`: printed to standard output;
- `luoshi.core.sms.HttpGatewayBackend`: a POST of JSON to the gateway the operator contracts (运营商/云短信 behind
  an HTTP API), configured by the environment (docs/deployment.md): LUOSHI_SMS_GATEWAY_URL, LUOSHI_SMS_GATEWAY_TOKEN,
  LUOSHI_SMS_SIGN (the 短信签名), LUOSHI_SMS_TIMEOUT. Gateways differ in their fields; a subclass overrides
  `payload` (and `headers`) for another one.

`sms_send(phone, text)` raises SmsError when the backend could not hand the message on."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from . import clock


class SmsError(Exception):
    pass


class BaseBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")


class FileBackend(BaseBackend):
    """One file per message: `<time>-<phone>.txt` holding the number on the first line and the text after it."""

    def send(self, phone: str, text: str) -> None:
        folder = Path(getattr(settings, "LUOSHI_SMS_FILE_PATH", Path(settings.VAR_DIR) / "sms"))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%d-%H%M%S-%f")
        path = folder / f"{stamp}-{phone}.txt"
        n = 1
        while path.exists():  # two messages in the same microsecond (a test, a loop)
            path = folder / f"{stamp}-{phone}-{n}.txt"
            n += 1
        path.write_text(f"{phone}\n{text}\n", encoding="utf-8")


class HttpGatewayBackend(BaseBackend):
    """POST {"phone", "sign", "text"} as JSON with `Authorization: Bearer <token>`; any 2xx answer is success."""

    def __init__(self) -> None:
        self.url = getattr(settings, "LUOSHI_SMS_GATEWAY_URL", "")
        self.token = getattr(settings, "LUOSHI_SMS_GATEWAY_TOKEN", "")
        self.sign = getattr(settings, "LUOSHI_SMS_SIGN", "")
        self.timeout = float(getattr(settings, "LUOSHI_SMS_TIMEOUT", 5))
        if not self.url:
            raise SmsError("LUOSHI_SMS_GATEWAY_URL is not set")

    def payload(self, phone: str, text: str) -> dict:
        return {"phone": phone, "sign": self.sign, "text": text}

    def headers(self) -> dict:
        out = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        return out

    def send(self, phone: str, text: str) -> None:
        request = urllib.request.Request(self.url, data=json.dumps(self.payload(phone, text)).encode(),
                                         headers=self.headers(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (operator's URL)
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise SmsError(str(e)) from e


def backend() -> BaseBackend:
    return import_string(getattr(settings, "LUOSHI_SMS_BACKEND", "luoshi.core.sms.FileBackend"))()


def sms_send(phone: str, text: str) -> None:
    backend().send(phone, text)
