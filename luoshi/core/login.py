"""Sign-in that cannot be guessed at: failed passwords are counted per account and per client address in the
shared rate-limit store (the database cache every process and server uses, core.throttle), and past the limit
the sign-in page and /admin/ refuse to try, with a clear Chinese message and an audit entry in the journal.

A correct password during a lock is refused too (otherwise the lock would tell a guesser when they are right);
the lock lifts by itself at the end of the window."""
from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import LoginView
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from .journal import journal_entry
from .language import in_language_of, language_cookie_set, language_valid
from .throttle import address_hash, client_address


def _limits() -> dict[str, tuple[int, int]]:
    return {"account": tuple(getattr(settings, "LUOSHI_LOGIN_LIMIT_ACCOUNT", (5, 900))),
            "address": tuple(getattr(settings, "LUOSHI_LOGIN_LIMIT_ADDRESS", (20, 900)))}


def _account_key(username: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:login:{username.strip().lower()}".encode()).hexdigest()


def _usage(request, kind: str, username: str, *, increment: bool) -> dict | None:
    limit, seconds = _limits()[kind]
    value = _account_key(username) if kind == "account" else address_hash(request)
    return get_usage(request, group=f"luoshi.login.{kind}", key=lambda _group, _request: value,
                     rate=(limit, seconds), increment=increment)


def login_locked(request, username: str) -> int | None:
    """Minutes until sign-in may be tried again for this account or address, or None when it may now."""
    for kind in ("account", "address"):
        usage = _usage(request, kind, username, increment=False)
        if usage and usage["count"] >= _limits()[kind][0]:
            return max(1, int(usage.get("time_left", _limits()[kind][1])) // 60 or 1)
    return None


def login_failed(request, username: str) -> None:
    """Count one failed password for the account and the address."""
    for kind in ("account", "address"):
        _usage(request, kind, username, increment=True)


def _audit(request, username: str, minutes: int) -> None:
    person = get_user_model().objects.filter(username=username).first()
    entry = journal_entry(actor=None, verb="auth.login_locked", obj=person or get_user_model()(username=username[:150]),
                          changes={"username": username[:150], "address": client_address(request)[:64],
                                   "minutes": minutes})
    if person is None:
        entry.object_id = ""
    entry.save(force_insert=True)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing to try once an account or address has failed too often."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        minutes = login_locked(self.request, username) if self.request is not None else None
        if minutes:
            _audit(self.request, username, minutes)
            raise forms.ValidationError(
                _("登录失败次数过多，已暂停登录。请 %(minutes)s 分钟后再试，或联系管理员。") % {"minutes": minutes},
                code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None:
                login_failed(self.request, username)
            raise

    @property
    def throttled(self) -> str:
        """The lock message when the form was refused for that reason (the page shows it instead of the
        usual "wrong password")."""
        for error in self.errors.as_data().get("__all__", []):
            if error.code == "throttled":
                return " ".join(error.messages)
        return ""


class LanguageLoginView(LoginView):
    """Django's sign-in page; a person who chose a language (Person.language, core.language) gets it as the
    interface language from the moment they sign in (the language cookie LocaleMiddleware reads). Without a
    choice the browser keeps what it had (the header switch, or Accept-Language)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        code = getattr(form.get_user(), "language", "")
        if code and language_valid(code):
            language_cookie_set(response, code)
        return response


class LanguagePasswordResetForm(PasswordResetForm):
    """Django's 找回密码 form; the e-mail is written for the account's person, so in their language (core.language),
    not in the language of whoever asked for it."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        with in_language_of(context.get("user")):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)
