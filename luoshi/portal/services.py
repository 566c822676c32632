"""Writes of the public site: a visitor's satisfaction rating (群众批题). The visitor is anonymous, so the
journal entry has no actor; it records the task, the score and the rating's id, never the keys."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record

from .models import PublicRating, Score
from .selectors import public_text, rateable_tasks

COMMENT_MAX = 200


def rating_submit(*, task_id: int, score, comment: str = "", rater_key: str, ip_hash: str = "") -> PublicRating:
    """One rating per visitor (rater_key) per task, only on tasks of a published or 民生实事 program."""
    task = rateable_tasks().filter(pk=task_id).select_related("program__owner_unit").first()
    if task is None:
        raise ServiceError(_("该事项未公开，不能评价。"))
    if not rater_key:
        raise ServiceError(_("请允许本网站使用 Cookie 后再评价（用于保证每人只评价一次，不记录您的身份）。"))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in Score.values:
        raise ServiceError(_("请选择满意程度。"), field="score")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(_("意见最多 %(n)s 个字。") % {"n": COMMENT_MAX}, field="comment")
    already = _("您已经评价过这一事项，每人只能评价一次。")
    if PublicRating.objects.filter(task=task, rater_key=rater_key).exists():
        raise ServiceError(already)
    with transaction.atomic():
        try:
            with transaction.atomic():   # a savepoint: a concurrent second rating hits the unique constraint
                rating = PublicRating.objects.create(task=task, score=score, comment=public_text(comment),
                                                     rater_key=rater_key, ip_hash=ip_hash, created_at=clock.now())
        except IntegrityError:
            raise ServiceError(already) from None
        journal_record(actor=None, verb="portal.rating", obj=task, changes={"rating": rating.pk, "score": score},
                       scope_path=task.program.owner_unit.path)
    return rating
