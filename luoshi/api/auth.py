"""API authentication: a bearer token for integrations, or the browser session."""
import hashlib
import secrets

from django.db import transaction
from ninja.security import HttpBearer, django_auth

from luoshi.core import clock
from luoshi.core.journal import journal_record
from luoshi.core.models import ApiToken


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, by, person, name: str) -> tuple[ApiToken, str]:
    """Create a token; the returned key is shown once and never stored."""
    key = "ls_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(person=person, name=name, prefix=key[:8], key_hash=hash_key(key),
                                        created_at=clock.now())
        journal_record(actor=by, verb="token.create", obj=token, changes={"person": person.pk, "name": name})
    return token, key


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        row = ApiToken.objects.select_related("person").filter(key_hash=hash_key(token), revoked_at=None).first()
        if row is None or not row.person.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=clock.now())
        request.user = row.person
        return row.person


AUTH = [TokenAuth(), django_auth]
