"""Actions through the API: the same rules as the pages, field errors for bad input with nothing written,
404 for what the caller may not see, and the audit trail of an action."""

from __future__ import annotations

import json

import pytest

from tandem.actions import services
from tandem.actions.models import Action
from tandem.core.models import AuditEvent

from .conftest import days

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def send(client, method: str, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return client.generic(method, url, json.dumps(data or {}), content_type="application/json")


def nothing_written(org, before: tuple[int, int]) -> bool:  # type: ignore[no-untyped-def]
    return (Action.objects.for_org(org).count(), AuditEvent.objects.for_org(org).count()) == before


def snapshot(org) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return Action.objects.for_org(org).count(), AuditEvent.objects.for_org(org).count()


def test_a_manager_gives_an_action_and_its_owner_moves_it_to_done(api, sales_manager, salesperson, kpi):
    created = send(
        api(sales_manager),
        "POST",
        "/api/v1/actions",
        {
            "kpi": kpi.pk,
            "title": "Visit the ten biggest pharmacies",
            "owner": salesperson.pk,
            "due_date": days(7).isoformat(),
            "expected_effect": "+5% conversion",
        },
    )
    assert created.status_code == 201, created.content
    action = body(created)
    assert action["kpi"] == kpi.pk and action["key_result"] is None and action["objective"] is None
    assert (action["owner"], action["owner_name"], action["status"], action["overdue"]) == (
        salesperson.pk,
        "Phạm Minh An",
        "todo",
        False,
    )
    assert action["created_by"] == sales_manager.pk and action["expected_effect"] == "+5% conversion"

    client = api(salesperson)
    moved = send(client, "PATCH", f"/api/v1/actions/{action['id']}", {"status": "done"})
    assert moved.status_code == 200 and body(moved)["status"] == "done" and body(moved)["completed_at"]
    assert body(client.get(f"/api/v1/actions/{action['id']}"))["status"] == "done"
    kept = send(client, "DELETE", f"/api/v1/actions/{action['id']}")
    assert kept.status_code == 409 and "history" in body(kept)["detail"]
    history = body(client.get(f"/api/v1/audit?object=action:{action['id']}"))
    assert [e["action"] for e in history["items"]] == ["updated", "created"]


def test_actions_on_a_key_result_name_their_objective(api, salesperson, key_result):
    created = send(
        api(salesperson),
        "POST",
        "/api/v1/actions",
        {"key_result": key_result.pk, "title": "Bring samples", "due_date": days(1).isoformat()},
    )
    assert created.status_code == 201, created.content
    assert body(created)["objective"] == key_result.objective_id and body(created)["owner"] == salesperson.pk
    listed = body(api(salesperson).get(f"/api/v1/actions?key_result={key_result.pk}"))
    assert [a["title"] for a in listed["items"]] == ["Bring samples"] and listed["count"] == 1


def test_a_due_date_in_the_past_is_a_422_naming_the_field(api, salesperson, kpi):
    client = api(salesperson)
    before = snapshot(kpi.organization)
    response = send(
        client, "POST", "/api/v1/actions", {"kpi": kpi.pk, "title": "Late", "due_date": days(-1).isoformat()}
    )
    assert response.status_code == 422
    assert [e["field"] for e in body(response)["errors"]] == ["due_date"] and body(response)["detail"]
    assert nothing_written(kpi.organization, before)


def test_an_owner_from_another_organization_is_a_422_naming_the_field(api, salesperson, outsider, kpi):
    client = api(salesperson)
    before = snapshot(kpi.organization)
    response = send(
        client,
        "POST",
        "/api/v1/actions",
        {"kpi": kpi.pk, "title": "Elsewhere", "owner": outsider.pk, "due_date": days(1).isoformat()},
    )
    assert response.status_code == 422 and [e["field"] for e in body(response)["errors"]] == ["owner"]
    assert nothing_written(kpi.organization, before)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "No parent"}, "kpi"),
        ({"title": "", "kpi": "{kpi}"}, "title"),
        ({"title": "Odd", "kpi": "{kpi}", "status": "someday"}, "status"),
        ({"title": "Odd", "kpi": "{kpi}", "colour": "red"}, "colour"),
        ({"title": "Hidden", "kpi": "{private}"}, "kpi"),
        ({"title": "Huge", "kpi": 2**63}, "kpi"),
    ],
)
def test_bad_input_is_a_field_error(api, salesperson, kpi, private_kpi, payload, field):
    filled = {k: {"{kpi}": kpi.pk, "{private}": private_kpi.pk}.get(v, v) for k, v in payload.items()}
    client = api(salesperson)
    before = snapshot(kpi.organization)
    response = send(client, "POST", "/api/v1/actions", filled)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in body(response)["errors"]]
    assert nothing_written(kpi.organization, before)


