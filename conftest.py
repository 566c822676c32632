"""The fixed cast every test uses: a small district with two streets and an office, the office staff,
a leader, two liaisons of different units, an evaluator and an anonymous visitor; one program with
tasks for both streets."""
import datetime as dt
import os
from types import SimpleNamespace

import pytest
import time_machine
from django.template.backends import jinja2 as jinja2_backend
from django.test.signals import template_rendered
from hypothesis import HealthCheck, settings as hypothesis_settings

# Property tests on a shared, loaded machine: no per-example deadline (a slow example is not a wrong one), no
# health checks that measure time or how much generated data was thrown away, and in CI a fixed derivation of
# the examples (derandomize) with no example database, so a run is the same run wherever it happens.
# `HYPOTHESIS_PROFILE=dev` keeps hypothesis' own defaults for local exploration.
hypothesis_settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# config.wsgi loads every view and template and freezes the collector when imported (a server's start); tests that
# import it want its checks only, and the servers tests start need no head start. test_wsgi.py tests the warm-up.
os.environ["LUOSHI_WARM_UP"] = "0"


def _jinja2_render_signalled(self, context=None, request=None):
    """Django's test client learns what a page rendered (`response.context`, `assertTemplateUsed`) from a signal its
    test set-up adds to Django's own template engine only; the pages are Jinja2 (ADR 0043), so the same signal is
    sent here, with the context as the page saw it (the backend adds the context processors' values to it)."""
    context = {} if context is None else context
    html = _jinja2_render(self, context, request)
    template_rendered.send(sender=self, template=SimpleNamespace(name=self.template.name), context=context)
    return html


_jinja2_render = jinja2_backend.Template.render
jinja2_backend.Template.render = _jinja2_render_signalled


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests that commit (live server, browser, transaction=True) run after the others, whatever the random order
    (pytest-random-order shuffles first) and on every xdist worker: the flush after each of them empties every
    table, including the rows the migrations wrote, which the tests in a rolled-back transaction rely on."""
    def commits(item) -> bool:
        marker = item.get_closest_marker("django_db")
        return (bool(marker and marker.kwargs.get("transaction"))
                or bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))))

    items.sort(key=commits)  # stable: the order within each part stays as it was


@pytest.fixture(autouse=True)
def _site_language_first():
    """Every test starts in the site language: the test client runs views in this thread, and a request in English
    (LocaleMiddleware activates the language and nothing deactivates it) would leave the next test of this worker
    writing English (seen once a person's language came in: a login activates it)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher is slow on purpose; tests only need it to round-trip."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _background_jobs_run_at_once(settings):
    """Background jobs (photo resizing) run when enqueued, i.e. when the upload's transaction commits;
    a test that wants them uses django_capture_on_commit_callbacks(execute=True)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """What the cache holds (rate-limit counters, the ledger figures) must not leak from one test into the next.
    The database caches (the default and the rate-limit counters) are rows of the test database: a test in a
    rolled-back transaction leaves none, but the flush after a committing test empties only the models' tables,
    so a committing test starts by emptying them; a cache kept in memory (LUOSHI_CACHE=locmem) is emptied here."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        for alias in caches.settings:
            caches[alias].clear()
    in_memory = [caches[alias] for alias in caches.settings if not isinstance(caches[alias], DatabaseCache)]
    for c in in_memory:
        c.clear()
    yield
    for c in in_memory:
        c.clear()


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, its app behind a RequestGate (luoshi.core.testing)."""
    from luoshi.core.testing import RequestGate

    httpd = live_server.thread.httpd
    live_server.gate = RequestGate(httpd.get_app())
    httpd.set_app(live_server.gate)
    return live_server


@pytest.fixture(autouse=True)
def _live_server_done_before_the_flush(request):
    """A test with the live server ends only when the server has answered every request it took (a browser may
    still be loading part of a page): the flush after the test must not meet a request's statements (on
    PostgreSQL the two deadlocked). Set up after transactional_db and before the browser fixtures, so torn down
    after the browser contexts are closed and before the flush."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    gate = request.getfixturevalue("live_server").gate
    gate.open()
    yield
    gate.close_and_wait()


