"""Tenant-owned tables refuse unscoped queries; the few places that may go around are listed here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tandem.core.models import AuditEvent
from tandem.core.tenancy import UnscopedQueryError
from tandem.orgs.models import ApiToken, Invitation, Membership, Team

SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"

# Each place that reads across organizations, and why it may.
ALLOWED_UNSCOPED = {
    "orgs/selectors.py": "a signed-in user's own memberships; a token or invitation found by its secret's hash",
    "orgs/services.py": "re-reading an invitation found by its secret, under a row lock",
    "orgs/management/commands/token.py": "the command line acts for the operator of the installation",
    "notifications/delivery.py": "the email outbox of every organization, sent by the worker",
    "integrations/webhook_delivery.py": "the worker sends every organization's due webhook deliveries, by id",
    "integrations/connector_tasks.py": "the worker runs a connector found by id, and finds due connectors of every org",
}


@pytest.mark.parametrize("model", [AuditEvent, Membership, Team, Invitation, ApiToken])
def test_unscoped_queries_are_refused(model):
    with pytest.raises(UnscopedQueryError):
        model.objects.all()
    with pytest.raises(UnscopedQueryError):
        model.objects.filter(pk=1)


def test_create_needs_an_organization():
    with pytest.raises(UnscopedQueryError):
        Team.objects.create(name="Nowhere")


@pytest.mark.django_db
def test_for_org_returns_only_that_organization(admin, outsider):
    lotus = set(Team.objects.for_org(admin.organization).values_list("name", flat=True))
    orchid = set(Team.objects.for_org(outsider.organization).values_list("name", flat=True))
    assert "Warehouse" in lotus and "Warehouse" not in orchid
    assert orchid == {"Buying"}


def test_unscoped_escape_hatch_is_used_only_where_allowed():
    users = {}
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative:
            continue
        text = path.read_text()
        if re.search(r"\.unscoped\(\)|\ball_organizations\b|_default_manager", text) and relative != "core/tenancy.py":
            users[relative] = True
    assert set(users) == set(ALLOWED_UNSCOPED)