def test_viewers_get_403_and_outsiders_404(api, viewer, outsider, salesperson, kpi, make_action):
    action = make_action(salesperson, "Lotus only")
    viewing, outside = api(viewer), api(outsider)
    before = snapshot(kpi.organization)
    assert send(viewing, "POST", "/api/v1/actions", {"kpi": kpi.pk, "title": "x"}).status_code == 403
    assert send(viewing, "PATCH", f"/api/v1/actions/{action.pk}", {"status": "done"}).status_code == 403
    assert send(viewing, "DELETE", f"/api/v1/actions/{action.pk}").status_code == 403
    assert viewing.get(f"/api/v1/actions/{action.pk}").status_code == 200
    for method in ("GET", "PATCH", "DELETE"):
        assert send(outside, method, f"/api/v1/actions/{action.pk}", {"status": "done"}).status_code == 404
    assert outside.get(f"/api/v1/audit?object=action:{action.pk}").status_code == 404
    assert body(outside.get("/api/v1/actions"))["count"] == 0
    assert nothing_written(kpi.organization, before)


def test_actions_of_a_private_kpi_are_listed_only_for_who_may_see_it(
    api, admin, salesperson, warehouse_lead, private_kpi
):
    hidden = services.action_create(by=warehouse_lead, kpi=private_kpi, title="Recount aisle 4", due_date=days(2))
    assert hidden.pk not in [a["id"] for a in body(api(salesperson).get("/api/v1/actions?limit=1000"))["items"]]
    assert api(salesperson).get(f"/api/v1/actions/{hidden.pk}").status_code == 404
    assert api(salesperson).get(f"/api/v1/audit?object=action:{hidden.pk}").status_code == 404
    assert hidden.pk in [a["id"] for a in body(api(warehouse_lead).get("/api/v1/actions?mine=true"))["items"]]
    assert hidden.pk in [a["id"] for a in body(api(admin).get(f"/api/v1/actions?kpi={private_kpi.pk}"))["items"]]


def test_the_list_filters_and_puts_overdue_first(api, sales_manager, salesperson, warehouse_lead, kpi, make_action):
    later = make_action(sales_manager, "Later", due=9, owner=salesperson)
    late = make_action(sales_manager, "Late", due=-3, owner=salesperson)
    soon = make_action(sales_manager, "Soon", due=1, owner=salesperson)
    done = make_action(sales_manager, "Done", due=-5, owner=salesperson, status="done")
    make_action(warehouse_lead, "The warehouse's", due=2)
    client = api(salesperson)
    listed = body(client.get(f"/api/v1/actions?kpi={kpi.pk}&mine=true"))
    assert [a["id"] for a in listed["items"]] == [late.pk, soon.pk, later.pk, done.pk]
    assert [a["overdue"] for a in listed["items"]] == [True, False, False, False]
    overdue = body(client.get(f"/api/v1/actions?kpi={kpi.pk}&overdue=true"))
    assert [a["id"] for a in overdue["items"]] == [late.pk]
    assert [a["id"] for a in body(client.get(f"/api/v1/actions?kpi={kpi.pk}&status=done"))["items"]] == [done.pk]
    south = salesperson.teams.get(name="Sales South")
    team = body(api(sales_manager).get(f"/api/v1/actions?kpi={kpi.pk}&team={south.pk}"))
    assert {a["title"] for a in team["items"]} == {"Later", "Late", "Soon", "Done"}
    assert body(client.get(f"/api/v1/actions?kpi={kpi.pk}&owner={warehouse_lead.pk}"))["count"] == 1
    assert client.get("/api/v1/actions?status=someday").status_code == 422


def test_patch_refuses_a_past_due_date_and_unknown_fields(api, salesperson, make_action):
    action = make_action(salesperson, "Strict")
    client = api(salesperson)
    past = send(client, "PATCH", f"/api/v1/actions/{action.pk}", {"due_date": days(-1).isoformat()})
    assert past.status_code == 422 and body(past)["errors"][0]["field"] == "due_date"
    unknown = send(client, "PATCH", f"/api/v1/actions/{action.pk}", {"kpi": 1})
    assert unknown.status_code == 422 and body(unknown)["errors"][0]["field"] == "kpi"
    fine = send(client, "PATCH", f"/api/v1/actions/{action.pk}", {"title": "Renamed", "due_date": None})
    assert fine.status_code == 200 and body(fine)["due_date"] is None and body(fine)["title"] == "Renamed"
    assert send(client, "DELETE", f"/api/v1/actions/{action.pk}").status_code == 204


def test_null_clears_the_optional_texts(api, sales_manager, salesperson):  # type: ignore[no-untyped-def]
    from tandem.actions.models import Action

    action = (
        Action.objects.for_org(sales_manager.organization).filter(owner=salesperson).exclude(expected_effect="").first()
    )
    assert action is not None
    response = api(sales_manager).patch(
        f"/api/v1/actions/{action.pk}",
        '{"expected_effect": null, "description": null}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert (action.expected_effect, action.description) == ("", "")
