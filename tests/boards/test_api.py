"""``/api/v1/boards``: the same rules as the services, field errors by name, and 404 for anyone who may not
open the board."""

from __future__ import annotations

import json

import pytest

from tandem.boards import services
from tandem.boards.models import BoardItem, BoardMember

from .conftest import body, patch, post

pytestmark = pytest.mark.django_db


def test_a_board_from_creation_to_deletion(api, sales_manager, salesperson, public_kpi, public_objective):
    client = api(sales_manager)
    created = post(client, "/api/v1/boards", {"name": "Sales weekly", "visibility": "private"})
    assert created.status_code == 201
    board = body(created)
    assert (board["role"], board["item_count"], board["member_count"], board["can_manage"]) == ("owner", 0, 1, True)
    url = f"/api/v1/boards/{board['id']}"

    section = body(post(client, f"{url}/sections", {"title": "Sustain"}))
    kpi_item = post(client, f"{url}/items", {"kpi": public_kpi.pk, "display": "chart", "section": section["id"]})
    assert kpi_item.status_code == 201
    assert body(kpi_item) | {"id": 0} == {
        "id": 0,
        "kind": "kpi",
        "kpi": public_kpi.pk,
        "objective": None,
        "key_result": None,
        "title": "Net revenue",
        "display": "chart",
        "section": section["id"],
        "position": 0,
    }
    objective_item = body(post(client, f"{url}/items", {"objective": public_objective.pk}))
    assert objective_item["section"] is None
    moved = patch(client, f"{url}/items/{objective_item['id']}", {"section": section["id"], "display": "chart"})
    assert (body(moved)["section"], body(moved)["position"], body(moved)["display"]) == (section["id"], 1, "chart")
    up = body(patch(client, f"{url}/items/{objective_item['id']}", {"move": "up"}))
    assert up["position"] == 0
    listed = body(client.get(f"{url}/items"))
    assert listed["count"] == 2 and [i["kind"] for i in listed["items"]] == ["objective", "kpi"]
    out = patch(client, f"{url}/items/{objective_item['id']}", {"section": None})
    assert body(out)["section"] is None

    member = post(client, f"{url}/members", {"person": salesperson.pk})
    assert member.status_code == 201 and body(member)["role"] == "viewer"
    assert body(member)["person_name"] == "Phạm Minh An"
    editor = patch(client, f"{url}/members/{body(member)['id']}", {"role": "editor"})
    assert body(editor)["role"] == "editor"
    members = body(client.get(f"{url}/members"))
    assert [m["role"] for m in members["items"]] == ["owner", "editor"]

    data = body(client.get(f"{url}/data"))
    assert data["count"] == 2
    kpi_data = next(i for i in data["items"] if i["kind"] == "kpi")
    assert kpi_data["summary"]["status"] in ("green", "amber", "red", "no_data")
    assert len(kpi_data["chart"]["labels"]) == 12 and len(kpi_data["chart"]["targets"]) == 12
    objective_data = next(i for i in data["items"] if i["kind"] == "objective")
    assert objective_data["chart"]["type"] == "objective" and objective_data["summary"]["key_results"]

    renamed = patch(client, url, {"name": "Sales Monday", "description": "Read first"})
    assert (body(renamed)["name"], body(renamed)["description"]) == ("Sales Monday", "Read first")
    assert body(client.get(url))["sections"] == [{"id": section["id"], "title": "Sustain", "position": 0}]
    section_patch = patch(client, f"{url}/sections/{section['id']}", {"title": "Hold"})
    assert body(section_patch)["title"] == "Hold"
    assert client.delete(f"{url}/items/{kpi_item.json()['id']}").status_code == 204
    assert client.delete(f"{url}/sections/{section['id']}").status_code == 204
    assert client.delete(f"{url}/members/{body(member)['id']}").status_code == 204
    history = body(client.get(f"/api/v1/audit?object=board:{board['id']}"))
    assert history["count"] >= 12
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("", {"name": ""}, "name"),
        ("", {"name": "x", "visibility": "secret"}, "visibility"),
        ("", {"name": "x", "colour": "red"}, "colour"),
        ("/{board}/items", {}, "kpi"),
        ("/{board}/items", {"kpi": "{kpi}", "objective": "{objective}"}, "kpi"),
        ("/{board}/items", {"kpi": "{hidden}"}, "kpi"),
        ("/{board}/items", {"kpi": 999999999}, "kpi"),
        ("/{board}/items", {"kpi": "{kpi}", "display": "table"}, "display"),
        ("/{board}/items", {"kpi": "{kpi}", "section": 999999999}, "section"),
        ("/{board}/items", {"kpi": 0}, "kpi"),
        ("/{board}/members", {"person": "{outsider}"}, "person"),
        ("/{board}/members", {"person": "{salesperson}", "role": "boss"}, "role"),
        ("/{board}/sections", {"title": ""}, "title"),
    ],
)
def test_bad_input_is_a_field_error(
    api,
    sales_manager,
    salesperson,
    outsider,
    public_kpi,
    public_objective,
    private_kpi,
    make_board,
    path,
    payload,
    field,
):
    board = make_board(sales_manager)
    values = {
        "{kpi}": public_kpi.pk,
        "{objective}": public_objective.pk,
        "{hidden}": private_kpi.pk,
        "{outsider}": outsider.pk,
        "{salesperson}": salesperson.pk,
    }
    filled = {key: values.get(value, value) if isinstance(value, str) else value for key, value in payload.items()}
    response = post(api(sales_manager), "/api/v1/boards" + path.format(board=board.pk), filled)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in body(response)["errors"]], body(response)


