"""Writes of the dictionary's frame, by the policy office on the web (ADR 0027): policy documents (文件名, 文号,
发文单位, 适用区域, 有效期) and the managed vocabulary — 主题, 标签 and 申报类型. Each function checks permission,
writes in one transaction and journals. (Clauses themselves: services.clause_create / clause_update.)

Who: a policy belongs to the office over its region (Policy.objects.manageable_by). The vocabulary is shared by
every region, so any policy office may add a word, but may rename, move or remove one only when every clause that
uses it is its own (office over the clause's 责任单位): one district cannot rename what another district's clauses
are filed under. A word in use is never removed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.core.validation import clean_text
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from .models import Clause, DeclareType, Policy, Tag, Theme
from .services import clause_search_text


def can_edit_vocabulary(user) -> bool:
    """by=None is the system (a preset, a command)."""
    if user is None:
        return True
    scope = scope_for(user)
    return scope.is_admin or bool(scope.paths_for(Role.OFFICE))


def _require_vocabulary(by) -> None:
    require(can_edit_vocabulary(by), _("只有政策办公室（办公室角色）可以维护主题、标签和申报类型。"))


def _require_all_own(by, clauses: QuerySet, word: str) -> None:
    """Renaming or moving a word in use changes clauses: only when every one of them is the office's own."""
    if by is None or scope_for(by).is_admin:
        return
    others = clauses.exclude(dept_path__within=scope_for(by).paths_for(Role.OFFICE))
    n = others.count()
    require(n == 0, _("“%(word)s”还用在其他单位负责的 %(n)s 条条款上，只有管理这些条款的政策办公室或系统管理员可以修改。")
            % {"word": word, "n": n})


def _refuse_in_use(clauses: QuerySet, word: str) -> None:
    n = clauses.count()
    if n:
        raise ServiceError(_("“%(word)s”正用在 %(n)s 条条款上，不能删除；可以改名，或先把这些条款改到别的类目下。")
                           % {"word": word, "n": n})


def _reindex(clauses: QuerySet) -> int:
    """Rewrite the search words of clauses after a word they are filed under changed (not a new version: the
    clause says the same; its versions keep the name it had)."""
    rows = list(clauses.select_related("policy", "theme", "dept").prefetch_related("tags"))
    now = clock.now()
    for c in rows:
        c.search_text = clause_search_text(c, sorted(t.name for t in c.tags.all()))
        c.updated_at = now  # the published clauses kept in memory (selectors.published_clauses) reload
    Clause.objects.bulk_update(rows, ["search_text", "updated_at"], batch_size=500)
    return len(rows)


def _name(value: str, label: str) -> str:
    return clean_text(value, label, "name", limit=30)


def _order(value: int | None, default: int) -> int:
    if value is None:
        return default
    if not 0 <= value <= 999:
        raise ServiceError(_("排序须在 0 至 999 之间。"), field="sort_order")
    return value


def _renamed_or_reordered(word, name: str, order: int) -> dict:
    """The journal's changes of a vocabulary word (theme, tag, 申报类型) given its new name and order: {field: [old,
    new]} of those that differ."""
    return {k: [old, new] for k, old, new in (("name", word.name, name), ("sort_order", word.sort_order, order))
            if old != new}


# ---- themes -----------------------------------------------------------------------------------------

def theme_save(*, by, theme: Theme | None = None, name: str, sort_order: int | None = None) -> Theme:
    """Add a theme, or rename / reorder one (its clauses' search words follow the new name)."""
    _require_vocabulary(by)
    name = _name(name, _("主题"))
    with transaction.atomic():
        if Theme.objects.filter(name=name).exclude(pk=theme.pk if theme else None).exists():
            raise ServiceError(_("主题“%(v)s”已存在。") % {"v": name}, field="name")
        if theme is None:
            theme = Theme.objects.create(name=name, sort_order=_order(sort_order, Theme.objects.count()))
            journal_record(actor=by, verb="policy.theme_create", obj=theme, changes={"name": name})
            return theme
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        order = _order(sort_order, theme.sort_order)
        changes = _renamed_or_reordered(theme, name, order)
        if not changes:
            return theme
        if "name" in changes:
            _require_all_own(by, Clause.objects.filter(theme=theme), theme.name)
        theme.name, theme.sort_order = name, order
        theme.save(update_fields=["name", "sort_order"])
        if "name" in changes:
            changes["clauses_reindexed"] = _reindex(Clause.objects.filter(theme=theme))
        journal_record(actor=by, verb="policy.theme_update", obj=theme, changes=changes)
    return theme


