"""The background worker's part of the scheduled bulletins (django_tasks, like the photo processing): the
daily step claims the slots, the worker draws each issue's snapshot. Queued after the claim commits; an
issue a stopped worker never drew stays `pending` and the next daily run queues it again."""
from __future__ import annotations

from django.db import transaction
from django_tasks import task


def schedule_generation(issue_ids: list[int], *, notify: bool = True) -> None:
    def enqueue():
        for pk in issue_ids:
            generate_issue.enqueue(pk, notify)

    transaction.on_commit(enqueue)


@task()
def generate_issue(issue_id: int, notify: bool = True) -> str:
    from .services import issue_generate

    return issue_generate(issue_id, notify=notify).state
