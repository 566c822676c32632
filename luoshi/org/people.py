"""People from a sheet: 姓名, 单位, 职务, 角色, 账号, 手机 (`luoshi people import`, /people/import/).

- A row is one account (账号): a new 账号 creates a person, a known one updates the name, unit, title and
  phone. Roles are added (a role a person already holds is kept; an import never takes one away).
- 角色: one or several, separated by “、”; each held over the person's 单位, or over the unit written in
  brackets: “督查室/办公室（崂山区）”. Role names as shown in the system (督查室/办公室, 责任领导, 单位联络员,
  评估员, 受理派单员, 系统管理员) or short forms (督查室, 办公室, 领导, 联络员, 派单员, 管理员).
- 单位: a unit's name or short name; a name that repeats is written with its parent: “崂山区/区委办公室”.
- 语言 (optional column): the language written for the person (messages, digests, e-mails) and used when they
  sign in: 中文 / 简体中文 / zh-hans, 英文 / English / en; blank keeps what an existing account has (a new one
  gets the site's language).
- New accounts get no usable password: they cannot sign in until someone sets one (the person's page, or
  `luoshi people password 账号`). Existing accounts keep theirs.
- The whole sheet is checked first; any problem refuses all of it, each located by sheet, row and column.
- The office (督查室/办公室) imports only people and roles inside its own subtrees; only an administrator
  grants 系统管理员. Every write goes through org.services (permission, journal)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _, override

from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_record
from luoshi.core.language import language_codes
from luoshi.core.permissions import require

from . import services
from .models import Person, Role, RoleGrant, Unit
from .scopes import scope_for

COLUMNS = {"full_name": ("姓名",), "unit": ("单位", "所在单位", "单位名称"), "title": ("职务",),
           "roles": ("角色",), "username": ("账号", "用户名", "登录账号"), "phone": ("手机", "手机号", "电话", "联系电话"),
           "language": ("语言", "Language")}
LABEL = {"full_name": "姓名", "unit": "单位", "title": "职务", "roles": "角色", "username": "账号", "phone": "手机",
         "language": "语言"}
# what a sheet may write in the 语言 column (case-insensitive), besides the codes of settings.LANGUAGES
LANGUAGE_BY_NAME = {"中文": "zh-hans", "简体中文": "zh-hans", "汉语": "zh-hans", "zh": "zh-hans", "zh-cn": "zh-hans",
                    "英文": "en", "英语": "en", "english": "en"}

with override(None):
    ROLE_LABELS = [str(label) for label in Role.labels]
ROLE_BY_NAME = dict(zip(ROLE_LABELS, Role.values))
ROLE_BY_NAME.update({value: value for value in Role.values})
ROLE_BY_NAME.update({"督查室": Role.OFFICE, "办公室": Role.OFFICE, "督查室（办公室）": Role.OFFICE, "领导": Role.LEADER,
                     "联络员": Role.LIAISON, "派单员": Role.DISPATCHER, "管理员": Role.ADMIN})
ROLE_SEPARATORS = re.compile(r"[、，,；;\n]+")
SCOPED = re.compile(r"^(.+?)[（(](.+)[）)]$")
PHONE = re.compile(r"^[0-9+\- ]{5,30}$")


@dataclass
class PersonRow:
    row: int
    username: str
    full_name: str
    unit_text: str
    title: str
    phone: str
    roles_text: str
    language_text: str = ""
    language: str | None = None  # None: not given (an existing account keeps its own)
    unit: Unit | None = None
    grants: list[tuple[str, Unit]] = field(default_factory=list)
    person: Person | None = None


def _read(data: bytes) -> tuple[str, list[PersonRow]]:
    wb = open_workbook(data)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header_idx, columns = None, {}
    for i, row in enumerate(rows[:10]):
        texts = [cell_text(v) for v in row]
        found = {key: texts.index(name) for key, names in COLUMNS.items() for name in names if name in texts}
        if "full_name" in found and "username" in found:
            header_idx, columns = i, found
            break
    if header_idx is None:
        raise ImportFailed([CellError(ws.title, None, None, _("没有找到表头：需要“姓名”“单位”“职务”“角色”“账号”“手机”列。"))])
    missing = [LABEL[k] for k in ("unit", "roles") if k not in columns]
    if missing:
        raise ImportFailed([CellError(ws.title, header_idx + 1, None, _("缺少“%(column)s”列。") % {"column": c})
                            for c in missing])
    out = []
    for i, row in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        if not any(cell_text(v) for v in row):
            continue
        cells = {key: cell_text(row[col]) if col < len(row) else "" for key, col in columns.items()}
        out.append(PersonRow(row=i, username=cells["username"], full_name=cells["full_name"], unit_text=cells["unit"],
                             title=cells.get("title", ""), phone=cells.get("phone", ""), roles_text=cells["roles"],
                             language_text=cells.get("language", "")))
    if not out:
        raise ImportFailed([CellError(ws.title, None, None, _("表中没有人员数据。"))])
    return ws.title, out


class UnitNameFinder:
    """Units by name, short name or “上级/名称”, among the active units. The whole tree is read once, on the
    first name that is not found directly (a sheet); a single unique name costs one query (a form)."""

    def __init__(self):
        self._plan = None
        self.units: dict[int, Unit] = {}

    @property
    def plan(self):
        if self._plan is None:
            self._plan = services._UnitPlan([])
            self.units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
        return self._plan

    def find(self, text: str) -> tuple[Unit | None, str]:
        segments = services._split_path(text)
        if len(segments) == 1 and self._plan is None:
            name = segments[0]
            direct = list(Unit.objects.filter(Q(name=name) | Q(short_name=name), is_active=True)[:2])
            if len(direct) == 1:
                return direct[0], ""
        found = [n for n in self.plan.candidates(segments) if n[1] in self.units] if segments else []
        if len(found) == 1:
            return self.units[found[0][1]], ""
        if not found:
            return None, _("找不到单位“%(name)s”") % {"name": text}
        paths = sorted({services._node_path(self.plan, n) for n in found})
        return None, _("单位“%(name)s”有%(count)s个同名单位（%(paths)s），请用“上级/名称”写明，如“%(example)s”") % {
            "name": text, "count": len(found), "paths": "；".join(paths), "example": paths[0]}


def _check(by, sheet: str, rows: list[PersonRow]) -> list[CellError]:
    errors: list[CellError] = []
    scope = scope_for(by) if by is not None else None
    units = UnitNameFinder()
    existing = {p.username: p for p in Person.objects.filter(username__in=[r.username for r in rows])
                .select_related("unit")}
    first_row: dict[str, int] = {}

    def err(r: PersonRow, key: str, message: str):
        errors.append(CellError(sheet, r.row, LABEL[key], message))

    def within(r: PersonRow, key: str, unit: Unit) -> bool:
        if scope is None or scope.is_admin or scope.covers(unit.path, Role.OFFICE):
            return True
        err(r, key, _("“%(unit)s”不在您的管理范围内。") % {"unit": unit.name})
        return False

    for r in rows:
        if not r.username:
            err(r, "username", _("账号为空。"))
        elif not services.USERNAME_RE.match(r.username) or len(r.username) > 150:
            err(r, "username", _("账号只能包含文字、字母、数字和 @ . + - _。"))
        elif r.username in first_row:
            err(r, "username", _("与第%(row)s行的账号重复。") % {"row": first_row[r.username]})
        first_row.setdefault(r.username, r.row)
        if not r.full_name:
            err(r, "full_name", _("姓名为空。"))
        for key, text, limit in (("full_name", r.full_name, 50), ("title", r.title, 100), ("phone", r.phone, 30)):
            if len(text) > limit:
                err(r, key, _("内容超过%(limit)s字。") % {"limit": limit})
        if r.phone and not PHONE.match(r.phone):
            err(r, "phone", _("“%(phone)s”不是电话号码。") % {"phone": r.phone})
        if r.language_text:
            code = LANGUAGE_BY_NAME.get(r.language_text.lower(), r.language_text.lower())
            if code in language_codes():
                r.language = code
            else:
                err(r, "language", _("未知的语言“%(language)s”，可填：中文、英文（或 %(codes)s），空白表示不变。") % {
                    "language": r.language_text, "codes": "、".join(language_codes())})
        if not r.unit_text:
            err(r, "unit", _("单位为空。"))
        else:
            r.unit, problem = units.find(r.unit_text)
            if r.unit is None:
                err(r, "unit", problem + "。")
            elif not within(r, "unit", r.unit):
                r.unit = None
        for part in ROLE_SEPARATORS.split(r.roles_text):
            part = part.strip()
            if not part:
                continue
            m = SCOPED.match(part)
            name, over = (m.group(1).strip(), m.group(2).strip()) if m else (part, "")
            role = ROLE_BY_NAME.get(name)
            if role is None:
                err(r, "roles", _("未知的角色“%(role)s”，可用：%(roles)s。") % {"role": name, "roles": "、".join(ROLE_LABELS)})
                continue
            if role == Role.ADMIN and scope is not None and not scope.is_admin:
                err(r, "roles", _("只有系统管理员可以授予“系统管理员”角色。"))
                continue
            unit = r.unit
            if over:
                unit, problem = units.find(over)
                if unit is None:
                    err(r, "roles", problem + "。")
                    continue
                if not within(r, "roles", unit):
                    continue
            if unit is not None and (role, unit) not in r.grants:
                r.grants.append((role, unit))
        r.person = existing.get(r.username)
        if r.person is not None and scope is not None and not services.person_manageable(scope, r.person):
            err(r, "username", _("账号“%(username)s”已存在，其单位或角色超出您的管理范围。") % {"username": r.username})
    return errors


def people_import_xlsx(*, by, data: bytes, dry_run: bool = False) -> dict:
    """Create or update the people of a sheet and add their roles; all or nothing. Returns {"created":
    [usernames], "updated": [usernames], "unchanged": n, "grants": n new role grants}; on a dry run the
    same counts of what would happen, and nothing is written."""
    if by is not None:
        scope = scope_for(by)
        require(scope.is_admin or scope.has_role(Role.OFFICE), _("只有督查室/办公室或系统管理员可以导入人员。"))
    sheet, rows = _read(data)
    errors = _check(by, sheet, rows)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))
    known = [r.person.pk for r in rows if r.person is not None]
    held = set(RoleGrant.objects.filter(person__in=known).values_list("person_id", "role", "unit_id"))
    created: list[str] = []
    updated: list[str] = []
    unchanged = grants = 0
    with transaction.atomic():
        for r in rows:
            row_unit = _checked_unit(r)
            person = r.person
            if person is None:
                created.append(r.username)
                if not dry_run:
                    person = services.person_create(by=by, username=r.username, full_name=r.full_name, unit=r.unit,
                                                    title=r.title, phone=r.phone, language=r.language or "")
            else:
                fields = {"full_name": r.full_name, "title": r.title, "phone": r.phone, "unit_id": row_unit.pk,
                          "language": person.language if r.language is None else r.language}
                if any(getattr(person, k) != v for k, v in fields.items()):
                    updated.append(r.username)
                    if not dry_run:
                        services.person_update(by=by, person=person, full_name=r.full_name, title=r.title,
                                               phone=r.phone, email=person.email, unit=r.unit, language=r.language)
                else:
                    unchanged += 1
            for role, unit in r.grants:
                if r.person is not None and (r.person.pk, role, unit.pk) in held:
                    continue
                grants += 1
                if not dry_run:
                    if person is None:
                        raise RuntimeError(f"people import: row {r.row} was not created before its roles")
                    services.grant_role(by=by, person=person, role=role, unit=unit)
        if not dry_run and (created or updated or grants):
            first = Person.objects.get(username=rows[0].username)
            journal_record(actor=by, verb="person.import", obj=first, scope_path=_checked_unit(rows[0]).path,
                           changes={"created": created, "updated": updated, "grants": grants})
    return {"created": created, "updated": updated, "unchanged": unchanged, "grants": grants}


def _checked_unit(r: PersonRow) -> Unit:
    """The unit of a row that `_check` accepted (it refuses every row without one)."""
    if r.unit is None:
        raise RuntimeError(f"people import: row {r.row} has no unit after checking")
    return r.unit


def people_with_role_over(role: str, unit_path: str) -> set[int]:
    """Ids of the people holding `role` on the unit at `unit_path` or on one of its ancestors (a role covers the
    subtree): who is told when work for that role arrives at that unit (core.inbox.announce_on_commit)."""
    from .scopes import ancestor_paths

    return set(RoleGrant.objects.filter(role=role, unit__path__in=ancestor_paths(unit_path))
               .values_list("person_id", flat=True))