def theme_delete(*, by, theme: Theme) -> None:
    """Remove an unused theme without tags."""
    _require_vocabulary(by)
    with transaction.atomic():
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        _refuse_in_use(Clause.objects.filter(theme=theme), theme.name)
        if theme.tags.exists():
            raise ServiceError(_("主题“%(word)s”下还有标签，请先删除或移走标签。") % {"word": theme.name})
        journal_record(actor=by, verb="policy.theme_delete", obj=theme, changes={"name": theme.name})
        theme.delete()


# ---- tags -------------------------------------------------------------------------------------------

def tag_save(*, by, tag: Tag | None = None, theme: Theme | None, name: str, sort_order: int | None = None) -> Tag:
    """Add a tag under a theme, or rename / reorder it; move it to another theme only while no clause uses it
    (a clause's tags belong to its theme)."""
    _require_vocabulary(by)
    name = _name(name, _("标签"))
    if theme is None:
        raise ServiceError(_("请选择主题。"), field="theme")
    with transaction.atomic():
        if Tag.objects.filter(name=name).exclude(pk=tag.pk if tag else None).exists():
            raise ServiceError(_("标签“%(v)s”已存在（标签在全部主题中唯一）。") % {"v": name}, field="name")
        if tag is None:
            tag = Tag.objects.create(theme=theme, name=name,
                                     sort_order=_order(sort_order, Tag.objects.filter(theme=theme).count()))
            journal_record(actor=by, verb="policy.tag_create", obj=tag, changes={"name": name, "theme": theme.name})
            return tag
        tag = Tag.objects.select_for_update().select_related("theme").get(pk=tag.pk)
        order = _order(sort_order, tag.sort_order)
        changes = _renamed_or_reordered(tag, name, order)
        if tag.theme_id != theme.pk:
            changes["theme"] = [tag.theme.name, theme.name]
        if not changes:
            return tag
        used = Clause.objects.filter(tags=tag)
        if "theme" in changes and used.exists():
            raise ServiceError(_("标签“%(word)s”正用在 %(n)s 条条款上，不能移到别的主题。") % {"word": tag.name, "n": used.count()},
                               field="theme")
        if "name" in changes:
            _require_all_own(by, used, tag.name)
        tag.name, tag.theme, tag.sort_order = name, theme, order
        tag.save(update_fields=["name", "theme", "sort_order"])
        if "name" in changes:
            changes["clauses_reindexed"] = _reindex(used)
        journal_record(actor=by, verb="policy.tag_update", obj=tag, changes=changes)
    return tag


def tag_delete(*, by, tag: Tag) -> None:
    _require_vocabulary(by)
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
        _refuse_in_use(Clause.objects.filter(tags=tag), tag.name)
        journal_record(actor=by, verb="policy.tag_delete", obj=tag, changes={"name": tag.name})
        tag.delete()


# ---- 申报类型 ----------------------------------------------------------------------------------------

def declare_type_save(*, by, declare_type: DeclareType | None = None, name: str,
                      sort_order: int | None = None) -> DeclareType:
    """Add a 申报类型, or rename / reorder one: a rename renames it on every clause that uses it."""
    _require_vocabulary(by)
    name = _name(name, _("申报类型"))
    with transaction.atomic():
        if DeclareType.objects.filter(name=name).exclude(pk=declare_type.pk if declare_type else None).exists():
            raise ServiceError(_("申报类型“%(v)s”已存在。") % {"v": name}, field="name")
        if declare_type is None:
            declare_type = DeclareType.objects.create(name=name, sort_order=_order(sort_order, DeclareType.objects.count()))
            journal_record(actor=by, verb="policy.declare_type_create", obj=declare_type, changes={"name": name})
            return declare_type
        declare_type = DeclareType.objects.select_for_update().get(pk=declare_type.pk)
        order = _order(sort_order, declare_type.sort_order)
        old = declare_type.name
        changes = _renamed_or_reordered(declare_type, name, order)
        if not changes:
            return declare_type
        if "name" in changes:
            used = Clause.objects.filter(declare_type=old)
            _require_all_own(by, used, old)
            used.update(declare_type=name)
            changes["clauses_renamed"] = _reindex(Clause.objects.filter(declare_type=name))
        declare_type.name, declare_type.sort_order = name, order
        declare_type.save(update_fields=["name", "sort_order"])
        journal_record(actor=by, verb="policy.declare_type_update", obj=declare_type, changes=changes)
    return declare_type


