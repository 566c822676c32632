"""Writes of the 金点子 workflow. Each function checks permission, changes one idea (or campaign) in one
transaction and writes one journal entry.

提交 (anyone) → 初审 (office: 通过 → 专家评审; 不通过 with a reason; 重复 of another idea) → 专家评分 (each
assigned expert scores every criterion within its maximum; the idea's score is the mean of the experts'
totals, or the trimmed mean — dropping one highest and one lowest — from `trim_from` experts on; rounded
once to the scheme's places) → 处理 (采纳 / 部分采纳 / 不采纳 with a public reply; needs at least one expert
score) → 评奖 (adopted ideas only, within each level's count) → 转化为任务 (adopted ideas only).
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.journal import diff, journal_record, snapshot
from luoshi.core.language import Text
from luoshi.core.notify import notify_people
from luoshi.core.permissions import require
from luoshi.core.validation import clean_text
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from . import permissions as perms
from .models import (ADOPTED_DECISIONS, Campaign, CampaignExpert, Decision, ExpertScore, Idea, IdeaState,
                     SourceKind)
from .scheme import IdeasScheme, ideas_scheme_parse, province_names

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
TRACKING_PREFIX = "JD"
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_CONTENT = 5000
CAMPAIGN_FIELDS = ("name", "year", "owner_unit", "start_date", "end_date", "description", "is_closed")


def new_tracking_code() -> str:
    return TRACKING_PREFIX + "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(8))


def _journal(by, verb: str, obj, campaign: Campaign, changes=None, reason: str = "") -> None:
    journal_record(actor=by, verb=verb, obj=obj, changes=changes or {}, reason=reason, scope_path=campaign.owner_path)


def _tell_experts(person_ids, title: Text, body: Text, dedup_key: str) -> None:
    """In-app message and e-mail to experts, once the transaction commits (nothing is sent for a rolled back write);
    a title or body given as a function is written in each expert's language (core.language)."""
    ids = list(person_ids)
    transaction.on_commit(lambda: notify_people(ids, kind="ideas_review", title=title, body=body,
                                                url=reverse("ideas_queue"), dedup_key=dedup_key))


def _require_manage(by, campaign: Campaign) -> None:
    require(perms.can_manage(scope_for(by), campaign), _("只有征集活动主办单位的办公室可以进行此操作。"))


def _require_state(idea: Idea, *states: str) -> None:
    if idea.state not in states:
        raise ServiceError(_("建议 %(n)s 当前为“%(state)s”，不能进行此操作。")
                           % {"n": idea.number, "state": idea.get_state_display()})


def _lock(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().select_related("campaign").get(pk=idea.pk)


# ---- campaigns ----------------------------------------------------------------------------------------

def _parse_scheme(text: str) -> IdeasScheme:
    try:
        return ideas_scheme_parse(text, source="")
    except ImportFailed as e:
        raise ServiceError("；".join(str(x) for x in e.errors), field="scheme_text") from e


def _check_period(start_date: dt.date, end_date: dt.date) -> None:
    if start_date is None:
        raise ServiceError(_("请填写征集开始日期。"), field="start_date")
    if end_date is None:
        raise ServiceError(_("请填写征集截止日期。"), field="end_date")
    if end_date < start_date:
        raise ServiceError(_("征集截止日期不能早于开始日期。"), field="end_date")


def campaign_create(*, by, name: str, owner_unit: Unit, start_date: dt.date, end_date: dt.date, scheme_text: str,
                    description: str = "") -> Campaign:
    """征集活动: the office of `owner_unit` (or above) opens a call for ideas with a review scheme (by=None: the
    system, e.g. the `luoshi ideas campaign` command run by the operator)."""
    if by is not None:
        require(scope_for(by).covers(owner_unit.path, Role.OFFICE), _("只能为本单位（及下级单位）发起征集活动。"))
    name = clean_text(name, _("活动名称"), "name", limit=100)
    _check_period(start_date, end_date)
    scheme = _parse_scheme(scheme_text)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name, year=start_date.year, owner_unit=owner_unit, owner_path=owner_unit.path, start_date=start_date,
            end_date=end_date, description=clean_text(description, _("征集公告"), "description", limit=5000, required=False),
            scheme_source=scheme_text, scheme=scheme.as_data(), created_at=clock.now(),
            created_by=by if getattr(by, "pk", None) else None)
        _journal(by, "idea.campaign_create", campaign, campaign,
                 {**snapshot(campaign, CAMPAIGN_FIELDS), "scheme": scheme.name})
    return campaign


