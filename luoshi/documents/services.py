"""Writes of the scheduled bulletins: series (Subscription), their issues, and compiling a 工作动态.

Every write checks permission, runs in one transaction and journals. The daily step (`bulletins_due`)
claims each due slot by inserting its Issue (unique per series and slot, so running twice or on two
machines makes one issue), then the worker draws the snapshot (`issue_generate`); an issue left undrawn by
a stopped worker is drawn again on the next run.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from luoshi.assessment.models import Round, RoundState, Scheme
from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.notify import notify_people
from luoshi.core.workdays import Calendar
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from .models import KIND_FORMATS, Issue, IssueState, SeriesKind, Subscription
from .schedule import WorkdayRule, issue_day, parse_schedule

SUBSCRIPTION_FIELDS = ("name", "kind", "program_id", "scheme_id", "owner_unit_id", "schedule", "workday_rule", "formats",
                       "review_required", "is_active", "starts_on")
SECTION_TYPES = ("text", "case", "report", "figures")
MAX_SECTIONS = 40


@dataclass
class SubscriptionInput:
    name: str
    kind: str
    owner_unit: Unit
    program: Program | None = None
    scheme: Scheme | None = None
    schedule: str = ""
    workday_rule: str = WorkdayRule.NEXT
    formats: list[str] = field(default_factory=list)
    review_required: bool = False
    recipients: list[Person] = field(default_factory=list)
    starts_on: dt.date | None = None


def _require_office(by, unit: Unit) -> None:
    if not scope_for(by).covers(unit.path, Role.OFFICE):
        raise PermissionDeniedError(_("只有编发单位的督查室/办公室可以管理该通报。"))


def _validate(data: SubscriptionInput, by) -> None:
    name = data.name.strip()
    if not name:
        raise ServiceError(_("请填写刊物名称。"), field="name")
    if len(name) > 100:
        raise ServiceError(_("刊物名称不能超过 100 个字。"), field="name")
    if data.kind not in SeriesKind.values:
        raise ServiceError(_("未知的通报类型“%(kind)s”。") % {"kind": data.kind}, field="kind")
    if data.kind == SeriesKind.COMPILED:
        if data.program is not None or data.scheme is not None:
            raise ServiceError(_("工作动态/工作专刊不对应某项专项工作，请不要选择专项工作。"), field="program")
    elif data.kind == SeriesKind.ASSESSMENT:
        if data.scheme is None:
            raise ServiceError(_("请选择要通报的考核指标体系。"), field="scheme")
        if data.program is not None:
            raise ServiceError(_("考核排名通报不对应专项工作，请不要选择专项工作。"), field="program")
        if not scope_for(by).covers(data.scheme.owner_unit.path, Role.OFFICE, Role.LEADER):
            raise PermissionDeniedError(_("您无权通报该考核。"))
        if not data.schedule.strip():
            raise ServiceError(_("定期通报需要填写出刊周期，如“每周一”“每月5日”。"), field="schedule")
    else:
        if data.scheme is not None:
            raise ServiceError(_("调度通报和督查通报不对应考核指标体系，请不要选择。"), field="scheme")
        if data.program is None:
            raise ServiceError(_("请选择要通报的专项工作或问题台账。"), field="program")
        if data.kind == SeriesKind.LEDGER and not hasattr(data.program, "ledger"):
            raise ServiceError(_("“%(name)s”没有问题台账，不能编发督查通报。") % {"name": data.program.name}, field="program")
        if not scope_for(by).covers(data.program.owner_unit.path, Role.OFFICE, Role.LEADER):
            raise PermissionDeniedError(_("您无权通报该专项工作。"))
        if not data.schedule.strip():
            raise ServiceError(_("定期通报需要填写出刊周期，如“每周一”“每月5日”。"), field="schedule")
    if data.schedule.strip():
        try:
            parse_schedule(data.schedule)
        except ServiceError as e:
            raise ServiceError(e.message, field="schedule") from e
    if data.workday_rule not in WorkdayRule.values:
        raise ServiceError(_("节假日处理方式应为：%(rules)s。") % {"rules": "、".join(str(l) for l in WorkdayRule.labels)},
                           field="workday_rule")
    offered = KIND_FORMATS[SeriesKind(data.kind)]
    wrong = [f for f in data.formats if f not in offered]
    if wrong:
        raise ServiceError(_("该类通报可生成的文件格式为 %(ok)s，不支持 %(bad)s。") % {
            "ok": "、".join(offered), "bad": "、".join(wrong)}, field="formats")


def subscription_create(*, by, data: SubscriptionInput) -> Subscription:
    _require_office(by, data.owner_unit)
    _validate(data, by)
    with transaction.atomic():
        sub = Subscription.objects.create(
            name=data.name.strip(), kind=data.kind, program=data.program, scheme=data.scheme,
            owner_unit=data.owner_unit,
            owner_path=data.owner_unit.path, schedule=data.schedule.strip(), workday_rule=data.workday_rule,
            formats=list(dict.fromkeys(data.formats)) or list(KIND_FORMATS[SeriesKind(data.kind)][:1]),
            review_required=data.review_required, starts_on=data.starts_on or clock.today(),
            created_by=by, created_at=clock.now())
        sub.recipients.set(data.recipients)
        journal_record(actor=by, verb="bulletin.subscribe", obj=sub, scope_path=sub.owner_path,
                       changes={**{f: getattr(sub, f) for f in SUBSCRIPTION_FIELDS},
                                "recipients": sorted(p.pk for p in data.recipients)})
    return sub


def subscription_update(*, by, subscription: Subscription, data: SubscriptionInput) -> Subscription:
    _require_office(by, subscription.owner_unit)
    _require_office(by, data.owner_unit)
    if data.kind != subscription.kind:
        raise ServiceError(_("已创建的通报不能更改类型，请新建一份。"), field="kind")
    _validate(data, by)
    with transaction.atomic():
        before = {f: getattr(subscription, f) for f in SUBSCRIPTION_FIELDS}
        old_recipients = sorted(subscription.recipients.values_list("pk", flat=True))
        subscription.name, subscription.program = data.name.strip(), data.program
        subscription.scheme = data.scheme
        subscription.owner_unit, subscription.owner_path = data.owner_unit, data.owner_unit.path
        subscription.schedule, subscription.workday_rule = data.schedule.strip(), data.workday_rule
        subscription.formats = list(dict.fromkeys(data.formats)) or subscription.formats
        subscription.review_required = data.review_required
        subscription.save()
        subscription.recipients.set(data.recipients)
        after = {f: getattr(subscription, f) for f in SUBSCRIPTION_FIELDS}
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        new_recipients = sorted(p.pk for p in data.recipients)
        if new_recipients != old_recipients:
            changes["recipients"] = [old_recipients, new_recipients]
        journal_record(actor=by, verb="bulletin.update", obj=subscription, changes=changes,
                       scope_path=subscription.owner_path)
    return subscription


def subscription_set_active(*, by, subscription: Subscription, active: bool) -> Subscription:
    _require_office(by, subscription.owner_unit)
    with transaction.atomic():
        subscription.is_active = active
        subscription.save(update_fields=["is_active"])
        journal_record(actor=by, verb="bulletin.resume" if active else "bulletin.pause", obj=subscription,
                       changes={"is_active": active}, scope_path=subscription.owner_path)
    return subscription


# ---- issues ---------------------------------------------------------------------------------------

def _next_number(subscription: Subscription, year: int) -> int:
    top = Issue.objects.filter(subscription=subscription, year=year).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _title(subscription: Subscription, year: int, number: int) -> str:
    return f"{subscription.name}（{year}年第{number}期）"


def latest_round(subscription: Subscription) -> Round | None:
    """The scheme's latest published round (the one an 排名通报 issue reports on)."""
    return (Round.objects.filter(scheme_id=subscription.scheme_id, state__in=(RoundState.PUBLISHED, RoundState.FINAL),
                                 published_at__lte=clock.now()).order_by("-published_at", "-pk").first())


