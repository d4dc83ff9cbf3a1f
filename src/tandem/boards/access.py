"""Who may change a board, one condition per line.

Anyone who writes may create boards. A board is arranged (sections, items) by its owners and editors, and by
administrators when it is public. It is managed (renamed, made public or private, deleted, its members and
their roles) by its owners, and by administrators when it is public: a private board is its members' own.
Viewers of the organization never write; a board's viewers only look.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.boards.models import Board, BoardRole
from tandem.boards.selectors import can_edit_board
from tandem.core.errors import PermissionDenied
from tandem.kpis.models import Visibility
from tandem.orgs import access
from tandem.orgs.models import Membership


def require_create(membership: Membership) -> None:
    access.require_writer(membership)


def require_edit(membership: Membership, board: Board, role: str | None) -> None:
    """Arrange the board: add, move and remove items and sections."""
    access.require_writer(membership)
    if not can_edit_board(membership=membership, board=board, role=role):
        raise PermissionDenied(_("Only the board's owners and editors can arrange it."))


def can_manage_board(membership: Membership, board: Board, role: str | None) -> bool:
    """Rename, change visibility, delete, and manage members and roles."""
    if not membership.can_write:
        return False
    if role == BoardRole.OWNER:
        return True
    return membership.is_admin and board.visibility == Visibility.PUBLIC


def require_manage(membership: Membership, board: Board, role: str | None) -> None:
    access.require_writer(membership)
    if not can_manage_board(membership, board, role):
        raise PermissionDenied(_("Only the board's owners can change its settings and members."))


def require_leave_or_manage(membership: Membership, board: Board, role: str | None, member_person_id: int) -> None:
    """Removing a member: whoever manages the board, or the member themselves (leaving it)."""
    if not membership.is_active:
        raise PermissionDenied(_("Your access to this organization has been removed."))
    if member_person_id == membership.pk:
        return
    require_manage(membership, board, role)
