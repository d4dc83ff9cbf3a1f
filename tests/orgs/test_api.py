"""The people, teams, invitations and tokens API, as integrators script against it."""

from __future__ import annotations

import json

import pytest

from tandem.core.models import AuditEvent
from tandem.orgs.models import ApiToken, Invitation, Membership, Team

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def test_people_list_is_paginated_and_scoped_to_the_token_organization(api, salesperson, outsider):
    response = api(salesperson).get("/api/v1/people?limit=5")
    assert response.status_code == 200
    data = body(response)
    assert data["count"] == 40
    assert len(data["items"]) == 5
    assert "outsider@orchid.example" not in response.content.decode()
    everyone = body(api(salesperson).get("/api/v1/people?limit=1000"))["items"]
    assert {p["email"] for p in everyone}.isdisjoint({"outsider@orchid.example", "kenji.sato@orchid.example"})


def test_people_filters_by_role_team_and_search(api, salesperson):
    client = api(salesperson)
    viewers = body(client.get("/api/v1/people?role=viewer"))["items"]
    assert [p["email"] for p in viewers] == ["sarah.hughes@lotus.example"]
    warehouse = Team.objects.for_org(salesperson.organization).get(name="Warehouse")
    in_team = body(client.get(f"/api/v1/people?team={warehouse.pk}"))["items"]
    assert {p["email"] for p in in_team} >= {"minh.le@lotus.example", "duc.phan@lotus.example"}
    assert all("Warehouse" in [t["name"] for t in p["teams"]] for p in in_team)
    found = body(client.get("/api/v1/people?q=forklift"))["items"]
    assert [p["full_name"] for p in found] == ["Đinh Hoàng Long"]


def test_person_of_another_organization_is_404(api, salesperson, outsider):
    response = api(salesperson).get(f"/api/v1/people/{outsider.pk}")
    assert response.status_code == 404
    assert body(response)["detail"] == "Not found."


