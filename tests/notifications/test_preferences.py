"""Each person chooses, per kind of event, whether it reaches them in the app, by email, both or not at
all; the inbox and the outbox follow the choice, and the bell counts what is unread."""

from __future__ import annotations

import json

import pytest

from tandem.core.models import AuditEvent
from tandem.notifications.events import EVENTS, KINDS
from tandem.notifications.models import EmailState, Notification
from tandem.notifications.services import notify
from tandem.okrs.models import Objective

pytestmark = pytest.mark.django_db


def _tell(actor, recipient) -> list[Notification]:  # type: ignore[no-untyped-def]
    objective = Objective.objects.for_org(actor.organization).filter(owner=recipient).first()
    return notify(
        actor=actor,
        recipients=[recipient],
        event="comment.mention",
        obj=objective,
        url="/x/",
        params={"title": "Grow", "excerpt": "look"},
    )


def test_every_event_belongs_to_a_registered_kind():
    assert {event.kind for event in EVENTS.values()} <= set(KINDS)


def test_defaults_reach_the_inbox_and_the_outbox(sales_manager, salesperson):
    [made] = _tell(sales_manager, salesperson)
    assert made.in_app and made.email_state == EmailState.PENDING


@pytest.mark.parametrize(
    ("channel", "in_app", "email"),
    [("in_app", True, ""), ("email", False, "pending"), ("both", True, "pending")],
)
def test_the_chosen_channel_decides_inbox_and_email(channel, in_app, email, api, sales_manager, salesperson):
    response = api(salesperson).patch(
        "/api/v1/notification-preferences",
        json.dumps({"channels": {"mentions": channel}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {i["kind"]: i["channel"] for i in response.json()["items"]}["mentions"] == channel
    [made] = _tell(sales_manager, salesperson)
    assert (made.in_app, made.email_state) == (in_app, email)
    inbox = api(salesperson).get("/api/v1/notifications").json()
    assert any(item["id"] == made.pk for item in inbox["items"]) is in_app


def test_off_means_nothing_at_all(web, sales_manager, salesperson):
    response = web(salesperson).post("/settings/notifications/", {key: "both" for key in KINDS} | {"mentions": "none"})
    assert response.status_code == 302
    assert _tell(sales_manager, salesperson) == []
    assert (
        AuditEvent.objects.for_org(salesperson.organization)
        .filter(object_type="person", object_id=str(salesperson.pk), action="notifications_chosen")
        .exists()
    )


def test_the_page_lists_every_kind_with_the_current_choice(web, viewer):
    page = web(viewer).get("/settings/notifications/").content.decode()
    for kind in KINDS.values():
        assert str(kind.label) in page
    assert '<option value="email" selected>' in page  # the digest's default


def test_bad_choices_name_the_field_and_change_nothing(api, web, salesperson):
    client = api(salesperson)
    for body, field in (
        ({"channels": {"mentions": "pigeon"}}, "channels.mentions"),
        ({"channels": {"gossip": "email"}}, "gossip"),
        ({"kinds": {}}, "channels"),
    ):
        response = client.patch("/api/v1/notification-preferences", json.dumps(body), content_type="application/json")
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    page = web(salesperson).post("/settings/notifications/", {"mentions": "pigeon"})
    assert page.status_code == 422
    items = client.get("/api/v1/notification-preferences").json()["items"]
    assert all(item["channel"] == item["default"] for item in items)


def test_the_bell_counts_unread_and_is_asked_again(web, sales_manager, salesperson):
    before = web(salesperson).get("/notifications/bell/")
    _tell(sales_manager, salesperson)
    after = web(salesperson).get("/notifications/bell/").content.decode()
    assert 'hx-trigger="every' in after
    unread = Notification.objects.for_org(salesperson.organization).filter(
        recipient=salesperson, in_app=True, read_at__isnull=True
    )
    assert f"data-unread-count>{unread.count()}<" in after
    assert before.content.decode() != after
