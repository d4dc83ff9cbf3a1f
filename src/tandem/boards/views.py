"""Board pages: the list with its create form, a board with its cards and charts and, for its owners and
editors, an edit mode that adds, moves and removes items and sections in place (HTMX); its members page and
its settings page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from tandem.boards import access, content, forms, selectors, services
from tandem.boards.models import Board, BoardItem, BoardMember, BoardRole, ItemDisplay
from tandem.core import selectors as core_selectors
from tandem.core.errors import ValidationError
from tandem.core.ids import parse_id
from tandem.core.periods import local_today
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.kpis.models import Visibility
from tandem.orgs.models import Membership

BOARDS_PER_PAGE = 50
SEARCH_MAX = 100


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _search(request: HttpRequest) -> str:
    return (request.GET.get("q") or request.POST.get("q") or "").strip()[:SEARCH_MAX]


@member_required
def board_list(request: HttpRequest) -> HttpResponse:
    """Every public board and my private ones, with a lock on the private ones and what each holds."""
    me = _me(request)
    visibility = request.GET.get("visibility") or ""
    visibility = visibility if visibility in Visibility.values else ""
    search = _search(request)
    found = selectors.boards_listed(membership=me, visibility=visibility or None, search=search or None)
    page = Paginator(found, BOARDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "boards/list.html",
        {
            "page": page,
            "boards": list(page.object_list),
            "filters": {"visibility": visibility, "q": search},
            "form": forms.BoardForm() if me.can_write else None,
        },
    )


@member_required
def board_create(request: HttpRequest) -> HttpResponse:
    """A new board: its author owns it and starts arranging it."""
    me = _me(request)
    access.require_create(me)
    form = forms.BoardForm(request.POST or None)
    created = run_form(request, form, lambda data: services.board_create(by=me, **data))
    if created is not None:
        messages.success(request, _("The board was created. Now add the KPIs and OKRs it should show."))
        return redirect(f"{reverse('board_detail', args=[created.pk])}?edit=1")
    return render(request, "boards/create.html", {"form": form, "nav_section": "boards"}, status=form_status(form))


def _board_context(
    request: HttpRequest, me: Membership, board: Board, *, edit: bool, error: str = ""
) -> dict[str, Any]:
    """What the board page and its in-place body draw (``board`` from :func:`selectors.board_open`): every
    visible item's card or chart, in its section, and in edit mode the controls and the search for what to add."""
    role: str | None = board.my_role  # type: ignore[attr-defined]
    can_edit = selectors.can_edit_board(membership=me, board=board, role=role)
    editing = edit and can_edit
    tiles = content.board_tiles(membership=me, board=board, today=local_today(me.organization.tz))
    sections = list(selectors.board_sections(board=board))
    search = _search(request)
    return {
        "board": board,
        "role": role,
        "can_edit": can_edit,
        "can_manage": access.can_manage_board(me, board, role),
        "editing": editing,
        "groups": content.board_groups(tiles=tiles, sections=sections),
        "sections": sections,
        "tile_count": len(tiles),
        "charts": {tile.dom_id: tile.chart for tile in tiles if tile.item.display == ItemDisplay.CHART},
        "member_count": board.member_count,  # type: ignore[attr-defined]
        "q": search,
        "suggestions": selectors.metrics_to_add(membership=me, board=board, search=search) if editing else [],
        "error": error,
        "nav_section": "boards",
    }


def _render_board(
    request: HttpRequest, me: Membership, board: Board, *, edit: bool, error: str = "", status: int = 200
) -> HttpResponse:
    """The whole page, or only its body when HTMX swaps it in place."""
    context = _board_context(request, me, board, edit=edit, error=error)
    template = "boards/partials/board_body.html" if _htmx(request) else "boards/detail.html"
    return render(request, template, context, status=status)


@member_required
def board_detail(request: HttpRequest, board_id: int) -> HttpResponse:
    """A board's sections in order, each item as a card or a chart; ``?edit=1`` arranges it."""
    me = _me(request)
    board = selectors.board_open(membership=me, board_id=board_id)
    return _render_board(request, me, board, edit=request.GET.get("edit") == "1")


@member_required
def board_item_search(request: HttpRequest, board_id: int) -> HttpResponse:
    """The edit mode's suggestions for ``q``, swapped in under the search box as it is typed (HTMX)."""
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    access.require_edit(me, board, selectors.role_on(membership=me, board=board))
    search = _search(request)
    return render(
        request,
        "boards/partials/suggestions.html",
        {
            "board": board,
            "q": search,
            "suggestions": selectors.metrics_to_add(membership=me, board=board, search=search),
            "sections": list(selectors.board_sections(board=board)),
        },
    )


def _editable(me: Membership, board_id: int) -> Board:
    """The board, once the person may arrange it (403 otherwise; 404 when they may not even open it)."""
    board = selectors.board_open(membership=me, board_id=board_id)
    access.require_edit(me, board, board.my_role)  # type: ignore[attr-defined]
    return board