def _claim(subscription: Subscription, slot: dt.date | None, *, by=None, source_ref: str = "") -> Issue | None:
    """Insert the issue of `slot` with the next number, or None when another run has it already."""
    try:
        with transaction.atomic():
            Subscription.objects.select_for_update().filter(pk=subscription.pk).first()  # serialises numbering
            if slot is not None and Issue.objects.filter(subscription=subscription, slot=slot).exists():
                return None
            year = (slot or clock.today()).year
            number = _next_number(subscription, year)
            issue = Issue.objects.create(subscription=subscription, year=year, number=number, slot=slot,
                                         source_ref=source_ref, title=_title(subscription, year, number),
                                         created_at=clock.now())
            journal_record(actor=by, verb="bulletin.claim", obj=issue, scope_path=subscription.owner_path,
                           changes={"slot": slot, "year": year, "number": number})
            return issue
    except IntegrityError:  # a concurrent run inserted the same slot (or number) first
        return None


LOOKAHEAD = dt.timedelta(days=15)  # 提前: a slot after a long holiday (国庆: 8 days) is drawn before it


def due_slot(subscription: Subscription, today: dt.date, cal: Calendar | None = None) -> dt.date | None:
    """The latest slot whose issue day has come by `today` (None when the series has no schedule or none
    is due since it started). Slots a little after today count too: under 提前 their issue day may have come."""
    if not subscription.schedule:
        return None
    schedule = parse_schedule(subscription.schedule)
    nominal = schedule.nominal_on_or_before(today + LOOKAHEAD, cal)
    # walk back over slots whose issue day is still to come (later nominal days, or 顺延 over a holiday)
    for _i in range(40):
        if nominal < subscription.starts_on:
            return None
        if issue_day(nominal, subscription.workday_rule, cal) <= today:
            return nominal
        nominal = schedule.previous(nominal, cal)
    return None


