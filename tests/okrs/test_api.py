"""OKRs through the API: the same rules as the UI, with field errors for bad input and nothing written."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine

from tandem.okrs.models import CheckIn, KeyResult, Objective

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC), tick=False):
        yield


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def cycle(api, admin):  # type: ignore[no-untyped-def]
    made = body(post(api(admin), "/api/v1/cycles", {"name": "API Q4", "start": "2026-10-01", "end": "2026-12-31"}))
    assert made["state"] == "planning"
    assert body(post(api(admin), f"/api/v1/cycles/{made['id']}/state", {"state": "active"}))["state"] == "active"
    return made


def test_a_member_creates_an_objective_with_key_results_and_checks_in(api, salesperson, cycle):
    client = api(salesperson)
    objective = post(
        client,
        "/api/v1/objectives",
        {"cycle": cycle["id"], "title": "Win back lapsed pharmacies", "owner": salesperson.pk},
    )
    assert objective.status_code == 201, objective.content
    objective = body(objective)
    assert objective["level"] == "person" and objective["success_line"] == 1.0
    kr = body(
        post(
            client, "/api/v1/key-results", {"objective": objective["id"], "title": "Lapsed back", "target_value": "20"}
        )
    )
    done = post(
        client,
        f"/api/v1/key-results/{kr['id']}/check-ins",
        {"value": "5", "confidence": "at_risk", "note": "Slow start"},
    )
    assert done.status_code == 201, done.content
    assert body(done)["source"] == "manual"
    assert body(client.get(f"/api/v1/objectives/{objective['id']}"))["progress"] == "0.2500"
    history = body(client.get(f"/api/v1/key-results/{kr['id']}/check-ins"))
    assert history["count"] == 1 and history["items"][0]["note"] == "Slow start"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"target_value": "0"}, "target_value"),  # equal to the start
        ({"weight": "0"}, "weight"),
        ({"weight": "-2"}, "weight"),
        ({"target_value": "many"}, "target_value"),
    ],
)
def test_bad_key_results_are_422_with_the_field(api, admin, cycle, data, field):
    objective = body(post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Bad KRs"}))
    before = KeyResult.objects.for_org(admin.organization).count()
    response = post(
        api(admin), "/api/v1/key-results", {"objective": objective["id"], "title": "Bad", "target_value": "10"} | data
    )
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in body(response)["errors"]}
    assert KeyResult.objects.for_org(admin.organization).count() == before


def test_a_check_in_on_a_closed_cycle_is_refused_and_writes_nothing(api, admin, cycle):
    objective = body(post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Soon closed"}))
    kr = body(
        post(api(admin), "/api/v1/key-results", {"objective": objective["id"], "title": "Thing", "target_value": "3"})
    )
    post(api(admin), f"/api/v1/cycles/{cycle['id']}/state", {"state": "closing"})
    post(api(admin), f"/api/v1/cycles/{cycle['id']}/state", {"state": "closed"})
    refused = post(api(admin), f"/api/v1/key-results/{kr['id']}/check-ins", {"value": "2"})
    assert refused.status_code == 409
    assert not CheckIn.objects.for_org(admin.organization).filter(key_result_id=kr["id"]).exists()


def test_alignment_to_another_organization_or_a_descendant_is_422(api, admin, outsider, cycle):
    parent = body(post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Top"}))
    child = body(
        post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Under", "parent": parent["id"]})
    )
    loop = api(admin).patch(
        f"/api/v1/objectives/{parent['id']}", {"parent": child["id"]}, content_type="application/json"
    )
    assert loop.status_code == 422 and body(loop)["errors"][0]["field"] == "parent"
    theirs = body(post(api(outsider), "/api/v1/cycles", {"name": "Orchid", "start": "2026-10-01", "end": "2026-12-31"}))
    foreign = body(post(api(outsider), "/api/v1/objectives", {"cycle": theirs["id"], "title": "Orchid's"}))
    stolen = api(admin).patch(
        f"/api/v1/objectives/{child['id']}", {"parent": foreign["id"]}, content_type="application/json"
    )
    assert stolen.status_code == 422
    assert Objective.objects.for_org(admin.organization).get(pk=child["id"]).parent_id == parent["id"]


def test_the_alignment_map_hides_private_objectives_it_cannot_show(api, admin, salesperson, warehouse_lead, cycle):
    top = body(post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Top"}))
    post(
        api(salesperson),
        "/api/v1/objectives",
        {
            "cycle": cycle["id"],
            "title": "An's secret plan",
            "owner": salesperson.pk,
            "parent": top["id"],
            "visibility": "private",
        },
    )
    seen = json.dumps(body(api(warehouse_lead).get(f"/api/v1/cycles/{cycle['id']}/alignment")))
    assert "An's secret plan" not in seen and "Private objective" in seen
    assert "An's secret plan" in json.dumps(body(api(salesperson).get(f"/api/v1/cycles/{cycle['id']}/alignment")))


def test_objectives_and_kpis_from_templates_in_the_callers_language(api, admin, sales_manager, cycle):
    made = post(
        api(admin),
        "/api/v1/objectives/from-template",
        {"template": "marketing_free_trial_acquisition", "cycle": cycle["id"], "language": "vi"},
    )
    assert made.status_code == 201, made.content
    objective = body(made)
    krs = body(api(admin).get(f"/api/v1/key-results?objective={objective['id']}"))
    assert krs["count"] == 5
    assert objective["title"] != "Improve free trial experience in order to increase new customer acquisition"
    kpi = post(api(sales_manager), "/api/v1/kpis/from-template", {"template": "units_sold"})
    assert kpi.status_code == 201, kpi.content
    assert body(kpi)["state"] == "draft" and body(kpi)["key"].startswith("units_sold")
    unknown = post(api(admin), "/api/v1/objectives/from-template", {"template": "nope", "cycle": cycle["id"]})
    assert unknown.status_code == 422 and body(unknown)["errors"][0]["field"] == "template"


def test_an_organization_saves_its_own_template_and_reuses_it(api, admin, cycle):
    objective = body(post(api(admin), "/api/v1/objectives", {"cycle": cycle["id"], "title": "Our playbook"}))
    post(api(admin), "/api/v1/key-results", {"objective": objective["id"], "title": "Step count", "target_value": "4"})
    saved = post(api(admin), "/api/v1/templates", {"objective": objective["id"], "name": "Lotus playbook"})
    assert saved.status_code == 201, saved.content
    template = body(saved)
    assert template["id"].startswith("org:") and template["key_results"] == ["Step count"]
    listed = body(api(admin).get("/api/v1/templates?kind=okr"))
    assert listed["items"][0]["name"] == "Lotus playbook" and listed["count"] > 40
    copy = body(
        post(api(admin), "/api/v1/objectives/from-template", {"template": template["id"], "cycle": cycle["id"]})
    )
    assert copy["title"] == "Our playbook"
