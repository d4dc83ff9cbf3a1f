"""Board services: who may do what, the rules that keep private metrics off public boards, and an audit
event for every change."""

from __future__ import annotations

import pytest

from tandem.boards import selectors, services
from tandem.boards.models import Board, BoardItem, BoardMember, BoardSection
from tandem.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tandem.core.models import AuditEvent
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi

pytestmark = pytest.mark.django_db


def events(board: Board) -> list[str]:
    return list(
        AuditEvent.objects.for_org(board.organization_id)
        .filter(object_type="board", object_id=str(board.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_creator_owns_a_new_board(sales_manager, make_board):
    board = make_board(sales_manager, name="  Sales weekly  ", description="For Mondays")
    assert (board.name, board.owner, board.visibility) == ("Sales weekly", sales_manager, "private")
    member = BoardMember.objects.for_org(board.organization).get(board=board)
    assert (member.membership, member.role) == (sales_manager, "owner")
    created = AuditEvent.objects.for_org(board.organization).get(object_type="board", object_id=str(board.pk))
    assert created.action == "created" and created.changes["name"] == [None, "Sales weekly"]


def test_bad_board_fields_are_field_errors(sales_manager, make_board):
    with pytest.raises(ValidationError) as blank:
        make_board(sales_manager, name="  ")
    assert blank.value.errors[0]["field"] == "name"
    with pytest.raises(ValidationError) as visibility:
        make_board(sales_manager, visibility="secret")
    assert visibility.value.errors[0]["field"] == "visibility"


def test_every_write_is_audited_on_the_board(sales_manager, salesperson, public_kpi, public_objective, make_board):
    board = make_board(sales_manager)
    services.board_update(by=sales_manager, board=board, name="Renamed", description="New words")
    member = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk, role="viewer")
    services.board_member_update(by=sales_manager, board=board, member=member, role="editor")
    section = services.board_section_create(by=sales_manager, board=board, title="Sustain")
    services.board_section_update(by=sales_manager, board=board, section=section, title="Hold")
    item = services.board_item_add(by=sales_manager, board=board, kpi=public_kpi, section=section)
    services.board_item_add(by=sales_manager, board=board, objective=public_objective, display="chart")
    services.board_item_update(by=sales_manager, board=board, item=item, display="chart", move="down")
    services.board_item_remove(by=sales_manager, board=board, item=item)
    services.board_section_delete(by=sales_manager, board=board, section=section)
    services.board_member_remove(by=sales_manager, board=board, member=member)
    assert events(board) == [
        "created",
        "updated",
        "member_added",
        "member_updated",
        "section_added",
        "section_updated",
        "item_added",
        "item_added",
        "item_updated",
        "item_removed",
        "section_removed",
        "member_removed",
    ]
    board_id, organization = board.pk, board.organization_id
    services.board_delete(by=sales_manager, board=board)
    assert not Board.objects.for_org(organization).filter(pk=board_id).exists()
    assert AuditEvent.objects.for_org(organization).filter(object_id=str(board_id), action="deleted").exists()


def test_nothing_changed_records_nothing(sales_manager, make_board):
    board = make_board(sales_manager, name="Same")
    services.board_update(by=sales_manager, board=board, name="Same")
    assert events(board) == ["created"]


def test_a_private_metric_never_goes_on_a_public_board(
    admin, warehouse_lead, private_kpi, private_objective, make_board
):
    board = make_board(warehouse_lead, visibility="public")
    with pytest.raises(ValidationError) as kpi:
        services.board_item_add(by=warehouse_lead, board=board, kpi=private_kpi)
    assert kpi.value.errors[0]["field"] == "kpi" and "private" in kpi.value.message
    with pytest.raises(ValidationError) as objective:
        services.board_item_add(by=warehouse_lead, board=board, objective=private_objective)
    assert objective.value.errors[0]["field"] == "objective"
    key_result = private_objective.key_results.first()
    with pytest.raises(ValidationError) as key_result_error:
        services.board_item_add(by=warehouse_lead, board=board, key_result=key_result)
    assert key_result_error.value.errors[0]["field"] == "key_result"
    assert not BoardItem.objects.for_org(board.organization).filter(board=board).exists()
    # Administrators too: the rule is about the board, not about who asks.
    with pytest.raises(ValidationError):
        services.board_item_add(by=admin, board=board, kpi=private_kpi)


def test_a_board_with_private_metrics_cannot_be_made_public(warehouse_lead, private_kpi, make_board):
    board = make_board(warehouse_lead)
    item = services.board_item_add(by=warehouse_lead, board=board, kpi=private_kpi)
    with pytest.raises(ValidationError) as refused:
        services.board_update(by=warehouse_lead, board=board, visibility="public")
    assert refused.value.errors[0]["field"] == "visibility" and "1 private" in refused.value.message
    board.refresh_from_db()
    assert board.visibility == "private"
    services.board_item_remove(by=warehouse_lead, board=board, item=item)
    services.board_update(by=warehouse_lead, board=board, visibility="public")
    assert Board.objects.for_org(board.organization).get(pk=board.pk).visibility == "public"


def test_a_metric_you_cannot_see_is_missing(salesperson, private_kpi, private_objective, make_board):
    board = make_board(salesperson)
    with pytest.raises(NotFound):
        services.board_item_add(by=salesperson, board=board, kpi=private_kpi)
    with pytest.raises(NotFound):
        services.board_item_add(by=salesperson, board=board, key_result=private_objective.key_results.first())
    with pytest.raises(ValidationError) as by_id:
        selectors.metric_get(membership=salesperson, kind="kpi", metric_id=private_kpi.pk)
    with pytest.raises(ValidationError) as unknown:
        selectors.metric_get(membership=salesperson, kind="kpi", metric_id=999_999_999)
    assert by_id.value.errors == unknown.value.errors == [{"field": "kpi", "message": "No such KPI that you can see."}]


def test_a_metric_goes_on_a_board_once(sales_manager, public_kpi, make_board):
    board = make_board(sales_manager)
    services.board_item_add(by=sales_manager, board=board, kpi=public_kpi)
    with pytest.raises(Conflict):
        services.board_item_add(by=sales_manager, board=board, kpi=public_kpi, display="chart")


def test_the_last_owner_can_neither_leave_nor_step_down(sales_manager, salesperson, make_board):
    board = make_board(sales_manager)
    mine = BoardMember.objects.for_org(board.organization).get(board=board, membership=sales_manager)
    with pytest.raises(Conflict):
        services.board_member_update(by=sales_manager, board=board, member=mine, role="editor")
    with pytest.raises(Conflict):
        services.board_member_remove(by=sales_manager, board=board, member=mine)
    # With a second owner, the first may step down; the board's recorded owner follows.
    other = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk, role="owner")
    services.board_member_remove(by=sales_manager, board=board, member=mine)
    board.refresh_from_db()
    assert board.owner == salesperson
    with pytest.raises(Conflict):
        services.board_member_update(by=salesperson, board=board, member=other, role="viewer")


def test_members_are_active_people_of_the_same_organization(sales_manager, outsider, make_board):
    board = make_board(sales_manager)
    for person in (outsider.pk, 999_999_999, "nobody", None):
        with pytest.raises(ValidationError) as refused:
            services.board_member_add(by=sales_manager, board=board, person=person)
        assert refused.value.errors[0]["field"] == "person"
    khanh = selectors.people_to_add(membership=sales_manager, board=board, search="khanh")[0]
    khanh.is_active = False
    khanh.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        services.board_member_add(by=sales_manager, board=board, person=khanh.pk)
    with pytest.raises(ValidationError) as role:
        services.board_member_add(by=sales_manager, board=board, person=sales_manager.pk, role="boss")
    assert role.value.errors[0]["field"] == "role"


def test_a_person_joins_a_board_once(sales_manager, salesperson, make_board):
    board = make_board(sales_manager)
    services.board_member_add(by=sales_manager, board=board, person=salesperson.pk)
    with pytest.raises(Conflict):
        services.board_member_add(by=sales_manager, board=board, person=salesperson.pk, role="editor")


def test_viewers_of_a_board_and_of_the_organization_cannot_write(
    sales_manager, salesperson, viewer, public_kpi, make_board
):
    board = make_board(sales_manager, visibility="public")
    member = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk, role="viewer")
    services.board_member_add(by=sales_manager, board=board, person=viewer.pk, role="editor")
    for person in (salesperson, viewer):
        with pytest.raises(PermissionDenied):
            services.board_item_add(by=person, board=board, kpi=public_kpi)
        with pytest.raises(PermissionDenied):
            services.board_section_create(by=person, board=board, title="Mine")
        with pytest.raises(PermissionDenied):
            services.board_update(by=person, board=board, name="Taken")
    with pytest.raises(PermissionDenied):
        services.board_member_update(by=salesperson, board=board, member=member, role="owner")
    with pytest.raises(PermissionDenied):
        services.board_create(by=viewer, name="Viewer's board")


