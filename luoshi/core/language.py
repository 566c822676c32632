"""A person's language: what is written *for* a person (inbox messages, the daily digest, reminder e-mails and
other notifications) is written in the language they chose (`Person.language`, set on their account page or by
the office), and the interface switches to it when they sign in. Blank means the site's language
(settings.LANGUAGE_CODE, Chinese). Anonymous visitors keep Django's cookie / Accept-Language choice.

Documents keep the office format whatever the reader's language: a 公文 is Chinese (documents render under
`translation.override(None)`).

    with in_language_of(person):            # one person
        title = _("…") % {...}
    for code, ids in group_by_language(ids):   # many people, one rendering per language
        with translation.override(code): ...
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

# A text written for someone: a plain (already translated) string, a lazy translation, or a function that
# writes it in the active language (`lambda: _("…%(x)s") % {...}`), called once per recipients' language.
Text = str | Promise | Callable[[], str]


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_valid(code: str) -> bool:
    """True for a blank code (the site's language) or one of settings.LANGUAGES."""
    return code == "" or code in language_codes()


def language_name(code: str) -> str:
    """The language's own name (简体中文, English); the site default for a blank code."""
    code = code or settings.LANGUAGE_CODE
    return dict(settings.LANGUAGES).get(code, code)


def person_language_code(code: str | None) -> str:
    """The language to write in for a person whose stored language is `code` (blank: the site's)."""
    return code if code and code in language_codes() else settings.LANGUAGE_CODE


def person_language(person: Any) -> str:
    """The language to write in for `person` (a user, or None/anonymous: the site's language)."""
    return person_language_code(getattr(person, "language", "") or "")


def in_language_of(person: Any) -> translation.override:
    """`with in_language_of(person):` — texts written inside are in that person's language."""
    return translation.override(person_language(person))


def render_text(text: Text) -> str:
    """A Text in the active language."""
    if callable(text) and not isinstance(text, (str, Promise)):
        return text()
    return str(text)


def languages_of(person_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id → (e-mail, language) of the active people among `person_ids` (one query)."""
    from django.contrib.auth import get_user_model

    ids = {int(i) for i in person_ids if i}
    if not ids:
        return {}
    return {pk: (email or "", person_language_code(code))
            for pk, email, code in get_user_model().objects.filter(pk__in=ids, is_active=True)
            .values_list("pk", "email", "language")}


def group_by_language(people: dict[int, tuple[str, str]]) -> list[tuple[str, list[int]]]:
    """[(language, [ids…])…] of the `languages_of` answer, ids sorted, languages in a fixed order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pk in sorted(people):
        groups[people[pk][1]].append(pk)
    return sorted(groups.items())


def language_cookie_set(response: Any, code: str) -> None:
    """Make `code` the browser's interface language (Django's language cookie, read by LocaleMiddleware): what
    signing in does with the person's language, and what their account page does when they change it."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
