from django import template
from django.utils.html import format_html

register = template.Library()

LABELS = {"normal": "正常", "yellow": "黄灯", "red": "红灯", "extended": "已延期", "closed": "已办结"}


@register.simple_tag
def status_pill(status, reason=""):
    return format_html('<span class="pill {}" title="{}">{}</span>', status, reason, LABELS.get(status, status))


@register.filter
def cndate(value):
    """2021年6月30日, the way Chinese official text writes dates."""
    if not value:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def pct(value):
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


VERBS = {
    "task.create": "新建任务", "task.update": "修改任务", "task.import_create": "导入新建", "task.import_update": "导入更新",
    "task.acknowledge": "签收", "task.report": "报送进展", "task.status": "状态变化", "task.extension_request": "申请延期",
    "task.extension_decide": "审核延期", "task.closure_request": "申请办结", "task.closure_decide": "审核办结",
}


@register.filter
def verb_label(verb):
    return VERBS.get(verb, verb)