def _item(me: Membership, board: Board, item_id: int) -> BoardItem:
    return selectors.board_item_get(membership=me, board=board, item_id=item_id)


def _after_edit(
    request: HttpRequest, me: Membership, board: Board, done: str, error: ValidationError | None = None
) -> HttpResponse:
    """After a change in edit mode: the refreshed body in place (HTMX), else back to the board's edit mode. A
    refused change comes back with its reason (422)."""
    if error is not None:
        return _render_board(request, me, board, edit=True, error=error.message, status=422)
    if _htmx(request):
        return _render_board(request, me, board, edit=True)
    messages.success(request, done)
    return redirect(f"{reverse('board_detail', args=[board.pk])}?edit=1")


def _invalid(form: Any) -> ValidationError:
    """A form's first error as the domain error the edit mode shows (its fields are buttons, not inputs)."""
    field, problems = next(iter(form.errors.items()))
    return ValidationError(field, f"{field}: {problems[0]}" if field != "__all__" else problems[0])


def _edit(
    request: HttpRequest, me: Membership, board: Board, form: Any, change: Callable[[dict[str, Any]], object], done: str
) -> HttpResponse:
    """One change in edit mode: the form's first error, or the service's refusal, comes back in place."""
    if not form.is_valid():
        return _after_edit(request, me, board, "", _invalid(form))
    try:
        change(form.cleaned_data)
    except ValidationError as exc:
        return _after_edit(request, me, board, "", exc)
    return _after_edit(request, me, board, done)


@require_POST
@member_required
def board_item_add(request: HttpRequest, board_id: int) -> HttpResponse:
    """Put a suggested metric on the board, as a card or a chart, in a section."""
    me = _me(request)
    board = _editable(me, board_id)

    def add(data: dict[str, Any]) -> None:
        metric: dict[str, Any] = {
            data["kind"]: selectors.metric_get(membership=me, kind=data["kind"], metric_id=data["metric"])
        }
        section = selectors.section_chosen(board=board, section_id=data["section"])
        services.board_item_add(by=me, board=board, display=data["display"], section=section, **metric)

    return _edit(request, me, board, forms.ItemAddForm(request.POST), add, _("Added to the board."))


@require_POST
@member_required
def board_item_update(request: HttpRequest, board_id: int, item_id: int) -> HttpResponse:
    """One of an item's controls: card or chart, another section, or one place up or down."""
    me = _me(request)
    board = _editable(me, board_id)
    item = _item(me, board, item_id)

    def update(data: dict[str, Any]) -> None:
        changes: dict[str, Any] = {name: data[name] for name in ("display", "move") if data[name]}
        if "section" in request.POST:
            section_id = parse_id(data["section"])
            if data["section"] and section_id is None:
                raise ValidationError("section", _("No such section on this board."))
            changes["section"] = selectors.section_chosen(board=board, section_id=section_id)
        services.board_item_update(by=me, board=board, item=item, **changes)

    return _edit(request, me, board, forms.ItemUpdateForm(request.POST), update, _("The board was rearranged."))


@require_POST
@member_required
def board_item_remove(request: HttpRequest, board_id: int, item_id: int) -> HttpResponse:
    me = _me(request)
    board = _editable(me, board_id)
    services.board_item_remove(by=me, board=board, item=_item(me, board, item_id))
    return _after_edit(request, me, board, _("Removed from the board."))


@require_POST
@member_required
def board_section_add(request: HttpRequest, board_id: int) -> HttpResponse:
    me = _me(request)
    board = _editable(me, board_id)
    return _edit(
        request,
        me,
        board,
        forms.SectionForm(request.POST),
        lambda data: services.board_section_create(by=me, board=board, title=data["title"]),
        _("The section was added."),
    )


@require_POST
@member_required
def board_section_update(request: HttpRequest, board_id: int, section_id: int) -> HttpResponse:
    """Rename a section, or move it one place up or down."""
    me = _me(request)
    board = _editable(me, board_id)
    section = selectors.board_section_get(board=board, section_id=section_id)

    def update(data: dict[str, Any]) -> None:
        position = None
        if data["move"]:
            ids = [s.pk for s in selectors.board_sections(board=board)]
            position = max(0, ids.index(section.pk) + (-1 if data["move"] == "up" else 1))
        services.board_section_update(
            by=me, board=board, section=section, title=data["title"] or None, position=position
        )

    return _edit(request, me, board, forms.SectionUpdateForm(request.POST), update, _("The section was changed."))


@require_POST
@member_required
def board_section_delete(request: HttpRequest, board_id: int, section_id: int) -> HttpResponse:
    """Remove a section; its items stay on the board."""
    me = _me(request)
    board = _editable(me, board_id)
    section = selectors.board_section_get(board=board, section_id=section_id)
    services.board_section_delete(by=me, board=board, section=section)
    return _after_edit(request, me, board, _("The section was removed; its items stay on the board."))