def campaign_update(*, by, campaign: Campaign, name: str, start_date: dt.date, end_date: dt.date, description: str = "",
                    scheme_text: str | None = None, is_closed: bool | None = None) -> Campaign:
    """Change the period, the notice or the scheme. Criteria cannot change once an expert has scored; a topic
    or award level in use cannot be removed."""
    _require_manage(by, campaign)
    name = clean_text(name, _("活动名称"), "name", limit=100)
    _check_period(start_date, end_date)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = snapshot(campaign, CAMPAIGN_FIELDS)
        scheme_changed = False
        if scheme_text is not None and scheme_text != campaign.scheme_source:
            scheme = _parse_scheme(scheme_text).as_data()
            if scheme["criteria"] != campaign.criteria and ExpertScore.objects.filter(idea__campaign=campaign).exists():
                raise ServiceError(_("已有专家评分，评分项不能再修改。"), field="scheme_text")
            used_topics = set(campaign.ideas.values_list("topic", flat=True).distinct())
            missing = sorted(used_topics - set(scheme["topics"]))
            if missing:
                raise ServiceError(_("征集领域“%(t)s”已有建议，不能删除。") % {"t": missing[0]}, field="scheme_text")
            used_awards = set(campaign.ideas.exclude(award="").values_list("award", flat=True).distinct())
            missing = sorted(used_awards - {a["code"] for a in scheme["awards"]})
            if missing:
                raise ServiceError(_("奖项“%(a)s”已评出，不能删除。") % {"a": campaign.award_name(missing[0])},
                                   field="scheme_text")
            campaign.scheme_source, campaign.scheme = scheme_text, scheme
            scheme_changed = True
        campaign.name, campaign.start_date, campaign.end_date = name, start_date, end_date
        campaign.year = start_date.year
        campaign.description = clean_text(description, _("征集公告"), "description", limit=5000, required=False)
        if is_closed is not None:
            campaign.is_closed = is_closed
        campaign.save()
        changes = diff(before, snapshot(campaign, CAMPAIGN_FIELDS))
        if scheme_changed:
            changes["scheme"] = campaign.scheme.get("name")
        _journal(by, "idea.campaign_update", campaign, campaign, changes)
        if scheme_changed:  # trim_from or places may have changed
            for idea in campaign.ideas.filter(score_count__gt=0):
                _rescore(idea)
    return campaign


def expert_assign(*, by, campaign: Campaign, person: Person) -> CampaignExpert:
    _require_manage(by, campaign)
    if not person.is_active:
        raise ServiceError(_("账号“%(u)s”已停用。") % {"u": person.username}, field="person")
    with transaction.atomic():
        link, created = CampaignExpert.objects.get_or_create(campaign=campaign, person=person,
                                                             defaults={"added_at": clock.now()})
        if not created:
            raise ServiceError(_("%(p)s 已是本活动的评审专家。") % {"p": person.display_name}, field="person")
        _journal(by, "idea.expert_add", campaign, campaign, {"expert": person.pk})
        waiting = Idea.objects.filter(campaign=campaign, state=IdeaState.REVIEWING).count()
        _tell_experts([person.pk], lambda: _("您已受邀担任“%(c)s”的评审专家") % {"c": campaign.name},
                      lambda: _("目前有 %(n)s 条建议待评审，请在“金点子 · 专家评分”中打分。") % {"n": waiting},
                      f"ideas-expert:{campaign.pk}:{person.pk}:{link.added_at:%Y%m%d%H%M%S}")
    return link


def expert_remove(*, by, campaign: Campaign, person: Person) -> None:
    """An expert who has scored stays (the scores count); one who has not may be removed."""
    _require_manage(by, campaign)
    with transaction.atomic():
        if ExpertScore.objects.filter(idea__campaign=campaign, expert=person).exists():
            raise ServiceError(_("%(p)s 已评过分，不能移出评审专家。") % {"p": person.display_name}, field="person")
        deleted, _x = CampaignExpert.objects.filter(campaign=campaign, person=person).delete()
        if not deleted:
            raise ServiceError(_("%(p)s 不是本活动的评审专家。") % {"p": person.display_name}, field="person")
        _journal(by, "idea.expert_remove", campaign, campaign, {"expert": person.pk})


# ---- 提交 -----------------------------------------------------------------------------------------------

@dataclass
class IdeaInput:
    title: str
    content: str
    topic: str
    source_kind: str
    name: str
    phone: str
    province: str
    city: str = ""
    email: str = ""
    organisation: str = ""


