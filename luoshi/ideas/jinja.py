"""The filters the ideas templates use (collected by luoshi.core.jinja, ADR 0043)."""


def award_name(campaign, code):
    return campaign.award_name(code) if code else ""


def field_error(error, field):
    """The message of a ServiceError when it is about `field` (e.g. "points.innovation")."""
    return error.message if error is not None and error.field == field else ""


FILTERS = {"award_name": award_name, "field_error": field_error}
GLOBALS = {}