def test_admin_changes_role_title_and_manager_with_audit(api, admin, salesperson, warehouse_lead):
    response = api(admin).patch(
        f"/api/v1/people/{salesperson.pk}",
        {"role": "manager", "job_title": "Senior Account Executive", "manager": warehouse_lead.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = body(response)
    assert (data["role"], data["job_title"], data["manager"]) == (
        "manager",
        "Senior Account Executive",
        warehouse_lead.pk,
    )
    history = body(api(admin).get(f"/api/v1/audit?object=person:{salesperson.pk}"))["items"]
    assert history[0]["action"] == "updated"
    assert history[0]["changes"]["job_title"] == ["Account Executive", "Senior Account Executive"]
    assert history[0]["actor_name"] == "Nguyễn Thị Mai"


def test_member_cannot_change_people(api, salesperson, sales_manager):
    response = api(salesperson).patch(
        f"/api/v1/people/{sales_manager.pk}", {"role": "viewer"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "administrator" in body(response)["detail"]
    sales_manager.refresh_from_db()
    assert sales_manager.role == "manager"


def test_manager_from_another_organization_is_rejected_on_its_field(api, admin, salesperson, outsider):
    client = api(admin)
    before = AuditEvent.objects.for_org(admin.organization).count()
    response = client.patch(
        f"/api/v1/people/{salesperson.pk}", {"manager": outsider.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert body(response)["errors"] == [{"field": "manager", "message": "No such person in this organization."}]
    salesperson.refresh_from_db()
    assert salesperson.manager_id != outsider.pk
    assert AuditEvent.objects.for_org(admin.organization).count() == before


def test_reporting_loop_is_rejected(api, admin, sales_manager, salesperson):
    response = api(admin).patch(
        f"/api/v1/people/{sales_manager.pk}", {"manager": salesperson.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "manager"
    assert "already reports to" in body(response)["errors"][0]["message"]


def test_last_admin_cannot_be_demoted(api, admin):
    response = api(admin).patch(f"/api/v1/people/{admin.pk}", {"role": "member"}, content_type="application/json")
    assert response.status_code == 409
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_unknown_fields_are_refused(api, admin, salesperson):
    response = api(admin).patch(f"/api/v1/people/{salesperson.pk}", {"rol": "admin"}, content_type="application/json")
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "rol"


def test_team_lifecycle(api, admin, salesperson, warehouse_lead):
    client = api(admin)
    sales = Team.objects.for_org(admin.organization).get(name="Sales")
    created = client.post(
        "/api/v1/teams",
        {"name": "Key Accounts", "parent": sales.pk, "manager": salesperson.pk, "members": [salesperson.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    team = body(created)
    assert (team["parent"], team["manager"], team["member_count"]) == (sales.pk, salesperson.pk, 1)
    added = client.post(
        f"/api/v1/teams/{team['id']}/members", {"person": warehouse_lead.pk}, content_type="application/json"
    )
    assert {m["id"] for m in body(added)["members"]} == {salesperson.pk, warehouse_lead.pk}
    removed = client.delete(f"/api/v1/teams/{team['id']}/members/{salesperson.pk}")
    assert [m["id"] for m in body(removed)["members"]] == [warehouse_lead.pk]
    renamed = client.patch(
        f"/api/v1/teams/{team['id']}", {"name": "Strategic Accounts"}, content_type="application/json"
    )
    assert body(renamed)["name"] == "Strategic Accounts"
    assert client.delete(f"/api/v1/teams/{team['id']}").status_code == 204
    actions = list(
        AuditEvent.objects.for_org(admin.organization)
        .filter(object_type="team", object_id=str(team["id"]))
        .values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(["created", "member_added", "member_removed", "updated", "deleted"])


def test_team_cannot_become_its_own_ancestor(api, admin):
    teams = Team.objects.for_org(admin.organization)
    sales, north = teams.get(name="Sales"), teams.get(name="Sales North")
    response = api(admin).patch(f"/api/v1/teams/{sales.pk}", {"parent": north.pk}, content_type="application/json")
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "parent"
    sales.refresh_from_db()
    assert sales.parent.name == "Leadership"


def test_team_with_sub_teams_cannot_be_deleted(api, admin):
    sales = Team.objects.for_org(admin.organization).get(name="Sales")
    response = api(admin).delete(f"/api/v1/teams/{sales.pk}")
    assert response.status_code == 409
    assert "sub-teams" in body(response)["detail"]
    assert Team.objects.for_org(admin.organization).filter(pk=sales.pk).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 500])
def test_team_name_empty_blank_or_too_long(api, admin, name):
    count = Team.objects.for_org(admin.organization).count()
    response = api(admin).post("/api/v1/teams", {"name": name}, content_type="application/json")
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "name"
    assert Team.objects.for_org(admin.organization).count() == count


def test_duplicate_team_name(api, admin):
    response = api(admin).post("/api/v1/teams", {"name": "Sales"}, content_type="application/json")
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] in ("", "name")


def test_invitation_link_is_shown_once_and_stored_hashed(api, admin):
    response = api(admin).post(
        "/api/v1/invitations",
        {"email": "New.Hire@Lotus.example", "role": "member"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = body(response)
    assert data["email"] == "new.hire@lotus.example"
    assert data["status"] == "pending"
    token = data["link"].rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.for_org(admin.organization).get(pk=data["id"])
    assert token not in invitation.token_hash
    listed = body(api(admin).get("/api/v1/invitations"))["items"]
    assert all("link" not in item for item in listed)


def test_invitation_for_existing_member_or_bad_email(api, admin):
    existing = api(admin).post(
        "/api/v1/invitations", {"email": "an.pham@lotus.example"}, content_type="application/json"
    )
    assert existing.status_code == 422
    assert body(existing)["errors"][0]["field"] == "email"
    malformed = api(admin).post("/api/v1/invitations", {"email": "not-an-email"}, content_type="application/json")
    assert malformed.status_code == 422
    assert body(malformed)["errors"][0]["field"] == "email"


def test_only_admins_see_invitations(api, sales_manager):
    assert api(sales_manager).get("/api/v1/invitations").status_code == 403
    assert (
        api(sales_manager)
        .post("/api/v1/invitations", {"email": "x@lotus.example"}, content_type="application/json")
        .status_code
        == 403
    )


def test_tokens_shown_once_listed_by_prefix_and_revocable(api, salesperson):
    client = api(salesperson)
    created = client.post("/api/v1/tokens", {"name": "ERP sync"}, content_type="application/json")
    assert created.status_code == 201
    raw = body(created)["token"]
    assert raw.startswith("tdm_")
    assert not ApiToken.objects.for_org(salesperson.organization).filter(token_hash=raw).exists()
    listed = body(client.get("/api/v1/tokens"))["items"]
    assert {t["name"] for t in listed} >= {"ERP sync"}
    assert all("token" not in t for t in listed)
    from django.test import Client

    own = Client(headers={"Authorization": f"Bearer {raw}"})
    assert own.get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/tokens/{body(created)['id']}").status_code == 204
    revoked = own.get("/api/v1/me")
    assert revoked.status_code == 401
    assert "revoked" in body(revoked)["detail"]


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer tdm_" + "x" * 40, "Token abc", "Bearer "])
def test_malformed_or_unknown_tokens_get_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert body(response)["detail"]


def test_anonymous_gets_401(client):
    response = client.get("/api/v1/people")
    assert response.status_code == 401
    assert "Bearer" in body(response)["detail"]


def test_session_auth_needs_csrf_for_writes(db, admin):
    from django.test import Client

    from tandem.orgs.middleware import SESSION_KEY

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    session = client.session
    session[SESSION_KEY] = admin.organization_id
    session.save()
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/teams", {"name": "No CSRF"}, content_type="application/json")
    assert response.status_code == 403
    assert not Team.objects.for_org(admin.organization).filter(name="No CSRF").exists()


def test_me_lists_every_organization_of_the_person(api, admin):
    data = body(api(admin).get("/api/v1/me"))
    assert data["organization"]["slug"] == "lotus"
    assert {o["slug"] for o in data["organizations"]} == {"lotus", "orchid"}


def test_organization_update_validates_time_zone_and_month(api, admin):
    bad = api(admin).patch(
        "/api/v1/organization",
        {"time_zone": "Mars/Olympus", "fiscal_year_start_month": 13},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert body(bad)["errors"][0]["field"] == "fiscal_year_start_month"
    bad_zone = api(admin).patch("/api/v1/organization", {"time_zone": "Mars/Olympus"}, content_type="application/json")
    assert bad_zone.status_code == 422
    assert body(bad_zone)["errors"][0]["field"] == "time_zone"
    good = api(admin).patch("/api/v1/organization", {"fiscal_year_start_month": 4}, content_type="application/json")
    assert body(good)["fiscal_year_start_month"] == 4


def test_people_count_query_count_is_constant(api, admin, django_assert_max_num_queries):
    client = api(admin)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/people?limit=1000")
    assert body(response)["count"] == Membership.objects.for_org(admin.organization).filter(is_active=True).count()


def test_nul_characters_and_broken_json_are_field_errors(api, admin):
    client = api(admin)
    nul = client.post("/api/v1/teams", '{"name": "Bad\\u0000Team"}', content_type="application/json")
    assert nul.status_code == 422 and body(nul)["errors"][0]["field"] == "name"
    broken = client.post("/api/v1/teams", '{"name": ', content_type="application/json")
    assert broken.status_code == 422 and body(broken)["errors"][0]["field"] == "body"
    query = client.get("/api/v1/people?q=a%00b")
    assert query.status_code == 422 and body(query)["errors"][0]["field"] == "q"
