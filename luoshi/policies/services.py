"""Writes of 惠企政策. Each function checks permission, writes in one transaction and journals.

- vocabulary (themes and tags) from the preset (`kind: policy_vocabulary`);
- clauses: create / update (a change writes a new ClauseVersion; payouts keep theirs), Excel import;
- enterprises: Excel import of profiles, profile updates by the enterprise or the department (each attribute
  keeps its source and date; `profile_version` goes up);
- 免申即享: compute a batch (draft list), exclude / include lines, confirm (payouts recorded, enterprises told),
  cancel; batch totals are maintained here and checked by `batch_recount`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.bulk import import_size_check, insert_rows, object_rows, pks_by
from luoshi.core.errors import ServiceError
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import diff, journal_entry, journal_record, journal_record_many
from luoshi.core.models import JournalEntry
from luoshi.core.notify import notify_people
from luoshi.core.permissions import require
from luoshi.core.validation import clean_text
from luoshi.org.lookups import path_within
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from .attributes import ATTRIBUTES, attribute_parse, date_parse, value_dump
from .conditions import NEEDS_REVIEW, QUALIFIES, RulesError, rules_parse
from .matching import match_clause, rules_of
from .models import (DEPT_ROLES, AttributeSource, BatchState, Clause, ClauseVersion, DeclareType, Enterprise,
                     EnterpriseAttribute, EnterpriseMember, Payout, PayoutBatch, Policy, Tag, Theme)
from .text import search_text_of

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
CLAUSE_FIELDS = ("title", "theme", "declare_type", "beneficiary", "condition_text", "rules", "amount_rule",
                 "procedure", "dept", "contact_person", "contact_phone", "start_date", "end_date", "no_application",
                 "is_published")


# ---- permissions -----------------------------------------------------------------------------------

def can_manage_clause(user, clause: Clause) -> bool:
    """by=None is the system (the demo, a command run by the operator)."""
    return user is None or scope_for(user).covers(clause.dept_path, *DEPT_ROLES)


def managed_regions(user) -> list[str]:
    scope = scope_for(user)
    dept = scope.paths_for(*DEPT_ROLES)
    if not dept:
        return []
    return scope.memo(("policies.regions",), lambda: list(
        Clause.objects.filter(dept_path__within=dept).values_list("policy__region_path", flat=True).distinct()))


def can_manage_area(user, unit_path: str) -> bool:
    """May change enterprise profiles in this district or street (department side)."""
    scope = scope_for(user)
    return scope.covers(unit_path, Role.OFFICE) or path_within(unit_path, managed_regions(user))


def member_enterprise_id(user) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    link = EnterpriseMember.objects.filter(person_id=user.pk).values_list("enterprise_id", flat=True).first()
    return link


# ---- vocabulary -------------------------------------------------------------------------------------

def vocabulary_load(*, by, spec, **_kw) -> dict:
    """Themes and tags from a `policy_vocabulary` preset: added and reordered, never deleted (clauses use them)."""
    require(by is None or scope_for(by).is_admin, _("只有系统管理员可以载入政策词汇。"))
    with transaction.atomic():
        added = 0
        for i, theme_spec in enumerate(spec.themes):
            theme, created = Theme.objects.update_or_create(name=theme_spec.name, defaults={"sort_order": i})
            added += created
            for j, tag_name in enumerate(theme_spec.tags):
                tag = Tag.objects.filter(name=tag_name).first()
                if tag is None:
                    Tag.objects.create(theme=theme, name=tag_name, sort_order=j)
                    added += 1
                elif tag.theme_id != theme.pk or tag.sort_order != j:
                    if tag.theme_id != theme.pk and Clause.objects.filter(tags=tag).exists():
                        # a clause's tags belong to its theme: moving a tag in use would break its clauses
                        raise ServiceError(_("标签“%(tag)s”已用在其他主题的条款上，不能移到主题“%(theme)s”下；请在预置里改用别的标签名。")
                                           % {"tag": tag_name, "theme": theme.name})
                    Tag.objects.filter(pk=tag.pk).update(theme=theme, sort_order=j)
        for k, type_name in enumerate(spec.declare_types):
            _type, created = DeclareType.objects.update_or_create(name=type_name, defaults={"sort_order": k})
            added += created
        journal_record(actor=by, verb="policy.vocabulary_load", obj=Theme.objects.order_by("id").first(),
                       changes={"preset": spec.name, "themes": len(spec.themes),
                                "tags": sum(len(t.tags) for t in spec.themes), "declare_types": len(spec.declare_types)})
    return {"themes": len(spec.themes), "tags": sum(len(t.tags) for t in spec.themes),
            "declare_types": len(spec.declare_types), "added": added}


# ---- clauses ----------------------------------------------------------------------------------------

@dataclass
class ClauseInput:
    title: str
    theme: Theme | None
    tags: list[Tag]
    declare_type: str
    beneficiary: str
    condition_text: str
    rules: str
    amount_rule: str
    procedure: str
    dept: Unit | None
    contact_person: str = ""
    contact_phone: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    no_application: bool = False
    is_published: bool = True


def rules_check(rules: str, amount_rule: str) -> None:
    """ServiceError naming the line of every problem in the rules (field "rules" or "amount_rule")."""
    try:
        rules_parse(rules, amount_rule)
    except RulesError as e:
        field = "amount_rule" if all(p.part == "amount" for p in e.problems) else "rules"
        raise ServiceError("；".join(str(p) for p in e.problems), field=field) from None


def _clean(data: ClauseInput) -> dict:
    out = {
        "title": clean_text(data.title, _("条款名称"), "title", limit=200),
        "declare_type": clean_text(data.declare_type, _("申报类型"), "declare_type", limit=30),
        "beneficiary": clean_text(data.beneficiary, _("享受对象"), "beneficiary", limit=300),
        "condition_text": clean_text(data.condition_text, _("享受条件"), "condition_text", limit=5000),
        "rules": (data.rules or "").strip(),
        "amount_rule": clean_text(data.amount_rule, _("金额规则"), "amount_rule", limit=300, required=False),
        "procedure": clean_text(data.procedure, _("申报流程"), "procedure", limit=5000, required=False),
        "contact_person": clean_text(data.contact_person, _("责任人"), "contact_person", limit=30, required=False),
        "contact_phone": clean_text(data.contact_phone, _("联系电话"), "contact_phone", limit=30, required=False),
        "start_date": data.start_date, "end_date": data.end_date,
        "no_application": bool(data.no_application), "is_published": bool(data.is_published),
    }
    if data.theme is None:
        raise ServiceError(_("请选择主题。"), field="theme")
    types = declare_type_names()
    if out["declare_type"] not in types:
        raise ServiceError(declare_type_unknown(out["declare_type"], types), field="declare_type")
    if data.dept is None:
        raise ServiceError(_("请选择责任单位。"), field="dept")
    wrong = [t.name for t in data.tags if t.theme_id != data.theme.pk]
    if wrong:
        raise ServiceError(_("标签“%(tags)s”不属于主题“%(theme)s”。") % {"tags": "、".join(wrong), "theme": data.theme.name},
                           field="tags")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise ServiceError(_("受理截止日期不能早于开始日期。"), field="end_date")
    if len(out["rules"]) > 5000:
        raise ServiceError(_("条件规则最多 5000 字。"), field="rules")
    rules_check(out["rules"], out["amount_rule"])
    if out["no_application"] and not out["rules"]:
        raise ServiceError(_("免申即享的条款必须写条件规则，才能算出兑现名单。"), field="rules")
    out["theme"], out["dept"] = data.theme, data.dept
    return out


def declare_type_names() -> list[str]:
    return list(DeclareType.objects.values_list("name", flat=True))


def declare_type_unknown(name: str, types: list[str]) -> str:
    return _("申报类型“%(name)s”不在政策词汇中（可用：%(all)s）") % {"name": name, "all": "、".join(types) or "—"}


def clause_data(clause: Clause, tags: list[str] | None = None) -> dict:
    """What a version keeps: every field, as plain values."""
    tag_names = tags if tags is not None else sorted(clause.tags.values_list("name", flat=True))
    return {"code": clause.code, "policy": str(clause.policy), "title": clause.title, "theme": clause.theme.name,
            "tags": tag_names, "declare_type": clause.declare_type, "beneficiary": clause.beneficiary,
            "condition_text": clause.condition_text, "rules": clause.rules, "amount_rule": clause.amount_rule,
            "procedure": clause.procedure, "dept": clause.dept.name, "contact_person": clause.contact_person,
            "contact_phone": clause.contact_phone,
            "start_date": clause.start_date.isoformat() if clause.start_date else None,
            "end_date": clause.end_date.isoformat() if clause.end_date else None,
            "no_application": clause.no_application, "is_published": clause.is_published}


def _write_version(clause: Clause, by, reason: str, tags: list[str]) -> ClauseVersion:
    return ClauseVersion.objects.create(clause=clause, number=clause.version, data=clause_data(clause, tags),
                                        reason=reason, created_at=clock.now(),
                                        created_by=by if getattr(by, "pk", None) else None)


def clause_search_text(clause: Clause, tags: list[str]) -> str:
    """The jieba words a clause is found by (indexed by the database: search.py)."""
    return search_text_of(" ".join([clause.title, clause.beneficiary, clause.condition_text, clause.declare_type,
                                    clause.theme.name, " ".join(tags), clause.policy.title, clause.dept.name]))


def clause_create(*, by, policy: Policy, code: str, data: ClauseInput) -> Clause:
    code = clean_text(code, _("条款编号"), "code", limit=30)
    fields = _clean(data)
    if by is not None:
        require(scope_for(by).covers(fields["dept"].path, *DEPT_ROLES), _("只能为本单位（及下级单位）负责的条款录入政策。"))
    if Clause.objects.filter(code=code).exists():
        raise ServiceError(_("条款编号“%(code)s”已存在。") % {"code": code}, field="code")
    tags = sorted(t.name for t in data.tags)
    try:
        with transaction.atomic():
            clause = Clause(policy=policy, code=code, dept_path=fields["dept"].path, updated_at=clock.now(), **fields)
            clause.search_text = clause_search_text(clause, tags)
            clause.save()
            clause.tags.set(data.tags)
            _write_version(clause, by, _("新建"), tags)
            journal_record(actor=by, verb="policy.clause_create", obj=clause, changes=clause_data(clause, tags),
                           scope_path=clause.dept_path)
    except IntegrityError:  # the same code saved by someone else since the check above
        raise ServiceError(_("条款编号“%(code)s”已存在。") % {"code": code}, field="code") from None
    return clause


def clause_update(*, by, clause: Clause, data: ClauseInput, reason: str = "") -> Clause:
    """Change a clause: when anything differs, the version goes up and the old version stays for the payouts
    computed with it."""
    require(can_manage_clause(by, clause), _("只有条款的责任单位可以修改此条款。"))
    fields = _clean(data)
    # by=None is the system (an import by the operator's command, the demo): it may change any clause
    require(by is None or scope_for(by).covers(fields["dept"].path, *DEPT_ROLES), _("只能把条款交给本单位（及下级单位）负责。"))
    reason = clean_text(reason, _("修改说明"), "reason", limit=200, required=False)
    tags = sorted(t.name for t in data.tags)
    with transaction.atomic():
        clause = Clause.objects.select_for_update().select_related("policy", "theme", "dept").get(pk=clause.pk)
        before = clause_data(clause)
        for k, v in fields.items():
            setattr(clause, k, v)
        clause.dept_path = fields["dept"].path
        after = clause_data(clause, tags)
        changes = diff(before, after)
        if not changes:
            return clause
        clause.version += 1
        clause.updated_at = clock.now()
        clause.search_text = clause_search_text(clause, tags)
        clause.save()
        clause.tags.set(data.tags)
        _write_version(clause, by, reason, tags)
        journal_record(actor=by, verb="policy.clause_update", obj=clause, changes=changes, reason=reason,
                       scope_path=clause.dept_path)
    return clause


def clause_retire(*, by, clause: Clause, reason: str) -> Clause:
    """Take a clause out of the dictionary (停止发布): a new version with is_published off, through clause_update
    (same permission — the 责任单位 only — version and journal entry). Business records are not deleted: its
    versions, batches and payouts stay, and the department still sees it."""
    require(can_manage_clause(by, clause), _("只有条款的责任单位可以修改此条款。"))
    reason = clean_text(reason, _("撤下原因"), "reason", limit=200)
    if not clause.is_published:
        raise ServiceError(_("条款“%(code)s”已经撤下。") % {"code": clause.code}, field="clause")
    data = ClauseInput(**{k: getattr(clause, k) for k in CLAUSE_FIELDS}, tags=list(clause.tags.all()))
    data.is_published = False
    return clause_update(by=by, clause=clause, data=data, reason=reason)


# ---- Excel import of the dictionary ----------------------------------------------------------------

CLAUSE_COLUMNS = [  # (key, header, required)
    ("code", "条款编号", True), ("policy_title", "文件名", True), ("doc_number", "文号", False),
    ("issuer", "发文单位", True), ("region", "适用区域", True), ("valid_from", "有效期起", False),
    ("valid_to", "有效期止", False), ("title", "条款名称", True), ("theme", "主题", True), ("tags", "标签", False),
    ("declare_type", "申报类型", True), ("beneficiary", "享受对象", True), ("condition_text", "享受条件", True),
    ("rules", "条件规则", False), ("amount_rule", "金额规则", False), ("procedure", "申报流程", False),
    ("dept", "责任单位", True), ("contact_person", "责任人", False), ("contact_phone", "联系电话", False),
    ("start_date", "受理开始", False), ("end_date", "受理截止", False), ("no_application", "免申即享", False),
]
YES_WORDS = {"是", "Y", "y", "yes", "√", "1", "TRUE", "true"}
NO_WORDS = {"", "否", "N", "n", "no", "×", "0", "FALSE", "false"}


def _header(ws, columns, sheet: str) -> tuple[dict[str, int], list[CellError]]:
    header = [cell_text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1))] if ws.max_row else []
    known = {h: k for k, h, _r in columns}
    where: dict[str, int] = {}
    errors = []
    for i, h in enumerate(header):
        if not h:
            continue
        if h in known:
            where[known[h]] = i
        else:
            errors.append(CellError(sheet, 1, h, _("不认识的列“%(h)s”（表头只能用模板里的列名）") % {"h": h}))
    for k, h, required in columns:
        if required and k not in where:
            errors.append(CellError(sheet, 1, h, _("缺少必填列“%(h)s”") % {"h": h}))
    return where, errors


def _unit_by_name(name: str, *, under: str | None = None) -> Unit | list[Unit] | None:
    qs = Unit.objects.filter(Q(name=name) | Q(short_name=name), is_active=True)
    if under:
        qs = qs.filter(path__within=[under])
    found = list(qs[:3])
    if len(found) == 1:
        return found[0]
    return found or None


def _date_cell(value, errors, sheet, row, header):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return date_parse(cell_text(value))
    except ValueError as e:
        errors.append(CellError(sheet, row, header, str(e)))
        return None


def clauses_import(*, by, data: bytes, name: str = "") -> dict:
    """The dictionary from Excel (one row per clause; the template's headers). Checked whole first; any
    problem (located by sheet, row and column) refuses the whole file and nothing is written. A row whose
    条款编号 exists updates that clause (a new version when anything changed)."""
    wb = open_workbook(data, name=name)
    ws = wb.worksheets[0]
    sheet = ws.title
    where, errors = _header(ws, CLAUSE_COLUMNS, sheet)
    if errors:
        raise ImportFailed(errors)
    headers = {k: h for k, h, _r in CLAUSE_COLUMNS}
    themes = {t.name: t for t in Theme.objects.all()}
    tags = {t.name: t for t in Tag.objects.all()}
    types = declare_type_names()
    scope = scope_for(by) if by is not None else None
    rows = []
    seen: dict[str, int] = {}
    documents: dict[tuple[str, int], tuple[dict[str, str], str, bool]] = {}  # (文件名, region) → as first known
    for r, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        raw = {k: (cells[i] if i < len(cells) else None) for k, i in where.items()}
        if all(cell_text(v) == "" for v in raw.values()):
            continue
        text = {k: cell_text(v) for k, v in raw.items()}
        row_errors: list[CellError] = []

        def bad(key, message, r=r, row_errors=row_errors):
            row_errors.append(CellError(sheet, r, headers[key], message))

        for k, h, required in CLAUSE_COLUMNS:
            if required and not text.get(k):
                bad(k, _("必填"))
        code = text.get("code", "")
        if code in seen:
            bad("code", _("条款编号“%(code)s”与第%(row)s行重复") % {"code": code, "row": seen[code]})
        seen[code] = r
        region = _unit_by_name(text.get("region", "")) if text.get("region") else None
        if text.get("region") and not isinstance(region, Unit):
            bad("region", _("找不到单位“%(name)s”") % {"name": text["region"]} if not region
                else _("有多个单位叫“%(name)s”，请写全称") % {"name": text["region"]})
            region = None
        dept = None
        if text.get("dept"):
            dept = _unit_by_name(text["dept"], under=region.path if region else None)
            if not isinstance(dept, Unit):
                bad("dept", _("在适用区域内找不到单位“%(name)s”") % {"name": text["dept"]} if not dept
                    else _("有多个单位叫“%(name)s”，请写全称") % {"name": text["dept"]})
                dept = None
            elif scope is not None and not scope.covers(dept.path, *DEPT_ROLES):
                bad("dept", _("您不负责“%(name)s”的条款，不能导入") % {"name": dept.name})
        if text.get("declare_type") and text["declare_type"] not in types:
            bad("declare_type", declare_type_unknown(text["declare_type"], types))
        theme = themes.get(text.get("theme", ""))
        if text.get("theme") and theme is None:
            bad("theme", _("主题“%(name)s”不在政策词汇中（可用：%(all)s）") % {"name": text["theme"], "all": "、".join(themes)})
        row_tags = []
        for tname in (x for x in re.split(r"\s*[、,，;；]\s*", text.get("tags", "")) if x):
            tag = tags.get(tname)
            if tag is None:
                bad("tags", _("标签“%(name)s”不在政策词汇中") % {"name": tname})
            elif theme is not None and tag.theme_id != theme.pk:
                bad("tags", _("标签“%(name)s”不属于主题“%(theme)s”") % {"name": tname, "theme": theme.name})
            else:
                row_tags.append(tag)
        flag = text.get("no_application", "")
        if flag not in YES_WORDS | NO_WORDS:
            bad("no_application", _("请填“是”或“否”"))
        try:
            rules_parse(text.get("rules", ""), text.get("amount_rule", ""))
        except RulesError as e:
            for p in e.problems:
                key = "amount_rule" if p.part == "amount" else "rules"
                bad(key, str(p) if key == "rules" else p.message)
        if flag in YES_WORDS and not text.get("rules"):
            bad("rules", _("免申即享的条款必须写条件规则"))
        dates = {k: _date_cell(raw.get(k), row_errors, sheet, r, headers[k])
                 for k in ("valid_from", "valid_to", "start_date", "end_date")}
        for key, limit in (("code", 30), ("title", 200), ("declare_type", 30), ("beneficiary", 300),
                           ("amount_rule", 300), ("contact_person", 30), ("contact_phone", 30), ("policy_title", 200),
                           ("doc_number", 60), ("issuer", 100)):
            if len(text.get(key, "")) > limit:
                bad(key, _("最多 %(n)s 字") % {"n": limit})
        # a 政策文件 is written once (get_or_create below): a 文号 or 发文单位 that differs from the registered
        # document, or from the row that first names a new one, would be dropped, so it is refused
        if region is not None and text.get("policy_title"):
            key = (text["policy_title"], region.pk)
            if key not in documents:
                p = Policy.objects.filter(title=text["policy_title"], region=region).first()
                documents[key] = (({"doc_number": p.doc_number, "issuer": p.issuer}, _("已登记的该文件"), True) if p
                                  else ({k: text.get(k, "") for k in ("doc_number", "issuer")},
                                        _("本表第%(row)s行") % {"row": r}, False))
            known, named_in, registered = documents[key]
            for k in ("doc_number", "issuer"):
                stated = text.get(k, "")
                if stated != known[k] and (stated or not registered):
                    bad(k, _("与%(where)s的“%(known)s”不同：同一政策文件只有一个%(label)s（已登记的文件请在政策文件页面修改）")
                        % {"where": named_in, "known": known[k] or "—", "label": headers[k]})
        errors += row_errors
        rows.append((r, text, region, dept, theme, row_tags, flag in YES_WORDS, dates))
    if not rows and not errors:
        errors.append(CellError(sheet, None, None, _("表里没有条款。")))
    if errors:
        raise ImportFailed(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        for r, text, region, dept, theme, row_tags, flag, dates in rows:
            policy, _new = Policy.objects.get_or_create(
                title=text["policy_title"], region=region,
                defaults={"doc_number": text.get("doc_number", ""), "issuer": text["issuer"],
                          "region_path": region.path, "valid_from": dates["valid_from"],
                          "valid_to": dates["valid_to"], "created_at": clock.now()})
            if _new:  # the document is written as dictionary.policy_create writes it, with its journal row
                journal_record(actor=by, verb="policy.policy_create", obj=policy, scope_path=policy.region_path,
                               reason=_("Excel 导入"), changes={
                                   "title": policy.title, "doc_number": policy.doc_number, "issuer": policy.issuer,
                                   "region": region.name,
                                   "valid_from": policy.valid_from.isoformat() if policy.valid_from else None,
                                   "valid_to": policy.valid_to.isoformat() if policy.valid_to else None})
            data = ClauseInput(
                title=text["title"], theme=theme, tags=row_tags, declare_type=text["declare_type"],
                beneficiary=text["beneficiary"], condition_text=text["condition_text"], rules=text.get("rules", ""),
                amount_rule=text.get("amount_rule", ""), procedure=text.get("procedure", ""), dept=dept,
                contact_person=text.get("contact_person", ""), contact_phone=text.get("contact_phone", ""),
                start_date=dates["start_date"], end_date=dates["end_date"], no_application=flag)
            existing = Clause.objects.filter(code=text["code"]).first()
            try:
                if existing is None:
                    clause_create(by=by, policy=policy, code=text["code"], data=data)
                    created += 1
                else:
                    if existing.policy_id != policy.pk:
                        raise ServiceError(_("条款编号已属于另一份文件“%(p)s”") % {"p": existing.policy.title}, field="code")
                    before = existing.version
                    after = clause_update(by=by, clause=existing, data=data, reason=_("Excel 导入")).version
                    updated += after != before
                    unchanged += after == before
            except ServiceError as e:
                transaction.set_rollback(True)
                raise ImportFailed([CellError(sheet, r, headers.get(e.field or "", None), e.message)]) from None
    return {"created": created, "updated": updated, "unchanged": unchanged}


# ---- enterprises ------------------------------------------------------------------------------------

def _set_attributes(enterprise: Enterprise, values: dict, *, source: str, as_of: dt.date, by) -> dict:
    """Write parsed values (None: remove) on the enterprise and its attribute rows; returns {key: [old, new]}."""
    changes = {}
    profile = dict(enterprise.profile)
    now = clock.now()
    for key, value in values.items():
        attr = ATTRIBUTES[key]
        stored = value_dump(attr, value) if value is not None else None
        if profile.get(key) == stored:
            EnterpriseAttribute.objects.filter(enterprise=enterprise, key=key).update(source=source, as_of=as_of)
            continue
        changes[key] = [profile.get(key), stored]
        if stored is None:
            profile.pop(key, None)
            EnterpriseAttribute.objects.filter(enterprise=enterprise, key=key).delete()
        else:
            profile[key] = stored
            EnterpriseAttribute.objects.update_or_create(
                enterprise=enterprise, key=key,
                defaults={"value": stored, "source": source, "as_of": as_of, "updated_at": now,
                          "updated_by": by if getattr(by, "pk", None) else None})
    if changes:
        enterprise.profile = profile
        enterprise.profile_version += 1
        enterprise.updated_at = now
        enterprise.save(update_fields=["profile", "profile_version", "updated_at"])
    return changes


def enterprise_profile_update(*, by, enterprise: Enterprise, values: dict[str, str], as_of: dt.date | None = None,
                              reason: str = "") -> Enterprise:
    """The enterprise (its own people) or the department updates attributes: `values` {attribute: text as
    typed; "" removes it}. Each attribute keeps its source (企业填报 / 部门核实) and date."""
    own = member_enterprise_id(by) == enterprise.pk
    require(own or can_manage_area(by, enterprise.unit_path), _("只能更新本企业（或本单位负责区域内企业）的画像。"))
    reason = clean_text(reason, _("说明"), "reason", limit=200, required=False)
    parsed = {}
    for key, text in values.items():
        attr = ATTRIBUTES.get(key)
        if attr is None:
            raise ServiceError(_("不认识的属性“%(key)s”。") % {"key": key}, field=key)
        if text is None or str(text).strip() == "":
            parsed[key] = None
            continue
        try:
            parsed[key] = attribute_parse(attr, text)
        except ValueError as e:
            raise ServiceError(f"{key}：{e}", field=key) from None
    source = AttributeSource.ENTERPRISE if own else AttributeSource.DEPARTMENT
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        changes = _set_attributes(enterprise, parsed, source=source, as_of=as_of or clock.today(), by=by)
        if changes:
            journal_record(actor=by, verb="policy.profile_update", obj=enterprise, changes={**changes, "source": source},
                           reason=reason, scope_path=enterprise.unit_path)
    return enterprise


ENTERPRISE_COLUMNS = [("credit_code", "统一社会信用代码", True), ("name", "企业名称", True), ("unit", "所在区域", True),
                      ("as_of", "数据日期", False)] + [(k, k, False) for k in ATTRIBUTES]


@dataclass
class CheckedEnterprise:
    """One checked row of an enterprise-profile sheet: the credit code, name, unit, data date and parsed values."""
    code: str
    name: str
    unit: Unit
    as_of: dt.date
    values: dict


ENTERPRISE_UPDATED = ("profile", "profile_version", "name", "unit", "unit_path", "updated_at")


@dataclass
class PreparedEnterprises:
    """What enterprise_write_many writes, built outside the transaction (ADR 0028): the new enterprises' rows, the
    changed enterprises (with the profile_version they were read at), the attribute rows to replace, and the
    journal rows. Rows of new enterprises carry their credit code where the key will go."""
    new_codes: list[str]
    enterprise_columns: list[str]
    enterprise_rows: list[list]
    changed: list[Enterprise]
    update_rows: list[list]  # per changed enterprise: ENTERPRISE_UPDATED's values as the database takes them, then id
    read_versions: dict[int, int]
    replaced: dict[tuple[str, ...], list[int]]  # {attribute keys: enterprise ids} whose rows are replaced
    attribute_columns: list[str]
    attribute_rows: list[list]
    journal_columns: list[str]
    journal_rows: list[list]


def enterprises_check(*, by, data: bytes, name: str = "", region: Unit | None = None) -> list[CheckedEnterprise]:
    """Every row of an enterprise-profile sheet checked, with no transaction open: located CellErrors (sheet, row,
    column, in Chinese) for bad cells, unknown or ambiguous units, units outside the user's area, duplicate codes,
    or more rows than LUOSHI_IMPORT_MAX_ROWS. Reads the units only."""
    wb = open_workbook(data, name=name, read_only=True)
    ws = wb.worksheets[0]
    sheet = ws.title
    rows_iter = ws.iter_rows(values_only=True)
    header = [cell_text(v) for v in next(rows_iter, ())]
    known = {h: k for k, h, _r in ENTERPRISE_COLUMNS}
    errors: list[CellError] = []
    where = {}
    for i, h in enumerate(header):
        if not h:
            continue
        if h not in known:
            errors.append(CellError(sheet, 1, h, _("不认识的列“%(h)s”（可用：统一社会信用代码、企业名称、所在区域、数据日期及画像属性 %(attrs)s）")
                                    % {"h": h, "attrs": "、".join(ATTRIBUTES)}))
        else:
            where[known[h]] = i
    for k, h, required in ENTERPRISE_COLUMNS:
        if required and k not in where:
            errors.append(CellError(sheet, 1, h, _("缺少必填列“%(h)s”") % {"h": h}))
    if errors:
        raise ImportFailed(errors)
    units: dict[str, Unit | list | None] = {}
    checked: list[CheckedEnterprise] = []
    seen: dict[str, int] = {}
    today = clock.today()
    limit = settings.LUOSHI_IMPORT_MAX_ROWS
    rows = 0
    for r, cells in enumerate(rows_iter, start=2):
        raw = {k: (cells[i] if i < len(cells) else None) for k, i in where.items()}
        if all(cell_text(v) == "" for v in raw.values()):
            continue
        rows += 1
        if rows > limit:  # refused whole below; no need to read the rest of a huge sheet
            break
        code = cell_text(raw["credit_code"]).upper()
        if not CREDIT_CODE.match(code):
            errors.append(CellError(sheet, r, "统一社会信用代码", _("“%(v)s”不是18位统一社会信用代码") % {"v": code}))
        elif code in seen:
            errors.append(CellError(sheet, r, "统一社会信用代码", _("与第%(row)s行重复") % {"row": seen[code]}))
        seen[code] = r
        ename = cell_text(raw["name"])
        if not ename or len(ename) > 100:
            errors.append(CellError(sheet, r, "企业名称", _("必填，最多 100 字")))
        uname = cell_text(raw["unit"])
        if uname not in units:
            units[uname] = _unit_by_name(uname, under=region.path if region else None) if uname else None
        unit = units[uname]
        if not isinstance(unit, Unit):
            errors.append(CellError(sheet, r, "所在区域", _("找不到单位“%(name)s”") % {"name": uname} if not unit
                                    else _("有多个单位叫“%(name)s”，请写全称") % {"name": uname}))
            unit = None
        elif by is not None and not can_manage_area(by, unit.path):
            errors.append(CellError(sheet, r, "所在区域", _("您不负责“%(name)s”的企业，不能导入") % {"name": unit.name}))
        as_of = _date_cell(raw.get("as_of"), errors, sheet, r, "数据日期") or today
        values = {}
        for key in ATTRIBUTES:
            if key not in where or cell_text(raw.get(key)) == "":
                continue
            try:
                values[key] = attribute_parse(ATTRIBUTES[key], raw[key])
            except ValueError as e:
                errors.append(CellError(sheet, r, key, str(e)))
        if unit is not None:
            checked.append(CheckedEnterprise(code, ename, unit, as_of, values))
        if len(errors) > 200:
            break
    import_size_check(rows, sheet=sheet)
    if not rows and not errors:
        errors.append(CellError(sheet, None, None, _("表里没有企业。")))
    if errors:
        raise ImportFailed(errors)
    return checked


def enterprises_prepare(*, by, checked: list[CheckedEnterprise]) -> PreparedEnterprises:
    """The rows enterprise_write_many writes for `checked`, built with no transaction open: one read of the
    enterprises already there (by credit code, 500 at a time), then the new enterprises, the changed ones, their
    attribute rows and journal rows — the same rows and journal the import always wrote. A row that changes
    nothing is skipped."""
    existing: dict[str, Enterprise] = {}
    codes = [c.code for c in checked]
    for i in range(0, len(codes), 500):
        for e in Enterprise.objects.filter(credit_code__in=codes[i:i + 500]).only(
                "id", "credit_code", "unit_path", "profile", "profile_version", "name", "unit_id"):
            existing[e.credit_code] = e
    now = clock.now()
    actor = by if getattr(by, "pk", None) else None
    fresh, changed, attrs, entries = [], [], [], []
    replaced: dict[tuple[str, ...], list[int]] = {}
    read_versions: dict[int, int] = {}
    owners: list[str | int] = []  # per attribute / journal row: the new enterprise's credit code, or the id
    entry_owners: list[str | int] = []
    for c in checked:
        dumped = {k: value_dump(ATTRIBUTES[k], v) for k, v in c.values.items()}
        e = existing.get(c.code)
        if e is None:
            fresh.append(Enterprise(credit_code=c.code, name=c.name, unit=c.unit, unit_path=c.unit.path, profile=dumped,
                                    profile_version=1, created_at=now, updated_at=now))
            owner: str | int = c.code
            changes = {k: [None, v] for k, v in dumped.items()}
        else:
            changes = {k: [e.profile.get(k), v] for k, v in dumped.items() if e.profile.get(k) != v}
            if not changes and e.name == c.name and e.unit_id == c.unit.pk:
                continue
            owner = e.pk
            read_versions[e.pk] = e.profile_version
            e.profile = {**e.profile, **dumped}
            e.profile_version += 1
            e.name, e.unit, e.unit_path, e.updated_at = c.name, c.unit, c.unit.path, now
            changed.append(e)
            if dumped:
                replaced.setdefault(tuple(sorted(dumped)), []).append(e.pk)
        for k, v in dumped.items():
            attrs.append(EnterpriseAttribute(enterprise_id=0, key=k, value=v, source=AttributeSource.IMPORT,
                                             as_of=c.as_of, updated_at=now, updated_by=actor))
            owners.append(owner)
        entries.append(journal_entry(actor=by, verb="policy.enterprise_import", obj=Enterprise(pk=0, name=c.name),
                                     changes={**changes, "source": "import"}, scope_path=c.unit.path, at=now))
        entry_owners.append(owner)
    attribute_columns, attribute_rows = object_rows(EnterpriseAttribute, attrs)
    journal_columns, journal_rows = object_rows(JournalEntry, entries)
    at = attribute_columns.index("enterprise_id")
    for row, owner in zip(attribute_rows, owners):
        row[at] = owner
    at = journal_columns.index("object_id")
    for row, owner in zip(journal_rows, entry_owners):
        row[at] = owner
    fields = [Enterprise._meta.get_field(f) for f in ENTERPRISE_UPDATED]
    update_rows = [[f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] + [e.pk] for e in changed]
    return PreparedEnterprises([e.credit_code for e in fresh], *object_rows(Enterprise, fresh), changed, update_rows,
                               read_versions, replaced, attribute_columns, attribute_rows, journal_columns, journal_rows)


def enterprise_write_many(*, prepared: PreparedEnterprises) -> dict:
    """Write prepared enterprise profiles set-based inside the caller's transaction (ADR 0028): the new enterprises
    in one INSERT (COPY on PostgreSQL), their keys read back 500 at a time, the changed ones checked against the
    profile_version they were read at and updated by one prepared UPDATE run for each (executemany), their
    replaced attribute rows deleted per set of keys, then all attribute rows and journal rows in one INSERT each — a number of statements that grows with
    the rows only by one per 500–1,000. An enterprise created or changed by someone else since the rows were
    prepared refuses the whole import (ImportFailed); the caller's transaction takes everything back."""
    p = prepared
    if p.read_versions:
        ids = list(p.read_versions)
        moved = []
        for i in range(0, len(ids), 500):
            moved += [name for pk, v, name in Enterprise.objects.select_for_update().filter(pk__in=ids[i:i + 500])
                      .values_list("pk", "profile_version", "name") if v != p.read_versions[pk]]
        if moved:
            raise ImportFailed([CellError("", None, None, _("导入期间有 %(n)s 家企业的画像被他人修改（如“%(name)s”），请重新导入。")
                                          % {"n": len(moved), "name": moved[0]})])
    try:
        with transaction.atomic():  # a savepoint, so that a clash can be reported and the caller's transaction lives on
            insert_rows(Enterprise, p.enterprise_columns, p.enterprise_rows)
    except IntegrityError:  # core.bulk.insert_rows wraps COPY's errors as Django's
        raise ImportFailed([CellError("", None, None, _("导入期间有人新增了表中的企业，请重新导入。"))]) from None
    new_ids = pks_by(Enterprise, "credit_code", p.new_codes)
    if p.update_rows:  # one prepared UPDATE run for every row (bulk_update's CASE over 1,000 ids took 100 s for 10,000)
        qn = connection.ops.quote_name
        sets = ", ".join(f"{qn(Enterprise._meta.get_field(f).column)} = %s" for f in ENTERPRISE_UPDATED)
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {qn(Enterprise._meta.db_table)} SET {sets} WHERE id = %s", p.update_rows)
    for keys, eids in p.replaced.items():
        for i in range(0, len(eids), 500):
            EnterpriseAttribute.objects.filter(enterprise_id__in=eids[i:i + 500], key__in=keys).delete()
    at = p.attribute_columns.index("enterprise_id")
    for row in p.attribute_rows:
        if isinstance(row[at], str):
            row[at] = new_ids[row[at]]
    insert_rows(EnterpriseAttribute, p.attribute_columns, p.attribute_rows)
    at = p.journal_columns.index("object_id")
    for row in p.journal_rows:
        row[at] = str(new_ids[row[at]] if isinstance(row[at], str) else row[at])
    insert_rows(JournalEntry, p.journal_columns, p.journal_rows)
    return {"created": len(p.new_codes), "updated": len(p.changed)}


def enterprises_import(*, by, data: bytes, name: str = "", region: Unit | None = None) -> dict:
    """Enterprise profiles from Excel: 统一社会信用代码, 企业名称, 所在区域 (a district or street), 数据日期 and one
    column per attribute (empty cells leave the attribute as it is). All or nothing, errors located. Checked and
    prepared with no transaction open, then one short set-based write (ADR 0028)."""
    checked = enterprises_check(by=by, data=data, name=name, region=region)
    prepared = enterprises_prepare(by=by, checked=checked)
    with transaction.atomic():
        written = enterprise_write_many(prepared=prepared)
    return {**written, "rows": len(checked)}


def enterprise_member_add(*, by, enterprise: Enterprise, person) -> EnterpriseMember:
    require(by is None or can_manage_area(by, enterprise.unit_path), _("只能为本单位负责区域内的企业添加企业用户。"))
    with transaction.atomic():
        link, _created = EnterpriseMember.objects.update_or_create(person=person, defaults={"enterprise": enterprise})
        journal_record(actor=by, verb="policy.member_add", obj=enterprise, changes={"person": person.username},
                       scope_path=enterprise.unit_path)
    return link


# ---- 免申即享 batches ------------------------------------------------------------------------------

def _require_batch_manager(by, batch: PayoutBatch) -> None:
    require(by is None or scope_for(by).covers(batch.dept_path, *DEPT_ROLES), _("只有条款的责任单位可以办理此兑现批次。"))


def batch_compute(*, by, clause: Clause, period: str, note: str = "") -> PayoutBatch:
    """Compute the 免申即享 list of a clause for a period (a draft for the department to check and confirm):
    every enterprise of the clause's region that qualifies (included) or needs a document checked (listed,
    excluded until the department includes it). Enterprises already paid for this clause and period are left
    out."""
    require(can_manage_clause(by, clause), _("只有条款的责任单位可以计算兑现名单。"))
    if not clause.no_application:
        raise ServiceError(_("条款“%(code)s”不是免申即享条款。") % {"code": clause.code})
    period = clean_text(period, _("兑现期间"), "period", limit=20)
    if rules_of(clause) is None:
        raise ServiceError(_("条款的条件规则有误，请先修改条款。"), field="rules")
    paid = set(Payout.objects.filter(clause=clause, period=period, confirmed=True).values_list("enterprise_id", flat=True))
    candidates = (Enterprise.objects.filter(unit_path__within=[clause.policy.region_path])
                  .exclude(pk__in=paid).only("id", "name", "profile", "profile_version"))
    matches = match_clause(clause, candidates.iterator(chunk_size=2000), keep=(QUALIFIES, NEEDS_REVIEW))
    with transaction.atomic():
        version = ClauseVersion.objects.get(clause=clause, number=clause.version)
        batch = PayoutBatch.objects.create(clause=clause, clause_version=version, period=period,
                                           dept_path=clause.dept_path, note=clean_text(note, _("说明"), "note", limit=300, required=False),
                                           created_at=clock.now(), created_by=by if getattr(by, "pk", None) else None)
        lines = []
        for e, m in matches:
            amount = m.amount.value
            lines.append(Payout(batch=batch, clause=clause, period=period, enterprise=e,
                                amount=amount if amount is not None else Decimal(0), verdict=m.verdict,
                                explanation=m.explanation(), amount_why=m.amount.why[:300],
                                profile_version=e.profile_version, profile_snapshot=e.profile,
                                excluded=m.verdict != QUALIFIES or not amount))
        Payout.objects.bulk_create(lines, batch_size=1000)
        journal_record(actor=by, verb="policy.batch_compute", obj=batch, scope_path=batch.dept_path,
                       changes={"clause": clause.code, "version": clause.version, "period": period,
                                "lines": len(lines), "included": sum(1 for x in lines if not x.excluded),
                                "already_paid": len(paid)})
    return batch


def batch_line_set(*, by, line: Payout, excluded: bool, reason: str = "") -> Payout:
    """Include or exclude one line of a draft batch (e.g. after checking the document a condition needs)."""
    with transaction.atomic():
        line = Payout.objects.select_for_update().select_related("batch").get(pk=line.pk)
        _require_batch_manager(by, line.batch)
        if line.batch.state != BatchState.DRAFT:
            raise ServiceError(_("批次已确认或作废，不能再修改名单。"))
        if not excluded and line.amount <= 0:
            raise ServiceError(_("该企业的兑现金额为 0（%(why)s），不能纳入兑付。") % {"why": line.amount_why})
        if line.excluded == excluded:
            return line
        line.excluded = excluded
        line.save(update_fields=["excluded"])
        journal_record(actor=by, verb="policy.batch_line", obj=line.batch, reason=reason, scope_path=line.batch.dept_path,
                       changes={"enterprise": line.enterprise_id, "excluded": [not excluded, excluded]})
    return line


def batch_confirm(*, by, batch: PayoutBatch, paid_on: dt.date | None = None) -> PayoutBatch:
    """The department confirms the list: every included line becomes a payout (amount, date, batch), the
    enterprises are told, the batch keeps its total and count. Refused as a whole when any enterprise was
    paid for this clause and period meanwhile (no double payout; two confirmations racing are stopped by
    the clause lock and, failing that, by the database's partial unique index)."""
    _require_batch_manager(by, batch)
    paid_on = paid_on or clock.today()
    try:
        with transaction.atomic():
            Clause.objects.select_for_update().filter(pk=batch.clause_id).first()
            batch = PayoutBatch.objects.select_for_update().select_related("clause").get(pk=batch.pk)
            if batch.state != BatchState.DRAFT:
                raise ServiceError(_("批次当前为“%(state)s”，不能确认。") % {"state": batch.get_state_display()})
            lines = list(batch.lines.filter(excluded=False).select_related("enterprise"))
            if not lines:
                raise ServiceError(_("名单里没有纳入兑付的企业。"))
            twice = list(Payout.objects.filter(clause=batch.clause, period=batch.period, confirmed=True,
                                               enterprise__in=[x.enterprise_id for x in lines])
                         .values_list("enterprise__name", flat=True)[:10])
            if twice:
                raise ServiceError(_("以下企业已在本期兑付过此条款，不能重复兑付：%(names)s。请作废本批次后重新计算。")
                                   % {"names": "、".join(twice)})
            Payout.objects.filter(pk__in=[x.pk for x in lines]).update(confirmed=True, paid_on=paid_on)
            batch.total = sum((x.amount for x in lines), Decimal(0))
            batch.count = len(lines)
            batch.state = BatchState.CONFIRMED
            batch.paid_on, batch.confirmed_at = paid_on, clock.now()
            batch.confirmed_by = by if getattr(by, "pk", None) else None
            batch.save()
            journal_record_many(journal_entry(actor=by, verb="policy.payout", obj=x.enterprise, scope_path=batch.dept_path,
                                              changes={"clause": batch.clause.code, "period": batch.period,
                                                       "amount": str(x.amount), "batch": batch.pk,
                                                       "clause_version": batch.clause_version_id,
                                                       "profile_version": x.profile_version})
                                for x in lines)
            journal_record(actor=by, verb="policy.batch_confirm", obj=batch, scope_path=batch.dept_path,
                           changes={"total": str(batch.total), "count": batch.count, "paid_on": paid_on.isoformat()})
            _tell_enterprises(batch, lines)
    except IntegrityError:
        raise ServiceError(_("有企业已在本期兑付过此条款（另一次确认刚刚完成），本批次未确认。请作废后重新计算。")) from None
    return batch


def _tell_enterprises(batch: PayoutBatch, lines: list[Payout]) -> None:
    members: dict[int, list[int]] = {}
    for enterprise_id, person_id in EnterpriseMember.objects.filter(
            enterprise_id__in=[x.enterprise_id for x in lines]).values_list("enterprise_id", "person_id"):
        members.setdefault(enterprise_id, []).append(person_id)
    for x in lines:
        people = members.get(x.enterprise_id)
        if not people:
            continue
        def title(clause=batch.clause.title, amount=f"{x.amount:,.2f}") -> str:
            return _("免申即享：%(clause)s 已兑付 %(amount)s 元") % {"clause": clause, "amount": amount}

        url = reverse("policies_enterprise", args=[x.enterprise_id])
        transaction.on_commit(lambda people=people, title=title, url=url, key=f"policy-payout-{x.pk}": notify_people(
            people, kind="policy_payout", title=title, body=title, url=url, dedup_key=key))


def batch_cancel(*, by, batch: PayoutBatch, reason: str = "") -> PayoutBatch:
    _require_batch_manager(by, batch)
    reason = clean_text(reason, _("作废原因"), "reason", limit=200)
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != BatchState.DRAFT:
            raise ServiceError(_("只有待确认的批次可以作废。"))
        batch.state = BatchState.CANCELLED
        batch.save(update_fields=["state"])
        journal_record(actor=by, verb="policy.batch_cancel", obj=batch, reason=reason, scope_path=batch.dept_path)
    return batch


def batch_recount(*, check: bool = False) -> list[str]:
    """Every confirmed batch's total and count against its paid lines; fixes them unless `check`.
    Returns the batches that differed."""
    from django.db.models import Count, Sum

    wrong = []
    figures = {b: (t or Decimal(0), n) for b, t, n in Payout.objects.filter(confirmed=True).values("batch")
               .annotate(t=Sum("amount"), n=Count("id")).values_list("batch", "t", "n")}
    for batch in PayoutBatch.objects.filter(state=BatchState.CONFIRMED):
        total, count = figures.get(batch.pk, (Decimal(0), 0))
        if batch.total != total or batch.count != count:
            wrong.append(f"#{batch.pk} {batch.total}/{batch.count} ≠ {total}/{count}")
            if not check:
                PayoutBatch.objects.filter(pk=batch.pk).update(total=total, count=count)
    return wrong