def bulletins_due(*, today: dt.date | None = None, notify: bool = True) -> dict:
    """The daily step: claim the due slot of every active series, then draw every undrawn issue (also those
    a stopped worker left). Only the latest due slot is drawn: a run after days off catches up with the
    current period, it does not print old periods with today's figures."""
    today = today or clock.today()
    cal = Calendar.current()
    claimed: list[int] = []
    for sub in Subscription.objects.filter(is_active=True).exclude(schedule="").select_related("owner_unit"):
        slot = due_slot(sub, today, cal)
        if slot is None:
            continue
        ref = ""
        if sub.kind == SeriesKind.ASSESSMENT:
            # a ranking bulletin reports a newly published round: no new round since the last issue, no issue
            rnd = latest_round(sub)
            if rnd is None or Issue.objects.filter(subscription=sub, source_ref=f"round:{rnd.pk}").exists():
                continue
            ref = f"round:{rnd.pk}"
        issue = _claim(sub, slot, source_ref=ref)
        if issue is not None:
            claimed.append(issue.pk)
    waiting = list(Issue.objects.filter(state=IssueState.PENDING).values_list("pk", flat=True))
    schedule_generation(waiting, notify=notify)
    return {"claimed": len(claimed), "generated": len(waiting)}


# The background worker's part (django_tasks, like the photo processing): queued after the claim commits; an
# issue a stopped worker never drew stays `pending` and the next daily run queues it again.

def schedule_generation(issue_ids: list[int], *, notify: bool = True) -> None:
    def enqueue():
        for pk in issue_ids:
            generate_issue.enqueue(pk, notify)

    transaction.on_commit(enqueue)


@task()
def generate_issue(issue_id: int, notify: bool = True) -> str:
    return issue_generate(issue_id, notify=notify).state


