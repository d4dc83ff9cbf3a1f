"""Every change to boards: validated, in one transaction, recorded in the board's audit trail.

Every event is recorded on the board itself (``/api/v1/audit?object=board:ID``), so its history tells who
renamed it, who joined it with which role, and which metrics came and went.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tandem.boards import access, selectors
from tandem.boards.models import Board, BoardItem, BoardMember, BoardRole, BoardSection, ItemDisplay
from tandem.core import audit
from tandem.core.errors import Conflict, NotFound, ValidationError, full_clean
from tandem.kpis.models import Kpi, Visibility
from tandem.kpis.selectors import may_see_kpi
from tandem.okrs.models import KeyResult, Objective
from tandem.okrs.selectors import may_see_objective
from tandem.orgs.models import Membership

BOARD_FIELDS = ["name", "description", "visibility", "owner"]
CHANGEABLE = {"name", "description", "visibility"}
ITEM_CHANGEABLE = {"display", "section", "position", "move"}
# A board is read at a glance; beyond these it is two boards.
ITEMS_MAX = 100
SECTIONS_MAX = 30


def _record(by: Membership, board: Board, action: str, changes: dict[str, list[Any]]) -> None:
    audit.record(organization=by.organization, actor=by, obj=board, action=action, changes=changes)


def _role(by: Membership, board: Board) -> str | None:
    return selectors.role_on(membership=by, board=board)


def _choice(field: str, value: object, choices: list[str]) -> None:
    if value not in choices:
        raise ValidationError(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})


def board_create(*, by: Membership, name: str, description: str = "", visibility: str = Visibility.PUBLIC) -> Board:
    """A new board; its creator is its owner (and its first member)."""
    access.require_create(by)
    board = Board(
        organization=by.organization,
        name=(name or "").strip(),
        description=(description or "").strip(),
        visibility=visibility,
        owner=by,
    )
    full_clean(board, exclude=["organization", "owner"])
    with transaction.atomic():
        board.save()
        BoardMember.objects.create(organization=by.organization, board=board, membership=by, role=BoardRole.OWNER)
        _record(by, board, "created", audit.diff({}, audit.snapshot(board, BOARD_FIELDS)))
    return board


def board_update(*, by: Membership, board: Board, **changes: Any) -> Board:
    """Rename a board, or change its description or visibility. A board that carries private metrics stays
    private: making it public would show them to everyone."""
    access.require_manage(by, board, _role(by, board))
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(board, BOARD_FIELDS)
    for name, value in changes.items():
        setattr(board, name, value.strip() if isinstance(value, str) and name != "visibility" else value)
    if board.description is None:
        board.description = ""
    full_clean(board, exclude=["organization", "owner"])
    if before["visibility"] == Visibility.PRIVATE and board.visibility == Visibility.PUBLIC:
        count = selectors.private_items(board=board).count()
        if count:
            raise ValidationError(
                "visibility",
                _(
                    "This board carries %(count)s private metric(s): remove them before making it public, "
                    "so they are never shown to everyone."
                )
                % {"count": count},
            )
    diff = audit.diff(before, audit.snapshot(board, BOARD_FIELDS))
    if not diff:
        return board
    with transaction.atomic():
        board.save()
        _record(by, board, "updated", diff)
    return board


def board_delete(*, by: Membership, board: Board) -> None:
    """Delete a board with its sections and items; the metrics themselves stay."""
    access.require_manage(by, board, _role(by, board))
    with transaction.atomic():
        _record(by, board, "deleted", audit.diff(audit.snapshot(board, BOARD_FIELDS), {}))
        board.delete()


def _person(by: Membership, person: object) -> Membership:
    """An active person of the caller's organization, or a field error that reveals no other organization."""
    pk = person.pk if isinstance(person, Membership) else person
    if isinstance(pk, str) and pk.isdigit():
        pk = int(pk)
    found = (
        Membership.objects.for_org(by.organization).filter(pk=pk).select_related("user").first()
        if isinstance(pk, int) and not isinstance(pk, bool)
        else None
    )
    if found is None or not found.is_active:
        raise ValidationError("person", _("Choose an active person of this organization."))
    return found


