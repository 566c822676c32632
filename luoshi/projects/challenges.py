"""揭榜挂帅 (open calls): the office publishes a 榜单 with its review scheme (YAML, `kind: challenge_scheme`),
units, teams or enterprises apply until the deadline, the experts score until the review deadline, the office
selects (挂帅) and publishes the result, and the winner's commitments become tasks of the challenge's program,
linked back. States and deadlines are enforced here; applicants' contact details stay with the office."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import Field

from luoshi.core import clock, verification
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.core.specs import Spec, parse_yaml
from luoshi.core.validation import clean_text, too_long
from luoshi.ideas.scheme import Criterion
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program
from luoshi.tasks import services as task_services

from .models import Challenge, ChallengeApplication, ChallengeScore, ChallengeState


class ChallengeScheme(Spec):
    kind: Literal["challenge_scheme"]
    name: str = Field(min_length=1, max_length=100)
    criteria: list[Criterion] = Field(min_length=1, max_length=20)


def scheme_parse(text: str, *, source: str = "") -> ChallengeScheme:
    return parse_yaml(text, ChallengeScheme, source=source or "scheme.yaml")


def scheme_data(scheme: ChallengeScheme) -> dict:
    return {"name": scheme.name, "criteria": [{"code": c.code, "name": c.name, "max": str(c.max)} for c in scheme.criteria]}


# ---- reads ----------------------------------------------------------------------------------------------------

def challenge_list(user) -> QuerySet[Challenge]:
    return Challenge.objects.visible_to(scope_for(user)).select_related("owner_unit")


def challenge_public_list() -> QuerySet[Challenge]:
    return Challenge.objects.exclude(state=ChallengeState.DRAFT).select_related("owner_unit")


def challenge_get(user, pk: int) -> Challenge:
    c = challenge_list(user).filter(pk=pk).first()
    if c is None:
        raise Http404(_("没有这个榜单，或您无权查看。"))
    return c


def can_manage(user, c: Challenge) -> bool:
    return scope_for(user).covers(c.owner_unit.path, Role.OFFICE)


def is_expert(user, c: Challenge) -> bool:
    return bool(getattr(user, "pk", None)) and c.experts.filter(pk=user.pk).exists()


def applications_for(user, c: Challenge) -> QuerySet[ChallengeApplication]:
    """The office and the experts see every application (experts without contact details: the templates and the
    API leave them out unless `can_manage`); an applicant sees their own."""
    qs = c.applications.filter(verified_at__isnull=False).select_related("unit").annotate(n_scores=Count("scores"))
    if can_manage(user, c) or is_expert(user, c):
        return qs
    return qs.filter(applicant_id=getattr(user, "pk", None))


def to_score(user) -> QuerySet[ChallengeApplication]:
    """Inbox: applications under review the user is an expert for and has not scored yet."""
    if not getattr(user, "pk", None):
        return ChallengeApplication.objects.none()
    return (ChallengeApplication.objects.filter(challenge__state=ChallengeState.REVIEW, verified_at__isnull=False,
                                                challenge__experts=user.pk)
            .exclude(scores__expert=user.pk).select_related("challenge").order_by("challenge__review_until", "id"))


# ---- writes ---------------------------------------------------------------------------------------------------

def challenge_create(*, by, owner_unit: Unit, title: str, problem: str, goals: str, apply_until: dt.date,
                     review_until: dt.date, scheme_text: str, conditions: str = "", funding: Decimal = Decimal(0),
                     category: str = "", program: Program | None = None, experts=()) -> Challenge:
    require(scope_for(by).covers(owner_unit.path, Role.OFFICE), _("只有本单位的督查室/改革办可以发布榜单。"))
    for value, name, label in ((title, "title", _("榜单名称")), (problem, "problem", _("需解决的问题")),
                               (goals, "goals", _("攻关目标"))):
        if not value.strip():
            raise ServiceError(_("请填写%(label)s。") % {"label": label}, field=name)
    today = clock.today()
    if apply_until < today:
        raise ServiceError(_("揭榜截止日期不能早于今天。"), field="apply_until")
    if review_until < apply_until:
        raise ServiceError(_("评审截止日期不能早于揭榜截止日期。"), field="review_until")
    if funding < 0:
        raise ServiceError(_("支持资金不能为负数。"), field="funding")
    scheme = scheme_parse(scheme_text)
    with transaction.atomic():
        c = Challenge.objects.create(owner_unit=owner_unit, program=program, title=title.strip(), problem=problem.strip(),
                                     goals=goals.strip(), conditions=conditions.strip(), funding=funding,
                                     category=category.strip(), apply_until=apply_until, review_until=review_until,
                                     scheme=scheme_data(scheme), created_at=clock.now())
        c.experts.set(list(experts))
        journal_record(actor=by, verb="projects.challenge_create", obj=c, scope_path=owner_unit.path,
                       changes={"title": c.title, "apply_until": apply_until, "review_until": review_until,
                                "experts": [e.pk for e in experts]})
    return c


def _lock(c: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().select_related("owner_unit").get(pk=c.pk)


def challenge_publish(*, by, challenge: Challenge) -> Challenge:
    require(can_manage(by, challenge), _("只有发榜单位可以发布榜单。"))
    with transaction.atomic():
        c = _lock(challenge)
        if c.state != ChallengeState.DRAFT:
            raise ServiceError(_("榜单已发布。"))
        if c.apply_until < clock.today():
            raise ServiceError(_("揭榜截止日期已过，请先修改日期。"), field="apply_until")
        c.state, c.published_at = ChallengeState.OPEN, clock.now()
        c.save(update_fields=["state", "published_at"])
        journal_record(actor=by, verb="projects.challenge_publish", obj=c, scope_path=c.owner_unit.path,
                       changes={"state": [ChallengeState.DRAFT, ChallengeState.OPEN]})
    return c


COMMITMENT_TITLE_LIMIT = 200  # the task made from it is titled "【揭榜挂帅】" + this


def _contact(team_name: str, contact_name: str, contact_phone: str, plan: str) -> dict[str, str]:
    """The applicant's texts without surrounding spaces, each required and refused (never cut) when longer than its
    field."""
    def limit(field: str) -> int:
        return ChallengeApplication._meta.get_field(field).max_length or 0

    texts = {"team_name": clean_text(team_name, _("揭榜主体"), "team_name", limit=limit("team_name")),
             "contact_name": clean_text(contact_name, _("联系人"), "contact_name", limit=limit("contact_name")),
             "contact_phone": clean_text(contact_phone, _("联系电话"), "contact_phone", limit=limit("contact_phone")),
             "plan": (plan or "").strip()}
    if not texts["plan"]:
        raise ServiceError(_("请填写%(label)s。") % {"label": _("攻关方案")}, field="plan")
    return texts


def _commitments(rows) -> list[dict]:
    out = []
    for i, row in enumerate(rows or []):
        title = (row.get("title") or "").strip()
        due = row.get("due")
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                raise ServiceError(_("第%(n)s项承诺的完成日期“%(v)s”不是有效日期。") % {"n": i + 1, "v": due},
                                   field="commitments")
        if not title or not isinstance(due, dt.date):
            raise ServiceError(_("第%(n)s项承诺须有内容和完成日期。") % {"n": i + 1}, field="commitments")
        if len(title) > COMMITMENT_TITLE_LIMIT:
            raise ServiceError(_("第%(n)s项承诺的内容最多 %(limit)s 字，现有 %(len)s 字。")
                               % {"n": i + 1, "limit": COMMITMENT_TITLE_LIMIT, "len": len(title)}, field="commitments")
        out.append({"title": title, "due": due.isoformat()})
    if not out:
        raise ServiceError(_("请至少写一项承诺（内容和完成日期）。"), field="commitments")
    return out


def challenge_apply(*, by, challenge: Challenge, team_name: str, contact_name: str, contact_phone: str, plan: str,
                    commitments: list[dict], unit: Unit | None = None) -> ChallengeApplication:
    """揭榜: only while the challenge is open and until its deadline (the whole deadline day counts)."""
    if not getattr(by, "pk", None):
        raise ServiceError(_("请先登录后揭榜。"))
    with transaction.atomic():
        c = _lock(challenge)
        if c.state != ChallengeState.OPEN or clock.today() > c.apply_until:
            raise ServiceError(_("揭榜已于 %(d)s 截止。") % {"d": f"{c.apply_until:%Y-%m-%d}"}
                               if c.state != ChallengeState.DRAFT else _("榜单尚未发布。"))
        if unit is not None:
            require(scope_for(by).covers(unit.path, Role.LIAISON, Role.OFFICE), _("只能以本单位名义揭榜。"))
        texts = _contact(team_name, contact_name, contact_phone, plan)
        if c.applications.filter(applicant=by).exists():
            raise ServiceError(_("您已揭榜，不能重复申请。"))
        app = ChallengeApplication.objects.create(
            challenge=c, applicant=by, unit=unit, **texts, commitments=_commitments(commitments),
            submitted_at=clock.now(), verified_at=clock.now())
        # the contact details are personal data: the journal names the application, not the person's phone
        journal_record(actor=by, verb="projects.challenge_apply", obj=c, scope_path=c.owner_unit.path,
                       changes={"application": app.pk, "team_name": app.team_name})
    return app


CODE_PURPOSE = "challenge-application"


def challenge_apply_public(*, challenge: Challenge, team_name: str, contact_name: str, contact_phone: str,
                           contact_email: str, plan: str, commitments: list[dict],
                           channel: str = verification.SMS) -> ChallengeApplication:
    """揭榜 on the portal without an account: the application waits, unseen by the office and the experts, until the
    code sent by text message to the mobile number (or, when chosen, to the e-mail address) is entered
    (`application_verify`). The deadline applies to both steps."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if channel not in verification.CHANNELS:
        raise ServiceError(_("请选择接收验证码的方式。"), field="channel")
    if channel == verification.SMS:
        contact_phone = verification.mobile_normalize(contact_phone)
    if message := too_long(ChallengeApplication, "contact_email", (contact_email or "").strip()):
        raise ServiceError(message, field="contact_email")
    if channel == verification.EMAIL or (contact_email or "").strip():
        try:
            validate_email((contact_email or "").strip())
        except ValidationError:
            raise ServiceError(_("请填写有效的电子邮箱，用于接收验证码。") if channel == verification.EMAIL
                               else _("电子邮箱格式不对。"), field="contact_email")
    with transaction.atomic():
        c = _lock(challenge)
        _still_open(c)
        texts = _contact(team_name, contact_name, contact_phone, plan)
        app = ChallengeApplication.objects.create(
            challenge=c, **texts, contact_email=(contact_email or "").strip(), commitments=_commitments(commitments),
            submitted_at=clock.now(), verify_channel=channel)
        _send_code(app, c)
        journal_record(actor=None, verb="projects.challenge_apply_public", obj=c, scope_path=c.owner_unit.path,
                       changes={"application": app.pk, "team_name": app.team_name, "channel": channel})
    return app


