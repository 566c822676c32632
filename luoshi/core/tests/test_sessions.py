"""The session store and the person lookup of every signed-in request (core/sessions.py, ADR 0034): one statement
each, and the same answers as Django's database store and ModelBackend — also for expired, unknown and tampered
sessions and for a person who was deactivated."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from luoshi.core.sessions import PersonBackend, SessionStore
from luoshi.org.models import Person


def _fields(person):
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


def test_a_session_reads_back_and_expires(db, django_assert_num_queries):
    s = SessionStore()
    s["answer"] = 42
    s.create()
    key = s.session_key
    with django_assert_num_queries(1):
        assert SessionStore(key).load() == {"answer": 42}
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None  # as Django: an expired key is dropped
    assert SessionStore("x" * 32).load() == {}


def test_the_person_is_read_as_the_orm_reads_them(cast, django_assert_num_queries):
    office = cast["office"]
    office.last_login = timezone.now()
    office.save()
    with django_assert_num_queries(1):
        lean = PersonBackend().get_user(office.pk)
    orm = ModelBackend().get_user(office.pk)
    assert _fields(lean) == _fields(orm) and lean.last_login == office.last_login
    assert lean._state.adding is False and lean._state.db == "default"
    assert PersonBackend().get_user(10 ** 12) is None
    assert PersonBackend().get_user("not-a-number") is None  # a tampered session signs nobody in
    assert PersonBackend().get_user(2 ** 70) is None
    office.is_active = False
    office.save()
    assert PersonBackend().get_user(office.pk) is None


def test_signing_in_and_out_through_the_pages(cast):
    c = Client()
    r = c.post("/accounts/login/", {"username": "office", "password": "pw-123456"})
    assert r.status_code == 302
    assert c.get("/inbox/").status_code == 200
    assert c.session["_auth_user_backend"] == "luoshi.core.sessions.PersonBackend"
    c.post("/accounts/logout/")
    r = c.get("/inbox/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_session_from_before_the_upgrade_stays_valid(cast):
    """Sessions stored under Django's ModelBackend (before ADR 0034) still sign their person in."""
    c = Client()
    c.force_login(cast["office"], backend="django.contrib.auth.backends.ModelBackend")
    assert c.get("/inbox/").status_code == 200
