"""Delivering reminders. Every message is stored in-app; then it goes through the channels named in
LUOSHI_NOTIFY_CHANNELS (e-mail by default), so an SMS gateway or a 政务IM bot is one more class."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection, EmailMessage
from django.utils import translation
from django.utils.module_loading import import_string

from . import clock
from .language import Text, group_by_language, in_language_of, languages_of, render_text
from .models import Notification


@dataclass(frozen=True)
class Message:
    recipient_id: int
    recipient_email: str
    kind: str
    title: str
    body: str
    url: str
    dedup_key: str


class Channel:
    name = "base"

    def send(self, messages: list[Message]) -> int:
        raise NotImplementedError


class EmailChannel(Channel):
    """Sends one e-mail per message to people who have an address. Failures are counted, not raised:
    a dead mail server must not stop the in-app warnings."""

    name = "email"

    def send(self, messages: list[Message]) -> int:
        sent = 0
        try:
            connection = get_connection(fail_silently=True)
            emails = [EmailMessage(subject=f"【落实】{m.title}", body=f"{m.body}\n\n{m.url}", to=[m.recipient_email],
                                   connection=connection) for m in messages if m.recipient_email]
            sent = (connection.send_messages(emails) or 0) if emails else 0
        except Exception:  # noqa: BLE001 - see docstring
            return sent
        return sent


def channels() -> list[Channel]:
    return [import_string(path)() for path in settings.LUOSHI_NOTIFY_CHANNELS]


def deliver(messages: list[Message]) -> dict[str, int]:
    """Store each message as an in-app notification (the record of what was sent), then send the
    ones not already stored under the same (recipient, dedup key) through every configured channel."""
    if not messages:
        return {"inapp": 0}
    already: set[tuple[int, str]] = set()
    keys = sorted({m.dedup_key for m in messages})
    for i in range(0, len(keys), 500):  # chunks keep the IN list within every database's limits
        already.update(Notification.objects.filter(dedup_key__in=keys[i:i + 500])
                       .values_list("recipient_id", "dedup_key"))
    fresh = list({(m.recipient_id, m.dedup_key): m for m in messages
                  if (m.recipient_id, m.dedup_key) not in already}.values())
    now = clock.now()
    Notification.objects.bulk_create(
        [Notification(recipient_id=m.recipient_id, kind=m.kind, title=m.title, body=m.body, url=m.url,
                      dedup_key=m.dedup_key, created_at=now) for m in fresh],
        batch_size=2000, ignore_conflicts=True)  # a concurrent run may have stored one meanwhile
    result = {"inapp": len(fresh)}
    for channel in channels():
        result[channel.name] = channel.send(fresh)
    return result


def notify_people(person_ids, *, kind: str, title: Text, body: Text = "", url: str = "", dedup_key: str) -> None:
    """The same message to several people by id (inactive accounts skipped), in-app and by every channel. A
    title or body given as a function (`lambda: _("…") % {...}`) or a lazy translation is written in each
    recipient's language (core.language), once per language; a plain string is sent as it is."""
    people = languages_of(person_ids or ())
    messages = []
    for code, ids in group_by_language(people):
        with translation.override(code):
            title_text, body_text = render_text(title), render_text(body)
        messages += [Message(pid, people[pid][0], kind, title_text, body_text, url, dedup_key) for pid in ids]
    deliver(messages)


def notify_one(*, recipient, kind: str, title: Text, body: Text = "", url: str = "", dedup_key: str) -> None:
    with in_language_of(recipient):
        title_text, body_text = render_text(title), render_text(body)
    deliver([Message(recipient.pk, recipient.email or "", kind, title_text, body_text, url, dedup_key)])


def unread_count(user) -> int:
    """Messages the user has not opened yet (the 消息 badge; part of a cached page's key)."""
    from .models import Notification

    return Notification.objects.filter(recipient=user, read_at=None).count()