def _snapshot(issue: Issue) -> dict:
    from .bulletin import bulletin_snapshot
    from .ledger_docs import ledger_bulletin_snapshot

    sub = issue.subscription
    by = sub.created_by
    slot = issue.slot or clock.today()
    if sub.kind == SeriesKind.PROGRAM:
        return bulletin_snapshot(user=by, program=sub.program, as_of=slot, issue_no=issue.number)
    if sub.kind == SeriesKind.LEDGER:
        schedule = parse_schedule(sub.schedule)
        start = schedule.previous(slot)
        end = max(start, slot - dt.timedelta(days=1))
        return ledger_bulletin_snapshot(user=by, program=sub.program, start=start, end=end, issue_no=issue.number)
    if sub.kind == SeriesKind.ASSESSMENT:
        from .assessment_docs import ranking_bulletin_snapshot

        rnd = (Round.objects.get(pk=int(issue.source_ref.split(":")[1])) if issue.source_ref
               else latest_round(sub))
        if rnd is None:
            raise ServiceError(_("该考核还没有已公布的期次，无法生成排名通报。"))
        issue.source_ref = f"round:{rnd.pk}"
        return ranking_bulletin_snapshot(user=by, round=rnd, issue_no=issue.number)
    return {"kind": "compiled", "sections": [], "date": slot.isoformat()}


def issue_generate(issue_id: int, *, notify: bool = True) -> Issue:
    """Draw the snapshot of a claimed issue; without review it is issued at once and its recipients told."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().select_related("subscription").get(pk=issue_id)
        if issue.state != IssueState.PENDING:
            return issue
        sub = issue.subscription
        issue.snapshot = _snapshot(issue)
        issue.generated_at = clock.now()
        # a compiled issue always waits for its editor; others when the series asks for review
        issue.state = IssueState.DRAFT if (sub.review_required or sub.kind == SeriesKind.COMPILED) else IssueState.ISSUED
        if issue.state == IssueState.ISSUED:
            issue.issued_at = issue.generated_at
        issue.save()
        journal_record(actor=None, verb="bulletin.generate", obj=issue, scope_path=sub.owner_path,
                       changes={"state": issue.state})
    if notify:
        if issue.state == IssueState.ISSUED:
            _notify_recipients(issue)
        else:
            _notify_editors(issue)
    return issue


def _issue_url(issue: Issue) -> str:
    return reverse("bulletin_issue", args=[issue.pk])


def _notify_recipients(issue: Issue) -> None:
    sub = issue.subscription
    notify_people(list(sub.recipients.values_list("pk", flat=True)), kind="bulletin.issued",
                  title=lambda: _("%(title)s已印发") % {"title": issue.title},
                  body=lambda: _("请查阅并按通报要求抓好落实。"), url=_issue_url(issue), dedup_key=f"bulletin-issued-{issue.pk}")


def _notify_editors(issue: Issue) -> None:
    sub = issue.subscription
    notify_people([sub.created_by_id], kind="bulletin.review", title=lambda: _("%(title)s待签发") % {"title": issue.title},
                  body=lambda: _("请核对、编辑后签发。"), url=_issue_url(issue), dedup_key=f"bulletin-review-{issue.pk}")


def issue_create_now(*, by, subscription: Subscription) -> Issue:
    """An issue made by hand now (不定期 / 工作动态, or an extra issue of a scheduled series)."""
    _require_office(by, subscription.owner_unit)
    if not subscription.is_active:
        raise ServiceError(_("该通报已停用，请先启用。"))
    issue = _claim(subscription, None, by=by)
    if issue is None:  # pragma: no cover - a manual issue has no slot, so it cannot clash
        raise ServiceError(_("期号冲突，请重试。"))
    issue = issue_generate(issue.pk, notify=False)
    if issue.state == IssueState.ISSUED:  # a series without review: an extra issue goes out at once
        _notify_recipients(issue)
    return issue


def _require_draft_editor(by, issue: Issue) -> None:
    _require_office(by, issue.subscription.owner_unit)
    if issue.state != IssueState.DRAFT:
        raise ServiceError(_("只有待签发的期次可以修改；已印发的期次不能再改。"))


def issue_edit(*, by, issue: Issue, note: str, sections: list[dict] | None = None) -> Issue:
    """Edit a draft: the 按语 and, for a compiled issue, each section's heading and text."""
    _require_draft_editor(by, issue)
    note = note.strip()
    if len(note) > 2000:
        raise ServiceError(_("按语不能超过 2000 字。"), field="note")
    with transaction.atomic():
        changes: dict = {}
        if note != issue.note:
            changes["note"] = [issue.note, note]
            issue.note = note
        if sections is not None:
            if issue.subscription.kind != SeriesKind.COMPILED:
                raise ServiceError(_("只有工作动态/工作专刊可以编辑栏目。"))
            current = issue.snapshot.get("sections", [])
            if len(sections) != len(current):
                raise ServiceError(_("栏目数量与草稿不一致，请刷新页面后重试。"))
            for i, (old, new) in enumerate(zip(current, sections), 1):
                heading = (new.get("heading") or "").strip()
                if not heading:
                    raise ServiceError(_("第 %(n)s 个栏目的标题不能为空。") % {"n": i}, field=f"heading_{i}")
                if len(heading) > 100:
                    raise ServiceError(_("第 %(n)s 个栏目的标题不能超过 100 个字。") % {"n": i}, field=f"heading_{i}")
                body = (new.get("body") or "").strip()
                if (old["heading"], old.get("body", "")) != (heading, body):
                    changes[f"section_{i}"] = [old["heading"], heading]
                    old["heading"], old["body"] = heading, body
            issue.snapshot = {**issue.snapshot, "sections": current}
        issue.save(update_fields=["note", "snapshot"])
        journal_record(actor=by, verb="bulletin.edit", obj=issue, changes=changes,
                       scope_path=issue.subscription.owner_path)
    return issue


