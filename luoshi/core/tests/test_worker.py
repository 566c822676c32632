"""`luoshi worker` keeps going through transient database errors (db_worker exited on them and never came back,
so photo processing stopped silently)."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_worker_retries_a_locked_or_lost_database(monkeypatch, db):
    from django_tasks_db.management.commands import db_worker

    from luoshi.core.management.commands import worker

    calls = []

    def run(self):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked" if len(calls) == 1 else "server closed the connection")

    pauses = []
    monkeypatch.setattr(db_worker.Worker, "run", run)
    monkeypatch.setattr(worker.time, "sleep", pauses.append)
    call_command("worker", "--batch", "--no-startup-delay")
    assert len(calls) == 3 and pauses == [1.0, 2.0]


def test_other_errors_still_stop_it(monkeypatch, db):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker.Worker, "run", lambda self: (_ for _ in ()).throw(RuntimeError("a bug")))
    with pytest.raises(RuntimeError):
        call_command("worker", "--batch", "--no-startup-delay")
