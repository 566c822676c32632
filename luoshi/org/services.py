"""Writes to the organisation: units, people, grants, 包联. Each one journals."""
from __future__ import annotations

import re

from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _, override


from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.validation import clean_text, too_long
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_record
from luoshi.core.language import language_codes, language_name, language_valid
from luoshi.core.permissions import require, require_admin

from .models import Pairing, Person, Role, RoleGrant, Unit, UnitKind
from .paths import path_copies_move
from .scopes import scope_for, scope_forget

USERNAME_RE = re.compile(r"^[\w.@+-]+$")

# Sheets are written in Chinese whatever the interface language: match the Chinese labels (the msgids).
with override(None):
    KIND_LABELS = [str(label) for label in UnitKind.labels]
KIND_BY_LABEL = {label: value for value, label in zip(UnitKind.values, KIND_LABELS)}
KIND_BY_LABEL.update({value: value for value, _ in UnitKind.choices})
KIND_BY_LABEL.update({"区": "district", "县级市": "district", "区（市）": "district", "镇": "street", "街道": "street",
                      "镇街道": "street", "社区": "community", "村": "community", "国有企业": "soe", "第三方": "third_party",
                      "市直部门": "department", "区直部门": "department"})


def unit_set_path(unit: Unit) -> None:
    """Store a saved unit's path and depth from its parent's (unit_create does this; so does the admin's add form)."""
    parent_path = unit.parent.path if unit.parent is not None else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = parent_path.count("/") - 1
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)


def unit_create(*, by, name: str, kind: str, parent: Unit | None = None, short_name: str = "", code: str | None = None,
                sort_order: int = 0, journal: bool = True) -> Unit:
    if by is not None:
        require_admin(scope_for(by))
    name = name.strip()
    if not name:
        raise ServiceError(_("单位名称不能为空。"), field="name")
    for field, value in (("name", name), ("short_name", short_name.strip()), ("code", code)):
        if problem := too_long(Unit, field, value):
            raise ServiceError(problem, field=field)
    if kind not in UnitKind.values:
        raise ServiceError(_("未知的单位类型“%(kind)s”。") % {"kind": kind}, field="kind")
    if Unit.objects.filter(parent=parent, name=name).exists():
        raise ServiceError(_("“%(parent)s”下已有名为“%(name)s”的单位。") % {"parent": parent or _("顶级"), "name": name},
                           field="name")
    with transaction.atomic():
        unit = Unit.objects.create(name=name, kind=kind, parent=parent, short_name=short_name.strip(), code=code or None,
                                   sort_order=sort_order)
        unit_set_path(unit)
        if journal:
            journal_record(actor=by, verb="unit.create", obj=unit, changes={"name": name, "kind": kind,
                           "parent": parent.pk if parent else None}, scope_path=unit.path)
    return unit


# ---- who manages people: an administrator, or the office (督查室/办公室) within its own subtrees -------------

def require_people_manager(scope, unit: Unit | None) -> None:
    """Office staff manage people and roles in units inside their office subtrees; only an administrator
    manages people without a unit. Raises PermissionDeniedError."""
    if scope.is_admin:
        return
    require(unit is not None and scope.covers(unit.path, Role.OFFICE),
            _("只能管理本单位督查室/办公室管辖范围内的人员和角色。"))


def person_manageable(scope, person: Person) -> bool:
    """An administrator manages everyone; the office manages a person whose unit and every role grant lie
    inside its subtrees (so it can never take over an account that reaches beyond them)."""
    if scope.is_admin:
        return True
    if person.is_superuser or person.unit is None or not scope.covers(person.unit.path, Role.OFFICE):
        return False
    return all(role != Role.ADMIN and scope.covers(path, Role.OFFICE)
               for role, path in person.grants.values_list("role", "unit__path"))


def require_person_manageable(scope, person: Person) -> None:
    require(person_manageable(scope, person), _("该人员的单位或角色超出您的管理范围，请联系上级督查室或系统管理员。"))


