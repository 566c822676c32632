"""core.bulk.insert_rows raises Django's database errors on both databases (COPY on PostgreSQL goes through the raw
psycopg cursor, whose errors Django does not wrap by itself), so a service catches one IntegrityError."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from luoshi.core.bulk import insert_rows
from luoshi.org.models import RoleGrant


def test_a_duplicate_row_is_djangos_integrity_error(cast):
    person, unit = cast["office"], cast["office"].unit
    RoleGrant.objects.filter(person=person, role="evaluator", unit=unit).delete()
    rows = [(person.pk, "evaluator", unit.pk), (person.pk, "evaluator", unit.pk)]
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            insert_rows(RoleGrant, ["person_id", "role", "unit_id"], rows)
    assert not RoleGrant.objects.filter(person=person, role="evaluator", unit=unit).exists()
