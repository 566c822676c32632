"""Turning the unit and leader names people write in sheets into records.

Offices write "区发展和改革局", "崂山区发展和改革局", "区发改局", or a group such as
"各街道、区直各部门". Names are looked up inside the program's region first.
"""
from __future__ import annotations

import re
from collections import defaultdict

from django.utils.translation import gettext as _

from .models import Person, Role, Unit, UnitKind

SEPARATORS = re.compile(r"[、，,；;/／\n\r\t ]+")
PATH_SEPARATOR = re.compile(r"[>＞]")   # "崂山区>区财政局": a unit named with the units above it (not a list separator)
NOTE_SUFFIX = re.compile(r"[（(][^）)]*[）)]$")

# Group phrases → (unit kind, whether to look at the whole region subtree or only direct children)
GROUPS = {
    "各街道": UnitKind.STREET, "各镇街": UnitKind.STREET, "各镇街道": UnitKind.STREET, "各街镇": UnitKind.STREET,
    "各镇（街道）": UnitKind.STREET, "各镇(街道)": UnitKind.STREET, "各镇": UnitKind.STREET,
    "各区市": UnitKind.DISTRICT, "各区（市）": UnitKind.DISTRICT, "各区(市)": UnitKind.DISTRICT, "各区": UnitKind.DISTRICT,
    "各部门": UnitKind.DEPARTMENT, "区直各部门": UnitKind.DEPARTMENT, "市直各部门": UnitKind.DEPARTMENT,
    "各功能区": UnitKind.ZONE, "各国企": UnitKind.SOE, "区属各国企": UnitKind.SOE, "市属各国企": UnitKind.SOE,
    "各社区": UnitKind.COMMUNITY, "各村（社区）": UnitKind.COMMUNITY,
}
VAGUE = {"有关部门", "各有关部门", "相关部门", "相关单位", "有关单位", "各有关单位"}


def region_of(unit: Unit) -> Unit:
    """The district (or city) a unit belongs to: where its names are looked up first."""
    ids = unit.ancestor_ids()
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    for uid in reversed(ids):
        u = by_id.get(uid)
        if u and u.kind in (UnitKind.DISTRICT, UnitKind.CITY):
            return u
    return unit


def unit_named(text: str, region: Unit | None = None) -> Unit | None:
    """The one unit a preset or a command names: a path ("崂山区/区委办公室"), or a name looked up inside
    `region` (full names, short names, 区/市 prefixes as in a sheet), or anywhere (the highest such unit)."""
    if "/" in text:
        unit = None
        for part in text.split("/"):
            unit = Unit.objects.filter(parent=unit, name=part).first() if unit else \
                Unit.objects.filter(name=part).order_by("depth").first()
            if unit is None:
                return None
        return unit
    if region is None:
        return Unit.objects.filter(name=text).order_by("depth").first()
    units, errors = UnitResolver(region).resolve(text)
    return units[0] if len(units) == 1 and not errors else None


