"""Hot topics (热点诉求) and their promotion into 实事 tasks ("人民出题—顶层破题").

A period's hot topics, over the requests **received** (受理) in it that the viewer may read
(selectors.visible_requests), 不予受理 and 重复诉求 included (a duplicate still says how many people ask):

- by category: the count in the period and in the period before (same length; the month before for a
  month) — one grouped query with two conditional counts;
- by keyword: Request.keywords holds the jieba keywords of each request (space-separated, computed at
  受理); a word counts once per request, noise words (text.is_noise: keyword_noise.yaml) are dropped. The top N words come with
  the count of the period before and up to three recent example requests. One query reads the period's
  (id, keywords); the counts are cached per viewer scope and period, keyed by the period's request count
  and newest id (a new request in the period changes the key, so the cache is never stale).

Promotion: `topic_promote` (office over the 实事 program's owner unit) creates the task through
luoshi.tasks.services.task_create and a TopicPromotion row recording the topic (category, keywords,
period) and how many requests it stood for, in one transaction, journaled.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter

from urllib.parse import urlencode

from django.db import transaction
from django.db.models import CharField, Count, Max, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.locks import shared_once
from luoshi.core.permissions import require
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from .metrics import Period
from .models import Request, ServiceCategory, TopicPromotion
from .selectors import visible_requests
from .text import is_noise

EXAMPLES = 3
CACHE_SECONDS = 6 * 3600
KEYWORD_SPLIT = re.compile(r"[\s,，、;；]+")


def _in_period(qs, period: Period):
    start, end = period.bounds()
    return qs.filter(received_at__gte=start, received_at__lt=end)


def _change(n: int, prev: int) -> float | None:
    return None if not prev else round(100 * (n - prev) / prev, 1)


def compared_periods(period: Period, today: dt.date | None = None) -> tuple[Period, Period]:
    """(what is counted, what it is compared with): like with like. A month still running (1–4 December) is
    compared with the same days of the month before (1–4 November), not with all of it (−82.6% that only meant
    "the month is not over"); a finished period with the period just before it."""
    today = today or clock.today()
    if period.start <= today < period.end:
        current = Period(period.start, today)
        before = period.previous()
        return current, Period(before.start, min(before.end, before.start + (today - period.start)))
    return period, period.previous()


def hot_categories(user, period: Period) -> list[dict]:
    """Categories by requests received in the period, with the compared period's count and the change (%)
    (compared_periods: a running month against the same days of the month before)."""
    period, prev = compared_periods(period)
    start, _e = period.bounds()
    qs = (visible_requests(user).filter(received_at__gte=prev.bounds()[0], received_at__lt=period.bounds()[1])
          .order_by().values("category_id")
          .annotate(n=Count("id", filter=Q(received_at__gte=start)), prev=Count("id", filter=Q(received_at__lt=start))))
    counts = {r["category_id"]: r for r in qs if r["n"]}
    names = dict((pk, (name, group)) for pk, name, group in
                 ServiceCategory.objects.filter(pk__in=list(counts)).values_list("id", "name", "group"))
    rows = [{"category_id": pk, "name": names[pk][0], "group": names[pk][1], "count": r["n"], "prev": r["prev"],
             "change": _change(r["n"], r["prev"])} for pk, r in counts.items() if pk in names]
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows


def _scope_key(user) -> str:
    scope = scope_for(user)
    raw = "admin" if scope.is_admin else repr(sorted((k, v) for k, v in scope.paths.items()))
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def keyword_counts(user, period: Period) -> Counter:
    """How many of the period's requests (visible to the user) carry each keyword; cached (see above)."""
    base = _in_period(visible_requests(user), period)
    rev = base.order_by().aggregate(n=Count("id"), last=Max("id"))
    key = f"intake:hotkw:{_scope_key(user)}:{period.key}:{rev['n']}:{rev['last']}"

    def count() -> Counter:
        counts: Counter = Counter()
        for kw in base.order_by().values_list("keywords", flat=True).iterator(chunk_size=10000):
            if kw:
                counts.update(set(kw.split()))
        for w in [w for w in counts if is_noise(w)]:
            del counts[w]
        return counts

    # single flight across servers: a new request changes the key, and the office's screens asking at that moment
    # (on either app server) wait for one count instead of each walking the period's keywords
    counts = shared_once(key, count, timeout=CACHE_SECONDS)
    return counts


def hot_keywords(user, period: Period, n: int = 30) -> list[dict]:
    """The top n keywords of the period with the previous period's count, the change (%) and up to three
    recent example requests each."""
    counts = keyword_counts(user, period)
    top = counts.most_common(n)
    if not top:
        return []
    current, before = compared_periods(period)
    if current != period:  # the month is still running: both sides over the same days
        counts = keyword_counts(user, current)
    prev = keyword_counts(user, before)
    examples = _examples(user, period, [w for w, _c in top])
    return [{"word": w, "count": c, "prev": prev.get(w, 0), "change": _change(counts.get(w, 0), prev.get(w, 0)),
             "examples": examples.get(w, [])} for w, c in top]


