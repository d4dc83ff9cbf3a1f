"""OKR pages: the tree in a constant number of queries, the check-in dialog in place, unfolding, and forms
that keep the input and say what is wrong."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.okrs import services
from tandem.okrs.models import CheckIn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def cycle(admin):  # type: ignore[no-untyped-def]
    made = services.cycle_create(
        by=admin, name="View Q4", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    return services.cycle_advance(by=admin, cycle=made, state="active")


def _grow(admin, cycle, parents: int, children: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(parents):
        top = services.objective_create(by=admin, cycle=cycle, title=f"Top {i}")
        services.key_result_create(by=admin, objective=top, title=f"KR {i}", target_value=10)
        for j in range(children):
            child = services.objective_create(by=admin, cycle=cycle, title=f"Child {i}.{j}", parent=top.pk)
            services.key_result_create(by=admin, objective=child, title=f"KR {i}.{j}", target_value=5)


def test_the_tree_page_runs_the_same_queries_whatever_the_tree(web, admin, cycle):
    _grow(admin, cycle, 1, 1)
    client = web(admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/okrs/?cycle={cycle.pk}").status_code == 200
    _grow(admin, cycle, 4, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/okrs/?cycle={cycle.pk}")
    assert "Child 3.2" in response.content.decode()
    assert len(many) == len(few)


def test_deeper_levels_unfold_in_place(web, admin, cycle):
    top = services.objective_create(by=admin, cycle=cycle, title="Top")
    middle = services.objective_create(by=admin, cycle=cycle, title="Middle", parent=top.pk)
    services.objective_create(by=admin, cycle=cycle, title="Deep down", parent=middle.pk)
    client = web(admin)
    assert "Deep down" not in client.get(f"/okrs/?cycle={cycle.pk}").content.decode()
    part = client.get(f"/okrs/objectives/{middle.pk}/children/?depth=2", HTTP_HX_REQUEST="true").content.decode()
    assert "Deep down" in part and "<html" not in part


def test_the_check_in_dialog_answers_in_place_with_errors_or_a_redirect(web, salesperson, cycle):
    mine = services.objective_create(by=salesperson, cycle=cycle, title="Mine", owner=salesperson.pk)
    kr = services.key_result_create(by=salesperson, objective=mine, title="Visits", target_value=40)
    client = web(salesperson)
    url = f"/okrs/key-results/{kr.pk}/check-in/"
    dialog = client.get(url, HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200 and "<dialog" in dialog.content.decode() and "<html" not in dialog.content.decode()
    bad = client.post(url, {"value": "", "confidence": "on_track", "next": "/okrs/"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "<dialog" in bad.content.decode()
    assert not CheckIn.objects.for_org(salesperson.organization).filter(key_result=kr).exists()
    good = client.post(url, {"value": "10", "confidence": "on_track", "next": "/okrs/"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 204 and good["HX-Redirect"] == "/okrs/"
    offsite = client.post(url, {"value": "11", "confidence": "on_track", "next": "https://evil.example/"})
    assert offsite.status_code == 302 and offsite["Location"] == "/"
    protocol_relative = client.post(url, {"value": "12", "confidence": "on_track", "next": "//evil.example/"})
    assert protocol_relative.status_code == 302 and protocol_relative["Location"] == "/"


def test_someone_elses_key_result_has_no_check_in_for_a_member(web, warehouse_lead, salesperson, cycle):
    mine = services.objective_create(by=salesperson, cycle=cycle, title="An's", owner=salesperson.pk)
    kr = services.key_result_create(by=salesperson, objective=mine, title="Visits", target_value=40)
    assert web(warehouse_lead).get(f"/okrs/key-results/{kr.pk}/check-in/").status_code == 403
    assert (
        f"/okrs/key-results/{kr.pk}/check-in/"
        not in web(warehouse_lead).get(f"/okrs/?cycle={cycle.pk}").content.decode()
    )


def test_a_bad_objective_form_keeps_the_input(web, salesperson, cycle):
    response = web(salesperson).post(
        f"/okrs/objectives/new/?cycle={cycle.pk}",
        {"title": "", "owner": salesperson.pk, "kind": "committed", "visibility": "public"},
    )
    assert response.status_code == 422


def test_the_tree_filters_by_owner(web, admin, salesperson, cycle):
    services.objective_create(by=salesperson, cycle=cycle, title="An's own", owner=salesperson.pk)
    services.objective_create(by=admin, cycle=cycle, title="The company's")
    text = web(admin).get(f"/okrs/?cycle={cycle.pk}&owner={salesperson.pk}").content.decode()
    assert "An&#x27;s own" in text or "An's own" in text
    assert "The company&#x27;s" not in text and "The company's" not in text