def language_checked(language: str) -> str:
    """A person's language as stored: "" (the site's language) or one of settings.LANGUAGES; otherwise a
    ServiceError naming the field and the choices."""
    language = (language or "").strip()
    if not language_valid(language):
        raise ServiceError(_("未知的语言“%(language)s”，可选：%(choices)s。") % {
            "language": language, "choices": "、".join(f"{code}（{language_name(code)}）" for code in language_codes())},
            field="language")
    return language


def person_create(*, by, username: str, full_name: str, password: str | None = None, unit: Unit | None = None,
                  title: str = "", email: str = "", phone: str = "", language: str = "") -> Person:
    if by is not None:
        require_people_manager(scope_for(by), unit)
    language = language_checked(language)
    username = username.strip()
    if not username:
        raise ServiceError(_("账号不能为空。"), field="username")
    if len(username) > 150 or not USERNAME_RE.match(username):
        raise ServiceError(_("账号“%(username)s”只能包含文字、字母、数字和 @ . + - _。") % {"username": username},
                           field="username")
    if Person.objects.filter(username=username).exists():
        raise ServiceError(_("用户名“%(username)s”已存在。") % {"username": username}, field="username")
    with transaction.atomic():
        person = Person(username=username, full_name=full_name, unit=unit, title=title, email=email, phone=phone,
                        language=language)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save()
        journal_record(actor=by, verb="person.create", obj=person,
                       changes={"username": username, "full_name": full_name, "unit": unit.pk if unit else None,
                                **({"language": language} if language else {})},
                       scope_path=unit.path if unit else "")
    return person


def grant_role(*, by, person: Person, role: str, unit: Unit) -> RoleGrant:
    if by is not None:
        scope = scope_for(by)
        if role == Role.ADMIN:
            require_admin(scope)
        require_people_manager(scope, unit)
        require_person_manageable(scope, person)
    if role not in Role.values:
        raise ServiceError(_("未知的角色“%(role)s”。") % {"role": role}, field="role")
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(person=person, role=role, unit=unit,
                                                         defaults={"granted_at": clock.now()})
        if created:
            journal_record(actor=by, verb="role.grant", obj=grant, changes={"person": person.pk, "role": role,
                           "unit": unit.pk}, scope_path=unit.path)
    scope_forget(person)
    return grant


def pairing_create(*, by, target_unit: Unit, helper_person: Person | None = None, helper_unit: Unit | None = None,
                   note: str = "") -> Pairing:
    """包联: a leader (or a unit) helps a unit along. The office over the helped unit (or an administrator) sets it."""
    if by is not None:
        require_people_manager(scope_for(by), target_unit)
    if not helper_person and not helper_unit:
        raise ServiceError(_("请指定包联领导或包联单位。"), field="helper")
    if helper_person and helper_unit:
        raise ServiceError(_("一条包联关系只写一位领导或一个单位。"), field="helper")
    if helper_unit and helper_unit.pk == target_unit.pk:
        raise ServiceError(_("单位不能包联自己。"), field="helper")
    note = (note or "").strip()
    if len(note) > 200:
        raise ServiceError(_("说明最多 200 字。"), field="note")
    if Pairing.objects.filter(target_unit=target_unit, helper_person=helper_person, helper_unit=helper_unit).exists():
        raise ServiceError(_("“%(h)s”已包联“%(u)s”。") % {"h": (helper_person.display_name if helper_person
                                                            else helper_unit.name if helper_unit else ""),
                                                      "u": target_unit.name}, field="helper")
    with transaction.atomic():
        pairing = Pairing.objects.create(helper_person=helper_person, helper_unit=helper_unit, target_unit=target_unit, note=note)
        journal_record(actor=by, verb="pairing.create", obj=pairing, changes={"helper_person": helper_person,
                       "helper_unit": helper_unit, "target_unit": target_unit}, scope_path=target_unit.path)
    return pairing


