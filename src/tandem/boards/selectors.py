"""Reading boards: which the person may open, and the items on one that they may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.boards.models import Board, BoardItem, BoardMember, BoardRole
from tandem.boards.visibility import boards_visible
from tandem.core.errors import NotFound
from tandem.kpis.models import Visibility
from tandem.kpis.selectors import kpis
from tandem.okrs.selectors import objectives
from tandem.orgs.models import Membership


def boards(*, membership: Membership, visibility: str | None = None, search: str | None = None) -> QuerySet[Board]:
    """Every public board of the organization and the private boards the person is a member of."""
    found = (
        Board.objects.for_org(membership.organization).filter(boards_visible(membership)).select_related("owner__user")
    )
    if visibility:
        found = found.filter(visibility=visibility)
    if search:
        found = found.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return found.order_by("name", "id")


def board_get(*, membership: Membership, board_id: int) -> Board:
    """A board the person may open; missing, another organization's and a private board they are not on
    are the same 404."""
    found = boards(membership=membership).filter(pk=board_id).first()
    if found is None:
        raise NotFound()
    return found


def role_on(*, membership: Membership, board: Board) -> str | None:
    """The person's role on the board, or None when they are not a member."""
    return (
        BoardMember.objects.for_org(board.organization_id)
        .filter(board=board, membership=membership)
        .values_list("role", flat=True)
        .first()
    )


def can_edit_board(*, membership: Membership, board: Board, role: str | None) -> bool:
    """Its owner and editors arrange a board; administrators too, on public boards (a private board is its
    members' own)."""
    if not membership.can_write:
        return False
    if role in (BoardRole.OWNER, BoardRole.EDITOR):
        return True
    return membership.is_admin and board.visibility == Visibility.PUBLIC


def board_items(*, membership: Membership, board: Board) -> QuerySet[BoardItem]:
    """The board's items the person may see, in order, with their metric read along. A public board shows
    public metrics only, whoever looks (a metric made private after it was added drops off it)."""
    visible_kpis = kpis(membership=membership)
    visible_objectives = objectives(membership=membership)
    if board.visibility == Visibility.PUBLIC:
        visible_kpis = visible_kpis.filter(visibility=Visibility.PUBLIC)
        visible_objectives = visible_objectives.filter(visibility=Visibility.PUBLIC)
    return (
        BoardItem.objects.for_org(board.organization_id)
        .filter(board=board)
        .filter(
            Q(kpi__in=visible_kpis.values("pk"))
            | Q(objective__in=visible_objectives.values("pk"))
            | Q(key_result__objective__in=visible_objectives.values("pk"))
        )
        .select_related(
            "section",
            "kpi__owner__user",
            "kpi__team",
            "objective__owner__user",
            "objective__team",
            "objective__cycle",
            "key_result__owner__user",
            "key_result__objective",
        )
        .order_by("section__position", "section_id", "position", "id")
    )