def test_editors_arrange_but_only_owners_manage(sales_manager, salesperson, warehouse_lead, public_kpi, make_board):
    board = make_board(sales_manager)
    services.board_member_add(by=sales_manager, board=board, person=salesperson.pk, role="editor")
    services.board_item_add(by=salesperson, board=board, kpi=public_kpi)
    services.board_section_create(by=salesperson, board=board, title="Mine")
    with pytest.raises(PermissionDenied):
        services.board_update(by=salesperson, board=board, name="Taken")
    with pytest.raises(PermissionDenied):
        services.board_member_add(by=salesperson, board=board, person=warehouse_lead.pk)
    with pytest.raises(PermissionDenied):
        services.board_delete(by=salesperson, board=board)


def test_administrators_manage_public_boards_not_private_ones(admin, sales_manager, public_kpi, make_board):
    public = make_board(sales_manager, visibility="public")
    services.board_update(by=admin, board=public, name="Tidied by the admin")
    services.board_item_add(by=admin, board=public, kpi=public_kpi)
    private = make_board(sales_manager)
    with pytest.raises(PermissionDenied):
        services.board_update(by=admin, board=private, name="Taken")
    with pytest.raises(PermissionDenied):
        services.board_item_add(by=admin, board=private, kpi=public_kpi)