def test_a_private_kpi_on_a_public_board_is_a_field_error(api, warehouse_lead, private_kpi, make_board):
    board = make_board(warehouse_lead, visibility="public")
    response = post(api(warehouse_lead), f"/api/v1/boards/{board.pk}/items", {"kpi": private_kpi.pk})
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "kpi" and "never on a public board" in body(response)["detail"]
    item = services.board_item_add(by=warehouse_lead, board=(private := make_board(warehouse_lead)), kpi=private_kpi)
    assert item.pk
    public = patch(api(warehouse_lead), f"/api/v1/boards/{private.pk}", {"visibility": "public"})
    assert public.status_code == 422 and body(public)["errors"][0]["field"] == "visibility"


def test_conflicts_are_409(api, sales_manager, salesperson, public_kpi, make_board):
    board = make_board(sales_manager)
    client = api(sales_manager)
    assert post(client, f"/api/v1/boards/{board.pk}/items", {"kpi": public_kpi.pk}).status_code == 201
    assert post(client, f"/api/v1/boards/{board.pk}/items", {"kpi": public_kpi.pk}).status_code == 409
    assert post(client, f"/api/v1/boards/{board.pk}/members", {"person": salesperson.pk}).status_code == 201
    assert post(client, f"/api/v1/boards/{board.pk}/members", {"person": salesperson.pk}).status_code == 409
    mine = BoardMember.objects.for_org(board.organization).get(board=board, membership=sales_manager)
    assert patch(client, f"/api/v1/boards/{board.pk}/members/{mine.pk}", {"role": "viewer"}).status_code == 409
    assert client.delete(f"/api/v1/boards/{board.pk}/members/{mine.pk}").status_code == 409


def test_an_outsider_gets_404_on_every_board_route(api, outsider, sales_manager, salesperson, public_kpi, make_board):
    board = make_board(sales_manager, visibility="public")
    section = services.board_section_create(by=sales_manager, board=board, title="Sustain")
    item = services.board_item_add(by=sales_manager, board=board, kpi=public_kpi)
    member = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk)
    client = api(outsider)
    url = f"/api/v1/boards/{board.pk}"
    for method, path, payload in [
        ("get", "", None),
        ("patch", "", {"name": "Mine"}),
        ("delete", "", None),
        ("get", "/members", None),
        ("post", "/members", {"person": outsider.pk}),
        ("patch", f"/members/{member.pk}", {"role": "owner"}),
        ("delete", f"/members/{member.pk}", None),
        ("post", "/sections", {"title": "Mine"}),
        ("patch", f"/sections/{section.pk}", {"title": "Mine"}),
        ("delete", f"/sections/{section.pk}", None),
        ("get", "/items", None),
        ("post", "/items", {"kpi": public_kpi.pk}),
        ("patch", f"/items/{item.pk}", {"display": "chart"}),
        ("delete", f"/items/{item.pk}", None),
        ("get", "/data", None),
    ]:
        if payload is None:
            response = getattr(client, method)(url + path)
        else:
            response = client.generic(
                method.upper(), url + path, data=json.dumps(payload), content_type="application/json"
            )
        assert response.status_code == 404, (method, path, response.status_code)
    assert all(b["id"] != board.pk for b in body(client.get("/api/v1/boards"))["items"])
    assert BoardItem.objects.for_org(board.organization).filter(board=board).count() == 1


def test_the_list_filters_by_visibility_and_search(api, sales_manager, make_board):
    make_board(sales_manager, name="Pricing room")
    make_board(sales_manager, name="Open pricing", visibility="public")
    client = api(sales_manager)
    private = body(client.get("/api/v1/boards?visibility=private&q=pricing"))
    assert [b["name"] for b in private["items"]] == ["Pricing room"]
    both = body(client.get("/api/v1/boards?q=pricing"))
    assert [b["name"] for b in both["items"]] == ["Open pricing", "Pricing room"]
    assert client.get("/api/v1/boards?visibility=secret").status_code == 422
