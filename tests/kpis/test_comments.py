"""Comments on KPIs: who may write them, who is told, and that a mention never reaches (or reveals) someone
who may not see the KPI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tandem.core.models import AuditEvent
from tandem.kpis import services
from tandem.kpis.models import KpiComment
from tandem.notifications.models import Notification
from tandem.notifications.selectors import sentence

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def told(person, event: str | None = None):  # type: ignore[no-untyped-def]
    found = Notification.objects.for_org(person.organization).filter(recipient=person)
    return found.filter(event=event) if event else found


def _kpi(by, key: str, visibility: str = "public"):  # type: ignore[no-untyped-def]
    name = key.replace("_", " ").title()
    return services.kpi_create(
        by=by, key=key, name=name, target=Decimal(10), red_threshold=Decimal(90), visibility=visibility
    )


def test_a_mention_on_a_private_kpi_does_not_reach_who_may_not_see_it(api, warehouse_lead, salesperson, admin):
    kpi = _kpi(warehouse_lead, "dock_to_stock", visibility="private")
    before = told(salesperson).count()
    made = post(api(admin), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "@an.pham can you check the dock times?"})
    assert made.status_code == 201, made.content
    assert set(body(made)) == {"id", "kpi", "author", "body", "created_at"}
    assert told(salesperson).count() == before
    # The owner still hears of it, as a comment (not a mention).
    owner = told(warehouse_lead, "comment.posted").get()
    assert owner.url == f"/kpis/{kpi.pk}/#comment-{body(made)['id']}"
    assert owner.params == {"title": "Dock To Stock", "excerpt": "@an.pham can you check the dock times?"}


def test_a_mention_on_a_public_kpi_tells_the_person_once(api, sales_manager, salesperson, warehouse_lead):
    kpi = _kpi(warehouse_lead, "pick_rate")
    made = post(api(sales_manager), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "@an.pham see this, @AN.PHAM. Thanks!"})
    assert made.status_code == 201, made.content
    mention = told(salesperson, "comment.mention").get()
    assert told(salesperson).filter(object_type="kpi", object_id=str(kpi.pk)).count() == 1
    assert mention.actor_id == sales_manager.pk
    assert mention.url.endswith(f"#comment-{body(made)['id']}")
    assert sentence(mention) == "Trần Thu Linh mentioned you on “Pick Rate”: @an.pham see this, @AN.PHAM. Thanks!"
    assert told(warehouse_lead, "comment.posted").count() == 1
    assert told(sales_manager).filter(object_type="kpi", object_id=str(kpi.pk)).count() == 0


def test_unknown_and_outsider_handles_tell_nobody(api, sales_manager, warehouse_lead, outsider, salesperson):
    kpi = _kpi(warehouse_lead, "orders_packed")
    outside_before = Notification.objects.for_org(outsider.organization).count()
    lotus_before = Notification.objects.for_org(sales_manager.organization).count()
    made = post(api(sales_manager), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "@nobody.here and @outsider, hi"})
    assert made.status_code == 201
    assert Notification.objects.for_org(outsider.organization).count() == outside_before
    # Only the owner hears of it.
    assert Notification.objects.for_org(sales_manager.organization).count() == lotus_before + 1
    assert told(warehouse_lead, "comment.posted").count() == 1


def test_a_mentioned_owner_gets_the_mention_only_and_the_author_nothing(api, sales_manager, warehouse_lead):
    kpi = _kpi(warehouse_lead, "returns_handled")
    assert post(api(sales_manager), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "@minh.le what happened?"}).status_code
    assert told(warehouse_lead, "comment.mention").count() == 1
    assert told(warehouse_lead, "comment.posted").count() == 0
    post(api(warehouse_lead), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "A late truck, @minh.le noted."})
    assert told(warehouse_lead).filter(object_id=str(kpi.pk)).count() == 1


def test_a_blank_comment_is_refused_naming_body(api, web, sales_manager, warehouse_lead):
    kpi = _kpi(warehouse_lead, "blank_check")
    for text in ("", "   "):
        refused = post(api(sales_manager), f"/api/v1/kpis/{kpi.pk}/comments", {"body": text})
        assert refused.status_code == 422
        assert body(refused)["errors"][0]["field"] == "body"
    page = web(sales_manager).post(f"/kpis/{kpi.pk}/comments/", {"body": "  "})
    assert page.status_code == 422
    assert KpiComment.objects.for_org(kpi.organization).filter(kpi=kpi).count() == 0


def test_viewers_read_comments_and_may_not_write_them(api, web, viewer, warehouse_lead, sales_manager):
    kpi = _kpi(warehouse_lead, "viewer_check")
    post(api(sales_manager), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "First"})
    assert post(api(viewer), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "Hello"}).status_code == 403
    assert web(viewer).post(f"/kpis/{kpi.pk}/comments/", {"body": "Hello"}).status_code == 403
    listed = api(viewer).get(f"/api/v1/kpis/{kpi.pk}/comments")
    assert listed.status_code == 200 and [c["body"] for c in body(listed)["items"]] == ["First"]
    page = web(viewer).get(f"/kpis/{kpi.pk}/")
    assert "First" in page.content.decode() and f"/kpis/{kpi.pk}/comments/" not in page.content.decode()


def test_outsiders_and_people_who_may_not_see_the_kpi_find_nothing(api, web, outsider, salesperson, warehouse_lead):
    kpi = _kpi(warehouse_lead, "hidden_kpi", visibility="private")
    for person in (outsider, salesperson):
        assert api(person).get(f"/api/v1/kpis/{kpi.pk}/comments").status_code == 404
        assert post(api(person), f"/api/v1/kpis/{kpi.pk}/comments", {"body": "hi"}).status_code == 404
        assert web(person).post(f"/kpis/{kpi.pk}/comments/", {"body": "hi"}).status_code == 404


def test_the_kpi_page_shows_the_thread_and_adds_to_it(web, sales_manager, warehouse_lead):
    kpi = _kpi(warehouse_lead, "page_check")
    client = web(sales_manager)
    page = client.get(f"/kpis/{kpi.pk}/")
    assert 'id="comments"' in page.content.decode() and "@an.pham" in page.content.decode()  # the hint
    added = client.post(f"/kpis/{kpi.pk}/comments/", {"body": "Stock counts look right"})
    comment = KpiComment.objects.for_org(kpi.organization).get(kpi=kpi)
    assert added.status_code == 302 and added["Location"] == f"/kpis/{kpi.pk}/#comment-{comment.pk}"
    shown = client.get(f"/kpis/{kpi.pk}/").content.decode()
    assert f'id="comment-{comment.pk}"' in shown and "Stock counts look right" in shown
    event = AuditEvent.objects.for_org(kpi.organization).filter(object_type="kpi", object_id=str(kpi.pk)).first()
    assert event is not None and event.action == "commented"
