"""Shared bits of the `luoshi assess …` commands: the round from --round, and who the command acts as."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from luoshi.assessment.excel import scheme_office_person
from luoshi.assessment.models import Round
from luoshi.org.models import Person, Unit


def add_as_argument(parser) -> None:
    parser.add_argument("--as", dest="username",
                        help="以该用户（须为主办单位督查室/办公室人员）的身份操作；默认：主办单位的督查室人员")


def get_round(value) -> Round:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise CommandError(_("考核期次编号“%(id)s”应为数字。") % {"id": value})
    rnd = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").filter(pk=pk).first()
    if rnd is None:
        raise CommandError(_("考核期次 %(id)s 不存在。") % {"id": pk})
    return rnd


def get_person(username: str) -> Person:
    person = Person.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(_("用户“%(username)s”不存在或已停用。") % {"username": username})
    return person


def acting_person(username: str | None, owner_unit: Unit) -> Person:
    """--as, else someone of the office over the scheme's owner unit (as the ledger commands do)."""
    if username:
        return get_person(username)
    person = scheme_office_person(owner_unit)
    if person is None:
        raise CommandError(_("没有找到“%(unit)s”的督查室/办公室人员，请用 --as 指定以谁的身份操作。")
                           % {"unit": owner_unit.name})
    return person
