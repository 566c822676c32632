"""Helpers the assessment pages share."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _

from luoshi.tasks.forms import uploaded_files

from .. import permissions as perms
from .. import selectors
from ..models import RoundState

MAX_FILES = 10
REVIEW_PAGE = 100
NEXT_STATE = {RoundState.DRAFT: RoundState.COLLECTING, RoundState.COLLECTING: RoundState.SCORING,
              RoundState.SCORING: RoundState.REVIEW}


def errors_text(form) -> str:
    return "；".join(str(m) for msgs in form.errors.values() for m in msgs)


def int_or_none(text) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def request_files(request, name="files"):
    return uploaded_files(request, name, limit=MAX_FILES)


def round_for_manager(request, pk):
    rnd = selectors.round_get(request.user, pk)
    if not perms.can_manage(request.user, rnd.scheme):
        raise Http404
    return rnd


def resolve_person(text: str):
    """A person by username, or by full name when exactly one person has it."""
    Person = get_user_model()
    text = text.strip()
    person = Person.objects.filter(username=text, is_active=True).first()
    if person is not None:
        return person, None
    matches = list(Person.objects.filter(full_name=text, is_active=True)[:2])
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, _("姓名“%(name)s”有重名，请填写用户名。") % {"name": text}
    return None, _("找不到用户“%(name)s”。") % {"name": text}