def test_a_member_may_leave(sales_manager, salesperson, make_board):
    board = make_board(sales_manager)
    member = services.board_member_add(by=sales_manager, board=board, person=salesperson.pk)
    services.board_member_remove(by=salesperson, board=board, member=member)
    assert not BoardMember.objects.for_org(board.organization).filter(pk=member.pk).exists()


def test_items_move_up_down_to_a_position_and_between_sections(sales_manager, make_board):
    board = make_board(sales_manager)
    kpis = list(Kpi.objects.for_org(sales_manager.organization).filter(team__name="Sales").order_by("name")[:3])
    items = [services.board_item_add(by=sales_manager, board=board, kpi=k) for k in kpis]

    def order(section: BoardSection | None = None) -> list[int]:
        rows = BoardItem.objects.for_org(board.organization).filter(board=board, section=section)
        return list(rows.order_by("position", "id").values_list("pk", flat=True))

    a, b, c = (i.pk for i in items)
    assert order() == [a, b, c]
    services.board_item_update(by=sales_manager, board=board, item=items[2], move="up")
    assert order() == [a, c, b]
    services.board_item_update(by=sales_manager, board=board, item=items[0], position=5)
    assert order() == [c, b, a]
    services.board_item_update(by=sales_manager, board=board, item=items[0], move="down")  # already last
    assert order() == [c, b, a]
    section = services.board_section_create(by=sales_manager, board=board, title="Later")
    services.board_item_update(by=sales_manager, board=board, item=items[1], section=section)
    assert (order(), order(section)) == ([c, a], [b])
    services.board_section_delete(by=sales_manager, board=board, section=section)
    assert order() == [c, a, b]
    with pytest.raises(ValidationError) as bad:
        services.board_item_update(by=sales_manager, board=board, item=items[1], move="sideways")
    assert bad.value.errors[0]["field"] == "move"


def test_sections_keep_their_order(sales_manager, make_board):
    board = make_board(sales_manager)
    first, second, third = (
        services.board_section_create(by=sales_manager, board=board, title=t) for t in ("One", "Two", "Three")
    )
    services.board_section_update(by=sales_manager, board=board, section=third, position=0)
    assert [s.title for s in selectors.board_sections(board=board)] == ["Three", "One", "Two"]
    with pytest.raises(ValidationError) as blank:
        services.board_section_update(by=sales_manager, board=board, section=first, title=" ")
    assert blank.value.errors[0]["field"] == "title"


def test_a_section_of_another_board_is_refused(sales_manager, public_kpi, make_board):
    board, other = make_board(sales_manager), make_board(sales_manager, name="Other")
    elsewhere = services.board_section_create(by=sales_manager, board=other, title="Elsewhere")
    with pytest.raises(ValidationError) as refused:
        services.board_item_add(by=sales_manager, board=board, kpi=public_kpi, section=elsewhere)
    assert refused.value.errors[0]["field"] == "section"


def test_the_board_history_is_read_by_who_may_open_it(sales_manager, salesperson, warehouse_lead, make_board):
    from tandem.core import selectors as core_selectors

    board = make_board(sales_manager)
    services.board_member_add(by=sales_manager, board=board, person=salesperson.pk)
    history = core_selectors.history_page(membership=salesperson, object_type="board", object_id=board.pk)
    assert [entry.action for entry in history] == ["added a member", "created"]
    assert any(change.after == "Phạm Minh An" for change in history[0].changes)
    with pytest.raises(NotFound):
        core_selectors.history_page(membership=warehouse_lead, object_type="board", object_id=board.pk)


def test_a_kpi_made_private_later_keeps_the_board_private(warehouse_lead, make_board):
    kpi = kpi_services.kpi_create(by=warehouse_lead, key="dock_wait", name="Dock wait", target=1, red_threshold=90)
    board = make_board(warehouse_lead)
    services.board_item_add(by=warehouse_lead, board=board, kpi=kpi)
    Kpi.objects.for_org(kpi.organization).filter(pk=kpi.pk).update(visibility="private")
    with pytest.raises(ValidationError):
        services.board_update(by=warehouse_lead, board=board, visibility="public")
