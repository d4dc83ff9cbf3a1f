"""Actions through their services: audited writes, the rules on due dates and owners, who may change what,
done actions kept, the owner told, and the due and overdue notices sent once."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from tandem.actions import selectors, services
from tandem.actions.models import Action
from tandem.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tandem.core.models import AuditEvent
from tandem.notifications.models import Notification, Reminder

from .conftest import TODAY, days

pytestmark = pytest.mark.django_db


def events(action: Action, pk: int | None = None) -> list[tuple[str, dict]]:
    found = AuditEvent.objects.for_org(action.organization_id).filter(
        object_type="action", object_id=str(pk or action.pk)
    )
    return [(e.action, e.changes) for e in found.order_by("created_at", "id")]


def counts(org) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return Action.objects.for_org(org).count(), AuditEvent.objects.for_org(org).count()


def test_create_change_status_and_delete_are_audited(sales_manager, salesperson, kpi):
    action = services.action_create(
        by=sales_manager,
        kpi=kpi,
        title="  Visit the ten biggest pharmacies  ",
        owner=salesperson.pk,
        due_date=days(7),
        expected_effect="+5 visits a week",
    )
    assert (action.title, action.owner, action.status, action.created_by) == (
        "Visit the ten biggest pharmacies",
        salesperson,
        "todo",
        sales_manager,
    )
    services.action_update(by=salesperson, action=action, status="doing")
    services.action_update(by=salesperson, action=action, status="done")
    assert action.completed_at is not None
    services.action_update(by=salesperson, action=action, status="todo")
    assert action.completed_at is None
    services.action_update(by=salesperson, action=action, status="todo")  # no change, nothing recorded
    pk = action.pk
    services.action_delete(by=sales_manager, action=action)
    assert not Action.objects.for_org(kpi.organization).filter(pk=pk).exists()
    recorded = events(action, pk)
    assert [name for name, _changes in recorded] == ["created", "updated", "updated", "updated", "deleted"]
    assert recorded[0][1]["owner"] == [None, salesperson.pk] and recorded[0][1]["kpi"] == [None, kpi.pk]
    assert recorded[2][1] == {"status": ["doing", "done"]}


def test_the_owner_defaults_to_the_author_and_is_told_only_when_someone_else_gives_it(sales_manager, salesperson, kpi):
    mine = services.action_create(by=salesperson, kpi=kpi, title="Call back Pharmacy 12", due_date=days(2))
    assert mine.owner == salesperson
    theirs = services.action_create(
        by=sales_manager, kpi=kpi, title="Prepare the price list", owner=salesperson.pk, due_date=days(3)
    )
    told = Notification.objects.for_org(kpi.organization).filter(
        event="action.assigned", recipient=salesperson, object_id__in=[str(mine.pk), str(theirs.pk)]
    )
    assert list(told.values_list("object_id", flat=True)) == [str(theirs.pk)]
    notice = told.get()
    assert notice.params == {"title": "Prepare the price list", "due": days(3).isoformat()}
    assert notice.url == f"/kpis/{kpi.pk}/#action-{theirs.pk}" and notice.actor == sales_manager


def test_a_new_owner_is_told(sales_manager, salesperson, kpi):
    action = services.action_create(by=salesperson, kpi=kpi, title="Ask for referrals", due_date=days(5))
    services.action_update(by=salesperson, action=action, owner=sales_manager.pk)
    told = Notification.objects.for_org(kpi.organization).filter(event="action.assigned", object_id=str(action.pk))
    assert list(told.values_list("recipient", flat=True)) == [sales_manager.pk]


def test_a_due_date_in_the_past_is_refused_in_the_organizations_time_zone(salesperson, kpi):
    before = counts(kpi.organization)
    with pytest.raises(ValidationError) as caught:
        services.action_create(by=salesperson, kpi=kpi, title="Too late", due_date=days(-1))
    assert caught.value.status == 422 and [e["field"] for e in caught.value.errors] == ["due_date"]
    assert counts(kpi.organization) == before
    # 20:00 UTC on the 23rd is already the 24th in Ho Chi Minh City.
    with time_machine.travel(datetime.datetime(2026, 11, 23, 20, 0, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(ValidationError):
            services.action_create(
                by=salesperson, kpi=kpi, title="Yesterday there", due_date=datetime.date(2026, 11, 23)
            )
        today = services.action_create(by=salesperson, kpi=kpi, title="Today there", due_date=TODAY)
    assert today.due_date == TODAY


def test_an_overdue_action_keeps_its_date_but_a_new_one_must_be_ahead(salesperson, make_action):
    action = make_action(salesperson, "Late already", due=-2)
    services.action_update(by=salesperson, action=action, title="Late already, renamed", due_date=days(-2))
    with pytest.raises(ValidationError) as caught:
        services.action_update(by=salesperson, action=action, due_date=days(-1))
    assert caught.value.errors[0]["field"] == "due_date"
    services.action_update(by=salesperson, action=action, due_date=days(1))
    assert Action.objects.for_org(salesperson.organization).get(pk=action.pk).due_date == days(1)


def test_an_owner_from_another_organization_is_a_field_error_and_nothing_is_written(salesperson, outsider, kpi):
    before = counts(kpi.organization)
    with pytest.raises(ValidationError) as caught:
        services.action_create(by=salesperson, kpi=kpi, title="Elsewhere", owner=outsider.pk, due_date=days(1))
    assert [e["field"] for e in caught.value.errors] == ["owner"]
    assert counts(kpi.organization) == before


def test_every_bad_field_is_named_at_once(salesperson, viewer, kpi):
    with pytest.raises(ValidationError) as caught:
        services.action_create(
            by=salesperson, kpi=kpi, title="   ", owner=viewer.pk, due_date=days(-3), status="someday"
        )
    assert sorted(e["field"] for e in caught.value.errors) == ["due_date", "owner", "status", "title"]


def test_the_owner_must_be_able_to_see_the_kpi(warehouse_lead, salesperson, private_kpi):
    with pytest.raises(ValidationError) as caught:
        services.action_create(
            by=warehouse_lead, kpi=private_kpi, title="Recount aisle 4", owner=salesperson.pk, due_date=days(1)
        )
    assert caught.value.errors[0]["field"] == "owner"


def test_an_action_needs_exactly_one_parent_the_author_can_see(salesperson, kpi, key_result, private_kpi):
    with pytest.raises(ValidationError):
        services.action_create(by=salesperson, kpi=kpi, key_result=key_result, title="Both", due_date=days(1))
    with pytest.raises(ValidationError):
        services.action_create(by=salesperson, title="Neither", due_date=days(1))
    with pytest.raises(NotFound):
        services.action_create(by=salesperson, kpi=private_kpi, title="Hidden", due_date=days(1))


def test_viewers_never_write(viewer, salesperson, kpi, make_action):
    with pytest.raises(PermissionDenied):
        services.action_create(by=viewer, kpi=kpi, title="Look only", due_date=days(1))
    action = make_action(salesperson, "Someone's")
    with pytest.raises(PermissionDenied):
        services.action_update(by=viewer, action=action, status="done")


def test_who_may_change_an_action(admin, sales_manager, salesperson, warehouse_lead, kpi, make_action):
    by_manager = make_action(sales_manager, "Given by the manager", owner=salesperson)
    services.action_update(by=salesperson, action=by_manager, status="doing")  # the owner
    services.action_update(by=sales_manager, action=by_manager, status="todo")  # the author
    own = make_action(salesperson, "An's own")
    services.action_update(by=sales_manager, action=own, status="doing")  # manages the KPI's team
    services.action_update(by=admin, action=own, status="todo")  # administrator
    with pytest.raises(PermissionDenied):
        services.action_update(by=warehouse_lead, action=own, status="done")
    with pytest.raises(PermissionDenied):
        services.action_delete(by=warehouse_lead, action=own)


def test_the_key_results_owner_may_change_actions_on_it(sales_manager, salesperson, warehouse_lead, key_result):
    action = services.action_create(
        by=sales_manager, key_result=key_result, title="Bring samples", owner=sales_manager.pk, due_date=days(4)
    )
    services.action_update(by=salesperson, action=action, status="doing")
    with pytest.raises(PermissionDenied):
        services.action_update(by=warehouse_lead, action=action, status="done")
    assert selectors.parent_url(action) == f"/okrs/objectives/{key_result.objective_id}/#action-{action.pk}"


def test_done_actions_stay_in_the_history(salesperson, make_action):
    done = make_action(salesperson, "Finished", status="done")
    with pytest.raises(Conflict) as caught:
        services.action_delete(by=salesperson, action=done)
    assert caught.value.status == 409
    assert Action.objects.for_org(salesperson.organization).filter(pk=done.pk).exists()
    dropped = make_action(salesperson, "Given up", status="dropped")
    services.action_delete(by=salesperson, action=dropped)


def test_unknown_fields_and_statuses_are_refused(salesperson, make_action):
    action = make_action(salesperson, "Strict")
    with pytest.raises(ValidationError) as caught:
        services.action_update(by=salesperson, action=action, kpi=None)
    assert caught.value.errors[0]["field"] == "kpi"
    with pytest.raises(ValidationError) as caught:
        services.action_update(by=salesperson, action=action, status="paused")
    assert caught.value.errors[0]["field"] == "status"


def told(action: Action, event: str) -> int:
    return Notification.objects.for_org(action.organization_id).filter(event=event, object_id=str(action.pk)).count()


def test_due_and_overdue_notices_go_out_once_and_move_with_the_date(sales_manager, salesperson, make_action):
    org = salesperson.organization
    tomorrow = make_action(sales_manager, "Due tomorrow", due=1, owner=salesperson)
    late = make_action(sales_manager, "Late", due=-2, owner=salesperson)
    make_action(sales_manager, "Done late", due=-2, owner=salesperson, status="done")
    due_today = make_action(sales_manager, "Due today", due=0, owner=salesperson)
    make_action(sales_manager, "Later", due=5, owner=salesperson)

    assert services.action_due_notices(organization=org, today=TODAY) == 2
    assert Reminder.objects.for_org(org).filter(kind__startswith="action_").count() == 2
    assert (told(tomorrow, "action.due_tomorrow"), told(late, "action.overdue"), told(due_today, "action.overdue")) == (
        1,
        1,
        0,
    )
    overdue = Notification.objects.for_org(org).get(event="action.overdue", object_id=str(late.pk))
    assert overdue.recipient == salesperson and overdue.params == {"title": "Late", "due": days(-2).isoformat()}
    assert overdue.actor is None and overdue.url.endswith(f"#action-{late.pk}")
    assert services.action_due_notices(organization=org, today=TODAY) == 0  # a second run sends nothing

    # A new due date is a new occasion: postponed to the day after tomorrow, it is due tomorrow tomorrow.
    services.action_update(by=salesperson, action=late, due_date=days(2))
    assert services.action_due_notices(organization=org, today=days(1)) == 2
    assert (told(late, "action.due_tomorrow"), told(due_today, "action.overdue")) == (1, 1)
    assert services.action_due_notices(organization=org, today=days(1)) == 0
    # Each overdue action is told once per due date, however many days it stays overdue.
    assert services.action_due_notices(organization=org, today=days(2)) == 1
    assert told(tomorrow, "action.overdue") == 1
    assert services.action_due_notices(organization=org, today=days(3)) == 1
    assert (told(late, "action.overdue"), told(due_today, "action.overdue")) == (2, 1)  # one per due date


def test_the_history_names_the_kpi_and_the_key_result(salesperson, kpi, key_result):
    from tandem.core import selectors as core_selectors

    on_kpi = services.action_create(by=salesperson, kpi=kpi, title="On the KPI", due_date=days(1))
    on_kr = services.action_create(by=salesperson, key_result=key_result, title="On the KR", due_date=days(1))
    for action, label, name in ((on_kpi, "KPI", "Pharmacy visits"), (on_kr, "key result", "Pharmacies won")):
        [entry] = core_selectors.history_page(membership=salesperson, object_type="action", object_id=action.pk)
        assert entry.action == "created"
        assert any(change.label == label and change.after == name for change in entry.changes), entry.changes