def board_member_add(*, by: Membership, board: Board, person: object, role: str = BoardRole.VIEWER) -> BoardMember:
    """Give a person a role on the board. On a private board they then see it, and the private metrics on it."""
    access.require_manage(by, board, _role(by, board))
    _choice("role", role, BoardRole.values)
    chosen = _person(by, person)
    if BoardMember.objects.for_org(by.organization).filter(board=board, membership=chosen).exists():
        raise Conflict(_("%(name)s is already a member of this board.") % {"name": chosen.display_name})
    with transaction.atomic():
        member = BoardMember.objects.create(organization=by.organization, board=board, membership=chosen, role=role)
        _record(by, board, "member_added", {"person": [None, chosen.pk], "role": [None, role]})
    return member


def _other_owner(board: Board, member: BoardMember) -> BoardMember | None:
    return (
        BoardMember.objects.for_org(board.organization_id)
        .filter(board=board, role=BoardRole.OWNER)
        .exclude(pk=member.pk)
        .order_by("id")
        .first()
    )


def _keep_an_owner(board: Board, member: BoardMember, message: str) -> None:
    """A board always has an owner: the last one can neither leave nor step down. When the board's recorded
    owner goes, another owner takes the place."""
    if member.role != BoardRole.OWNER:
        return
    other = _other_owner(board, member)
    if other is None:
        raise Conflict(message)
    if board.owner_id == member.membership_id:
        board.owner_id = other.membership_id
        board.save(update_fields=["owner", "updated_at"])


def board_member_update(*, by: Membership, board: Board, member: BoardMember, role: str) -> BoardMember:
    """Change a member's role; the last owner cannot step down."""
    access.require_manage(by, board, _role(by, board))
    _choice("role", role, BoardRole.values)
    if role == member.role:
        return member
    with transaction.atomic():
        if role != BoardRole.OWNER:
            _keep_an_owner(board, member, _("A board needs an owner: make someone else an owner first."))
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
        _record(by, board, "member_updated", {"person": [None, member.membership_id], "role": [before, role]})
    return member


def board_member_remove(*, by: Membership, board: Board, member: BoardMember) -> None:
    """Take a person off the board (or leave it yourself); on a private board they no longer see it, nor the
    private metrics they saw through it. The last owner cannot leave."""
    access.require_leave_or_manage(by, board, _role(by, board), member.membership_id)
    with transaction.atomic():
        _keep_an_owner(board, member, _("A board needs an owner: make someone else an owner before leaving."))
        _record(by, board, "member_removed", {"person": [member.membership_id, None], "role": [member.role, None]})
        member.delete()


def _move(rows: list[Any], row: Any, index: int) -> list[Any]:
    """``rows`` in their new order once ``row`` is placed at ``index`` (clamped to the list)."""
    others = [r for r in rows if r.pk != row.pk]
    index = max(0, min(index, len(others)))
    return [*others[:index], row, *others[index:]]


def _index(rows: list[Any], row: Any) -> int:
    return next(i for i, r in enumerate(rows) if r.pk == row.pk)


def _renumber(model: type[Any], rows: list[Any]) -> None:
    """Positions 0, 1, 2… in the given order, written for the rows whose position changed."""
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        model.objects.for_org(changed[0].organization_id).bulk_update(changed, ["position"])


def board_section_create(*, by: Membership, board: Board, title: str) -> BoardSection:
    """A new heading at the end of the board."""
    access.require_edit(by, board, _role(by, board))
    sections = BoardSection.objects.for_org(by.organization).filter(board=board)
    if sections.count() >= SECTIONS_MAX:
        raise Conflict(_("A board has at most %(max)s sections.") % {"max": SECTIONS_MAX})
    last = sections.aggregate(last=Max("position"))["last"]
    section = BoardSection(
        organization=by.organization, board=board, title=(title or "").strip(), position=0 if last is None else last + 1
    )
    full_clean(section, exclude=["organization", "board"])
    with transaction.atomic():
        section.save()
        _record(by, board, "section_added", {"section": [None, section.title]})
    return section


