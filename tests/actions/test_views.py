"""Action pages: quick add and status change in place (HTMX), "my actions" overdue first, my teams' actions
for managers, the edit page, and constant query counts on the pages that list actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.actions import services
from tandem.actions.models import Action
from tandem.core.models import AuditEvent
from tandem.notifications.models import Notification

from .conftest import days

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def quick(kpi, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"kpi": kpi.pk, "title": "Call the late payers", "due_date": days(3).isoformat()} | fields


def test_the_kpi_page_adds_an_action_in_place_for_someone_else(web, sales_manager, salesperson, kpi):
    page = web(sales_manager).get(f"/kpis/{kpi.pk}/").content.decode()
    assert 'id="actions"' in page and 'hx-post="/actions/new/"' in page and 'id="action_title"' in page
    response = web(sales_manager).post("/actions/new/", quick(kpi, owner=salesperson.pk), **HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text and 'id="actions"' in text
    assert "Call the late payers" in text and "Phạm Minh An" in text
    action = Action.objects.for_org(kpi.organization).get(title="Call the late payers")
    assert (action.kpi, action.owner, action.created_by) == (kpi, salesperson, sales_manager)
    assert (
        Notification.objects.for_org(kpi.organization)
        .filter(event="action.assigned", recipient=salesperson, object_id=str(action.pk))
        .exists()
    )


def test_quick_add_errors_come_back_in_place_and_nothing_is_written(web, salesperson, kpi):
    client = web(salesperson)
    before = Action.objects.for_org(kpi.organization).count(), AuditEvent.objects.for_org(kpi.organization).count()
    response = client.post("/actions/new/", quick(kpi, due_date=days(-1).isoformat()), **HTMX)
    text = response.content.decode()
    assert response.status_code == 422 and "<html" not in text
    assert "is in the past" in text and 'aria-invalid="true"' in text and 'value="Call the late payers"' in text
    missing = client.post("/actions/new/", quick(kpi, due_date=""), **HTMX)
    assert missing.status_code == 422
    after = Action.objects.for_org(kpi.organization).count(), AuditEvent.objects.for_org(kpi.organization).count()
    assert after == before


def test_without_htmx_the_quick_add_goes_back_to_the_kpi(web, salesperson, kpi):
    response = web(salesperson).post("/actions/new/", quick(kpi))
    action = Action.objects.for_org(kpi.organization).get(title="Call the late payers")
    assert response.status_code == 302 and response["Location"] == f"/kpis/{kpi.pk}/#action-{action.pk}"
    bad = web(salesperson).post("/actions/new/", quick(kpi, title=""))
    assert bad.status_code == 422 and "<html" in bad.content.decode()


def test_the_objective_page_adds_an_action_to_a_chosen_key_result(web, salesperson, key_result):
    objective_id = key_result.objective_id
    page = web(salesperson).get(f"/okrs/objectives/{objective_id}/").content.decode()
    assert 'name="key_result"' in page and 'id="action_key_result"' in page
    form = {"objective": objective_id, "title": "Bring samples", "due_date": days(2).isoformat()}
    refused = web(salesperson).post("/actions/new/", form, **HTMX)
    assert (
        refused.status_code == 422
        and not Action.objects.for_org(salesperson.organization).filter(title="Bring samples").exists()
    )
    added = web(salesperson).post("/actions/new/", form | {"key_result": key_result.pk}, **HTMX)
    assert added.status_code == 200 and "Bring samples" in added.content.decode()
    assert Action.objects.for_org(salesperson.organization).get(title="Bring samples").key_result == key_result


def test_viewers_see_actions_but_no_form_and_cannot_add(web, viewer, salesperson, kpi, make_action):
    make_action(salesperson, "Visible to all")
    page = web(viewer).get(f"/kpis/{kpi.pk}/").content.decode()
    assert "Visible to all" in page and 'hx-post="/actions/new/"' not in page and "action-status-" not in page
    assert web(viewer).post("/actions/new/", quick(kpi)).status_code == 403


def test_the_status_changes_in_place(web, salesperson, kpi, make_action):
    action = make_action(salesperson, "Move me")
    response = web(salesperson).post(f"/actions/{action.pk}/status/", {"status": "done", "next": "/actions/"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text and f'id="action-{action.pk}"' in text
    assert '<option value="done" selected>' in text
    assert Action.objects.for_org(kpi.organization).get(pk=action.pk).status == "done"
    bad = web(salesperson).post(f"/actions/{action.pk}/status/", {"status": "later"}, **HTMX)
    assert bad.status_code == 422 and f'id="action-{action.pk}"' in bad.content.decode()
    plain = web(salesperson).post(f"/actions/{action.pk}/status/", {"status": "doing", "next": "/actions/"})
    assert plain.status_code == 302 and plain["Location"] == "/actions/"
    offsite = web(salesperson).post(f"/actions/{action.pk}/status/", {"status": "todo", "next": "//evil.example/"})
    assert offsite["Location"] == f"/kpis/{kpi.pk}/#action-{action.pk}"


def test_others_cannot_change_the_status(web, warehouse_lead, outsider, salesperson, make_action):
    action = make_action(salesperson, "Not theirs")
    assert web(warehouse_lead).post(f"/actions/{action.pk}/status/", {"status": "done"}).status_code == 403
    assert web(outsider).post(f"/actions/{action.pk}/status/", {"status": "done"}).status_code == 404
    assert Action.objects.for_org(salesperson.organization).get(pk=action.pk).status == "todo"


def test_my_actions_come_overdue_first_then_by_due_date(web, sales_manager, salesperson, make_action):
    make_action(sales_manager, "Z later", due=9, owner=salesperson)
    make_action(sales_manager, "Z late", due=-3, owner=salesperson)
    make_action(sales_manager, "Z soon", due=1, owner=salesperson)
    make_action(sales_manager, "Z finished", due=-5, owner=salesperson, status="done")
    make_action(sales_manager, "Z not mine", due=-9)
    text = web(salesperson).get("/actions/").content.decode()
    order = [text.index(t) for t in ("Z late", "Z soon", "Z later")]
    assert order == sorted(order) and "Z finished" not in text and "Z not mine" not in text
    assert "overdue" in text[text.index("Z late") : text.index("Z soon")]
    with_done = web(salesperson).get("/actions/?done=1").content.decode()
    assert with_done.index("Z later") < with_done.index("Z finished")
    overdue = web(salesperson).get("/actions/?overdue=1").content.decode()
    assert "Z late" in overdue and "Z soon" not in overdue
    done = web(salesperson).get("/actions/?status=done").content.decode()
    assert "Z finished" in done and "Z late" not in done


def test_managers_see_their_teams_actions(web, sales_manager, salesperson, warehouse_lead, make_action):
    make_action(salesperson, "Z An's own", due=2)
    make_action(warehouse_lead, "Z the warehouse's", due=2)
    page = web(sales_manager).get("/actions/?tab=team").content.decode()
    assert "Z An&#x27;s own" in page and "Z the warehouse" not in page
    # A member without a team of their own gets their own list.
    mine = web(salesperson).get("/actions/?tab=team").content.decode()
    assert "My teams" not in mine and "Z An&#x27;s own" in mine


def test_the_edit_page_saves_and_deletes(web, salesperson, kpi, make_action):
    action = make_action(salesperson, "Edit me")
    client = web(salesperson)
    page = client.get(f"/actions/{action.pk}/edit/")
    assert page.status_code == 200 and "History" in page.content.decode()
    form = {
        "title": "Edited",
        "description": "Why",
        "owner": salesperson.pk,
        "due_date": days(4).isoformat(),
        "status": "doing",
        "expected_effect": "+2 visits",
    }
    saved = client.post(f"/actions/{action.pk}/edit/", form)
    assert saved.status_code == 302 and saved["Location"] == f"/kpis/{kpi.pk}/#action-{action.pk}"
    assert Action.objects.for_org(kpi.organization).get(pk=action.pk).title == "Edited"
    past = client.post(f"/actions/{action.pk}/edit/", form | {"due_date": days(-4).isoformat()})
    assert past.status_code == 422
    deleted = client.post(f"/actions/{action.pk}/delete/")
    assert deleted.status_code == 302 and deleted["Location"] == f"/kpis/{kpi.pk}/"
    assert not Action.objects.for_org(kpi.organization).filter(pk=action.pk).exists()


def test_a_done_action_cannot_be_deleted_from_the_page(web, salesperson, make_action):
    action = make_action(salesperson, "Done here", status="done")
    assert web(salesperson).post(f"/actions/{action.pk}/delete/").status_code == 409


def _grow(by, owner, kpi, key_result, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        services.action_create(by=by, kpi=kpi, title=f"KPI action {i}", owner=owner.pk, due_date=days(i % 5))
        services.action_create(
            by=by, key_result=key_result, title=f"KR action {i}", owner=owner.pk, due_date=days(i % 3)
        )


@pytest.mark.parametrize("who", ["sales_manager", "admin"])
def test_the_pages_listing_actions_run_the_same_queries_however_many(web, request, salesperson, kpi, key_result, who):
    me = request.getfixturevalue(who)
    client = web(me)
    urls = [
        f"/kpis/{kpi.pk}/",
        f"/okrs/objectives/{key_result.objective_id}/",
        "/actions/?tab=team&done=1",
    ]
    _grow(salesperson, salesperson, kpi, key_result, 1)
    few = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        few.append(len(queries))
    _grow(salesperson, salesperson, kpi, key_result, 6)
    many = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert "KR action 5" in response.content.decode() or "KPI action 5" in response.content.decode()
        many.append(len(queries))
    assert many == few


def test_my_actions_page_runs_the_same_queries_however_many(web, sales_manager, salesperson, kpi, key_result):
    client = web(salesperson)
    _grow(sales_manager, salesperson, kpi, key_result, 1)
    with CaptureQueriesContext(connection) as few:
        client.get("/actions/")
    _grow(sales_manager, salesperson, kpi, key_result, 8)
    with CaptureQueriesContext(connection) as many:
        text = client.get("/actions/").content.decode()
    assert "KR action 7" in text and "KPI action 7" in text
    assert len(many) == len(few)
