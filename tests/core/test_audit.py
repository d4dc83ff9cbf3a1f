"""The audit trail: written with the change, readable only by those who may see the object."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from tandem.core import audit
from tandem.core.errors import ValidationError
from tandem.core.models import AuditEvent
from tandem.orgs import services
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


def test_event_is_rolled_back_with_a_failed_change(admin):
    before = AuditEvent.objects.for_org(admin.organization).count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.team_create(by=admin, name="Short-lived")
        raise RuntimeError("the surrounding work failed")
    assert not Team.objects.for_org(admin.organization).filter(name="Short-lived").exists()
    assert AuditEvent.objects.for_org(admin.organization).count() == before


def test_record_refuses_to_run_outside_a_transaction(admin):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        # pytest-django wraps tests in a transaction; leave it to prove the guard.
        conn = transaction.get_connection()
        saved = conn.in_atomic_block
        conn.in_atomic_block = False
        try:
            audit.record(organization=admin.organization, actor=admin, obj=admin, action="poked")
        finally:
            conn.in_atomic_block = saved


def test_changes_hold_before_and_after_of_changed_fields_only(admin, salesperson):
    services.person_update(by=admin, person=salesperson, job_title="Team Lead", role="member")
    event = AuditEvent.objects.for_org(admin.organization).filter(object_type="person").first()
    assert event.object_id == str(salesperson.pk)
    assert event.changes == {"job_title": ["Account Executive", "Team Lead"]}
    assert event.actor_id == admin.pk


def test_failed_validation_writes_no_event(admin):
    before = AuditEvent.objects.for_org(admin.organization).count()
    with pytest.raises(ValidationError):
        services.team_create(by=admin, name="   ")
    assert AuditEvent.objects.for_org(admin.organization).count() == before


def test_history_api_rejects_bad_references(api, salesperson):
    client = api(salesperson)
    for ref, field in [("widget:1", "object"), ("person:abc", "object"), ("nothing", "object")]:
        response = client.get(f"/api/v1/audit?object={ref}")
        assert response.status_code == 422
        assert json.loads(response.content)["errors"][0]["field"] == field


def test_history_of_an_invitation_is_for_admins_only(api, admin, salesperson):
    invitation, _raw = services.invitation_create(by=admin, email="someone@lotus.example")
    assert api(salesperson).get(f"/api/v1/audit?object=invitation:{invitation.pk}").status_code == 404
    history = json.loads(api(admin).get(f"/api/v1/audit?object=invitation:{invitation.pk}").content)
    assert [e["action"] for e in history["items"]] == ["created"]


def test_history_of_another_organizations_object_is_404(api, outsider, salesperson):
    assert api(outsider).get(f"/api/v1/audit?object=person:{salesperson.pk}").status_code == 404


def test_secrets_never_reach_the_audit_trail(admin):
    token, raw = services.token_create(by=admin, name="secret check")
    invitation, link_token = services.invitation_create(by=admin, email="audit@lotus.example")
    dumped = json.dumps(list(AuditEvent.objects.for_org(admin.organization).values("changes")))
    assert raw not in dumped and link_token not in dumped
    assert token.token_hash not in dumped and invitation.token_hash not in dumped