def board_section_update(
    *, by: Membership, board: Board, section: BoardSection, title: str | None = None, position: int | None = None
) -> BoardSection:
    """Rename a section, or move it to ``position`` (0 is the top) among the board's sections."""
    access.require_edit(by, board, _role(by, board))
    changes: dict[str, list[Any]] = {}
    if title is not None and title.strip() != section.title:
        changes["section"] = [section.title, title.strip()]
        section.title = title.strip()
        full_clean(section, exclude=["organization", "board"])
    if position is not None and position < 0:
        raise ValidationError("position", _("Give a position of 0 or more."))
    with transaction.atomic():
        if changes:
            section.save(update_fields=["title"])
        if position is not None:
            sections = list(selectors.board_sections(board=board))
            ordered = _move(sections, section, position)
            here, now = _index(sections, section), _index(ordered, section)
            if here != now:
                changes["position"] = [here, now]
                changes.setdefault("section", [None, section.title])
            _renumber(BoardSection, ordered)
        if changes:
            _record(by, board, "section_updated", changes)
    return section


def board_section_delete(*, by: Membership, board: Board, section: BoardSection) -> None:
    """Remove a heading; its items stay on the board, at the end of the items outside any section."""
    access.require_edit(by, board, _role(by, board))
    with transaction.atomic():
        loose = BoardItem.objects.for_org(by.organization).filter(board=board, section__isnull=True)
        last = loose.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        moved = list(
            BoardItem.objects.for_org(by.organization).filter(board=board, section=section).order_by("position", "id")
        )
        for offset, item in enumerate(moved):
            item.section = None
            item.position = start + offset
        BoardItem.objects.for_org(by.organization).bulk_update(moved, ["section", "position"])
        _record(by, board, "section_removed", {"section": [section.title, None]})
        section.delete()


def _metric_field(kpi: Kpi | None, objective: Objective | None, key_result: KeyResult | None) -> str:
    return "kpi" if kpi is not None else "objective" if objective is not None else "key_result"


def _may_see(by: Membership, kpi: Kpi | None, objective: Objective | None, key_result: KeyResult | None) -> bool:
    if kpi is not None:
        return may_see_kpi(by, kpi)
    if objective is not None:
        return may_see_objective(by, objective)
    assert key_result is not None
    return may_see_objective(by, key_result.objective)


def _is_private(kpi: Kpi | None, objective: Objective | None, key_result: KeyResult | None) -> bool:
    if kpi is not None:
        return kpi.visibility == Visibility.PRIVATE
    if objective is not None:
        return objective.visibility == Visibility.PRIVATE
    assert key_result is not None
    return key_result.objective.visibility == Visibility.PRIVATE


def _section_of(board: Board, section: BoardSection | None) -> BoardSection | None:
    if section is not None and section.board_id != board.pk:
        raise ValidationError("section", _("Choose a section of this board."))
    return section


def board_item_add(
    *,
    by: Membership,
    board: Board,
    kpi: Kpi | None = None,
    objective: Objective | None = None,
    key_result: KeyResult | None = None,
    display: str = ItemDisplay.CARD,
    section: BoardSection | None = None,
) -> BoardItem:
    """Put a KPI, an objective or a key result the person may see on the board, at the end of its section.
    Private metrics go on private boards only: a public board is read by the whole organization."""
    access.require_edit(by, board, _role(by, board))
    if sum(m is not None for m in (kpi, objective, key_result)) != 1:
        raise ValidationError("kpi", _("Give one KPI, objective or key result."))
    field = _metric_field(kpi, objective, key_result)
    if not _may_see(by, kpi, objective, key_result):
        raise NotFound()
    _choice("display", display, ItemDisplay.values)
    _section_of(board, section)
    if board.visibility == Visibility.PUBLIC and _is_private(kpi, objective, key_result):
        raise ValidationError(
            field,
            _(
                "This %(kind)s is private: it may be put on private boards only, never on a public board. "
                "Make the board private, or choose a public one."
            )
            % {"kind": {"kpi": _("KPI"), "objective": _("objective"), "key_result": _("key result")}[field]},
        )
    with transaction.atomic():
        # One writer at a time per board, so a double click adds a metric once and positions stay distinct.
        Board.objects.for_org(by.organization).select_for_update().filter(pk=board.pk).first()
        items = BoardItem.objects.for_org(by.organization).filter(board=board)
        if items.filter(kpi=kpi, objective=objective, key_result=key_result).exists():
            raise Conflict(_("It is on this board already."))
        if items.count() >= ITEMS_MAX:
            raise Conflict(_("A board holds at most %(max)s items.") % {"max": ITEMS_MAX})
        last = items.filter(section=section).aggregate(last=Max("position"))["last"]
        item = BoardItem.objects.create(
            organization=by.organization,
            board=board,
            kpi=kpi,
            objective=objective,
            key_result=key_result,
            display=display,
            section=section,
            position=0 if last is None else last + 1,
        )
        changes: dict[str, list[Any]] = {field: [None, item.kpi_id or item.objective_id or item.key_result_id]}
        changes["display"] = [None, display]
        if section is not None:
            changes["section"] = [None, section.title]
        _record(by, board, "item_added", changes)
    return item