@member_required
def board_edit(request: HttpRequest, board_id: int) -> HttpResponse:
    """A board's name, description and visibility, its history, and deleting it."""
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    access.require_manage(me, board, selectors.role_on(membership=me, board=board))
    form = forms.BoardForm(
        request.POST or None,
        initial={"name": board.name, "description": board.description, "visibility": board.visibility},
    )
    saved = run_form(request, form, lambda data: services.board_update(by=me, board=board, **data))
    if saved is not None:
        messages.success(request, _("The board was saved."))
        return redirect("board_detail", board_id=board.pk)
    return render(
        request,
        "boards/edit.html",
        {
            "board": board,
            "form": form,
            "history": core_selectors.history_page(membership=me, object_type="board", object_id=board.pk),
            "nav_section": "boards",
        },
        status=form_status(form),
    )


@require_POST
@member_required
def board_delete(request: HttpRequest, board_id: int) -> HttpResponse:
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    name = board.name
    services.board_delete(by=me, board=board)
    messages.success(request, _("The board “%(name)s” was deleted; its KPIs and OKRs stay.") % {"name": name})
    return redirect("boards")


def _members_context(request: HttpRequest, me: Membership, board: Board, **extra: Any) -> dict[str, Any]:
    role = selectors.role_on(membership=me, board=board)
    can_manage = access.can_manage_board(me, board, role)
    search = _search(request)
    members = list(selectors.board_members(board=board))
    return {
        "board": board,
        "members": members,
        "owner_count": sum(1 for m in members if m.role == BoardRole.OWNER),
        "can_manage": can_manage,
        "me": me,
        "roles": BoardRole.choices,
        "q": search,
        "candidates": selectors.people_to_add(membership=me, board=board, search=search) if can_manage else [],
        "form": forms.MemberAddForm(initial={"role": BoardRole.VIEWER}) if can_manage else None,
        "nav_section": "boards",
    } | extra


def _members_page(request: HttpRequest, me: Membership, board: Board, status: int = 200, **extra: Any) -> HttpResponse:
    context = _members_context(request, me, board, **extra)
    template = "boards/partials/members_card.html" if _htmx(request) else "boards/members.html"
    return render(request, template, context, status=status)


@member_required
def board_members(request: HttpRequest, board_id: int) -> HttpResponse:
    """Who is on the board and with which role; its owners add people (POST), change roles and remove them.
    ``?q=`` searches the people to add (HTMX fills the choice in place)."""
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    if request.method != "POST":
        if _htmx(request) and request.GET.get("people") == "1":
            return render(
                request,
                "boards/partials/person_options.html",
                {"candidates": selectors.people_to_add(membership=me, board=board, search=_search(request))},
            )
        return _members_page(request, me, board)
    access.require_manage(me, board, selectors.role_on(membership=me, board=board))
    form = forms.MemberAddForm(request.POST)
    added = run_form(
        request,
        form,
        lambda data: services.board_member_add(by=me, board=board, person=data["person"], role=data["role"]),
    )
    if added is None:
        return _members_page(request, me, board, status=422, form=form)
    if not _htmx(request):
        messages.success(request, _("%(name)s was added to the board.") % {"name": added.membership.display_name})
        return redirect("board_members", board_id=board.pk)
    return _members_page(request, me, board, added=added)


def _member(board: Board, member_id: int) -> BoardMember:
    return selectors.board_member_get(board=board, member_id=member_id)


@require_POST
@member_required
def board_member_update(request: HttpRequest, board_id: int, member_id: int) -> HttpResponse:
    """Change a member's role; the last owner cannot step down (409)."""
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    member = _member(board, member_id)
    form = forms.MemberRoleForm(request.POST)
    if not form.is_valid():
        access.require_manage(me, board, selectors.role_on(membership=me, board=board))
        return _members_page(request, me, board, status=422, error=_invalid(form).message)
    services.board_member_update(by=me, board=board, member=member, role=form.cleaned_data["role"])
    if not _htmx(request):
        messages.success(request, _("The role was changed."))
        return redirect("board_members", board_id=board.pk)
    return _members_page(request, me, board)


@require_POST
@member_required
def board_member_remove(request: HttpRequest, board_id: int, member_id: int) -> HttpResponse:
    """Take someone off the board, or leave it yourself; the last owner stays (409)."""
    me = _me(request)
    board = selectors.board_get(membership=me, board_id=board_id)
    member = _member(board, member_id)
    services.board_member_remove(by=me, board=board, member=member)
    if member.membership_id == me.pk and board.visibility == Visibility.PRIVATE:
        messages.success(request, _("You left the board."))
        return HttpResponseClientRedirect(reverse("boards")) if _htmx(request) else redirect("boards")
    if not _htmx(request):
        messages.success(request, _("%(name)s was removed from the board.") % {"name": member.membership.display_name})
        return redirect("board_members", board_id=board.pk)
    return _members_page(request, me, board)
