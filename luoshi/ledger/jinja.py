
from .display import status_pill



def finding_pill(finding, today):
    return status_pill(finding, today)[0]


FILTERS = {}
GLOBALS = {"finding_pill": finding_pill}