def _still_open(c: Challenge) -> None:
    if c.state != ChallengeState.OPEN or clock.today() > c.apply_until:
        raise ServiceError(_("揭榜已于 %(d)s 截止。") % {"d": f"{c.apply_until:%Y-%m-%d}"}
                           if c.state != ChallengeState.DRAFT else _("榜单尚未发布。"))


def _send_code(app: ChallengeApplication, c: Challenge) -> None:
    """A new code for the application (the earlier one stops working), sent inside the caller's transaction: when
    the gateway refuses, nothing is stored."""
    issued = verification.code_issue(CODE_PURPOSE, app.pk)
    app.code_hash, app.code_expires_at, app.code_attempts = issued.hash, issued.expires_at, 0
    app.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])
    minutes = verification.code_minutes()
    if app.verify_channel != verification.SMS:  # e-mail, or an application from before SMS (channel empty)
        verification.code_send(
            channel=verification.EMAIL, address=app.contact_email,
            subject=_("【落实】揭榜验证码：%(code)s") % {"code": issued.code},
            text=_("您在“%(title)s”榜单提交了揭榜申请。验证码：%(code)s，%(n)s 分钟内有效。请在揭榜截止（%(d)s）前在申请页面"
                   "输入，否则申请不会提交评审。") % {"title": c.title, "code": issued.code, "n": minutes,
                                               "d": f"{c.apply_until:%Y-%m-%d}"})
    else:
        verification.code_send(channel=verification.SMS, address=app.contact_phone,
                               text=_("【落实】揭榜验证码：%(code)s，%(n)s 分钟内有效。如非本人操作，请忽略本短信。")
                               % {"code": issued.code, "n": minutes})


