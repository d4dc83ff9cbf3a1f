"""``/api/v1/boards``: boards, their members, sections and items, and the data of their charts, with the same
rules as the pages."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.boards import access, content, schemas, selectors, services
from tandem.boards.models import Board
from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.core.periods import local_today
from tandem.kpis.models import Visibility
from tandem.orgs.models import Membership

router = Router(tags=["boards"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


def _board(request: HttpRequest, board_id: int) -> Board:
    return selectors.board_get(membership=_me(request), board_id=board_id)


def _detail(me: Membership, board_id: int) -> Board:
    board = selectors.boards_listed(membership=me).filter(pk=board_id).first()
    if board is None:
        raise NotFound()
    role = board.my_role  # type: ignore[attr-defined]
    board.section_list = list(selectors.board_sections(board=board))  # type: ignore[attr-defined]
    board.can_edit = selectors.can_edit_board(membership=me, board=board, role=role)  # type: ignore[attr-defined]
    board.can_manage = access.can_manage_board(me, board, role)  # type: ignore[attr-defined]
    return board


@router.get("/boards", response=list[schemas.BoardOut])
@paginate(Pagination)
def board_list(request: HttpRequest, visibility: Visibility | None = None, q: str | None = Query(None, max_length=100)):
    """Every public board, and the private boards you are a member of, by name."""
    return selectors.boards_listed(membership=_me(request), visibility=visibility, search=q)


@router.post("/boards", response={201: schemas.BoardDetailOut})
def board_create(request: HttpRequest, payload: schemas.BoardIn) -> Any:
    """A new board; you become its owner."""
    board = services.board_create(by=_me(request), **payload.dict())
    return Status(201, _detail(_me(request), board.pk))


@router.get("/boards/{board_id}", response=schemas.BoardDetailOut)
def board_get(request: HttpRequest, board_id: Id) -> Any:
    return _detail(_me(request), board_id)


@router.patch("/boards/{board_id}", response=schemas.BoardDetailOut)
def board_update(request: HttpRequest, board_id: Id, payload: schemas.BoardPatch) -> Any:
    """Rename it, or change its description or visibility (owners, and administrators on public boards)."""
    changes = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    services.board_update(by=_me(request), board=_board(request, board_id), **changes)
    return _detail(_me(request), board_id)


@router.delete("/boards/{board_id}", response={204: None})
def board_delete(request: HttpRequest, board_id: Id) -> Any:
    services.board_delete(by=_me(request), board=_board(request, board_id))
    return Status(204, None)


@router.get("/boards/{board_id}/members", response=list[schemas.MemberOut])
@paginate(Pagination)
def board_member_list(request: HttpRequest, board_id: Id) -> Any:
    """Owners, then editors, then viewers."""
    return selectors.board_members(board=_board(request, board_id))


@router.post("/boards/{board_id}/members", response={201: schemas.MemberOut})
def board_member_add(request: HttpRequest, board_id: Id, payload: schemas.MemberIn) -> Any:
    """Give a person of your organization a role on the board; on a private board they then see it."""
    board = _board(request, board_id)
    member = services.board_member_add(by=_me(request), board=board, person=payload.person, role=payload.role)
    return Status(201, selectors.board_member_get(board=board, member_id=member.pk))


@router.patch("/boards/{board_id}/members/{member_id}", response=schemas.MemberOut)
def board_member_update(request: HttpRequest, board_id: Id, member_id: Id, payload: schemas.MemberPatch) -> Any:
    board = _board(request, board_id)
    member = selectors.board_member_get(board=board, member_id=member_id)
    services.board_member_update(by=_me(request), board=board, member=member, role=payload.role)
    return selectors.board_member_get(board=board, member_id=member_id)


@router.delete("/boards/{board_id}/members/{member_id}", response={204: None})
def board_member_remove(request: HttpRequest, board_id: Id, member_id: Id) -> Any:
    """Take a person off the board, or leave it yourself; the last owner stays (409)."""
    board = _board(request, board_id)
    member = selectors.board_member_get(board=board, member_id=member_id)
    services.board_member_remove(by=_me(request), board=board, member=member)
    return Status(204, None)


@router.post("/boards/{board_id}/sections", response={201: schemas.SectionOut})
def board_section_create(request: HttpRequest, board_id: Id, payload: schemas.SectionIn) -> Any:
    """A new section at the end of the board."""
    return Status(
        201, services.board_section_create(by=_me(request), board=_board(request, board_id), **payload.dict())
    )


@router.patch("/boards/{board_id}/sections/{section_id}", response=schemas.SectionOut)
def board_section_update(request: HttpRequest, board_id: Id, section_id: Id, payload: schemas.SectionPatch) -> Any:
    board = _board(request, board_id)
    section = selectors.board_section_get(board=board, section_id=section_id)
    services.board_section_update(by=_me(request), board=board, section=section, **payload.dict(exclude_unset=True))
    return selectors.board_section_get(board=board, section_id=section_id)


@router.delete("/boards/{board_id}/sections/{section_id}", response={204: None})
def board_section_delete(request: HttpRequest, board_id: Id, section_id: Id) -> Any:
    """Remove a section; its items stay on the board, outside any section."""
    board = _board(request, board_id)
    section = selectors.board_section_get(board=board, section_id=section_id)
    services.board_section_delete(by=_me(request), board=board, section=section)
    return Status(204, None)


@router.get("/boards/{board_id}/items", response=list[schemas.ItemOut])
@paginate(Pagination)
def board_item_list(request: HttpRequest, board_id: Id) -> Any:
    """The items you may see, in the board's order (a public board shows public metrics only)."""
    return selectors.board_items(membership=_me(request), board=_board(request, board_id))


