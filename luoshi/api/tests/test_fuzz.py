"""Schemathesis against the REST API's own OpenAPI schema: whatever a client sends (valid by the schema, or
not), the answer is never a server error, its status is documented and its body fits the documented schema.

In process (WSGI), on the test database, a bounded number of cases per operation (derandomized by the `ci`
hypothesis profile), so it runs the same way everywhere, on SQLite and on PostgreSQL, without timing."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks as st_checks  # noqa: E402
from schemathesis.specs.openapi import checks as oa_checks  # noqa: E402

from luoshi.api.auth import token_create  # noqa: E402

CASES = 6  # per operation and phase: enough to hit the edges (the coverage phase sends huge ids, year 1, NaN), fast

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())

CHECKS = [st_checks.not_a_server_error, oa_checks.status_code_conformance, oa_checks.response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection at the end of each request (the test client switches that off; a
    WSGI call does not): on PostgreSQL that would close the test's own transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def office_token(cast):
    _, key = token_create(by=None, person=cast["office"], name="模糊测试")
    return key


@schema.parametrize()
@settings(max_examples=CASES, suppress_health_check=list(HealthCheck))
def test_api_never_fails(case, office_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {office_token}"}, checks=CHECKS)


@pytest.mark.django_db
def test_the_fuzz_reaches_the_policy_editing_operations():
    """test_api_never_fails is parametrized by every operation of the schema: the dictionary's editing operations
    (ADR 0031) are among them, each with the statuses it can answer documented."""
    operations = {(op.ok().method.upper(), op.ok().path): op.ok() for op in schema.get_all_operations()}
    for key in [("POST", "/api/policies/policies"), ("PATCH", "/api/policies/policies/{policy_id}"),
                ("POST", "/api/policies/clauses"), ("PATCH", "/api/policies/clauses/{clause_id}"),
                ("POST", "/api/policies/clauses/{clause_id}/retire")]:
        assert key in operations, key
        assert {"200", "400", "401", "403", "422"} <= set(operations[key].definition.raw["responses"]), key
