"""Request (诉求) pages: the staff's queue, request page and actions (staff.py) and the public form and
rating page (public.py). Metrics pages live in views_metrics."""
from .public import request_done, request_new, request_rate  # noqa: F401
from .staff import (intake_index, intake_new, request_action, request_detail, request_photo,  # noqa: F401
                    request_extension_decide)