@router.post("/boards/{board_id}/items", response={201: schemas.ItemOut})
def board_item_add(request: HttpRequest, board_id: Id, payload: schemas.ItemIn) -> Any:
    """Put a KPI, an objective or a key result you can see on the board (give exactly one). Private metrics go on
    private boards only (422); one already on the board is a 409."""
    me = _me(request)
    board = _board(request, board_id)
    given = {kind: getattr(payload, kind) for kind in selectors.METRIC_KINDS if getattr(payload, kind) is not None}
    if len(given) != 1:
        raise ValidationError("kpi", _("Give one KPI, objective or key result."))
    [(kind, metric_id)] = given.items()
    metric: dict[str, Any] = {kind: selectors.metric_get(membership=me, kind=kind, metric_id=metric_id)}
    item = services.board_item_add(
        by=me,
        board=board,
        display=payload.display,
        section=selectors.section_chosen(board=board, section_id=payload.section),
        **metric,
    )
    return Status(201, selectors.board_item_get(membership=me, board=board, item_id=item.pk))


@router.patch("/boards/{board_id}/items/{item_id}", response=schemas.ItemOut)
def board_item_update(request: HttpRequest, board_id: Id, item_id: Id, payload: schemas.ItemPatch) -> Any:
    """Show it as a card or a chart, move it to another section, or up, down or to a position in its own."""
    me = _me(request)
    board = _board(request, board_id)
    item = selectors.board_item_get(membership=me, board=board, item_id=item_id)
    changes = payload.dict(exclude_unset=True)
    if "section" in changes:
        changes["section"] = selectors.section_chosen(board=board, section_id=changes["section"])
    if changes.get("display") is None:
        changes.pop("display", None)
    services.board_item_update(by=me, board=board, item=item, **changes)
    return selectors.board_item_get(membership=me, board=board, item_id=item_id)


@router.delete("/boards/{board_id}/items/{item_id}", response={204: None})
def board_item_remove(request: HttpRequest, board_id: Id, item_id: Id) -> Any:
    me = _me(request)
    board = _board(request, board_id)
    item = selectors.board_item_get(membership=me, board=board, item_id=item_id)
    services.board_item_remove(by=me, board=board, item=item)
    return Status(204, None)


@router.get("/boards/{board_id}/data", response=schemas.BoardDataOut)
def board_data(request: HttpRequest, board_id: Id) -> Any:
    """Every item you may see with what its card shows and what its chart draws, from the same reads as the
    board page: a private metric appears here only to whoever may see it."""
    me = _me(request)
    board = _board(request, board_id)
    tiles = content.board_tiles(membership=me, board=board, today=local_today(me.organization.tz))
    items = [
        {
            "id": tile.item.pk,
            "kind": tile.kind,
            "metric": tile.item.kpi_id or tile.item.objective_id or tile.item.key_result_id,
            "title": tile.title,
            "url": tile.url,
            "display": tile.item.display,
            "section": tile.item.section_id,
            "summary": content.tile_summary(tile),
            "chart": tile.chart,
        }
        for tile in tiles
    ]
    return {"items": items, "count": len(items)}