def application_code_resend(*, application: ChallengeApplication) -> ChallengeApplication:
    """A new code for an application not yet confirmed (the last one expired or was mistyped too often)."""
    with transaction.atomic():
        app = ChallengeApplication.objects.select_for_update().select_related("challenge__owner_unit").get(
            pk=application.pk)
        c = app.challenge
        if app.verified_at is not None:
            return app
        _still_open(c)
        _send_code(app, c)
        journal_record(actor=None, verb="projects.challenge_code_resend", obj=c, scope_path=c.owner_unit.path,
                       changes={"application": app.pk, "channel": app.verify_channel})
    return app


def application_verify(*, application: ChallengeApplication, code: str) -> ChallengeApplication:
    """Confirm a portal application with its code. A wrong code is counted on the application (after
    LUOSHI_VERIFY_MAX_ATTEMPTS a new code must be sent) — the one thing a refused entry stores."""
    refused: ServiceError | None = None
    with transaction.atomic():
        app = ChallengeApplication.objects.select_for_update().select_related("challenge__owner_unit").get(pk=application.pk)
        c = app.challenge
        if app.verified_at is not None:
            return app
        _still_open(c)
        try:
            verification.code_check(CODE_PURPOSE, app.pk, code, stored_hash=app.code_hash,
                                    expires_at=app.code_expires_at, attempts=app.code_attempts)
        except ServiceError as e:
            refused = e
            app.code_attempts += 1
            app.save(update_fields=["code_attempts"])
        else:
            app.verified_at, app.code_hash = clock.now(), ""
            app.save(update_fields=["verified_at", "code_hash"])
            journal_record(actor=None, verb="projects.challenge_apply_verify", obj=c, scope_path=c.owner_unit.path,
                           changes={"application": app.pk, "channel": app.verify_channel})
    if refused is not None:
        raise refused
    return app


