"""The one place that says which private metrics a private board shares, and with whom.

A private KPI or objective is visible to its owner, its team's managers up the tree and administrators
(the KPI and OKR selectors say so) and, through this module, to the members of every private board it is
on. A key result on a private board shares the objective it measures. Public boards never carry private
metrics (the board services refuse them), so only private boards grant anything here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tandem.boards.models import BoardItem, BoardMember
from tandem.kpis.models import Visibility
from tandem.orgs.models import Membership


def member_board_ids(membership: Membership) -> QuerySet[BoardMember, dict[str, Any]]:
    """The private boards the person is a member of, as a subquery of board ids."""
    return (
        BoardMember.objects.for_org(membership.organization_id)
        .filter(membership=membership, board__visibility=Visibility.PRIVATE)
        .values("board_id")
    )


def shared_kpis(membership: Membership) -> Q:
    """KPIs on the person's private boards, as a filter of KPIs."""
    items = BoardItem.objects.for_org(membership.organization_id).filter(
        board_id__in=member_board_ids(membership), kpi__isnull=False
    )
    return Q(pk__in=items.values("kpi_id"))


def shared_objectives(membership: Membership) -> Q:
    """Objectives on the person's private boards, or whose key results are, as a filter of objectives."""
    items = BoardItem.objects.for_org(membership.organization_id).filter(board_id__in=member_board_ids(membership))
    return Q(pk__in=items.filter(objective__isnull=False).values("objective_id")) | Q(
        pk__in=items.filter(key_result__isnull=False).values("key_result__objective_id")
    )


def boards_visible(membership: Membership) -> Q:
    """Boards the person may open: every public board, and the private ones they are a member of."""
    return Q(visibility=Visibility.PUBLIC) | Q(pk__in=member_board_ids(membership))
