import re

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import formats

register = template.Library()

LABELS = {"normal": gettext_lazy("正常"), "yellow": gettext_lazy("黄灯"), "red": gettext_lazy("红灯"),
          "extended": gettext_lazy("已延期"), "closed": gettext_lazy("已办结")}


@register.simple_tag
def status_pill(status, reason=""):
    return format_html('<span class="pill {}" title="{}">{}</span>', status, reason, LABELS.get(status, status))


@register.filter
def period_label(period):
    """A reporting period as ReportingPeriod.__str__ writes it (第3期（03.26–04.25）), translatable."""
    return _("第%(seq)s期（%(start)s–%(due)s）") % {
        "seq": period.seq, "start": f"{period.start:%m.%d}", "due": f"{period.due:%m.%d}"}


@register.filter
def pct(value):
    return formats.rate_text(value)


# One format per kind of figure and one date format (core/formats.py); pages use these filters, Word and Excel the
# functions behind them.
@register.filter
def score(value):
    return formats.score_text(value)


@register.filter
def rate(value):
    return formats.rate_text(value)


@register.filter
def ratio(value):
    return formats.ratio_text(value)


@register.filter
def wan(value):
    return formats.wan_text(value)


@register.filter(expects_localtime=False)
def day(value):
    return formats.day_text(value)


@register.filter(expects_localtime=False)
def moment(value):
    return formats.moment_text(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


VERBS = {
    "task.create": gettext_lazy("新建任务"), "task.update": gettext_lazy("修改任务"),
    "task.import_create": gettext_lazy("导入新建"), "task.import_update": gettext_lazy("导入更新"),
    "task.acknowledge": gettext_lazy("签收"), "task.report": gettext_lazy("报送进展"),
    "task.status": gettext_lazy("状态变化"), "task.extension_request": gettext_lazy("申请延期"),
    "task.extension_decide": gettext_lazy("审核延期"), "task.closure_request": gettext_lazy("申请办结"),
    "task.closure_decide": gettext_lazy("审核办结"), "task.report_release": gettext_lazy("公开进展"),
    "task.report_withhold": gettext_lazy("不予公开进展"),
    "request.submit": gettext_lazy("受理"), "request.import": gettext_lazy("批量导入"),
    "request.dispatch": gettext_lazy("派单"), "request.close_invalid": gettext_lazy("不予受理/重复"),
    "request.sign": gettext_lazy("签收"), "request.return": gettext_lazy("退单"), "request.note": gettext_lazy("办理记录"),
    "request.reply": gettext_lazy("回复"), "request.rate": gettext_lazy("回访评价"),
    "request.close_unrated": gettext_lazy("逾期未评价办结"), "request.extension_ask": gettext_lazy("申请延期"),
    "request.extension_decide": gettext_lazy("延期审批"), "request.urge": gettext_lazy("催办"),
    "request.supervise": gettext_lazy("督办"), "request.purge_personal": gettext_lazy("清除个人信息"),
    "intake.configure": gettext_lazy("导入派单目录"), "intake.topic_promote": gettext_lazy("热点转实事"),
    "idea.submit": gettext_lazy("提交建议"), "idea.screen": gettext_lazy("初审"), "idea.score": gettext_lazy("专家评分"),
    "idea.decide": gettext_lazy("处理答复"), "idea.award": gettext_lazy("评奖"), "idea.task": gettext_lazy("转化为任务"),
    "idea.campaign_create": gettext_lazy("发起征集"), "idea.campaign_update": gettext_lazy("修改征集活动"),
    "idea.expert_add": gettext_lazy("增加评审专家"), "idea.expert_remove": gettext_lazy("移出评审专家"),
    "portal.rating": gettext_lazy("群众评价"), "program.create": gettext_lazy("新建专项工作"),
    "program.update": gettext_lazy("修改专项工作"),
    "instruction.create": gettext_lazy("领导批示"), "instruction.reply": gettext_lazy("回复批示"),
    "instruction.read": gettext_lazy("批示已阅"), "instruction.close": gettext_lazy("批示办结"),
}


@register.filter
def verb_label(verb):
    return VERBS.get(verb, verb)


ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
CHANGE_LABELS = {"parent": gettext_lazy("上级任务"), "tags": gettext_lazy("标签"), "source": gettext_lazy("来源"),
                 "created": gettext_lazy("新建"), "updated": gettext_lazy("更新"), "unchanged": gettext_lazy("未变"),
                 "status": gettext_lazy("状态"), "lead_units": gettext_lazy("牵头单位"),
                 "coop_units": gettext_lazy("配合单位"), "leaders": gettext_lazy("责任领导")}


def _change_value(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return "、".join(_change_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_change_value(v)}" for k, v in value.items())
    text = str(value)
    if ISO_DATETIME.match(text):
        parsed = parse_datetime(text)
        if parsed is not None:  # stored in UTC; shown in the server's time zone like every other time
            return date_format(localtime(parsed) if is_aware(parsed) else parsed, "Y-m-d H:i")
    if text in LABELS:
        return str(LABELS[text])
    return Truncator(text).chars(60)


@register.filter
def journal_changes(entry):
    """A journal entry's changes as a reader wants them: 字段：旧 → 新, field names in words, times local."""
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        model = None
    parts = []
    for key, value in (entry.changes or {}).items():
        label = CHANGE_LABELS.get(key, key)
        if model is not None:
            try:
                label = model._meta.get_field(key.removesuffix("_id")).verbose_name
            except FieldDoesNotExist:
                pass
        if isinstance(value, list) and len(value) == 2 and key not in ("tags", "created"):
            parts.append(format_html("{}：{} → {}", label, _change_value(value[0]), _change_value(value[1])))
        else:
            parts.append(format_html("{}：{}", label, _change_value(value)))
    return format_html_join("；", "{}", ((p,) for p in parts))


@register.filter
def masked(text):
    """Phone and ID numbers masked (138****1234), for anything a page shows beyond its staff."""
    from luoshi.core.privacy import mask_personal

    return mask_personal(str(text or ""))