class UnitResolver:
    def __init__(self, region: Unit):
        self.region = region
        self.units = list(Unit.objects.filter(is_active=True).only("id", "name", "short_name", "kind", "path", "parent_id"))
        self.by_id = {u.pk: u for u in self.units}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        for u in self.units:
            self.by_name[u.name].append(u)
            if u.short_name and u.short_name != u.name:
                self.by_name[u.short_name].append(u)

    def _in_region(self, units: list[Unit]) -> list[Unit]:
        inside = [u for u in units if u.path.startswith(self.region.path)]
        direct = [u for u in inside if u.parent_id == self.region.pk]
        return direct if len(direct) == 1 else inside  # "市财政局" in a city program means the city's own

    def _ancestors(self, unit: Unit) -> list[str]:
        names, parent = [], self.by_id.get(unit.parent_id) if unit.parent_id else None
        while parent is not None:
            names.append(parent.name)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return names[::-1]

    def _lookup_path(self, text: str) -> list[Unit]:
        """"崂山区>区财政局" (what the unit picker writes for a name that repeats): the units of the last name whose
        units above include the earlier names, in order."""
        *above, name = [p.strip() for p in PATH_SEPARATOR.split(text) if p.strip()]
        out = []
        for u in self.by_name.get(name, []):
            chain, i = self._ancestors(u), 0
            for a in chain:
                if i < len(above) and a == above[i]:
                    i += 1
            if i == len(above):
                out.append(u)
        return out

    def _lookup(self, name: str) -> list[Unit]:
        if PATH_SEPARATOR.search(name):
            return self._lookup_path(name)
        candidates = [name]
        for prefix in filter(None, {self.region.name, self.region.short_name}):
            if name.startswith(prefix) and len(name) > len(prefix):
                rest = name[len(prefix):]
                candidates += [rest, ("区" if self.region.name.endswith("区") else "市") + rest]
        for cand in candidates:
            found = self.by_name.get(cand, [])
            inside = self._in_region(found)
            if inside:
                return inside
            if found:
                return found
        return []

    def group(self, phrase: str) -> list[Unit]:
        kind = GROUPS[phrase]
        if kind == UnitKind.DISTRICT:
            root = self.region if self.region.kind == UnitKind.CITY else None
            if root is None:
                return []
            return [u for u in self.units if u.parent_id == root.pk and u.kind == kind]
        if kind in (UnitKind.STREET, UnitKind.COMMUNITY):
            return [u for u in self.units if u.path.startswith(self.region.path) and u.kind == kind and u.pk != self.region.pk]
        return [u for u in self.units if u.parent_id == self.region.pk and u.kind == kind]

    def resolve(self, text: str) -> tuple[list[Unit], list[str]]:
        """(units in order without duplicates, error messages)."""
        units: list[Unit] = []
        errors: list[str] = []
        for part in SEPARATORS.split(text or ""):
            part = part.strip()
            if not part:
                continue
            if part in GROUPS:
                members = self.group(part)
                if not members:
                    errors.append(_("“%(name)s”在%(region)s下没有对应的单位") % {"name": part, "region": self.region.name})
                units.extend(members)
                continue
            if part in VAGUE:
                errors.append(_("“%(name)s”不明确，请写出具体单位名称") % {"name": part})
                continue
            found = self._lookup(part)
            if not found and NOTE_SUFFIX.search(part):
                found = self._lookup(NOTE_SUFFIX.sub("", part))
            if not found:
                errors.append(_("找不到单位“%(name)s”") % {"name": part})
            elif len(found) > 1:
                parents = "、".join(sorted({self.by_id[u.parent_id].name for u in found if u.parent_id in self.by_id})[:3])
                errors.append(_("单位“%(name)s”有%(count)s个同名单位（分属%(parents)s），请写全称")
                              % {"name": part, "count": len(found), "parents": parents})
            else:
                units.append(found[0])
        seen, ordered = set(), []
        for u in units:
            if u.pk not in seen:
                seen.add(u.pk)
                ordered.append(u)
        return ordered, errors


class LeaderResolver:
    """责任领导 names → people holding a leader, office or admin role.

    With `create_missing`, a name nobody has is not an error: it is collected in `missing` (in the order
    met) and stands in the result as the name itself, for the caller to create as a person and swap in."""

    def __init__(self, create_missing: bool = False):
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        for p in Person.objects.filter(is_active=True, grants__role__in=[Role.LEADER, Role.ADMIN, Role.OFFICE]).distinct():
            self.by_name[p.full_name].append(p)
        self.create_missing = create_missing
        self.missing: list[str] = []

    def resolve(self, text: str) -> tuple[list, list[str]]:
        people, errors = [], []
        for part in SEPARATORS.split(text or ""):
            part = part.strip()
            if not part:
                continue
            found = self.by_name.get(part, [])
            if not found and self.create_missing and len(part) <= 50:
                if part not in self.missing:
                    self.missing.append(part)
                if part not in people:
                    people.append(part)
            elif not found:
                errors.append(_("找不到责任领导“%(name)s”：可在导入时选择为其创建人员（无登录账号）——网页上勾选"
                                "“为以下责任领导创建人员（无登录账号）”，命令行加 --create-leaders；"
                                "或先在“人员”中建立该领导并授予“责任领导”角色") % {"name": part})
            elif len(found) > 1:
                errors.append(_("责任领导“%(name)s”有%(count)s位同名人员，请联系管理员区分") % {"name": part, "count": len(found)})
            elif found[0] not in people:
                people.append(found[0])
        return people, errors