def pairing_end(*, by, pairing: Pairing, reason: str = "") -> None:
    """End a 包联 (the journal keeps who helped whom, and why it ended)."""
    if by is not None:
        require_people_manager(scope_for(by), pairing.target_unit)
    reason = clean_text(reason, _("解除原因"), "reason", limit=200, required=False)
    with transaction.atomic():
        journal_record(actor=by, verb="pairing.end", obj=pairing, reason=reason, scope_path=pairing.target_unit.path,
                       changes={"helper_person": pairing.helper_person, "helper_unit": pairing.helper_unit,
                                "target_unit": pairing.target_unit})
        pairing.delete()


# ---- bulk loading: Excel sheet and YAML preset share one validated plan ---------------------------

UNIT_COLUMNS = {"name": ("单位名称", "名称"), "parent": ("上级单位", "上级"), "kind": ("单位类型", "类型"),
                "short_name": ("简称",), "code": ("编码", "单位编码", "代码")}


def units_import_xlsx(*, by, data: bytes, dry_run: bool = False) -> dict:
    """Import units from a sheet with columns 单位名称, 上级单位, 单位类型 (简称, 编码 optional).

    Rows may come in any order; parents may be earlier rows or existing units. All or nothing.
    """
    if by is not None:
        require_admin(scope_for(by))
    wb = open_workbook(data)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    errors: list[CellError] = []
    header_idx, columns = None, {}
    for i, row in enumerate(rows[:10]):
        texts = [cell_text(v) for v in row]
        found = {key: texts.index(name) for key, names in UNIT_COLUMNS.items() for name in names if name in texts}
        if "name" in found:
            header_idx, columns = i, found
            break
    if header_idx is None:
        raise ImportFailed([CellError(ws.title, None, None, _("没有找到表头：需要“单位名称”“上级单位”“单位类型”列。"))])
    for key, label in (("parent", "上级单位"), ("kind", "单位类型")):
        if key not in columns:
            errors.append(CellError(ws.title, header_idx + 1, None, _("缺少“%(column)s”列。") % {"column": label}))
    if errors:
        raise ImportFailed(errors)
    specs = []
    for i, row in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        get = lambda key: cell_text(row[columns[key]]) if key in columns and columns[key] < len(row) else ""  # noqa: E731
        if not any(cell_text(v) for v in row):
            continue
        specs.append({"row": i, "name": get("name"), "parent": get("parent"), "kind": get("kind"),
                      "short_name": get("short_name"), "code": get("code")})
    if not specs:
        raise ImportFailed([CellError(ws.title, None, None, _("表中没有单位数据。"))])
    labels = {key: names[0] for key, names in UNIT_COLUMNS.items()}
    lengths = [CellError(ws.title, int(str(spec["row"])), labels.get(key, key), problem) for spec in specs
               for key in ("name", "short_name", "code") if (problem := too_long(Unit, key, str(spec[key] or "")))]
    if lengths:
        raise ImportFailed(lengths)
    return _load_unit_specs(by=by, specs=specs, sheet=ws.title, dry_run=dry_run)


def _split_path(text: str) -> list[str]:
    """“崂山区/区委办公室” → ["崂山区", "区委办公室"]: a parent named with its own parent, for names that
    repeat (every district has a 区委办公室)."""
    return [p.strip() for p in re.split(r"[/／>＞]", text) if p.strip()]


