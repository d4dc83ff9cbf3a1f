"""Generated requests against every API operation, from the OpenAPI schema: never a server error.

Schemathesis builds valid and invalid inputs for each operation (bodies, query strings, path
ids) and sends them as the demo admin, who can reach every code path.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tandem.orgs import services
from tandem.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def admin_token(admin) -> Iterator[str]:  # type: ignore[no-untyped-def]
    # Requests go straight to the WSGI handler; like Django's test client, keep its end-of-request
    # hook from closing the database connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield services.token_create(by=admin, name="fuzz")[1]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_with_a_server_error(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error])
