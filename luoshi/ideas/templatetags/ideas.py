from django import template

register = template.Library()


@register.filter
def award_name(campaign, code):
    return campaign.award_name(code) if code else ""


@register.filter
def field_error(error, field):
    """The message of a ServiceError when it is about `field` (e.g. "points.innovation")."""
    return error.message if error is not None and error.field == field else ""