class _UnitPlan:
    """Existing units and the sheet's new rows as one tree, so a parent may be either."""

    def __init__(self, specs: list[dict]):
        self.specs = specs
        self.units = {u.pk: u for u in Unit.objects.only("id", "name", "short_name", "parent_id")}
        self.by_name: dict[str, list[tuple[str, int]]] = {}
        for u in self.units.values():
            for name in {u.name, u.short_name} - {""}:
                self.by_name.setdefault(name, []).append(("u", u.pk))
        for i, spec in enumerate(specs):
            for name in {spec["name"], spec["short_name"]} - {""}:
                self.by_name.setdefault(name, []).append(("r", i))
        self.parent: dict[int, tuple[str, int] | None] = {}  # row index → resolved parent node
        self._resolving: set[int] = set()

    def names(self, node) -> set[str]:
        kind, key = node
        item = self.units[key] if kind == "u" else self.specs[key]
        if kind == "u":
            return {item.name, item.short_name} - {""}
        return {item["name"], item["short_name"]} - {""}

    def parent_of(self, node):
        kind, key = node
        if kind == "u":
            pid = self.units[key].parent_id
            return ("u", pid) if pid else None
        if key not in self.parent and key not in self._resolving:
            self._resolving.add(key)
            found = self.candidates(_split_path(self.specs[key]["parent"]), exclude=key)
            self.parent[key] = found[0] if len(found) == 1 else None
            self._resolving.discard(key)
        return self.parent.get(key)

    def matches(self, node, segments: list[str]) -> bool:
        if segments[-1] not in self.names(node):
            return False
        if len(segments) == 1:
            return True
        parent = self.parent_of(node)
        return parent is not None and self.matches(parent, segments[:-1])

    def candidates(self, segments: list[str], exclude: int | None = None) -> list:
        if not segments:
            return []
        return [n for n in self.by_name.get(segments[-1], []) if n != ("r", exclude) and self.matches(n, segments)]


def _load_unit_specs(*, by, specs: list[dict], sheet: str, dry_run: bool) -> dict:
    errors: list[CellError] = []
    codes = set(Unit.objects.exclude(code=None).values_list("code", flat=True))
    for spec in specs:
        row = spec["row"]
        if not spec["name"]:
            errors.append(CellError(sheet, row, "单位名称", _("单位名称为空。")))
        kind = KIND_BY_LABEL.get(spec["kind"])
        if not kind:
            errors.append(CellError(sheet, row, "单位类型", _("未知的单位类型“%(kind)s”，可用：%(kinds)s。")
                                    % {"kind": spec["kind"], "kinds": "、".join(KIND_LABELS)}))
        spec["kind_value"] = kind
        if spec["code"]:
            if spec["code"] in codes:
                errors.append(CellError(sheet, row, "编码", _("编码“%(code)s”已被使用。") % {"code": spec["code"]}))
            codes.add(spec["code"])
    plan = _UnitPlan(specs)
    parent_ok = [True] * len(specs)
    for i, spec in enumerate(specs):
        segments = _split_path(spec["parent"])
        if not spec["name"]:
            parent_ok[i] = False
            plan.parent[i] = None
            continue
        if not segments:
            plan.parent[i] = None
            continue
        found = plan.candidates(segments, exclude=i)
        if len(found) == 1:
            plan.parent[i] = found[0]
            continue
        parent_ok[i] = False
        plan.parent[i] = None
        if not found and segments == [spec["name"]]:
            message = _("上级单位不能是自己。")
        elif not found:
            message = _("找不到上级单位“%(parent)s”。") % {"parent": spec["parent"]}
        else:
            paths = sorted({_node_path(plan, n) for n in found})
            message = _("上级单位“%(parent)s”有%(count)s个同名单位（%(paths)s），请用“上级/名称”写明，如“%(example)s”。") % {
                "parent": spec["parent"], "count": len(found), "paths": "；".join(paths), "example": paths[0]}
        errors.append(CellError(sheet, spec["row"], "上级单位", message))
    # cycles among the new rows
    for i, spec in enumerate(specs):
        seen: set[int] = set()
        node: tuple[str, int] | None = ("r", i)
        while node is not None and node[0] == "r":
            if node[1] in seen:
                errors.append(CellError(sheet, spec["row"], "上级单位", _("上级关系形成了循环。")))
                parent_ok[i] = False
                break
            seen.add(node[1])
            node = plan.parent.get(node[1])
    # the same name twice under one parent: in the sheet, or already stored
    first_row: dict[tuple, int] = {}
    children = {(u.parent_id, u.name) for u in plan.units.values()}
    for i, spec in enumerate(specs):
        if not parent_ok[i]:
            continue
        key = (plan.parent[i], spec["name"])
        if key in first_row:
            errors.append(CellError(sheet, spec["row"], "单位名称", _("与第%(row)s行重复。") % {"row": first_row[key]}))
        first_row.setdefault(key, spec["row"])
        parent = plan.parent[i]
        if (parent is None or parent[0] == "u") and (parent[1] if parent else None, spec["name"]) in children:
            errors.append(CellError(sheet, spec["row"], "单位名称", _("“%(parent)s”下已有“%(name)s”。")
                                    % {"parent": spec["parent"] or _("顶级"), "name": spec["name"]}))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0)))
    if dry_run:
        return {"created": 0, "would_create": len(specs)}
    created: dict[int, Unit] = {}
    with transaction.atomic():
        pending = list(range(len(specs)))
        while pending:  # parents before children; cycles were refused above
            waiting = []
            for i in pending:
                parent = plan.parent[i]
                if parent is not None and parent[0] == "r" and parent[1] not in created:
                    waiting.append(i)
                    continue
                parent_unit = None if parent is None else (created[parent[1]] if parent[0] == "r"
                                                           else plan.units[parent[1]])
                spec = specs[i]
                created[i] = unit_create(by=None, name=spec["name"], kind=spec["kind_value"], parent=parent_unit,
                                         short_name=spec["short_name"], code=spec["code"] or None, journal=False)
            pending = waiting
        root = created[0]
        journal_record(actor=by, verb="unit.import", obj=root, scope_path=root.path,
                       changes={"created": [u.name for u in created.values()]})
    return {"created": len(created)}