def issue_add_section(*, by, issue: Issue, section: dict) -> Issue:
    """Add a section to a draft 工作动态: its content is copied in (the stored input), then editable."""
    _require_draft_editor(by, issue)
    if issue.subscription.kind != SeriesKind.COMPILED:
        raise ServiceError(_("只有工作动态/工作专刊可以添加栏目。"))
    if section.get("type") not in SECTION_TYPES:
        raise ServiceError(_("未知的栏目类型。"))
    if not (section.get("heading") or "").strip():
        raise ServiceError(_("栏目标题不能为空。"), field="heading")
    sections = list(issue.snapshot.get("sections", []))
    if len(sections) >= MAX_SECTIONS:
        raise ServiceError(_("一期最多 %(n)s 个栏目。") % {"n": MAX_SECTIONS})
    with transaction.atomic():
        sections.append(section)
        issue.snapshot = {**issue.snapshot, "sections": sections}
        issue.save(update_fields=["snapshot"])
        journal_record(actor=by, verb="bulletin.section_add", obj=issue, scope_path=issue.subscription.owner_path,
                       changes={"type": section["type"], "heading": section["heading"], "ref": section.get("ref")})
    return issue


def issue_remove_section(*, by, issue: Issue, index: int) -> Issue:
    _require_draft_editor(by, issue)
    sections = list(issue.snapshot.get("sections", []))
    if not 0 <= index < len(sections):
        raise ServiceError(_("没有这个栏目，请刷新页面后重试。"))
    with transaction.atomic():
        removed = sections.pop(index)
        issue.snapshot = {**issue.snapshot, "sections": sections}
        issue.save(update_fields=["snapshot"])
        journal_record(actor=by, verb="bulletin.section_remove", obj=issue, scope_path=issue.subscription.owner_path,
                       changes={"heading": removed["heading"]})
    return issue


def issue_publish(*, by, issue: Issue) -> Issue:
    """签发: the draft goes out and its recipients are told."""
    _require_draft_editor(by, issue)
    if issue.subscription.kind == SeriesKind.COMPILED and not issue.snapshot.get("sections"):
        raise ServiceError(_("这一期还没有内容，请先添加栏目。"))
    with transaction.atomic():
        issue.state = IssueState.ISSUED
        issue.issued_at, issue.issued_by = clock.now(), by
        issue.save(update_fields=["state", "issued_at", "issued_by"])
        journal_record(actor=by, verb="bulletin.issue", obj=issue, scope_path=issue.subscription.owner_path,
                       changes={"state": IssueState.ISSUED})
    _notify_recipients(issue)
    return issue
