"""Data revisions: a counter per kind of data, raised by every write of that kind.

A cached page (core.pagecache) is stored under the counters it depends on. A reader reads the counters first
and the data after, so what it renders is at least as new as the key it stores it under. A write raises its
counter as soon as its transaction commits (`transaction.on_commit`), so from then on no reader finds the old
page. Raising it inside the transaction instead would hold the counter row's lock until the commit: every writer
of that kind would queue behind the slowest, and on PostgreSQL two transactions that lock a task and the counter
in opposite orders would deadlock. (Between the commit and the raise, a few milliseconds, an old page can still
be served.)

Saves and deletes of every model in the apps below raise the counter through signals. Writes that send no
signal (QuerySet.update, bulk_create, bulk_update, raw SQL) must call `changed()` themselves; grep for
`revisions.changed` to see where they do.
"""
from __future__ import annotations

import functools

from django.apps import apps
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

# app label → the counter its writes raise
KIND_OF_APP = {"org": "org", "programs": "programs", "tasks": "tasks", "ledger": "ledger"}
# models whose rows other kinds of page show too: a program's pages link to its ledger when it has one
ALSO_RAISES = {"ledger.ledgerconfig": ("programs",)}


# Tests run inside transactions that never commit, so their on_commit callbacks never run: the test settings
# (conftest.py) set this False, and counters are then raised at once, inside the transaction.
RAISE_AT_COMMIT = True


def _marker() -> None:
    """Registered with on_commit only to remember, per transaction level, that a counter was raised."""


def changed(kind: str, using: str = "default") -> None:
    """Data of `kind` changed: raise its counter when the transaction commits (at once outside one); once per
    transaction however many rows changed."""
    conn = connections[using]
    if not conn.in_atomic_block:
        _raise(kind, using)
    elif RAISE_AT_COMMIT:
        if any(getattr(func, "revision_kind", None) == kind for _sids, func, *_ in conn.run_on_commit):
            return
        raise_it = functools.partial(_raise, kind, using)
        raise_it.revision_kind = kind
        # robust: the write is committed whatever happens here; a failed raise is logged, not shown to the user
        transaction.on_commit(raise_it, using=using, robust=True)
    else:
        level = set(conn.savepoint_ids)
        # Once per level, not once per outermost transaction: a test runs inside one long transaction, and
        # each service call in it (a savepoint) must still raise the counter.
        if any(getattr(func, "revision_kind", None) == kind and sids == level
               for sids, func, *_ in conn.run_on_commit):
            return
        marker = functools.partial(_marker)
        marker.revision_kind = kind
        transaction.on_commit(marker, using=using)
        _raise(kind, using)


def _raise(kind: str, using: str) -> None:
    from .models import DataRevision

    if DataRevision.objects.using(using).filter(name=kind).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic(using=using):
            DataRevision.objects.using(using).create(name=kind, value=1)
    except IntegrityError:  # created meanwhile by another writer
        DataRevision.objects.using(using).filter(name=kind).update(value=F("value") + 1)


def changed_all(using: str = "default") -> None:
    """For loaders that write in bulk (the demo, the benchmark generators): everything may have changed."""
    for kind in dict.fromkeys(KIND_OF_APP.values()):
        changed(kind, using=using)


def current(*kinds: str, using: str = "default") -> tuple[int, ...]:
    """The counters of `kinds`, in that order (0 for one never raised)."""
    from .models import DataRevision

    values = dict(DataRevision.objects.using(using).filter(name__in=kinds).values_list("name", "value"))
    return tuple(values.get(k, 0) for k in kinds)


def _on_write(sender, using="default", update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing any page shows; counting it would make every cached page stale
    changed(KIND_OF_APP[sender._meta.app_label], using=using)
    for kind in ALSO_RAISES.get(sender._meta.label_lower, ()):
        changed(kind, using=using)


def _on_m2m(sender, action, using="default", **kwargs) -> None:
    if action.startswith("post_"):
        _on_write(sender, using=using)


def connect_signals() -> None:
    """Called once from CoreConfig.ready(). Receivers are connected per model, not for every sender: a
    receiver for all senders would make Django give up fast (collector-free) deletes for every model."""
    for label in KIND_OF_APP:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            uid = f"luoshi-revision-{model._meta.label_lower}"
            post_save.connect(_on_write, sender=model, dispatch_uid=uid + "-save", weak=False)
            post_delete.connect(_on_write, sender=model, dispatch_uid=uid + "-delete", weak=False)
            if model._meta.auto_created:
                m2m_changed.connect(_on_m2m, sender=model, dispatch_uid=uid + "-m2m", weak=False)