def _node_path(plan: _UnitPlan, node) -> str:
    names: list[str] = []
    while node is not None and len(names) < 3:
        kind, key = node
        names.append(plan.units[key].name if kind == "u" else plan.specs[key]["name"])
        node = plan.parent_of(node)
    return "/".join(reversed(names[:2]))


def units_load_tree(*, by, tree: list[dict]) -> dict:
    """Load a nested YAML unit tree (presets/units/*.yaml). Existing units with the same name under the
    same parent are kept, so loading a preset twice changes nothing."""
    created = 0
    with transaction.atomic():
        def walk(nodes: list[dict], parent: Unit | None):
            nonlocal created
            for order, node in enumerate(nodes):
                unit = Unit.objects.filter(parent=parent, name=node["name"]).first()
                if unit is None:
                    unit = unit_create(by=None, name=node["name"], kind=node["kind"], parent=parent,
                                       short_name=node.get("short_name", ""), code=node.get("code"), sort_order=order,
                                       journal=False)
                    created += 1
                walk(node.get("children") or [], unit)
        walk(tree, None)
        if created:
            root = Unit.objects.filter(parent=None).first()
            assert root is not None  # the tree just created it
            journal_record(actor=by, verb="unit.preset_load", obj=root, changes={"created": created})
    return {"created": created}


def unit_move(*, by, unit: Unit, new_parent: Unit | None) -> Unit:
    """Move a unit (and its subtree) under another parent, keeping every copied path in step
    (the unit paths other apps copy register in luoshi.org.paths)."""
    if by is not None:
        require_admin(scope_for(by))
    if new_parent and new_parent.path.startswith(unit.path):
        raise ServiceError(_("不能把单位移到它自己的下级单位之下。"), field="parent")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    if new_path == old_path:
        return unit
    with transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        depth_delta = new_path.count("/") - old_path.count("/")
        Unit.objects.filter(path__within=[old_path]).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1), output_field=CharField()),
            depth=F("depth") + depth_delta)
        path_copies_move(old_path, new_path)
        unit.refresh_from_db()
        journal_record(actor=by, verb="unit.move", obj=unit, changes={"path": [old_path, new_path]},
                       scope_path=unit.path)
    return unit


