"""1:1 feedback: a private thread between a manager and a report, read by the two of them and administrators,
and by nobody else (404 on the page and in the API)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tandem.core.models import AuditEvent
from tandem.feedback import services
from tandem.feedback.models import FeedbackNote, FeedbackThread
from tandem.kpis import services as kpi_services
from tandem.notifications.models import Notification
from tandem.okrs.models import Objective

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def told(person):  # type: ignore[no-untyped-def]
    return Notification.objects.for_org(person.organization).filter(recipient=person, event="feedback.posted")


@pytest.fixture
def thread(salesperson, sales_manager):  # type: ignore[no-untyped-def]
    opened, created = services.feedback_thread_open(by=sales_manager, report=salesperson)
    assert created and opened.manager_id == sales_manager.pk
    return opened


def an_objective(salesperson) -> Objective:  # type: ignore[no-untyped-def]
    return Objective.objects.for_org(salesperson.organization).get(title="Open 10 pharmacy accounts in District 7")


def test_the_two_people_and_admins_read_the_thread(web, api, thread, salesperson, sales_manager, admin):
    for person in (salesperson, sales_manager, admin):
        page = web(person).get(f"/people/{salesperson.pk}/feedback/")
        assert page.status_code == 200, person
        assert api(person).get(f"/api/v1/feedback-threads/{thread.pk}").status_code == 200
        assert api(person).get(f"/api/v1/feedback-threads/{thread.pk}/notes").status_code == 200
        assert thread.pk in [t["id"] for t in body(api(person).get("/api/v1/feedback-threads"))["items"]]
    page = web(salesperson).get(f"/people/{salesperson.pk}/feedback/").content.decode()
    assert "Open 10 pharmacy accounts in District 7" in page and "Units shipped" in page  # his OKRs and KPIs
    assert 'name="body"' in page
    # Administrators read, and do not write in other people's threads.
    assert 'name="body"' not in web(admin).get(f"/people/{salesperson.pk}/feedback/").content.decode()
    assert post(api(admin), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "Hi"}).status_code == 403
    assert web(admin).post(f"/people/{salesperson.pk}/feedback/", {"body": "Hi"}).status_code == 403


@pytest.mark.parametrize("name", ["warehouse_lead", "viewer", "outsider"])
def test_everyone_else_finds_nothing(name, request, web, api, thread, salesperson):
    person = request.getfixturevalue(name)
    before = FeedbackNote.objects.for_org(salesperson.organization).count()
    assert web(person).get(f"/people/{salesperson.pk}/feedback/").status_code == 404
    assert web(person).post(f"/people/{salesperson.pk}/feedback/", {"body": "Hi"}).status_code == 404
    assert api(person).get(f"/api/v1/feedback-threads/{thread.pk}").status_code == 404
    assert api(person).get(f"/api/v1/feedback-threads/{thread.pk}/notes").status_code == 404
    assert post(api(person), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "Hi"}).status_code == 404
    assert body(api(person).get("/api/v1/feedback-threads"))["items"] == []
    assert api(person).get(f"/api/v1/audit?object=feedback_thread:{thread.pk}").status_code in (404, 422)
    assert FeedbackNote.objects.for_org(salesperson.organization).count() == before


def test_notes_tell_the_other_person_and_link_the_reports_objective(web, api, thread, salesperson, sales_manager):
    objective = an_objective(salesperson)
    written = web(sales_manager).post(
        f"/people/{salesperson.pk}/feedback/", {"body": "Great start on the pharmacies", "objective": objective.pk}
    )
    note = FeedbackNote.objects.for_org(thread.organization).get(thread=thread)
    assert written.status_code == 302 and written["Location"] == f"/people/{salesperson.pk}/feedback/#note-{note.pk}"
    assert note.objective_id == objective.pk and note.author_id == sales_manager.pk
    told_an = told(salesperson).get()
    assert told_an.url == f"/people/{salesperson.pk}/feedback/#note-{note.pk}"
    assert told_an.params == {"excerpt": "Great start on the pharmacies"}
    assert told(sales_manager).count() == 0

    reply = post(api(salesperson), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "Thanks, 4 to go"})
    assert reply.status_code == 201, reply.content
    assert body(reply)["author"] == salesperson.pk and body(reply)["objective"] is None
    assert told(sales_manager).count() == 1
    notes = body(api(sales_manager).get(f"/api/v1/feedback-threads/{thread.pk}/notes"))["items"]
    assert [n["body"] for n in notes] == ["Great start on the pharmacies", "Thanks, 4 to go"]
    page = web(salesperson).get(f"/people/{salesperson.pk}/feedback/").content.decode()
    assert f'id="note-{note.pk}"' in page and f"/okrs/objectives/{objective.pk}/" in page


def test_the_audit_says_a_note_was_added_without_its_words(api, thread, salesperson, sales_manager):
    post(api(salesperson), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "A private worry"})
    events = AuditEvent.objects.for_org(thread.organization).filter(
        object_type="feedback_thread", object_id=str(thread.pk)
    )
    assert [e.action for e in events] == ["note_added", "opened"]
    assert "A private worry" not in json.dumps([e.changes for e in events]) + "".join(e.object_repr for e in events)
    history = api(sales_manager).get(f"/api/v1/audit?object=feedback_thread:{thread.pk}")
    assert history.status_code == 200 and body(history)["count"] == 2


def test_links_must_be_the_reports_own(api, web, thread, salesperson, sales_manager, warehouse_lead, admin):
    others = kpi_services.kpi_create(
        by=warehouse_lead, key="someone_elses", name="Someone else's", target=Decimal(1), red_threshold=Decimal(90)
    )
    refused = post(api(sales_manager), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "x", "kpi": others.pk})
    assert refused.status_code == 422 and body(refused)["errors"][0]["field"] == "kpi"
    not_his = Objective.objects.for_org(admin.organization).get(title="Clear the slow movers")
    refused = post(
        api(sales_manager), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "x", "objective": not_his.pk}
    )
    assert refused.status_code == 422 and body(refused)["errors"][0]["field"] == "objective"
    page = web(sales_manager).post(f"/people/{salesperson.pk}/feedback/", {"body": "x", "kpi": others.pk})
    assert page.status_code == 422
    blank = post(api(sales_manager), f"/api/v1/feedback-threads/{thread.pk}/notes", {"body": "  "})
    assert blank.status_code == 422 and body(blank)["errors"][0]["field"] == "body"
    assert FeedbackNote.objects.for_org(thread.organization).filter(thread=thread).count() == 0
    own = post(
        api(salesperson),
        f"/api/v1/feedback-threads/{thread.pk}/notes",
        {"body": "About my KPI", "kpi": salesperson.kpis.get(key="units_shipped").pk},
    )
    assert own.status_code == 201, own.content


def test_opening_a_thread(api, salesperson, sales_manager, warehouse_lead, viewer, admin):
    opened = post(api(salesperson), "/api/v1/feedback-threads", {"report": salesperson.pk})
    assert opened.status_code == 201, opened.content
    assert body(opened)["manager"] == sales_manager.pk and body(opened)["manager_name"] == "Trần Thu Linh"
    again = post(api(sales_manager), "/api/v1/feedback-threads", {"report": salesperson.pk})
    assert again.status_code == 200 and body(again)["id"] == body(opened)["id"]
    assert post(api(warehouse_lead), "/api/v1/feedback-threads", {"report": salesperson.pk}).status_code == 403
    # The viewer has no manager: there is no thread to open.
    refused = post(api(admin), "/api/v1/feedback-threads", {"report": viewer.pk})
    assert refused.status_code == 422 and body(refused)["errors"][0]["field"] == "report"
    assert FeedbackThread.objects.for_org(admin.organization).filter(report=salesperson).count() == 1


def test_the_person_page_links_the_thread_for_the_three_who_may_read_it(
    web, salesperson, sales_manager, admin, warehouse_lead
):
    link = f"/people/{salesperson.pk}/feedback/"
    for person in (salesperson, sales_manager, admin):
        assert link in web(person).get(f"/people/{salesperson.pk}/").content.decode()
    assert link not in web(warehouse_lead).get(f"/people/{salesperson.pk}/").content.decode()


def test_the_first_note_opens_the_thread(web, salesperson, sales_manager):
    assert FeedbackThread.objects.for_org(salesperson.organization).filter(report=salesperson).count() == 0
    page = web(salesperson).get(f"/people/{salesperson.pk}/feedback/")
    assert page.status_code == 200 and "No notes yet" in page.content.decode()
    assert FeedbackThread.objects.for_org(salesperson.organization).filter(report=salesperson).count() == 0
    web(salesperson).post(f"/people/{salesperson.pk}/feedback/", {"body": "Can we talk about District 7?"})
    thread = FeedbackThread.objects.for_org(salesperson.organization).get(report=salesperson)
    assert thread.manager_id == sales_manager.pk and told(sales_manager).count() == 1
