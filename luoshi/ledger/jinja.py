"""The template functions the ledger templates use (collected by luoshi.core.jinja, ADR 0043)."""
from .display import status_pill


def finding_pill(finding, today):
    return status_pill(finding, today)[0]


FILTERS = {}
GLOBALS = {"finding_pill": finding_pill}