def idea_submit(*, campaign: Campaign, data: IdeaInput, by=None) -> Idea:
    """Anyone (by=None from the public site) submits an idea to an open campaign."""
    if not campaign.is_open_on(clock.today()):
        raise ServiceError(_("“%(c)s”不在征集期内（%(s)s 至 %(e)s）。")
                           % {"c": campaign.name, "s": campaign.start_date, "e": campaign.end_date})
    title = clean_text(data.title, _("标题"), "title", limit=100)
    content = clean_text(data.content, _("建议内容"), "content", limit=MAX_CONTENT)
    if len(content) < 20:
        raise ServiceError(_("建议内容至少 20 字，请写明问题、建议和预期效果。"), field="content")
    if data.topic not in campaign.topics:
        raise ServiceError(_("请选择征集领域。"), field="topic")
    if data.source_kind not in SourceKind.values:
        raise ServiceError(_("请选择建议人类别。"), field="source_kind")
    name = clean_text(data.name, _("姓名"), "name", limit=50)
    phone = re.sub(r"[\s]", "", data.phone or "")
    if not phone:
        raise ServiceError(_("请填写联系电话，以便核实和答复。"), field="phone")
    if not PHONE.match(phone):
        raise ServiceError(_("联系电话“%(phone)s”格式不对：手机号为 11 位，座机如 0532-88886666。") % {"phone": data.phone},
                           field="phone")
    email = clean_text(data.email, _("电子邮箱"), "email", limit=100, required=False)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ServiceError(_("电子邮箱“%(email)s”格式不对。") % {"email": email}, field="email")
    if data.province not in province_names():
        raise ServiceError(_("请选择所在省份。"), field="province")
    city = clean_text(data.city, _("所在城市"), "city", limit=30, required=False)
    org = clean_text(data.organisation, _("工作单位"), "organisation", limit=100, required=False)
    now = clock.now()
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # serialises the sequence
        seq = (Idea.objects.filter(campaign=campaign).aggregate(m=Max("seq"))["m"] or 0) + 1
        code = new_tracking_code()
        while Idea.objects.filter(tracking_code=code).exists():
            code = new_tracking_code()
        idea = Idea.objects.create(
            campaign=campaign, seq=seq, tracking_code=code, title=title, content=content, topic=data.topic,
            source_kind=data.source_kind, province=data.province, city=city, submitter_name=name,
            submitter_phone=phone, submitter_email=email, submitter_org=org, submitted_at=now, updated_at=now)
        _journal(by, "idea.submit", idea, campaign, {"topic": idea.topic, "province": idea.province,
                                                      "source_kind": idea.source_kind})
    return idea


# ---- 初审 -----------------------------------------------------------------------------------------------

def idea_screen(*, by, idea: Idea, passed: bool, reason: str = "", duplicate_of: Idea | None = None) -> Idea:
    """初审: pass to the experts, reject with a reason (the submitter reads it), or mark as a duplicate."""
    _require_manage(by, idea.campaign)
    with transaction.atomic():
        idea = _lock(idea)
        _require_state(idea, IdeaState.SUBMITTED)
        reason = clean_text(reason, _("理由"), "reason", limit=500, required=False)
        now = clock.now()
        if duplicate_of is not None:
            if duplicate_of.pk == idea.pk or duplicate_of.campaign_id != idea.campaign_id:
                raise ServiceError(_("请选择本活动中的另一条建议。"), field="duplicate_of")
            if duplicate_of.state in (IdeaState.DUPLICATE, IdeaState.REJECTED):
                raise ServiceError(_("建议 %(n)s 本身未通过初审，不能作为重复的依据。") % {"n": duplicate_of.number},
                                   field="duplicate_of")
            idea.state, idea.duplicate_of = IdeaState.DUPLICATE, duplicate_of
            idea.reply = reason or _("您的建议与已收到的建议（编号 %(n)s）内容相同或相近，已合并处理。感谢您的参与！") % {
                "n": duplicate_of.number}
        elif passed:
            idea.state = IdeaState.REVIEWING
            # at most one message a day per campaign, however many ideas pass 初审 that day
            _tell_experts(idea.campaign.expert_links.values_list("person_id", flat=True),
                          lambda: _("“%(c)s”有新的建议待评审") % {"c": idea.campaign.name},
                          lambda: _("通过初审的建议已进入专家评审，请在“金点子 · 专家评分”中打分。"),
                          f"ideas-review:{idea.campaign_id}:{clock.today():%Y%m%d}")
        else:
            if not reason:
                raise ServiceError(_("请写明不通过初审的理由（建议人可查看）。"), field="reason")
            idea.state, idea.reply = IdeaState.REJECTED, reason
        idea.screen_note, idea.screened_at, idea.updated_at = reason, now, now
        idea.save(update_fields=["state", "duplicate_of", "reply", "screen_note", "screened_at", "updated_at"])
        _journal(by, "idea.screen", idea, idea.campaign, {"state": idea.state, "duplicate_of": duplicate_of},
                 reason=reason)
    return idea