@pytest.fixture(autouse=True)
def _rate_limit_windows_stand_still(monkeypatch):
    """django-ratelimit counts in fixed windows of wall-clock time: a test that ran across the end of a window
    would see its count start again. Here its clock stands still (core/tests/test_throttle.py moves it on
    purpose). The counters are rows of the test database, gone with each test's transaction."""
    import types

    from django_ratelimit import core

    monkeypatch.setattr(core, "time", types.SimpleNamespace(time=lambda: 1_800_000_000))


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """What is cached per process (the street names addresses are matched against) must not leak from one test's
    database into the next."""
    from luoshi.intake import services as intake_services

    def clear():
        intake_services._street_names.clear()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded evidence goes to a per-test temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def travel():
    """travel("2026-03-01") moves the one clock; use as a context manager."""
    def _travel(when):
        return time_machine.travel(dt.datetime.fromisoformat(str(when) + ("" if "T" in str(when) else "T09:00:00+08:00")), tick=False)
    return _travel


@pytest.fixture
def city(db):
    from luoshi.org.services import unit_create

    c = unit_create(by=None, name="青岛市", kind="city")
    d = unit_create(by=None, name="崂山区", kind="district", parent=c, short_name="崂山")
    return {
        "city": c,
        "district": d,
        "office_unit": unit_create(by=None, name="区委办公室", kind="department", parent=d),
        "dept": unit_create(by=None, name="区行政审批服务局", kind="department", parent=d, short_name="区审批局"),
        "street_a": unit_create(by=None, name="中韩街道", kind="street", parent=d),
        "street_b": unit_create(by=None, name="沙子口街道", kind="street", parent=d),
        "other_district": unit_create(by=None, name="市南区", kind="district", parent=c),
    }


@pytest.fixture
def cast(city):
    from luoshi.org.services import grant_role, person_create

    def person(username, full_name, role, unit, title=""):
        p = person_create(by=None, username=username, full_name=full_name, unit=unit, title=title,
                          email=f"{username}@example.org")
        p.set_password("pw-123456")
        p.save()
        grant_role(by=None, person=p, role=role, unit=unit)
        return p

    return {
        "office": person("office", "刘晓燕", "office", city["district"]),
        "leader": person("leader", "王立新", "leader", city["district"], "区委副书记"),
        "liaison_a": person("liaison_a", "周强", "liaison", city["street_a"]),
        "liaison_b": person("liaison_b", "吴芳", "liaison", city["street_b"]),
        "liaison_dept": person("liaison_dept", "孙敏", "liaison", city["dept"]),
        "evaluator": person("evaluator", "郑洁", "evaluator", city["district"]),
        "outsider": person("outsider", "赵六", "liaison", city["other_district"]),
    }


@pytest.fixture
def program(city, cast, travel):
    """A 2026 program (monthly cadence on the 25th) with one task per street and one for the department."""
    from luoshi.tasks import services

    with travel("2026-01-05"):
        p = services.program_create(by=cast["office"], code="demo-2026", name="2026年鼓励创新工作要点", year=2026,
                                    owner_unit=city["office_unit"], cadence_kind="monthly", cadence_day=25,
                                    warn_days=7, lag_points=20)
        t_a = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="中韩街道老旧小区改造", lead_units=[city["street_a"]], leaders=[cast["leader"]], deadline_phrase="6月底前"))
        t_b = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="沙子口街道渔港整治", lead_units=[city["street_b"]], deadline_phrase="9月底前"))
        t_d = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="助企服务一张网", lead_units=[city["dept"]], coop_units=[city["street_a"]], deadline_phrase="长期坚持"))
    return {"program": p, "task_a": t_a, "task_b": t_b, "task_dept": t_d}


@pytest.fixture
def client_for(client):
    """client_for(person) → a Django test client logged in as that person."""
    from django.test import Client

    def _client(person):
        c = Client()
        c.force_login(person)
        return c
    return _client