def challenge_review(*, by, challenge: Challenge) -> Challenge:
    """Applications closed: the experts may score. Only after the application deadline."""
    require(can_manage(by, challenge), _("只有发榜单位可以组织评审。"))
    with transaction.atomic():
        c = _lock(challenge)
        if c.state != ChallengeState.OPEN:
            raise ServiceError(_("只有揭榜中的榜单可以进入评审。"))
        if clock.today() <= c.apply_until:
            raise ServiceError(_("揭榜 %(d)s 截止后才能开始评审。") % {"d": f"{c.apply_until:%Y-%m-%d}"})
        if not c.applications.filter(verified_at__isnull=False).exists():
            raise ServiceError(_("没有揭榜申请，无法评审。"))
        c.state = ChallengeState.REVIEW
        c.save(update_fields=["state"])
        journal_record(actor=by, verb="projects.challenge_review", obj=c, scope_path=c.owner_unit.path,
                       changes={"state": [ChallengeState.OPEN, ChallengeState.REVIEW]})
    return c


def application_score(*, by, application: ChallengeApplication, values: dict[str, str]) -> ChallengeScore:
    c = Challenge.objects.select_related("owner_unit").get(pk=application.challenge_id)  # its state as stored now
    require(is_expert(by, c), _("只有本榜单的评审专家可以评分。"))
    if c.state != ChallengeState.REVIEW:
        raise ServiceError(_("榜单不在评审阶段，不能评分。"))
    if clock.today() > c.review_until:
        raise ServiceError(_("评审已于 %(d)s 截止。") % {"d": f"{c.review_until:%Y-%m-%d}"})
    clean, total = {}, Decimal(0)
    for crit in c.scheme["criteria"]:
        raw = str(values.get(crit["code"], "")).strip()
        try:
            v = Decimal(raw)
        except InvalidOperation:
            raise ServiceError(_("请为“%(name)s”打分。") % {"name": crit["name"]}, field=crit["code"])
        if not (0 <= v <= Decimal(crit["max"])):
            raise ServiceError(_("“%(name)s”的得分应在 0–%(max)s 之间。") % crit, field=crit["code"])
        clean[crit["code"]] = str(v)
        total += v
    with transaction.atomic():
        score, _created = ChallengeScore.objects.update_or_create(
            application=application, expert=by, defaults=dict(values=clean, total=total, scored_at=clock.now()))
        scores = list(application.scores.values_list("total", flat=True))
        application.total = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))
        application.save(update_fields=["total"])
        journal_record(actor=by, verb="projects.challenge_score", obj=c, scope_path=c.owner_unit.path,
                       changes={"application": application.pk, "values": clean, "total": total})
    return score