# ---- 专家评分 --------------------------------------------------------------------------------------------

def combine_totals(totals: list[Decimal], *, trim_from: int, places: int) -> Decimal | None:
    """The idea's score: the mean of the experts' totals; from `trim_from` experts on, one highest and one
    lowest are dropped first. Rounded half-up to `places`, once."""
    if not totals:
        return None
    values = sorted(totals)
    if len(values) >= trim_from:
        values = values[1:-1]
    mean = sum(values, Decimal(0)) / len(values)
    return mean.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _rescore(idea: Idea) -> None:
    totals = list(ExpertScore.objects.filter(idea=idea).values_list("total", flat=True))
    scheme = idea.campaign.scheme
    idea.score = combine_totals(totals, trim_from=int(scheme.get("trim_from", 5)), places=int(scheme.get("places", 2)))
    idea.score_count = len(totals)
    idea.save(update_fields=["score", "score_count"])


def check_points(campaign: Campaign, points: dict) -> dict[str, Decimal]:
    """Every criterion scored, each between 0 and its maximum, at most 2 decimal places."""
    out: dict[str, Decimal] = {}
    unknown = set(points or {}) - {c["code"] for c in campaign.criteria}
    if unknown:
        raise ServiceError(_("评分项“%(c)s”不在评审方案中。") % {"c": sorted(unknown)[0]}, field=f"points.{sorted(unknown)[0]}")
    for c in campaign.criteria:
        raw = (points or {}).get(c["code"])
        field = f"points.{c['code']}"
        if raw in (None, ""):
            raise ServiceError(_("请为“%(name)s”打分。") % {"name": c["name"]}, field=field)
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ServiceError(_("“%(name)s”的分数须为数字。") % {"name": c["name"]}, field=field)
        if not value.is_finite():
            raise ServiceError(_("“%(name)s”的分数须为数字。") % {"name": c["name"]}, field=field)
        maximum = Decimal(c["max"])
        if value < 0 or value > maximum:
            raise ServiceError(_("“%(name)s”的分数须在 0 至 %(max)s 之间。") % {"name": c["name"], "max": maximum},
                               field=field)
        if value != value.quantize(Decimal("0.01")):
            raise ServiceError(_("“%(name)s”的分数最多保留两位小数。") % {"name": c["name"]}, field=field)
        out[c["code"]] = value
    return out


def idea_score(*, by, idea: Idea, points: dict, note: str = "") -> ExpertScore:
    """An assigned expert scores (or re-scores, until the decision) an idea under review."""
    require(perms.is_expert(by, idea.campaign), _("只有本活动的评审专家可以评分。"))
    values = check_points(idea.campaign, points)
    note = clean_text(note, _("评语"), "note", limit=500, required=False)
    with transaction.atomic():
        idea = _lock(idea)
        _require_state(idea, IdeaState.REVIEWING)
        total = sum(values.values(), Decimal(0))
        score, created = ExpertScore.objects.update_or_create(
            idea=idea, expert=by, defaults={"points": {k: str(v) for k, v in values.items()}, "total": total,
                                            "note": note, "submitted_at": clock.now()})
        _rescore(idea)
        _journal(by, "idea.score", idea, idea.campaign, {"points": score.points, "total": total,
                                                          "revised": not created, "score": idea.score})
    return score


# ---- 处理、评奖、转化 ------------------------------------------------------------------------------------

