"""@mentions: how handles are read from a comment, found in one query, and told only to people who may see
what was commented on — on objectives and key results as on KPIs."""

from __future__ import annotations

import datetime
import json

import pytest

from tandem.notifications.mentions import handles_in, mentioned
from tandem.notifications.models import Notification
from tandem.okrs import services as okr_services

pytestmark = pytest.mark.django_db


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def told(person, event: str):  # type: ignore[no-untyped-def]
    return Notification.objects.for_org(person.organization).filter(recipient=person, event=event)


def test_handles_are_read_from_the_text():
    assert handles_in("Thanks @an.pham. Ask @Linh.Tran, @an.pham!") == ["an.pham", "linh.tran"]
    # An email address in the text is not a mention, nor an @ on its own.
    assert handles_in("write to an.pham@lotus.example or @ me") == []
    assert handles_in("(@minh.le) @minh.le-") == ["minh.le"]
    assert len(handles_in(" ".join(f"@p{i}" for i in range(50)))) == 20


def test_mentioned_people_are_found_in_one_query(admin, salesperson, warehouse_lead, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = mentioned(organization=admin.organization, text="@an.pham @MINH.LE @nobody @outsider")
    assert {p.pk for p in found} == {salesperson.pk, warehouse_lead.pk}
    with django_assert_num_queries(0):
        assert mentioned(organization=admin.organization, text="no mention here") == []


def test_a_deactivated_person_is_not_mentioned(admin, warehouse_lead):
    warehouse_lead.is_active = False
    warehouse_lead.save(update_fields=["is_active"])
    assert mentioned(organization=admin.organization, text="@minh.le") == []


@pytest.fixture
def cycle(admin):  # type: ignore[no-untyped-def]
    made = okr_services.cycle_create(
        by=admin, name="Mention cycle", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    return okr_services.cycle_advance(by=admin, cycle=made, state="active")


def test_a_private_objective_tells_no_one_who_may_not_see_it(api, cycle, warehouse_lead, salesperson, admin):
    objective = okr_services.objective_create(
        by=warehouse_lead, cycle=cycle, title="Private stock plan", owner=warehouse_lead.pk, visibility="private"
    )
    made = post(api(admin), f"/api/v1/objectives/{objective.pk}/comments", {"body": "@an.pham @minh.le please align"})
    assert made.status_code == 201, made.content
    assert told(salesperson, "comment.mention").count() == 0
    mention = told(warehouse_lead, "comment.mention").get()
    assert mention.url == f"/okrs/objectives/{objective.pk}/#comment-{json.loads(made.content)['id']}"
    assert mention.params["title"] == "Private stock plan"
    assert told(warehouse_lead, "comment.posted").count() == 0


def test_a_key_result_comment_tells_its_owner_and_the_objectives(api, cycle, sales_manager, salesperson, admin):
    objective = okr_services.objective_create(by=sales_manager, cycle=cycle, title="Grow south", owner=sales_manager.pk)
    kr = okr_services.key_result_create(
        by=sales_manager, objective=objective, title="Pharmacies", target_value=10, owner=salesperson.pk
    )
    made = post(api(admin), f"/api/v1/objectives/{objective.pk}/comments", {"body": "Good pace", "key_result": kr.pk})
    assert made.status_code == 201, made.content
    posted = told(salesperson, "comment.posted").get()
    assert posted.object_type == "key_result" and posted.params["title"] == "Pharmacies"
    assert told(sales_manager, "comment.posted").count() == 1
    # The author of a comment is never told about it.
    post(
        api(salesperson), f"/api/v1/objectives/{objective.pk}/comments", {"body": "@an.pham noted", "key_result": kr.pk}
    )
    assert told(salesperson, "comment.mention").count() == 0
    assert told(salesperson, "comment.posted").count() == 1


def test_the_objective_page_anchors_each_comment_and_shows_the_hint(web, cycle, salesperson):
    objective = okr_services.objective_create(by=salesperson, cycle=cycle, title="Anchored", owner=salesperson.pk)
    client = web(salesperson)
    client.post(f"/okrs/objectives/{objective.pk}/comments/", {"body": "Hello"})
    page = client.get(f"/okrs/objectives/{objective.pk}/").content.decode()
    comment_id = objective.comments.get().pk
    assert f'id="comment-{comment_id}"' in page and "Mention someone with @" in page


def test_the_person_page_shows_how_to_mention_them(web, viewer, salesperson):
    page = web(viewer).get(f"/people/{salesperson.pk}/").content.decode()
    assert "@an.pham" in page
