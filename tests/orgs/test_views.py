"""The HTML pages: what a person sees, and the clear refusals of bad input."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tandem.core.models import AuditEvent
from tandem.orgs import demo, services
from tandem.orgs.models import Invitation, Membership, Team, User

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_and_password(client):
    response = client.post("/login/", {"username": "an.pham@lotus.example", "password": demo.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "Lotus Distribution" in home.content.decode()


@pytest.mark.parametrize("email,password", [("an.pham@lotus.example", "wrong"), ("nobody@lotus.example", "x")])
def test_wrong_password_or_unknown_email_is_a_400_with_a_message(client, email, password):
    response = client.post("/login/", {"username": email, "password": password})
    assert response.status_code == 400
    assert "correct email and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_sign_in(client):
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/people/")


def test_people_page_shows_people_and_the_team_tree(web, salesperson, django_assert_max_num_queries):
    client = web(salesperson)
    with django_assert_max_num_queries(15):
        response = client.get("/people/")
    text = response.content.decode()
    assert response.status_code == 200
    for name in ("Trần Thu Linh", "Lê Quang Minh", "Sales North", "Warehouse", "Customer Service"):
        assert name in text
    assert "Rosa Alvarez" not in text


def test_people_page_query_count_does_not_grow_with_people(web, admin, django_assert_num_queries):
    client = web(admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/people/")
    for n in range(15):
        user = User.objects.create_user(f"extra{n}@lotus.example", "x", full_name=f"Extra {n}")
        services.person_add(by=admin, user=user, manager=admin)
    with CaptureQueriesContext(connection) as after:
        response = client.get("/people/")
    assert "Extra 14" in response.content.decode()
    assert len(after) == len(before)


def test_person_page_shows_history(web, admin, salesperson):
    services.person_update(by=admin, person=salesperson, job_title="Senior Account Executive")
    response = web(salesperson).get(f"/people/{salesperson.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Senior Account Executive" in text and "Account Executive" in text
    assert "Nguyễn Thị Mai" in text  # who made the change


def test_admin_edits_a_person_and_bad_manager_is_a_field_error(web, admin, salesperson, sales_manager):
    client = web(admin)
    form = {"role": "member", "job_title": "Lead", "manager": str(salesperson.pk), "is_active": "on"}
    response = client.post(f"/people/{sales_manager.pk}/edit/", form)
    assert response.status_code == 422
    assert "already reports to" in response.content.decode()
    sales_manager.refresh_from_db()
    assert sales_manager.job_title == "Head of Sales"
    form["manager"] = str(admin.pk)
    assert client.post(f"/people/{sales_manager.pk}/edit/", form).status_code == 302
    sales_manager.refresh_from_db()
    assert (sales_manager.role, sales_manager.job_title) == ("member", "Lead")


@pytest.mark.parametrize("name", ["", "   ", "x" * 500])
def test_team_form_rejects_empty_blank_and_long_names(web, admin, name):
    count = Team.objects.for_org(admin.organization).count()
    response = web(admin).post("/teams/new/", {"name": name})
    assert response.status_code == 422
    assert Team.objects.for_org(admin.organization).count() == count


def test_team_cannot_be_moved_under_its_own_sub_team(web, admin):
    teams = Team.objects.for_org(admin.organization)
    sales, north = teams.get(name="Sales"), teams.get(name="Sales North")
    response = web(admin).post(f"/teams/{sales.pk}/edit/", {"name": "Sales", "parent": str(north.pk)})
    assert response.status_code == 422
    assert "cannot be placed under itself" in response.content.decode()
    sales.refresh_from_db()
    assert sales.parent.name == "Leadership"


def test_members_cannot_open_admin_pages(web, salesperson):
    client = web(salesperson)
    assert client.get("/invitations/").status_code == 403
    assert client.get("/teams/new/").status_code == 403


def _invite(admin: Membership, **changes: object) -> str:
    invitation, raw = services.invitation_create(by=admin, email="joiner@lotus.example")
    if changes:
        Invitation.objects.for_org(admin.organization).filter(pk=invitation.pk).update(**changes)
    return raw


def test_invitation_accept_creates_the_person_and_signs_them_in(admin):
    raw = _invite(admin)
    client = Client()
    assert "Lotus Distribution" in client.get(f"/invite/{raw}/").content.decode()
    response = client.post(
        f"/invite/{raw}/",
        {"full_name": "Hồ Ngọc Hà", "password": "a-long-passphrase-1", "password_again": "a-long-passphrase-1"},
    )
    assert response.status_code == 302
    person = Membership.objects.for_org(admin.organization).get(user__email="joiner@lotus.example")
    assert person.role == "member" and person.user.full_name == "Hồ Ngọc Hà"
    assert client.get("/").status_code == 200
    reused = Client().get(f"/invite/{raw}/")
    assert reused.status_code == 410 and "already been used" in reused.content.decode()


def test_invitation_with_weak_or_mismatched_password_creates_nothing(admin):
    raw = _invite(admin)
    client = Client()
    weak = client.post(f"/invite/{raw}/", {"full_name": "Weak", "password": "123", "password_again": "123"})
    assert weak.status_code == 422
    differ = client.post(
        f"/invite/{raw}/",
        {"full_name": "X", "password": "a-long-passphrase-1", "password_again": "a-long-passphrase-2"},
    )
    assert differ.status_code == 422 and "differ" in differ.content.decode()
    assert not User.objects.filter(email="joiner@lotus.example").exists()


def test_expired_revoked_and_unknown_invitations_are_refused(admin):
    expired = _invite(admin, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().get(f"/invite/{expired}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    posted = Client().post(
        f"/invite/{expired}/",
        {"full_name": "Late", "password": "a-long-passphrase-1", "password_again": "a-long-passphrase-1"},
    )
    assert posted.status_code == 410
    assert not User.objects.filter(email="joiner@lotus.example").exists()
    revoked = _invite(admin, revoked_at=timezone.now())
    assert Client().get(f"/invite/{revoked}/").status_code == 410
    assert Client().get("/invite/not-a-real-token/").status_code == 404


def test_signed_in_person_with_another_email_cannot_take_an_invitation(admin, web, outsider):
    raw = _invite(admin)
    response = web(outsider).post(f"/invite/{raw}/")
    assert response.status_code == 422
    assert not Membership.objects.for_org(admin.organization).filter(user=outsider.user).exists()


def test_settings_creates_a_token_shown_once(web, salesperson):
    client = web(salesperson)
    response = client.post("/settings/", {"section": "token", "name": "Laptop scripts"})
    text = response.content.decode()
    assert response.status_code == 200 and "shown only once" in text
    again = client.get("/settings/").content.decode()
    assert "Laptop scripts" in again
    import re

    raw = re.search(r"tdm_[\w-]{20,}", text).group(0)
    assert raw not in again


def test_profile_language_switches_the_interface_to_vietnamese(web, salesperson):
    client = web(salesperson)
    assert (
        client.post("/settings/", {"section": "profile", "full_name": "Phạm Minh An", "language": "vi"}).status_code
        == 302
    )
    response = client.get("/people/")
    assert response["Content-Language"] == "vi"
    assert "Nhân sự" in response.content.decode()


def test_switching_to_an_organization_you_are_not_in_is_refused(web, outsider, admin):
    client = web(outsider)
    response = client.post("/organization/switch/", {"organization": str(admin.organization_id)}, follow=True)
    text = response.content.decode()
    assert "Orchid Foods" in text and "not a member" in text
    assert AuditEvent.objects.for_org(admin.organization).filter(actor=outsider).count() == 0


def test_switching_between_own_organizations(web, admin, outsider):
    client = web(admin)
    response = client.post("/organization/switch/", {"organization": str(outsider.organization_id)}, follow=True)
    assert "Orchid Foods" in response.content.decode()
    assert "Kenji Sato" in client.get("/people/").content.decode()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_api_docs_are_served_locally(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "cdn" not in response.content.decode().lower()
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/people" in schema["paths"]


def test_organization_settings_change_is_in_its_history(web, admin):
    client = web(admin)
    form = {
        "section": "organization",
        "name": "Lotus Distribution JSC",
        "time_zone": "Asia/Ho_Chi_Minh",
        "fiscal_year_start_month": "4",
        "language": "en",
        "reminder_weekday": "0",
        "reminder_hour": "9",
    }
    assert client.post("/settings/", form).status_code == 302
    text = client.get("/settings/").content.decode()
    assert "Lotus Distribution JSC" in text and "fiscal_year_start_month" in text


def test_organization_settings_refuse_an_unknown_time_zone(web, admin):
    form = {
        "section": "organization",
        "name": "Lotus",
        "time_zone": "Mars/Olympus",
        "fiscal_year_start_month": "1",
        "language": "en",
        "reminder_weekday": "0",
        "reminder_hour": "9",
    }
    response = web(admin).post("/settings/", form)
    assert response.status_code == 422
    admin.organization.refresh_from_db()
    assert admin.organization.time_zone == "Asia/Ho_Chi_Minh"


def test_password_change_checks_the_old_password(web, salesperson):
    client = web(salesperson)
    response = client.post(
        "/password/",
        {"old_password": "wrong", "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 422
    ok = client.post(
        "/password/",
        {
            "old_password": demo.PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert ok.status_code == 302
    salesperson.user.refresh_from_db()
    assert salesperson.user.check_password("a-new-long-passphrase")


def test_people_page_shows_fifty_a_page(web, admin):
    for n in range(15):
        user = User.objects.create_user(f"zz{n:02d}@lotus.example", "x", full_name=f"Zulu {n:02d}")
        services.person_add(by=admin, user=user)
    client = web(admin)
    first = client.get("/people/").content.decode()
    assert "1–50 of 55" in first and "Zulu 14" not in first
    second = client.get("/people/?page=2").content.decode()
    assert "51–55 of 55" in second and "Zulu 14" in second
    assert client.get("/people/?page=999").status_code == 200  # out of range shows the last page
