"""Verified contact for people without an account (a portal application, a submission): a six-digit code sent by
text message (core.sms) or e-mail, of which only a keyed hash is kept, valid for LUOSHI_VERIFY_CODE_MINUTES and for
LUOSHI_VERIFY_MAX_ATTEMPTS wrong entries. The caller keeps the hash, the expiry and the attempts on its own row (the
thing being confirmed) and rate-limits the sending per client address and per number (core.throttle).

    issued = code_issue("challenge-application", app.pk)
    app.code_hash, app.code_expires_at, app.code_attempts = issued.hash, issued.expires_at, 0
    code_send(channel="sms", address=phone, text=<a message with issued.code>)
    ...
    code_check("challenge-application", app.pk, entered, stored_hash=…, expires_at=…, attempts=…)  # or ServiceError
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from . import clock
from .errors import ServiceError

SMS, EMAIL = "sms", "email"
CHANNELS = (SMS, EMAIL)
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def code_minutes() -> int:
    return int(getattr(settings, "LUOSHI_VERIFY_CODE_MINUTES", 15))


def max_attempts() -> int:
    return int(getattr(settings, "LUOSHI_VERIFY_MAX_ATTEMPTS", 5))


@dataclass(frozen=True)
class IssuedCode:
    code: str
    hash: str
    expires_at: dt.datetime


def code_hash(purpose: str, subject, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{subject}:{code}".encode(), hashlib.sha256).hexdigest()


def code_issue(purpose: str, subject) -> IssuedCode:
    code = f"{secrets.randbelow(10 ** 6):06d}"
    return IssuedCode(code, code_hash(purpose, subject, code), clock.now() + dt.timedelta(minutes=code_minutes()))


def code_check(purpose: str, subject, code: str, *, stored_hash: str, expires_at: dt.datetime | None,
               attempts: int) -> None:
    """Nothing when `code` is the one issued and still valid; ServiceError (field "code") saying why otherwise. The
    caller counts a wrong entry (attempts + 1) in its own row."""
    if not stored_hash or expires_at is None:
        raise ServiceError(_("请先获取验证码。"), field="code")
    if attempts >= max_attempts():
        raise ServiceError(_("验证码输错次数过多，请重新获取验证码。"), field="code")
    if clock.now() > expires_at:
        raise ServiceError(_("验证码已过期（有效期 %(n)s 分钟），请重新获取。") % {"n": code_minutes()}, field="code")
    if not hmac.compare_digest(stored_hash, code_hash(purpose, subject, (code or "").strip())):
        raise ServiceError(_("验证码不正确。"), field="code")


def send_throttles():
    """(per client address, per phone number or e-mail address) limits on sending codes: LUOSHI_VERIFY_THROTTLE
    ("10/3600") and LUOSHI_VERIFY_THROTTLE_PER_ADDRESS ("5/3600"). A text message costs money and reaches a person:
    neither one visitor nor many visitors together may send many."""
    from .throttle import Throttle

    return (Throttle("verify-send", *settings.LUOSHI_VERIFY_THROTTLE),
            Throttle("verify-send-to", *settings.LUOSHI_VERIFY_THROTTLE_PER_ADDRESS))


def throttle_key(channel: str, address: str) -> str:
    """The number or mailbox as the per-address limit counts it: "139 0000-1111", "+8613900001111" and
    "13900001111" are one number, and an e-mail address is one mailbox whatever its case."""
    if channel == SMS:
        return re.sub(r"\D", "", address or "")[-11:]
    return (address or "").strip().lower()


def sending_exceeded(request, address: str) -> bool:
    """True when the client or the number has used up its codes for now (counts nothing)."""
    by_client, by_address = send_throttles()
    return by_client.exceeded(request) or by_address.exceeded_for(request, address)


def sending_count(request, address: str) -> None:
    """Count one code sent (after the service sent it: a refused form does not use up the allowance)."""
    by_client, by_address = send_throttles()
    by_client.count(request)
    by_address.count_for(request, address)


def mobile_normalize(text: str) -> str:
    """"139 0000-1111" → "13900001111"; ServiceError (field contact_phone) when it is not a mainland mobile number."""
    phone = re.sub(r"[\s\-()（）]", "", text or "").removeprefix("+86")
    if not MOBILE.match(phone):
        raise ServiceError(_("手机号“%(phone)s”格式不对：应为 11 位手机号，用于接收短信验证码。") % {"phone": text},
                           field="contact_phone")
    return phone


def code_send(*, channel: str, address: str, text: str, subject: str = "") -> None:
    """Send the message by text (`address` a mobile number) or e-mail. ServiceError when the channel could not take
    it (the gateway is down): the caller's transaction rolls back and the person is told to try again."""
    if channel == SMS:
        from .sms import SmsError, sms_send

        try:
            sms_send(address, text)
        except SmsError as e:
            raise ServiceError(_("短信发送失败，请稍后再试。")) from e
    elif channel == EMAIL:
        from django.core.mail import send_mail

        send_mail(subject=subject or text[:60], message=text, from_email=None, recipient_list=[address],
                  fail_silently=True)
    else:
        raise ServiceError(_("未知的验证方式。"), field="channel")
