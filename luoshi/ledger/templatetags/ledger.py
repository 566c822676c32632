from django import template

from ..display import status_pill

register = template.Library()


@register.simple_tag
def finding_pill(finding, today):
    return status_pill(finding, today)[0]
