"""Rendered pages kept per data revision (core.revisions), for the pages many people open many times a day.

`@cached_page("tasks")` on a view: a GET is answered from the cache when the same user asked for the same URL,
in the same language, on the same day, with the same number of unread messages, and no counter of the named
kinds of data (plus "org", which every page shows through names and scopes) has moved since. Anything else
renders the page and stores it. A write raises its counter as it commits, so a cached page is not older than the
last committed write (see core.revisions for why, and for the few milliseconds between a commit and the raise).

What varies per browser rather than per user is kept out of the stored page: the CSRF tokens are stored as a
placeholder and filled in with the visitor's own token on the way out; a response carrying flash messages is
neither served from nor stored in the cache.

The cache is the `pages` alias (settings.CACHES), local to each server process by default. That is safe, since
the key holds the revisions read from the database, and fast, since a hit costs no unpickling across a socket.
"""
from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from . import clock, revisions
from .locks import key_lock
from .notify import unread_count

# NUL cannot occur in stored text (core.validation refuses control characters; PostgreSQL refuses NUL), so
# this placeholder cannot be forged by anything a user typed.
CSRF_PLACEHOLDER = "\x00luoshi-csrf\x00"
MAX_BODY_BYTES = 2_000_000


def csrf(request) -> dict:
    """Replaces django.template.context_processors.csrf: a page being rendered for the cache gets the
    placeholder, every other page the visitor's token."""
    if getattr(request, "_luoshi_page_cache", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    from django.template.context_processors import csrf as django_csrf

    return django_csrf(request)


def _key(request, name: str, kinds: tuple[str, ...]) -> str:
    unread = unread_count(request.user)
    # the unread count is passed on, so the context processor does not count again
    request._luoshi_unread_count = unread
    htmx = (request.headers.get("HX-Request", ""), request.headers.get("HX-Boosted", ""),
            request.headers.get("HX-Target", ""))
    parts = (name, request.user.pk, request.get_full_path(), get_language(), clock.today().isoformat(), unread,
             htmx, revisions.current("org", *kinds))
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _has_messages(request) -> bool:
    storage = messages.get_messages(request)
    return bool(len(storage))  # len() looks without marking the messages as shown


def cached_page(*kinds: str):
    """Cache the view's GET responses under the revisions of `kinds` (plus "org"). Put it under
    @login_required: the key is per user."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if (request.method != "GET" or not settings.LUOSHI_PAGE_CACHE or not request.user.is_authenticated
                    or _has_messages(request)):
                return view(request, *args, **kwargs)
            store = caches["pages"]
            key = _key(request, view.__module__ + "." + view.__name__, kinds)
            hit = store.get(key)
            if hit is None:
                # After a write every thread asking for a busy page misses at once: one renders it, the others
                # wait and then find it stored (or render in turn, when it could not be stored).
                with key_lock(key):
                    hit = store.get(key)
                    if hit is None:
                        return _render(view, request, args, kwargs, store, key)
            body, content_type = hit
            return HttpResponse(body.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type)

        return wrapper

    return decorate


def _render(view, request, args, kwargs, store, key: str):
    """Render the page and store it under `key` (with the CSRF placeholder), then fill in this visitor's token."""
    request._luoshi_page_cache = True
    try:
        response = view(request, *args, **kwargs)
    finally:
        request._luoshi_page_cache = False
    if getattr(response, "streaming", False) or response.status_code != 200 or response.cookies:
        return _fill(response, request)
    body = response.content.decode(response.charset)
    if len(body) <= MAX_BODY_BYTES and not _has_messages(request):
        store.set(key, (body, response["Content-Type"]), settings.LUOSHI_PAGE_CACHE_SECONDS)
    response.content = body.replace(CSRF_PLACEHOLDER, get_token(request))
    return response


def _fill(response, request):
    if not getattr(response, "streaming", False) and CSRF_PLACEHOLDER.encode() in response.content:
        response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    return response