def idea_decide(*, by, idea: Idea, decision: str, reply: str, publish: bool = True) -> Idea:
    """采纳 / 部分采纳 / 不采纳 with a public reply. Needs at least one expert score. A decision may be
    corrected later, but not away from 采纳 once the idea has a task or an award."""
    _require_manage(by, idea.campaign)
    if decision not in Decision.values:
        raise ServiceError(_("请选择处理结果。"), field="decision")
    reply = clean_text(reply, _("答复"), "reply", limit=2000)
    with transaction.atomic():
        idea = _lock(idea)
        _require_state(idea, IdeaState.REVIEWING, IdeaState.DECIDED)
        if idea.score_count == 0:
            raise ServiceError(_("专家评分前不能作出处理决定。"), field="decision")
        if decision not in ADOPTED_DECISIONS and (idea.task_id or idea.award):
            raise ServiceError(_("该建议已转化为任务或已获奖，不能改为不采纳。"), field="decision")
        before = snapshot(idea, ("state", "decision", "reply", "is_public"))
        now = clock.now()
        idea.state, idea.decision, idea.reply, idea.is_public = IdeaState.DECIDED, decision, reply, bool(publish)
        idea.decided_at = idea.decided_at if before["state"] == IdeaState.DECIDED else now
        idea.updated_at = now
        idea.save(update_fields=["state", "decision", "reply", "is_public", "decided_at", "updated_at"])
        _journal(by, "idea.decide", idea, idea.campaign, diff(before, snapshot(idea, ("state", "decision", "reply",
                                                                                           "is_public"))))
    return idea


def idea_award(*, by, idea: Idea, award: str) -> Idea:
    """评奖 (award="" withdraws it). Only adopted ideas; each level at most its count."""
    _require_manage(by, idea.campaign)
    with transaction.atomic():
        idea = _lock(idea)
        campaign = Campaign.objects.select_for_update().get(pk=idea.campaign_id)
        if award:
            level = next((a for a in campaign.awards if a["code"] == award), None)
            if level is None:
                raise ServiceError(_("评审方案中没有这个奖项。"), field="award")
            if idea.decision not in ADOPTED_DECISIONS:
                raise ServiceError(_("只有采纳或部分采纳的建议可以评奖。"), field="award")
            taken = Idea.objects.filter(campaign=campaign, award=award).exclude(pk=idea.pk).count()
            if taken >= level["count"]:
                raise ServiceError(_("%(name)s名额 %(n)s 个已满。") % {"name": level["name"], "n": level["count"]},
                                   field="award")
        elif not idea.award:
            raise ServiceError(_("该建议没有获奖。"), field="award")
        old = idea.award
        now = clock.now()
        idea.award, idea.awarded_at, idea.updated_at = award, (now if award else None), now
        idea.save(update_fields=["award", "awarded_at", "updated_at"])
        _journal(by, "idea.award", idea, campaign, {"award": [old, award]})
    return idea


def idea_make_task(*, by, idea: Idea, program: Program, lead_unit: Unit, deadline_phrase: str = "",
                   title: str = "", measures: str | None = None) -> "Task":  # noqa: F821
    """An adopted idea becomes a task of `program` led by `lead_unit` (tasks.services.task_create, which also
    requires the office over the program's owner unit). The task notes its source; the idea keeps the link.

    The fields are mapped on purpose: 任务内容 ← the idea's title, 具体措施 ← the suggestion itself (the office edits
    both on the form first; `measures=None` takes the suggestion as it is), 备注 ← the source with its link. The
    reply to the citizen is not task text: it stays with the idea."""
    from luoshi.tasks.services import TaskInput, task_create

    _require_manage(by, idea.campaign)
    with transaction.atomic():
        idea = _lock(idea)
        if idea.decision not in ADOPTED_DECISIONS:
            raise ServiceError(_("只有采纳或部分采纳的建议可以转化为任务。"), field="program")
        if idea.task_id:
            raise ServiceError(_("该建议已转化为任务。"), field="program")
        if program.is_archived:
            raise ServiceError(_("专项工作“%(p)s”已归档。") % {"p": program.name}, field="program")
        if not lead_unit.is_active:
            raise ServiceError(_("单位“%(u)s”已停用。") % {"u": lead_unit.name}, field="lead_unit")
        measures = idea.content if measures is None else measures.strip()
        if len(measures) > 5000:
            raise ServiceError(_("具体措施最多 5000 字。"), field="measures")
        task = task_create(by=by, program=program, data=TaskInput(
            title=clean_text(title or idea.title, _("任务内容"), "title", limit=500), measures=measures,
            lead_units=[lead_unit], deadline_phrase=deadline_phrase or "",
            note=_("来源：金点子 %(n)s“%(t)s”（%(c)s）%(url)s") % {
                "n": idea.number, "t": idea.title, "c": idea.campaign.name, "url": reverse("ideas_idea", args=[idea.pk])},
            tags=[_("金点子")]))
        idea.task, idea.updated_at = task, clock.now()
        idea.save(update_fields=["task", "updated_at"])
        _journal(by, "idea.task", idea, idea.campaign, {"task": task.pk, "program": program.pk, "lead_unit": lead_unit.pk})
    return task