def declare_type_delete(*, by, declare_type: DeclareType) -> None:
    _require_vocabulary(by)
    with transaction.atomic():
        declare_type = DeclareType.objects.select_for_update().get(pk=declare_type.pk)
        _refuse_in_use(Clause.objects.filter(declare_type=declare_type.name), declare_type.name)
        journal_record(actor=by, verb="policy.declare_type_delete", obj=declare_type, changes={"name": declare_type.name})
        declare_type.delete()


# ---- policy documents -------------------------------------------------------------------------------

@dataclass
class PolicyInput:
    title: str
    doc_number: str
    issuer: str
    region: Unit | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def can_manage_policy(user, policy: Policy) -> bool:
    return user is None or scope_for(user).covers(policy.region_path, Role.OFFICE)


def _policy_fields(by, data: PolicyInput, *, pk: int | None) -> dict:
    out = {"title": clean_text(data.title, _("文件名"), "title", limit=200),
           "doc_number": clean_text(data.doc_number, _("文号"), "doc_number", limit=60, required=False),
           "issuer": clean_text(data.issuer, _("发文单位"), "issuer", limit=100),
           "valid_from": data.valid_from, "valid_to": data.valid_to}
    if data.region is None:
        raise ServiceError(_("请选择适用区域。"), field="region")
    if by is not None:
        require(scope_for(by).covers(data.region.path, Role.OFFICE), _("只能录入本单位（及下级）区域适用的政策文件。"))
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise ServiceError(_("有效期止不能早于有效期起。"), field="valid_to")
    if Policy.objects.filter(title=out["title"], region=data.region).exclude(pk=pk).exists():
        raise ServiceError(_("“%(region)s”已有同名政策文件“%(title)s”。") % {"region": data.region.name, "title": out["title"]},
                           field="title")
    out["region"], out["region_path"] = data.region, data.region.path
    return out


def _policy_data(p: Policy) -> dict:
    return {"title": p.title, "doc_number": p.doc_number, "issuer": p.issuer, "region": p.region.name,
            "valid_from": p.valid_from.isoformat() if p.valid_from else None,
            "valid_to": p.valid_to.isoformat() if p.valid_to else None}


def policy_create(*, by, data: PolicyInput) -> Policy:
    fields = _policy_fields(by, data, pk=None)
    with transaction.atomic():
        policy = Policy.objects.create(created_at=clock.now(), **fields)
        journal_record(actor=by, verb="policy.policy_create", obj=policy, changes=_policy_data(policy),
                       scope_path=policy.region_path)
    return policy


def policy_update(*, by, policy: Policy, data: PolicyInput, reason: str = "") -> Policy:
    """Change a policy document. Its clauses keep their versions (a version records the document's name as it
    was); their search words follow the new title."""
    require(can_manage_policy(by, policy), _("只有政策适用区域的政策办公室可以修改此政策文件。"))
    reason = clean_text(reason, _("修改说明"), "reason", limit=200, required=False)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().select_related("region").get(pk=policy.pk)
        fields = _policy_fields(by, data, pk=policy.pk)
        before = _policy_data(policy)
        for k, v in fields.items():
            setattr(policy, k, v)
        after = _policy_data(policy)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not changes:
            return policy
        policy.save()
        if "title" in changes:
            changes["clauses_reindexed"] = _reindex(Clause.objects.filter(policy=policy))
        else:  # the published clauses kept in memory carry their policy: they reload
            Clause.objects.filter(policy=policy).update(updated_at=clock.now())
        journal_record(actor=by, verb="policy.policy_update", obj=policy, changes=changes, reason=reason,
                       scope_path=policy.region_path)
    return policy