def _examples(user, period: Period, words: list[str]) -> dict[str, list[dict]]:
    """Up to EXAMPLES most recent requests per word: the recent rows are scanned newest first until every
    word has its examples (usually a few thousand rows), then one query reads their titles."""
    wanted = set(words)
    found: dict[str, list[int]] = {w: [] for w in words}
    # newest first along the received_at index, so the scan stops early (no sort of the whole month)
    qs = _in_period(visible_requests(user), period).order_by("-received_at").values_list("id", "keywords")
    left = len(wanted)
    for pk, kw in qs.iterator(chunk_size=2000):
        for w in set((kw or "").split()) & wanted:
            lst = found[w]
            if len(lst) < EXAMPLES:
                lst.append(pk)
                if len(lst) == EXAMPLES:
                    left -= 1
        if not left:
            break
    ids = {pk for lst in found.values() for pk in lst}
    rows = {r.pk: r for r in Request.objects.filter(pk__in=ids).only("id", "title", "received_at", "category_id")}
    return {w: [{"id": pk, "title": rows[pk].title, "number": rows[pk].number} for pk in lst if pk in rows]
            for w, lst in found.items()}


def parse_keywords(text: str) -> list[str]:
    words = [w for w in KEYWORD_SPLIT.split(text or "") if w]
    out = []
    for w in words:
        if w not in out:
            out.append(w)
    return out


def topic_requests(user, period: Period, *, category: ServiceCategory | None, keywords: list[str]):
    """The period's requests (visible to the user) of the topic: of the category (if any) and carrying every
    keyword (whole words of Request.keywords)."""
    qs = _in_period(visible_requests(user), period)
    if category is not None:
        qs = qs.filter(category=category)
    if keywords:
        qs = qs.annotate(_kw=Concat(Value(" "), "keywords", Value(" "), output_field=CharField()))
        for w in keywords:
            qs = qs.filter(_kw__contains=f" {w} ")
    return qs


def promotable_programs(user):
    """实事 programs the user may add a task to (office over the owner unit)."""
    from luoshi.tasks.selectors import programs_managed

    return programs_managed(user=user).filter(is_shishi=True).order_by("-year", "code")


def promote_contacts(user) -> list[dict]:
    """For someone who may not 转为实事 (a dispatcher, a leader): the 实事 programs of their region and the office
    people who can, so the hot-topic page says whom to ask instead of hiding the step. Empty when there is none."""
    from luoshi.org.models import Person, Role
    from luoshi.org.people import people_with_role_over
    from luoshi.programs.models import Program

    scope = scope_for(user)
    paths = scope.paths_for(*Role.values) if not scope.is_admin else None
    qs = Program.objects.filter(is_shishi=True, is_archived=False).select_related("owner_unit").order_by("-year", "code")
    if paths is not None:
        qs = qs.filter(owner_unit__path__within=paths)
    out = []
    for program in qs[:10]:
        ids = people_with_role_over(Role.OFFICE, program.owner_unit.path)
        people = Person.objects.filter(pk__in=ids, is_active=True).order_by("full_name")[:5]
        out.append({"program": program.name, "owner": program.owner_unit.name,
                    "contacts": "、".join(f"{p.display_name}{'（' + p.phone + '）' if p.phone else ''}" for p in people)})
    return out


def _topic_checked(label: str, category: ServiceCategory | None, keywords) -> tuple[str, list[str]]:
    """The hot topic as typed (name, and a category or keywords), checked the same way for 转为实事 and 推荐."""
    label = (label or "").strip()
    if not label:
        raise ServiceError(_("请填写热点名称。"), field="label")
    if len(label) > 100:
        raise ServiceError(_("热点名称最多 100 字。"), field="label")
    words = parse_keywords(keywords) if isinstance(keywords, str) else [w for w in (keywords or []) if w]
    if category is None and not words:
        raise ServiceError(_("请指明热点的类别或关键词。"), field="keywords")
    if len(" ".join(words)) > 200:
        raise ServiceError(_("关键词合计最多 200 字。"), field="keywords")
    return label, words


def recommendable_programs(user):
    """The 实事 programs of the user's region (what promote_contacts lists): where a dispatcher or leader who may
    not 转为实事 can recommend a hot topic to the program's office."""
    from luoshi.org.models import Role
    from luoshi.programs.models import Program

    scope = scope_for(user)
    qs = Program.objects.filter(is_shishi=True, is_archived=False).select_related("owner_unit").order_by("-year", "code")
    if not scope.is_admin:
        qs = qs.filter(owner_unit__path__within=scope.paths_for(*Role.values))
    return qs


