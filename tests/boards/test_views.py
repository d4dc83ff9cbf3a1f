"""Board pages: the list with its lock icons and create form, a board's cards and charts with a constant
number of queries, the edit mode in place (HTMX), the members page and the settings page."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.boards import services
from tandem.boards.models import Board, BoardItem, BoardMember, BoardSection
from tandem.core.models import AuditEvent
from tandem.kpis.models import Kpi
from tandem.okrs.models import Cycle, KeyResult, Objective

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def charts(page: str) -> dict:
    found = re.search(r'<script id="board-charts" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the chart data is embedded"
    return json.loads(found.group(1))


def test_the_list_shows_public_boards_and_my_private_ones_with_a_lock(web, sales_manager, salesperson, make_board):
    make_board(sales_manager, name="Pricing room")
    page = text(web(sales_manager).get("/boards/"))
    assert "Company pulse" in page and "Sales leadership" in page and "Pricing room" in page
    assert page.count("ti-lock") >= 2 and "8 items" in page and 'action="/boards/new/"' in page
    theirs = text(web(salesperson).get("/boards/"))
    assert "Company pulse" in theirs and "Sales leadership" not in theirs and "Pricing room" not in theirs
    private_only = text(web(sales_manager).get("/boards/?visibility=private"))
    assert "Company pulse" not in private_only and "Pricing room" in private_only


def test_viewers_get_no_create_form(web, viewer):
    page = text(web(viewer).get("/boards/"))
    assert "Company pulse" in page and 'action="/boards/new/"' not in page
    assert web(viewer).post("/boards/new/", {"name": "Mine", "visibility": "public"}).status_code == 403


def test_creating_a_board_opens_it_in_edit_mode(web, sales_manager):
    response = web(sales_manager).post("/boards/new/", {"name": "Sales weekly", "visibility": "private"})
    board = Board.objects.for_org(sales_manager.organization).get(name="Sales weekly")
    assert response.status_code == 302 and response["Location"] == f"/boards/{board.pk}/?edit=1"
    page = text(web(sales_manager).get(response["Location"]))
    assert "Add to this board" in page and "visible to its 1 member only" in page
    bad = web(sales_manager).post("/boards/new/", {"name": "", "visibility": "private"})
    assert bad.status_code == 422 and "is-invalid" in text(bad)


def test_the_demo_board_shows_cards_and_charts_by_section(web, salesperson):
    board = Board.objects.for_org(salesperson.organization).get(name="Company pulse")
    page = text(web(salesperson).get(f"/boards/{board.pk}/"))
    sustain, change = page.index(">Sustain</h2>"), page.index(">Change</h2>")
    assert sustain < page.index("Net revenue") < change < page.index("Win 30 new accounts in the south")
    assert "Watermelon" in page and "Units shipped" in page
    data = charts(page)
    assert {chart["type"] for chart in data.values()} == {"kpi", "objective", "key_result"}
    assert "Arrange" not in page and "Public: everyone in Lotus Distribution" in page


def _board_with(admin, count: int) -> Board:  # type: ignore[no-untyped-def]
    """A public board of ``count`` items: KPIs of every frequency and aggregation, objectives and key results,
    a third of them charts, in two sections."""
    organization = admin.organization
    board = services.board_create(by=admin, name=f"Board of {count}", visibility="public")
    sections = [services.board_section_create(by=admin, board=board, title=t) for t in ("Sustain", "Change")]
    first = ["units_shipped", "stock_days", "net_revenue", "sales_attainment"]
    kpis = sorted(
        Kpi.objects.for_org(organization).filter(key__in=[row for row in first] or []), key=lambda k: first.index(k.key)
    )
    kpis += list(Kpi.objects.for_org(organization).exclude(key__in=first).filter(visibility="public").order_by("key"))
    cycle = Cycle.objects.for_org(organization).get(state="active", name__startswith="Q")
    objectives = list(Objective.objects.for_org(organization).filter(cycle=cycle, visibility="public").order_by("id"))
    key_results = list(
        KeyResult.objects.for_org(organization)
        .filter(objective__cycle=cycle)
        .select_related("objective")
        .order_by("id")
    )
    wanted: list[dict] = [{"kpi": k} for k in kpis[:4]] + [{"objective": objectives[0]}]
    wanted += (
        [{"kpi": k} for k in kpis[4:]]
        + [{"objective": o} for o in objectives[1:]]
        + [{"key_result": k} for k in key_results]
    )
    for index, metric in enumerate(wanted[:count]):
        services.board_item_add(
            by=admin,
            board=board,
            display="chart" if index % 3 == 0 else "card",
            section=sections[index % 2],
            **metric,
        )
    assert BoardItem.objects.for_org(organization).filter(board=board).count() == count
    return board


def test_the_board_page_runs_a_constant_number_of_queries(web, admin, salesperson):
    few, many = _board_with(admin, 5), _board_with(admin, 40)
    client = web(salesperson)
    client.get(f"/boards/{few.pk}/")  # warm the session and caches
    with CaptureQueriesContext(connection) as five:
        small = client.get(f"/boards/{few.pk}/")
    with CaptureQueriesContext(connection) as forty:
        large = client.get(f"/boards/{many.pk}/")
    assert small.status_code == large.status_code == 200
    assert len(charts(text(large))) == 14 and text(large).count('board-tile"') == 40
    assert len(forty) <= len(five), (len(five), len(forty))
    assert len(forty) <= 30
    editor = web(admin)
    editor.get(f"/boards/{few.pk}/?edit=1")
    with CaptureQueriesContext(connection) as editing_five:
        editor.get(f"/boards/{few.pk}/?edit=1&q=a")
    with CaptureQueriesContext(connection) as editing:
        editor.get(f"/boards/{many.pk}/?edit=1&q=a")
    assert len(editing) <= len(editing_five)
    with CaptureQueriesContext(connection) as data_five:
        client.get(f"/api/v1/boards/{few.pk}/data")
    with CaptureQueriesContext(connection) as data_forty:
        client.get(f"/api/v1/boards/{many.pk}/data")
    assert len(data_forty) <= len(data_five)
    print(
        f"board page queries: 5 items {len(five)}, 40 items {len(forty)}; "
        f"edit mode: 5 items {len(editing_five)}, 40 items {len(editing)}; "
        f"data API: 5 items {len(data_five)}, 40 items {len(data_forty)}"
    )


def test_the_edit_mode_adds_moves_and_removes_in_place(web, sales_manager, public_kpi, make_board):
    board = make_board(sales_manager)
    client = web(sales_manager)
    url = f"/boards/{board.pk}"
    added = client.post(f"{url}/sections/", {"title": "Sustain"}, **HTMX)
    section = BoardSection.objects.for_org(board.organization).get(board=board)
    assert added.status_code == 200 and "<html" not in text(added) and 'id="board-body"' in text(added)

    suggestions = text(client.get(f"{url}/items/search/?q=revenue", **HTMX))
    assert "Net revenue" in suggestions and "<html" not in suggestions
    response = client.post(
        f"{url}/items/",
        {"kind": "kpi", "metric": public_kpi.pk, "display": "chart", "section": section.pk, "q": "revenue"},
        **HTMX,
    )
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    item = BoardItem.objects.for_org(board.organization).get(board=board)
    assert (item.kpi, item.display, item.section) == (public_kpi, "chart", section)
    assert f'id="board-item-{item.pk}"' in body and f"board-item-{item.pk}" in charts(body)
    offer = f'<input type="hidden" name="kind" value="kpi"><input type="hidden" name="metric" value="{public_kpi.pk}">'
    assert offer in suggestions and offer not in body, "no longer suggested once on the board"
    assert "Net revenue per month" in body, "the search is kept"

    card = client.post(f"{url}/items/{item.pk}/", {"display": "card"}, **HTMX)
    assert card.status_code == 200 and charts(text(card)) == {}
    out = client.post(f"{url}/items/{item.pk}/", {"section": ""}, **HTMX)
    assert out.status_code == 200
    item.refresh_from_db()
    assert (item.display, item.section) == ("card", None)
    moved = client.post(f"{url}/sections/{section.pk}/", {"title": "Hold"}, **HTMX)
    assert "Hold" in text(moved)
    assert client.post(f"{url}/items/{item.pk}/remove/", **HTMX).status_code == 200
    assert client.post(f"{url}/sections/{section.pk}/delete/", **HTMX).status_code == 200
    assert not BoardItem.objects.for_org(board.organization).filter(board=board).exists()
    actions = AuditEvent.objects.for_org(board.organization).filter(object_type="board", object_id=str(board.pk))
    assert set(actions.values_list("action", flat=True)) >= {
        "item_added",
        "item_updated",
        "item_removed",
        "section_removed",
    }


def test_without_htmx_the_edit_mode_goes_back_to_the_board(web, sales_manager, public_kpi, make_board):
    board = make_board(sales_manager)
    response = web(sales_manager).post(
        f"/boards/{board.pk}/items/", {"kind": "kpi", "metric": public_kpi.pk, "display": "card"}
    )
    assert response.status_code == 302 and response["Location"] == f"/boards/{board.pk}/?edit=1"


def test_a_refused_change_comes_back_with_its_reason(web, warehouse_lead, private_kpi, make_board):
    board = make_board(warehouse_lead, visibility="public")
    client = web(warehouse_lead)
    offered = text(client.get(f"/boards/{board.pk}/items/search/?q=pick", **HTMX))
    assert "Pick errors" not in offered and "Picking accuracy" in offered
    none = text(client.get(f"/boards/{board.pk}/items/search/?q=pick+errors", **HTMX))
    assert "A public board takes public metrics only" in none
    response = client.post(
        f"/boards/{board.pk}/items/", {"kind": "kpi", "metric": private_kpi.pk, "display": "card"}, **HTMX
    )
    assert response.status_code == 422 and "never on a public board" in text(response)
    page = client.post(f"/boards/{board.pk}/items/", {"kind": "kpi", "metric": private_kpi.pk, "display": "card"})
    assert page.status_code == 422 and "<html" in text(page)
    assert not BoardItem.objects.for_org(board.organization).filter(board=board).exists()


def test_private_boards_offer_private_metrics_and_say_who_sees_them(web, warehouse_lead, private_kpi, make_board):
    board = make_board(warehouse_lead)
    offered = text(web(warehouse_lead).get(f"/boards/{board.pk}/?edit=1&q=pick"))
    assert "Pick errors" in offered and "ti-lock" in offered


def test_readers_get_no_edit_mode(web, salesperson, sales_manager, public_kpi, make_board):
    board = make_board(sales_manager, visibility="public")
    page = text(web(salesperson).get(f"/boards/{board.pk}/?edit=1"))
    assert "Add to this board" not in page and "Arrange" not in page
    assert web(salesperson).get(f"/boards/{board.pk}/items/search/?q=a").status_code == 403
    refused = web(salesperson).post(
        f"/boards/{board.pk}/items/", {"kind": "kpi", "metric": public_kpi.pk, "display": "card"}
    )
    assert refused.status_code == 403


def test_the_members_page_adds_changes_and_removes_people(web, sales_manager, salesperson, make_board):
    board = make_board(sales_manager)
    client = web(sales_manager)
    url = f"/boards/{board.pk}/members/"
    options = text(client.get(f"{url}?people=1&q=an.pham", **HTMX))
    assert f'value="{salesperson.pk}"' in options and "<html" not in options
    added = client.post(url, {"person": salesperson.pk, "role": "viewer"}, **HTMX)
    assert added.status_code == 200 and "Phạm Minh An was added to the board." in text(added)
    member = BoardMember.objects.for_org(board.organization).get(board=board, membership=salesperson)
    client.post(f"{url}{member.pk}/", {"role": "editor"}, **HTMX)
    member.refresh_from_db()
    assert member.role == "editor"
    bad = client.post(url, {"person": "", "role": "viewer"}, **HTMX)
    assert bad.status_code == 422
    outsider_person = client.post(url, {"person": 999999999, "role": "viewer"}, **HTMX)
    assert outsider_person.status_code == 422 and "Choose an active person" in text(outsider_person)
    removed = client.post(f"{url}{member.pk}/remove/", **HTMX)
    assert removed.status_code == 200 and "Phạm Minh An" not in text(removed).split('class="list-group')[1]
    mine = BoardMember.objects.for_org(board.organization).get(board=board, membership=sales_manager)
    assert client.post(f"{url}{mine.pk}/remove/").status_code == 409, "the last owner stays"


def test_a_member_reads_the_members_and_may_leave(web, sales_manager, salesperson, make_board):
    board = make_board(sales_manager)
    member = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk)
    page = text(web(salesperson).get(f"/boards/{board.pk}/members/"))
    assert "Trần Thu Linh" in page and "Add a person" not in page and "Leave" in page
    assert web(salesperson).post(f"/boards/{board.pk}/members/", {"person": salesperson.pk}).status_code == 403
    left = web(salesperson).post(f"/boards/{board.pk}/members/{member.pk}/remove/", **HTMX)
    assert left.status_code == 200 and left["HX-Redirect"] == "/boards/"
    assert web(salesperson).get(f"/boards/{board.pk}/").status_code == 404


def test_the_settings_page_renames_refuses_public_with_private_metrics_and_deletes(
    web, warehouse_lead, salesperson, private_kpi, make_board
):
    board = make_board(warehouse_lead)
    services.board_item_add(by=warehouse_lead, board=board, kpi=private_kpi)
    client = web(warehouse_lead)
    page = client.get(f"/boards/{board.pk}/edit/")
    assert page.status_code == 200 and "History" in text(page) and "added an item" in text(page)
    refused = client.post(f"/boards/{board.pk}/edit/", {"name": "Floor", "visibility": "public"})
    assert refused.status_code == 422 and "private metric" in text(refused)
    saved = client.post(f"/boards/{board.pk}/edit/", {"name": "Floor", "description": "", "visibility": "private"})
    assert saved.status_code == 302
    assert Board.objects.for_org(board.organization).get(pk=board.pk).name == "Floor"
    services.board_member_add(by=warehouse_lead, board=board, person=salesperson.pk, role="editor")
    assert web(salesperson).get(f"/boards/{board.pk}/edit/").status_code == 403
    assert web(salesperson).post(f"/boards/{board.pk}/delete/").status_code == 403
    deleted = client.post(f"/boards/{board.pk}/delete/")
    assert deleted.status_code == 302 and deleted["Location"] == "/boards/"
    assert not Board.objects.for_org(board.organization).filter(pk=board.pk).exists()


def test_suggestions_offer_only_what_the_editor_may_see_and_at_most_twenty(
    web, warehouse_lead, salesperson, private_objective, make_board
):
    mine = make_board(warehouse_lead)
    offered = text(web(warehouse_lead).get(f"/boards/{mine.pk}/items/search/?q=picking", **HTMX))
    assert "Quietly fix the picking" in offered and "ti-lock" in offered
    theirs = make_board(salesperson)
    hidden = text(web(salesperson).get(f"/boards/{theirs.pk}/items/search/?q=picking", **HTMX))
    assert "Quietly fix the picking" not in hidden and "Pick errors per week" not in hidden
    everything = text(web(warehouse_lead).get(f"/boards/{mine.pk}/items/search/?q=e", **HTMX))
    assert 10 < everything.count('name="metric"') <= 20
    public = make_board(warehouse_lead, name="Open floor", visibility="public")
    on_public = text(web(warehouse_lead).get(f"/boards/{public.pk}/items/search/?q=per+week", **HTMX))
    assert "Pick errors per week" not in on_public, "a key result of a private objective is private"