def board_item_update(*, by: Membership, board: Board, item: BoardItem, **changes: Any) -> BoardItem:
    """Show an item as a card or a chart, move it to another section (at its end), or within its section:
    ``move`` one place "up" or "down", or to ``position`` (0 is the top)."""
    access.require_edit(by, board, _role(by, board))
    unknown = set(changes) - ITEM_CHANGEABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    trail: dict[str, list[Any]] = {}
    if "display" in changes and changes["display"] != item.display:
        _choice("display", changes["display"], ItemDisplay.values)
        trail["display"] = [item.display, changes["display"]]
        item.display = changes["display"]
    move = changes.get("move")
    if move is not None:
        _choice("move", move, ["up", "down"])
    position = changes.get("position")
    if position is not None and (not isinstance(position, int) or position < 0):
        raise ValidationError("position", _("Give a position of 0 or more."))
    with transaction.atomic():
        Board.objects.for_org(by.organization).select_for_update().filter(pk=board.pk).first()
        items = BoardItem.objects.for_org(by.organization).filter(board=board)
        if "section" in changes and _section_id(changes["section"]) != item.section_id:
            section = _section_of(board, changes["section"])
            old = item.section.title if item.section is not None else None
            trail["section"] = [old, section.title if section is not None else None]
            last = items.filter(section=section).aggregate(last=Max("position"))["last"]
            item.section = section
            item.position = 0 if last is None else last + 1
        if trail:
            item.save(update_fields=["display", "section", "position"])
        if move is not None or position is not None:
            siblings = list(items.filter(section_id=item.section_id).order_by("position", "id"))
            here = _index(siblings, item)
            wanted = position if position is not None else here + (-1 if move == "up" else 1)
            ordered = _move(siblings, item, wanted)
            now = _index(ordered, item)
            if now != here:
                trail["position"] = [here, now]
            _renumber(BoardItem, ordered)
            item.position = now
        if trail:
            trail[_field_of(item)] = [None, item.kpi_id or item.objective_id or item.key_result_id]
            _record(by, board, "item_updated", trail)
    return item


def _section_id(section: object) -> int | None:
    return section.pk if isinstance(section, BoardSection) else None


def _field_of(item: BoardItem) -> str:
    return "kpi" if item.kpi_id else "objective" if item.objective_id else "key_result"


def board_item_remove(*, by: Membership, board: Board, item: BoardItem) -> None:
    """Take an item off the board; the metric itself stays. On a private board, its members no longer see a
    private metric through this board."""
    access.require_edit(by, board, _role(by, board))
    with transaction.atomic():
        _record(
            by, board, "item_removed", {_field_of(item): [item.kpi_id or item.objective_id or item.key_result_id, None]}
        )
        item.delete()
        siblings = list(
            BoardItem.objects.for_org(by.organization)
            .filter(board=board, section_id=item.section_id)
            .order_by("position", "id")
        )
        _renumber(BoardItem, siblings)
