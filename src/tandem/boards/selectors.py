"""Reading boards: which the person may open, and the items on one that they may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tandem.boards.models import Board, BoardItem, BoardMember, BoardRole, BoardSection
from tandem.boards.visibility import boards_visible
from tandem.core.errors import NotFound, ValidationError
from tandem.kpis.models import Kpi, Visibility
from tandem.kpis.selectors import kpis
from tandem.okrs.models import KeyResult, Objective
from tandem.okrs.selectors import key_results, objectives
from tandem.orgs.models import Membership
from tandem.orgs.selectors import people, people_near


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
    on_board = BoardItem.objects.for_org(board.organization_id).filter(board=board)
    # The visibility rules are asked of the metrics on this board only, by id: a huge organization's thousands
    # of KPIs and objectives are never all judged to show forty items (three small indexed queries).
    refs = list(on_board.values_list("kpi_id", "objective_id", "key_result__objective_id"))
    kpi_ids = {kpi_id for kpi_id, _objective, _of_result in refs if kpi_id}
    objective_ids = {objective_id or of_result for _kpi, objective_id, of_result in refs if objective_id or of_result}
    public_only = board.visibility == Visibility.PUBLIC
    shown_kpis: list[int] = []
    shown_objectives: list[int] = []
    if kpi_ids:
        visible_kpis = kpis(membership=membership).filter(pk__in=kpi_ids).order_by()
        if public_only:
            visible_kpis = visible_kpis.filter(visibility=Visibility.PUBLIC)
        shown_kpis = list(visible_kpis.values_list("pk", flat=True))
    if objective_ids:
        visible_objectives = objectives(membership=membership).filter(pk__in=objective_ids).order_by()
        if public_only:
            visible_objectives = visible_objectives.filter(visibility=Visibility.PUBLIC)
        shown_objectives = list(visible_objectives.values_list("pk", flat=True))
    return (
        on_board.filter(
            Q(kpi_id__in=shown_kpis)
            | Q(objective_id__in=shown_objectives)
            | Q(key_result__objective_id__in=shown_objectives)
        )
        # What cards and charts show of each metric; its owner and team are on its own page.
        .select_related("section", "kpi", "objective__cycle", "key_result__objective__cycle")
        # Items outside any section come first, on SQLite and PostgreSQL alike.
        .order_by(F("section__position").asc(nulls_first=True), "section_id", "position", "id")
    )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of a queryset correlated to the outer board, as a subquery (0 when none)."""
    return Coalesce(
        Subquery(queryset.order_by().values("board_id").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def boards_listed(
    *, membership: Membership, visibility: str | None = None, search: str | None = None
) -> QuerySet[Board]:
    """:func:`boards` with what a list shows of each: the number of items the person sees on it (a public
    board shows public metrics only; a private board's members see all of it), its member count and the
    person's role. One query, whatever the number of boards."""
    organization = membership.organization
    items = BoardItem.objects.for_org(organization).filter(board=OuterRef("pk"))
    shown = items.filter(
        Q(board__visibility=Visibility.PRIVATE)
        | Q(kpi__visibility=Visibility.PUBLIC)
        | Q(objective__visibility=Visibility.PUBLIC)
        | Q(key_result__objective__visibility=Visibility.PUBLIC)
    )
    members = BoardMember.objects.for_org(organization).filter(board=OuterRef("pk"))
    return boards(membership=membership, visibility=visibility, search=search).annotate(
        item_count=_count(shown),
        member_count=_count(members),
        my_role=Subquery(members.filter(membership=membership).values("role")[:1]),
    )


def board_open(*, membership: Membership, board_id: int) -> Board:
    """:func:`board_get` with the person's role (``my_role``), the member count and the items they see, read in
    the same query, for the board's page."""
    found = boards_listed(membership=membership).filter(pk=board_id).first()
    if found is None:
        raise NotFound()
    return found


ROLE_ORDER = Case(
    When(role=BoardRole.OWNER, then=Value(0)),
    When(role=BoardRole.EDITOR, then=Value(1)),
    default=Value(2),
)


def board_members(*, board: Board) -> QuerySet[BoardMember]:
    """The members of a board the caller may open: owners, then editors, then viewers, by name."""
    return (
        BoardMember.objects.for_org(board.organization_id)
        .filter(board=board)
        .select_related("membership__user")
        .order_by(ROLE_ORDER, "membership__user__full_name", "id")
    )


def board_member_get(*, board: Board, member_id: int) -> BoardMember:
    found = board_members(board=board).filter(pk=member_id).first()
    if found is None:
        raise NotFound()
    return found


def board_sections(*, board: Board) -> QuerySet[BoardSection]:
    return BoardSection.objects.for_org(board.organization_id).filter(board=board).order_by("position", "id")


def board_section_get(*, board: Board, section_id: int) -> BoardSection:
    found = board_sections(board=board).filter(pk=section_id).first()
    if found is None:
        raise NotFound()
    return found


def section_chosen(*, board: Board, section_id: int | None) -> BoardSection | None:
    """The section of this board a request names (None for none), or a field error."""
    if section_id is None:
        return None
    found = board_sections(board=board).filter(pk=section_id).first()
    if found is None:
        raise ValidationError("section", _("No such section on this board."))
    return found


def board_item_get(*, membership: Membership, board: Board, item_id: int) -> BoardItem:
    """An item the person sees on the board; one they may not see is missing, as on the page."""
    found = board_items(membership=membership, board=board).filter(pk=item_id).first()
    if found is None:
        raise NotFound()
    return found


METRIC_KINDS = ("kpi", "objective", "key_result")


def metric_get(*, membership: Membership, kind: str, metric_id: int) -> Kpi | Objective | KeyResult:
    """The KPI, objective or key result to put on a board, if the person may see it. Missing and hidden are
    the same field error, so an id never confirms that a metric exists."""
    try:
        if kind == "kpi":
            return kpis(membership=membership).get(pk=metric_id)
        if kind == "objective":
            return objectives(membership=membership).get(pk=metric_id)
        if kind == "key_result":
            return key_results(membership=membership).select_related("objective__cycle").get(pk=metric_id)
    except (Kpi.DoesNotExist, Objective.DoesNotExist, KeyResult.DoesNotExist):
        pass
    messages = {
        "kpi": _("No such KPI that you can see."),
        "objective": _("No such objective that you can see."),
        "key_result": _("No such key result that you can see."),
    }
    raise ValidationError(kind if kind in messages else "kpi", messages.get(kind, messages["kpi"]))


SUGGESTIONS_MAX = 20


CANDIDATES = 200


def _newest_matching(queryset: QuerySet[Any], search: str, membership: Membership) -> QuerySet[Any]:
    """The newest objectives or key results whose title matches ``search`` (without one: the person's own),
    at most 200, before any visibility rule: a plain scan of one table that stops early, however many of an
    organization's tens of thousands match."""
    found = queryset.filter(title__icontains=search) if search else queryset.filter(owner=membership)
    return found.order_by("-id")[:CANDIDATES]


def metrics_to_add(*, membership: Membership, board: Board, search: str = "") -> list[dict[str, Any]]:
    """What an editor may add, as the board's search box suggests it: KPIs, objectives and key results the
    person may see and that are not on the board yet, matching ``search`` (or, without one, their own), at
    most 20: KPIs by name, objectives and key results newest first. A public board is offered public metrics
    only."""
    organization = board.organization_id
    on_board = BoardItem.objects.for_org(organization).filter(board=board)
    public = board.visibility == Visibility.PUBLIC
    found_kpis = kpis(membership=membership).exclude(pk__in=on_board.filter(kpi__isnull=False).values("kpi_id"))
    found_kpis = found_kpis.filter(Q(name__icontains=search) | Q(key__icontains=search)) if search else found_kpis
    found_kpis = found_kpis if search else found_kpis.filter(owner=membership)
    taken_objectives = on_board.filter(objective__isnull=False).values("objective_id")
    taken_results = on_board.filter(key_result__isnull=False).values("key_result_id")
    objective_ids = list(
        _newest_matching(
            Objective.objects.for_org(organization).exclude(pk__in=taken_objectives), search, membership
        ).values_list("pk", flat=True)
    )
    results = list(
        _newest_matching(
            KeyResult.objects.for_org(organization).exclude(pk__in=taken_results), search, membership
        ).values_list("pk", "objective_id")
    )
    # The visibility rules, asked of these few candidates only (by id).
    visible = objectives(membership=membership).filter(pk__in={*objective_ids, *(o for _pk, o in results)})
    if public:
        found_kpis = found_kpis.filter(visibility=Visibility.PUBLIC)
        visible = visible.filter(visibility=Visibility.PUBLIC)
    shown = {
        pk: (title, cycle, private == Visibility.PRIVATE)
        for pk, title, cycle, private in visible.order_by().values_list("pk", "title", "cycle__name", "visibility")
    }
    suggestions: list[dict[str, Any]] = [
        {"kind": "kpi", "id": pk, "title": name, "detail": team or "", "private": private == Visibility.PRIVATE}
        for pk, name, team, private in found_kpis.order_by("name", "id").values_list(
            "pk", "name", "team__name", "visibility"
        )[:8]
    ]
    suggestions += [
        {"kind": "objective", "id": pk, "title": shown[pk][0], "detail": shown[pk][1], "private": shown[pk][2]}
        for pk in [pk for pk in objective_ids if pk in shown][:6]
    ]
    wanted = [(pk, objective) for pk, objective in results if objective in shown][: SUGGESTIONS_MAX - len(suggestions)]
    titles = dict(
        KeyResult.objects.for_org(organization).filter(pk__in=[pk for pk, _o in wanted]).values_list("pk", "title")
    )
    suggestions += [
        {
            "kind": "key_result",
            "id": pk,
            "title": titles[pk],
            "detail": shown[objective][0],
            "private": shown[objective][2],
        }
        for pk, objective in wanted
        if pk in titles
    ]
    return suggestions


def private_items(*, board: Board) -> QuerySet[BoardItem]:
    """The board's private metrics, whoever may see them: what keeps a board from being made public."""
    return (
        BoardItem.objects.for_org(board.organization_id)
        .filter(board=board)
        .filter(
            Q(kpi__visibility=Visibility.PRIVATE)
            | Q(objective__visibility=Visibility.PRIVATE)
            | Q(key_result__objective__visibility=Visibility.PRIVATE)
        )
    )


PEOPLE_MAX = 50


def people_to_add(*, membership: Membership, board: Board, search: str = "") -> list[Membership]:
    """Whom the members page offers to add: active people of the organization not on the board yet, matching
    ``search`` (name or email), else the people near the person; at most 50, never the whole organization."""
    on_board = set(
        BoardMember.objects.for_org(board.organization_id).filter(board=board).values_list("membership_id", flat=True)
    )
    if search:
        found = list(people(membership=membership, search=search).exclude(pk__in=on_board)[:PEOPLE_MAX])
    else:
        found = [p for p in people_near(membership=membership) if p.pk not in on_board][:PEOPLE_MAX]
    return found
