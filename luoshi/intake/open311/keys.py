"""Open311 api keys and tokens.

An api_key belongs to one Channel: what a hotline system or an app posts with it is recorded as received through
that channel. The key is shown once when created; only its SHA-256 is stored (a key is long and random, so a plain
hash is enough, and checking it costs one indexed lookup per POST). `prefix` (its first 8 characters) names the
key in lists and when revoking it.

Tokens (GET tokens/{token}): the requester's `tracking_code` is their secret (查询码) and is never output by the
API. When the service type is "batch" the POST answers with a token instead of the id: an HMAC of the request id
under the site's SECRET_KEY, so it needs no storage, cannot be guessed, and says nothing about the requester.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.org.scopes import scope_for

from ..models import Channel, Open311Key

PREFIX_LEN = 8


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def key_lookup(raw: str) -> Open311Key | None:
    """The active key (with its channel) for what the client sent, or None. One query."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 200:
        return None
    return (Open311Key.objects.select_related("channel")
            .filter(key_hash=key_hash(raw), revoked_at__isnull=True).first())


def _scope_path() -> str:
    from ..config import intake_settings

    row = intake_settings()
    return row.centre.path if row.centre_id else ""


def _check_by(by) -> None:
    # by=None: the `luoshi intake_apikey` command, i.e. whoever runs the server
    if by is not None:
        scope = scope_for(by)
        require(scope.is_admin or scope.is_office, _("只有系统管理员或办公室可以管理 Open311 接口密钥。"))


def apikey_create(*, by, name: str, channel: Channel) -> tuple[str, Open311Key]:
    """A new key for `channel`. Returns (the key, the row); the key itself is not stored anywhere."""
    _check_by(by)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写密钥名称（如接入的系统名）。"), field="name")
    if len(name) > 100:
        raise ServiceError(_("密钥名称最多 100 字。"), field="name")
    if not channel.is_active:
        raise ServiceError(_("受理渠道“%(name)s”已停用。") % {"name": channel.name}, field="channel")
    with transaction.atomic():
        while True:
            raw = secrets.token_urlsafe(32)
            prefix = raw[:PREFIX_LEN]
            # a key starting with "-" reads as an option on the command line (`--revoke -x…`): draw again
            if not raw.startswith("-") and not Open311Key.objects.filter(prefix=prefix).exists():
                break
        key = Open311Key.objects.create(name=name, channel=channel, prefix=prefix, key_hash=key_hash(raw),
                                        created_at=clock.now())
        journal_record(actor=by, verb="open311.key_create", obj=key,
                       changes={"name": name, "channel": channel.code, "prefix": prefix}, scope_path=_scope_path())
    return raw, key


def apikey_revoke(*, by, prefix: str, reason: str = "") -> Open311Key:
    """Revoke the key whose prefix (or the whole key) is given; POSTs with it are refused at once (403)."""
    _check_by(by)
    prefix = (prefix or "").strip()
    if len(prefix) < PREFIX_LEN:
        raise ServiceError(_("请给出密钥的前 %(n)s 位（或完整密钥）。") % {"n": PREFIX_LEN}, field="prefix")
    with transaction.atomic():
        key = Open311Key.objects.select_for_update().filter(prefix=prefix[:PREFIX_LEN]).first()
        if key is None or (len(prefix) > PREFIX_LEN and key.key_hash != key_hash(prefix)):
            raise ServiceError(_("找不到前缀为“%(p)s”的密钥。") % {"p": prefix[:PREFIX_LEN]}, field="prefix")
        if key.revoked_at is not None:
            raise ServiceError(_("密钥“%(name)s”已于 %(at)s 停用。")
                               % {"name": key.name, "at": clock.localtime(key.revoked_at).strftime("%Y-%m-%d %H:%M")},
                               field="prefix")
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        journal_record(actor=by, verb="open311.key_revoke", obj=key, changes={"revoked_at": key.revoked_at},
                       reason=reason, scope_path=_scope_path())
    return key


def apikey_list():
    return Open311Key.objects.select_related("channel").order_by("-created_at", "-id")


# ---- tokens ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"^(\d{1,18})-([0-9a-f]{24})$")


def request_token(pk: int) -> str:
    return f"{pk}-{salted_hmac('luoshi.open311.token', str(pk)).hexdigest()[:24]}"


def token_request_id(token: str) -> int | None:
    """The request id a token was issued for, or None when the token is not one of ours."""
    m = _TOKEN.match(token or "")
    if not m or not constant_time_compare(request_token(int(m.group(1))), token):
        return None
    return int(m.group(1))