def scoring_finished(c: Challenge) -> bool:
    """Scoring ends at the review deadline, or earlier once every expert scored every application."""
    if clock.today() > c.review_until:
        return True
    experts = c.experts.count()
    apps = c.applications.filter(verified_at__isnull=False).count()
    return experts > 0 and ChallengeScore.objects.filter(application__challenge=c).count() >= experts * apps


def challenge_select(*, by, challenge: Challenge, application: ChallengeApplication, result_text: str) -> Challenge:
    """挂帅: the office selects the winner once scoring has ended, publishes the result, and the winner's commitments
    become tasks of the challenge's program (lead unit: the winner's unit, or the issuing unit for an enterprise or
    team without one), linked back from the application."""
    require(can_manage(by, challenge), _("只有发榜单位可以确定挂帅人选。"))
    with transaction.atomic():
        c = _lock(challenge)
        if c.state != ChallengeState.REVIEW:
            raise ServiceError(_("只有评审中的榜单可以挂帅。"))
        if not scoring_finished(c):
            raise ServiceError(_("评审尚未结束（截止 %(d)s，或全部专家评完），不能挂帅。") % {"d": f"{c.review_until:%Y-%m-%d}"})
        if application.challenge_id != c.pk or application.verified_at is None:
            raise ServiceError(_("该申请不属于本榜单。"))
        if not result_text.strip():
            raise ServiceError(_("请填写挂帅结果的公告内容。"), field="result_text")
        task_ids = []
        if c.program_id:
            lead = application.unit or c.owner_unit
            for item in application.commitments:
                due = dt.date.fromisoformat(item["due"])
                task = task_services.task_create(by=by, program=c.program, data=task_services.TaskInput(
                    title=_("【揭榜挂帅】%(title)s") % {"title": item["title"]}, lead_units=[lead],
                    deadline_phrase=f"{due.year}年{due.month}月{due.day}日前",
                    note=_("来自榜单“%(c)s”，揭榜主体：%(team)s") % {"c": c.title, "team": application.team_name}))
                task_ids.append(task.pk)
        application.task_ids = task_ids
        application.save(update_fields=["task_ids"])
        c.state, c.winner, c.result_text, c.selected_at = ChallengeState.SELECTED, application, result_text.strip(), clock.now()
        c.save(update_fields=["state", "winner", "result_text", "selected_at"])
        journal_record(actor=by, verb="projects.challenge_select", obj=c, scope_path=c.owner_unit.path,
                       changes={"winner": application.pk, "team_name": application.team_name, "tasks": task_ids})
    return c


def open_challenges_q() -> Q:
    return Q(state=ChallengeState.OPEN)