def topic_recommend(*, by, label: str, category: ServiceCategory | None, keywords, period: Period, program,
                    note: str = "") -> int:
    """推荐转为实事: a dispatcher or leader who may not create the task sends the hot topic to the office of a 实事
    program of their region: each office person gets a message linking to the hot-topic page with this topic and
    period already filled in, where they 转为实事 (topic_promote). Returns how many people were told; one journal
    entry `intake.topic_recommend`. Nothing is created on the program: the office decides."""
    from luoshi.core.notify import notify_people
    from luoshi.org.models import Person, Role
    from luoshi.org.people import people_with_role_over

    from .metrics import is_region_viewer

    require(is_region_viewer(by), _("只有受理中心、办公室和领导可以推荐热点。"))
    if program is None:
        raise ServiceError(_("请选择民生实事专项。"), field="program")
    require(recommendable_programs(by).filter(pk=program.pk).exists(),
            _("只能向本区域的民生实事专项推荐热点。"))
    label, words = _topic_checked(label, category, keywords)
    note = (note or "").strip()
    if len(note) > 300:
        raise ServiceError(_("说明最多 300 字。"), field="note")
    count = topic_requests(by, period, category=category, keywords=words).count()
    if not count:
        raise ServiceError(_("%(period)s没有符合该热点的诉求。") % {"period": period.label}, field="keywords")
    ids = set(people_with_role_over(Role.OFFICE, program.owner_unit.path))
    recipients = list(Person.objects.filter(pk__in=ids, is_active=True).exclude(pk=by.pk).values_list("pk", flat=True))
    if not recipients:
        raise ServiceError(_("“%(unit)s”还没有督查室/办公室账号，无法推荐；请联系系统管理员。") % {
            "unit": program.owner_unit.name}, field="program")
    query = urlencode({k: v for k, v in (("category", category.pk if category else ""), ("keywords", " ".join(words)),
                                         ("label", label)) if v})
    url = f"{reverse('intake_hot')}?{period.query}&{query}#promote"
    with transaction.atomic():
        journal_record(actor=by, verb="intake.topic_recommend", obj=program, changes={
            "label": label, "category": category.pk if category else None, "keywords": " ".join(words),
            "period": [period.start.isoformat(), period.end.isoformat()], "request_count": count,
            "recipients": sorted(recipients), "note": note}, scope_path=program.owner_unit.path)
        transaction.on_commit(lambda: notify_people(
            recipients, kind="intake.topic_recommend",
            title=lambda: _("热点“%(label)s”被推荐转为实事（%(program)s）") % {"label": label, "program": program.name},
            body=lambda: _("%(who)s推荐：%(period)s，%(n)s 件诉求。%(note)s") % {
                "who": getattr(by, "display_name", str(by)), "period": period.label, "n": count, "note": note},
            url=url, dedup_key=f"topic_recommend:{program.pk}:{label}:{period.start}:{by.pk}"))
    return len(recipients)


def topic_promote(*, by, label: str, category: ServiceCategory | None, keywords, period: Period, program,
                  lead_unit: Unit | None, title: str, measures: str = "", deadline: str = "",
                  note: str = "") -> TopicPromotion:
    """转为实事: the office over the program's owner unit turns a hot topic into a task of a 实事 program.
    The task is created by tasks.services.task_create (its own checks and journal entry); the promotion
    row keeps the topic and its request count at this moment; one journal entry `intake.topic_promote`."""
    from luoshi.tasks.services import TaskInput, task_create

    if program is None:
        raise ServiceError(_("请选择民生实事专项。"), field="program")
    scope = scope_for(by)
    require(program.manageable_by(scope),
            _("只有该专项工作的主办单位（督查室/办公室）可以把热点转为实事。"))
    if not program.is_shishi:
        raise ServiceError(_("“%(name)s”不是民生实事专项，请选择民生实事专项。") % {"name": program.name}, field="program")
    label, words = _topic_checked(label, category, keywords)
    if not (title or "").strip():
        raise ServiceError(_("请填写实事任务的名称。"), field="title")
    if lead_unit is None:
        raise ServiceError(_("请选择牵头单位。"), field="lead_unit")
    if len((note or "").strip()) > 300:
        raise ServiceError(_("说明最多 300 字。"), field="note")
    count = topic_requests(by, period, category=category, keywords=words).count()
    if not count:
        raise ServiceError(_("%(period)s没有符合该热点的诉求。") % {"period": period.label}, field="keywords")
    with transaction.atomic():
        task = task_create(by=by, program=program, data=TaskInput(
            title=title.strip(), measures=(measures or "").strip(), lead_units=[lead_unit],
            deadline_phrase=(deadline or "").strip(), tags=[_("热点诉求")],
            note=_("由热点诉求“%(label)s”转为实事：%(period)s，%(n)s 件诉求。") % {
                "label": label, "period": period.label, "n": count}))
        promotion = TopicPromotion.objects.create(
            label=label, category=category, keywords=" ".join(words), period_start=period.start, period_end=period.end,
            request_count=count, task=task, created_by=by, created_at=clock.now(), note=(note or "").strip())
        journal_record(actor=by, verb="intake.topic_promote", obj=promotion, changes={
            "label": label, "category": category.pk if category else None, "keywords": promotion.keywords,
            "period": [period.start.isoformat(), period.end.isoformat()], "request_count": count, "task": task.pk,
            "program": program.pk}, scope_path=program.owner_unit.path)
    return promotion


def promotions_for(user):
    """Promotions of the programs in the user's region (office, leader, dispatcher), newest first."""
    return (TopicPromotion.objects.visible_to(scope_for(user))
            .select_related("task", "task__program", "category", "created_by"))
