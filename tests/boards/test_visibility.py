"""The one visibility rule, seen through every door: a private metric is shared with the members of the
private boards it is on, and with no one else; a public board never shows a private metric."""

from __future__ import annotations

import pytest

from tandem.boards import services
from tandem.boards.models import BoardMember
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.orgs.models import Membership

from .conftest import body

pytestmark = pytest.mark.django_db


def sees_kpi(web, api, person, kpi) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Whether the person finds the KPI in the list, on its page, through the API and its periods."""
    listed = web(person).get("/kpis/?q=pick_errors").content.decode()
    token = api(person)
    api_listed = [k["id"] for k in body(token.get("/api/v1/kpis?q=pick_errors"))["items"]]
    return {
        "list": kpi.name in listed,
        "page": web(person).get(f"/kpis/{kpi.pk}/").status_code == 200,
        "api": token.get(f"/api/v1/kpis/{kpi.pk}").status_code == 200 and kpi.pk in api_listed,
        "periods": token.get(f"/api/v1/kpis/{kpi.pk}/periods").status_code == 200,
    }


NOWHERE = {"list": False, "page": False, "api": False, "periods": False}
EVERYWHERE = {"list": True, "page": True, "api": True, "periods": True}


def test_the_salesperson_sees_a_private_kpi_only_while_on_a_private_board_that_carries_it(
    web, api, warehouse_lead, salesperson, private_kpi, make_board
):
    assert sees_kpi(web, api, salesperson, private_kpi) == NOWHERE
    board = make_board(warehouse_lead, name="Warehouse and sales")
    services.board_item_add(by=warehouse_lead, board=board, kpi=private_kpi, display="chart")
    assert web(salesperson).get(f"/boards/{board.pk}/").status_code == 404
    assert sees_kpi(web, api, salesperson, private_kpi) == NOWHERE, "on a board he is not a member of"

    member = services.board_member_add(by=warehouse_lead, board=board, person=salesperson.pk)
    assert sees_kpi(web, api, salesperson, private_kpi) == EVERYWHERE
    page = web(salesperson).get(f"/boards/{board.pk}/").content.decode()
    assert "Pick errors" in page and "visible to its 2 members only" in page
    data = body(api(salesperson).get(f"/api/v1/boards/{board.pk}/data"))
    assert [item["metric"] for item in data["items"]] == [private_kpi.pk]
    assert data["items"][0]["chart"]["type"] == "kpi" and len(data["items"][0]["chart"]["values"]) == 12

    services.board_member_remove(by=warehouse_lead, board=board, member=member)
    assert sees_kpi(web, api, salesperson, private_kpi) == NOWHERE
    assert api(salesperson).get(f"/api/v1/boards/{board.pk}/data").status_code == 404


def test_taking_the_kpi_off_the_board_hides_it_again(web, api, warehouse_lead, salesperson, private_kpi, make_board):
    board = make_board(warehouse_lead)
    item = services.board_item_add(by=warehouse_lead, board=board, kpi=private_kpi)
    services.board_member_add(by=warehouse_lead, board=board, person=salesperson.pk)
    assert sees_kpi(web, api, salesperson, private_kpi) == EVERYWHERE
    services.board_item_remove(by=warehouse_lead, board=board, item=item)
    assert sees_kpi(web, api, salesperson, private_kpi) == NOWHERE


def test_a_key_result_on_a_private_board_shares_its_objective(
    web, api, warehouse_lead, salesperson, private_objective, make_board
):
    key_result = private_objective.key_results.get()
    token = api(salesperson)
    assert token.get(f"/api/v1/objectives/{private_objective.pk}").status_code == 404
    assert token.get(f"/api/v1/key-results/{key_result.pk}").status_code == 404
    board = make_board(warehouse_lead)
    services.board_item_add(by=warehouse_lead, board=board, key_result=key_result, display="chart")
    services.board_member_add(by=warehouse_lead, board=board, person=salesperson.pk)
    assert token.get(f"/api/v1/objectives/{private_objective.pk}").status_code == 200
    assert token.get(f"/api/v1/key-results/{key_result.pk}").status_code == 200
    assert web(salesperson).get(f"/okrs/objectives/{private_objective.pk}/").status_code == 200
    data = body(token.get(f"/api/v1/boards/{board.pk}/data"))["items"]
    assert data[0]["kind"] == "key_result" and data[0]["chart"]["to"] == 3.0


def test_a_public_board_never_shows_a_metric_made_private_later(
    web, api, admin, warehouse_lead, salesperson, make_board
):
    kpi = kpi_services.kpi_create(by=warehouse_lead, key="dock_wait", name="Dock wait", target=1, red_threshold=90)
    board = make_board(warehouse_lead, name="Warehouse floor", visibility="public")
    services.board_item_add(by=warehouse_lead, board=board, kpi=kpi)
    assert "Dock wait" in web(salesperson).get(f"/boards/{board.pk}/").content.decode()
    kpi_services.kpi_update(
        by=warehouse_lead, kpi=Kpi.objects.for_org(kpi.organization).get(pk=kpi.pk), visibility="private"
    )
    for person in (salesperson, warehouse_lead, admin):
        assert "Dock wait" not in web(person).get(f"/boards/{board.pk}/").content.decode(), person
        assert body(api(person).get(f"/api/v1/boards/{board.pk}/data"))["count"] == 0
        assert body(api(person).get(f"/api/v1/boards/{board.pk}/items"))["count"] == 0
        listed = body(api(person).get("/api/v1/boards?q=Warehouse floor"))["items"]
        assert listed[0]["item_count"] == 0
    # And being on a public board shares nothing.
    assert api(salesperson).get(f"/api/v1/kpis/{kpi.pk}").status_code == 404


def test_a_private_board_is_its_members_own(web, api, admin, sales_manager, warehouse_lead, make_board):
    board = make_board(sales_manager, name="Secret pricing")
    for person in (admin, warehouse_lead):
        assert web(person).get(f"/boards/{board.pk}/").status_code == 404
        assert "Secret pricing" not in web(person).get("/boards/").content.decode()
        assert api(person).get(f"/api/v1/audit?object=board:{board.pk}").status_code == 404
    assert "Secret pricing" in web(sales_manager).get("/boards/").content.decode()
    history = body(api(sales_manager).get(f"/api/v1/audit?object=board:{board.pk}"))
    assert [e["action"] for e in history["items"]] == ["created"]


def test_the_demo_shares_linhs_private_kpi_with_hung_through_her_board(web, sales_manager):
    hung = Membership.objects.for_org(sales_manager.organization).get(user__email="hung.do@lotus.example")
    margin = Kpi.objects.for_org(sales_manager.organization).get(key="key_account_margin")
    assert margin.visibility == "private"
    assert (
        BoardMember.objects.for_org(hung.organization).filter(membership=hung, board__name="Sales leadership").exists()
    )
    assert web(hung).get(f"/kpis/{margin.pk}/").status_code == 200
    an = Membership.objects.for_org(hung.organization).get(user__email="an.pham@lotus.example")
    assert web(an).get(f"/kpis/{margin.pk}/").status_code == 404
    page = web(an).get("/boards/").content.decode()
    assert "Company pulse" in page and "Sales leadership" not in page
