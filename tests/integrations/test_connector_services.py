"""Connector services: who may set one up and change it, credentials sealed and never in the audit trail,
the dry-run test, run now, and delete."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TestCase

from tandem.core.errors import NotFound, PermissionDenied, ValidationError
from tandem.core.models import AuditEvent
from tandem.integrations import crypto, selectors, services
from tandem.integrations.models import Connector, SyncRun
from tandem.integrations.selectors import Access, access_connector
from tandem.kpis.models import DataPoint

from .connector_fixtures import (  # noqa: F401 - fixtures
    # noqa: F401 - fixtures,
    DAYS,
    PASSWORD,
    connector_fixture,
    erp_fixture,
    kpi_fixture,
    pg_url_with_password,
    private_kpi_fixture,
    sql_fields,
    sqlite_url,
    without_the_demo_connector_fixture,
)

pytestmark = pytest.mark.django_db


def _audit_text(org) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(e.changes) for e in AuditEvent.objects.for_org(org).filter(object_type="connector"))


def _raw_sealed(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_secrets, config FROM integrations_connector WHERE id = %s", [pk])
        sealed, config = cursor.fetchone()
    return f"{sealed} {config}"


def test_an_admin_sets_up_a_connector_with_its_credentials_sealed(admin, kpi, erp):
    made = services.connector_create(by=admin, kpi=kpi, **sql_fields(erp, secrets={"url": pg_url_with_password()}))
    assert made.owner_id == admin.pk and made.next_run_at is not None and made.health == "new"
    assert PASSWORD not in _raw_sealed(made.pk)
    assert crypto.unseal(made.sealed_secrets)["url"].endswith("@127.0.0.1:9/erp")
    assert PASSWORD not in _audit_text(admin.organization)
    event = AuditEvent.objects.for_org(admin.organization).get(
        object_type="connector", object_id=str(made.pk), action="created"
    )
    assert event.changes["credentials"] == [None, "set"] and "sealed_secrets" not in event.changes
    assert selectors.secrets_described(made)["url"].count("••••") == 1


def test_a_manager_sets_up_connectors_for_kpis_of_her_teams_only(sales_manager, warehouse_lead, admin, kpi, erp):
    mine = services.connector_create(by=sales_manager, kpi=kpi, **sql_fields(erp))
    assert mine.owner_id == sales_manager.pk
    assert access_connector(sales_manager, mine) == Access.MANAGE
    with pytest.raises(ValidationError) as refused:
        services.connector_create(by=warehouse_lead, kpi=kpi, **sql_fields(erp))
    assert refused.value.errors[0]["field"] == "kpi"
    with pytest.raises(ValidationError) as refused:
        services.connector_create(by=sales_manager, kpi=kpi, owner=admin.pk, **sql_fields(erp))
    assert refused.value.errors[0]["field"] == "owner"


@pytest.mark.parametrize("role", ["salesperson", "viewer"])
def test_members_and_viewers_cannot_set_up_or_change_connectors(role, request, connector, kpi, erp):
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.connector_create(by=person, kpi=kpi, **sql_fields(erp))
    for attempt in (
        lambda: services.connector_update(by=person, connector=connector, name="Renamed"),
        lambda: services.connector_delete(by=person, connector=connector),
        lambda: services.connector_run_now(by=person, connector=connector),
        lambda: services.connector_test(by=person, connector=connector),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Connector.objects.for_org(kpi.organization).get(pk=connector.pk).name == "ERP orders"


def test_who_sees_which_connector(
    admin, sales_manager, salesperson, viewer, warehouse_lead, outsider, connector, private_kpi, erp
):
    hidden = services.connector_create(by=admin, kpi=private_kpi, **sql_fields(erp, name="Stock feed"))
    unnamed = services.connector_create(by=sales_manager, **sql_fields(erp, name="Rows name their KPI"))

    def names(person) -> set[str]:  # type: ignore[no-untyped-def]
        return set(selectors.connectors(membership=person).values_list("name", flat=True))

    assert names(admin) == {"ERP orders", "Stock feed", "Rows name their KPI"}
    assert names(sales_manager) == {"ERP orders", "Rows name their KPI"}
    assert names(salesperson) == names(viewer) == {"ERP orders"}
    assert names(warehouse_lead) == {"ERP orders", "Stock feed"}
    assert names(outsider) == set()
    with pytest.raises(NotFound):
        selectors.connector_get(membership=outsider, connector_id=connector.pk)
    with pytest.raises(NotFound):
        selectors.connector_get(membership=salesperson, connector_id=hidden.pk)
    assert access_connector(salesperson, connector) == Access.READ
    assert access_connector(sales_manager, connector) == Access.READ  # the admin's: she reads its health
    assert access_connector(admin, unnamed) == Access.MANAGE


def test_an_edit_keeps_blank_credentials_and_audits_a_change_without_them(admin, connector, erp, tmp_path):
    services.connector_update(by=admin, connector=connector, name="ERP daily orders", secrets={"url": ""})
    assert crypto.unseal(connector.sealed_secrets)["url"] == sqlite_url(erp)
    services.connector_update(by=admin, connector=connector, secrets={"url": pg_url_with_password()})
    connector.refresh_from_db()
    assert PASSWORD in crypto.unseal(connector.sealed_secrets)["url"]  # normalised to the installed driver
    events = list(AuditEvent.objects.for_org(admin.organization).filter(object_type="connector", action="updated"))
    assert sorted(str(e.changes.get("credentials")) for e in events) == ["None", "[None, 'changed']"]
    assert any(e.changes.get("name") == ["ERP orders", "ERP daily orders"] for e in events)
    assert PASSWORD not in _audit_text(admin.organization) and PASSWORD not in _raw_sealed(connector.pk)


def test_bad_settings_are_field_errors_and_nothing_is_saved(admin, kpi, erp):
    before = Connector.objects.for_org(admin.organization).count()
    with pytest.raises(ValidationError) as refused:
        services.connector_create(
            by=admin,
            kpi=kpi,
            **sql_fields(erp, config={"query": "DELETE FROM orders"}, schedule_kind="daily", schedule_value="25:00"),
        )
    fields = {e["field"] for e in refused.value.errors}
    assert {"config.query", "schedule_value"} <= fields, refused.value.errors
    assert Connector.objects.for_org(admin.organization).count() == before


def test_a_dry_run_shows_points_and_writes_nothing(admin, connector, kpi):
    preview = services.connector_test(by=admin, connector=connector)
    assert len(preview.points) == DAYS and preview.errors == []
    assert preview.points[0]["value"] in ("10", "10.0", "10.000000") or float(preview.points[0]["value"]) == 10
    assert not DataPoint.objects.for_org(admin.organization).filter(kpi=kpi).exists()
    assert not SyncRun.objects.for_org(admin.organization).exists()


def test_an_unsaved_connector_can_be_tried_and_a_source_failure_names_its_setting(admin, kpi, erp):
    draft = services.connector_build(by=admin, kpi=kpi, **sql_fields(erp, config={"query": "SELECT nope FROM missing"}))
    with pytest.raises(ValidationError) as failed:
        services.connector_test(by=admin, connector=draft)
    assert failed.value.errors[0]["field"] == "config.query"
    assert draft.pk is None and not Connector.objects.for_org(admin.organization).exists()


def test_run_now_brings_the_data_in(admin, connector, kpi):
    # Queued after commit (at once in tests): run the callbacks as a commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.connector_run_now(by=admin, connector=connector)
    run = SyncRun.objects.for_org(admin.organization).get(connector=connector)
    assert run.status == "succeeded" and run.rows_written == DAYS
    total = sum(p.value for p in DataPoint.objects.for_org(admin.organization).filter(kpi=kpi))
    assert total == sum((n + 1) * 10 for n in range(DAYS))


def test_delete_keeps_the_data_points(admin, connector, kpi):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.connector_run_now(by=admin, connector=connector)
    services.connector_delete(by=admin, connector=connector)
    assert not Connector.objects.for_org(admin.organization).exists()
    assert not SyncRun.objects.for_org(admin.organization).exists()
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=kpi).count() == DAYS
    assert AuditEvent.objects.for_org(admin.organization).filter(object_type="connector", action="deleted").exists()