def leaders_create(*, by, names: list[str], unit: Unit) -> list[Person]:
    """责任领导 named in a task sheet who have no account: people without login (no usable password until
    someone sets one), each granted 责任领导 over `unit` (the program's owner unit, inside the importer's
    scope) so the next import finds them. Usernames are the names (“王五”, then “王五-2” …)."""
    if by is not None:
        require_people_manager(scope_for(by), unit)
    created = []
    with transaction.atomic():
        for name in names:
            username, n = name, 1
            while Person.objects.filter(username=username).exists():
                n += 1
                username = f"{name}-{n}"
            person = person_create(by=None, username=username, full_name=name, unit=unit, title="责任领导")
            grant_role(by=None, person=person, role=Role.LEADER, unit=unit)
            journal_record(actor=by, verb="person.create_leader", obj=person, scope_path=unit.path,
                           changes={"username": username, "full_name": name, "unit": unit.pk, "role": Role.LEADER,
                                    "login": False})
            created.append(person)
    return created


def person_update(*, by, person: Person, full_name: str, title: str = "", phone: str = "", email: str = "",
                  unit: Unit | None = None, is_active: bool | None = None, language: str | None = None) -> Person:
    """Edit a person's name, title, phone, e-mail, unit, active flag or language (None: unchanged); the office
    only within its scope (the person now, and the unit they move to)."""
    if by is not None:
        scope = scope_for(by)
        require_person_manageable(scope, person)
        require_people_manager(scope, unit)
        if is_active is False and person.pk == by.pk:
            raise ServiceError(_("不能停用自己的账号。"), field="is_active")
    full_name = full_name.strip()
    if not full_name:
        raise ServiceError(_("姓名不能为空。"), field="full_name")
    new = {"full_name": full_name, "title": title.strip(), "phone": phone.strip(), "email": email.strip(),
           "unit_id": unit.pk if unit else None}
    if is_active is not None:
        new["is_active"] = is_active
    if language is not None:
        new["language"] = language_checked(language)
    changes = {k: [getattr(person, k), v] for k, v in new.items() if getattr(person, k) != v}
    if not changes:
        return person
    with transaction.atomic():
        for k, v in new.items():
            setattr(person, k, v)
        person.save(update_fields=list(changes))
        journal_record(actor=by, verb="person.update", obj=person, changes=changes,
                       scope_path=unit.path if unit else "")
    scope_forget(person)
    return person


def person_set_language(*, by, person: Person, language: str) -> Person:
    """Set the language written for `person` (messages, digests, e-mails) and applied when they sign in; "" is the
    site's language. The person themself (their account page), or whoever manages them (the office within its
    scope, an administrator). Journaled as `person.language`."""
    if by is not None and by.pk != person.pk:
        require_person_manageable(scope_for(by), person)
    language = language_checked(language)
    if person.language == language:
        return person
    with transaction.atomic():
        before = person.language
        person.language = language
        person.save(update_fields=["language"])
        journal_record(actor=by, verb="person.language", obj=person, changes={"language": [before, language]},
                       scope_path=person.unit.path if person.unit is not None else "")
    return person


def grant_revoke(*, by, grant: RoleGrant, reason: str = "") -> None:
    """Take a role away. The office only over units in its scope, never its own office role (so nobody
    locks themselves out) and never an administrator's role."""
    if by is not None:
        scope = scope_for(by)
        if grant.role == Role.ADMIN:
            require_admin(scope)
        require_people_manager(scope, grant.unit)
        if grant.person_id == by.pk and grant.role in (Role.OFFICE, Role.ADMIN):
            raise ServiceError(_("不能撤销自己的督查室/办公室或管理员角色，请由其他人操作。"))
    with transaction.atomic():
        journal_record(actor=by, verb="role.revoke", obj=grant.person, reason=reason, scope_path=grant.unit.path,
                       changes={"person": grant.person_id, "role": grant.role, "unit": grant.unit_id})
        grant.delete()
    scope_forget(grant.person)


def person_set_password(*, by, person: Person) -> str:
    """Give a person a new random password and return it, to be shown once and handed over; it is not
    stored in clear nor journaled. The person can then sign in (and change it)."""
    import secrets

    if by is not None:
        require_person_manageable(scope_for(by), person)
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    password = "".join(secrets.choice(alphabet) for _ in range(12))
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        journal_record(actor=by, verb="person.password_reset", obj=person,
                       scope_path=person.unit.path if person.unit is not None else "", changes={"username": person.username})
    return password
